//! PostgreSQL: the reset that starts a fresh rehearsal; see `store/admin.rs`. Identity columns
//! keep counting after the `DELETE`s, so exchange ids keep growing across a reset.

use crate::store::Result;
use crate::store::admin::ResetCounts;
use crate::store::api::{AdminStore, ExchangeStore};
use sqlx::PgConnection;

impl AdminStore for PgConnection {
    async fn reset_all(&mut self) -> Result<ResetCounts> {
        let (users, groups): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE kind = 'User'), COUNT(*) FILTER (WHERE kind = 'Group')
             FROM resources",
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
