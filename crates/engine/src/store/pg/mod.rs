//! The PostgreSQL backend: the store API of [`super::api`] on a PostgreSQL database through sqlx,
//! passing the same contract suite as SQLite (`store/contract.rs`).
//!
//! **Workspaces are schemas.** Where SQLite keeps one file per workspace, PostgreSQL keeps one
//! schema per workspace in one database: every connection of a [`PgStore`] has its schema as
//! `search_path`, so the SQL is the same for every workspace and nothing of one workspace can be
//! read through another's store. The schema is created and migrated by [`PgStore::open`]
//! (`migrations-pg/`, tracked per schema), under an advisory lock so that instances starting
//! together migrate once.
//!
//! **Writes are serialised per workspace.** A writer session is a transaction that first takes
//! the workspace's transaction-scoped advisory lock: writes to one workspace commit one after
//! another across every instance on the database, as SQLite's single writer does. That keeps
//! the promises the readers rely on — the change feed's `seq` and exchange ids grow in commit
//! order, so a cursor never skips a row committed late — and makes a read-modify-write (PATCH)
//! safe without row locks. Readers take no lock and see every committed write.
//!
//! The trait implementations live beside this module, one file per trait group, on
//! [`sqlx::PgConnection`]; they share the row decoding of the SQLite modules where the row
//! is the same.

mod admin;
mod admin_users;
mod audit;
mod exchanges;
mod fault_budgets;
mod mapping;
mod members;
mod outlines;
mod resources;
mod scan;
mod settings;
mod sign_in;
mod user_list;
mod workspaces;

pub(super) use resources::storable;

use super::{BUSY_TIMEOUT, Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};
use std::str::FromStr;

/// The connection type the store traits are implemented on for PostgreSQL.
pub type PgConn = PgConnection;

/// Connections to one workspace's schema in a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    /// The workspace's schema (validated by [`schema_name`]).
    schema: String,
    /// The advisory lock every writer of this schema takes (see the module docs).
    write_lock: i64,
}

/// Why a URL or schema name cannot be used (lowercase; names the value and the fix).
#[derive(Debug, thiserror::Error)]
pub enum PgConfigError {
    /// The schema name is not a plain lowercase identifier.
    #[error(
        "invalid postgresql schema name '{0}': use 1 to 63 characters of a-z, 0-9 and _, starting with a letter or _"
    )]
    Schema(String),
}

/// Check that `name` can name a schema without quoting surprises: lowercase ASCII letters,
/// digits and `_`, not starting with a digit, at most 63 bytes (PostgreSQL's limit).
pub fn schema_name(name: &str) -> std::result::Result<&str, PgConfigError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.starts_with("pg_")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(PgConfigError::Schema(name.to_owned()))
    }
}

/// `url` with its password (if any) replaced by `***`, for messages and logs.
pub fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        // Not a URL sqlx could use either; say nothing of what it holds past the scheme.
        Err(_) => match url.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => "(not a url)".to_owned(),
        },
    }
}

/// A 64-bit advisory lock key for `purpose` in `schema` (stable across processes and versions:
/// FNV-1a of the text).
fn lock_key(purpose: &str, schema: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in purpose.bytes().chain([0]).chain(schema.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

impl PgStore {
    /// Connect to the database at `url`, create the workspace's `schema` when missing, apply the
    /// migrations, and return the pool. `connections` bounds the pool.
    pub async fn open(url: &str, schema: &str, connections: u32) -> Result<Self> {
        let schema = schema_name(schema)
            .map_err(|e| StoreError::Sqlx(sqlx::Error::Configuration(Box::new(e))))?
            .to_owned();
        let options = PgConnectOptions::from_str(url)?;
        {
            // The schema and its migrations, once, whichever instance comes first.
            let mut conn = PgConnection::connect_with(&options).await?;
            let key = lock_key("scimlab migrate", &schema);
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(key)
                .execute(&mut conn)
                .await?;
            let created = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .execute(&mut conn)
                .await;
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(key)
                .execute(&mut conn)
                .await;
            conn.close().await.ok();
            created?;
            unlocked?;
        }
        // No JIT: ScimLab's statements are short, and a plan whose cost passes jit_above_cost
        // (a trigger's join with nested loops disabled did) spent ~300 ms compiling on each run.
        let options = options.options([("search_path", schema.as_str()), ("jit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(2))
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        let migrations = sqlx::migrate!("./migrations-pg");
        if let Err(e) = migrations.run(&pool).await {
            pool.close().await;
            return Err(match e {
                sqlx::migrate::MigrateError::VersionMissing(found) => StoreError::NewerSchema {
                    found,
                    known: migrations.iter().map(|m| m.version).max().unwrap_or(0),
                },
                other => other.into(),
            });
        }
        Ok(Self {
            pool,
            write_lock: lock_key("scimlab write", &schema),
            schema,
        })
    }

    /// The workspace's schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A reader session: a connection that sees every committed write.
    pub async fn read(&self) -> Result<PgSession> {
        Ok(PgSession::Pooled(self.pool.acquire().await?))
    }

    /// A writer session: a transaction holding the workspace's write lock (see the module
    /// docs). Nothing it writes is visible until [`PgSession::commit`]; dropped without it,
    /// everything is rolled back.
    pub async fn write(&self) -> Result<PgSession> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(self.write_lock)
            .execute(&mut *tx)
            .await?;
        Ok(PgSession::Transaction(tx))
    }

    /// A read-only transaction on one snapshot of the schema (`REPEATABLE READ`): every table
    /// read through it as of one moment, writers not held up (an export).
    pub async fn snapshot(&self) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Close every connection (waiting for the sessions in progress).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether [`PgStore::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// Rewrite the workspace's tables (`VACUUM FULL`) so that what deleted rows left in their
    /// pages is gone from the data files (after a reset). Takes the write lock meanwhile, like
    /// any write; failures are logged.
    pub async fn reclaim(&self) {
        let result = async {
            let mut conn = self.pool.acquire().await?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(self.write_lock)
                .execute(&mut *conn)
                .await?;
            let vacuumed = sqlx::query(
                "VACUUM FULL resources, group_members, exchanges, role_history, user_list, user_changes",
            )
            .execute(&mut *conn)
            .await;
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.write_lock)
                .execute(&mut *conn)
                .await?;
            vacuumed.map(drop)
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not reclaim the space of deleted rows");
        }
    }

    /// Drop the workspace's schema and everything in it (deleting a workspace), on a
    /// connection of its own (the store may be closed already).
    pub async fn drop_schema(&self) -> Result<()> {
        let options = self.pool.connect_options();
        let mut conn = PgConnection::connect_with(&options).await?;
        let dropped = sqlx::query(&format!(
            "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
            self.schema
        ))
        .execute(&mut conn)
        .await;
        conn.close().await.ok();
        dropped?;
        Ok(())
    }
}

/// Row ids at which a table of a young schema is analysed at once, in the write that reached
/// them. PostgreSQL caches a prepared statement's generic plan after a few runs, costed with the
/// statistics of that moment; a new schema has none until autovacuum's first `ANALYZE` (up to a
/// minute later), so a plan cached while a table held 20 rows could stay a scan: measured, a
/// userName lookup went from 48 µs to 2.4 ms at 10 000 users. `ANALYZE` makes every session
/// plan again with true counts; past these sizes autovacuum keeps the statistics current.
const ANALYZE_AT: [i64; 4] = [100, 1_000, 10_000, 100_000];

/// Analyse `tables` when one of `ids` (rows just inserted) is a size in [`ANALYZE_AT`]. Runs in
/// the writer's transaction (`ANALYZE` does not block readers or writers).
pub(super) async fn analyze_when_grown(conn: &mut PgConn, ids: &[i64], tables: &str) -> Result<()> {
    if ids.iter().any(|id| ANALYZE_AT.contains(id)) {
        sqlx::query(&format!("ANALYZE {tables}"))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The channel instances on one database tell each other their live events on (`relay.rs`).
pub const EVENTS_CHANNEL: &str = "scimlab_events";

/// Payloads past this many bytes are refused by `NOTIFY` (PostgreSQL's limit is 8000).
pub const NOTIFY_LIMIT: usize = 7900;

impl PgStore {
    /// Send `payload` to every instance listening on this database ([`PgStore::listen`]),
    /// at the next commit (at once: this runs outside any transaction).
    pub async fn notify(&self, payload: &str) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(EVENTS_CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Listen for what every instance on this database sends with [`PgStore::notify`].
    pub async fn listen(&self) -> Result<PgEvents> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(EVENTS_CHANNEL).await?;
        Ok(PgEvents(listener))
    }
}

/// Notifications from every instance on the database (see [`PgStore::listen`]).
pub struct PgEvents(sqlx::postgres::PgListener);

impl PgEvents {
    /// The next payload; `Ok(None)` when the connection was lost and has been re-established
    /// (notifications sent meanwhile are gone: the listener should make its readers resync).
    pub async fn next(&mut self) -> Result<Option<String>> {
        Ok(self.0.try_recv().await?.map(|n| n.payload().to_owned()))
    }
}

/// A session on PostgreSQL: a pooled connection (reader) or a transaction (writer).
pub enum PgSession {
    /// A reader: autocommit, sees every committed write.
    Pooled(PoolConnection<Postgres>),
    /// A writer's transaction.
    Transaction(Transaction<'static, Postgres>),
}

impl PgSession {
    /// Commit a writer's transaction (a reader has nothing to commit).
    pub async fn commit(self) -> Result<()> {
        match self {
            PgSession::Pooled(_) => Ok(()),
            PgSession::Transaction(tx) => Ok(tx.commit().await?),
        }
    }
    /// Roll a writer's transaction back.
    pub async fn rollback(self) -> Result<()> {
        match self {
            PgSession::Pooled(_) => Ok(()),
            PgSession::Transaction(tx) => Ok(tx.rollback().await?),
        }
    }
}

impl super::api::Commit for PgSession {
    async fn commit(self) -> Result<()> {
        PgSession::commit(self).await
    }
}

/// The PostgreSQL store on its own (its sessions are PostgreSQL connections): what its tests
/// drive; the engine holds it inside [`super::Store`].
impl super::api::Backend for PgStore {
    type Conn = PgConn;
    type Reader = PgSession;
    type Writer = PgSession;
    async fn reader(&self) -> Result<PgSession> {
        self.read().await
    }
    async fn writer(&self) -> Result<PgSession> {
        self.write().await
    }
}

impl std::ops::Deref for PgSession {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        match self {
            PgSession::Pooled(c) => c,
            PgSession::Transaction(tx) => tx,
        }
    }
}
impl std::ops::DerefMut for PgSession {
    fn deref_mut(&mut self) -> &mut PgConn {
        match self {
            PgSession::Pooled(c) => c,
            PgSession::Transaction(tx) => tx,
        }
    }
}

/// Whether a PostgreSQL error means the database cannot serve the request now (shutting down,
/// restarting, out of connections, the connection lost): the SCIM listener answers `503` with
/// `Retry-After`, and the pool reconnects for the next request.
pub(super) fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some_and(|pg| {
                matches!(
                    pg.code(),
                    // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections,
                    // serialization_failure, deadlock_detected, lock_not_available
                    "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01" | "55P03"
                ) || pg.code().starts_with("08")
            }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// `reltuples` of `table` in the store's schema: -1 until the table was first analysed.
    async fn estimated_rows(store: &PgStore, table: &str) -> f32 {
        sqlx::query_scalar(
            "SELECT reltuples FROM pg_class WHERE oid = (current_schema() || '.' || $1)::regclass",
        )
        .bind(table)
        .fetch_one(&store.pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_young_schema_is_analysed_when_its_tables_reach_100_rows() {
        use crate::store::api::{ExchangeStore, ResourceStore};
        let store = PgStore::open(
            scimlab_testdb::url(),
            &scimlab_testdb::fresh_schema("analyse"),
            2,
        )
        .await
        .unwrap();
        let user = |i: usize| {
            serde_json::json!({"userName": format!("u{i}@example.com")})
                .as_object()
                .unwrap()
                .clone()
        };
        // Autovacuum could analyse them meanwhile: not in this test.
        for table in ["resources", "user_list", "exchanges"] {
            sqlx::query(&format!(
                "ALTER TABLE {table} SET (autovacuum_enabled = false)"
            ))
            .execute(&store.pool)
            .await
            .unwrap();
        }
        let mut w = store.write().await.unwrap();
        for i in 0..99 {
            w.insert_resource(
                scimlab_scim::ResourceKind::User,
                &format!("id-{i}").into(),
                &user(i),
                "2026-12-07T00:00:00.000Z",
            )
            .await
            .unwrap();
        }
        let batch: Vec<_> = (0..99)
            .map(|i| {
                crate::checks::testkit::ex(
                    0,
                    crate::model::Idp::Entra,
                    "GET",
                    &format!("/scim/v2/Users/{i}"),
                    200,
                    crate::model::OperationKind::Read,
                )
            })
            .collect();
        w.insert_exchanges(&batch, 10_000).await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(estimated_rows(&store, "resources").await, -1.0, "not yet");
        assert_eq!(estimated_rows(&store, "exchanges").await, -1.0, "not yet");
        let mut w = store.write().await.unwrap();
        w.insert_resource(
            scimlab_scim::ResourceKind::User,
            &"id-99".into(),
            &user(99),
            "2026-12-07T00:00:00.000Z",
        )
        .await
        .unwrap();
        w.insert_exchanges(&batch[..2], 10_000).await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(estimated_rows(&store, "resources").await, 100.0);
        assert_eq!(estimated_rows(&store, "user_list").await, 100.0);
        assert!(estimated_rows(&store, "exchanges").await >= 100.0);
        store.drop_schema().await.unwrap();
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(schema_name("scimlab").is_ok());
        assert!(schema_name("ws_acme_2").is_ok());
        for bad in [
            "",
            "Acme",
            "a-b",
            "1ws",
            "pg_catalog",
            "a\"b",
            &"x".repeat(64),
        ] {
            let err = schema_name(bad).unwrap_err().to_string();
            assert!(
                err.contains("invalid postgresql schema name"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redacted_url("postgres://scim:s3cret@db.example:5432/scimlab"),
            "postgres://scim:***@db.example:5432/scimlab"
        );
        assert_eq!(
            redacted_url("postgres://scim@db.example/scimlab"),
            "postgres://scim@db.example/scimlab"
        );
        assert!(!redacted_url("postgres://a:b c@%%%").contains("b c"));
    }

    #[test]
    fn lock_keys_differ_per_schema_and_purpose() {
        assert_ne!(
            lock_key("scimlab write", "a"),
            lock_key("scimlab write", "b")
        );
        assert_ne!(
            lock_key("scimlab write", "a"),
            lock_key("scimlab migrate", "a")
        );
        assert_eq!(
            lock_key("scimlab write", "a"),
            lock_key("scimlab write", "a")
        );
    }
}
