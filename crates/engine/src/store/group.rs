//! Group commit: the writer's sessions share one SQLite transaction while others wait for it.
//!
//! Every write session commits before its answer goes out (a `201` is on disk, in the WAL). One
//! commit per session cost a create about a fifth of the writer's work under load: the
//! `COMMIT` itself, the WAL frames of the pages every write dirties again (the indexes' and the
//! counters' pages, the change feed's last page), and the hand-offs to the connection's thread.
//! So a session that commits while others wait for the writer does not commit alone: it
//! releases its savepoint and leaves the transaction open for the next session, which runs in
//! a savepoint of its own. The last session of the group (no one waiting) commits everyone; a
//! task queued behind the waiting sessions commits the group should none of them do it (a
//! request dropped while it waited). Each session's `commit()` returns once the group's
//! `COMMIT` did, with its outcome: nothing is acknowledged before it is durable, and a failed
//! `COMMIT` fails every session in it (none of their writes stays).
//!
//! A session that fails rolls back to its own savepoint: the others' writes stay. With no one
//! waiting (an IdP's steady trickle, the desktop's clicks), every session commits alone, as
//! before. Owned by `store` (the writer's session, `Writer`); nothing outside sees a group.

use super::slots::{Lease, Slots};
use sqlx::TransactionManager;
use sqlx::sqlite::SqliteTransactionManager;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::watch;

/// Most sessions in one group: bounds how long the first one waits for the group's commit.
const MOST_SESSIONS: usize = 64;

/// How a group's `COMMIT` ended, as each of its sessions learns it.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    /// The database's error, as text (each session gets its own copy).
    pub(super) message: Arc<str>,
    /// The database was busy or closing (the SCIM listener answers `503`).
    pub(super) busy: bool,
}

type Outcome = Option<Result<(), Failure>>;

/// The writer's group state (one per store).
#[derive(Debug, Default)]
pub(super) struct Group {
    open: Mutex<Option<Open>>,
    /// Sessions waiting for the writer's slot right now.
    waiting: AtomicUsize,
    /// Numbers the groups (a late committing task must not commit a later group).
    opened: AtomicUsize,
}

/// A transaction left open on the writer for the sessions to come.
#[derive(Debug)]
struct Open {
    number: usize,
    sessions: usize,
    done: watch::Sender<Outcome>,
}

/// Counts a session as waiting for the writer while it exists.
pub(super) struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Group {
    /// How many sessions wait for the writer now (tests).
    #[cfg(test)]
    pub(super) fn waiting_now(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// How many groups were opened so far (tests).
    #[cfg(test)]
    pub(super) fn groups_opened(&self) -> usize {
        self.opened.load(Ordering::Acquire)
    }

    /// Count the caller as waiting for the writer until the guard drops.
    pub(super) fn waiting(&self) -> Waiting<'_> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        Waiting(&self.waiting)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Open>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a group's transaction is open on the writer (the lease holder joins it).
    pub(super) fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    /// The session holding `lease` released its savepoint (or, first, wrote at the top of the
    /// transaction): commit now, or leave the transaction to the sessions waiting and learn
    /// the group's outcome later. Consumes the lease either way.
    pub(super) async fn commit(
        self: &Arc<Self>,
        mut lease: Lease,
        slots: &Arc<Slots>,
    ) -> Result<(), Failure> {
        let waited_for = {
            let mut open = self.lock();
            let others_wait = self.waiting.load(Ordering::Acquire) > 0;
            let room = open.as_ref().is_none_or(|o| o.sessions < MOST_SESSIONS);
            if others_wait && room {
                let first = open.is_none();
                let group = open.get_or_insert_with(|| Open {
                    number: self.opened.fetch_add(1, Ordering::AcqRel),
                    sessions: 0,
                    done: watch::channel(None).0,
                });
                group.sessions += 1;
                let outcome = group.done.subscribe();
                if first {
                    // Queued behind the sessions waiting now: they join, then it commits
                    // everyone, unless one of them found no one waiting and did.
                    tokio::spawn(commit_later(self.clone(), slots.clone(), group.number));
                }
                Some(outcome)
            } else {
                None
            }
        };
        match waited_for {
            Some(mut outcome) => {
                drop(lease);
                match outcome.wait_for(Option::is_some).await {
                    Ok(o) => o.clone().unwrap_or(Ok(())),
                    Err(_) => Err(Failure {
                        message: "the group's commit was abandoned".into(),
                        busy: true,
                    }),
                }
            }
            None => self.commit_now(&mut lease).await,
        }
    }

    /// `COMMIT` on `lease` (the transaction at its top level), and tell the group's sessions.
    async fn commit_now(&self, lease: &mut Lease) -> Result<(), Failure> {
        let result = SqliteTransactionManager::commit(lease).await.map_err(|e| {
            let message = format!("the commit failed ({e})");
            let busy = super::StoreError::from(e).is_busy();
            Failure {
                message: message.into(),
                busy,
            }
        });
        let result = match result {
            Ok(()) => Ok(()),
            Err(mut failure) => {
                // Whatever SQLite kept of the transaction goes; the connection starts clean.
                if let Err(e) = SqliteTransactionManager::rollback(lease).await {
                    tracing::warn!(error = %e, "rollback after a failed commit failed");
                }
                failure.message = format!("{}: nothing of it was written", failure.message).into();
                Err(failure)
            }
        };
        if let Some(group) = self.lock().take() {
            group.done.send_replace(Some(result.clone()));
        }
        result
    }

    /// With `lease` held: commit the group left open, if any (before something that must not
    /// run inside its transaction: a checkpoint that restarts the WAL, `VACUUM`, closing).
    pub(super) async fn settle(&self, lease: &mut Lease) {
        if self.is_open() {
            let _ = self.commit_now(lease).await;
        }
    }

    /// The writer closed with a group still open (its transaction rolled back with the
    /// connection): its sessions learn that nothing of theirs was written.
    pub(super) fn abandon(&self) {
        if let Some(group) = self.lock().take() {
            group.done.send_replace(Some(Err(Failure {
                message: "the database closed before the commit: nothing was written".into(),
                busy: true,
            })));
        }
    }
}

/// Commit group `number` once the writer is free, if it is still open.
async fn commit_later(group: Arc<Group>, slots: Arc<Slots>, number: usize) {
    match slots.lease_while_closing().await {
        Ok(mut lease) => {
            if group.lock().as_ref().is_some_and(|o| o.number == number) {
                let _ = group.commit_now(&mut lease).await;
            }
        }
        Err(_) => group.abandon(),
    }
}
