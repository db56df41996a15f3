//! Personal admin tokens' rows (`admin_users`, migration 0019): who may use the admin API besides
//! this launch's admin token, with which role, since when, and whether revoked. Only a hash of
//! each token is stored (the engine's access module makes and checks them).

use super::api::AdminUserStore;
use super::{Result, SqliteConn, StoreError};

/// One admin user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdminUserRow {
    /// The name given to `scimlab admin-user add` (unique among users not revoked).
    pub name: String,
    /// `viewer`, `operator` or `owner`.
    pub role: String,
    /// The token's public id (part of the token; finds this row).
    pub token_id: String,
    /// The token's secret, hashed (argon2id, PHC string).
    pub token_hash: String,
    /// When it was added (RFC 3339).
    pub created: String,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked: Option<String>,
}

/// The columns of [`AdminUserRow`], in its order.
pub(super) const COLUMNS: &str = "name, role, token_id, token_hash, created, revoked";

/// A name taken by a user not revoked.
pub(super) fn taken(name: &str) -> StoreError {
    StoreError::Conflict {
        field: "name",
        value: name.to_owned(),
    }
}

impl AdminUserStore for SqliteConn {
    async fn insert_admin_user(&mut self, user: &AdminUserRow) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO admin_users (name, role, token_id, token_hash, created, revoked)
             VALUES (?, ?, ?, ?, ?, NULL)
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, token_id = excluded.token_id,
                 token_hash = excluded.token_hash, created = excluded.created, revoked = NULL
             WHERE admin_users.revoked IS NOT NULL",
        )
        .bind(&user.name)
        .bind(&user.role)
        .bind(&user.token_id)
        .bind(&user.token_hash)
        .bind(&user.created)
        .execute(&mut *self)
        .await
        .map_err(|e| super::conflict_or(e, "name", &user.name))?;
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
            "SELECT {COLUMNS} FROM admin_users WHERE token_id = ?"
        ))
        .bind(token_id)
        .fetch_optional(self)
        .await?)
    }

    async fn revoke_admin_user(&mut self, name: &str, at: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE admin_users SET revoked = ? WHERE name = ? AND revoked IS NULL")
                .bind(at)
                .bind(name)
                .execute(self)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
