//! The store: the API every backend implements ([`api`]: traits over a session) and its SQLite
//! backend (sqlx over one file). Handlers never build SQL and never name sqlx: they open a
//! session ([`Store::read`], [`Store::write`]) and call the traits' methods (`use
//! crate::store::prelude::*`).
//!
//! Concurrency: SQLite allows one writer at a time, so the store keeps two sets of connections
//! (`slots.rs`): `read` (several, WAL lets them read while a write is in progress) and `write`
//! (exactly one). Every write runs in one transaction on the writer, which serialises
//! read-modify-write sequences (PATCH, PUT) without `SQLITE_BUSY` upgrades, and makes each write
//! all-or-nothing. Uniqueness is still enforced by unique indexes, never by check-then-insert.
//!
//! The only module with SQL or sqlx (`scripts/check-layering.sh` fails otherwise). Imports
//! `model` and `timeline`'s row type; never a listener, `capture` or `admin_api`.

#[macro_use]
mod bind;
pub mod admin;
pub mod admin_users;
pub mod api;
pub mod audit;
#[cfg(test)]
mod contract;
mod dispatch;
pub(crate) mod evidence;
pub mod exchanges;
mod fault_budgets;
mod group;
pub mod hand_over;
pub mod mapping;
pub mod members;
pub mod outlines;
pub mod pg;
pub mod resources;
pub mod scan;
pub mod settings;
pub mod sign_in;
mod slots;
pub mod transfer;
mod user_list;
pub mod workspaces;

pub use api::prelude;

use sqlx::sqlite::SqliteTransactionManager;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool, TransactionManager};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique index rejected the write: `field` already holds `value`.
    #[error("{field} '{value}' is already in use")]
    Conflict {
        /// The attribute whose uniqueness was violated (`userName`, `displayName`, `id`).
        field: &'static str,
        /// The value sent.
        value: String,
    },
    /// A stored row holds JSON that cannot be read back (the file was edited by hand?).
    #[error("stored resource {id} is not valid json: {source}")]
    Corrupt {
        /// The resource id.
        id: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A captured exchange's compact evidence (see `store::evidence`) cannot be read back.
    #[error(
        "stored exchange {id} cannot be read back: {why}; a reset of the data (DELETE /api/data) drops it"
    )]
    Evidence {
        /// The exchange id.
        id: i64,
        /// What is wrong with its `evidence`.
        why: String,
    },
    /// Any other database failure (I/O, full disk, locked file).
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The file was migrated by a newer ScimLab: this one does not know its schema and refuses
    /// to touch it.
    #[error(
        "the database was upgraded by a newer scimlab (its schema has migration {found}, this version knows up to {known}): run that newer scimlab, or restore a backup taken before the upgrade"
    )]
    NewerSchema {
        /// The newest migration applied to the file.
        found: i64,
        /// The newest migration this build has.
        known: i64,
    },
    /// A table has a column on one backend only: its rows cannot be copied to the other.
    #[error(
        "cannot copy table {table} between sqlite and postgresql: column {column} is only on {backend}; use the same scimlab version on both sides"
    )]
    Transfer {
        /// The table.
        table: &'static str,
        /// The column.
        column: String,
        /// The backend that has it.
        backend: &'static str,
    },
    /// A new workspace's schema holds rows already (a leftover is not written over).
    #[error(
        "postgresql schema {0} holds data already: a new workspace is not written over it; drop the schema or import under another name"
    )]
    NotEmpty(String),
    /// What this backend cannot do yet (names the feature).
    #[error("{0} is not available on postgresql yet: use a sqlite database (--db) for it")]
    Unsupported(&'static str),
    /// The transaction this session's writes shared with other sessions (group commit, see
    /// `store/group.rs`) could not be committed: none of them was written.
    #[error("database error: {message}")]
    GroupCommit {
        /// What failed.
        message: String,
        /// The database was busy or closing.
        busy: bool,
    },
}

impl StoreError {
    /// The database could not take the request in time (the writer held past
    /// [`BUSY_TIMEOUT`], `SQLITE_BUSY`/`SQLITE_LOCKED`, the pool closed while shutting down): the
    /// SCIM listener answers `503` with `Retry-After`, not `500`.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::GroupCommit { busy, .. } => *busy,
            StoreError::Sqlx(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) => true,
            // PostgreSQL shutting down, restarting or out of connections, or the connection
            // lost: the pool reconnects for the next request.
            StoreError::Sqlx(e) if pg::is_unavailable(e) => true,
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with any extended code.
            StoreError::Sqlx(sqlx::Error::Database(db)) => db
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .and_then(sqlx::error::DatabaseError::code)
                .and_then(|c| c.parse::<i64>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
            _ => false,
        }
    }
}

/// Store result alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How long a request waits for a connection (the single writer, or one of the readers) before
/// the store counts as busy: the SCIM listener then answers `503` with `Retry-After` instead of
/// keeping the client waiting (sqlx's own default is 30 s).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The size the WAL file is cut back to after a checkpoint completes (`journal_size_limit`).
pub const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// The WAL size past which [`Store::checkpoint`] waits for readers to start the WAL over
/// (under the 256 MB the WAL must stay below under sustained load).
pub const WAL_RESTART_AT: i64 = 128 * 1024 * 1024;

/// How long a checkpoint that waits (RESTART, TRUNCATE) waits for readers and the writer before
/// it gives up until its next turn: new writes wait behind it meanwhile.
const CHECKPOINT_WAIT: Duration = Duration::from_millis(100);

/// One WAL frame: a page (SQLite's default 4 KiB, which ScimLab never changes) and its header.
const WAL_FRAME_BYTES: i64 = 4096 + 24;

/// The connections to one SQLite database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// Readers (WAL: concurrent with the writer).
    read: Arc<slots::Slots>,
    /// The single writer.
    write: Arc<slots::Slots>,
    /// One connection that only checkpoints the WAL (see [`Store::checkpoint`]).
    maintenance: SqlitePool,
    /// [`WAL_RESTART_AT`] (lower in tests).
    wal_restart_at: i64,
    /// The writer's group commit (`group.rs`).
    group: Arc<group::Group>,
}

impl SqliteStore {
    /// Open (creating when missing) the database at `path`, apply migrations, and return pools.
    pub async fn open(path: &Path) -> Result<Self> {
        #[cfg(unix)]
        restrict_files(path).map_err(sqlx::Error::Io)?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // No connection checkpoints on commit: a commit that happens to cross the threshold
            // would copy the whole WAL into the database while a client waits. The capture
            // writer calls `checkpoint` after each batch instead, on its own connection.
            .pragma("wal_autocheckpoint", "0")
            // After a checkpoint that completes, the WAL file is cut back to this size instead of
            // staying at its peak (a 100 000-user seed grew it to gigabytes).
            .pragma("journal_size_limit", WAL_SIZE_LIMIT.to_string())
            // Statement journals (a statement inside a transaction whose triggers touch many
            // pages: a batch of captured exchanges) and sorters stay in memory. On file, each
            // journal past 64 KiB became a temporary file created, written and deleted in
            // /var/tmp — about 7 writes and 2 file creations per SCIM create under load.
            .pragma("temp_store", "MEMORY");
        // Migrations and the refold pass run on a pool of their own, closed before the
        // writer's slot opens (one writer at a time).
        let migrator = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        // Checkpoints that wait (RESTART, TRUNCATE) hold new writes back while they wait for
        // readers: they give up after CHECKPOINT_WAIT (and are tried again later) rather than
        // stall every SCIM write behind a long read such as an export.
        let maintenance = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone().busy_timeout(CHECKPOINT_WAIT))
            .await?;
        let migrations = sqlx::migrate!("./migrations");
        if let Err(e) = migrations.run(&migrator).await {
            migrator.close().await;
            return Err(match e {
                sqlx::migrate::MigrateError::VersionMissing(found) => StoreError::NewerSchema {
                    found,
                    known: migrations.iter().map(|m| m.version).max().unwrap_or(0),
                },
                other => other.into(),
            });
        }
        // Migration 0007 asks for a pass SQLite cannot do itself (NFC and case folding of names).
        resources::refold_names(&mut *migrator.acquire().await?).await?;
        migrator.close().await;
        let write = slots::Slots::open(&options, 1, BUSY_TIMEOUT).await?;
        let read = slots::Slots::open(&options.read_only(true), 4, BUSY_TIMEOUT).await?;
        Ok(Self {
            read,
            write,
            maintenance,
            wal_restart_at: WAL_RESTART_AT,
            group: Arc::default(),
        })
    }

    /// Copy committed WAL pages into the database without blocking readers or the writer
    /// (`PRAGMA wal_checkpoint(PASSIVE)`), so the WAL stays small. Failures are logged: the next
    /// call retries.
    ///
    /// A passive checkpoint never waits, so under sustained writes beside reads the WAL may not
    /// start over from its beginning (SQLite restarts it only when no reader still uses it) and
    /// grows: at 1 000 000 exchanges, 30 s of Entra cycles grew it to 2.5 GiB. When it holds more
    /// than [`WAL_RESTART_AT`], the checkpoint waits for the readers in progress and makes the
    /// next write start the WAL over (`RESTART`): a pause of the writes of tens of milliseconds,
    /// once per that much written. It waits at most [`CHECKPOINT_WAIT`] for readers (writes wait for the writer's slot behind it):
    /// a longer read (an export) makes it give up until the next call.
    pub async fn checkpoint(&self) {
        let frames = match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&self.maintenance)
            .await
        {
            Ok((_busy, frames, _copied)) => frames,
            Err(e) => {
                tracing::warn!(error = %e, "wal checkpoint failed");
                return;
            }
        };
        if frames.saturating_mul(WAL_FRAME_BYTES) > self.wal_restart_at {
            // Writes come one after another under load: SQLite's busy handler seldom catches
            // the write lock free between two of them, and the WAL grew past 300 MiB. Holding
            // the writer's slot makes the next write wait here instead (once per
            // WAL_RESTART_AT written), and the checkpoint waits only for readers.
            let result = tokio::time::timeout(BUSY_TIMEOUT, async {
                let _writes_wait = self.writer_slot().await?;
                sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .execute(&self.maintenance)
                    .await
            })
            .await;
            match result {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "could not start the wal over"),
                Err(_) => {
                    tracing::warn!("starting the wal over waited too long for readers; next time");
                }
            }
        }
    }

    /// Copy the whole WAL into the database and truncate it to zero bytes
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), waiting for readers at most [`CHECKPOINT_WAIT`]
    /// (else the WAL stays until the next quiet spell); the capture writer calls it after a quiet
    /// spell. Failures are logged.
    pub async fn truncate_wal(&self) {
        let result = tokio::time::timeout(
            BUSY_TIMEOUT,
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.maintenance),
        )
        .await;
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not truncate the wal"),
            Err(_) => tracing::warn!("truncating the wal waited too long for readers; next time"),
        }
    }

    /// Erase what deleted rows left in the file (`VACUUM`, then a checkpoint that truncates the
    /// WAL): after a reset, no deleted user or request can be read from the database file's
    /// free pages. Waits for the writer's turn like any write; failures are logged.
    pub async fn reclaim(&self) {
        for sql in ["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"] {
            let result = match self.writer_slot().await {
                Ok(mut conn) => sqlx::query(sql).execute(&mut *conn).await.map(drop),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, statement = sql, "could not reclaim the database file's free space");
                return;
            }
        }
    }

    /// Whether [`Store::close`] was called (long readers stop early: closing waits for them).
    pub fn is_closed(&self) -> bool {
        self.read.is_closed()
    }

    /// A reader session: a connection that sees every committed write.
    pub async fn read(&self) -> Result<Reader> {
        Ok(Reader(Conn::Sqlite(SqliteLease(self.read.lease().await?))))
    }

    /// The writer's session, its transaction begun: nothing it writes is visible until
    /// [`Writer::commit`] returns; dropped without it, everything it wrote is rolled back.
    ///
    /// While other sessions commit into a group (`group.rs`), this one joins it: its writes go
    /// into a savepoint of the group's transaction. Otherwise `BEGIN IMMEDIATE` takes SQLite's
    /// write lock at once, waiting for it (busy timeout) while a checkpoint that waits (RESTART,
    /// TRUNCATE) holds it. A deferred `BEGIN` would take it at the first write, after the
    /// session's reads (a PATCH reads the user first): SQLite does not wait for a lock it could
    /// deadlock on, so that write failed at once with `SQLITE_BUSY` (a `503`) whenever a
    /// checkpoint happened to hold the lock.
    pub async fn write(&self) -> Result<Writer> {
        let mut lease = {
            let _waiting = self.group.waiting();
            self.write.lease().await?
        };
        let joined = self.group.is_open();
        let begin = if joined {
            None
        } else {
            Some("BEGIN IMMEDIATE".into())
        };
        SqliteTransactionManager::begin(&mut lease, begin).await?;
        Ok(Writer {
            conn: Some(Conn::Sqlite(SqliteLease(lease))),
            open: true,
            sqlite: Some(SqliteWriting {
                joined,
                group: self.group.clone(),
                slots: self.write.clone(),
            }),
        })
    }

    /// The writer's connection itself, outside any session, once a group left open is committed
    /// (for what cannot run inside a transaction).
    async fn writer_slot(&self) -> std::result::Result<slots::Lease, sqlx::Error> {
        let mut lease = self.write.lease().await?;
        self.group.settle(&mut lease).await;
        Ok(lease)
    }

    /// Close every connection (waiting for the sessions in progress), flushing the WAL.
    pub async fn close(&self) {
        // A group left open is committed before the connections close (its sessions wait).
        let _ = self.writer_slot().await;
        self.read.close().await;
        self.maintenance.close().await;
        self.write.close().await;
        self.group.abandon();
    }
}

/// The store of one workspace: a SQLite file (the desktop app and `serve` by default) or a
/// PostgreSQL schema (`serve --database-url`). Everything outside the store holds this and opens
/// sessions on it; what only one backend has (SQLite's WAL upkeep) is a no-op on the other.
#[derive(Clone, Debug)]
pub enum Store {
    /// One SQLite file.
    Sqlite(SqliteStore),
    /// One schema of a PostgreSQL database.
    Postgres(pg::PgStore),
}

impl Store {
    /// Open (creating when missing) the SQLite database at `path` and apply migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        Ok(Store::Sqlite(SqliteStore::open(path).await?))
    }

    /// Connect to the PostgreSQL database at `url`, creating and migrating `schema`.
    pub async fn open_postgres(url: &str, schema: &str, connections: u32) -> Result<Self> {
        Ok(Store::Postgres(
            pg::PgStore::open(url, schema, connections).await?,
        ))
    }

    /// Which database holds the data: `sqlite` or `postgresql` (health, metrics).
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgresql",
        }
    }

    /// A reader session: a connection that sees every committed write.
    pub async fn read(&self) -> Result<Reader> {
        match self {
            Store::Sqlite(s) => s.read().await,
            Store::Postgres(p) => Ok(Reader(Conn::Postgres(p.read().await?))),
        }
    }

    /// The writer's session, its transaction begun: nothing it writes is visible until
    /// [`Writer::commit`] returns; dropped without it, everything it wrote is rolled back.
    pub async fn write(&self) -> Result<Writer> {
        match self {
            Store::Sqlite(s) => s.write().await,
            Store::Postgres(p) => Ok(Writer::postgres(p.write().await?)),
        }
    }

    /// SQLite: copy committed WAL pages into the file ([`SqliteStore::checkpoint`]).
    pub async fn checkpoint(&self) {
        if let Store::Sqlite(s) = self {
            s.checkpoint().await;
        }
    }

    /// SQLite: copy the whole WAL into the file and truncate it ([`SqliteStore::truncate_wal`]).
    pub async fn truncate_wal(&self) {
        if let Store::Sqlite(s) = self {
            s.truncate_wal().await;
        }
    }

    /// Erase what deleted rows left behind, so no deleted user or request can be read from
    /// free space (after a reset).
    pub async fn reclaim(&self) {
        match self {
            Store::Sqlite(s) => s.reclaim().await,
            Store::Postgres(p) => p.reclaim().await,
        }
    }

    /// Whether [`Store::close`] was called (long readers stop early: closing waits for them).
    pub fn is_closed(&self) -> bool {
        match self {
            Store::Sqlite(s) => s.is_closed(),
            Store::Postgres(p) => p.is_closed(),
        }
    }

    /// Close every connection (waiting for the sessions in progress).
    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(p) => p.close().await,
        }
    }

    /// The PostgreSQL store, when the data is in one (for what only it does: [`crate::relay`]).
    pub fn postgres(&self) -> Option<&pg::PgStore> {
        match self {
            Store::Postgres(p) => Some(p),
            Store::Sqlite(_) => None,
        }
    }

    /// The SQLite store, for what only a file can do (a copy of it, its page sizes).
    fn sqlite(&self, what: &'static str) -> Result<&SqliteStore> {
        match self {
            Store::Sqlite(s) => Ok(s),
            Store::Postgres(_) => Err(StoreError::Unsupported(what)),
        }
    }

    /// Write a consistent copy of the workspace to the SQLite file `dest`, which must not exist:
    /// the file itself ([`SqliteStore::copy_to`]), or a schema's rows from one snapshot
    /// ([`pg::PgStore::copy_to`]).
    pub async fn copy_to(&self, dest: &Path) -> Result<()> {
        match self {
            Store::Sqlite(s) => s.copy_to(dest).await,
            Store::Postgres(p) => p.copy_to(dest).await,
        }
    }

    /// What the capture log takes on disk (SQLite; see [`SqliteStore::exchange_footprint`]).
    pub async fn exchange_footprint(&self) -> Result<exchanges::ExchangeFootprint> {
        self.sqlite("measuring the capture log's pages")?
            .exchange_footprint()
            .await
    }

    /// Every captured exchange's evidence, inflated (SQLite; see
    /// [`SqliteStore::evidence_plaintext`]).
    pub async fn evidence_plaintext(&self) -> Result<Vec<u8>> {
        self.sqlite("reading the evidence in plain text")?
            .evidence_plaintext()
            .await
    }
}

/// The database's files, private to their owner (they hold the SCIM key and people's data):
/// create the database file `0600` before SQLite does (it would use `0644` less the umask), and
/// take group and other access from an existing one and its `-wal`/`-shm`. SQLite creates the
/// `-wal` and `-shm` files with the database file's mode, so they are `0600` too. A file this
/// user does not own keeps its mode (with a warning).
#[cfg(unix)]
fn restrict_files(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            let private = std::fs::Permissions::from_mode(mode & 0o700);
            match std::fs::set_permissions(&file, private) {
                Ok(()) => {
                    tracing::info!(file = %file.display(), "made the database file private to its owner (mode 0600)");
                }
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "could not make the database file private to its owner");
                }
            }
        }
    }
    Ok(())
}

/// Map a unique-index violation to [`StoreError::Conflict`], anything else to `Sqlx`.
pub(crate) fn conflict_or(err: sqlx::Error, field: &'static str, value: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        return StoreError::Conflict {
            field,
            value: value.to_owned(),
        };
    }
    StoreError::Sqlx(err)
}

/// SQLite's connection, the type the SQLite backend implements the store traits on.
pub(crate) type SqliteConn = SqliteConnection;

/// The session type code outside the store works with (`&mut Conn`, calling trait methods on
/// it): a connection of either backend, each trait method dispatched to that backend's
/// implementation (`dispatch.rs`).
pub enum Conn {
    /// A SQLite connection lent by the store's slots.
    Sqlite(SqliteLease),
    /// A PostgreSQL connection, or the writer's transaction on one.
    Postgres(pg::PgSession),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conn::Sqlite(_) => "Conn::Sqlite",
            Conn::Postgres(_) => "Conn::Postgres",
        })
    }
}

#[cfg(test)]
impl Conn {
    /// The SQLite connection underneath (tests that read a table directly).
    pub(crate) fn sqlite(&mut self) -> &mut SqliteConnection {
        match self {
            Conn::Sqlite(lease) => lease,
            Conn::Postgres(_) => panic!("a sqlite connection was expected"),
        }
    }
}

/// A SQLite connection lent by the store's slots (see [`Conn`]); back to them when dropped.
pub struct SqliteLease(slots::Lease);

impl std::ops::Deref for SqliteLease {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.0
    }
}
impl std::ops::DerefMut for SqliteLease {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.0
    }
}

/// A reader session (see [`Store::read`]).
pub struct Reader(Conn);

/// The writer's session: one transaction — on SQLite, or a savepoint in a group's (see
/// [`SqliteStore::write`]); on PostgreSQL, a transaction holding the workspace's write lock.
pub struct Writer {
    /// Taken by `commit` (a group's session gives the connection to the next one).
    conn: Option<Conn>,
    /// The session's writes are neither committed nor rolled back yet.
    open: bool,
    /// SQLite's group commit (`None` on PostgreSQL).
    sqlite: Option<SqliteWriting>,
}

/// What a SQLite writer session needs of its store to commit.
struct SqliteWriting {
    /// The session runs in a savepoint of a group's transaction.
    joined: bool,
    group: Arc<group::Group>,
    slots: Arc<slots::Slots>,
}

impl Writer {
    /// A PostgreSQL writer session (see [`pg::PgStore::write`]).
    fn postgres(session: pg::PgSession) -> Self {
        Writer {
            conn: Some(Conn::Postgres(session)),
            open: true,
            sqlite: None,
        }
    }

    /// Commit the session's writes: `Ok` once they are durable (on SQLite with its group's, if
    /// it joined or left one; see `group.rs`).
    pub async fn commit(mut self) -> Result<()> {
        let conn = self
            .conn
            .take()
            .expect("a writer holds its connection until commit");
        self.open = false;
        match (conn, self.sqlite.take()) {
            (Conn::Sqlite(SqliteLease(mut lease)), Some(sqlite)) => {
                if sqlite.joined
                    && let Err(e) = SqliteTransactionManager::commit(&mut lease).await
                {
                    // The savepoint could not be released: undo it, the group's other writes stay.
                    SqliteTransactionManager::start_rollback(&mut lease);
                    return Err(e.into());
                }
                sqlite
                    .group
                    .commit(lease, &sqlite.slots)
                    .await
                    .map_err(|f| StoreError::GroupCommit {
                        message: f.message.to_string(),
                        busy: f.busy,
                    })
            }
            (Conn::Postgres(session), _) => session.commit().await,
            (Conn::Sqlite(_), None) => unreachable!("a sqlite writer keeps its group"),
        }
    }

    /// Undo everything this session wrote (dropping it does the same, later). A session in a
    /// group undoes only its own writes.
    pub async fn rollback(mut self) -> Result<()> {
        self.open = false;
        match self
            .conn
            .take()
            .expect("a writer holds its connection until commit")
        {
            Conn::Sqlite(SqliteLease(mut lease)) => {
                Ok(SqliteTransactionManager::rollback(&mut lease).await?)
            }
            Conn::Postgres(session) => session.rollback().await,
        }
    }

    fn conn(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a writer holds its connection until commit")
    }

    fn conn_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a writer holds its connection until commit")
    }
}

impl Drop for Writer {
    /// Dropped while its writes are open (an error, a cancelled request): on SQLite the
    /// rollback (to the session's savepoint, in a group) is queued on the connection's thread,
    /// before anything the next session sends; PostgreSQL's transaction rolls back when dropped.
    fn drop(&mut self) {
        if self.open
            && let Some(Conn::Sqlite(lease)) = self.conn.as_mut()
        {
            SqliteTransactionManager::start_rollback(lease);
        }
    }
}

impl std::ops::Deref for Reader {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}
impl std::ops::DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}
impl std::ops::Deref for Writer {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn()
    }
}
impl std::ops::DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn_mut()
    }
}

impl api::Commit for Writer {
    async fn commit(self) -> Result<()> {
        Writer::commit(self).await
    }
}

impl api::Backend for Store {
    type Conn = Conn;
    type Reader = Reader;
    type Writer = Writer;
    async fn reader(&self) -> Result<Reader> {
        self.read().await
    }
    async fn writer(&self) -> Result<Writer> {
        self.write().await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::store::prelude::*;
    use scimlab_scim::ResourceKind;
    use sqlx::ConnectOptions;

    /// The WAL's frames now (a passive checkpoint reports them).
    async fn wal_frames(store: &SqliteStore) -> i64 {
        let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&store.maintenance)
            .await
            .unwrap();
        frames
    }

    /// Wait until `n` sessions wait for the writer.
    async fn until_waiting(store: &SqliteStore, n: usize) {
        for _ in 0..500 {
            if store.group.waiting_now() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("{n} sessions never waited for the writer");
    }

    async fn setting_of(store: &SqliteStore, key: &str) -> Option<String> {
        store.read().await.unwrap().setting(key).await.unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_sessions_commit_in_groups_and_each_sees_its_write_once_committed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).await.unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut w = store.write().await.unwrap();
                    w.set_setting(&format!("k{i}"), &i.to_string())
                        .await
                        .unwrap();
                    w.commit().await.unwrap();
                    // Acknowledged: any reader sees it from now on.
                    assert_eq!(
                        setting_of(&store, &format!("k{i}")).await,
                        Some(i.to_string())
                    );
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let groups = store.group.groups_opened();
        assert!(groups > 0, "200 sessions at once formed no group");
        assert!(!store.group.is_open());
    }

    #[tokio::test]
    async fn a_session_that_fails_in_a_group_undoes_only_its_own_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).await.unwrap();
        let mut first = store.write().await.unwrap();
        let failing = tokio::spawn({
            let store = store.clone();
            async move {
                let mut w = store.write().await.unwrap();
                w.set_setting("failed", "x").await.unwrap();
                // An error in the handler: the session is dropped without a commit.
                drop(w);
            }
        });
        until_waiting(&store, 1).await;
        let last = tokio::spawn({
            let store = store.clone();
            async move {
                // Waits behind the failing one; no one waits after it: it commits the group.
                let mut w = store.write().await.unwrap();
                w.set_setting("last", "3").await.unwrap();
                w.commit().await.unwrap();
            }
        });
        until_waiting(&store, 2).await;
        first.set_setting("first", "1").await.unwrap();
        // Two wait for the writer: the first session leaves the transaction open for them,
        // and its commit returns once theirs made the group durable.
        first.commit().await.unwrap();
        assert_eq!(setting_of(&store, "first").await.as_deref(), Some("1"));
        failing.await.unwrap();
        last.await.unwrap();
        assert_eq!(setting_of(&store, "first").await.as_deref(), Some("1"));
        assert_eq!(setting_of(&store, "failed").await, None);
        assert_eq!(setting_of(&store, "last").await.as_deref(), Some("3"));
        assert_eq!(store.group.groups_opened(), 1);
    }

    #[tokio::test]
    async fn a_duplicate_in_the_same_group_is_a_conflict_and_the_first_stays() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).await.unwrap();
        let attrs = |name: &str| {
            let mut m = serde_json::Map::new();
            m.insert("userName".into(), serde_json::json!(name));
            m
        };
        let mut first = store.write().await.unwrap();
        let second = tokio::spawn({
            let store = store.clone();
            let attrs = attrs("Ada@Example.com");
            async move {
                let mut w = store.write().await.unwrap();
                let id = crate::model::ResourceId::generate();
                let r = w
                    .insert_resource(ResourceKind::User, &id, &attrs, "t")
                    .await;
                (r.map(|_| ()), w.commit().await)
            }
        });
        until_waiting(&store, 1).await;
        let id = crate::model::ResourceId::generate();
        first
            .insert_resource(ResourceKind::User, &id, &attrs("ada@example.com"), "t")
            .await
            .unwrap();
        first.commit().await.unwrap();
        let (inserted, committed) = second.await.unwrap();
        assert!(
            matches!(
                inserted,
                Err(StoreError::Conflict {
                    field: "userName",
                    ..
                })
            ),
            "{inserted:?}"
        );
        committed.unwrap();
        let mut r = store.read().await.unwrap();
        assert!(r.resource(ResourceKind::User, &id).await.unwrap().is_some());
        assert_eq!(store.group.groups_opened(), 1);
    }

    #[tokio::test]
    async fn a_group_whose_waiting_session_went_away_is_committed_all_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).await.unwrap();
        let mut first = store.write().await.unwrap();
        // A request that waits for the writer, then is dropped (its client hung up).
        let gone = tokio::spawn({
            let store = store.clone();
            async move {
                let _w = store.write().await.unwrap();
                std::future::pending::<()>().await;
            }
        });
        until_waiting(&store, 1).await;
        first.set_setting("first", "1").await.unwrap();
        let committing = tokio::spawn(first.commit());
        gone.abort();
        tokio::time::timeout(Duration::from_secs(5), committing)
            .await
            .expect("the group is committed without the session that went away")
            .unwrap()
            .unwrap();
        assert_eq!(setting_of(&store, "first").await.as_deref(), Some("1"));
        // The writer is free again and a new session starts its own transaction.
        let mut w = store.write().await.unwrap();
        w.set_setting("after", "2").await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(setting_of(&store, "after").await.as_deref(), Some("2"));
    }

    #[tokio::test]
    async fn a_database_from_a_newer_scimlab_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        let store = SqliteStore::open(&path).await.unwrap();
        store.close().await;
        let mut other = SqliteConnectOptions::from_str("sqlite:")
            .unwrap()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
             VALUES (9999, 'from a newer scimlab', '2027-01-01', 1, x'00', 0)",
        )
        .execute(&mut other)
        .await
        .unwrap();
        sqlx::Connection::close(other).await.unwrap();
        let refused = SqliteStore::open(&path).await.unwrap_err();
        assert!(
            matches!(refused, StoreError::NewerSchema { found: 9999, known } if known > 0 && known < 9999),
            "{refused:?}"
        );
        let message = refused.to_string();
        assert!(
            message.contains("newer scimlab") && message.contains("restore a backup"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_write_session_that_reads_first_waits_for_a_checkpoint_holding_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let mut w = store.write().await.unwrap();
        w.set_setting("k", "1").await.unwrap();
        w.commit().await.unwrap();
        // Another connection holds SQLite's write lock for 300 ms, as a RESTART or TRUNCATE
        // checkpoint does while it waits for readers.
        let mut other = SqliteConnectOptions::from_str("sqlite:")
            .unwrap()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            sqlx::query("COMMIT").execute(&mut other).await.unwrap();
        });
        // A PATCH's shape: read, then write, in one session. It waits, then succeeds.
        let mut w = store.write().await.unwrap();
        let old = w.setting("k").await.unwrap();
        w.set_setting("k", &format!("{}2", old.unwrap()))
            .await
            .unwrap();
        w.commit().await.unwrap();
        release.await.unwrap();
        let mut r = store.read().await.unwrap();
        assert_eq!(r.setting("k").await.unwrap().as_deref(), Some("12"));
    }

    #[tokio::test]
    async fn a_wal_past_its_limit_starts_over_once_no_reader_holds_it_and_never_stalls_writes_long()
    {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
        store.wal_restart_at = 256 * 1024;
        let big = "x".repeat(64 * 1024);
        let write = |from: usize, n: usize| {
            let (store, big) = (store.clone(), big.clone());
            async move {
                for i in from..from + n {
                    let mut w = store.write().await.unwrap();
                    w.set_setting(&format!("k{i}"), &format!("{big}{i}"))
                        .await
                        .unwrap();
                    w.commit().await.unwrap();
                }
            }
        };
        write(0, 4).await;
        // A reader in the middle of a long read pins the WAL: no checkpoint can finish.
        let mut reader = store.read().await.unwrap();
        sqlx::query("BEGIN").execute(reader.sqlite()).await.unwrap();
        let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settings")
            .fetch_one(reader.sqlite())
            .await
            .unwrap();
        write(4, 16).await;
        let before = wal_frames(&store).await;
        assert!(
            before * WAL_FRAME_BYTES > store.wal_restart_at,
            "{before} frames"
        );
        // Past the limit, but the reader stays: the checkpoint gives up after a short wait
        // (writes wait behind it meanwhile) instead of the 10 s of the connections' timeout.
        let started = std::time::Instant::now();
        store.checkpoint().await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        write(20, 1).await;
        assert!(
            wal_frames(&store).await > before,
            "still pinned: the wal grew"
        );
        // Given time to wait, the checkpoint outlasts the reader (done 200 ms later): past the
        // limit, it waits for it (a passive one cannot), and the next write starts the WAL over.
        sqlx::query("PRAGMA busy_timeout = 5000")
            .execute(&store.maintenance)
            .await
            .unwrap();
        let done_reading = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            sqlx::query("COMMIT")
                .execute(reader.sqlite())
                .await
                .unwrap();
        });
        store.checkpoint().await;
        done_reading.await.unwrap();
        write(21, 1).await;
        let after = wal_frames(&store).await;
        assert!(
            after < 40,
            "the wal started over: {before} frames, then {after}"
        );
        let mut r = store.read().await.unwrap();
        assert!(
            r.setting("k21")
                .await
                .unwrap()
                .is_some_and(|v| v.ends_with("21"))
        );
    }
}

/// Helpers for tests elsewhere in the engine that fill the store or make it misbehave (SQL stays in
/// `store/`).
#[cfg(test)]
pub(crate) mod testing {
    use super::{SqliteStore, Store};

    fn sqlite(store: &Store) -> &SqliteStore {
        match store {
            Store::Sqlite(s) => s,
            Store::Postgres(_) => panic!("this test helper drives sqlite"),
        }
    }

    /// Make the writer refuse (`on`) or accept writes again, as a full or locked disk would.
    pub(crate) async fn set_read_only(store: &Store, on: bool) {
        let mut conn = sqlite(store).writer_slot().await.unwrap();
        sqlx::query(if on {
            "PRAGMA query_only = ON"
        } else {
            "PRAGMA query_only = OFF"
        })
        .execute(&mut *conn)
        .await
        .unwrap();
    }

    /// Take the connection checkpoints run on, as a checkpoint that takes long would: until the
    /// guard is dropped, every [`Store::checkpoint`] waits.
    pub(crate) async fn hold_checkpoints(
        store: &Store,
    ) -> sqlx::pool::PoolConnection<sqlx::Sqlite> {
        sqlite(store).maintenance.acquire().await.unwrap()
    }

    /// Store a batch of captured exchanges as the capture writer does, in one committed
    /// transaction with retention `retention`; their ids, in order.
    pub(crate) async fn insert_exchanges(
        store: &Store,
        batch: &[crate::model::Exchange],
        retention: i64,
    ) -> Vec<i64> {
        use super::prelude::*;
        let mut w = store.write().await.unwrap();
        let ids = w.insert_exchanges(batch, retention).await.unwrap();
        w.commit().await.unwrap();
        ids
    }
}
