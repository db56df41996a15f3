//! Budgets of fault rules counted in the database (migration 0018): one row per rule's budget
//! key with its matches and hits, updated in one statement each, so instances sharing a
//! database count one budget. SQLite has one instance, whose engine counts budgets in memory
//! (the faults module); this is here so every backend keeps the same contract.

use super::api::FaultBudgetStore;
use super::{Result, SqliteConn};

impl FaultBudgetStore for SqliteConn {
    async fn count_fault_match(&mut self, key: &str) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "INSERT INTO fault_budgets (key, matches, hits) VALUES (?, 1, 0)
             ON CONFLICT (key) DO UPDATE SET matches = matches + 1
             RETURNING matches, hits",
        )
        .bind(key)
        .fetch_one(self)
        .await?)
    }
    async fn claim_fault_hit(&mut self, key: &str, times: Option<i64>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE fault_budgets SET hits = hits + 1 WHERE key = ?1 AND (?2 IS NULL OR hits < ?2)",
        )
        .bind(key)
        .bind(times)
        .execute(self)
        .await?;
        Ok(done.rows_affected() == 1)
    }
    async fn refund_fault_hit(&mut self, key: &str) -> Result<()> {
        sqlx::query("UPDATE fault_budgets SET hits = MAX(hits - 1, 0) WHERE key = ?")
            .bind(key)
            .execute(self)
            .await?;
        Ok(())
    }
}
