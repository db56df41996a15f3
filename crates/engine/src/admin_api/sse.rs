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
use crate::events::{ChangedResource, EngineEvent, Tagged, latest_per_resource};
use crate::model::ExchangeSummary;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
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

/// One subscriber's view of the bus: receives its workspace's events (and the global ones),
/// merges, and queues what to send next. Another workspace's exchanges become
/// `workspace.activity` (tagged with that workspace); its other events are not sent.
pub(super) struct Feed {
    rx: broadcast::Receiver<Tagged>,
    shutdown: watch::Receiver<bool>,
    workspace: Arc<str>,
    queue: VecDeque<Tagged>,
    closed: bool,
}

impl Feed {
    pub(super) fn new(
        rx: broadcast::Receiver<Tagged>,
        shutdown: watch::Receiver<bool>,
        workspace: &str,
    ) -> Self {
        Self {
            rx,
            shutdown,
            workspace: Arc::from(workspace),
            queue: VecDeque::new(),
            closed: false,
        }
    }

    fn mine(&self, event: EngineEvent) -> Tagged {
        Tagged {
            workspace: self.workspace.clone(),
            event,
            relayed: false,
        }
    }

    /// What this stream makes of an event from the bus (`None`: not for it).
    fn admit(&self, t: Tagged) -> Option<Tagged> {
        if t.workspace == self.workspace || t.event.is_global() {
            return Some(t);
        }
        match t.event {
            EngineEvent::ExchangeRecorded { exchanges } => Some(Tagged {
                workspace: t.workspace,
                event: EngineEvent::WorkspaceActivity {
                    exchanges: exchanges.len() as u64,
                },
                relayed: t.relayed,
            }),
            _ => None,
        }
    }

    /// The next event to send; `None` when the engine is shutting down.
    pub(super) async fn next(&mut self) -> Option<Tagged> {
        loop {
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
            let admitted = match received {
                Ok(t) => self.admit(t),
                Err(RecvError::Lagged(missed)) => Some(self.mine(EngineEvent::Resync { missed })),
                Err(RecvError::Closed) => return None,
            };
            match admitted {
                Some(Tagged {
                    workspace,
                    event: EngineEvent::ExchangeRecorded { exchanges },
                    ..
                }) if workspace == self.workspace => {
                    self.merge(exchanges).await;
                }
                Some(other) => return Some(other),
                None => {}
            }
        }
    }

    /// Merge every `exchange.recorded` of the next [`BATCH_WINDOW`] into `batch` and queue the
    /// result, then the resource changes seen meanwhile, then other workspaces' activity, then
    /// whatever closed the window.
    async fn merge(&mut self, mut batch: Vec<ExchangeSummary>) {
        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
        let mut changes: Vec<ChangedResource> = Vec::new();
        let mut elsewhere: Vec<Tagged> = Vec::new();
        let mut closing: Option<Tagged> = None;
        while batch.len() < MAX_BATCH {
            let received = tokio::select! {
                r = tokio::time::timeout_at(deadline, self.rx.recv()) => r,
                () = shutting_down(&mut self.shutdown) => {
                    self.closed = true;
                    break;
                }
            };
            let t = match received {
                Err(_window_over) => break,
                Ok(Ok(t)) => t,
                Ok(Err(RecvError::Lagged(missed))) => {
                    closing = Some(self.mine(EngineEvent::Resync { missed }));
                    break;
                }
                Ok(Err(RecvError::Closed)) => {
                    self.closed = true;
                    break;
                }
            };
            let Some(t) = self.admit(t) else { continue };
            if t.workspace != self.workspace && !t.event.is_global() {
                elsewhere.push(t);
                continue;
            }
            match t.event {
                EngineEvent::ExchangeRecorded { exchanges } => batch.extend(exchanges),
                EngineEvent::ResourceChanged { changes: more } => changes.extend(more),
                other => {
                    closing = Some(Tagged {
                        workspace: t.workspace,
                        event: other,
                        relayed: t.relayed,
                    });
                    break;
                }
            }
        }
        let merged = self.mine(EngineEvent::ExchangeRecorded {
            exchanges: latest_per_exchange(batch),
        });
        self.queue.push_back(merged);
        if !changes.is_empty() {
            let changes = self.mine(EngineEvent::ResourceChanged {
                changes: latest_per_resource(changes),
            });
            self.queue.push_back(changes);
        }
        self.queue.extend(elsewhere);
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

/// One SSE message for `event` (`event:` its type, `data:` its JSON with its `workspace`).
pub(super) fn to_sse(event: &Tagged) -> Event {
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
    let feed = Feed::new(
        state.events.subscribe(),
        state.shutdown,
        state.events.workspace(),
    );
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
        let mut feed = Feed::new(bus.subscribe(), shutdown, "default");
        bus.publish(recorded(&[1, 2]));
        bus.publish(changed("u1", 1));
        bus.publish(recorded(&[3]));
        bus.publish(changed("u1", 3));
        bus.publish(changed("u2", 2));
        bus.publish(EngineEvent::Reset);
        bus.publish(recorded(&[4]));
        assert_eq!(
            ids(&feed.next().await.map(|t| t.event).unwrap()),
            vec![1, 2, 3]
        );
        assert_eq!(
            feed.next().await.map(|t| t.event),
            Some(EngineEvent::ResourceChanged {
                changes: vec![change("u1", 3), change("u2", 2)]
            }),
            "one event, the latest change per resource"
        );
        assert_eq!(
            feed.next().await.map(|t| t.event),
            Some(EngineEvent::Reset),
            "a reset closes the window"
        );
        assert_eq!(ids(&feed.next().await.map(|t| t.event).unwrap()), vec![4]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fold_that_grew_within_a_window_is_sent_once_as_it_is_now() {
        let bus = EventBus::new(64);
        let (_tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown, "default");
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
        let Some(EngineEvent::ExchangeRecorded { exchanges }) = feed.next().await.map(|t| t.event)
        else {
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
        let mut feed = Feed::new(bus.subscribe(), shutdown, "default");
        let publisher = bus.clone();
        tokio::spawn(async move {
            publisher.publish(recorded(&[1]));
            tokio::time::sleep(BATCH_WINDOW / 2).await;
            publisher.publish(recorded(&[2]));
            tokio::time::sleep(BATCH_WINDOW * 2).await;
            publisher.publish(recorded(&[3]));
        });
        assert_eq!(
            ids(&feed.next().await.map(|t| t.event).unwrap()),
            vec![1, 2]
        );
        assert_eq!(ids(&feed.next().await.map(|t| t.event).unwrap()), vec![3]);
    }

    #[tokio::test]
    async fn a_lagging_feed_gets_resync_and_goes_on() {
        let bus = EventBus::new(4);
        let (_tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown, "default");
        for _ in 0..10 {
            bus.publish(EngineEvent::Reset);
        }
        assert_eq!(
            feed.next().await.map(|t| t.event),
            Some(EngineEvent::Resync { missed: 6 })
        );
        for _ in 0..4 {
            assert_eq!(feed.next().await.map(|t| t.event), Some(EngineEvent::Reset));
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
        assert_eq!(ids(&feed.next().await.map(|t| t.event).unwrap()), vec![1]);
        assert_eq!(
            feed.next().await.map(|t| t.event),
            Some(EngineEvent::Resync { missed: 2 })
        );
        for _ in 0..4 {
            assert_eq!(feed.next().await.map(|t| t.event), Some(EngineEvent::Reset));
        }
    }

    #[tokio::test]
    async fn the_feed_ends_on_shutdown() {
        let bus = EventBus::new(4);
        let (tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown, "default");
        tx.send(true).unwrap();
        assert_eq!(feed.next().await.map(|t| t.event), None);
    }

    #[test]
    fn messages_are_named_by_the_event_type() {
        let e = to_sse(&Tagged {
            workspace: Arc::from("acme"),
            event: EngineEvent::Resync { missed: 3 },
            relayed: false,
        });
        let text = format!("{e:?}");
        assert!(text.contains("resync"), "{text}");
        assert!(text.contains(r#"\"workspace\":\"acme\""#), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_carries_its_workspace_and_only_the_activity_of_the_others() {
        let bus = EventBus::new(64);
        let acme = bus.for_workspace("acme");
        let (_tx, shutdown) = watch::channel(false);
        let mut feed = Feed::new(bus.subscribe(), shutdown, "default");
        acme.publish(changed("a1", 1));
        acme.publish(EngineEvent::Reset);
        bus.publish(recorded(&[1]));
        acme.publish(recorded(&[7, 8]));
        acme.publish(EngineEvent::WorkspacesChanged);
        let first = feed.next().await.unwrap();
        assert_eq!((&*first.workspace, ids(&first.event)), ("default", vec![1]));
        let activity = feed.next().await.unwrap();
        assert_eq!(&*activity.workspace, "acme");
        assert_eq!(
            activity.event,
            EngineEvent::WorkspaceActivity { exchanges: 2 }
        );
        let global = feed.next().await.unwrap();
        assert_eq!(
            global.event,
            EngineEvent::WorkspacesChanged,
            "another workspace's reset is not sent"
        );
    }
}
