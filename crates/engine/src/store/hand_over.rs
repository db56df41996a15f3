//! Workspace files for the hand-over: an export is a standalone SQLite file (one workspace, no
//! SCIM key, a format version and the ScimLab version in its `settings`), readable with any
//! SQLite tool; an import checks such a file before it becomes a workspace.
//!
//! Export: [`Store::copy_to`] takes a consistent copy (`VACUUM INTO`), then [`seal_export`]
//! deletes the secrets, writes the captured exchanges' compact evidence back into plain columns
//! (`store::evidence`), optionally pseudonymises every text column with one dictionary, writes
//! the metadata, and rewrites the file (`VACUUM`) so that no deleted or replaced value survives
//! in its free pages. Import: [`inspect_export`] opens the file read-only and refuses what is
//! not an export, what a newer ScimLab wrote, and a damaged file, before anything is copied.

use super::{Result, Store, StoreError};
use crate::pseudonym::Pseudonyms;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use std::str::FromStr;

/// The export format this ScimLab writes and reads (`settings.export.format`).
pub const EXPORT_FORMAT: i64 = 1;

/// Settings keys of an export's metadata.
const META_KEYS: [&str; 6] = [
    "export.format",
    "export.scimlab_version",
    "export.workspace_name",
    "export.workspace_slug",
    "export.exported_at",
    "export.pseudonymised",
];

/// What an export file says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportMeta {
    /// The format version ([`EXPORT_FORMAT`] when this ScimLab wrote it).
    pub format: i64,
    /// The ScimLab version that wrote it.
    pub scimlab_version: String,
    /// The workspace's name.
    pub workspace_name: String,
    /// The workspace's slug.
    pub workspace_slug: String,
    /// When it was written (RFC 3339).
    pub exported_at: String,
    /// Whether names, emails and ids were replaced.
    pub pseudonymised: bool,
}

/// Why an import file was refused (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not a SQLite database, or one without an export's metadata.
    #[error(
        "{path} is not a scimlab workspace export ({why}): export one with 'scimlab workspace export <slug> -o FILE'"
    )]
    NotAnExport {
        /// The file.
        path: String,
        /// What was missing.
        why: String,
    },
    /// Written by a newer ScimLab.
    #[error(
        "{path} was exported by scimlab {version} in format {format}, newer than this scimlab reads (format {EXPORT_FORMAT}{migrations}): upgrade scimlab to import it"
    )]
    Newer {
        /// The file.
        path: String,
        /// The writer's version.
        version: String,
        /// Its format.
        format: i64,
        /// A note on the schema, when that is what is newer.
        migrations: String,
    },
    /// SQLite found damage.
    #[error("{path} is damaged ({detail}): export it again from the scimlab it came from")]
    Damaged {
        /// The file.
        path: String,
        /// What the integrity check said (first lines).
        detail: String,
    },
    /// The database failed otherwise.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What sealing an export changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SealCounts {
    /// Distinct personal values replaced (0 without pseudonymisation).
    pub pseudonyms: usize,
    /// Rows rewritten by the pseudonymisation.
    pub rows_rewritten: u64,
}

impl super::SqliteStore {
    /// Write a consistent copy of the database to `dest`, which must not exist (`VACUUM INTO`:
    /// one file, committed data only, no WAL).
    pub async fn copy_to(&self, dest: &Path) -> Result<()> {
        let dest = dest.to_str().ok_or_else(|| {
            StoreError::Sqlx(sqlx::Error::Configuration(
                "the export path is not valid utf-8: choose another file name".into(),
            ))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(dest)
            .execute(&self.maintenance)
            .await?;
        Ok(())
    }
}

impl super::pg::PgStore {
    /// Write the workspace's rows, from one snapshot, into a new SQLite database at `dest`
    /// (which must not exist): the same file a SQLite workspace's copy is
    /// (`store/transfer.rs`).
    pub async fn copy_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Sqlx(sqlx::Error::Configuration(
                format!("{} exists already: choose another file", dest.display()).into(),
            )));
        }
        let copy = super::SqliteStore::open(dest).await?;
        let copied = async {
            let mut w = copy.write().await?;
            let super::Conn::Sqlite(conn) = &mut *w else {
                return Err(StoreError::Unsupported("exporting a workspace"));
            };
            super::transfer::postgres_into_sqlite(self, conn).await?;
            w.commit().await
        }
        .await;
        copy.close().await;
        if copied.is_err() {
            for suffix in ["", "-wal", "-shm"] {
                let mut name = dest.as_os_str().to_owned();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
        copied
    }
}

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(false);
    // Inspecting: read the file as it is (immutable: no lock, no journal, nothing written,
    // also for a database still in WAL mode). Sealing: one standalone file.
    let options = if read_only {
        options.read_only(true).immutable(true)
    } else {
        options.journal_mode(SqliteJournalMode::Delete)
    };
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Make the copy at `path` an export: delete the settings named in `secrets` (the SCIM key) and
/// the workspace directory, replace every personal value when `pseudonyms` is given (learned
/// from the resources, the requests and the queries first, then applied to every text column),
/// write `meta`, and `VACUUM` so nothing deleted survives in the file.
pub async fn seal_export(
    path: &Path,
    meta: &ExportMeta,
    secrets: &[&str],
    pseudonyms: Option<&mut Pseudonyms>,
) -> Result<SealCounts> {
    let mut conn = connect(path, false).await?;
    let mut counts = SealCounts::default();
    let mut tx = conn.begin().await?;
    for key in secrets.iter().chain(META_KEYS.iter()) {
        sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM workspaces")
        .execute(&mut *tx)
        .await?;
    // People with admin access (their tokens' hashes) belong to the server, not the workspace.
    sqlx::query("DELETE FROM admin_users")
        .execute(&mut *tx)
        .await?;
    // So do the audit log and sign-ins (a session id's hash is a credential).
    for table in [
        "audit_log",
        "sign_in_attempts",
        "admin_sessions",
        "app_sign_in_codes",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *tx)
            .await?;
    }
    // Captured exchanges in plain columns: readable with any SQLite tool, and each value where
    // the pseudonymisation rewrites it (deflated, it would not be found).
    super::exchanges::expand_evidence(&mut tx).await?;
    if let Some(p) = pseudonyms {
        counts = pseudonymise(&mut tx, p).await?;
    }
    let values = [
        meta.format.to_string(),
        meta.scimlab_version.clone(),
        meta.workspace_name.clone(),
        meta.workspace_slug.clone(),
        meta.exported_at.clone(),
        meta.pseudonymised.to_string(),
    ];
    for (key, value) in META_KEYS.iter().zip(values) {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?)")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    sqlx::query("VACUUM").execute(&mut conn).await?;
    conn.close().await?;
    Ok(counts)
}

/// Text columns that may hold personal values, per table, with the key column that names a row.
const TEXT_COLUMNS: &[(&str, &str, &[&str])] = &[
    (
        "resources",
        "pk",
        &[
            "id",
            "name_folded",
            "external_id",
            "display_name",
            "attributes",
        ],
    ),
    ("group_members", "rowid", &["value", "item"]),
    (
        "exchanges",
        "id",
        &[
            "path",
            "query",
            "resource_id",
            "resource_name",
            "request_headers",
            "request_body",
            "response_headers",
            "response_body",
            "before",
            "after",
        ],
    ),
    ("role_history", "id", &["user_id", "raw"]),
];

/// What the pseudonymisation learns from an exchange: method, query, request body, before, after.
type LearnRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Learn every personal value, then rewrite every text column that may hold one.
async fn pseudonymise(conn: &mut SqliteConnection, p: &mut Pseudonyms) -> Result<SealCounts> {
    let learn_json = |p: &mut Pseudonyms, text: &str, patch: bool| {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            if patch {
                p.learn_patch(&v);
            }
            p.learn_resource(&v);
        }
    };
    let resources: Vec<(String, String)> = sqlx::query_as("SELECT id, attributes FROM resources")
        .fetch_all(&mut *conn)
        .await?;
    for (id, attributes) in &resources {
        if let Ok(serde_json::Value::Object(mut map)) = serde_json::from_str(attributes) {
            map.insert("id".into(), serde_json::Value::String(id.clone()));
            p.learn_resource(&serde_json::Value::Object(map));
        }
    }
    let exchanges: Vec<LearnRow> =
        sqlx::query_as("SELECT method, query, request_body, before, after FROM exchanges")
            .fetch_all(&mut *conn)
            .await?;
    for (method, query, body, before, after) in &exchanges {
        if let Some(body) = body {
            learn_json(p, body, method.eq_ignore_ascii_case("PATCH"));
            // A `.search` body carries its filter.
            p.learn_query(body);
        }
        p.learn_query(query);
        for resource in [before, after].into_iter().flatten() {
            learn_json(p, resource, false);
        }
    }
    let mut rows_rewritten = 0;
    for (table, key, columns) in TEXT_COLUMNS {
        let select = format!("SELECT {key}, {} FROM {table}", columns.join(", "));
        let rows = sqlx::query(&select).fetch_all(&mut *conn).await?;
        for row in rows {
            use sqlx::Row;
            let pk: i64 = row.try_get(0)?;
            let mut changed = Vec::new();
            for (i, column) in columns.iter().enumerate() {
                let Some(text): Option<String> = row.try_get(i + 1)? else {
                    continue;
                };
                let new = p.apply(&text);
                if new != text {
                    changed.push((*column, new));
                }
            }
            if changed.is_empty() {
                continue;
            }
            let sets = changed
                .iter()
                .map(|(c, _)| format!("{c} = ?"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("UPDATE {table} SET {sets} WHERE {key} = ?");
            let mut q = sqlx::query(&sql);
            for (_, value) in &changed {
                q = q.bind(value);
            }
            q.bind(pk).execute(&mut *conn).await?;
            rows_rewritten += 1;
        }
    }
    Ok(SealCounts {
        pseudonyms: p.len(),
        rows_rewritten,
    })
}

/// The highest schema version this ScimLab's migrations reach.
pub fn schema_version() -> i64 {
    sqlx::migrate!("./migrations")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Check an export file without changing it: a SQLite database that passes its integrity
/// check, holds an export's metadata in a format this ScimLab reads, and a schema no newer
/// than this ScimLab's.
pub async fn inspect_export(path: &Path) -> Result<ExportMeta, ImportError> {
    let shown = path.display().to_string();
    let not_export = |why: &str| ImportError::NotAnExport {
        path: shown.clone(),
        why: why.to_owned(),
    };
    let damaged = |detail: String| ImportError::Damaged {
        path: shown.clone(),
        detail,
    };
    if !path.is_file() {
        return Err(not_export("no such file"));
    }
    let mut conn = connect(path, true)
        .await
        .map_err(|e| not_export(&format!("it cannot be opened as a database: {e}")))?;
    let integrity: Vec<String> = match sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
    {
        Ok(lines) => lines,
        Err(sqlx::Error::Database(e)) if e.message().contains("not a database") => {
            return Err(not_export("it is not a sqlite database"));
        }
        Err(e) => return Err(damaged(e.to_string())),
    };
    if integrity.first().map(String::as_str) != Some("ok") {
        return Err(damaged(
            integrity.into_iter().take(3).collect::<Vec<_>>().join("; "),
        ));
    }
    let settings: Vec<(String, String)> =
        match sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'export.%'")
            .fetch_all(&mut conn)
            .await
        {
            Ok(rows) => rows,
            Err(_) => return Err(not_export("it has no scimlab settings table")),
        };
    let get = |k: &str| {
        settings
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let format = get("export.format")
        .ok_or_else(|| not_export("it has no export.format setting"))?
        .parse::<i64>()
        .map_err(|_| not_export("its export.format is not a number"))?;
    let meta = ExportMeta {
        format,
        scimlab_version: get("export.scimlab_version").unwrap_or_default(),
        workspace_name: get("export.workspace_name").unwrap_or_default(),
        workspace_slug: get("export.workspace_slug").unwrap_or_default(),
        exported_at: get("export.exported_at").unwrap_or_default(),
        pseudonymised: get("export.pseudonymised").as_deref() == Some("true"),
    };
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| not_export("it has no schema history"))?;
    let ours = schema_version();
    if format > EXPORT_FORMAT || applied.unwrap_or(0) > ours {
        return Err(ImportError::Newer {
            path: shown,
            version: meta.scimlab_version,
            format,
            migrations: if applied.unwrap_or(0) > ours {
                format!(", schema {ours}; the file's is {}", applied.unwrap_or(0))
            } else {
                String::new()
            },
        });
    }
    conn.close().await.map_err(StoreError::from)?;
    Ok(meta)
}

/// Copy the rows of `src`, a checked and migrated export (SQLite), into `dest`, a new
/// workspace's PostgreSQL schema, in one transaction, the export's metadata left out
/// (`store/transfer.rs`). A schema holding users or exchanges already is refused.
pub async fn copy_into_postgres(src: &Store, dest: &Store) -> Result<super::transfer::Copied> {
    let Store::Postgres(pg) = dest else {
        return Err(StoreError::Unsupported("importing an export"));
    };
    let mut r = src.read().await?;
    let mut w = dest.write().await?;
    let (super::Conn::Sqlite(from), super::Conn::Postgres(to)) = (&mut *r, &mut *w) else {
        return Err(StoreError::Unsupported("importing an export"));
    };
    let used: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM resources) OR EXISTS (SELECT 1 FROM exchanges)",
    )
    .fetch_one(&mut **to)
    .await?;
    if used {
        return Err(StoreError::NotEmpty(pg.schema().to_owned()));
    }
    let copied = super::transfer::sqlite_into_postgres(from, to).await?;
    sqlx::query("DELETE FROM settings WHERE key = ANY($1)")
        .bind(&META_KEYS[..])
        .execute(&mut **to)
        .await?;
    drop(r);
    w.commit().await?;
    Ok(copied)
}

/// Remove an export's metadata from a database that became a workspace.
pub async fn clear_export_meta(store: &Store) -> Result<()> {
    let mut w = store.write().await?;
    let super::Conn::Sqlite(conn) = &mut *w else {
        return Err(StoreError::Unsupported("importing an export"));
    };
    for key in META_KEYS {
        sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(key)
            .execute(&mut **conn)
            .await?;
    }
    w.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::prelude::*;

    fn meta() -> ExportMeta {
        ExportMeta {
            format: EXPORT_FORMAT,
            scimlab_version: "0.1.0".into(),
            workspace_name: "Acme".into(),
            workspace_slug: "acme".into(),
            exported_at: "2026-12-07T00:00:00.000Z".into(),
            pseudonymised: false,
        }
    }

    /// A sealed export of a store holding a key and one setting, in `dir`.
    async fn sealed(dir: &Path) -> std::path::PathBuf {
        let store = Store::open(&dir.join("src.db")).await.unwrap();
        let mut w = store.write().await.unwrap();
        w.set_setting("scim_api_key", "secret-key-0123456789abcdef")
            .await
            .unwrap();
        w.set_setting("kept", "yes").await.unwrap();
        w.commit().await.unwrap();
        let out = dir.join("out.scimlab");
        store.copy_to(&out).await.unwrap();
        store.close().await;
        seal_export(&out, &meta(), &["scim_api_key"], None)
            .await
            .unwrap();
        out
    }

    async fn exec(path: &Path, sql: &str) {
        let mut c = connect(path, false).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_sealed_export_reads_back_its_metadata_and_holds_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let out = sealed(dir.path()).await;
        assert_eq!(inspect_export(&out).await.unwrap(), meta());
        let bytes = std::fs::read(&out).unwrap();
        let needle = b"secret-key-0123456789abcdef";
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the key is gone from the file, free pages included"
        );
        assert!(bytes.starts_with(b"SQLite format 3\0"));
    }

    #[tokio::test]
    async fn newer_exports_are_refused_with_the_version_that_wrote_them() {
        let dir = tempfile::tempdir().unwrap();
        let out = sealed(dir.path()).await;
        exec(
            &out,
            "UPDATE settings SET value = '9' WHERE key = 'export.format'",
        )
        .await;
        let e = inspect_export(&out).await.unwrap_err();
        assert!(matches!(e, ImportError::Newer { format: 9, .. }), "{e}");
        assert!(e.to_string().contains("upgrade scimlab"), "{e}");

        let out = sealed(&dir.path().join("b").tap_mkdir()).await;
        exec(
            &out,
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (9999, 'future', '2030-01-01', 1, x'00', 0)",
        )
        .await;
        let e = inspect_export(&out).await.unwrap_err();
        assert!(
            e.to_string().contains("schema"),
            "a newer schema is named: {e}"
        );
    }

    #[tokio::test]
    async fn files_that_are_not_exports_or_are_damaged_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database at all, just some text").unwrap();
        let e = inspect_export(&text).await.unwrap_err();
        assert!(matches!(e, ImportError::NotAnExport { .. }), "{e}");

        // A plain ScimLab database, never exported: no metadata.
        let plain = dir.path().join("plain.db");
        Store::open(&plain).await.unwrap().close().await;
        let e = inspect_export(&plain).await.unwrap_err();
        assert!(e.to_string().contains("export.format"), "{e}");

        let out = sealed(&dir.path().join("c").tap_mkdir()).await;
        let mut bytes = std::fs::read(&out).unwrap();
        let half = bytes.len() / 2;
        bytes.truncate(half);
        std::fs::write(&out, &bytes).unwrap();
        assert!(inspect_export(&out).await.is_err(), "a cut file is refused");
        assert!(
            inspect_export(&dir.path().join("missing.scimlab"))
                .await
                .is_err()
        );
    }

    trait TapMkdir {
        fn tap_mkdir(self) -> std::path::PathBuf;
    }
    impl TapMkdir for std::path::PathBuf {
        fn tap_mkdir(self) -> std::path::PathBuf {
            std::fs::create_dir_all(&self).unwrap();
            self
        }
    }
}
