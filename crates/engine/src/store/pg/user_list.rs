//! PostgreSQL: the admin's Users list read (`ResourceStore::search_users`) — searched, filtered
//! (IdP, active), sorted and paged with the true total, from `user_list` and `user_counts`
//! (kept by the schema's triggers); see `store/user_list.rs` for how a page is read and why.
//!
//! Differences from SQLite the SQL absorbs: `LIKE` is case-sensitive on PostgreSQL, so the
//! pattern is lowered (ASCII, as `search` is) instead; `active` is a boolean. Where SQLite's
//! backend keeps a searched page in last-modified order off `user_list_modified` (`+modified`:
//! a rare text would be looked for row by row in index order), PostgreSQL chooses per text from
//! its statistics of `search`: the page and the count are planned for the values they are run
//! with (not prepared once for any value: a generic plan walks the index for every text), so a
//! common text walks the index and stops at the page (a few ms at 100 000 users) and a rare one
//! scans the narrow rows (tens of ms). That also keeps their many SQL variants out of the
//! connection's statement cache.

use super::resources::{no_limit_if_negative, row_to_resource, storable};
use crate::model::Idp;
use crate::store::Result;
use crate::store::resources::{COLUMNS, StoredResource, UserSearch, UserSort};
use crate::store::user_list::like_pattern;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

/// Push the `WHERE` terms of `q` over `user_list` (or `user_counts`, which has `creator` and
/// `active` but no text: pass `text` `None`), each value bound.
fn push_where(qb: &mut QueryBuilder<'_, Postgres>, q: &UserSearch, text: Option<&str>) {
    let mut sep = " WHERE ";
    if let Some(t) = text {
        qb.push(sep)
            .push("(search LIKE ")
            .push_bind(like_pattern(&storable(&t.to_ascii_lowercase())))
            // Only users are listed: the id alone finds its row (see `pg/resources.rs`).
            .push(" ESCAPE '\\' OR pk = (SELECT pk FROM resources WHERE id = ")
            .push_bind(storable(t).into_owned())
            .push("))");
        sep = " AND ";
    }
    if let Some(idp) = q.idp {
        qb.push(sep).push("creator = ").push_bind(idp.as_str());
        sep = " AND ";
    }
    if let Some(active) = q.active {
        qb.push(sep).push("active = ").push_bind(active);
    }
}

/// The `ORDER BY` of `q` over columns of `user_list` named with `alias`. Ties go the way of the
/// order (the newest first when descending).
fn order_by(q: &UserSearch, alias: &str) -> String {
    let dir = if q.descending { "DESC" } else { "ASC" };
    match q.sort {
        UserSort::Created => format!("{alias}.pk {dir}"),
        UserSort::UserName => format!("{alias}.name_key {dir}, {alias}.pk {dir}"),
        UserSort::DisplayName => format!("{alias}.display_key {dir}, {alias}.pk {dir}"),
        UserSort::LastModified => format!("{alias}.modified {dir}, {alias}.pk {dir}"),
    }
}

/// The page of `q`: its users' rows, each with its creator, read by key after the page's keys.
async fn page(
    conn: &mut PgConnection,
    q: &UserSearch,
    text: Option<&str>,
) -> Result<Vec<(StoredResource, Idp)>> {
    let key = match q.sort {
        UserSort::Created => "",
        UserSort::UserName => ", l.name_key",
        UserSort::DisplayName => ", l.display_key",
        UserSort::LastModified => ", l.modified",
    };
    let mut qb = QueryBuilder::<Postgres>::new(format!(
        "SELECT {COLUMNS}, p.creator FROM (SELECT l.pk, l.creator{key} FROM user_list l"
    ));
    push_where(&mut qb, q, text);
    qb.push(format!(" ORDER BY {} LIMIT ", order_by(q, "l")))
        .push_bind(no_limit_if_negative(q.limit))
        .push(" OFFSET ")
        .push_bind(q.offset.max(0))
        .push(format!(
            ") p JOIN resources r USING (pk) ORDER BY {}",
            order_by(q, "p")
        ));
    // Planned for its values (see the module docs).
    let rows = qb.build().persistent(false).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            let creator: &str = row.try_get(8)?;
            Ok((row_to_resource(row)?, Idp::parse(creator)))
        })
        .collect()
}

/// `ResourceStore::search_users`: see the module header.
pub(super) async fn search(
    conn: &mut PgConnection,
    q: &UserSearch,
) -> Result<(i64, Vec<(StoredResource, Idp)>)> {
    let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let page = if q.limit == 0 {
        Vec::new()
    } else {
        page(&mut *conn, q, text).await?
    };
    let shown = page.len() as i64;
    let total = if text.is_none() {
        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT COALESCE(SUM(users), 0)::BIGINT FROM user_counts",
        );
        push_where(&mut qb, q, None);
        qb.build_query_scalar::<i64>().fetch_one(&mut *conn).await?
    } else if shown < q.limit && (shown > 0 || q.offset == 0) {
        // The scan found every match: the page is the rest of them.
        q.offset + shown
    } else {
        let mut qb = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM user_list");
        push_where(&mut qb, q, text);
        qb.build_query_scalar::<i64>()
            .persistent(false)
            .fetch_one(&mut *conn)
            .await?
    };
    Ok((total, page))
}
