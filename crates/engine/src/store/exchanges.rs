//! Captured exchanges: batched inserts, bounded retention, cursor-paged filtered reads.
//!
//! Rows arrive already redacted (see `capture::redact`). Inserts come from the capture writer in
//! batches, one transaction each; retention deletes the oldest rows past the configured maximum in
//! the same transaction, so the table never grows without bound.

use super::{Conn, Result};
use crate::capture::model::{AuthSummary, Exchange, ExchangeSummary, Idp, OperationKind};
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

/// Insert a batch of exchanges in one transaction and apply retention. Returns the new ids, in
/// order.
pub async fn insert_batch(conn: &mut Conn, batch: &[Exchange], retention: i64) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(batch.len());
    for e in batch {
        let s = &e.summary;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exchanges (at, method, path, query, status, latency_ms, client_addr, idp, idp_reason,
               operation, quirks, resource_type, resource_id, resource_name, request_headers, request_body,
               request_truncated, response_headers, response_body, response_truncated, auth, before, after)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
        .bind(&s.resource_type)
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
        .fetch_one(&mut *conn)
        .await?;
        ids.push(id);
    }
    if let Some(&last) = ids.last() {
        sqlx::query("DELETE FROM exchanges WHERE id <= ?")
            .bind(last - retention)
            .execute(&mut *conn)
            .await?;
    }
    Ok(ids)
}

const SUMMARY_COLUMNS: &str = "id, at, method, path, query, status, latency_ms, idp, operation, quirks, resource_type, resource_id, resource_name";

fn summary(row: &SqliteRow) -> Result<ExchangeSummary> {
    let quirks: String = row.try_get("quirks")?;
    let status: i64 = row.try_get("status")?;
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
        resource_type: row.try_get("resource_type")?,
        resource_id: row.try_get("resource_id")?,
        resource_name: row.try_get("resource_name")?,
        quirks: serde_json::from_str(&quirks).unwrap_or_default(),
    })
}

fn json_col<T: serde::de::DeserializeOwned + Default>(row: &SqliteRow, col: &str) -> Result<T> {
    let raw: Option<String> = row.try_get(col)?;
    Ok(raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

/// One page of summaries, newest first, matching `q`.
pub async fn list(conn: &mut Conn, q: &ExchangeQuery) -> Result<Vec<ExchangeSummary>> {
    filtered(conn, q, SUMMARY_COLUMNS, summary).await
}

/// Like [`list`], but whole exchanges (headers, bodies, before/after): for exports.
pub async fn list_whole(conn: &mut Conn, q: &ExchangeQuery) -> Result<Vec<Exchange>> {
    filtered(conn, q, "*", whole).await
}

/// The filtered, newest-first query behind [`list`] and [`list_whole`].
async fn filtered<T>(
    conn: &mut Conn,
    q: &ExchangeQuery,
    columns: &str,
    map: fn(&sqlx::sqlite::SqliteRow) -> Result<T>,
) -> Result<Vec<T>> {
    enum Arg {
        Int(i64),
        Text(String),
    }
    let mut sql = format!("SELECT {columns} FROM exchanges WHERE 1 = 1");
    let mut args: Vec<Arg> = Vec::new();
    if let Some(b) = q.before {
        sql.push_str(" AND id < ?");
        args.push(Arg::Int(b));
    }
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
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    let mut query = sqlx::query(&sql);
    for a in args {
        query = match a {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    let rows = query.bind(q.limit).fetch_all(conn).await?;
    rows.iter().map(map).collect()
}

/// One exchange, whole.
pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Exchange>> {
    let row = sqlx::query("SELECT * FROM exchanges WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(whole).transpose()
}

/// The newest `limit` exchanges attributed to `idp`, whole, oldest first (for the checklist).
pub async fn recent_whole(conn: &mut Conn, idp: Idp, limit: i64) -> Result<Vec<Exchange>> {
    let rows = sqlx::query("SELECT * FROM exchanges WHERE idp = ? ORDER BY id DESC LIMIT ?")
        .bind(idp.as_str())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    let mut out = rows.iter().map(whole).collect::<Result<Vec<_>>>()?;
    out.reverse();
    Ok(out)
}

fn whole(row: &SqliteRow) -> Result<Exchange> {
    Ok(Exchange {
        summary: summary(row)?,
        client_addr: row.try_get("client_addr")?,
        idp_reason: row.try_get("idp_reason")?,
        request_headers: json_col(row, "request_headers")?,
        request_body: row.try_get("request_body")?,
        request_truncated: row.try_get("request_truncated")?,
        response_headers: json_col(row, "response_headers")?,
        response_body: row.try_get("response_body")?,
        response_truncated: row.try_get("response_truncated")?,
        auth: json_col::<AuthSummary>(row, "auth")?,
        before: json_col::<Option<Value>>(row, "before")?,
        after: json_col::<Option<Value>>(row, "after")?,
    })
}

/// Number of stored exchanges.
pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM exchanges")
        .fetch_one(conn)
        .await?)
}

/// Delete every exchange (part of a reset).
pub async fn clear(conn: &mut Conn) -> Result<()> {
    sqlx::query("DELETE FROM exchanges").execute(conn).await?;
    Ok(())
}
