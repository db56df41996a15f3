//! Captured exchanges: batched inserts, bounded retention, cursor-paged filtered reads.
//!
//! Rows arrive already redacted (see `capture::redact`). Inserts come from the capture writer in
//! batches, one transaction each; retention deletes the oldest rows past the configured maximum in
//! the same transaction, so the table never grows without bound.
//!
//! Two classes of rows share the table (and one id sequence, so the admin API pages them
//! together): authenticated exchanges, and *folds* of rejected requests (`rejected = 1`: one row
//! per client, User-Agent and reason, with `fold_count` and `last_at` growing as the same
//! rejection repeats). Each class has its own retention, applied within its class only, so a
//! flood of rejected requests can never evict an authenticated exchange.

use super::api::ExchangeStore;
use super::{Conn, Result};
use crate::model::{AuthSummary, Exchange, ExchangeSummary, Idp, OperationKind};
use scimlab_scim::ResourceKind;
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// Filters of `GET /api/exchanges`. Every field is optional; all given ones must hold.
#[derive(Debug, Clone, Default)]
pub struct ExchangeQuery {
    /// Only exchanges with an id below this (cursor for the next, older page).
    pub before: Option<i64>,
    /// Page size (the caller clamps it).
    pub limit: i64,
    /// HTTP method, exact (`PATCH`).
    pub method: Option<String>,
    /// Status class: 2, 3, 4 or 5 (for `2xx` … `5xx`).
    pub status_class: Option<u16>,
    /// Detected IdP.
    pub idp: Option<Idp>,
    /// Operation kind.
    pub operation: Option<OperationKind>,
    /// SCIM id of the resource touched.
    pub resource_id: Option<String>,
    /// Free text searched in path, query and both bodies (case-insensitive for ASCII).
    pub text: Option<String>,
}

/// The oldest stored exchange id of each class ([`super::api::ExchangeStore::exchange_floors`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExchangeFloors {
    /// The oldest authenticated exchange (`None`: there is none).
    pub authenticated: Option<i64>,
    /// The oldest fold of rejected requests (`None`: there is none).
    pub rejected: Option<i64>,
}

/// Which captured exchanges a replay sends: authenticated ones (never folds of refused
/// requests), oldest first, matching every filter given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExchangeRange {
    /// Only this IdP's.
    pub idp: Option<Idp>,
    /// Only exchanges about these resources: their SCIM ids…
    pub resource_ids: Vec<String>,
    /// …or their names (userName / displayName, ignoring ASCII case), for requests that named
    /// a resource before it had an id here (a refused create).
    pub resource_names: Vec<String>,
    /// At or after this time (RFC 3339, compared as stored: UTC with milliseconds).
    pub since: Option<String>,
    /// At or before this time.
    pub until: Option<String>,
    /// From this exchange id on.
    pub from_id: Option<i64>,
    /// Up to this exchange id.
    pub to_id: Option<i64>,
    /// Exactly these exchange ids (empty: no such filter).
    pub ids: Vec<i64>,
    /// Only these operations (empty: all).
    pub operations: Vec<OperationKind>,
    /// At most this many (the oldest first).
    pub limit: i64,
}

impl ExchangeStore for Conn {
    async fn exchanges_in_range(&mut self, r: &ExchangeRange) -> Result<Vec<Exchange>> {
        let mut sql = String::from("SELECT * FROM exchanges WHERE rejected = 0");
        let mut args: Vec<Arg> = Vec::new();
        if let Some(i) = r.idp {
            sql.push_str(" AND idp = ?");
            args.push(Arg::Text(i.as_str().to_owned()));
        }
        let list = |n: usize| vec!["?"; n].join(", ");
        match (r.resource_ids.is_empty(), r.resource_names.is_empty()) {
            (true, true) => {}
            (ids_empty, names_empty) => {
                let mut parts = Vec::new();
                if !ids_empty {
                    parts.push(format!("resource_id IN ({})", list(r.resource_ids.len())));
                    args.extend(r.resource_ids.iter().cloned().map(Arg::Text));
                }
                if !names_empty {
                    let names = r
                        .resource_names
                        .iter()
                        .map(|_| "resource_name = ? COLLATE NOCASE")
                        .collect::<Vec<_>>()
                        .join(" OR ");
                    parts.push(format!("(resource_id IS NULL AND ({names}))"));
                    args.extend(r.resource_names.iter().cloned().map(Arg::Text));
                }
                sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
            }
        }
        if let Some(t) = &r.since {
            sql.push_str(" AND at >= ?");
            args.push(Arg::Text(t.clone()));
        }
        if let Some(t) = &r.until {
            sql.push_str(" AND at <= ?");
            args.push(Arg::Text(t.clone()));
        }
        if let Some(i) = r.from_id {
            sql.push_str(" AND id >= ?");
            args.push(Arg::Int(i));
        }
        if let Some(i) = r.to_id {
            sql.push_str(" AND id <= ?");
            args.push(Arg::Int(i));
        }
        if !r.ids.is_empty() {
            sql.push_str(&format!(" AND id IN ({})", list(r.ids.len())));
            args.extend(r.ids.iter().copied().map(Arg::Int));
        }
        if !r.operations.is_empty() {
            sql.push_str(&format!(" AND operation IN ({})", list(r.operations.len())));
            args.extend(
                r.operations
                    .iter()
                    .map(|o| Arg::Text(o.as_str().to_owned())),
            );
        }
        sql.push_str(" ORDER BY id LIMIT ?");
        let rows = bind_all(sqlx::query(&sql), args)
            .bind(r.limit)
            .fetch_all(self)
            .await?;
        rows.iter().map(whole).collect()
    }
    async fn insert_exchanges(&mut self, batch: &[Exchange], retention: i64) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(batch.len());
        for e in batch {
            ids.push(insert_one(self, e).await?);
            note_creator(self, e).await?;
        }
        if batch.iter().any(|e| !e.summary.is_fold()) {
            prune(self, false, retention).await?;
        }
        Ok(ids)
    }
    async fn prune_folds(&mut self, keep: i64) -> Result<u64> {
        prune(self, true, keep).await
    }
    async fn add_to_fold(
        &mut self,
        id: i64,
        more: u32,
        last_at: &str,
    ) -> Result<Option<ExchangeSummary>> {
        let row = sqlx::query(&format!(
            "UPDATE exchanges SET fold_count = fold_count + ?, last_at = max(coalesce(last_at, at), ?)
             WHERE id = ? AND rejected = 1 RETURNING {SUMMARY_COLUMNS}"
        ))
        .bind(i64::from(more))
        .bind(last_at)
        .bind(id)
        .fetch_optional(&mut *self)
        .await?;
        row.as_ref().map(summary).transpose()
    }
    async fn exchange_summaries(&mut self, q: &ExchangeQuery) -> Result<Vec<ExchangeSummary>> {
        filtered(self, q, SUMMARY_COLUMNS, summary).await
    }
    async fn exchanges_whole(&mut self, q: &ExchangeQuery) -> Result<Vec<Exchange>> {
        filtered(self, q, "*", whole).await
    }
    async fn count_exchanges_matching(&mut self, q: &ExchangeQuery) -> Result<(i64, i64)> {
        if q.resource_id.is_none() && q.text.as_deref().is_none_or(str::is_empty) {
            // Every filter is a column of the kept totals (migration 0014): sum them.
            let (clause, args) = where_clause(q);
            let sql = format!(
                "SELECT COALESCE(SUM(rows), 0), COALESCE(SUM(requests), 0) FROM exchange_counts{clause}"
            );
            let (rows, requests): (i64, i64) = bind_all_as(sqlx::query_as(&sql), args)
                .fetch_one(self)
                .await?;
            return Ok((rows, requests));
        }
        let (clause, args) = where_clause(q);
        let total_sql = format!("SELECT COUNT(*) FROM exchanges{clause}");
        let mut total = sqlx::query_scalar::<_, i64>(&total_sql);
        for a in &args {
            total = match a {
                Arg::Int(v) => total.bind(*v),
                Arg::Text(v) => total.bind(v.clone()),
            };
        }
        let total = total.fetch_one(&mut *self).await?;
        let extra_sql = format!(
            "SELECT COALESCE(SUM(fold_count - 1), 0) FROM exchanges{clause} AND rejected = 1"
        );
        let mut extra = sqlx::query_scalar::<_, i64>(&extra_sql);
        for a in args {
            extra = match a {
                Arg::Int(v) => extra.bind(v),
                Arg::Text(v) => extra.bind(v),
            };
        }
        let extra = extra.fetch_one(self).await?;
        Ok((total, total + extra))
    }
    async fn exchange(&mut self, id: i64) -> Result<Option<Exchange>> {
        let row = sqlx::query("SELECT * FROM exchanges WHERE id = ?")
            .bind(id)
            .fetch_optional(self)
            .await?;
        row.as_ref().map(whole).transpose()
    }
    async fn recent_exchanges(&mut self, idp: Idp, limit: i64) -> Result<Vec<Exchange>> {
        let rows = sqlx::query("SELECT * FROM exchanges WHERE idp = ? ORDER BY id DESC LIMIT ?")
            .bind(idp.as_str())
            .bind(limit)
            .fetch_all(self)
            .await?;
        let mut out = rows.iter().map(whole).collect::<Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }
    async fn recent_exchanges_between(
        &mut self,
        idp: Idp,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Exchange>> {
        let rows = sqlx::query(
            "SELECT * FROM exchanges WHERE idp = ? AND id > ? AND id < ? ORDER BY id DESC LIMIT ?",
        )
        .bind(idp.as_str())
        .bind(after.unwrap_or(i64::MIN))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self)
        .await?;
        let mut out = rows.iter().map(whole).collect::<Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }
    async fn exchange_floors(&mut self) -> Result<ExchangeFloors> {
        let (authenticated, rejected): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT MIN(id) FROM exchanges WHERE rejected = 0),
                    (SELECT MIN(id) FROM exchanges WHERE rejected = 1)",
        )
        .fetch_one(self)
        .await?;
        Ok(ExchangeFloors {
            authenticated,
            rejected,
        })
    }
    async fn fold_counts(&mut self, idp: Idp, from_id: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, fold_count FROM exchanges WHERE rejected = 1 AND idp = ? AND id >= ?
             ORDER BY id",
        )
        .bind(idp.as_str())
        .bind(from_id)
        .fetch_all(self)
        .await?)
    }
    async fn exchanges_after(
        &mut self,
        after_id: i64,
        idp: Idp,
        limit: i64,
    ) -> Result<Vec<ExchangeSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM exchanges WHERE id > ? AND idp = ? AND rejected = 0 ORDER BY id LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(after_id)
            .bind(idp.as_str())
            .bind(limit)
            .fetch_all(self)
            .await?;
        rows.iter().map(summary).collect()
    }
    async fn faulted_attempts(&mut self, name: &str, limit: i64) -> Result<Vec<ExchangeSummary>> {
        let sql = format!(
            // The partial index holds only such attempts; left to itself, SQLite walks the
            // resource index over every exchange without a resource id (0.4 s at 1 000 000).
            "SELECT {SUMMARY_COLUMNS} FROM exchanges INDEXED BY exchanges_faulted_name
             WHERE fault IS NOT NULL AND resource_id IS NULL AND resource_name = ? COLLATE NOCASE
             ORDER BY id DESC LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(name)
            .bind(limit)
            .fetch_all(self)
            .await?;
        let mut newest: Vec<ExchangeSummary> = rows.iter().map(summary).collect::<Result<_>>()?;
        newest.reverse();
        Ok(newest)
    }
    async fn count_exchanges(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM exchanges")
            .fetch_one(self)
            .await?)
    }
    async fn clear_exchanges(&mut self) -> Result<()> {
        sqlx::query("DELETE FROM exchanges").execute(self).await?;
        Ok(())
    }
    async fn exchange_outlines(&mut self, limit: i64) -> Result<Vec<crate::timeline::Outline>> {
        super::outlines::newest(self, limit).await
    }
}

/// A successful create names the IdP that created its resource (`resources.created_by`), once.
async fn note_creator(conn: &mut Conn, e: &Exchange) -> Result<()> {
    let s = &e.summary;
    if s.operation != OperationKind::Create || s.status != 201 {
        return Ok(());
    }
    if let Some(id) = &s.resource_id {
        sqlx::query("UPDATE resources SET created_by = ? WHERE id = ? AND created_by IS NULL")
            .bind(s.idp.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn insert_one(conn: &mut Conn, e: &Exchange) -> Result<i64> {
    let s = &e.summary;
    let fold = s
        .fold_count
        .map(|n| (i64::from(n.max(1)), s.last_at.as_ref().unwrap_or(&s.at)));
    Ok(sqlx::query_scalar(
        "INSERT INTO exchanges (at, method, path, query, status, latency_ms, client_addr, idp, idp_reason,
           operation, quirks, resource_type, resource_id, resource_name, request_headers, request_body,
           request_truncated, response_headers, response_body, response_truncated, auth, before, after,
           rejected, fold_count, last_at, refused_quirk, fault)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&s.at)
    .bind(&s.method)
    .bind(&s.path)
    .bind(&s.query)
    .bind(i64::from(s.status))
    .bind(s.latency_ms)
    .bind(&e.client_addr)
    .bind(s.idp.as_str())
    .bind(&e.idp_reason)
    .bind(s.operation.as_str())
    .bind(serde_json::to_string(&s.quirks).unwrap_or_else(|_| "[]".into()))
    .bind(s.resource_type.map(ResourceKind::name))
    .bind(&s.resource_id)
    .bind(&s.resource_name)
    .bind(serde_json::to_string(&e.request_headers).unwrap_or_else(|_| "[]".into()))
    .bind(&e.request_body)
    .bind(e.request_truncated)
    .bind(serde_json::to_string(&e.response_headers).unwrap_or_else(|_| "[]".into()))
    .bind(&e.response_body)
    .bind(e.response_truncated)
    .bind(serde_json::to_string(&e.auth).unwrap_or_else(|_| "{}".into()))
    .bind(e.before.as_ref().map(Value::to_string))
    .bind(e.after.as_ref().map(Value::to_string))
    .bind(fold.is_some())
    .bind(fold.map_or(1, |f| f.0))
    .bind(fold.map(|f| f.1))
    .bind(&s.refused_quirk)
    .bind(
        s.fault
            .as_ref()
            .and_then(|f| serde_json::to_string(f).ok()),
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// Keep the newest `keep` rows of one class (folds or authenticated exchanges), deleting the
/// older ones of that class only. Two index seeks when the class cannot hold more than `keep`
/// rows (the usual case), else a walk of `keep` index entries (about 3 ms for 100 000).
async fn prune(conn: &mut Conn, rejected: bool, keep: i64) -> Result<u64> {
    let (oldest, newest): (Option<i64>, Option<i64>) =
        // Two subqueries: SQLite answers a lone MIN or MAX from the index's ends, but both in
        // one SELECT read every row of the class.
        sqlx::query_as(
            "SELECT (SELECT MIN(id) FROM exchanges WHERE rejected = ?1),
                    (SELECT MAX(id) FROM exchanges WHERE rejected = ?1)",
        )
            .bind(rejected)
            .fetch_one(&mut *conn)
            .await?;
    let (Some(oldest), Some(newest)) = (oldest, newest) else {
        return Ok(0);
    };
    if newest - oldest < keep {
        return Ok(0);
    }
    let done = sqlx::query(
        "DELETE FROM exchanges WHERE rejected = ?1 AND id <= (
           SELECT id FROM exchanges WHERE rejected = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    )
    .bind(rejected)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

const SUMMARY_COLUMNS: &str = "id, at, method, path, query, status, latency_ms, idp, operation, quirks, resource_type, resource_id, resource_name, rejected, fold_count, last_at, refused_quirk, fault";

fn summary(row: &SqliteRow) -> Result<ExchangeSummary> {
    let quirks: String = row.try_get("quirks")?;
    let status: i64 = row.try_get("status")?;
    let fold: bool = row.try_get("rejected")?;
    let fold_count: i64 = row.try_get("fold_count")?;
    Ok(ExchangeSummary {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        method: row.try_get("method")?,
        path: row.try_get("path")?,
        query: row.try_get("query")?,
        status: u16::try_from(status).unwrap_or(0),
        latency_ms: row.try_get("latency_ms")?,
        idp: Idp::parse(&row.try_get::<String, _>("idp")?),
        operation: OperationKind::parse(&row.try_get::<String, _>("operation")?),
        resource_type: row
            .try_get::<Option<String>, _>("resource_type")?
            .and_then(|n| ResourceKind::from_name(&n)),
        resource_id: row.try_get("resource_id")?,
        resource_name: row.try_get("resource_name")?,
        quirks: serde_json::from_str(&quirks).unwrap_or_default(),
        fold_count: fold.then(|| u32::try_from(fold_count).unwrap_or(u32::MAX)),
        last_at: if fold { row.try_get("last_at")? } else { None },
        refused_quirk: row.try_get("refused_quirk")?,
        fault: row
            .try_get::<Option<String>, _>("fault")?
            .and_then(|f| serde_json::from_str(&f).ok()),
    })
}

fn json_col<T: serde::de::DeserializeOwned + Default>(row: &SqliteRow, col: &str) -> Result<T> {
    let raw: Option<String> = row.try_get(col)?;
    Ok(raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

/// A bound argument of a filtered query.
enum Arg {
    Int(i64),
    Text(String),
}

/// The `WHERE` clause (and its arguments) of `q`'s filters; `before` and `limit` excluded.
fn where_clause(q: &ExchangeQuery) -> (String, Vec<Arg>) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    if let Some(m) = &q.method {
        sql.push_str(" AND method = ?");
        args.push(Arg::Text(m.to_ascii_uppercase()));
    }
    if let Some(c) = q.status_class {
        sql.push_str(" AND status_class = ?");
        args.push(Arg::Int(i64::from(c)));
    }
    if let Some(i) = q.idp {
        sql.push_str(" AND idp = ?");
        args.push(Arg::Text(i.as_str().to_owned()));
    }
    if let Some(o) = q.operation {
        sql.push_str(" AND operation = ?");
        args.push(Arg::Text(o.as_str().to_owned()));
    }
    if let Some(r) = &q.resource_id {
        sql.push_str(" AND resource_id = ?");
        args.push(Arg::Text(r.clone()));
    }
    if let Some(t) = q.text.as_deref().filter(|t| !t.is_empty()) {
        sql.push_str(
            " AND (instr(lower(path), lower(?)) > 0 OR instr(lower(query), lower(?)) > 0
               OR instr(lower(coalesce(request_body, '')), lower(?)) > 0
               OR instr(lower(coalesce(response_body, '')), lower(?)) > 0)",
        );
        for _ in 0..4 {
            args.push(Arg::Text(t.to_owned()));
        }
    }
    (sql, args)
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        query = match a {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    query
}

fn bind_all_as<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    for a in args {
        query = match a {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    query
}

/// The filtered, newest-first query behind [`list`] and [`list_whole`].
async fn filtered<T>(
    conn: &mut Conn,
    q: &ExchangeQuery,
    columns: &str,
    map: fn(&sqlx::sqlite::SqliteRow) -> Result<T>,
) -> Result<Vec<T>> {
    let (mut clause, mut args) = where_clause(q);
    if let Some(b) = q.before {
        clause.push_str(" AND id < ?");
        args.push(Arg::Int(b));
    }
    let sql = format!("SELECT {columns} FROM exchanges{clause} ORDER BY id DESC LIMIT ?");
    let rows = bind_all(sqlx::query(&sql), args)
        .bind(q.limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(map).collect()
}

fn whole(row: &SqliteRow) -> Result<Exchange> {
    let summary = summary(row)?;
    let mut auth = json_col::<AuthSummary>(row, "auth")?;
    auth.upgrade(summary.status);
    Ok(Exchange {
        summary,
        client_addr: row.try_get("client_addr")?,
        idp_reason: row.try_get("idp_reason")?,
        request_headers: json_col(row, "request_headers")?,
        request_body: row.try_get("request_body")?,
        request_truncated: row.try_get("request_truncated")?,
        response_headers: json_col(row, "response_headers")?,
        response_body: row.try_get("response_body")?,
        response_truncated: row.try_get("response_truncated")?,
        auth,
        before: json_col::<Option<Value>>(row, "before")?,
        after: json_col::<Option<Value>>(row, "after")?,
    })
}
