//! PostgreSQL: saved mapping profiles, the profile in force, role history, creators and the
//! change feed of mapping inputs; see `store/mapping.rs` for what each promises.

use crate::store::Result;
use crate::store::api::{MappingStore, SettingStore};
use crate::store::mapping::{ACTIVE_PROFILE, RoleChangeRow, UserChanges};
use sqlx::PgConnection;
use std::collections::HashMap;

impl MappingStore for PgConnection {
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
            "INSERT INTO mapping_profiles (id, profile, updated) VALUES ($1, $2, $3)
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
        let done = sqlx::query("DELETE FROM mapping_profiles WHERE id = $1")
            .bind(id)
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
    async fn insert_role_changes(&mut self, rows: &[RoleChangeRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        // One statement: each column as an array, unnested in order (ids follow the order).
        let column = |f: fn(&RoleChangeRow) -> Option<&str>| -> Vec<Option<&str>> {
            rows.iter().map(f).collect()
        };
        sqlx::query(
            "INSERT INTO role_history (user_id, from_role, to_role, to_status, raw, exchange_id, at)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::bigint[], $7::text[])",
        )
        .bind(column(|r| Some(&r.user_id)))
        .bind(column(|r| r.from_role.as_deref()))
        .bind(column(|r| Some(&r.to_role)))
        .bind(column(|r| Some(&r.to_status)))
        .bind(column(|r| r.raw.as_deref()))
        .bind(rows.iter().map(|r| r.exchange_id).collect::<Vec<i64>>())
        .bind(column(|r| Some(&r.at)))
        .execute(self)
        .await?;
        Ok(())
    }
    async fn role_history(&mut self, user_id: &str) -> Result<Vec<RoleChangeRow>> {
        Ok(sqlx::query_as(
            "SELECT user_id, from_role, to_role, to_status, raw, exchange_id, at FROM role_history
             WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self)
        .await?)
    }
    async fn user_creators(&mut self) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT r.id, COALESCE(r.created_by,
                 (SELECT e.idp FROM exchanges e WHERE e.resource_id = r.id AND e.idp <> 'other'
                  ORDER BY e.id DESC LIMIT 1))
             FROM resources r WHERE r.kind = 'User'",
        )
        .fetch_all(&mut *self)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, idp)| Some((id, idp?)))
            .collect())
    }
    async fn creators_of(&mut self, user_ids: &[&str]) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT r.id, COALESCE(r.created_by,
                 (SELECT e.idp FROM exchanges e WHERE e.resource_id = r.id AND e.idp <> 'other'
                  ORDER BY e.id DESC LIMIT 1))
             FROM resources r WHERE r.kind = 'User' AND r.id = ANY($1)",
        )
        .bind(user_ids)
        .fetch_all(&mut *self)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, idp)| Some((id, idp?)))
            .collect())
    }
    async fn user_changes(&mut self, after: i64, limit: i64) -> Result<UserChanges> {
        let floor: i64 = sqlx::query_scalar("SELECT seq FROM user_changes_floor WHERE id = 1")
            .fetch_one(&mut *self)
            .await?;
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT seq, user_pk FROM user_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit.max(0))
        .fetch_all(&mut *self)
        .await?;
        Ok(UserChanges::from_rows(rows, after, limit, floor))
    }
    async fn latest_user_change(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM user_changes), 0),
                             (SELECT seq FROM user_changes_floor WHERE id = 1))",
        )
        .fetch_one(self)
        .await?)
    }
    async fn creator_of(&mut self, user_id: &str) -> Result<Option<String>> {
        Ok(self.creators_of(&[user_id]).await?.remove(user_id))
    }
}
