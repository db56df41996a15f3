//! PostgreSQL: the capture log — batched inserts, each class's retention in the same
//! transaction, folds, filtered and budgeted reads, totals, replay ranges and windows; see
//! `store/exchanges.rs` for the promises, which this file keeps with PostgreSQL's SQL.
//!
//! Rows are always written compact (one `evidence` blob, `store/evidence.rs`), their plain
//! columns empty as SQLite writes new rows; a row without evidence (copied as it was from an old
//! SQLite file) still reads back from its plain columns and is searched in SQL. The row
//! decoding, the filters and the evidence format are the SQLite module's, shared.
//!
//! `TEXT` cannot hold NUL, which SQLite keeps: a NUL a client sent in a name or a URL becomes
//! U+FFFD in the row's text columns and in every text a query binds (`pg/resources.rs`,
//! `storable`), so a capture batch is stored instead of refused and a filter answers. Bodies
//! and headers keep it (they are in `evidence`).

use crate::model::{Exchange, ExchangeSummary, Idp};
use crate::store::Result;
use crate::store::api::ExchangeStore;
use crate::store::bind::Arg;
use crate::store::evidence::Parts;
use crate::store::exchanges::{
    Clause, Dialect, ExchangeFloors, ExchangeQuery, ExchangeRange, NewRow, SEARCH_CHUNK,
    SUMMARY_COLUMNS, SearchPage, SummaryRow, decode, evidence_holds, exchange_from, filter_clause,
    search_text,
};
use crate::store::outlines::OutlineRow;
use crate::store::pg::resources::{no_limit_if_negative, storable};
use scimlab_scim::ResourceKind;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, Row};
use std::borrow::Cow;

/// The columns [`whole`] reads beyond [`SUMMARY_COLUMNS`]: the plain parts are read too, for a
/// row without evidence (they are empty on every row written here).
const WHOLE_EXTRA: &str = "client_addr, request_truncated, response_truncated, evidence, \
     request_body, response_body, request_headers, response_headers, before, after, auth, idp_reason";

/// `SELECT` list of a whole exchange.
fn whole_columns() -> String {
    format!("{SUMMARY_COLUMNS}, {WHOLE_EXTRA}")
}

/// The filters of `q` in PostgreSQL's SQL, every text bound [`storable`].
fn clause(q: &ExchangeQuery) -> Clause {
    let mut c = filter_clause(q, Dialect::Postgres);
    for arg in &mut c.args {
        if let Arg::Text(t) = arg
            && let Cow::Owned(fixed) = storable(t)
        {
            *t = fixed;
        }
    }
    c
}

impl ExchangeStore for PgConnection {
    async fn insert_exchanges(&mut self, batch: &[Exchange], retention: i64) -> Result<Vec<i64>> {
        // A successful create's row names its resource's creator (trigger `exchanges_stored`).
        let ids = insert_rows(self, batch).await?;
        super::analyze_when_grown(self, &ids, "exchanges").await?;
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
            "UPDATE exchanges SET fold_count = fold_count + $1,
                                  last_at = GREATEST(COALESCE(last_at, at), $2)
             WHERE id = $3 AND rejected RETURNING {SUMMARY_COLUMNS}"
        ))
        .bind(i64::from(more))
        .bind(storable(last_at))
        .bind(id)
        .fetch_optional(&mut *self)
        .await?;
        row.as_ref().map(summary).transpose()
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
    async fn exchange_summaries(&mut self, q: &ExchangeQuery) -> Result<Vec<ExchangeSummary>> {
        filtered(self, q, SUMMARY_COLUMNS, summary).await
    }
    async fn exchanges_whole(&mut self, q: &ExchangeQuery) -> Result<Vec<Exchange>> {
        filtered(self, q, &whole_columns(), whole).await
    }
    async fn count_exchanges_matching(&mut self, q: &ExchangeQuery) -> Result<(i64, i64)> {
        if search_text(q).is_some() {
            return count_found(self, q).await;
        }
        let c = clause(q);
        let sql = if q.resource_id.is_none() {
            // Every filter is a column of the kept totals (the exchanges' triggers): sum them.
            format!(
                "SELECT COALESCE(SUM(rows), 0)::BIGINT, COALESCE(SUM(requests), 0)::BIGINT
                 FROM exchange_counts{}",
                c.sql
            )
        } else {
            // One resource's rows: every row is one request, a fold `fold_count` of them.
            format!(
                "SELECT COUNT(*), COUNT(*) + COALESCE(SUM(fold_count - 1) FILTER (WHERE rejected), 0)::BIGINT
                 FROM exchanges{}",
                c.sql
            )
        };
        let (rows, requests): (i64, i64) = bind_all!(sqlx::query_as(&sql), c.args)
            .fetch_one(self)
            .await?;
        Ok((rows, requests))
    }
    async fn exchange(&mut self, id: i64) -> Result<Option<Exchange>> {
        let sql = format!("SELECT {} FROM exchanges WHERE id = $1", whole_columns());
        let row = sqlx::query(&sql).bind(id).fetch_optional(self).await?;
        row.as_ref().map(whole).transpose()
    }
    async fn recent_exchanges(&mut self, idp: Idp, limit: i64) -> Result<Vec<Exchange>> {
        self.recent_exchanges_between(idp, None, None, limit).await
    }
    async fn recent_exchanges_between(
        &mut self,
        idp: Idp,
        after: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Exchange>> {
        let sql = format!(
            "SELECT {} FROM exchanges WHERE idp = $1 AND id > $2 AND id < $3
             ORDER BY id DESC LIMIT $4",
            whole_columns()
        );
        let rows = sqlx::query(&sql)
            .bind(idp.as_str())
            .bind(after.unwrap_or(i64::MIN))
            .bind(before.unwrap_or(i64::MAX))
            .bind(no_limit_if_negative(limit))
            .fetch_all(self)
            .await?;
        let mut out = rows.iter().map(whole).collect::<Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }
    async fn exchange_floors(&mut self) -> Result<ExchangeFloors> {
        let (authenticated, rejected): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT MIN(id) FROM exchanges WHERE rejected = false),
                    (SELECT MIN(id) FROM exchanges WHERE rejected = true)",
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
            "SELECT id, fold_count FROM exchanges WHERE rejected = true AND idp = $1 AND id >= $2
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
            "SELECT {SUMMARY_COLUMNS} FROM exchanges WHERE id > $1 AND idp = $2 AND rejected = false
             ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(after_id)
            .bind(idp.as_str())
            .bind(no_limit_if_negative(limit))
            .fetch_all(self)
            .await?;
        rows.iter().map(summary).collect()
    }
    async fn faulted_attempts(&mut self, name: &str, limit: i64) -> Result<Vec<ExchangeSummary>> {
        // `lower` under the column's "C" collation folds ASCII only, as SQLite's NOCASE; the
        // partial index `exchanges_faulted_name` is on this very expression.
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM exchanges
             WHERE fault IS NOT NULL AND resource_id IS NULL AND lower(resource_name) = $1
             ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(storable(&name.to_ascii_lowercase()))
            .bind(no_limit_if_negative(limit))
            .fetch_all(self)
            .await?;
        let mut newest: Vec<ExchangeSummary> = rows.iter().map(summary).collect::<Result<_>>()?;
        newest.reverse();
        Ok(newest)
    }
    async fn exchanges_in_range(&mut self, range: &ExchangeRange) -> Result<Vec<Exchange>> {
        let (sql, args) = range_query(range);
        let mut query = sqlx::query(&sql);
        for arg in args {
            query = match arg {
                RangeArg::Int(v) => query.bind(v),
                RangeArg::Text(v) => query.bind(v),
                RangeArg::Ints(v) => query.bind(v),
                RangeArg::Texts(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(self).await?;
        rows.iter().map(whole).collect()
    }
    async fn count_exchanges(&mut self) -> Result<i64> {
        // The kept totals hold every row (written in the same statement as the row): a sum over
        // a few rows, where `COUNT(*)` reads the whole table on PostgreSQL.
        Ok(
            sqlx::query_scalar("SELECT COALESCE(SUM(rows), 0)::BIGINT FROM exchange_counts")
                .fetch_one(self)
                .await?,
        )
    }
    async fn clear_exchanges(&mut self) -> Result<()> {
        // A `DELETE`, not `TRUNCATE`: the triggers keep the totals and the change feed, readers
        // keep their snapshot, and the identity keeps counting.
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
    ) -> Result<Vec<OutlineRow>> {
        super::outlines::between(self, after, before, limit).await
    }
}

/// Store `batch` with one `INSERT` whatever its size: each column bound as one array, unnested
/// in the batch's order, so that the identity hands out ascending ids in that order. Their ids,
/// in order.
async fn insert_rows(conn: &mut PgConnection, batch: &[Exchange]) -> Result<Vec<i64>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<NewRow<'_>> = batch.iter().map(NewRow::of).collect();
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO exchanges (at, method, path, query, status, latency_ms, client_addr, idp,
           idp_reason, operation, quirks, resource_type, resource_id, resource_name,
           request_headers, request_truncated, response_headers, response_truncated, auth,
           rejected, fold_count, last_at, refused_quirk, fault, evidence)
         SELECT at, method, path, query, status, latency_ms, client_addr, idp,
           '', operation, quirks, resource_type, resource_id, resource_name,
           '', request_truncated, '', response_truncated, '',
           rejected, fold_count, last_at, refused_quirk, fault, evidence
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                     $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                     $12::text[], $13::text[], $14::boolean[], $15::boolean[], $16::boolean[],
                     $17::bigint[], $18::text[], $19::text[], $20::text[], $21::bytea[])
              WITH ORDINALITY AS t(at, method, path, query, status, latency_ms, client_addr,
                   idp, operation, quirks, resource_type, resource_id, resource_name,
                   request_truncated, response_truncated, rejected, fold_count, last_at,
                   refused_quirk, fault, evidence, n)
         ORDER BY n
         RETURNING id",
    )
    .bind(column(&rows, |r| storable(&r.e.summary.at)))
    .bind(column(&rows, |r| storable(&r.e.summary.method)))
    .bind(column(&rows, |r| storable(&r.e.summary.path)))
    .bind(column(&rows, |r| storable(&r.e.summary.query)))
    .bind(column(&rows, |r| i64::from(r.e.summary.status)))
    .bind(column(&rows, |r| r.e.summary.latency_ms))
    .bind(column(&rows, |r| r.e.client_addr.as_deref().map(storable)))
    .bind(column(&rows, |r| r.e.summary.idp.as_str()))
    .bind(column(&rows, |r| r.e.summary.operation.as_str()))
    .bind(column(&rows, |r| r.quirks.as_str()))
    .bind(column(&rows, |r| {
        r.e.summary.resource_type.map(ResourceKind::name)
    }))
    .bind(column(&rows, |r| {
        r.e.summary.resource_id.as_deref().map(storable)
    }))
    .bind(column(&rows, |r| {
        r.e.summary.resource_name.as_deref().map(storable)
    }))
    .bind(column(&rows, |r| r.e.request_truncated))
    .bind(column(&rows, |r| r.e.response_truncated))
    .bind(column(&rows, |r| r.fold.is_some()))
    .bind(column(&rows, |r| r.fold.map_or(1, |f| f.0)))
    .bind(column(&rows, |r| r.fold.map(|f| storable(f.1))))
    .bind(column(&rows, |r| {
        r.e.summary.refused_quirk.as_deref().map(storable)
    }))
    .bind(column(&rows, |r| r.fault.as_deref()))
    .bind(column(&rows, |r| r.evidence.as_slice()))
    .fetch_all(&mut *conn)
    .await?;
    // The identity follows the ordinality; RETURNING promises no order of its own.
    ids.sort_unstable();
    debug_assert_eq!(ids.len(), batch.len());
    Ok(ids)
}

/// One column of `rows`, bound as an array.
fn column<'a, T>(rows: &'a [NewRow<'a>], value: impl Fn(&'a NewRow<'a>) -> T) -> Vec<T> {
    rows.iter().map(value).collect()
}

/// Keep the newest `keep` rows of one class (folds or authenticated exchanges), deleting the
/// older ones of that class only, in one statement: how many rows the class holds comes from
/// `exchange_counts` (a sum over a few rows), and the rows to delete are the class's oldest
/// index entries, as many as it deletes. They are gathered first and deleted by key: a plan
/// that cannot know the cut before running it would read the whole table to find it.
async fn prune(conn: &mut PgConnection, rejected: bool, keep: i64) -> Result<u64> {
    if keep < 0 {
        // SQLite's statement finds no cut past the class's end: nothing is deleted.
        return Ok(0);
    }
    let done = sqlx::query(
        "WITH held AS (SELECT COALESCE(SUM(rows), 0)::BIGINT AS n FROM exchange_counts
                        WHERE rejected = $1)
         DELETE FROM exchanges
          WHERE id = ANY(ARRAY(SELECT id FROM exchanges WHERE rejected = $1 ORDER BY id
                               LIMIT GREATEST((SELECT n FROM held) - $2, 0)))",
    )
    .bind(rejected)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

fn summary(row: &PgRow) -> Result<ExchangeSummary> {
    Ok(SummaryRow::from_row(row)?.into_summary())
}

/// An exchange whole, from a row of [`whole_columns`].
fn whole(row: &PgRow) -> Result<Exchange> {
    let summary = summary(row)?;
    let parts = parts(row, summary.id)?;
    Ok(exchange_from(
        summary,
        row.try_get("client_addr")?,
        parts,
        row.try_get("request_truncated")?,
        row.try_get("response_truncated")?,
    ))
}

/// The heavy parts of row `id`: decoded from `evidence`, or read from the plain columns of a
/// row that has none.
fn parts(row: &PgRow, id: i64) -> Result<Parts> {
    if let Some(blob) = row.try_get::<Option<&[u8]>, _>("evidence")? {
        return decode(id, blob);
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

/// The filtered, newest-first query behind `exchange_summaries` and `exchanges_whole`.
async fn filtered<T>(
    conn: &mut PgConnection,
    q: &ExchangeQuery,
    columns: &str,
    map: fn(&PgRow) -> Result<T>,
) -> Result<Vec<T>> {
    if search_text(q).is_some() {
        // A page of a text search: the first `limit` rows below the cursor that hold the text
        // (a negative limit is no limit).
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
    let mut c = clause(q);
    if let Some(b) = q.before {
        c.and("id", "<", Arg::Int(b));
    }
    let limit = match no_limit_if_negative(q.limit) {
        Some(n) => format!(" LIMIT {}", c.param(Arg::Int(n))),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {columns} FROM exchanges{} ORDER BY id DESC{limit}",
        c.sql
    );
    let rows = bind_all!(sqlx::query(&sql), c.args).fetch_all(conn).await?;
    rows.iter().map(map).collect()
}

/// How many rows hold `q`'s text (`before` ignored), and how many requests they stand for.
async fn count_found(conn: &mut PgConnection, q: &ExchangeQuery) -> Result<(i64, i64)> {
    let (mut total, mut requests) = (0, 0);
    let q = ExchangeQuery {
        before: None,
        ..q.clone()
    };
    // Every row is one request, a fold `fold_count` of them.
    search(
        conn,
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
    Ok((total, requests))
}

/// Whether a candidate row of a text search (one that the filter clause kept) holds `needle`:
/// a row without evidence matched in SQL already; a compact one is tested on its path, its
/// query and its decoded bodies.
fn found(row: &PgRow, needle: &str) -> Result<bool> {
    let Some(blob) = row.try_get::<Option<&[u8]>, _>("found_evidence")? else {
        return Ok(true);
    };
    let path: &str = row.try_get("path")?;
    let query: &str = row.try_get("query")?;
    Ok(evidence_holds(
        row.try_get("id")?,
        path,
        query,
        blob,
        needle,
    ))
}

/// Walk the candidates of `q`'s text search (`columns` plus what [`found`] reads), newest first
/// from `q.before`, calling `keep` with each row that holds the text until it returns `false`.
/// With a `budget`, the walk also stops after the first chunk that ends past it, and returns
/// the id it stopped at (rows below it are not searched yet); `None` when it ended otherwise.
async fn search<F>(
    conn: &mut PgConnection,
    q: &ExchangeQuery,
    columns: &str,
    budget: Option<std::time::Duration>,
    mut keep: F,
) -> Result<Option<i64>>
where
    F: FnMut(&PgRow) -> Result<bool>,
{
    let needle = search_text(q).unwrap_or_default();
    let started = std::time::Instant::now();
    let mut below = q.before;
    loop {
        let mut c = clause(q);
        if let Some(b) = below {
            c.and("id", "<", Arg::Int(b));
        }
        let chunk = c.param(Arg::Int(SEARCH_CHUNK));
        let sql = format!(
            "SELECT {columns}, evidence AS found_evidence FROM exchanges{} ORDER BY id DESC LIMIT {chunk}",
            c.sql
        );
        let rows = bind_all!(sqlx::query(&sql), c.args)
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

/// `text` as a column holds it ([`storable`]), owned.
fn stored(text: &str) -> String {
    storable(text).into_owned()
}

/// [`stored`] of each of `texts`.
fn stored_texts(texts: &[String]) -> Vec<String> {
    texts.iter().map(|t| stored(t)).collect()
}

/// An argument of [`range_query`]: a value, or a list bound as one array.
enum RangeArg {
    Int(i64),
    Text(String),
    Ints(Vec<i64>),
    Texts(Vec<String>),
}

/// The query of the authenticated exchanges in `r` (whole, oldest first) and its arguments in
/// placeholder order.
fn range_query(r: &ExchangeRange) -> (String, Vec<RangeArg>) {
    let mut args: Vec<RangeArg> = Vec::new();
    let mut param = |arg: RangeArg| {
        args.push(arg);
        format!("${}", args.len())
    };
    let mut sql = format!(
        "SELECT {} FROM exchanges WHERE rejected = false",
        whole_columns()
    );
    if let Some(i) = r.idp {
        sql.push_str(&format!(
            " AND idp = {}",
            param(RangeArg::Text(i.as_str().to_owned()))
        ));
    }
    let mut about = Vec::new();
    if !r.resource_ids.is_empty() {
        let p = param(RangeArg::Texts(stored_texts(&r.resource_ids)));
        about.push(format!("resource_id = ANY({p})"));
    }
    if !r.resource_names.is_empty() {
        // ASCII case folded on both sides, as SQLite's NOCASE.
        let names: Vec<String> = r
            .resource_names
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let p = param(RangeArg::Texts(stored_texts(&names)));
        about.push(format!(
            "(resource_id IS NULL AND lower(resource_name) = ANY({p}))"
        ));
    }
    if !about.is_empty() {
        sql.push_str(&format!(" AND ({})", about.join(" OR ")));
    }
    if let Some(t) = &r.since {
        sql.push_str(&format!(" AND at >= {}", param(RangeArg::Text(stored(t)))));
    }
    if let Some(t) = &r.until {
        sql.push_str(&format!(" AND at <= {}", param(RangeArg::Text(stored(t)))));
    }
    if let Some(i) = r.from_id {
        sql.push_str(&format!(" AND id >= {}", param(RangeArg::Int(i))));
    }
    if let Some(i) = r.to_id {
        sql.push_str(&format!(" AND id <= {}", param(RangeArg::Int(i))));
    }
    if !r.ids.is_empty() {
        let p = param(RangeArg::Ints(r.ids.clone()));
        sql.push_str(&format!(" AND id = ANY({p})"));
    }
    if !r.operations.is_empty() {
        let ops = r.operations.iter().map(|o| o.as_str().to_owned()).collect();
        let p = param(RangeArg::Texts(ops));
        sql.push_str(&format!(" AND operation = ANY({p})"));
    }
    sql.push_str(" ORDER BY id");
    if let Some(n) = no_limit_if_negative(r.limit) {
        sql.push_str(&format!(" LIMIT {}", param(RangeArg::Int(n))));
    }
    (sql, args)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::checks::testkit::ex;
    use crate::model::OperationKind;
    use crate::store::api::Backend;
    use crate::store::pg::PgStore;
    use scimlab_testdb as testdb;
    use serde_json::{Value, json};

    async fn open() -> PgStore {
        PgStore::open(testdb::url(), &testdb::fresh_schema("exchanges"), 4)
            .await
            .unwrap()
    }

    /// An exchange with every column set, `word` in its request body.
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
        e.client_addr = Some("203.0.113.7".into());
        e.request_headers = vec![("authorization".into(), "Bearer …XKzM".into())];
        e.request_body = Some(format!(
            r#"{{"Operations":[{{"op":"Replace","value":"{word} Ärger"}}]}}"#
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

    /// A row as an old SQLite file holds it, copied as it is: every part in its plain column,
    /// no evidence.
    async fn insert_plain(conn: &mut PgConnection, e: &Exchange) -> i64 {
        let s = &e.summary;
        sqlx::query_scalar(
            "INSERT INTO exchanges (at, method, path, query, status, latency_ms, client_addr, idp,
               idp_reason, operation, quirks, resource_type, resource_id, resource_name,
               request_headers, request_body, request_truncated, response_headers, response_body,
               response_truncated, auth, before, after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21, $22, $23) RETURNING id",
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

    #[tokio::test]
    async fn a_row_without_evidence_reads_and_is_searched_as_a_compact_one() {
        let store = open().await;
        let e = full("Lamarr-Ritchie");
        let mut w = store.writer().await.unwrap();
        let old = insert_plain(&mut w, &e).await;
        let new = w
            .insert_exchanges(std::slice::from_ref(&e), 100)
            .await
            .unwrap()[0];
        w.commit().await.unwrap();
        let mut r = store.reader().await.unwrap();
        let with_id = |id| {
            let mut x = e.clone();
            x.summary.id = id;
            x
        };
        assert_eq!(r.exchange(old).await.unwrap(), Some(with_id(old)));
        assert_eq!(r.exchange(new).await.unwrap(), Some(with_id(new)));
        let q = |text: Option<&str>, limit: i64| ExchangeQuery {
            limit,
            text: text.map(Into::into),
            ..Default::default()
        };
        assert_eq!(
            r.exchanges_whole(&q(None, 10)).await.unwrap(),
            [with_id(new), with_id(old)]
        );
        assert_eq!(
            r.exchanges_whole(&q(None, -1)).await.unwrap().len(),
            2,
            "a negative limit is no limit, as on SQLite"
        );
        let range = ExchangeRange {
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            r.exchanges_in_range(&range).await.unwrap(),
            [with_id(old), with_id(new)]
        );
        // Found in both rows in another ASCII case; a non-ASCII letter's case is not folded
        // (SQLite's `lower`), whatever the database's locale.
        for word in ["lamarr-ritchie", "REPLACE", "users/u1", "a=b", "Ärger"] {
            let ids: Vec<i64> = r
                .exchange_summaries(&q(Some(word), 10))
                .await
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect();
            assert_eq!(ids, [new, old], "{word}");
            assert_eq!(
                r.count_exchanges_matching(&q(Some(word), 10))
                    .await
                    .unwrap(),
                (2, 2)
            );
        }
        for word in ["absent", "äRGER"] {
            assert!(
                r.exchange_summaries(&q(Some(word), 10))
                    .await
                    .unwrap()
                    .is_empty(),
                "{word}"
            );
            assert_eq!(
                r.count_exchanges_matching(&q(Some(word), 10))
                    .await
                    .unwrap(),
                (0, 0)
            );
        }
    }

    #[tokio::test]
    async fn a_compact_row_holds_its_parts_only_in_evidence() {
        let store = open().await;
        let mut w = store.writer().await.unwrap();
        let id = w.insert_exchanges(&[full("x")], 100).await.unwrap()[0];
        let plain: (String, Option<String>, Option<String>, bool) = sqlx::query_as(
            "SELECT request_headers || response_headers || auth || idp_reason,
                    coalesce(request_body, response_body), coalesce(before, after),
                    evidence IS NOT NULL
             FROM exchanges WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *w)
        .await
        .unwrap();
        assert_eq!(plain, (String::new(), None, None, true));
    }

    /// A blob that does not decode is an error naming the exchange when read, and skipped (not
    /// found) by a text search, as on SQLite.
    #[tokio::test]
    async fn damaged_evidence_is_named_and_skipped_by_a_search() {
        let store = open().await;
        let mut w = store.writer().await.unwrap();
        let id = w.insert_exchanges(&[full("x")], 100).await.unwrap()[0];
        sqlx::query("UPDATE exchanges SET evidence = '\\x0199'::bytea WHERE id = $1")
            .bind(id)
            .execute(&mut *w)
            .await
            .unwrap();
        let err = w.exchange(id).await.unwrap_err();
        assert!(
            matches!(err, crate::store::StoreError::Evidence { id: got, .. } if got == id),
            "{err}"
        );
        let q = ExchangeQuery {
            limit: 10,
            text: Some("replace".into()),
            ..Default::default()
        };
        assert!(w.exchange_summaries(&q).await.unwrap().is_empty());
    }
}
