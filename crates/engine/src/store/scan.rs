//! Scans of a whole resource type, one page of rows at a time, for filters no index answers.
//!
//! `scim_api/list.rs` walks the rows with [`after`] (keyset paging on `pk`, the `(kind, pk)`
//! index), so it holds at most one page in memory, checks its time budget between pages and
//! holds no read transaction across pages: a write committed mid-scan is seen or not, but no
//! row is seen twice or skipped because another one was inserted or deleted.

use super::resources::{COLUMNS, StoredResource, kind_str, row_to_resource};
use super::{Conn, Result};
use scimlab_scim::ResourceKind;

/// Up to `limit` resources of `kind` created after the row `after_pk` (0: from the first), in
/// creation order.
pub async fn after(
    conn: &mut Conn,
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
    .fetch_all(conn)
    .await?;
    rows.iter().map(row_to_resource).collect()
}

/// The resources of `kind` with these row keys, in creation order (a scan's page, read again
/// after sorting by keys alone).
pub async fn by_pks(
    conn: &mut Conn,
    kind: ResourceKind,
    pks: &[i64],
) -> Result<Vec<StoredResource>> {
    if pks.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; pks.len()].join(",");
    let sql = format!("SELECT {COLUMNS} FROM resources WHERE kind = ? AND pk IN ({marks}) ORDER BY pk");
    let mut q = sqlx::query(&sql).bind(kind_str(kind));
    for pk in pks {
        q = q.bind(pk);
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(row_to_resource).collect()
}
