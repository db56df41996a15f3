//! The capture writer: exchanges leave the request path through a bounded channel and are
//! written in batches, one transaction per batch, then announced on the event bus.
//!
//! Batching keeps SQLite's per-transaction cost off each request and turns a burst into a few
//! events. The channel is bounded (back-pressure rather than unbounded memory if the disk
//! stalls). On shutdown the senders are dropped, the task drains what is queued, writes it, and
//! ends; `Engine` awaits it, so a clean shutdown loses nothing.
//!
//! Rejected requests arrive differently (see [`super::fold`]): the first of each fold comes
//! through the channel like any exchange (but never waits for room: when the queue is full it
//! is not captured, and the writer logs how many were not), and later ones only bump a count in
//! the shared fold table and wake the writer, which adds the counts to the stored folds in its
//! next batch. A batch that fails to store (a locked or full disk) is retried with backoff, a
//! bounded number of times, before it is given up with an error in the log.

use super::fold::{FoldKey, Folds, Pending};
use crate::events::{ChangedResource, EngineEvent, EventBus, latest_per_resource};
use crate::model::{Exchange, ExchangeSummary};
use crate::runtime::RuntimeSettings;
use crate::store::prelude::*;
use crate::store::{Store, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

/// Largest batch written in one transaction (small enough that a SCIM write waiting for the
/// shared writer connection waits milliseconds, not a long batch).
const MAX_BATCH: usize = 128;
/// How long the writer waits for more exchanges after the first of a batch.
const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// Exchanges queued before senders wait.
const QUEUE: usize = 8192;
/// Waits between attempts to store a batch that failed (about 4 s in all); after the last
/// one the batch is given up.
const RETRY_BACKOFF: [Duration; 5] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];
pub use crate::config::DEFAULT_REJECTED_RETENTION;

/// What the capture layer hands the writer.
#[derive(Debug)]
pub enum Captured {
    /// An authenticated exchange, captured whole; with `ack`, the request's answer waits for
    /// it to be committed (a write: no acknowledged write without its evidence).
    Exchange(Box<Exchange>, Option<oneshot::Sender<bool>>),
    /// A write's exchange, committed already with its write (its id set): only announced and
    /// learnt from here (see [`Sink::store_with_write`]).
    Stored(Box<Exchange>),
    /// Commit what is queued before this, then answer (see [`Sink::settle_earlier`]).
    Flush(oneshot::Sender<bool>),
    /// The first request of a new fold of rejected requests (its summary has `fold_count`).
    FoldStart {
        /// The fold's key in the table.
        key: FoldKey,
        /// The fold's identity in the table.
        fold: u64,
        /// The request, cut and redacted.
        exchange: Box<Exchange>,
    },
}

/// Least time between two passive checkpoints of the capture writer.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// How long the writer waits with nothing to write before it truncates the WAL.
pub const IDLE_CHECKPOINT: Duration = Duration::from_secs(2);

/// The capture layer's end of the writer: the queue and the fold table.
#[derive(Clone, Debug)]
pub struct Sink {
    tx: mpsc::Sender<Captured>,
    folds: Arc<Folds>,
    /// The retention in force (a write's exchange is stored beside it, pruning as a batch does).
    settings: Arc<RuntimeSettings>,
    /// Exchanges queued without waiting ([`Sink::exchange`]), and how many of them the writer
    /// has written since: a write waits for the difference ([`Sink::settle_earlier`]).
    sent: Arc<AtomicU64>,
    settled: Arc<AtomicU64>,
}

impl Sink {
    /// Queue an authenticated exchange, waiting for room (back-pressure). `false` when the
    /// writer has stopped.
    pub async fn exchange(&self, exchange: Exchange) -> bool {
        let sent = self
            .tx
            .send(Captured::Exchange(Box::new(exchange), None))
            .await
            .is_ok();
        if sent {
            self.sent.fetch_add(1, Ordering::AcqRel);
        }
        sent
    }

    /// Wait until every exchange queued before now is written (at most `wait`): a write calls
    /// it before it takes the store's writer, so that its exchange, stored in the write's own
    /// transaction ([`Sink::store_with_write`]), comes after those of the requests answered
    /// before it (an IdP's lookup, then its create), as the capture log's order promises.
    /// Returns at once when nothing is queued. Waiting here, before the write's transaction,
    /// holds nothing the writer needs.
    pub async fn settle_earlier(&self, wait: Duration) {
        if self.settled.load(Ordering::Acquire) >= self.sent.load(Ordering::Acquire) {
            return;
        }
        let (ack, done) = oneshot::channel();
        if self.tx.send(Captured::Flush(ack)).await.is_ok()
            && tokio::time::timeout(wait, done).await.is_err()
        {
            tracing::warn!(
                "earlier exchanges were not written within {wait:?}; a write goes ahead of them"
            );
        }
    }

    /// Reads how many captured exchanges wait for the writer (for `GET /metrics`), without
    /// keeping the writer's queue open.
    pub fn queue_probe(&self) -> crate::metrics::QueueProbe {
        let weak = self.tx.downgrade();
        Box::new(move || {
            weak.upgrade()
                .map_or(0, |tx| tx.max_capacity() - tx.capacity())
        })
    }

    /// Queue an authenticated exchange and wait until it is committed: `true` once it is in the
    /// database (it survives a `kill -9` from then on), `false` when the writer gave it up or
    /// has stopped. The writer commits at once when someone waits (with whatever else is
    /// queued: a group commit), instead of waiting for its batch window.
    pub async fn exchange_committed(&self, exchange: Exchange) -> bool {
        let (ack, committed) = oneshot::channel();
        if self
            .tx
            .send(Captured::Exchange(Box::new(exchange), Some(ack)))
            .await
            .is_err()
        {
            return false;
        }
        committed.await.unwrap_or(false)
    }

    /// Store a write's exchange in the write's own transaction `write` (handed over by its
    /// handler: [`crate::wire::PendingWrite`]) with its role change, and commit both; then hand
    /// the stored exchange to the writer, which announces it. On an error nothing of either is
    /// committed.
    pub async fn store_with_write(
        &self,
        mut write: crate::store::Writer,
        mut exchange: Exchange,
    ) -> Result<(), StoreError> {
        let ids = write
            .insert_exchanges(std::slice::from_ref(&exchange), self.settings.retention())
            .await?;
        let id = ids.first().copied().unwrap_or_default();
        // The creator of an updated user is read from the store (the writer's cache is its own).
        let creators = crate::results::Creators::default();
        crate::results::record_role_changes(&mut write, &[(id, &exchange)], &creators).await?;
        write.commit().await?;
        exchange.summary.id = id;
        let _ = self.tx.send(Captured::Stored(Box::new(exchange))).await;
        Ok(())
    }

    /// Queue the first request of fold `fold` (room reserved with `Folds::reserve_first`),
    /// never waiting: when the queue is full the fold is forgotten and the request counted as
    /// not captured.
    pub fn fold_start(&self, key: FoldKey, fold: u64, exchange: Exchange) {
        let msg = Captured::FoldStart {
            key,
            fold,
            exchange: Box::new(exchange),
        };
        if let Err(TrySendError::Full(m) | TrySendError::Closed(m)) = self.tx.try_send(msg) {
            self.folds.release_first();
            self.folds.note_dropped();
            if let Captured::FoldStart { key, fold, .. } = m {
                self.folds.lock().forget(&key, fold);
            }
        }
    }

    /// The fold table shared with the writer.
    pub fn folds(&self) -> &Folds {
        &self.folds
    }
}

/// Start the writer task, keeping `settings.retention()` authenticated exchanges and
/// `rejected_retention` folds of rejected requests. Returns the capture layer's end and the
/// task handle. When `closing` turns `true` the queue stops taking exchanges, and the task
/// writes what is queued and ends (also when every [`Sink`] is dropped).
pub fn spawn(
    store: Store,
    bus: EventBus,
    settings: Arc<RuntimeSettings>,
    rejected_retention: i64,
    mut closing: tokio::sync::watch::Receiver<bool>,
) -> (Sink, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Captured>(QUEUE);
    let folds = Arc::new(Folds::default());
    let settled = Arc::new(AtomicU64::new(0));
    let sink = Sink {
        tx,
        folds: folds.clone(),
        settings: settings.clone(),
        sent: Arc::new(AtomicU64::new(0)),
        settled: settled.clone(),
    };
    // A reset deletes every stored fold: the table starts afresh with it, so the next
    // rejection is captured as the first of a new fold rather than counted into a deleted row.
    let mut events = Some(bus.subscribe());
    let task = tokio::spawn(async move {
        // Checkpoints run beside the writer, never in its way: a passive checkpoint copying a
        // few thousand pages (and syncing the file) took tens of milliseconds, and every write
        // whose answer waited for its exchange waited for it too (the p99 of a create).
        let (checkpoint_due, mut due) = mpsc::channel::<()>(1);
        let checkpointer = tokio::spawn({
            let store = store.clone();
            async move {
                while due.recv().await.is_some() {
                    store.checkpoint().await;
                }
            }
        });
        let mut batch = Batch::default();
        let mut creators = crate::results::Creators::default();
        let mut open = true;
        let mut wal_dirty = false;
        let mut last_checkpoint = tokio::time::Instant::now();
        // Watching `closing` until it turns true (or its sender is gone: then only dropping
        // every sink ends the task).
        let mut watching = true;
        if *closing.borrow() {
            rx.close();
            watching = false;
        }
        while open {
            // A queued exchange, or counts added to folds.
            tokio::select! {
                biased;
                changed = closing.changed(), if watching => {
                    match changed {
                        Err(_) => watching = false,
                        Ok(()) if *closing.borrow() => {
                            // What is queued is still received, then `recv` answers `None`.
                            rx.close();
                            watching = false;
                        }
                        Ok(()) => {}
                    }
                    continue;
                }
                m = rx.recv() => match m {
                    Some(m) => batch.push(m, &folds),
                    None => open = false,
                },
                () = folds.wake.notified() => {}
                e = next_event(&mut events) => {
                    match e {
                        Ok(t) if matches!(t.event, EngineEvent::Reset)
                            && *t.workspace == *bus.workspace() => {
                            folds.lock().clear();
                            creators.clear();
                        }
                        Err(broadcast::error::RecvError::Closed) => events = None,
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    }
                    continue;
                }
                // Quiet for a while after writing: fold the whole WAL into the database and
                // truncate it, so the file does not stay at its peak size while the engine idles.
                () = tokio::time::sleep(IDLE_CHECKPOINT), if wal_dirty => {
                    store.truncate_wal().await;
                    // And the memory a burst of traffic (and the reads beside it) left freed.
                    crate::memory::give_back();
                    wal_dirty = false;
                    continue;
                }
            }
            if open && (!batch.acks.is_empty() || !batch.stored.is_empty()) {
                // A write's answer waits, or a write was just committed: commit (announce) now,
                // with whatever is already queued.
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(m) => batch.push(m, &folds),
                        Err(mpsc::error::TryRecvError::Empty) => break,
                        Err(mpsc::error::TryRecvError::Disconnected) => {
                            open = false;
                            break;
                        }
                    }
                }
            } else if open {
                let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
                // The window ends early when an answer starts waiting for this batch.
                while batch.len() < MAX_BATCH && batch.acks.is_empty() {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(m)) => batch.push(m, &folds),
                        Ok(None) => {
                            open = false;
                            break;
                        }
                        Err(_) => break,
                    }
                }
            }
            let retention = Retention {
                exchanges: settings.retention(),
                folds: rejected_retention.max(1),
            };
            write(&store, &bus, &folds, &mut batch, &mut creators, retention).await;
            settled.fetch_add(std::mem::take(&mut batch.unwaited), Ordering::AcqRel);
            // Off the request path, on its own connection: keeps the WAL small without a
            // client ever waiting for a checkpoint (connections do not auto-checkpoint). At most
            // every CHECKPOINT_EVERY: writes commit one small batch each (their answers wait),
            // and a checkpoint per commit would cost more than the commit.
            if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
                // At most one waits while one runs: a slow one is never queued behind.
                let _ = checkpoint_due.try_send(());
                last_checkpoint = tokio::time::Instant::now();
            }
            wal_dirty = true;
        }
        // The task ends with no checkpoint in flight (the store closes after it).
        drop(checkpoint_due);
        let _ = checkpointer.await;
    });
    (sink, task)
}

/// The next event of the bus, or never once it closed.
async fn next_event(
    events: &mut Option<broadcast::Receiver<crate::events::Tagged>>,
) -> Result<crate::events::Tagged, broadcast::error::RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// How many rows of each class are kept.
#[derive(Debug, Clone, Copy)]
struct Retention {
    exchanges: i64,
    folds: i64,
}

/// The exchanges of one batch, and for each first request of a fold its key.
#[derive(Default)]
struct Batch {
    exchanges: Vec<Exchange>,
    fold_of: Vec<Option<(FoldKey, u64)>>,
    /// Answers waiting for this batch to be committed.
    acks: Vec<oneshot::Sender<bool>>,
    /// Writes' exchanges committed with their writes, to announce with this batch.
    stored: Vec<Exchange>,
    /// Exchanges of this batch queued without waiting (counted into `Sink::settled`).
    unwaited: u64,
}

impl Batch {
    fn push(&mut self, m: Captured, folds: &Folds) {
        match m {
            Captured::Exchange(e, ack) => {
                self.exchanges.push(*e);
                self.fold_of.push(None);
                if ack.is_none() {
                    self.unwaited += 1;
                }
                self.acks.extend(ack);
            }
            Captured::Stored(e) => self.stored.push(*e),
            Captured::Flush(ack) => self.acks.push(ack),
            Captured::FoldStart {
                key,
                fold,
                exchange,
            } => {
                folds.release_first();
                self.exchanges.push(*exchange);
                self.fold_of.push(Some((key, fold)));
            }
        }
    }

    fn len(&self) -> usize {
        self.exchanges.len()
    }
}

/// What one committed attempt produced.
struct Written {
    ids: Vec<i64>,
    /// Folds whose counts were added, as they are now.
    grown: Vec<ExchangeSummary>,
    /// Folds whose row is gone (retention, reset): forget them.
    gone: Vec<(FoldKey, u64)>,
}

/// One transaction: insert the batch, note where new folds were stored, add the waiting counts
/// to stored folds, apply both retentions, record role changes.
async fn attempt(
    store: &Store,
    folds: &Folds,
    batch: &Batch,
    taken: &mut Vec<Pending>,
    creators: &crate::results::Creators,
    retention: Retention,
) -> Result<Written, StoreError> {
    let mut tx = store.write().await?;
    let ids = tx
        .insert_exchanges(&batch.exchanges, retention.exchanges)
        .await?;
    {
        let mut table = folds.lock();
        for (id, fold) in ids.iter().zip(&batch.fold_of) {
            if let Some((key, fold)) = fold {
                table.stored(key, *fold, *id);
            }
        }
        taken.extend(table.take_pending());
    }
    let mut grown = Vec::new();
    let mut gone = Vec::new();
    for (key, fold, row, more, last_at) in taken.iter() {
        match tx.add_to_fold(*row, *more, last_at).await? {
            Some(summary) => grown.push(summary),
            None => gone.push((key.clone(), *fold)),
        }
    }
    if batch.fold_of.iter().any(Option::is_some) {
        tx.prune_folds(retention.folds).await?;
    }
    let stored: Vec<(i64, &Exchange)> = ids.iter().copied().zip(&batch.exchanges).collect();
    crate::results::record_role_changes(&mut tx, &stored, creators).await?;
    tx.commit().await?;
    Ok(Written { ids, grown, gone })
}

async fn write(
    store: &Store,
    bus: &EventBus,
    folds: &Folds,
    batch: &mut Batch,
    creators: &mut crate::results::Creators,
    retention: Retention,
) {
    let dropped = folds.dropped.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        tracing::warn!(
            dropped,
            "rejected requests not captured: too many new folds were waiting to be written"
        );
    }
    let stored = std::mem::take(&mut batch.stored);
    let mut taken = Vec::new();
    let mut backoff = RETRY_BACKOFF.iter();
    // Only writes' exchanges, stored with their writes: nothing to insert (counts added to
    // folds meanwhile wait for the wake-up that comes with them).
    let written = if batch.exchanges.is_empty() && !stored.is_empty() {
        Some(Written {
            ids: Vec::new(),
            grown: Vec::new(),
            gone: Vec::new(),
        })
    } else {
        loop {
            match attempt(store, folds, batch, &mut taken, creators, retention).await {
                Ok(w) => break Some(w),
                Err(e) => {
                    // Nothing of the attempt was committed: give the counts back for the next one.
                    folds.lock().restore(std::mem::take(&mut taken));
                    if let Some(wait) = backoff.next() {
                        tracing::warn!(error = %e, exchanges = batch.len(), retry_in = ?wait, "could not store captured exchanges; retrying");
                        tokio::time::sleep(*wait).await;
                    } else {
                        tracing::error!(error = %e, lost = batch.len(), "could not store captured exchanges; gave up after retrying");
                        break None;
                    }
                }
            }
        }
    };
    let Some(Written { ids, grown, gone }) = written else {
        announce(bus, creators, stored, Vec::new());
        let mut table = folds.lock();
        for (key, fold) in batch.fold_of.drain(..).flatten() {
            table.forget(&key, fold);
        }
        batch.exchanges.clear();
        for ack in batch.acks.drain(..) {
            let _ = ack.send(false);
        }
        return;
    };
    // Committed: the answers that waited for it may leave.
    for ack in batch.acks.drain(..) {
        let _ = ack.send(true);
    }
    {
        let mut table = folds.lock();
        for (key, fold) in &gone {
            table.forget(key, *fold);
        }
    }
    batch.fold_of.clear();
    let mut exchanges = stored;
    for (mut e, id) in batch.exchanges.drain(..).zip(ids) {
        e.summary.id = id;
        exchanges.push(e);
    }
    announce(bus, creators, exchanges, grown);
}

/// Announce committed exchanges (in id order) and the folds grown with them, and learn the
/// creators they teach.
fn announce(
    bus: &EventBus,
    creators: &mut crate::results::Creators,
    mut exchanges: Vec<Exchange>,
    grown: Vec<ExchangeSummary>,
) {
    exchanges.sort_by_key(|e| e.summary.id);
    let mut summaries = Vec::with_capacity(exchanges.len() + grown.len());
    let mut changes = Vec::new();
    for e in exchanges {
        creators.learn(&e);
        let s = e.summary;
        let id = s.id;
        if let (Some(rt), Some(rid), true) = (
            s.resource_type,
            &s.resource_id,
            e.before.is_some() || e.after.is_some(),
        ) {
            changes.push(ChangedResource {
                resource_type: rt,
                id: rid.clone(),
                name: s.resource_name.clone(),
                deleted: e.after.is_none(),
                exchange_id: id,
            });
        }
        summaries.push(s);
    }
    // A fold stored and grown in this batch is announced once, as it is now.
    for g in grown {
        match summaries.iter_mut().find(|s| s.id == g.id) {
            Some(s) => *s = g,
            None => summaries.push(g),
        }
    }
    if !summaries.is_empty() {
        bus.publish(EngineEvent::ExchangeRecorded {
            exchanges: summaries,
        });
    }
    if !changes.is_empty() {
        bus.publish(EngineEvent::ResourceChanged {
            changes: latest_per_resource(changes),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::fold::{Hit, Reason};
    use crate::model::{Idp, OperationKind};
    use crate::store::exchanges::ExchangeQuery;

    fn exchange(path: &str, fold: bool) -> Exchange {
        let at = crate::wire::now();
        Exchange {
            summary: ExchangeSummary {
                id: 0,
                at: at.clone(),
                method: "GET".into(),
                path: path.into(),
                query: String::new(),
                status: if fold { 401 } else { 200 },
                latency_ms: 1.0,
                idp: Idp::Other,
                operation: if fold {
                    OperationKind::Rejected
                } else {
                    OperationKind::ImportPage
                },
                resource_type: None,
                resource_id: None,
                resource_name: None,
                quirks: vec![],
                fold_count: fold.then_some(1),
                last_at: fold.then_some(at),
                refused_quirk: None,
                fault: None,
            },
            client_addr: None,
            idp_reason: String::new(),
            request_headers: vec![],
            request_body: None,
            request_truncated: false,
            response_headers: vec![],
            response_body: None,
            response_truncated: false,
            auth: Default::default(),
            before: None,
            after: None,
        }
    }

    async fn all(store: &Store) -> Vec<ExchangeSummary> {
        let mut conn = store.read().await.unwrap();
        let mut v = conn
            .exchange_summaries(&ExchangeQuery {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        v.reverse();
        v
    }

    async fn set_read_only(store: &Store, on: bool) {
        crate::store::testing::set_read_only(store, on).await;
    }

    #[tokio::test]
    async fn a_batch_that_fails_to_store_is_retried_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).await.unwrap();
        let bus = EventBus::default();
        let (sink, task) = spawn(
            store.clone(),
            bus,
            RuntimeSettings::new(false, 100),
            10,
            tokio::sync::watch::channel(false).1,
        );
        // The writer's connection refuses writes: every attempt fails until it is lifted.
        set_read_only(&store, true).await;
        assert!(sink.exchange(exchange("/scim/v2/Users", false)).await);
        let key = FoldKey::new("203.0.113.9".parse().unwrap(), "curl", Reason::WrongKey);
        let Hit::New(fold) = sink.folds().lock().hit(key.clone(), "t") else {
            panic!()
        };
        assert!(sink.folds().reserve_first());
        sink.fold_start(key.clone(), fold, exchange("/scim/v2/Users", true));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(all(&store).await.is_empty(), "nothing could be stored yet");
        // Two more rejections counted while the store is failing.
        for _ in 0..2 {
            assert_eq!(sink.folds().lock().hit(key.clone(), "t9"), Hit::Counted);
            sink.folds().wake.notify_one();
        }
        set_read_only(&store, false).await;
        drop(sink);
        task.await.unwrap();
        let stored = all(&store).await;
        assert_eq!(stored.len(), 2, "{stored:?}");
        assert_eq!(stored[0].fold_count, None);
        assert_eq!(stored[1].fold_count, Some(3), "{stored:?}");
        assert_eq!(stored[1].last_at.as_deref(), Some("t9"));
    }

    #[tokio::test]
    async fn folds_have_their_own_retention_and_never_evict_exchanges() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).await.unwrap();
        let (sink, task) = spawn(
            store.clone(),
            EventBus::default(),
            RuntimeSettings::new(false, 3),
            2,
            tokio::sync::watch::channel(false).1,
        );
        for i in 0..5 {
            assert!(sink.exchange(exchange(&format!("/a{i}"), false)).await);
        }
        for i in 0..20 {
            let key = FoldKey::new(
                "203.0.113.9".parse().unwrap(),
                &format!("agent {i}"),
                Reason::MissingKey,
            );
            let Hit::New(fold) = sink.folds().lock().hit(key.clone(), "t") else {
                panic!()
            };
            assert!(sink.folds().reserve_first());
            sink.fold_start(key, fold, exchange(&format!("/r{i}"), true));
        }
        drop(sink);
        task.await.unwrap();
        let paths: Vec<String> = all(&store).await.into_iter().map(|s| s.path).collect();
        assert_eq!(paths, ["/a2", "/a3", "/a4", "/r18", "/r19"]);
    }

    #[tokio::test]
    async fn a_checkpoint_that_takes_long_never_holds_back_the_evidence_of_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).await.unwrap();
        let (sink, task) = spawn(
            store.clone(),
            EventBus::default(),
            RuntimeSettings::new(false, 100),
            10,
            tokio::sync::watch::channel(false).1,
        );
        // Every checkpoint waits as long as this is held: the writer must go on committing
        // (each write's answer waits for its exchange) across several checkpoint turns.
        let held = crate::store::testing::hold_checkpoints(&store).await;
        let started = std::time::Instant::now();
        let mut n = 0;
        while started.elapsed() < CHECKPOINT_EVERY * 4 {
            let committed = tokio::time::timeout(
                Duration::from_secs(2),
                sink.exchange_committed(exchange(&format!("/w{n}"), false)),
            )
            .await
            .expect("an exchange committed while a checkpoint waits");
            assert!(committed);
            n += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(held);
        drop(sink);
        task.await.unwrap();
        assert_eq!(all(&store).await.len(), n);
    }

    #[tokio::test]
    async fn closing_writes_what_is_queued_and_ends_while_sinks_still_exist() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).await.unwrap();
        let (closing, closing_rx) = tokio::sync::watch::channel(false);
        let (sink, task) = spawn(
            store.clone(),
            EventBus::default(),
            RuntimeSettings::new(false, 100),
            10,
            closing_rx,
        );
        for i in 0..3 {
            assert!(sink.exchange(exchange(&format!("/q{i}"), false)).await);
        }
        closing.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the writer ends although a sink is alive")
            .unwrap();
        assert_eq!(all(&store).await.len(), 3, "everything queued was written");
        assert!(
            !sink.exchange(exchange("/late", false)).await,
            "a closed writer takes nothing more"
        );
    }
}
