//! The capture writer: exchanges leave the request path through a bounded channel and are
//! written in batches, one transaction per batch, then announced on the event bus.
//!
//! Batching keeps SQLite's per-transaction cost off each request and turns a burst into a few
//! events. The channel is bounded (back-pressure rather than unbounded memory if the disk
//! stalls). On shutdown the senders are dropped, the task drains what is queued, writes it, and
//! ends; `Engine` awaits it, so a clean shutdown loses nothing.

use super::model::Exchange;
use crate::events::{ChangedResource, EngineEvent, EventBus, latest_per_resource};
use crate::runtime::RuntimeSettings;
use crate::store::{Store, exchanges};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Largest batch written in one transaction (small enough that a SCIM write waiting for the
/// shared writer connection waits milliseconds, not a long batch).
const MAX_BATCH: usize = 128;
/// How long the writer waits for more exchanges after the first of a batch.
const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// Exchanges queued before senders wait.
const QUEUE: usize = 8192;

/// Start the writer task. Returns the sender the capture layer uses and the task handle.
pub fn spawn(
    store: Store,
    bus: EventBus,
    settings: Arc<RuntimeSettings>,
) -> (mpsc::Sender<Exchange>, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Exchange>(QUEUE);
    let task = tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while let Some(first) = rx.recv().await {
            batch.push(first);
            let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
            while batch.len() < MAX_BATCH {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(e)) => batch.push(e),
                    Ok(None) | Err(_) => break,
                }
            }
            write(&store, &bus, &mut batch, settings.retention()).await;
            // Off the request path, on its own connection: keeps the WAL small without a
            // client ever waiting for a checkpoint (connections do not auto-checkpoint).
            store.checkpoint().await;
        }
    });
    (tx, task)
}

async fn write(store: &Store, bus: &EventBus, batch: &mut Vec<Exchange>, retention: i64) {
    let result = async {
        let mut tx = store.write.begin().await?;
        let ids = exchanges::insert_batch(&mut tx, batch, retention).await?;
        let stored: Vec<(i64, &Exchange)> = ids.iter().copied().zip(batch.iter()).collect();
        crate::results::record_role_changes(&mut tx, &stored).await?;
        tx.commit().await?;
        Ok::<_, crate::store::StoreError>(ids)
    }
    .await;
    match result {
        Ok(ids) => {
            let mut summaries = Vec::with_capacity(batch.len());
            let mut changes = Vec::new();
            for (e, id) in batch.drain(..).zip(ids) {
                let mut s = e.summary;
                s.id = id;
                if let (Some(rt), Some(rid), true) = (
                    &s.resource_type,
                    &s.resource_id,
                    e.before.is_some() || e.after.is_some(),
                ) {
                    changes.push(ChangedResource {
                        resource_type: rt.clone(),
                        id: rid.clone(),
                        name: s.resource_name.clone(),
                        deleted: e.after.is_none(),
                        exchange_id: id,
                    });
                }
                summaries.push(s);
            }
            bus.publish(EngineEvent::ExchangeRecorded {
                exchanges: summaries,
            });
            if !changes.is_empty() {
                bus.publish(EngineEvent::ResourceChanged {
                    changes: latest_per_resource(changes),
                });
            }
        }
        Err(e) => {
            tracing::error!(error = %e, lost = batch.len(), "could not store captured exchanges");
            batch.clear();
        }
    }
}
