//! The admin API's audit log (`audit_log`, migration 0020): one row per admin action, newest
//! kept. Written by the admin listener's access check (`admin_api/auth.rs`), read by owners.

use super::api::AuditStore;
use super::{Result, SqliteConn};

/// Entries kept: older ones are deleted as new ones arrive (every thousandth append).
pub const AUDIT_KEPT: i64 = 100_000;

/// One admin action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Its place in the log (0 before it is stored).
    #[ts(type = "number")]
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// The admin user's name, or `admin token` for this launch's token.
    pub actor: String,
    /// The caller's role (`viewer`, `operator`, `owner`).
    pub role: String,
    /// The HTTP method.
    pub method: String,
    /// The path (no query).
    pub path: String,
    /// The workspace acted on (its slug).
    pub workspace: String,
    /// The answer's status.
    #[ts(type = "number")]
    pub status: i64,
    /// The client's address.
    pub client: Option<String>,
}

/// The columns of [`AuditEntry`], in its order.
pub(super) const COLUMNS: &str = "id, at, actor, role, method, path, workspace, status, client";

impl AuditStore for SqliteConn {
    async fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (at, actor, role, method, path, workspace, status, client)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            sqlx::query("DELETE FROM audit_log WHERE id <= ?")
                .bind(id - AUDIT_KEPT)
                .execute(&mut *self)
                .await?;
        }
        Ok(id)
    }

    async fn audit_entries(&mut self, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?"
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self)
        .await?)
    }
}
