//! Mapping storage: the admin's saved profiles, the profile in force, and role history.
//!
//! Built-in profiles are code (`mapping::builtin_profiles`); only profiles the admin saves are
//! rows here. The profile in force is a setting. Role history rows are written by the capture
//! writer in the same transaction as the exchange that changed the role.

use super::api::{MappingStore, SettingStore};
use super::{Result, SqliteConn};

/// The setting that holds the profile in force.
pub(super) const ACTIVE_PROFILE: &str = "mapping_profile";

impl MappingStore for SqliteConn {
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
    async fn insert_role_changes(&mut self, rows: &[RoleChangeRow]) -> Result<()> {
        // Seven variables a row; SQLite's default limit is 32766.
        for chunk in rows.chunks(500) {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO role_history (user_id, from_role, to_role, to_status, raw, exchange_id, at)
                 VALUES {values}"
            );
            let mut q = sqlx::query(&sql);
            for row in chunk {
                q = q
                    .bind(&row.user_id)
                    .bind(&row.from_role)
                    .bind(&row.to_role)
                    .bind(&row.to_status)
                    .bind(&row.raw)
                    .bind(row.exchange_id)
                    .bind(&row.at);
            }
            q.execute(&mut *self).await?;
        }
        Ok(())
    }
    async fn role_history(&mut self, user_id: &str) -> Result<Vec<RoleChangeRow>> {
        Ok(sqlx::query_as(
            "SELECT user_id, from_role, to_role, to_status, raw, exchange_id, at FROM role_history
             WHERE user_id = ? ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self)
        .await?)
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
    async fn creators_of(
        &mut self,
        user_ids: &[&str],
    ) -> Result<std::collections::HashMap<String, String>> {
        let mut out = std::collections::HashMap::with_capacity(user_ids.len());
        // SQLite's default variable limit is 32766.
        for chunk in user_ids.chunks(500) {
            let sql = creators_sql(chunk.len());
            let mut q = sqlx::query_as::<_, (String, Option<String>)>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for (id, idp) in q.fetch_all(&mut *self).await? {
                if let Some(idp) = idp {
                    out.insert(id, idp);
                }
            }
        }
        Ok(out)
    }
    async fn user_changes(&mut self, after: i64, limit: i64) -> Result<UserChanges> {
        let floor: i64 = sqlx::query_scalar("SELECT seq FROM user_changes_floor WHERE id = 1")
            .fetch_one(&mut *self)
            .await?;
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT seq, user_pk FROM user_changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(limit.max(0))
        .fetch_all(&mut *self)
        .await?;
        Ok(UserChanges::from_rows(rows, after, limit, floor))
    }
    async fn latest_user_change(&mut self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(COALESCE((SELECT MAX(seq) FROM user_changes), 0),
                        (SELECT seq FROM user_changes_floor WHERE id = 1))",
        )
        .fetch_one(self)
        .await?)
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

/// What [`MappingStore::user_changes`] read of the change feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    /// The users changed (row keys), each once, in order of their first change read.
    pub pks: Vec<i64>,
    /// The newest change read (`after` when none): pass it as `after` next time.
    pub through: i64,
    /// `false` when `limit` changes were read and more may be waiting.
    pub complete: bool,
    /// Changes after `after` were forgotten (the feed keeps the newest only): every user must
    /// be read again.
    pub forgotten: bool,
}

impl UserChanges {
    /// What a read of the feed gives: `rows` (`seq`, user pk) read after `after` with at most
    /// `limit`, the feed's forgotten floor being `floor`.
    pub(super) fn from_rows(rows: Vec<(i64, i64)>, after: i64, limit: i64, floor: i64) -> Self {
        let complete = i64::try_from(rows.len()).unwrap_or(i64::MAX) < limit;
        let through = rows.last().map_or(after, |(seq, _)| *seq);
        let mut seen = std::collections::HashSet::with_capacity(rows.len());
        let pks = rows
            .into_iter()
            .map(|(_, pk)| pk)
            .filter(|pk| seen.insert(*pk))
            .collect();
        UserChanges {
            pks,
            through,
            complete,
            forgotten: floor > after,
        }
    }
}

/// One role change (a `role_history` row, read alike from either backend).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
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

/// The creators of `ids` users. `+r.kind`: with a few ids and no statistics SQLite chose the
/// (kind, pk) index and read every user (46 ms at 100 000 users, on the first view read after a
/// few writes) instead of looking each id up.
fn creators_sql(ids: usize) -> String {
    let placeholders = vec!["?"; ids].join(", ");
    format!(
        "SELECT r.id, COALESCE(r.created_by,
            (SELECT e.idp FROM exchanges e WHERE e.resource_id = r.id AND e.idp != 'other'
             ORDER BY e.id DESC LIMIT 1))
         FROM resources r WHERE +r.kind = 'User' AND r.id IN ({placeholders})"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::creators_sql;
    use crate::store::Store;

    #[tokio::test]
    async fn the_creators_of_a_few_users_are_looked_up_by_id_not_by_reading_every_user() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.db")).await.unwrap();
        let mut conn = store.read().await.unwrap();
        for n in [1, 5, 40, 500] {
            let sql = format!("EXPLAIN QUERY PLAN {}", creators_sql(n));
            let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sql);
            for i in 0..n {
                q = q.bind(format!("id{i}"));
            }
            let plan: Vec<String> = q
                .fetch_all(conn.sqlite())
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.3)
                .collect();
            assert!(
                plan.iter()
                    .any(|p| p
                        .starts_with("SEARCH r USING INDEX sqlite_autoindex_resources_1 (id=?)")),
                "{n} ids: {plan:?}"
            );
        }
    }
}
