//! Workspaces: one per customer, each with everything that was global before — its SCIM key,
//! users and groups, captured exchanges, role history, mapping profiles, strict mode,
//! retention, fault rules, simulations and replays — on one SCIM port.
//!
//! Each workspace is its own database file, so nothing can cross between them: the main
//! database (`--db`) is the `default` workspace, served at `/scim/v2` as before, and keeps the
//! directory of workspaces; workspace `<slug>` lives in `workspaces/<slug>.db` beside it and is
//! served at `/w/<slug>/scim/v2`. Deleting a workspace deletes its file (erased for good: rows
//! and file space); exporting one is a copy of its file without the key ([`crate::store::hand_over`]).
//!
//! [`Workspaces`] is the registry of open workspaces ([`WorkspaceRuntime`]: store, key,
//! settings, the capture writer, and its SCIM and admin routers). It does not build the
//! routers itself: the crate root gives it an [`Opener`], so this module depends on no listener.

use crate::events::{EngineEvent, EventBus};
use crate::model::{WorkspaceRecord, WorkspaceSlug};
use crate::runtime::RuntimeSettings;
use crate::store::prelude::*;
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The templates a workspace can be created from: the profile they choose and the IdP whose
/// instructions Connect shows first.
pub const TEMPLATES: [(&str, &str, &str); 2] = [
    ("entra-guide", "entra", "Entra ID — guide setup"),
    ("okta-guide", "okta", "Okta — guide setup"),
];

/// The mapping profile a template chooses (`None` for an unknown template).
pub fn template_profile(template: &str) -> Option<&'static str> {
    TEMPLATES
        .iter()
        .find(|(id, _, _)| *id == template)
        .map(|(_, profile, _)| *profile)
}

/// Why a workspace operation was refused (lowercase; names the value and the fix).
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// No workspace with that slug.
    #[error("no workspace '{0}': list them with GET /api/workspaces or 'scimlab workspace list'")]
    NotFound(String),
    /// The slug is taken.
    #[error("a workspace with slug '{0}' already exists: choose another name")]
    Exists(String),
    /// Its data could not be erased.
    #[error(transparent)]
    Data(#[from] crate::database::DataError),
    /// The default workspace cannot be deleted.
    #[error(
        "the default workspace cannot be deleted (it is /scim/v2 and holds the directory): reset its data instead (DELETE /api/data)"
    )]
    DefaultUndeletable,
    /// A name or slug that is not valid.
    #[error(transparent)]
    Slug(#[from] crate::model::SlugError),
    /// A name that is empty or too long.
    #[error("invalid workspace name '{0}': use 1 to 80 characters")]
    Name(String),
    /// An unknown template.
    #[error("unknown template '{0}': use entra-guide or okta-guide")]
    Template(String),
    /// A file is in the way, or could not be written or removed.
    #[error("{what} {path}: {cause}")]
    File {
        /// What was done.
        what: &'static str,
        /// The file.
        path: String,
        /// The cause (not a `source`: the message already says it).
        cause: std::io::Error,
    },
    /// The workspace's database could not be opened.
    #[error("could not open the workspace's database: {0}")]
    Open(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Check a workspace name (trimmed): 1 to 80 characters.
pub fn check_name(name: &str) -> Result<String, WorkspaceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(WorkspaceError::Name(name.chars().take(80).collect()));
    }
    Ok(name.to_owned())
}

/// The database file of workspace `slug` for the main database `main_db` (see
/// [`crate::database::database_path`]).
pub fn database_path(main_db: &Path, slug: &WorkspaceSlug) -> PathBuf {
    crate::database::database_path(main_db, slug)
}

/// Remove a workspace's database and its `-wal`/`-shm` files (missing ones are fine).
pub fn remove_database_files(path: &Path) -> Result<(), WorkspaceError> {
    Ok(crate::database::remove_database_files(path)?)
}

/// An open workspace: what its listeners and the admin API use.
pub struct WorkspaceRuntime {
    /// Its slug.
    pub slug: WorkspaceSlug,
    name: RwLock<String>,
    /// When it was created.
    pub created: String,
    /// The template it was created from.
    pub template: Option<String>,
    /// Where its data lives.
    pub db: crate::database::WorkspaceData,
    /// Its database.
    pub store: Store,
    /// Its SCIM key (the last one read).
    pub key: Arc<crate::auth::KeyCache>,
    /// Its strict mode and retention.
    pub settings: Arc<RuntimeSettings>,
    /// The engine's bus, publishing as this workspace.
    pub events: EventBus,
    /// Its fault rules (shared with its capture layer and admin API).
    pub faults: crate::runtime::FaultBoard,
    /// Its SCIM routes (the capture layer around the SCIM router), served at its base path.
    pub scim: axum::Router,
    /// Its SCIM counters (`GET /metrics`).
    pub metrics: Arc<crate::metrics::ScimMetrics>,
    /// Its admin API (the admin router on its state), served at `/api/workspaces/<slug>/…`.
    pub admin: axum::Router,
    closing: watch::Sender<bool>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// What the opener builds a runtime from (the crate root fills the routers).
pub struct RuntimeParts {
    /// The directory entry.
    pub record: WorkspaceRecord,
    /// Where its data lives.
    pub db: crate::database::WorkspaceData,
    /// Its database.
    pub store: Store,
    /// Its key.
    pub key: Arc<crate::auth::KeyCache>,
    /// Its settings.
    pub settings: Arc<RuntimeSettings>,
    /// Its bus.
    pub events: EventBus,
    /// Its fault rules.
    pub faults: crate::runtime::FaultBoard,
    /// Its SCIM routes.
    pub scim: axum::Router,
    /// Its SCIM counters (shared with its capture layer).
    pub metrics: Arc<crate::metrics::ScimMetrics>,
    /// Its admin routes.
    pub admin: axum::Router,
    /// Turns `true` to stop its capture writer.
    pub closing: watch::Sender<bool>,
    /// Its capture writer.
    pub writer: JoinHandle<()>,
}

impl WorkspaceRuntime {
    /// A runtime from its parts.
    pub fn new(parts: RuntimeParts) -> Arc<Self> {
        Arc::new(Self {
            slug: parts.record.slug,
            name: RwLock::new(parts.record.name),
            created: parts.record.created,
            template: parts.record.template,
            db: parts.db,
            store: parts.store,
            key: parts.key,
            settings: parts.settings,
            events: parts.events,
            faults: parts.faults,
            scim: parts.scim,
            metrics: parts.metrics,
            admin: parts.admin,
            closing: parts.closing,
            writer: Mutex::new(Some(parts.writer)),
        })
    }

    /// Its name now.
    pub fn name(&self) -> String {
        self.name
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The directory entry as it is now.
    pub fn record(&self) -> WorkspaceRecord {
        WorkspaceRecord {
            slug: self.slug.clone(),
            name: self.name(),
            created: self.created.clone(),
            template: self.template.clone(),
        }
    }

    /// Its key as last read.
    pub fn cached_key(&self) -> String {
        self.key.get()
    }

    /// Stop taking exchanges, write what is queued (for at most `grace`), close the database.
    pub async fn close(&self, grace: std::time::Duration) {
        let _ = self.closing.send(true);
        let writer = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut writer) = writer
            && tokio::time::timeout(grace, &mut writer).await.is_err()
        {
            writer.abort();
        }
        self.store.close().await;
    }
}

/// Opens a workspace's runtime from its directory entry (given by the crate root).
pub type Opener = Arc<
    dyn Fn(WorkspaceRecord) -> BoxFuture<'static, Result<Arc<WorkspaceRuntime>, String>>
        + Send
        + Sync,
>;

struct Inner {
    /// The main database: the directory (and the default workspace's data).
    main: Store,
    /// Where every workspace's data lives.
    database: crate::database::Database,
    open: RwLock<BTreeMap<WorkspaceSlug, Arc<WorkspaceRuntime>>>,
    opener: OnceLock<Opener>,
    /// Creations, imports and deletions one at a time.
    edits: tokio::sync::Mutex<()>,
    /// The engine's bus (as `default`): `workspaces.changed` goes out on it.
    events: EventBus,
    grace: std::time::Duration,
}

/// The registry of open workspaces. Cloning shares it.
#[derive(Clone)]
pub struct Workspaces(Arc<Inner>);

impl std::fmt::Debug for Workspaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspaces")
            .field("database", &self.0.database.describe())
            .finish_non_exhaustive()
    }
}

impl Workspaces {
    /// An empty registry over the main database; [`Self::set_opener`] and [`Self::insert`] fill it.
    pub fn new(
        main: Store,
        database: crate::database::Database,
        events: EventBus,
        grace: std::time::Duration,
    ) -> Self {
        Self(Arc::new(Inner {
            main,
            database,
            open: RwLock::default(),
            opener: OnceLock::new(),
            edits: tokio::sync::Mutex::new(()),
            events,
            grace,
        }))
    }

    /// Give the registry the function that opens a workspace (once).
    pub fn set_opener(&self, opener: Opener) {
        let _ = self.0.opener.set(opener);
    }

    /// Add an opened workspace.
    pub fn insert(&self, runtime: Arc<WorkspaceRuntime>) {
        self.0
            .open
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(runtime.slug.clone(), runtime);
    }

    /// The main database's file.
    pub fn database(&self) -> &crate::database::Database {
        &self.0.database
    }

    /// The open workspace `slug`.
    pub fn get(&self, slug: &str) -> Option<Arc<WorkspaceRuntime>> {
        let slug = WorkspaceSlug::parse(slug).ok()?;
        self.0
            .open
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&slug)
            .cloned()
    }

    /// The `default` workspace (always open while the engine runs).
    pub fn default_workspace(&self) -> Option<Arc<WorkspaceRuntime>> {
        self.get(crate::model::DEFAULT_WORKSPACE)
    }

    /// Every open workspace, `default` first, then by creation.
    pub fn list(&self) -> Vec<Arc<WorkspaceRuntime>> {
        let mut all: Vec<_> = self
            .0
            .open
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        all.sort_by(|a, b| {
            (!a.slug.is_default(), &a.created, &a.slug).cmp(&(
                !b.slug.is_default(),
                &b.created,
                &b.slug,
            ))
        });
        all
    }

    /// The workspace whose key (as last read) the `Authorization` header `header` carries.
    pub fn owner_of_key(&self, header: Option<&str>) -> Option<WorkspaceSlug> {
        header?;
        self.list()
            .into_iter()
            .find(|w| crate::auth::check(header, &w.cached_key()).is_ok())
            .map(|w| w.slug.clone())
    }

    async fn open_record(
        &self,
        record: WorkspaceRecord,
    ) -> Result<Arc<WorkspaceRuntime>, WorkspaceError> {
        let opener = self
            .0
            .opener
            .get()
            .cloned()
            .ok_or_else(|| WorkspaceError::Open("the engine is not running".into()))?;
        let runtime = opener(record).await.map_err(WorkspaceError::Open)?;
        self.insert(runtime.clone());
        Ok(runtime)
    }

    /// Open the workspaces the directory lists that are not open yet (made by `scimlab
    /// workspace create|import` while the engine runs). Answers how many were opened.
    pub async fn refresh(&self) -> Result<usize, WorkspaceError> {
        let records = self.0.main.read().await?.workspaces().await?;
        let mut opened = 0;
        for record in records {
            if self.get(&record.slug).is_some() {
                continue;
            }
            let _edit = self.0.edits.lock().await;
            if self.get(&record.slug).is_some() {
                continue;
            }
            let slug = record.slug.clone();
            match self.open_record(record).await {
                Ok(_) => opened += 1,
                Err(e) => {
                    tracing::warn!(workspace = %slug, error = %e, "could not open a workspace");
                }
            }
        }
        if opened > 0 {
            self.0.events.publish(EngineEvent::WorkspacesChanged);
        }
        Ok(opened)
    }

    /// Create workspace `name` (its slug made from it), optionally from a template; opened at once.
    pub async fn create(
        &self,
        name: &str,
        template: Option<&str>,
    ) -> Result<Arc<WorkspaceRuntime>, WorkspaceError> {
        let _edit = self.0.edits.lock().await;
        let record = new_record(name, template)?;
        let db = self.0.database.workspace(&record.slug);
        register(&self.0.main, &record, db.file()).await?;
        match self.open_record(record.clone()).await {
            Ok(runtime) => {
                self.0.events.publish(EngineEvent::WorkspacesChanged);
                Ok(runtime)
            }
            Err(e) => {
                unregister(&self.0.main, &record.slug).await;
                if let Some(path) = db.file() {
                    let _ = remove_database_files(path);
                }
                Err(e)
            }
        }
    }

    /// Rename workspace `slug` (its slug, and so its tenant URL, stays).
    pub async fn rename(
        &self,
        slug: &str,
        name: &str,
    ) -> Result<Arc<WorkspaceRuntime>, WorkspaceError> {
        let name = check_name(name)?;
        let runtime = self
            .get(slug)
            .ok_or_else(|| WorkspaceError::NotFound(slug.to_owned()))?;
        let mut w = self.0.main.write().await?;
        if !w.rename_workspace(&runtime.slug, &name).await? {
            return Err(WorkspaceError::NotFound(slug.to_owned()));
        }
        w.commit().await?;
        *runtime.name.write().unwrap_or_else(PoisonError::into_inner) = name;
        self.0.events.publish(EngineEvent::WorkspacesChanged);
        Ok(runtime)
    }

    /// Delete workspace `slug` for good: out of the directory, its writer stopped, its database
    /// file removed. `default` cannot be deleted.
    pub async fn delete(&self, slug: &str) -> Result<WorkspaceRecord, WorkspaceError> {
        let _edit = self.0.edits.lock().await;
        let runtime = self
            .get(slug)
            .ok_or_else(|| WorkspaceError::NotFound(slug.to_owned()))?;
        if runtime.slug.is_default() {
            return Err(WorkspaceError::DefaultUndeletable);
        }
        let mut w = self.0.main.write().await?;
        w.delete_workspace(&runtime.slug).await?;
        w.commit().await?;
        self.0
            .open
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&runtime.slug);
        runtime.close(self.0.grace).await;
        runtime.db.remove(&runtime.store).await?;
        self.0.events.publish(EngineEvent::WorkspacesChanged);
        Ok(runtime.record())
    }

    /// Import an export file (checked first: see [`crate::store::hand_over::inspect_export`]) as
    /// a new workspace named `name` (else the name it was exported with), with a new key.
    pub async fn import(
        &self,
        file: &Path,
        name: Option<&str>,
    ) -> Result<Arc<WorkspaceRuntime>, ImportFailure> {
        let _edit = self.0.edits.lock().await;
        let record = install_import(&self.0.main, &self.0.database, file, name).await?;
        let runtime = self
            .open_record(record.clone())
            .await
            .map_err(ImportFailure::Workspace)?;
        self.0.events.publish(EngineEvent::WorkspacesChanged);
        Ok(runtime)
    }

    /// Close every workspace (engine shutdown): each writer writes what is queued.
    pub async fn close_all(&self) {
        let all: Vec<_> =
            std::mem::take(&mut *self.0.open.write().unwrap_or_else(PoisonError::into_inner))
                .into_values()
                .collect();
        for runtime in all {
            runtime.close(self.0.grace).await;
        }
    }
}

/// A new directory entry for `name`, checked.
pub fn new_record(name: &str, template: Option<&str>) -> Result<WorkspaceRecord, WorkspaceError> {
    let name = check_name(name)?;
    if let Some(t) = template
        && template_profile(t).is_none()
    {
        return Err(WorkspaceError::Template(t.to_owned()));
    }
    Ok(WorkspaceRecord {
        slug: WorkspaceSlug::from_name(&name)?,
        name,
        created: crate::wire::now(),
        template: template.map(str::to_owned),
    })
}

/// Add `record` to the directory; its file (SQLite) must not exist yet (a leftover is not
/// adopted).
pub async fn register(
    main: &Store,
    record: &WorkspaceRecord,
    file: Option<&Path>,
) -> Result<(), WorkspaceError> {
    add_to_directory(main, record, file).await
}

/// Add `record` to the directory; with `fresh`, only when no file is at that path yet (a taken
/// slug is reported first).
async fn add_to_directory(
    main: &Store,
    record: &WorkspaceRecord,
    fresh: Option<&Path>,
) -> Result<(), WorkspaceError> {
    let mut w = main.write().await?;
    w.insert_workspace(record).await.map_err(|e| match e {
        StoreError::Conflict { value, .. } => WorkspaceError::Exists(value),
        other => other.into(),
    })?;
    if let Some(path) = fresh.filter(|p| p.exists()) {
        return Err(WorkspaceError::File {
            what: "a database file is already at",
            path: path.display().to_string(),
            cause: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "move it away or choose another name",
            ),
        });
    }
    w.commit().await?;
    Ok(())
}

async fn unregister(main: &Store, slug: &WorkspaceSlug) {
    if let Ok(mut w) = main.write().await
        && w.delete_workspace(slug).await.is_ok()
    {
        let _ = w.commit().await;
    }
}

/// Why an import failed (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file was refused.
    #[error(transparent)]
    File(#[from] crate::store::hand_over::ImportError),
    /// The workspace could not be made.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
}

/// The first free slug for `name`: its own, else with `-2`, `-3`… appended.
async fn free_slug(main: &Store, name: &str) -> Result<WorkspaceSlug, WorkspaceError> {
    let base = WorkspaceSlug::from_name(name)?;
    let taken: Vec<WorkspaceSlug> = main
        .read()
        .await?
        .workspaces()
        .await?
        .into_iter()
        .map(|w| w.slug)
        .collect();
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.to_string()
        } else {
            let suffix = format!("-{n}");
            let keep = base.len().min(crate::model::MAX_SLUG_LEN - suffix.len());
            format!("{}{suffix}", base[..keep].trim_end_matches('-'))
        };
        let slug = WorkspaceSlug::parse(&candidate)?;
        if !taken.contains(&slug) {
            return Ok(slug);
        }
    }
    Err(WorkspaceError::Exists(base.to_string()))
}

/// Check `file` and make it a new workspace (a new key, the export's metadata removed), then
/// add it to the directory: on SQLite the file is copied into place, on PostgreSQL its rows are
/// copied into the workspace's new schema (`store/transfer.rs`). Used by the engine and by
/// `scimlab workspace import` (engine not running). A failure leaves nothing behind.
pub async fn install_import(
    main: &Store,
    database: &crate::database::Database,
    file: &Path,
    name: Option<&str>,
) -> Result<WorkspaceRecord, ImportFailure> {
    use crate::store::hand_over;
    let meta = hand_over::inspect_export(file).await?;
    let wanted = match name {
        Some(n) => n.to_owned(),
        None if !meta.workspace_name.trim().is_empty() => meta.workspace_name.clone(),
        None => "Imported".to_owned(),
    };
    let name = check_name(&wanted)?;
    let record = WorkspaceRecord {
        slug: free_slug(main, &name).await?,
        name,
        created: crate::wire::now(),
        template: None,
    };
    let data = database.workspace(&record.slug);
    match data.file() {
        Some(path) => install_import_file(file, path).await?,
        None => install_import_schema(file, &data).await?,
    }
    if let Err(e) = add_to_directory(main, &record, None).await {
        if let Some(path) = data.file() {
            let _ = remove_database_files(path);
        } else if let Ok(store) = data.open().await {
            let _ = data.remove(&store).await;
            store.close().await;
        }
        return Err(e.into());
    }
    Ok(record)
}

/// A copy of the export `file` beside `path`, migrated, its metadata gone and a new key in it
/// (the caller closes it and moves it into place, or removes it).
async fn prepared_copy(file: &Path, partial: &Path) -> Result<Store, WorkspaceError> {
    let file_error = |what, p: &Path, cause| WorkspaceError::File {
        what,
        path: p.display().to_string(),
        cause,
    };
    if let Some(dir) = partial.parent() {
        crate::create_private_dir(dir).map_err(|e| file_error("could not create", dir, e))?;
    }
    let _ = remove_database_files(partial);
    std::fs::copy(file, partial)
        .map_err(|e| file_error("could not copy the export to", partial, e))?;
    let store = crate::open_store(partial)
        .await
        .map_err(|e| WorkspaceError::Open(e.to_string()))?;
    let result = async {
        crate::store::hand_over::clear_export_meta(&store).await?;
        let mut w = store.write().await?;
        set_new_key(&mut w).await?;
        w.commit().await?;
        Ok::<_, WorkspaceError>(())
    }
    .await;
    if let Err(e) = result {
        store.close().await;
        return Err(e);
    }
    Ok(store)
}

/// Give a workspace being made a new random SCIM key.
async fn set_new_key(conn: &mut crate::store::Conn) -> Result<(), WorkspaceError> {
    let key = crate::auth::generate_key().map_err(|e| WorkspaceError::Open(e.to_string()))?;
    crate::auth::set_key(conn, &key)
        .await
        .map_err(|e| WorkspaceError::Open(e.to_string()))
}

/// SQLite: the export, prepared, becomes the workspace's file at `path`.
async fn install_import_file(file: &Path, path: &Path) -> Result<(), WorkspaceError> {
    let partial = path.with_extension("db.importing");
    let installed = match prepared_copy(file, &partial).await {
        Ok(store) => {
            store.close().await;
            if path.exists() {
                Err(WorkspaceError::File {
                    what: "a database file is already at",
                    path: path.display().to_string(),
                    cause: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "move it away"),
                })
            } else {
                std::fs::rename(&partial, path).map_err(|cause| WorkspaceError::File {
                    what: "could not move the import to",
                    path: path.display().to_string(),
                    cause,
                })
            }
        }
        Err(e) => Err(e),
    };
    if installed.is_err() {
        let _ = remove_database_files(&partial);
    }
    installed
}

/// PostgreSQL: the export, prepared in a scratch file, is copied into the workspace's new
/// schema; the scratch file is removed, and the schema too when the copy fails.
async fn install_import_schema(
    file: &Path,
    data: &crate::database::WorkspaceData,
) -> Result<(), WorkspaceError> {
    let scratch = std::env::temp_dir()
        .join(format!("scimlab-import-{}", uuid::Uuid::new_v4().simple()))
        .join("workspace.db");
    let result = async {
        let src = prepared_copy(file, &scratch).await?;
        let dest = data.open().await;
        let copied = match &dest {
            Ok(dest) => crate::store::hand_over::copy_into_postgres(&src, dest)
                .await
                .map(drop)
                .map_err(WorkspaceError::from),
            Err(e) => Err(WorkspaceError::Open(e.to_string())),
        };
        src.close().await;
        let dest = dest.map_err(|e| WorkspaceError::Open(e.to_string()))?;
        if let Err(e) = copied {
            // A schema that held data before is someone else's: it is left as it was.
            if !matches!(e, WorkspaceError::Store(StoreError::NotEmpty(_))) {
                let _ = data.remove(&dest).await;
            }
            dest.close().await;
            return Err(e);
        }
        dest.close().await;
        Ok(())
    }
    .await;
    if let Some(dir) = scratch.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    /// The file written.
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Whether names, emails and ids were replaced.
    pub pseudonymised: bool,
    /// Distinct personal values replaced.
    pub pseudonyms: usize,
}

/// Export workspace `record` (its database `store`) to `dest` (which must not exist; written
/// beside it first, then renamed, so a failed export leaves no half file).
pub async fn export(
    store: &Store,
    record: &WorkspaceRecord,
    dest: &Path,
    pseudonymise: bool,
) -> Result<ExportSummary, WorkspaceError> {
    use crate::store::hand_over::{self, EXPORT_FORMAT, ExportMeta};
    let file_error = |what, p: &Path, cause| WorkspaceError::File {
        what,
        path: p.display().to_string(),
        cause,
    };
    if dest.exists() {
        return Err(file_error(
            "will not overwrite",
            dest,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "choose another file or remove it",
            ),
        ));
    }
    let mut partial_name = dest.as_os_str().to_owned();
    partial_name.push(".partial");
    let partial = PathBuf::from(partial_name);
    let _ = std::fs::remove_file(&partial);
    let result = async {
        store.copy_to(&partial).await?;
        let meta = ExportMeta {
            format: EXPORT_FORMAT,
            scimlab_version: env!("CARGO_PKG_VERSION").to_owned(),
            workspace_name: record.name.clone(),
            workspace_slug: record.slug.to_string(),
            exported_at: crate::wire::now(),
            pseudonymised: pseudonymise,
        };
        let mut dictionary = pseudonymise.then(crate::pseudonym::Pseudonyms::new);
        let counts = hand_over::seal_export(
            &partial,
            &meta,
            &[crate::auth::KEY_SETTING],
            dictionary.as_mut(),
        )
        .await?;
        std::fs::rename(&partial, dest).map_err(|e| file_error("could not write", dest, e))?;
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(ExportSummary {
            file: dest.display().to_string(),
            bytes,
            pseudonymised: pseudonymise,
            pseudonyms: counts.pseudonyms,
        })
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// The SCIM listener's service: `/scim/v2/…` goes to `default`, `/w/<slug>/…` to workspace
/// `<slug>` (its prefix taken off, so each workspace's router sees `/scim/v2/…`).
pub fn scim_router(workspaces: Workspaces) -> axum::Router {
    axum::Router::new()
        .fallback(dispatch_scim)
        .with_state(workspaces)
}

/// Route one SCIM request to its workspace (see [`scim_router`]). A slug that names no
/// workspace is answered by the workspace whose key the request carries, else by `default`,
/// with [`crate::wire::WorkspaceRoute::unknown_slug`] set: its capture layer refuses it with
/// the same 401 as a wrong key and keeps the slug, so Connect can say what to fix.
pub async fn dispatch_scim(
    axum::extract::State(workspaces): axum::extract::State<Workspaces>,
    mut req: axum::extract::Request,
) -> axum::response::Response {
    use tower::ServiceExt;
    let header = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let mut route = crate::wire::WorkspaceRoute::default();
    let mut target = None;
    if let Some(rest) = req.uri().path().strip_prefix("/w/") {
        let (slug, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let slug = slug.to_owned();
        let tail = if tail.is_empty() { "/" } else { tail };
        let rewritten = match req.uri().query() {
            Some(q) => format!("{tail}?{q}"),
            None => tail.to_owned(),
        };
        if let Ok(uri) = rewritten.parse() {
            *req.uri_mut() = uri;
        }
        route.prefix = format!("/w/{slug}");
        target = match workspaces.get(&slug) {
            Some(w) => Some(w),
            // Made by `scimlab workspace create` while the engine runs?
            None if WorkspaceSlug::parse(&slug).is_ok() => {
                let _ = workspaces.refresh().await;
                workspaces.get(&slug)
            }
            None => None,
        };
        if target.is_none() {
            route.unknown_slug = Some(slug.chars().take(80).collect());
        }
    }
    let owner = workspaces.owner_of_key(header.as_deref());
    if route.unknown_slug.is_some() {
        target = owner.as_deref().and_then(|o| workspaces.get(o));
    }
    let Some(target) = target.or_else(|| workspaces.default_workspace()) else {
        return crate::wire::error_response(&scimlab_scim::ScimError::new(
            503,
            None,
            "the engine is shutting down: retry in a moment",
        ));
    };
    route.key_of = owner.filter(|o| *o != target.slug).map(|o| o.to_string());
    req.extensions_mut().insert(route);
    match target.scim.clone().oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
