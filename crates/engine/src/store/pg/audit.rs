//! PostgreSQL: the admin API's audit log; see `store/audit.rs`.

use super::PgConn;
use crate::store::Result;
use crate::store::api::AuditStore;
use crate::store::audit::{AUDIT_KEPT, AuditEntry, COLUMNS};

impl AuditStore for PgConn {
    async fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (at, actor, role, method, path, workspace, status, client)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&entry.at)
        .bind(&entry.actor)
        .bind(&entry.role)
        .bind(&entry.method)
        .bind(&entry.path)
        .bind(&entry.workspace)
        .bind(entry.status)
        .bind(&entry.client)
        .fetch_one(&mut *self)
        .await?;
        if id % 1000 == 0 {
            sqlx::query("DELETE FROM audit_log WHERE id <= $1")
                .bind(id - AUDIT_KEPT)
                .execute(&mut *self)
                .await?;
        }
        Ok(id)
    }

    async fn audit_entries(&mut self, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self)
        .await?)
    }
}
