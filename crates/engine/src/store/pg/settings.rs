//! PostgreSQL: key/value settings (the SCIM key, the profile in force); see `store/settings.rs`.

use crate::store::Result;
use crate::store::api::SettingStore;
use sqlx::PgConnection;

impl SettingStore for PgConnection {
    async fn setting(&mut self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(self)
                .await?,
        )
    }
    async fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self)
        .await?;
        Ok(())
    }
}
