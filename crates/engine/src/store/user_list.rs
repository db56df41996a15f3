//! The admin's Users list read: searched, filtered (IdP, active), sorted and paged with the true
//! total, from `user_list` and `user_counts` (migration 0015) instead of every user's JSON.
//!
//! At 100 000 users the list read each user's stored attributes for a search, the `active`
//! filter and two of the four orders (0.1–0.4 s a page). `user_list` keeps, per user, what those
//! read: a narrow row kept by triggers in the write's own statement (so it cannot lag behind a
//! write), and `user_counts` the number of users per (creator, active). It has one index, on
//! `modified` (migration 0017): every index costs each user write a page or two (creates lost
//! about a fifth of their rate with four). How a page is read:
//! - creation order: a walk of `user_list` in its own order that stops at the page;
//! - last-modified order, unsearched: a walk of its index from the end that stops at the page;
//! - the other orders, and any search: one scan of the narrow rows keeping the page's top rows;
//! - the total: summed from `user_counts` without text; with text, the page itself when it is
//!   not full, else a count over the same scan.
//!
//! The page's rows are then read from `resources` by primary key.

use super::bind::Arg;
use super::resources::{COLUMNS, StoredResource, UserSearch, UserSort, row_to_resource};
use super::{Result, SqliteConn};
use crate::model::Idp;
use sqlx::Row;

/// The `WHERE` terms (and their arguments) of the IdP and active filters, over the `creator` and
/// `active` columns both `user_list` and `user_counts` have.
fn filters(q: &UserSearch, clause: &mut Vec<&'static str>, args: &mut Vec<Arg>) {
    if let Some(idp) = q.idp {
        clause.push("creator = ?");
        args.push(Arg::Text(idp.as_str().to_owned()));
    }
    if let Some(active) = q.active {
        clause.push("active = ?");
        args.push(Arg::Int(i64::from(active)));
    }
}

/// The `ORDER BY` of `q` over columns of `user_list` named with `alias`. Ties go the way of the
/// order (the newest first when descending).
///
/// Last-modified order walks `user_list_modified` (migration 0017) and stops at the page;
/// searched (`by_scan`), it scans and sorts instead (`+` keeps SQLite off the index): a rare
/// text would otherwise be looked for row by row in index order, slower than the scan.
fn order_by(q: &UserSearch, alias: &str, by_scan: bool) -> String {
    let dir = if q.descending { "DESC" } else { "ASC" };
    match q.sort {
        UserSort::Created => format!("{alias}.pk {dir}"),
        UserSort::UserName => format!("{alias}.name_key {dir}, {alias}.pk {dir}"),
        UserSort::DisplayName => format!("{alias}.display_key {dir}, {alias}.pk {dir}"),
        UserSort::LastModified if by_scan => format!("+{alias}.modified {dir}, {alias}.pk {dir}"),
        UserSort::LastModified => format!("{alias}.modified {dir}, {alias}.pk {dir}"),
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`: the text's `%`, `_` and `\` stand for themselves. LIKE
/// folds ASCII case as `search` is folded (SQLite's `lower`).
pub(super) fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `ResourceStore::search_users`: see the module header.
pub(super) async fn search(
    conn: &mut SqliteConn,
    q: &UserSearch,
) -> Result<(i64, Vec<(StoredResource, Idp)>)> {
    let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let mut clause: Vec<&'static str> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    if let Some(t) = text {
        clause.push(
            "(search LIKE ? ESCAPE '\\' OR pk = (SELECT pk FROM resources WHERE id = ? AND kind = 'User'))",
        );
        args.push(Arg::Text(like_pattern(t)));
        args.push(Arg::Text(t.to_owned()));
    }
    filters(q, &mut clause, &mut args);
    let filter_args = args.len();
    let where_sql = if clause.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clause.join(" AND "))
    };
    let rows = if q.limit == 0 {
        Vec::new()
    } else {
        let cols = COLUMNS
            .split(',')
            .map(|c| format!("r.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols}, p.creator AS creator FROM
               (SELECT l.pk, l.creator{key} FROM user_list l
                {where_sql} ORDER BY {inner} LIMIT ? OFFSET ?) p
             JOIN resources r ON r.pk = p.pk
             ORDER BY {outer}",
            key = match q.sort {
                UserSort::Created => "",
                UserSort::UserName => ", l.name_key",
                UserSort::DisplayName => ", l.display_key",
                UserSort::LastModified => ", l.modified",
            },
            inner = order_by(q, "l", text.is_some()),
            outer = order_by(q, "p", true),
        );
        args.push(Arg::Int(q.limit));
        args.push(Arg::Int(q.offset));
        bind_all!(sqlx::query(&sql), &args)
            .fetch_all(&mut *conn)
            .await?
    };
    let mut page = Vec::with_capacity(rows.len());
    for row in &rows {
        let creator: String = row.try_get("creator")?;
        page.push((row_to_resource(row)?, Idp::parse(&creator)));
    }
    let shown = page.len() as i64;
    let total = if text.is_none() {
        let mut clause = Vec::new();
        let mut args = Vec::new();
        filters(q, &mut clause, &mut args);
        let where_sql = if clause.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clause.join(" AND "))
        };
        let sql = format!("SELECT COALESCE(SUM(users), 0) FROM user_counts {where_sql}");
        bind_all!(sqlx::query_scalar::<_, i64>(&sql), &args)
            .fetch_one(&mut *conn)
            .await?
    } else if shown < q.limit && (shown > 0 || q.offset == 0) {
        // The scan found every match: the page is the rest of them.
        q.offset + shown
    } else {
        let sql = format!("SELECT COUNT(*) FROM user_list {where_sql}");
        bind_all!(sqlx::query_scalar::<_, i64>(&sql), &args[..filter_args])
            .fetch_one(&mut *conn)
            .await?
    };
    Ok((total, page))
}
