//! `GET /api/events`: the engine's [`EngineEvent`]s as Server-Sent Events.
//!
//! One SSE message per event: `event:` is the event's `type` (`exchange.recorded`,
//! `resource.changed`, `endpoint.changed`, `mapping.changed`, `simulation.progress`,
//! `simulation.finished`, `reset`, `resync`) and `data:` the event as JSON (the
//! generated `EngineEvent` TypeScript type). The stream opens with a `: connected` comment, so a
//! client knows it is subscribed; keep-alive comments follow every 15 s of silence.
//!
//! Batching: an `exchange.recorded` opens a window of [`BATCH_WINDOW`]; every `exchange.recorded`
//! arriving inside it is merged into the same message (exchanges stay oldest first), so a burst
//! of a thousand requests a second arrives as about ten messages. `resource.changed` events that
//! arrive in the window are sent right after the merged message, one per resource (the latest
//! change of each). Any other event closes the window early, so its order relative to the
//! exchanges is kept (a `reset` is never reordered around the exchanges it cleared).
//!
//! A client that reads too slowly falls more than the bus capacity behind; it is then sent
//! `resync` with the number of events it missed (reload everything) and the stream goes on. It
//! never panics. The stream ends when the engine shuts down, so graceful shutdown never waits on
//! an open event stream.

use super::AdminState;
use crate::events::{ChangedResource, EngineEvent, latest_per_resource};
use crate::model::ExchangeSummary;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;

/// How long an `exchange.recorded` waits for more to merge.
pub const BATCH_WINDOW: Duration = Duration::from_millis(100);
/// Most exchanges merged into one message (a bigger burst becomes several messages).
pub const MAX_BATCH: usize = 5000;
/// Silence after which a keep-alive comment is sent.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Resolves once the engine shuts down (or its handle is gone).
async fn shutting_down(rx: &mut watch::Receiver<bool>) {
    while !*rx.borrow_and_update() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// One subscriber's view of the bus: receives, merges, and queues what to send next.
pub(super) struct Feed {
    rx: broadcast::Receiver<EngineEvent>,
    shutdown: watch::Receiver<bool>,
    queue: VecDeque<EngineEvent>,
    closed: bool,
}

impl Feed {
    pub(super) fn new(
        rx: broadcast::Receiver<EngineEvent>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            rx,
            shutdown,
            queue: VecDeque::new(),
            closed: false,
        }
    }

    /// The next event to send; `None` when the engine is shutting down.
    pub(super) async fn next(&mut self) -> Option<EngineEvent> {
        if let Some(e) = self.queue.pop_front() {
            return Some(e);
        }
        if self.closed {
            return None;
        }
        let received = tokio::select! {
            r = self.rx.recv() => r,
            () = shutting_down(&mut self.shutdown) => return None,
        };
        match received {
            Ok(EngineEvent::ExchangeRecorded { exchanges }) => {
                self.merge(exchanges).await;
                self.queue.pop_front()
            }
            Ok(other) => Some(other),
            Err(RecvError::Lagged(missed)) => Some(EngineEvent::Resync { missed }),
            Err(RecvError::Closed) => None,
        }
    }

    /// Merge every `exchange.recorded` of the next [`BATCH_WINDOW`] into `batch` and queue the
    /// result, then the resource changes seen meanwhile, then whatever closed the window.
    async fn merge(&mut self, mut batch: Vec<ExchangeSummary>) {
        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
        let mut changes: Vec<ChangedResource> = Vec::new();
        let mut closing: Option<EngineEvent> = None;
        while batch.len() < MAX_BATCH {
            let received = tokio::select! {
                r = tokio::time::timeout_at(deadline, self.rx.recv()) => r,
                () = shutting_down(&mut self.shutdown) => {
                    self.closed = true;
                    break;
                }
            };
            match received {
                Err(_window_over) => break,
                Ok(Ok(EngineEvent::ExchangeRecorded { exchanges })) => batch.extend(exchanges),
                Ok(Ok(EngineEvent::ResourceChanged { changes: more })) => changes.extend(more),
                Ok(Ok(other)) => {
                    closing = Some(other);
                    break;
                }
                Ok(Err(RecvError::Lagged(missed))) => {
                    closing = Some(EngineEvent::Resync { missed });
                    break;
                }
                Ok(Err(RecvError::Closed)) => {
                    self.closed = true;
                    break;
                }
            }
        }
        self.queue.push_back(EngineEvent::ExchangeRecorded {
            exchanges: latest_per_exchange(batch),
        });
        if !changes.is_empty() {
            self.queue.push_back(EngineEvent::ResourceChanged {
                changes: latest_per_resource(changes),
            });
        }
        self.queue.extend(closing);
    }
}

/// A fold of rejected requests announced more than once in one window (it grew meanwhile) is
/// sent once, as it is now, where it first appeared; everything else as it came.
fn latest_per_exchange(batch: Vec<ExchangeSummary>) -> Vec<ExchangeSummary> {
    if !batch.iter().any(ExchangeSummary::is_fold) {
        return batch;
    }
    let mut at = std::collections::HashMap::new();
    let mut out: Vec<ExchangeSummary> = Vec::with_capacity(batch.len());
    for s in batch {
        match at.get(&s.id) {
            Some(&i) => out[i] = s,
            None => {
                at.insert(s.id, out.len());
                out.push(s);
            }
        }
    }
    out
}

/// One SSE message for `event` (`event:` its type, `data:` its JSON).
pub(super) fn to_sse(event: &EngineEvent) -> Event {
    match serde_json::to_value(event) {
        Ok(value) => {
            let name = value
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("message")
                .to_owned();
            Event::default().event(name).data(value.to_string())
        }
        Err(e) => {
            tracing::error!(error = %e, "an engine event could not be serialised");
            Event::default().comment("an event could not be serialised")
        }
    }
}

/// `GET /api/events`.
pub async fn events(
    State(state): State<AdminState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribe before answering: once the client has the response head, it misses nothing.
    let feed = Feed::new(state.events.subscribe(), state.shutdown);
    let stream = futures_util::stream::unfold((feed, true), |(mut feed, first)| async move {
        if first {
            return Some((Ok(Event::default().comment("connected")), (feed, false)));
        }
        let event = feed.next().await?;
        Some((Ok(to_sse(&event)), (feed, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventBus;
    use crate::model::{Idp, OperationKind};

    fn summary(id: i64) -> ExchangeSummary {
        ExchangeSummary {
            id,
            at: "2026-01-01T00:00:00.000Z".into(),
            method: "GET".into(),
            path: "/scim/v2/Users".into(),
            query: String::new(),
            status: 200,
            latency_ms: 1.0,
            idp: Idp::Other,
            operation: OperationKind::ImportPage,
            resource_type: None,
            resource_id: None,
            resource_name: None,
            quirks: vec![],
            fold_count: None,
            last_at: None,
            refused_quirk: None,
            fault: None,
        }
    }

    fn recorded(ids: &[i64]) -> EngineEvent {
        EngineEvent::ExchangeRecorded {
            exchanges: ids.iter().copied().map(summary).collect(),
        }
    }

    fn change(id: &str, exchange_id: i64) -> ChangedResource {
        ChangedResource {
            resource_type: scimlab_scim::ResourceKind::User,
            id: id.into(),
            name: None,
            deleted: false,
            exchange_id,
        }
    }

    fn changed(id: &str, exchange_id: i64) -> EngineEvent {
        EngineEvent::ResourceChanged {
            changes: vec![change(id, exchange_id)],
        }
    }

    fn ids(e: &EngineEvent) -> Vec<i64> {
        match e {
            EngineEvent::ExchangeRecorded { exchanges } => exchanges.iter().map(|x| x.id).collect(),
            other => panic!("not exchange.recorded: {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn bursts_merge_and_other_events_keep_their_order() {
        let bus = EventBus::new(64);
        let (_tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown);
        bus.publish(recorded(&[1, 2]));
        bus.publish(changed("u1", 1));
        bus.publish(recorded(&[3]));
        bus.publish(changed("u1", 3));
        bus.publish(changed("u2", 2));
        bus.publish(EngineEvent::Reset);
        bus.publish(recorded(&[4]));
        assert_eq!(ids(&feed.next().await.unwrap()), vec![1, 2, 3]);
        assert_eq!(
            feed.next().await,
            Some(EngineEvent::ResourceChanged {
                changes: vec![change("u1", 3), change("u2", 2)]
            }),
            "one event, the latest change per resource"
        );
        assert_eq!(
            feed.next().await,
            Some(EngineEvent::Reset),
            "a reset closes the window"
        );
        assert_eq!(ids(&feed.next().await.unwrap()), vec![4]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fold_that_grew_within_a_window_is_sent_once_as_it_is_now() {
        let bus = EventBus::new(64);
        let (_tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown);
        let fold = |n: u32| ExchangeSummary {
            status: 401,
            fold_count: Some(n),
            ..summary(2)
        };
        bus.publish(EngineEvent::ExchangeRecorded {
            exchanges: vec![summary(1), fold(1)],
        });
        bus.publish(EngineEvent::ExchangeRecorded {
            exchanges: vec![summary(3), fold(40)],
        });
        let Some(EngineEvent::ExchangeRecorded { exchanges }) = feed.next().await else {
            panic!("one merged message")
        };
        let shown: Vec<(i64, Option<u32>)> =
            exchanges.iter().map(|x| (x.id, x.fold_count)).collect();
        assert_eq!(shown, [(1, None), (2, Some(40)), (3, None)]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_closes_after_its_time() {
        let bus = EventBus::new(64);
        let (_tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown);
        let publisher = bus.clone();
        tokio::spawn(async move {
            publisher.publish(recorded(&[1]));
            tokio::time::sleep(BATCH_WINDOW / 2).await;
            publisher.publish(recorded(&[2]));
            tokio::time::sleep(BATCH_WINDOW * 2).await;
            publisher.publish(recorded(&[3]));
        });
        assert_eq!(ids(&feed.next().await.unwrap()), vec![1, 2]);
        assert_eq!(ids(&feed.next().await.unwrap()), vec![3]);
    }

    #[tokio::test]
    async fn a_lagging_feed_gets_resync_and_goes_on() {
        let bus = EventBus::new(4);
        let (_tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown);
        for _ in 0..10 {
            bus.publish(EngineEvent::Reset);
        }
        assert_eq!(feed.next().await, Some(EngineEvent::Resync { missed: 6 }));
        for _ in 0..4 {
            assert_eq!(feed.next().await, Some(EngineEvent::Reset));
        }
        // Lagging inside a merge window: the merged exchanges first, then resync.
        bus.publish(recorded(&[1]));
        let publisher = bus.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            for _ in 0..6 {
                publisher.publish(EngineEvent::Reset);
            }
        });
        assert_eq!(ids(&feed.next().await.unwrap()), vec![1]);
        assert_eq!(feed.next().await, Some(EngineEvent::Resync { missed: 2 }));
        for _ in 0..4 {
            assert_eq!(feed.next().await, Some(EngineEvent::Reset));
        }
    }

    #[tokio::test]
    async fn the_feed_ends_on_shutdown() {
        let bus = EventBus::new(4);
        let (tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown);
        tx.send(true).unwrap();
        assert_eq!(feed.next().await, None);
    }

    #[test]
    fn messages_are_named_by_the_event_type() {
        let e = to_sse(&EngineEvent::Resync { missed: 3 });
        let text = format!("{e:?}");
        assert!(text.contains("resync"), "{text}");
    }
}
