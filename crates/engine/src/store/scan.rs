//! Scans of a whole resource type, one page of rows at a time, for filters no index answers.
//!
//! `scim_api/list.rs` walks the rows with [`after`] (keyset paging on `pk`, the `(kind, pk)`
//! index), so it holds at most one page in memory, checks its time budget between pages and
//! holds no read transaction across pages: a write committed mid-scan is seen or not, but no
//! row is seen twice or skipped because another one was inserted or deleted.

use super::api::ScanStore;
use super::resources::{COLUMNS, StoredResource, kind_str, row_to_resource};
use super::{Result, SqliteConn};
use scimlab_scim::ResourceKind;
use serde_json::{Map, Value};

impl ScanStore for SqliteConn {
    async fn resources_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> Result<Vec<StoredResource>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = ? AND pk > ? ORDER BY pk LIMIT ?"
        ))
        .bind(kind_str(kind))
        .bind(after_pk)
        .bind(limit)
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }
    async fn attributes_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> Result<ScanPage> {
        // One row per page, not one per resource: sqlx hands rows over one at a time from its
        // SQLite worker thread, which costs more than parsing them. The separators are ASCII RS and
        // US, which stored JSON never holds raw (serde_json escapes control characters).
        let (last, packed): (Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT max(pk), group_concat(pk || char(31) || attributes, char(30) ORDER BY pk)
               FROM (SELECT pk, attributes FROM resources WHERE kind = ? AND pk > ? ORDER BY pk LIMIT ?)",
        )
        .bind(kind_str(kind))
        .bind(after_pk)
        .bind(limit)
        .fetch_one(self)
        .await?;
        let (Some(last), Some(packed)) = (last, packed) else {
            return Ok(ScanPage::default());
        };
        let mut out = Vec::with_capacity(usize::try_from(limit).unwrap_or(0));
        for entry in packed.split('\u{1e}') {
            let Some((pk, raw)) = entry.split_once('\u{1f}') else {
                continue;
            };
            let Ok(pk) = pk.parse::<i64>() else {
                continue;
            };
            out.push((pk, serde_json::from_str(raw).ok()));
        }
        Ok(ScanPage {
            last: Some(last),
            rows: out,
        })
    }
    async fn resources_by_pks(
        &mut self,
        kind: ResourceKind,
        pks: &[i64],
    ) -> Result<Vec<StoredResource>> {
        if pks.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; pks.len()].join(",");
        let sql = format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = ? AND pk IN ({marks}) ORDER BY pk"
        );
        let mut q = sqlx::query(&sql).bind(kind_str(kind));
        for pk in pks {
            q = q.bind(pk);
        }
        let rows = q.fetch_all(self).await?;
        rows.iter().map(row_to_resource).collect()
    }
}

/// A page of [`attributes_after`].
#[derive(Debug, Default)]
pub struct ScanPage {
    /// The key of the last row read (the next page starts after it); `None` at the end.
    pub last: Option<i64>,
    /// Each row's key and attributes, in creation order.
    pub rows: Vec<(i64, Option<Map<String, Value>>)>,
}
