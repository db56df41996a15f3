//! Whole-store operations of the admin API: the reset that starts a fresh rehearsal.
//!
//! A reset deletes users, groups, memberships, captured exchanges and role history and keeps
//! `settings` (the SCIM key, the profile in force) and saved mapping profiles, in one transaction: a reader sees everything or nothing gone. Exchange ids keep
//! counting up afterwards (AUTOINCREMENT), so a client's `?before=` cursor never points into
//! the new rehearsal's rows by accident.

use super::api::{AdminStore, ExchangeStore};
use super::{Result, SqliteConn};

/// Rows deleted by [`reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResetCounts {
    /// Users deleted.
    pub users: i64,
    /// Groups deleted.
    pub groups: i64,
    /// Exchanges deleted.
    pub exchanges: i64,
}

impl AdminStore for SqliteConn {
    async fn reset_all(&mut self) -> Result<ResetCounts> {
        let (users, groups): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(kind = 'User'), 0), COALESCE(SUM(kind = 'Group'), 0) FROM resources",
        )
        .fetch_one(&mut *self)
        .await?;
        let exchanges = self.count_exchanges().await?;
        sqlx::query("DELETE FROM group_members")
            .execute(&mut *self)
            .await?;
        sqlx::query("DELETE FROM resources")
            .execute(&mut *self)
            .await?;
        self.clear_exchanges().await?;
        sqlx::query("DELETE FROM role_history")
            .execute(&mut *self)
            .await?;
        Ok(ResetCounts {
            users,
            groups,
            exchanges,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::prelude::*;
    use scimlab_scim::ResourceKind;
    use serde_json::{Map, Value};

    #[tokio::test]
    async fn reset_deletes_resources_and_members_and_keeps_settings() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).await.unwrap();
        let mut w = store.write().await.unwrap();
        w.set_setting("scim_api_key", "kept").await.unwrap();
        let mut u = Map::new();
        u.insert("userName".into(), Value::String("a@example.com".into()));
        w.insert_resource(ResourceKind::User, &"u1".into(), &u, "t")
            .await
            .unwrap();
        let mut g = Map::new();
        g.insert("displayName".into(), Value::String("G".into()));
        let group = w
            .insert_resource(ResourceKind::Group, &"g1".into(), &g, "t")
            .await
            .unwrap();
        w.set_members(group.pk, &[serde_json::json!({"value": "u1"})])
            .await
            .unwrap();
        let counts = w.reset_all().await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(
            counts,
            ResetCounts {
                users: 1,
                groups: 1,
                exchanges: 0
            }
        );
        let mut r = store.read().await.unwrap();
        assert_eq!(r.count_resources(ResourceKind::User).await.unwrap(), 0);
        let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM group_members")
            .fetch_one(r.sqlite())
            .await
            .unwrap();
        assert_eq!(members, 0);
        assert_eq!(
            r.setting("scim_api_key").await.unwrap().as_deref(),
            Some("kept")
        );
    }
}
