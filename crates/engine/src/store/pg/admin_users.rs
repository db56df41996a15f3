//! PostgreSQL: personal admin tokens' rows; see `store/admin_users.rs`.

use super::PgConn;
use crate::store::admin_users::{AdminUserRow, COLUMNS, taken};
use crate::store::api::AdminUserStore;
use crate::store::{Result, conflict_or};
use sqlx::Connection;

impl AdminUserStore for PgConn {
    async fn insert_admin_user(&mut self, user: &AdminUserRow) -> Result<()> {
        // In a savepoint: a unique violation must leave the session's transaction usable.
        let mut tx = Connection::begin(&mut *self).await?;
        let done = sqlx::query(
            "INSERT INTO admin_users (name, role, token_id, token_hash, created, revoked)
             VALUES ($1, $2, $3, $4, $5, NULL)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, token_id = excluded.token_id,
                 token_hash = excluded.token_hash, created = excluded.created, revoked = NULL
             WHERE admin_users.revoked IS NOT NULL",
        )
        .bind(&user.name)
        .bind(&user.role)
        .bind(&user.token_id)
        .bind(&user.token_hash)
        .bind(&user.created)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or(e, "name", &user.name))?;
        tx.commit().await?;
        if done.rows_affected() == 0 {
            return Err(taken(&user.name));
        }
        Ok(())
    }

    async fn admin_users(&mut self) -> Result<Vec<AdminUserRow>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM admin_users ORDER BY name"))
                .fetch_all(self)
                .await?,
        )
    }

    async fn admin_user_by_token(&mut self, token_id: &str) -> Result<Option<AdminUserRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM admin_users WHERE token_id = $1"
        ))
        .bind(token_id)
        .fetch_optional(self)
        .await?)
    }

    async fn revoke_admin_user(&mut self, name: &str, at: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE admin_users SET revoked = $1 WHERE name = $2 AND revoked IS NULL")
                .bind(at)
                .bind(name)
                .execute(self)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
