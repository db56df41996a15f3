//! Key/value settings: the SCIM API key lives here.

use super::api::SettingStore;
use super::{Result, SqliteConn};

impl SettingStore for SqliteConn {
    async fn setting(&mut self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(self)
                .await?,
        )
    }
    async fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(self)
            .await?;
        Ok(())
    }
}
