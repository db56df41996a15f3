//! `EngineEvent`: the one event type, published on one broadcast bus.
//!
//! The admin API streams it as Server-Sent Events and the Tauri shell will forward it as one
//! named event. Exchanges are published in batches (one event per capture-writer flush), so a
//! burst of a thousand requests a second arrives as a handful of events. A receiver that lags
//! gets `resync` from the SSE layer, never a panic.
//!
//! Events carry engine types (`model`, `runtime`, `simulate`, `tunnel`), never an admin-API type.

use crate::model::ExchangeSummary;
use crate::simulate::{Progress, SimulationSummary};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast;
use ts_rs::TS;

/// Everything the engine tells the UI about, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type")]
pub enum EngineEvent {
    /// Exchanges written to the store, oldest first (one flush of the capture writer).
    #[serde(rename = "exchange.recorded")]
    ExchangeRecorded {
        /// The new exchanges, then the folds of rejected requests that grew (an id already
        /// announced, with a larger `foldCount` and a later `lastAt`: replace it).
        exchanges: Vec<ExchangeSummary>,
    },
    /// Users or groups created, changed or deleted through the SCIM listener: one event per
    /// capture flush (and per SSE window), the latest change per resource, oldest first.
    #[serde(rename = "resource.changed")]
    ResourceChanged {
        /// The resources that changed.
        changes: Vec<ChangedResource>,
    },
    /// The SCIM API key was rotated (its masked form changed).
    #[serde(rename = "endpoint.changed", rename_all = "camelCase")]
    EndpointChanged {
        /// The new key, masked.
        key_masked: String,
    },
    /// The mapping profile in force changed, or a profile was saved: every user's mapping
    /// results and effective role may differ — reload them.
    #[serde(rename = "mapping.changed", rename_all = "camelCase")]
    MappingChanged {
        /// The profile in force now.
        profile_id: String,
    },
    /// Every user's mapping is being re-evaluated in the background (another profile, or more
    /// changes than the views follow on the request path); until `done`, the views answer from
    /// the previous results with `updating: true`. At most one event per 250 ms, and one with
    /// `done` at the end: reload the views then.
    #[serde(rename = "mapping.progress", rename_all = "camelCase")]
    MappingProgress {
        /// The profile users are re-evaluated under.
        profile_id: String,
        /// Users evaluated so far.
        evaluated: u32,
        /// Users to evaluate.
        total: u32,
        /// The new results are in place.
        done: bool,
    },
    /// A simulation started with `POST /api/simulations` advanced (at most one event per
    /// 250 ms per run).
    #[serde(rename = "simulation.progress", rename_all = "camelCase")]
    SimulationProgress {
        /// The run's id.
        id: String,
        /// What is simulated.
        scenario: crate::simulate::Scenario,
        /// Steps done, passed, failed, and the phase.
        progress: Progress,
    },
    /// A simulation ended; the steps are in `GET /api/simulations/{id}`.
    #[serde(rename = "simulation.finished", rename_all = "camelCase")]
    SimulationFinished {
        /// The run's id.
        id: String,
        /// The outcome, counts and the first failures.
        // Boxed: by far the largest event and a rare one, so the others stay small.
        summary: Box<SimulationSummary>,
    },
    /// A simulation could not run at all (no step was sent); `GET /api/simulations/{id}`
    /// holds the same error.
    #[serde(rename = "simulation.failed")]
    SimulationFailed {
        /// The run's id.
        id: String,
        /// What went wrong and how to fix it.
        error: String,
    },
    /// A replay started with `POST /api/replays` advanced (at most one event per 250 ms).
    #[serde(rename = "replay.progress", rename_all = "camelCase")]
    ReplayProgress {
        /// The replay's id.
        id: String,
        /// Steps done, passed, failed, and the phase.
        progress: Progress,
    },
    /// A replay ended; every step is in `GET /api/replays/{id}`.
    #[serde(rename = "replay.finished", rename_all = "camelCase")]
    ReplayFinished {
        /// The replay's id.
        id: String,
        /// The outcome, counts and the first failures.
        summary: Box<crate::replay::ReplaySummary>,
    },
    /// A replay could not run at all.
    #[serde(rename = "replay.failed")]
    ReplayFailed {
        /// The replay's id.
        id: String,
        /// What went wrong and how to fix it.
        error: String,
    },
    /// All users, groups and exchanges were deleted.
    #[serde(rename = "reset")]
    Reset,
    /// The runtime settings changed (`PUT /api/settings`): strict mode or retention.
    #[serde(rename = "settings.changed")]
    SettingsChanged {
        /// The settings now in force.
        settings: crate::runtime::EngineSettings,
    },
    /// The fault rules changed: one was added, edited, enabled, disabled or deleted, or fired
    /// (its counters moved). Carries the whole list.
    #[serde(rename = "faults.changed")]
    FaultsChanged {
        /// Every rule in order, with its counters.
        rules: Vec<crate::faults::FaultRuleView>,
    },
    /// The public URL of the SCIM listener changed: a tunnel started, found its URL, stopped
    /// (on its own: `detail` says why, and a new start gets a new URL), or an ngrok tunnel
    /// appeared or went away.
    #[serde(rename = "tunnel.changed")]
    TunnelChanged {
        /// The state now.
        tunnel: crate::tunnel::TunnelState,
    },
    /// A workspace was created, renamed or deleted: reload `GET /api/workspaces`.
    #[serde(rename = "workspaces.changed")]
    WorkspacesChanged,
    /// Exchanges arrived in another workspace than the stream's (a live dot in the switcher).
    #[serde(rename = "workspace.activity")]
    WorkspaceActivity {
        /// How many exchanges were recorded.
        #[ts(type = "number")]
        exchanges: u64,
    },
    /// The receiver fell behind and missed events: reload everything.
    #[serde(rename = "resync")]
    Resync {
        /// How many events were skipped.
        #[ts(type = "number")]
        missed: u64,
    },
}

/// One resource in a `resource.changed` event.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChangedResource {
    /// `User` or `Group`.
    #[ts(type = "\"User\" | \"Group\"")]
    pub resource_type: scimlab_scim::ResourceKind,
    /// SCIM id.
    pub id: String,
    /// userName / displayName.
    pub name: Option<String>,
    /// Whether the resource no longer exists.
    pub deleted: bool,
    /// The exchange that changed it.
    #[ts(type = "number")]
    pub exchange_id: i64,
}

/// Keep the latest change per resource, in order of first appearance.
pub fn latest_per_resource(changes: Vec<ChangedResource>) -> Vec<ChangedResource> {
    let mut out: Vec<ChangedResource> = Vec::with_capacity(changes.len());
    let mut at: std::collections::HashMap<(scimlab_scim::ResourceKind, String), usize> =
        std::collections::HashMap::new();
    for c in changes {
        match at.get(&(c.resource_type, c.id.clone())) {
            Some(&i) => out[i] = c,
            None => {
                at.insert((c.resource_type, c.id.clone()), out.len());
                out.push(c);
            }
        }
    }
    out
}

/// An event and the workspace it happened in (every event carries its workspace; a tunnel's
/// and the workspace list's concern them all, see [`EngineEvent::is_global`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tagged {
    /// The workspace's slug.
    pub workspace: Arc<str>,
    /// The event.
    #[serde(flatten)]
    pub event: EngineEvent,
    /// It happened on another instance on the same database (`relay.rs` brought it here).
    #[serde(skip)]
    pub relayed: bool,
}

impl EngineEvent {
    /// Whether the event concerns every workspace (the one tunnel, the list of workspaces),
    /// so every workspace's stream carries it.
    pub fn is_global(&self) -> bool {
        matches!(
            self,
            Self::TunnelChanged { .. } | Self::WorkspacesChanged | Self::Resync { .. }
        )
    }
}

/// The broadcast bus of the whole engine, as one workspace publishes to it: every event sent
/// through it is tagged with that workspace. Cloning shares the channel.
#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<Tagged>,
    workspace: Arc<str>,
}

impl EventBus {
    /// A bus keeping up to `capacity` undelivered events per receiver, publishing as the
    /// `default` workspace.
    pub fn new(capacity: usize) -> Self {
        Self {
            tx: broadcast::channel(capacity).0,
            workspace: Arc::from(crate::model::DEFAULT_WORKSPACE),
        }
    }
    /// The same channel, publishing as workspace `slug`.
    pub fn for_workspace(&self, slug: &str) -> Self {
        Self {
            tx: self.tx.clone(),
            workspace: Arc::from(slug),
        }
    }
    /// The workspace this bus publishes as.
    pub fn workspace(&self) -> &str {
        &self.workspace
    }
    /// Publish; having no subscribers is fine.
    pub fn publish(&self, event: EngineEvent) {
        let _ = self.tx.send(Tagged {
            workspace: self.workspace.clone(),
            event,
            relayed: false,
        });
    }
    /// Publish an event another instance had (`relay.rs`), as workspace `workspace`.
    pub fn publish_relayed(&self, workspace: &str, event: EngineEvent) {
        let _ = self.tx.send(Tagged {
            workspace: Arc::from(workspace),
            event,
            relayed: true,
        });
    }
    /// A new receiver of every later event of every workspace (filter on [`Tagged::workspace`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Tagged> {
        self.tx.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(1024)
    }
}
