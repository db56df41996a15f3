//! Captured exchanges: batched inserts, bounded retention, cursor-paged filtered reads.
//!
//! Rows arrive already redacted (see `capture::redact`); their bodies, headers, before and after
//! are stored compact (one deflated `evidence` blob, [`super::evidence`]) and every read here
//! gives them back exactly, also from rows written before that (plain columns, `evidence IS
//! NULL`). Inserts come from the capture writer in
//! batches, one transaction each; retention deletes the oldest rows past the configured maximum in
//! the same transaction, so the table never grows without bound.
//!
//! Two classes of rows share the table (and one id sequence, so the admin API pages them
//! together): authenticated exchanges, and *folds* of rejected requests (`rejected = 1`: one row
//! per client, User-Agent and reason, with `fold_count` and `last_at` growing as the same
//! rejection repeats). Each class has its own retention, applied within its class only, so a
//! flood of rejected requests can never evict an authenticated exchange.

use super::api::ExchangeStore;
use super::bind::Arg;
use super::evidence::{self, Parts};
use super::{Result, SqliteConn, StoreError};
use crate::model::{AuthSummary, Exchange, ExchangeSummary, Idp, OperationKind};
use scimlab_scim::ResourceKind;
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row};

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

impl ExchangeStore for SqliteConn {
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
        let rows = bind_all!(sqlx::query(&sql), args)
            .bind(r.limit)
            .fetch_all(self)
            .await?;
        rows.iter().map(whole).collect()
    }
    async fn insert_exchanges(&mut self, batch: &[Exchange], retention: i64) -> Result<Vec<i64>> {
        // A successful create's row names its resource's creator (trigger, migration 0016).
        let mut ids = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(INSERT_CHUNK) {
            ids.extend(insert_rows(self, chunk).await?);
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
    async fn search_summaries(
        &mut self,
        q: &ExchangeQuery,
        budget: std::time::Duration,
    ) -> Result<SearchPage> {
        let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        if limit == 0 {
            return Ok(SearchPage {
                items,
                searched_down_to: None,
            });
        }
        let stopped = search(self, q, SUMMARY_COLUMNS, Some(budget), |row| {
            items.push(summary(row)?);
            Ok(items.len() < limit)
        })
        .await?;
        Ok(SearchPage {
            items,
            searched_down_to: stopped,
        })
    }
    async fn exchanges_whole(&mut self, q: &ExchangeQuery) -> Result<Vec<Exchange>> {
        filtered(self, q, "*", whole).await
    }
    async fn count_exchanges_matching(&mut self, q: &ExchangeQuery) -> Result<(i64, i64)> {
        if search_text(q).is_some() {
            let (mut total, mut requests) = (0, 0);
            let q = ExchangeQuery {
                before: None,
                ..q.clone()
            };
            // As below: every row is one request, a fold `fold_count` of them.
            search(
                self,
                &q,
                "id, path, query, rejected, fold_count",
                None,
                |row| {
                    total += 1;
                    requests += 1;
                    if row.try_get::<bool, _>("rejected")? {
                        requests += row.try_get::<i64, _>("fold_count")? - 1;
                    }
                    Ok(true)
                },
            )
            .await?;
            return Ok((total, requests));
        }
        if q.resource_id.is_none() && q.text.as_deref().is_none_or(str::is_empty) {
            // Every filter is a column of the kept totals (migration 0014): sum them.
            let (clause, args) = where_clause(q);
            let sql = format!(
                "SELECT COALESCE(SUM(rows), 0), COALESCE(SUM(requests), 0) FROM exchange_counts{clause}"
            );
            let (rows, requests): (i64, i64) = bind_all!(sqlx::query_as(&sql), args)
                .fetch_one(self)
                .await?;
            return Ok((rows, requests));
        }
        let (clause, args) = where_clause(q);
        let total_sql = format!("SELECT COUNT(*) FROM exchanges{clause}");
        let total = bind_all!(sqlx::query_scalar::<_, i64>(&total_sql), args.clone())
            .fetch_one(&mut *self)
            .await?;
        let extra_sql = format!(
            "SELECT COALESCE(SUM(fold_count - 1), 0) FROM exchanges{clause} AND rejected = 1"
        );
        let extra = bind_all!(sqlx::query_scalar::<_, i64>(&extra_sql), args)
            .fetch_one(self)
            .await?;
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
    async fn exchange_outlines_between(
        &mut self,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<super::outlines::OutlineRow>> {
        super::outlines::between(self, after, before, limit).await
    }
}

/// What the capture log takes in the database file ([`super::SqliteStore::exchange_footprint`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExchangeFootprint {
    /// Exchanges stored.
    pub exchanges: i64,
    /// The median size of one exchange's row: the bytes of every stored value.
    pub median_row: i64,
    /// Bytes of the table's pages (rows plus what pages leave unused).
    pub table_pages: i64,
    /// Bytes of the pages of the table's indexes.
    pub index_pages: i64,
}

impl ExchangeFootprint {
    /// The median stored size of an exchange: its row plus its share of the indexes (`0` with
    /// no exchange).
    pub fn median_stored(&self) -> i64 {
        if self.exchanges == 0 {
            return 0;
        }
        self.median_row + self.index_pages / self.exchanges
    }
}

impl super::SqliteStore {
    /// Measure [`ExchangeFootprint`] with SQLite's `dbstat` table (the bundled SQLite has it):
    /// the figures of docs/benchmarks.md, "Stored size of an exchange", and of the test that
    /// holds them.
    pub async fn exchange_footprint(&self) -> Result<ExchangeFootprint> {
        let mut conn = self.read.lease().await?;
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('exchanges') ORDER BY cid")
                .fetch_all(&mut *conn)
                .await?;
        let size = columns
            .iter()
            .map(|c| format!("coalesce(length(CAST({c} AS BLOB)), 0)"))
            .collect::<Vec<_>>()
            .join(" + ");
        let exchanges: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchanges")
            .fetch_one(&mut *conn)
            .await?;
        let median_row: i64 = sqlx::query_scalar(&format!(
            "SELECT coalesce((SELECT {size} AS n FROM exchanges ORDER BY n LIMIT 1 OFFSET ?), 0)"
        ))
        .bind(exchanges / 2)
        .fetch_one(&mut *conn)
        .await?;
        let (table_pages, index_pages): (i64, i64) = sqlx::query_as(
            "SELECT coalesce(SUM(CASE WHEN name = 'exchanges' THEN pgsize END), 0),
                    coalesce(SUM(CASE WHEN name != 'exchanges' THEN pgsize END), 0)
             FROM dbstat WHERE name = 'exchanges' OR name IN
               (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'exchanges')",
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(ExchangeFootprint {
            exchanges,
            median_row,
            table_pages,
            index_pages,
        })
    }

    /// Every captured exchange's compact evidence, inflated and concatenated (its parts one per
    /// line): what the database file holds deflated, where a byte search of the file cannot
    /// look. Checks that no secret is on disk search this as well as the file's bytes.
    pub async fn evidence_plaintext(&self) -> Result<Vec<u8>> {
        let mut conn = self.read.lease().await?;
        let rows: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT id, evidence FROM exchanges WHERE evidence IS NOT NULL")
                .fetch_all(&mut *conn)
                .await?;
        let mut out = Vec::new();
        for (id, blob) in &rows {
            let p = decode(*id, blob)?;
            let parts = [
                p.request_body.as_deref(),
                p.response_body.as_deref(),
                Some(p.request_headers.as_str()),
                Some(p.response_headers.as_str()),
                p.before.as_deref(),
                p.after.as_deref(),
                Some(p.auth.as_str()),
                Some(p.idp_reason.as_str()),
            ];
            for part in parts.into_iter().flatten() {
                out.extend_from_slice(part.as_bytes());
                out.push(b'\n');
            }
        }
        Ok(out)
    }
}

/// Rows per `INSERT` of captured exchanges: 21 variables a row, far under SQLite's 32 766.
const INSERT_CHUNK: usize = 256;

/// One row's values, worked out before the statement borrows them (by every backend).
pub(super) struct NewRow<'a> {
    pub(super) e: &'a Exchange,
    /// A fold's `fold_count` and `last_at`; `None` for an authenticated exchange.
    pub(super) fold: Option<(i64, &'a String)>,
    pub(super) quirks: String,
    pub(super) fault: Option<String>,
    pub(super) evidence: Vec<u8>,
}

impl<'a> NewRow<'a> {
    /// The values stored for `e`: its heavy parts go into `evidence`, their plain columns stay
    /// empty ('' where NOT NULL).
    pub(super) fn of(e: &'a Exchange) -> Self {
        let s = &e.summary;
        NewRow {
            e,
            fold: s
                .fold_count
                .map(|n| (i64::from(n.max(1)), s.last_at.as_ref().unwrap_or(&s.at))),
            quirks: serde_json::to_string(&s.quirks).unwrap_or_else(|_| "[]".into()),
            fault: s.fault.as_ref().and_then(|f| serde_json::to_string(f).ok()),
            evidence: evidence::encode(&Parts {
                request_body: e.request_body.clone(),
                response_body: e.response_body.clone(),
                request_headers: serde_json::to_string(&e.request_headers)
                    .unwrap_or_else(|_| "[]".into()),
                response_headers: serde_json::to_string(&e.response_headers)
                    .unwrap_or_else(|_| "[]".into()),
                before: e.before.as_ref().map(Value::to_string),
                after: e.after.as_ref().map(Value::to_string),
                auth: serde_json::to_string(&e.auth).unwrap_or_else(|_| "{}".into()),
                idp_reason: e.idp_reason.clone(),
            }),
        }
    }
}

/// Store `batch` with one `INSERT` (each statement is a hand-over to SQLite's thread, about
/// 45 µs of CPU here, on the path every acknowledged write waits for); their ids, in order.
async fn insert_rows(conn: &mut SqliteConn, batch: &[Exchange]) -> Result<Vec<i64>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<NewRow<'_>> = batch.iter().map(NewRow::of).collect();
    let values = vec![
        "(?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, '', ?, '', ?, '', ?, ?, ?, ?, ?, ?)";
        rows.len()
    ]
    .join(", ");
    let sql = format!(
        "INSERT INTO exchanges (at, method, path, query, status, latency_ms, client_addr, idp, idp_reason,
           operation, quirks, resource_type, resource_id, resource_name, request_headers,
           request_truncated, response_headers, response_truncated, auth,
           rejected, fold_count, last_at, refused_quirk, fault, evidence)
         VALUES {values} RETURNING id"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for r in &rows {
        let s = &r.e.summary;
        q = q
            .bind(&s.at)
            .bind(&s.method)
            .bind(&s.path)
            .bind(&s.query)
            .bind(i64::from(s.status))
            .bind(s.latency_ms)
            .bind(&r.e.client_addr)
            .bind(s.idp.as_str())
            .bind(s.operation.as_str())
            .bind(&r.quirks)
            .bind(s.resource_type.map(ResourceKind::name))
            .bind(&s.resource_id)
            .bind(&s.resource_name)
            .bind(r.e.request_truncated)
            .bind(r.e.response_truncated)
            .bind(r.fold.is_some())
            .bind(r.fold.map_or(1, |f| f.0))
            .bind(r.fold.map(|f| f.1))
            .bind(&s.refused_quirk)
            .bind(&r.fault)
            .bind(&r.evidence);
    }
    let mut ids = q.fetch_all(&mut *conn).await?;
    // RETURNING gives no order; AUTOINCREMENT hands the rows ascending ids in VALUES order.
    ids.sort_unstable();
    debug_assert_eq!(ids.len(), batch.len());
    Ok(ids)
}

/// Rewrite every compact row as a plain one (its parts back in their columns, `evidence`
/// NULL), for a hand-over file that any SQLite tool reads whole and that the pseudonymisation
/// rewrites column by column ([`super::hand_over`]). Returns the rows rewritten.
pub(super) async fn expand_evidence(conn: &mut SqliteConn) -> Result<u64> {
    let mut done = 0;
    let mut after = i64::MIN;
    loop {
        // A thousand rows at a time: a big capture log is never held in memory whole.
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT id, evidence FROM exchanges WHERE evidence IS NOT NULL AND id > ?
             ORDER BY id LIMIT 1000",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let Some((last, _)) = rows.last() else {
            return Ok(done);
        };
        after = *last;
        for (id, blob) in &rows {
            let p = decode(*id, blob)?;
            sqlx::query(
                "UPDATE exchanges SET request_body = ?, response_body = ?, request_headers = ?,
                   response_headers = ?, before = ?, after = ?, auth = ?, idp_reason = ?,
                   evidence = NULL
                 WHERE id = ?",
            )
            .bind(p.request_body)
            .bind(p.response_body)
            .bind(p.request_headers)
            .bind(p.response_headers)
            .bind(p.before)
            .bind(p.after)
            .bind(p.auth)
            .bind(p.idp_reason)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            done += 1;
        }
    }
}

/// Keep the newest `keep` rows of one class (folds or authenticated exchanges), deleting the
/// older ones of that class only: a sum over the counts' few rows when the class holds at most
/// `keep`, else a walk of the index entries it deletes.
async fn prune(conn: &mut SqliteConn, rejected: bool, keep: i64) -> Result<u64> {
    // One statement, and work in proportion to what it deletes: how many rows the class holds
    // comes from `exchange_counts` (kept by triggers, migration 0014), and the cut is found by
    // walking the class's oldest rows only. (It used to read the class's newest and oldest ids,
    // then walk `keep` rows from the newest end to find the cut: at the retention limit every
    // batch walked all of them, 100 000 by default, a few milliseconds on each write's path.)
    // Both subqueries are constant: SQLite evaluates each once, the count before any row.
    let done = sqlx::query(
        "DELETE FROM exchanges
          WHERE (SELECT COALESCE(SUM(rows), 0) FROM exchange_counts WHERE rejected = ?1) > ?2
            AND rejected = ?1
            AND id <= (SELECT id FROM exchanges WHERE rejected = ?1 ORDER BY id
                        LIMIT 1 OFFSET (SELECT COALESCE(SUM(rows), 0) FROM exchange_counts
                                         WHERE rejected = ?1) - ?2 - 1)",
    )
    .bind(rejected)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The columns [`summary`] reads, in a `SELECT`.
pub(super) const SUMMARY_COLUMNS: &str = "id, at, method, path, query, status, latency_ms, idp, operation, quirks, resource_type, resource_id, resource_name, rejected, fold_count, last_at, refused_quirk, fault";

/// The stored values of [`SUMMARY_COLUMNS`], as every backend decodes them (`rejected` a
/// flag, integers 64-bit).
#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    id: i64,
    at: String,
    method: String,
    path: String,
    query: String,
    status: i64,
    latency_ms: f64,
    idp: String,
    operation: String,
    quirks: String,
    resource_type: Option<String>,
    resource_id: Option<String>,
    resource_name: Option<String>,
    rejected: bool,
    fold_count: i64,
    last_at: Option<String>,
    refused_quirk: Option<String>,
    fault: Option<String>,
}

impl SummaryRow {
    /// The summary these values stand for.
    pub(super) fn into_summary(self) -> ExchangeSummary {
        let fold = self.rejected;
        ExchangeSummary {
            id: self.id,
            at: self.at,
            method: self.method,
            path: self.path,
            query: self.query,
            status: u16::try_from(self.status).unwrap_or(0),
            latency_ms: self.latency_ms,
            idp: Idp::parse(&self.idp),
            operation: OperationKind::parse(&self.operation),
            resource_type: self.resource_type.and_then(|n| ResourceKind::from_name(&n)),
            resource_id: self.resource_id,
            resource_name: self.resource_name,
            quirks: serde_json::from_str(&self.quirks).unwrap_or_default(),
            fold_count: fold.then(|| u32::try_from(self.fold_count).unwrap_or(u32::MAX)),
            last_at: if fold { self.last_at } else { None },
            refused_quirk: self.refused_quirk,
            fault: self.fault.and_then(|f| serde_json::from_str(&f).ok()),
        }
    }
}

fn summary(row: &SqliteRow) -> Result<ExchangeSummary> {
    Ok(SummaryRow::from_row(row)?.into_summary())
}

/// Stored JSON text read back; missing or unreadable text gives the default, as it always has.
pub(super) fn json_text<T: serde::de::DeserializeOwned + Default>(raw: Option<&str>) -> T {
    raw.and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default()
}

/// The free text of a search, when there is one (an empty text filters nothing).
pub(super) fn search_text(q: &ExchangeQuery) -> Option<&str> {
    q.text.as_deref().filter(|t| !t.is_empty())
}

/// Rows a text search reads per statement: its candidates are walked newest first, a chunk at a
/// time, until the page is full, so a common word costs one statement and a rare one a walk.
pub(super) const SEARCH_CHUNK: i64 = 256;

/// Whether a candidate row of a text search (one that [`where_clause`] kept) holds `needle`:
/// a plain row matched in SQL already; a compact one is tested here on its path, its query and
/// its decoded bodies, as SQL tests plain ones (ASCII case folded). A blob that does not decode
/// is logged and not found: one damaged row does not break every search.
fn found(row: &SqliteRow, needle: &str) -> Result<bool> {
    let Some(blob) = row.try_get::<Option<Vec<u8>>, _>("found_evidence")? else {
        return Ok(true);
    };
    let path: String = row.try_get("path")?;
    let query: String = row.try_get("query")?;
    Ok(evidence_holds(
        row.try_get("id")?,
        &path,
        &query,
        &blob,
        needle,
    ))
}

/// Whether the compact row `id` (its `path`, `query` and `evidence` blob) holds `needle`,
/// ignoring ASCII case: in its path or query, else in its decoded bodies (what [`found`]
/// tests). A blob that does not decode is logged and not found.
pub(super) fn evidence_holds(id: i64, path: &str, query: &str, blob: &[u8], needle: &str) -> bool {
    if evidence::contains_ascii_folded(path, needle)
        || evidence::contains_ascii_folded(query, needle)
    {
        return true;
    }
    match decode(id, blob) {
        Ok(parts) => [parts.request_body, parts.response_body]
            .iter()
            .flatten()
            .any(|body| evidence::contains_ascii_folded(body, needle)),
        Err(e) => {
            tracing::warn!(error = %e, "a text search skipped an exchange it could not decode");
            false
        }
    }
}

/// Walk the candidates of `q`'s text search (`columns` plus what [`found`] reads), newest first
/// from `q.before`, calling `keep` with each row that holds the text until it returns `false`.
/// With a `budget`, the walk also stops after the first chunk that ends past it, and returns
/// the id it stopped at (rows below it are not searched yet); `None` when it ended otherwise.
async fn search<F>(
    conn: &mut SqliteConn,
    q: &ExchangeQuery,
    columns: &str,
    budget: Option<std::time::Duration>,
    mut keep: F,
) -> Result<Option<i64>>
where
    F: FnMut(&SqliteRow) -> Result<bool>,
{
    let needle = search_text(q).unwrap_or_default();
    let started = std::time::Instant::now();
    let mut below = q.before;
    loop {
        let (mut clause, mut args) = where_clause(q);
        if let Some(b) = below {
            clause.push_str(" AND id < ?");
            args.push(Arg::Int(b));
        }
        let sql = format!(
            "SELECT {columns}, evidence AS found_evidence FROM exchanges{clause} ORDER BY id DESC LIMIT ?"
        );
        let rows = bind_all!(sqlx::query(&sql), args)
            .bind(SEARCH_CHUNK)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            below = Some(row.try_get("id")?);
            if found(row, needle)? && !keep(row)? {
                return Ok(None);
            }
        }
        if i64::try_from(rows.len()).unwrap_or(i64::MAX) < SEARCH_CHUNK {
            return Ok(None);
        }
        if budget.is_some_and(|b| started.elapsed() >= b) {
            return Ok(below);
        }
    }
}

/// What [`ExchangeStore::search_summaries`] found within its time budget.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// The matches, newest first (at most the query's limit).
    pub items: Vec<ExchangeSummary>,
    /// `Some(id)`: the budget ran out; exchanges older than `id` are not searched yet (ask
    /// again with `before = id`). `None`: the page is full or every candidate was searched.
    pub searched_down_to: Option<i64>,
}

/// The `WHERE` clause (and its arguments) of `q`'s filters; `before` and `limit` excluded.
fn where_clause(q: &ExchangeQuery) -> (String, Vec<Arg>) {
    let clause = filter_clause(q, Dialect::Sqlite);
    (clause.sql, clause.args)
}

/// The SQL a [`Clause`] is written in: how it names a bound argument and how it searches text
/// ignoring ASCII case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// `?`, `instr(lower(…), lower(…))` (SQLite's `lower` folds ASCII only).
    Sqlite,
    /// `$1, $2…`, `strpos` on `lower(… COLLATE "C")` (which folds ASCII only, as SQLite's).
    Postgres,
}

/// A `WHERE` clause being written, with its arguments in placeholder order.
#[derive(Debug, Clone)]
pub(super) struct Clause {
    /// The SQL, starting with ` WHERE`.
    pub(super) sql: String,
    /// The arguments its placeholders name, in order.
    pub(super) args: Vec<Arg>,
    dialect: Dialect,
}

impl Clause {
    /// Bind `arg` as the next argument and return its placeholder.
    pub(super) fn param(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        match self.dialect {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => format!("${}", self.args.len()),
        }
    }

    /// Append ` AND {column} {op} <arg>`.
    pub(super) fn and(&mut self, column: &str, op: &str, arg: Arg) {
        let p = self.param(arg);
        self.sql.push_str(&format!(" AND {column} {op} {p}"));
    }

    /// SQL that is true when the text `hay` holds the argument `p`, ignoring ASCII case.
    fn contains_folded(&self, hay: &str, p: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("instr(lower({hay}), lower({p})) > 0"),
            Dialect::Postgres => {
                format!("strpos(lower({hay} COLLATE \"C\"), lower({p} COLLATE \"C\")) > 0")
            }
        }
    }
}

/// [`where_clause`] in `dialect`: the filters of `q` (`before` and `limit` excluded).
pub(super) fn filter_clause(q: &ExchangeQuery, dialect: Dialect) -> Clause {
    let mut c = Clause {
        sql: String::from(" WHERE 1 = 1"),
        args: Vec::new(),
        dialect,
    };
    if let Some(m) = &q.method {
        c.and("method", "=", Arg::Text(m.to_ascii_uppercase()));
    }
    if let Some(s) = q.status_class {
        c.and("status_class", "=", Arg::Int(i64::from(s)));
    }
    if let Some(i) = q.idp {
        c.and("idp", "=", Arg::Text(i.as_str().to_owned()));
    }
    if let Some(o) = q.operation {
        c.and("operation", "=", Arg::Text(o.as_str().to_owned()));
    }
    if let Some(r) = &q.resource_id {
        c.and("resource_id", "=", Arg::Text(r.clone()));
    }
    if let Some(t) = search_text(q) {
        // Rows written since migration 0013 keep their bodies deflated: SQL cannot look inside,
        // so it keeps them all and [`found`] tests them after decoding. Older rows are tested
        // here, as they always were.
        let tests = [
            "path",
            "query",
            "coalesce(request_body, '')",
            "coalesce(response_body, '')",
        ]
        .map(|hay| {
            let p = c.param(Arg::Text(t.to_owned()));
            c.contains_folded(hay, &p)
        });
        c.sql.push_str(&format!(
            " AND (evidence IS NOT NULL OR {})",
            tests.join(" OR ")
        ));
    }
    c
}

/// The filtered, newest-first query behind [`list`] and [`list_whole`].
async fn filtered<T>(
    conn: &mut SqliteConn,
    q: &ExchangeQuery,
    columns: &str,
    map: fn(&sqlx::sqlite::SqliteRow) -> Result<T>,
) -> Result<Vec<T>> {
    if search_text(q).is_some() {
        // A page of a text search: the first `limit` rows below the cursor that hold the text
        // (a negative limit is no limit, as in SQL).
        let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        if limit > 0 {
            search(conn, q, columns, None, |row| {
                out.push(map(row)?);
                Ok(out.len() < limit)
            })
            .await?;
        }
        return Ok(out);
    }
    let (mut clause, mut args) = where_clause(q);
    if let Some(b) = q.before {
        clause.push_str(" AND id < ?");
        args.push(Arg::Int(b));
    }
    let sql = format!("SELECT {columns} FROM exchanges{clause} ORDER BY id DESC LIMIT ?");
    let rows = bind_all!(sqlx::query(&sql), args)
        .bind(q.limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(map).collect()
}

fn whole(row: &SqliteRow) -> Result<Exchange> {
    Ok(exchange_from(
        summary(row)?,
        row.try_get("client_addr")?,
        parts(row)?,
        row.try_get("request_truncated")?,
        row.try_get("response_truncated")?,
    ))
}

/// An exchange whole, from its summary, its client address, its heavy parts and its bodies'
/// truncation flags (what every backend stores).
pub(super) fn exchange_from(
    summary: ExchangeSummary,
    client_addr: Option<String>,
    parts: Parts,
    request_truncated: bool,
    response_truncated: bool,
) -> Exchange {
    let mut auth = json_text::<AuthSummary>(Some(&parts.auth));
    auth.upgrade(summary.status);
    Exchange {
        summary,
        client_addr,
        idp_reason: parts.idp_reason,
        request_headers: json_text(Some(&parts.request_headers)),
        request_body: parts.request_body,
        request_truncated,
        response_headers: json_text(Some(&parts.response_headers)),
        response_body: parts.response_body,
        response_truncated,
        auth,
        before: json_text::<Option<Value>>(parts.before.as_deref()),
        after: json_text::<Option<Value>>(parts.after.as_deref()),
    }
}

/// The heavy parts of a `SELECT *` row: decoded from `evidence`, or read from the plain columns
/// of a row written before migration 0013.
fn parts(row: &SqliteRow) -> Result<Parts> {
    if let Some(blob) = row.try_get::<Option<Vec<u8>>, _>("evidence")? {
        return decode(row.try_get("id")?, &blob);
    }
    Ok(Parts {
        request_body: row.try_get("request_body")?,
        response_body: row.try_get("response_body")?,
        request_headers: row.try_get("request_headers")?,
        response_headers: row.try_get("response_headers")?,
        before: row.try_get("before")?,
        after: row.try_get("after")?,
        auth: row.try_get("auth")?,
        idp_reason: row.try_get("idp_reason")?,
    })
}

/// Decode exchange `id`'s `evidence`.
pub(super) fn decode(id: i64, blob: &[u8]) -> Result<Parts> {
    evidence::decode(blob).map_err(|why| StoreError::Evidence { id, why })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::checks::testkit::ex;
    use crate::store::Store;
    use serde_json::json;

    async fn open() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("x.db")).await.unwrap();
        (store, dir)
    }

    /// An exchange with every column set.
    fn full(word: &str) -> Exchange {
        let mut e = ex(
            0,
            Idp::Entra,
            "PATCH",
            "/scim/v2/Users/u1?a=b",
            200,
            OperationKind::Update,
        );
        e.summary.resource_id = Some("u1".into());
        e.summary.resource_name = Some("ann@example.com".into());
        e.summary.quirks = vec!["entra.capitalized-op".into()];
        e.idp_reason = "user-agent says 'Microsoft.AAD'".into();
        e.request_headers = vec![("authorization".into(), "Bearer …XKzM".into())];
        e.request_body = Some(format!(
            r#"{{"Operations":[{{"op":"Replace","value":"{word}"}}]}}"#
        ));
        e.response_headers = vec![("etag".into(), "W/\"2\"".into())];
        e.response_truncated = true;
        e.before = Some(json!({"userName": "ann@example.com", "title": null}));
        e.after = Some(json!({"userName": "ann@example.com", "title": word}));
        e.response_body = e.after.as_ref().map(Value::to_string);
        e.auth.scheme = Some("Bearer".into());
        e.auth.last4 = Some("XKzM".into());
        e
    }

    /// How a row was stored before migration 0013: every part in its plain column.
    async fn insert_plain(conn: &mut SqliteConn, e: &Exchange) -> i64 {
        let s = &e.summary;
        sqlx::query_scalar(
            "INSERT INTO exchanges (at, method, path, query, status, latency_ms, client_addr, idp,
               idp_reason, operation, quirks, resource_type, resource_id, resource_name,
               request_headers, request_body, request_truncated, response_headers, response_body,
               response_truncated, auth, before, after)
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
        .bind(serde_json::to_string(&s.quirks).unwrap())
        .bind(s.resource_type.map(ResourceKind::name))
        .bind(&s.resource_id)
        .bind(&s.resource_name)
        .bind(serde_json::to_string(&e.request_headers).unwrap())
        .bind(&e.request_body)
        .bind(e.request_truncated)
        .bind(serde_json::to_string(&e.response_headers).unwrap())
        .bind(&e.response_body)
        .bind(e.response_truncated)
        .bind(serde_json::to_string(&e.auth).unwrap())
        .bind(e.before.as_ref().map(Value::to_string))
        .bind(e.after.as_ref().map(Value::to_string))
        .fetch_one(conn)
        .await
        .unwrap()
    }

    /// Every stored column but the id, as SQLite's `quote()` shows it (type and bytes).
    async fn columns(conn: &mut SqliteConn, id: i64) -> Vec<String> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM pragma_table_info('exchanges') WHERE name != 'id' ORDER BY cid",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut out = Vec::new();
        for name in names {
            let sql = format!("SELECT quote({name}) FROM exchanges WHERE id = ?");
            let v: String = sqlx::query_scalar(&sql)
                .bind(id)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            out.push(format!("{name}={v}"));
        }
        out
    }

    #[tokio::test]
    async fn old_and_new_rows_read_back_the_same_through_every_read() {
        let (store, _dir) = open().await;
        let e = full("Lamarr-Ritchie");
        let mut w = store.write().await.unwrap();
        let old = insert_plain(w.sqlite(), &e).await;
        let new = w
            .insert_exchanges(std::slice::from_ref(&e), 100)
            .await
            .unwrap()[0];
        w.commit().await.unwrap();
        let mut r = store.read().await.unwrap();
        let (old_blob, new_blob): (Option<Vec<u8>>, Option<Vec<u8>>) = sqlx::query_as(
            "SELECT (SELECT evidence FROM exchanges WHERE id = ?1),
                    (SELECT evidence FROM exchanges WHERE id = ?2)",
        )
        .bind(old)
        .bind(new)
        .fetch_one(r.sqlite())
        .await
        .unwrap();
        assert!(old_blob.is_none(), "an old row stays plain");
        assert!(new_blob.is_some(), "a new row is compact");
        let with_id = |id| {
            let mut x = e.clone();
            x.summary.id = id;
            x
        };
        assert_eq!(r.exchange(old).await.unwrap(), Some(with_id(old)));
        assert_eq!(r.exchange(new).await.unwrap(), Some(with_id(new)));
        let q = |text: Option<&str>| ExchangeQuery {
            limit: 10,
            text: text.map(Into::into),
            ..Default::default()
        };
        assert_eq!(
            r.exchanges_whole(&q(None)).await.unwrap(),
            [with_id(new), with_id(old)]
        );
        let range = ExchangeRange {
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            r.exchanges_in_range(&range).await.unwrap(),
            [with_id(old), with_id(new)]
        );
        // The text search finds a word of both rows' bodies, also in another ASCII case, and
        // counts both; a word of neither finds nothing.
        for word in ["lamarr-ritchie", "REPLACE", "users/u1", "a=b"] {
            let ids: Vec<i64> = r
                .exchange_summaries(&q(Some(word)))
                .await
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect();
            assert_eq!(ids, [new, old], "{word}");
            assert_eq!(
                r.count_exchanges_matching(&q(Some(word))).await.unwrap(),
                (2, 2)
            );
        }
        assert!(
            r.exchange_summaries(&q(Some("absent")))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            r.count_exchanges_matching(&q(Some("absent")))
                .await
                .unwrap(),
            (0, 0)
        );
        drop(r);

        // A hand-over writes the compact row back as exactly the plain row an old scimlab wrote.
        let mut w = store.write().await.unwrap();
        assert_eq!(expand_evidence(w.sqlite()).await.unwrap(), 1);
        let (old_cols, new_cols) = (
            columns(w.sqlite(), old).await,
            columns(w.sqlite(), new).await,
        );
        assert_eq!(old_cols, new_cols);
        assert_eq!(w.exchange(new).await.unwrap(), Some(with_id(new)));
    }

    #[tokio::test]
    async fn a_compact_row_is_smaller_and_holds_its_parts_only_in_evidence() {
        let (store, _dir) = open().await;
        let e = full("x");
        let mut w = store.write().await.unwrap();
        let old = insert_plain(w.sqlite(), &e).await;
        let new = w
            .insert_exchanges(std::slice::from_ref(&e), 100)
            .await
            .unwrap()[0];
        let size = |id| {
            sqlx::query_scalar::<_, i64>(
                "SELECT length(CAST(request_headers AS BLOB)) + length(CAST(response_headers AS BLOB))
                   + length(CAST(auth AS BLOB)) + length(CAST(idp_reason AS BLOB))
                   + coalesce(length(CAST(request_body AS BLOB)), 0)
                   + coalesce(length(CAST(response_body AS BLOB)), 0)
                   + coalesce(length(CAST(before AS BLOB)), 0)
                   + coalesce(length(CAST(after AS BLOB)), 0) + coalesce(length(evidence), 0)
                 FROM exchanges WHERE id = ?",
            )
            .bind(id)
        };
        let old_size = size(old).fetch_one(w.sqlite()).await.unwrap();
        let new_size = size(new).fetch_one(w.sqlite()).await.unwrap();
        assert!(new_size < old_size, "{new_size} < {old_size}");
        let plain: (String, Option<String>, Option<String>) = sqlx::query_as(
            "SELECT request_headers || response_headers || auth || idp_reason,
                    coalesce(request_body, response_body), coalesce(before, after)
             FROM exchanges WHERE id = ?",
        )
        .bind(new)
        .fetch_one(w.sqlite())
        .await
        .unwrap();
        assert_eq!(plain, (String::new(), None, None));
    }

    /// Redaction runs before the store encodes: the secret is not in the decoded values, and
    /// not in the inflated evidence either (the raw bytes of the file cannot show it, deflated).
    #[tokio::test]
    async fn redaction_runs_before_encoding() {
        use crate::capture::redact;
        let secret = "Sup3rSecretKey-0123456789";
        let password = "Hunter2-Password-xyz";
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("authorization", format!("Bearer {secret}").parse().unwrap());
        let (request_headers, auth) =
            redact::redact_headers(&headers, crate::model::AuthOutcome::Matched);
        let body = json!({"userName": "pw@example.com", "password": password}).to_string();
        let (request_body, request_truncated) = redact::redact_body(body.as_bytes(), 64 * 1024);
        let mut e = full("x");
        e.request_headers = request_headers;
        e.request_body = request_body;
        e.request_truncated = request_truncated;
        e.auth = auth;
        let (store, dir) = open().await;
        let mut w = store.write().await.unwrap();
        let id = w
            .insert_exchanges(std::slice::from_ref(&e), 100)
            .await
            .unwrap()[0];
        w.commit().await.unwrap();
        let got = store
            .read()
            .await
            .unwrap()
            .exchange(id)
            .await
            .unwrap()
            .unwrap();
        let shown = serde_json::to_string(&got).unwrap();
        assert!(shown.contains("pw@example.com"), "{shown}");
        let inflated = String::from_utf8(store.evidence_plaintext().await.unwrap()).unwrap();
        assert!(inflated.contains("pw@example.com"), "{inflated}");
        for hay in [&shown, &inflated] {
            assert!(!hay.contains(secret) && !hay.contains(password), "{hay}");
        }
        assert!(
            inflated.contains(r#""password":""#),
            "the redacted key is kept: {inflated}"
        );
        store.close().await;
        let bytes = std::fs::read(dir.path().join("x.db")).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(password));
    }
}
