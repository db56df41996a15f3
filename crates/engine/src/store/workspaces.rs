//! The directory of workspaces: slug, name, creation time and template of each. Kept in the main
//! database (the `default` workspace's file); every other workspace's data is its own file, so
//! nothing of one workspace can be read through another's store.

use super::api::WorkspaceStore;
use super::{Result, SqliteConn, conflict_or};
use crate::model::{WorkspaceRecord, WorkspaceSlug};

type Row = (String, String, String, Option<String>);

impl WorkspaceStore for SqliteConn {
    async fn workspaces(&mut self) -> Result<Vec<WorkspaceRecord>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT slug, name, created, template FROM workspaces
              ORDER BY slug != 'default', created, slug",
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
        sqlx::query("INSERT INTO workspaces (slug, name, created, template) VALUES (?, ?, ?, ?)")
            .bind(record.slug.as_str())
            .bind(&record.name)
            .bind(&record.created)
            .bind(&record.template)
            .execute(self)
            .await
            .map_err(|e| conflict_or(e, "slug", record.slug.as_str()))?;
        Ok(())
    }

    async fn rename_workspace(&mut self, slug: &WorkspaceSlug, name: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE workspaces SET name = ? WHERE slug = ?")
            .bind(name)
            .bind(slug.as_str())
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_workspace(&mut self, slug: &WorkspaceSlug) -> Result<bool> {
        let done = sqlx::query("DELETE FROM workspaces WHERE slug = ?")
            .bind(slug.as_str())
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
