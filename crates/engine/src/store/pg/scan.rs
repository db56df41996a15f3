//! PostgreSQL: keyset scans over every user or group, a page of rows at a time, for filters no
//! index answers; see `store/scan.rs` for the promises. PostgreSQL streams a page's rows in one
//! response, so a page is plain rows (SQLite's backend packs a page into one row instead).

use super::resources::{no_limit_if_negative, row_to_resource};
use crate::store::Result;
use crate::store::api::ScanStore;
use crate::store::resources::{COLUMNS, StoredResource, kind_str};
use crate::store::scan::ScanPage;
use scimlab_scim::ResourceKind;
use sqlx::{PgConnection, Row};

impl ScanStore for PgConnection {
    async fn resources_after(
        &mut self,
        kind: ResourceKind,
        after_pk: i64,
        limit: i64,
    ) -> Result<Vec<StoredResource>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = $1 AND pk > $2 ORDER BY pk LIMIT $3"
        ))
        .bind(kind_str(kind))
        .bind(after_pk)
        .bind(no_limit_if_negative(limit))
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
        let rows = sqlx::query(
            "SELECT pk, attributes FROM resources WHERE kind = $1 AND pk > $2 ORDER BY pk LIMIT $3",
        )
        .bind(kind_str(kind))
        .bind(after_pk)
        .bind(no_limit_if_negative(limit))
        .fetch_all(self)
        .await?;
        let mut page = ScanPage {
            last: None,
            rows: Vec::with_capacity(rows.len()),
        };
        for row in &rows {
            let pk: i64 = row.try_get(0)?;
            let raw: &str = row.try_get(1)?;
            page.rows.push((pk, serde_json::from_str(raw).ok()));
            page.last = Some(pk);
        }
        Ok(page)
    }

    async fn resources_by_pks(
        &mut self,
        kind: ResourceKind,
        pks: &[i64],
    ) -> Result<Vec<StoredResource>> {
        if pks.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resources WHERE kind = $1 AND pk = ANY($2) ORDER BY pk"
        ))
        .bind(kind_str(kind))
        .bind(pks)
        .fetch_all(self)
        .await?;
        rows.iter().map(row_to_resource).collect()
    }
}
