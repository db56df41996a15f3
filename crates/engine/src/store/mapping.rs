//! Mapping storage: the admin's saved profiles, the profile in force, and role history.
//!
//! Built-in profiles are code (`mapping::builtin_profiles`); only profiles the admin saves are
//! rows here. The profile in force is a setting. Role history rows are written by the capture
//! writer in the same transaction as the exchange that changed the role.

use super::api::{MappingStore, SettingStore};
use super::{Conn, Result};
use sqlx::Row;

const ACTIVE_PROFILE: &str = "mapping_profile";

impl MappingStore for Conn {
    async fn active_profile(&mut self) -> Result<String> {
        Ok(self
            .setting(ACTIVE_PROFILE)
            .await?
            .unwrap_or_else(|| "auto".to_owned()))
    }
    async fn set_active_profile(&mut self, id: &str) -> Result<()> {
        self.set_setting(ACTIVE_PROFILE, id).await
    }
    async fn saved_profiles(&mut self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT id, profile FROM mapping_profiles ORDER BY id")
                .fetch_all(self)
                .await?,
        )
    }
    async fn save_profile(&mut self, id: &str, json: &str, now: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO mapping_profiles (id, profile, updated) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET profile = excluded.profile, updated = excluded.updated",
        )
        .bind(id)
        .bind(json)
        .bind(now)
        .execute(self)
        .await?;
        Ok(())
    }
    async fn delete_profile(&mut self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM mapping_profiles WHERE id = ?")
            .bind(id)
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
    async fn insert_role_change(&mut self, row: &RoleChangeRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO role_history (user_id, from_role, to_role, to_status, raw, exchange_id, at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&row.user_id)
        .bind(&row.from_role)
        .bind(&row.to_role)
        .bind(&row.to_status)
        .bind(&row.raw)
        .bind(row.exchange_id)
        .bind(&row.at)
        .execute(self)
        .await?;
        Ok(())
    }
    async fn role_history(&mut self, user_id: &str) -> Result<Vec<RoleChangeRow>> {
        let rows = sqlx::query(
            "SELECT user_id, from_role, to_role, to_status, raw, exchange_id, at FROM role_history
             WHERE user_id = ? ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RoleChangeRow {
                    user_id: r.try_get("user_id")?,
                    from_role: r.try_get("from_role")?,
                    to_role: r.try_get("to_role")?,
                    to_status: r.try_get("to_status")?,
                    raw: r.try_get("raw")?,
                    exchange_id: r.try_get("exchange_id")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }
    async fn user_creators(&mut self) -> Result<std::collections::HashMap<String, String>> {
        // SQLite returns the bare `idp` column from the row that holds MIN(id) / MAX(id).
        let created: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT resource_id, idp, MIN(id) FROM exchanges
             WHERE resource_type = 'User' AND operation = 'create' AND status = 201 AND resource_id IS NOT NULL
             GROUP BY resource_id",
        )
        .fetch_all(&mut *self)
        .await?;
        let touched: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT resource_id, idp, MAX(id) FROM exchanges
             WHERE resource_type = 'User' AND idp != 'other' AND resource_id IS NOT NULL
             GROUP BY resource_id",
        )
        .fetch_all(&mut *self)
        .await?;
        let mut out: std::collections::HashMap<String, String> =
            touched.into_iter().map(|(id, idp, _)| (id, idp)).collect();
        out.extend(created.into_iter().map(|(id, idp, _)| (id, idp)));
        Ok(out)
    }
    async fn summary_fingerprint(&mut self) -> Result<String> {
        let (users, newest): (i64, Option<String>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(last_modified) FROM resources WHERE kind = 'User'",
        )
        .fetch_one(&mut *self)
        .await?;
        let (exchanges, last_exchange): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(id) FROM exchanges")
                .fetch_one(&mut *self)
                .await?;
        let saved: (i64, Option<String>) =
            sqlx::query_as("SELECT COUNT(*), MAX(updated) FROM mapping_profiles")
                .fetch_one(&mut *self)
                .await?;
        Ok(format!(
            "{users}|{newest:?}|{exchanges}|{last_exchange:?}|{saved:?}"
        ))
    }
    async fn creator_of(&mut self, user_id: &str) -> Result<Option<String>> {
        let created: Option<String> = sqlx::query_scalar(
            // `+operation` keeps SQLite on the (resource_id, id) index: the operation index would
            // walk every create ever captured (seconds at 100 000 exchanges).
            "SELECT idp FROM exchanges WHERE resource_id = ? AND +operation = 'create' AND +status = 201
             ORDER BY id LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&mut *self)
        .await?;
        if created.is_some() {
            return Ok(created);
        }
        Ok(sqlx::query_scalar(
            "SELECT idp FROM exchanges WHERE resource_id = ? AND idp != 'other' ORDER BY id DESC LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(self)
        .await?)
    }
}

/// One role change.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleChangeRow {
    /// The user.
    pub user_id: String,
    /// Effective role before (`None` on create).
    pub from_role: Option<String>,
    /// Effective role after.
    pub to_role: String,
    /// Role field status after.
    pub to_status: String,
    /// Raw value that arrived (JSON), if any.
    pub raw: Option<String>,
    /// The exchange that caused it.
    pub exchange_id: i64,
    /// When.
    pub at: String,
}
