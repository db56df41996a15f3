//! The timeline's read: the outlines (id, time, IdP, operation, status, fold) of the newest
//! exchanges, as one row of JSON.
//!
//! sqlx hands a query's rows over from its SQLite worker thread one at a time, each row with its
//! own allocations: at 1 000 000 stored exchanges, reading the timeline's 100 000 outlines as
//! rows took about a second and left over 100 MB of freed heap in the process (glibc keeps it).
//! SQLite folds them into one JSON array instead (still an index-only walk of
//! `exchanges_outline`), parsed here in one pass: tens of milliseconds, a few MB. The timeline's
//! kept window (`materialised/timeline.rs`) reads the same way, between ids.

use super::{Result, SqliteConn};
use crate::model::{Idp, OperationKind};
use crate::timeline::Outline;
use serde::Deserialize;
use std::borrow::Cow;

/// One stored exchange as a kept window of the timeline's exchanges reads it
/// ([`super::api::ExchangeStore::exchange_outlines_between`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineRow {
    /// Exchange id.
    pub id: i64,
    /// Whether it is a fold of rejected requests (which class's retention deletes it).
    pub rejected: bool,
    /// Its outline; `None` when its time does not parse (the timeline cannot place it).
    pub outline: Option<Outline>,
}

/// One outline as SQLite's `json_array` writes it (the text borrowed from the array's: no
/// allocation per row).
#[derive(Deserialize)]
struct Raw<'a>(
    i64,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    #[serde(borrow)] Cow<'a, str>,
    i64,
    i64,
    i64,
);

/// The outlines of the newest `limit` exchanges, newest first. Rows whose time does not parse
/// are left out (the timeline cannot place them).
pub(super) async fn newest(conn: &mut SqliteConn, limit: i64) -> Result<Vec<Outline>> {
    Ok(placeable(between(conn, None, None, limit).await?))
}

/// The newest `limit` exchanges with ids `after < id < before` (either bound optional), newest
/// first, every row read (one whose time does not parse without its outline).
pub(super) async fn between(
    conn: &mut SqliteConn,
    after: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<OutlineRow>> {
    let text: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, at, idp, operation, status, fold_count, rejected))
           FROM (SELECT id, at, idp, operation, status, fold_count, rejected FROM exchanges
                 WHERE id > ? AND id < ? ORDER BY id DESC LIMIT ?)",
    )
    .bind(after.unwrap_or(i64::MIN))
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_one(conn)
    .await?;
    let raw: Vec<Raw<'_>> = serde_json::from_str(text.as_deref().unwrap_or("[]"))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let mut out: Vec<OutlineRow> = raw
        .into_iter()
        .map(|Raw(id, at, idp, operation, status, requests, rejected)| {
            outline_row(id, &at, &idp, &operation, status, requests, rejected != 0)
        })
        .collect();
    // The aggregate keeps the subquery's order in practice; the contract says newest first.
    out.sort_unstable_by_key(|r| std::cmp::Reverse(r.id));
    Ok(out)
}

/// One stored exchange's row from its outline's columns (every backend reads these).
pub(super) fn outline_row(
    id: i64,
    at: &str,
    idp: &str,
    operation: &str,
    status: i64,
    requests: i64,
    rejected: bool,
) -> OutlineRow {
    let outline = chrono::DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|at| Outline {
            id,
            at: at.with_timezone(&chrono::Utc),
            idp: Idp::parse(idp),
            operation: OperationKind::parse(operation),
            status: u16::try_from(status).unwrap_or(0),
            requests,
            rejected,
        });
    OutlineRow {
        id,
        rejected,
        outline,
    }
}

/// The outlines of `rows`, those whose time does not parse left out.
pub(super) fn placeable(rows: Vec<OutlineRow>) -> Vec<Outline> {
    rows.into_iter().filter_map(|r| r.outline).collect()
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::ex;
    use crate::model::{Idp, OperationKind};
    use crate::store::Store;
    use crate::store::prelude::*;

    /// The JSON read gives what the row read gave: every field, newest first, `limit` rows, a
    /// fold's requests, and no row whose time does not parse.
    #[tokio::test]
    async fn outlines_are_the_newest_rows_with_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("o.db")).await.unwrap();
        let mut r = store.read().await.unwrap();
        assert!(r.exchange_outlines(10).await.unwrap().is_empty());
        drop(r);
        let create = ex(
            0,
            Idp::Entra,
            "POST",
            "/scim/v2/Users",
            201,
            OperationKind::Create,
        );
        let mut bad_time = ex(
            0,
            Idp::Okta,
            "GET",
            "/scim/v2/Users",
            200,
            OperationKind::Read,
        );
        bad_time.summary.at = "not a time".into();
        let mut fold = ex(
            0,
            Idp::Other,
            "GET",
            "/scim/v2/Users",
            401,
            OperationKind::Rejected,
        );
        fold.summary.fold_count = Some(3);
        let lookup = ex(
            0,
            Idp::Okta,
            "GET",
            "/scim/v2/Users?filter=x",
            200,
            OperationKind::MatchLookup,
        );
        let mut w = store.write().await.unwrap();
        let ids = w
            .insert_exchanges(&[create, bad_time, fold, lookup], 100)
            .await
            .unwrap();
        w.commit().await.unwrap();
        let mut r = store.read().await.unwrap();
        let all = r.exchange_outlines(10).await.unwrap();
        assert_eq!(
            all.iter().map(|o| o.id).collect::<Vec<_>>(),
            [ids[3], ids[2], ids[0]],
            "newest first, the unparsable time left out"
        );
        let (lookup, fold, create) = (&all[0], &all[1], &all[2]);
        assert_eq!(
            (lookup.idp, lookup.operation, lookup.status),
            (Idp::Okta, OperationKind::MatchLookup, 200)
        );
        assert_eq!((lookup.requests, lookup.rejected), (1, false));
        assert_eq!((fold.status, fold.requests, fold.rejected), (401, 3, true));
        assert_eq!(
            (create.idp, create.operation, create.status),
            (Idp::Entra, OperationKind::Create, 201)
        );
        assert_eq!(create.at.to_rfc3339(), "2025-06-01T10:00:00+00:00");
        let newest = r.exchange_outlines(1).await.unwrap();
        assert_eq!(newest.iter().map(|o| o.id).collect::<Vec<_>>(), [ids[3]]);
    }
}
