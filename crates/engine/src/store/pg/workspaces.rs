//! PostgreSQL: the directory of workspaces, kept in the `default` workspace's schema (each other
//! workspace's data is its own schema); see `store/workspaces.rs`.

use crate::model::{WorkspaceRecord, WorkspaceSlug};
use crate::store::api::WorkspaceStore;
use crate::store::{Result, conflict_or};
use sqlx::PgConnection;

type Row = (String, String, String, Option<String>);

impl WorkspaceStore for PgConnection {
    async fn workspaces(&mut self) -> Result<Vec<WorkspaceRecord>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT slug, name, created, template FROM workspaces
              ORDER BY slug <> 'default', created, slug",
        )
        .fetch_all(self)
        .await?;
        Ok(rows
            .into_iter()
            // A slug written by hand that no longer parses is skipped rather than served.
            .filter_map(|(slug, name, created, template)| {
                Some(WorkspaceRecord {
                    slug: WorkspaceSlug::parse(&slug).ok()?,
                    name,
                    created,
                    template,
                })
            })
            .collect())
    }

    async fn insert_workspace(&mut self, record: &WorkspaceRecord) -> Result<()> {
        // In a savepoint: a refused insert must not abort the session's transaction (PostgreSQL
        // refuses every later statement of a transaction after an error; SQLite does not).
        let mut tx = sqlx::Connection::begin(&mut *self).await?;
        sqlx::query(
            "INSERT INTO workspaces (slug, name, created, template) VALUES ($1, $2, $3, $4)",
        )
        .bind(record.slug.as_str())
        .bind(&record.name)
        .bind(&record.created)
        .bind(&record.template)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or(e, "slug", record.slug.as_str()))?;
        tx.commit().await?;
        Ok(())
    }

    async fn rename_workspace(&mut self, slug: &WorkspaceSlug, name: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE workspaces SET name = $1 WHERE slug = $2")
            .bind(name)
            .bind(slug.as_str())
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_workspace(&mut self, slug: &WorkspaceSlug) -> Result<bool> {
        let done = sqlx::query("DELETE FROM workspaces WHERE slug = $1")
            .bind(slug.as_str())
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
