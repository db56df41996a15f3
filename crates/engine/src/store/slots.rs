//! Connection slots: the readers' and the writer's SQLite connections, lent one session at a time.
//!
//! sqlx's pool pings every connection it takes back (a round trip to the connection's own
//! thread, meant for network databases whose peer may have hung up). A file on this machine
//! cannot hang up, and on the 2-core bench machine each round trip costs about 45 µs of CPU —
//! a fifth of a SCIM create's. Slots hand out and take back connections with a semaphore and a
//! list, nothing more. A session dropped in the middle of a statement leaves nothing behind:
//! each connection's thread runs its commands in order, and a writer's unfinished transaction
//! is rolled back before the connection's next command (see `Writer`'s `Drop`).

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A fixed number of connections to one database, lent one at a time.
#[derive(Debug)]
pub(super) struct Slots {
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Arc<Semaphore>,
    size: u32,
    closed: AtomicBool,
    wait: Duration,
}

impl Slots {
    /// Open `size` connections with `options`; a lease waits at most `wait` for one.
    pub(super) async fn open(
        options: &SqliteConnectOptions,
        size: u32,
        wait: Duration,
    ) -> Result<Arc<Self>, sqlx::Error> {
        let mut idle = Vec::with_capacity(size as usize);
        for _ in 0..size {
            idle.push(options.connect().await?);
        }
        Ok(Arc::new(Self {
            idle: Mutex::new(idle),
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
            closed: AtomicBool::new(false),
            wait,
        }))
    }

    /// A connection for one session: `PoolTimedOut` after the wait, `PoolClosed` once closed
    /// (both count as busy: the SCIM listener answers `503`).
    pub(super) async fn lease(self: &Arc<Self>) -> Result<Lease, sqlx::Error> {
        if self.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        self.lend(permit)
    }

    /// A connection for the task that commits a group left open (`group.rs`): waits as long as
    /// it takes, also once [`Slots::close`] was called (closing waits for it); `PoolClosed` once
    /// the connections are gone.
    pub(super) async fn lease_while_closing(self: &Arc<Self>) -> Result<Lease, sqlx::Error> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        self.lend(permit)
    }

    /// The connection that goes with `permit`.
    fn lend(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Result<Lease, sqlx::Error> {
        let conn = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .ok_or(sqlx::Error::PoolClosed)?;
        Ok(Lease {
            conn: Some(conn),
            slots: self.clone(),
            _permit: permit,
        })
    }

    /// Whether [`Slots::close`] was called.
    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Stop lending, wait for every lent connection to come back, and close them all.
    pub(super) async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let Ok(all) = self.permits.acquire_many(self.size).await else {
            return;
        };
        self.permits.close();
        let conns = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for conn in conns {
            if let Err(e) = conn.close().await {
                tracing::warn!(error = %e, "could not close a database connection cleanly");
            }
        }
        drop(all);
    }
}

/// One lent connection; back to its slots when dropped.
#[derive(Debug)]
pub(super) struct Lease {
    conn: Option<SqliteConnection>,
    slots: Arc<Slots>,
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for Lease {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl std::ops::DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.slots
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
    }
}
