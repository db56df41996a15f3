//! Live events across instances: when several ScimLab instances serve one PostgreSQL
//! database, what one of them publishes about a workspace's data (exchanges recorded, users and
//! groups changed, the key rotated, the profile chosen, a reset, the workspace list) reaches
//! every other instance's event bus, so an admin UI open on instance B shows the writes an IdP
//! made through instance A within a second.
//!
//! Each instance sends its own events with `NOTIFY` (`{"from", "workspace", "event"}`, under
//! PostgreSQL's 8000-byte limit: a large `exchange.recorded` is split) and `LISTEN`s for the
//! others' (its own are told apart by a random instance id). A lost listening connection is
//! re-established by itself; the events sent meanwhile are gone, so the local streams get a
//! `resync` (reload everything). Events about one instance's own work in progress
//! (simulations, replays, mapping progress, the tunnel) stay local. SQLite has one instance:
//! no relay.

use crate::events::{ChangedResource, EngineEvent, EventBus};
use crate::model::ExchangeSummary;
use crate::store::Store;
use crate::store::pg::{NOTIFY_LIMIT, PgStore};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

/// The events that travel, in the shape they are sent in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
enum Relayed {
    #[serde(rename = "exchange.recorded")]
    ExchangeRecorded { exchanges: Vec<ExchangeSummary> },
    #[serde(rename = "resource.changed")]
    ResourceChanged { changes: Vec<ChangedResource> },
    #[serde(rename = "endpoint.changed")]
    EndpointChanged { key_masked: String },
    #[serde(rename = "mapping.changed")]
    MappingChanged { profile_id: String },
    #[serde(rename = "reset")]
    Reset,
    #[serde(rename = "workspaces.changed")]
    WorkspacesChanged,
    /// The fault rules were edited (or one fired): the receiver reads them again.
    #[serde(rename = "faults.changed")]
    FaultsChanged,
}

impl Relayed {
    /// The event as it travels, when it does.
    fn of(event: &EngineEvent) -> Option<Self> {
        Some(match event {
            EngineEvent::ExchangeRecorded { exchanges } => Relayed::ExchangeRecorded {
                exchanges: exchanges.clone(),
            },
            EngineEvent::ResourceChanged { changes } => Relayed::ResourceChanged {
                changes: changes.clone(),
            },
            EngineEvent::EndpointChanged { key_masked } => Relayed::EndpointChanged {
                key_masked: key_masked.clone(),
            },
            EngineEvent::MappingChanged { profile_id } => Relayed::MappingChanged {
                profile_id: profile_id.clone(),
            },
            EngineEvent::Reset => Relayed::Reset,
            EngineEvent::WorkspacesChanged => Relayed::WorkspacesChanged,
            EngineEvent::FaultsChanged { .. } => Relayed::FaultsChanged,
            _ => return None,
        })
    }

    /// The event to publish here (`None` for the fault rules: [`OnFaults`] reads them again,
    /// which publishes them).
    fn into_event(self) -> Option<EngineEvent> {
        Some(match self {
            Relayed::ExchangeRecorded { exchanges } => EngineEvent::ExchangeRecorded { exchanges },
            Relayed::ResourceChanged { changes } => EngineEvent::ResourceChanged { changes },
            Relayed::EndpointChanged { key_masked } => EngineEvent::EndpointChanged { key_masked },
            Relayed::MappingChanged { profile_id } => EngineEvent::MappingChanged { profile_id },
            Relayed::Reset => EngineEvent::Reset,
            Relayed::WorkspacesChanged => EngineEvent::WorkspacesChanged,
            Relayed::FaultsChanged => return None,
        })
    }
}

/// One notification.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    from: String,
    workspace: String,
    event: Relayed,
}

/// The payloads that carry `event` of `workspace` from instance `from`, each under
/// [`NOTIFY_LIMIT`] bytes: a list of exchanges or changes too long for one is split (an item
/// too large alone is left out: the receiving UI reloads that page anyway on its next read).
fn payloads(from: &str, workspace: &str, event: Relayed) -> Vec<String> {
    let render = |event: Relayed| {
        serde_json::to_string(&Envelope {
            from: from.to_owned(),
            workspace: workspace.to_owned(),
            event,
        })
        .unwrap_or_default()
    };
    let whole = render(event.clone());
    if whole.len() <= NOTIFY_LIMIT {
        return vec![whole];
    }
    match event {
        Relayed::ExchangeRecorded { exchanges } => split(exchanges, &|part| {
            render(Relayed::ExchangeRecorded { exchanges: part })
        }),
        Relayed::ResourceChanged { changes } => split(changes, &|part| {
            render(Relayed::ResourceChanged { changes: part })
        }),
        _ => Vec::new(),
    }
}

/// `items` in consecutive parts whose rendering fits, in order.
fn split<T: Clone>(items: Vec<T>, render: &dyn Fn(Vec<T>) -> String) -> Vec<String> {
    if items.is_empty() {
        return Vec::new();
    }
    let whole = render(items.clone());
    if whole.len() <= NOTIFY_LIMIT {
        return vec![whole];
    }
    if items.len() == 1 {
        return Vec::new();
    }
    let mut items = items;
    let second = items.split_off(items.len() / 2);
    let mut out = split(items, render);
    out.extend(split(second, render));
    out
}

/// What to do when another instance changed a workspace's fault rules (read them again): the
/// engine gives it, with the workspace's slug.
pub type OnFaults = std::sync::Arc<dyn Fn(String) + Send + Sync>;

/// Start relaying the events of `bus` through the PostgreSQL database of `store` (nothing on
/// SQLite). Both tasks end when `shutdown` turns `true`.
pub fn start(
    store: &Store,
    bus: &EventBus,
    on_faults: OnFaults,
    shutdown: watch::Receiver<bool>,
) -> Option<Vec<JoinHandle<()>>> {
    let pg = store.postgres()?.clone();
    let me = crate::auth::generate_key().unwrap_or_else(|_| format!("{:p}", &pg));
    Some(vec![
        tokio::spawn(send(
            pg.clone(),
            bus.subscribe(),
            me.clone(),
            shutdown.clone(),
        )),
        tokio::spawn(receive(pg, bus.clone(), me, on_faults, shutdown)),
    ])
}

async fn send(
    pg: PgStore,
    mut events: broadcast::Receiver<crate::events::Tagged>,
    me: String,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let tagged = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            next = events.recv() => match next {
                Ok(t) => t,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "the relay fell behind: other instances missed events");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        };
        if tagged.relayed {
            continue;
        }
        let Some(event) = Relayed::of(&tagged.event) else {
            continue;
        };
        for payload in payloads(&me, &tagged.workspace, event) {
            if let Err(e) = pg.notify(&payload).await {
                tracing::warn!(error = %e, "could not tell the other instances an event");
            }
        }
    }
}

async fn receive(
    pg: PgStore,
    bus: EventBus,
    me: String,
    on_faults: OnFaults,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut listening = None;
    loop {
        if listening.is_none() {
            match pg.listen().await {
                Ok(l) => listening = Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "could not listen for the other instances' events; retrying");
                    tokio::select! {
                        _ = shutdown.wait_for(|stop| *stop) => return,
                        () = tokio::time::sleep(std::time::Duration::from_secs(1)) => continue,
                    }
                }
            }
        }
        let Some(listener) = listening.as_mut() else {
            continue;
        };
        let next = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            next = listener.next() => next,
        };
        match next {
            Ok(Some(payload)) => match serde_json::from_str::<Envelope>(&payload) {
                Ok(envelope) if envelope.from != me => match envelope.event.into_event() {
                    Some(event) => bus.publish_relayed(&envelope.workspace, event),
                    None => on_faults(envelope.workspace),
                },
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "an event from another instance did not parse");
                }
            },
            Ok(None) => {
                // Reconnected: what was sent meanwhile is lost.
                bus.publish(EngineEvent::Resync { missed: 0 });
            }
            Err(e) => {
                tracing::warn!(error = %e, "lost the other instances' events; listening again");
                listening = None;
                bus.publish(EngineEvent::Resync { missed: 0 });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::checks::testkit::ex;
    use crate::model::{Idp, OperationKind};

    #[test]
    fn a_long_list_travels_in_parts_that_each_fit_and_keep_the_order() {
        let exchanges: Vec<ExchangeSummary> = (0..200)
            .map(|i| {
                let mut e = ex(
                    i,
                    Idp::Entra,
                    "PATCH",
                    "/scim/v2/Users/x",
                    200,
                    OperationKind::Update,
                );
                e.summary.path = format!("/scim/v2/Users/{}", "u".repeat(60));
                e.summary
            })
            .collect();
        let parts = payloads(
            "me",
            "default",
            Relayed::ExchangeRecorded {
                exchanges: exchanges.clone(),
            },
        );
        assert!(parts.len() > 1);
        let mut back = Vec::new();
        for p in &parts {
            assert!(p.len() <= NOTIFY_LIMIT, "{} bytes", p.len());
            let envelope: Envelope = serde_json::from_str(p).unwrap();
            assert_eq!(envelope.workspace, "default");
            match envelope.event {
                Relayed::ExchangeRecorded { exchanges } => back.extend(exchanges),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(back, exchanges);
    }

    #[test]
    fn only_events_about_the_data_travel() {
        assert!(Relayed::of(&EngineEvent::Reset).is_some());
        assert!(Relayed::of(&EngineEvent::Resync { missed: 1 }).is_none());
        let back = Relayed::of(&EngineEvent::MappingChanged {
            profile_id: "okta".into(),
        })
        .unwrap()
        .into_event();
        assert_eq!(
            back,
            Some(EngineEvent::MappingChanged {
                profile_id: "okta".into()
            })
        );
        let faults = Relayed::of(&EngineEvent::FaultsChanged { rules: Vec::new() }).unwrap();
        assert_eq!(faults, Relayed::FaultsChanged);
        assert_eq!(faults.into_event(), None);
    }
}
