//! PostgreSQL: budgets of fault rules counted in the database, one statement each (see
//! `store/fault_budgets.rs`). Each statement is atomic, so a `times` budget is spent at most
//! `times` times whichever instances race for it.

use crate::store::Result;
use crate::store::api::FaultBudgetStore;
use sqlx::PgConnection;

impl FaultBudgetStore for PgConnection {
    async fn count_fault_match(&mut self, key: &str) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(
            "INSERT INTO fault_budgets (key, matches, hits) VALUES ($1, 1, 0)
             ON CONFLICT (key) DO UPDATE SET matches = fault_budgets.matches + 1
             RETURNING matches, hits",
        )
        .bind(key)
        .fetch_one(self)
        .await?)
    }
    async fn claim_fault_hit(&mut self, key: &str, times: Option<i64>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE fault_budgets SET hits = hits + 1
             WHERE key = $1 AND ($2::BIGINT IS NULL OR hits < $2)",
        )
        .bind(key)
        .bind(times)
        .execute(self)
        .await?;
        Ok(done.rows_affected() == 1)
    }
    async fn refund_fault_hit(&mut self, key: &str) -> Result<()> {
        sqlx::query("UPDATE fault_budgets SET hits = GREATEST(hits - 1, 0) WHERE key = $1")
            .bind(key)
            .execute(self)
            .await?;
        Ok(())
    }
}
