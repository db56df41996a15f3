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
        // Kept on the resource since migration 0009 (the capture writer sets it on create).
        let kept: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, created_by FROM resources WHERE kind = 'User' AND created_by IS NOT NULL",
        )
        .fetch_all(&mut *self)
        .await?;
        // A user whose create was never captured (or was pruned before 0009): the IdP of the
        // latest exchange that touched it. SQLite returns the bare `idp` of the MAX(id) row.
        let touched: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT e.resource_id, e.idp, MAX(e.id) FROM resources r
             JOIN exchanges e ON e.resource_id = r.id
             WHERE r.kind = 'User' AND r.created_by IS NULL AND e.idp != 'other'
             GROUP BY e.resource_id",
        )
        .fetch_all(&mut *self)
        .await?;
        let mut out: std::collections::HashMap<String, String> = kept.into_iter().collect();
        out.extend(touched.into_iter().map(|(id, idp, _)| (id, idp)));
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
        let kept: Option<Option<String>> =
            sqlx::query_scalar("SELECT created_by FROM resources WHERE id = ? AND kind = 'User'")
                .bind(user_id)
                .fetch_optional(&mut *self)
                .await?;
        if let Some(Some(idp)) = kept {
            return Ok(Some(idp));
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
