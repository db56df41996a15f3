//! Where a ScimLab's data lives, and where each workspace's part of it is: a SQLite file (the
//! desktop app and `serve` by default: the main file is the `default` workspace, workspace
//! `<slug>` is `workspaces/<slug>.db` beside it) or a PostgreSQL database (`serve
//! --database-url`: the `default` workspace is schema `scimlab`, workspace `<slug>` schema
//! `scimlab_w_<slug>` with `-` as `_`). Opening and removing a workspace's data goes through
//! here, so the registry, the engine and the CLI never care which.
//!
//! A URL is shown only through [`Database::describe`], without its password.

use crate::EngineError;
use crate::model::WorkspaceSlug;
use crate::store::pg;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};

/// Why a workspace's data could not be erased.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be removed.
    #[error("could not remove {path}: {cause}")]
    Remove {
        /// The file.
        path: String,
        /// The cause.
        cause: std::io::Error,
    },
    /// The schema could not be dropped.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The database file of workspace `slug` for the main database `main_db`: the main file itself
/// for `default`, else `workspaces/<slug>.db` beside it.
pub fn database_path(main_db: &Path, slug: &WorkspaceSlug) -> PathBuf {
    if slug.is_default() {
        return main_db.to_path_buf();
    }
    main_db
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join("workspaces")
        .join(format!("{slug}.db"))
}

/// Remove a workspace's database file and its `-wal`/`-shm` files (missing ones are fine).
pub fn remove_database_files(path: &Path) -> Result<(), DataError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(cause) => {
                return Err(DataError::Remove {
                    path: PathBuf::from(name).display().to_string(),
                    cause,
                });
            }
        }
    }
    Ok(())
}

/// The schema of the `default` workspace on PostgreSQL.
pub const DEFAULT_SCHEMA: &str = "scimlab";

/// Connections each workspace's pool may hold on PostgreSQL (readers, the writer, the capture
/// writer and the background views).
pub const POSTGRES_CONNECTIONS: u32 = 8;

/// Where the data of every workspace lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// SQLite: the main file (the `default` workspace, which keeps the directory).
    Sqlite(PathBuf),
    /// PostgreSQL at this URL.
    Postgres(String),
}

/// Where one workspace's data lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkspaceData {
    /// A SQLite file.
    File(PathBuf),
    /// A schema of a PostgreSQL database.
    Schema {
        /// The database's URL.
        url: String,
        /// The workspace's schema.
        schema: String,
    },
}

impl Database {
    /// Where an engine started with `config` keeps its data.
    pub fn of(config: &crate::config::EngineConfig) -> Self {
        Self::choose(&config.db_path, config.database_url.as_deref())
    }

    /// The database chosen by `--database-url` when given, else the SQLite file `db_path`.
    pub fn choose(db_path: &Path, database_url: Option<&str>) -> Self {
        match database_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => Database::Postgres(url.trim().to_owned()),
            None => Database::Sqlite(db_path.to_path_buf()),
        }
    }

    /// The database as people read it: the file's path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => pg::redacted_url(url),
        }
    }

    /// Where workspace `slug` keeps its data.
    pub fn workspace(&self, slug: &WorkspaceSlug) -> WorkspaceData {
        match self {
            Database::Sqlite(main) => WorkspaceData::File(database_path(main, slug)),
            Database::Postgres(url) => WorkspaceData::Schema {
                url: url.clone(),
                schema: schema_of(slug),
            },
        }
    }

    /// Whether the data may already be there: the main file exists (a PostgreSQL database is
    /// asked by opening it).
    pub fn may_exist(&self) -> bool {
        match self {
            Database::Sqlite(main) => main.exists(),
            Database::Postgres(_) => true,
        }
    }

    /// Where the `default` workspace (and the directory) is.
    pub fn main(&self) -> WorkspaceData {
        self.workspace(&WorkspaceSlug::default_slug())
    }
}

/// The PostgreSQL schema of workspace `slug` (slugs hold `a-z`, `0-9` and `-`, so `-` as `_`
/// names each slug's schema apart; 40 characters at most, under PostgreSQL's 63).
pub fn schema_of(slug: &WorkspaceSlug) -> String {
    if slug.is_default() {
        DEFAULT_SCHEMA.to_owned()
    } else {
        format!("scimlab_w_{}", slug.as_str().replace('-', "_"))
    }
}

impl WorkspaceData {
    /// The workspace's database as people read it (no password).
    pub fn describe(&self) -> String {
        match self {
            WorkspaceData::File(path) => path.display().to_string(),
            WorkspaceData::Schema { url, schema } => {
                format!("{} (schema {schema})", pg::redacted_url(url))
            }
        }
    }

    /// The SQLite file, when it is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            WorkspaceData::File(path) => Some(path),
            WorkspaceData::Schema { .. } => None,
        }
    }

    /// Open (creating when missing: the file and its directory `0700`, or the schema) and
    /// migrate the workspace's store.
    pub async fn open(&self) -> Result<Store, EngineError> {
        match self {
            WorkspaceData::File(path) => crate::open_store(path).await,
            WorkspaceData::Schema { url, schema } => {
                Store::open_postgres(url, schema, POSTGRES_CONNECTIONS)
                    .await
                    .map_err(|source| EngineError::Postgres {
                        url: pg::redacted_url(url),
                        source,
                    })
            }
        }
    }

    /// Erase the workspace's data for good: its files (with `-wal`/`-shm`), or its schema.
    /// `store` is its open store (closed here).
    pub async fn remove(&self, store: &Store) -> Result<(), DataError> {
        match (self, store) {
            (WorkspaceData::File(path), _) => remove_database_files(path),
            (WorkspaceData::Schema { .. }, Store::Postgres(pg)) => Ok(pg.drop_schema().await?),
            (WorkspaceData::Schema { .. }, Store::Sqlite(_)) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn each_workspace_has_its_own_schema_or_file() {
        let pg = Database::choose(Path::new("/d/s.db"), Some("postgres://u:pw@h/db"));
        let acme = WorkspaceSlug::parse("acme-eu-2").unwrap();
        assert_eq!(
            pg.workspace(&acme),
            WorkspaceData::Schema {
                url: "postgres://u:pw@h/db".into(),
                schema: "scimlab_w_acme_eu_2".into()
            }
        );
        assert_eq!(
            pg.main(),
            WorkspaceData::Schema {
                url: "postgres://u:pw@h/db".into(),
                schema: "scimlab".into()
            }
        );
        assert!(!pg.describe().contains("pw"));
        assert!(!pg.workspace(&acme).describe().contains("pw"));
        // Every schema a slug can give is a valid one.
        let longest = WorkspaceSlug::parse(&"a".repeat(crate::model::MAX_SLUG_LEN)).unwrap();
        assert!(pg::schema_name(&schema_of(&longest)).is_ok());
        let file = Database::choose(Path::new("/d/s.db"), Some("  "));
        assert_eq!(file, Database::Sqlite("/d/s.db".into()));
        assert_eq!(
            file.workspace(&acme),
            WorkspaceData::File("/d/workspaces/acme-eu-2.db".into())
        );
    }
}
