//! `POST /api/replays` and `GET /api/replays/{id}`: replay captured exchanges against another
//! SCIM app from the UI (Traffic's selection, a user page's *Replay this user*).
//!
//! The selection is read when the request arrives (a `400` names a bad time or an empty
//! selection); the replay then runs in the background, one at a time (a second start is a `409`
//! naming the running one), and stops when the engine shuts down. Progress goes out as
//! `replay.progress` events (at most one per 250 ms), the end as `replay.finished` with the
//! summary; every step is in `GET /api/replays/{id}`. The target's token is used for the run and
//! kept nowhere: not in the status, the report or an event. The last [`KEPT`] replays are kept
//! in memory.

use super::simulations::SimulationState;
use super::{AdminError, AdminResult, AdminState};
use crate::events::EngineEvent;
use crate::replay::{self, ReplayOptions, ReplayReport, ReplaySelection, ReplayStep};
use crate::simulate::{self, Progress};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use ts_rs::TS;

/// Finished replays kept for `GET /api/replays/{id}`.
pub const KEPT: usize = 20;

/// `POST /api/replays` body.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartReplay {
    /// The target's SCIM base URL, e.g. `https://staging.example.com/scim/v2`.
    pub target: String,
    /// The bearer token the target expects (used for this replay only, never stored).
    pub token: String,
    /// Which exchanges (empty: everything captured).
    #[serde(default)]
    #[ts(optional)]
    pub selection: Option<ReplaySelection>,
    /// Rewrite and list the requests without sending them.
    #[serde(default)]
    #[ts(optional)]
    pub dry_run: Option<bool>,
    /// Most requests per second (default 10; 0: no limit).
    #[serde(default)]
    #[ts(optional)]
    pub rate: Option<f64>,
}

/// `POST /api/replays` answer (`202 Accepted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplayStarted {
    /// The replay's id, for `GET /api/replays/{id}` and to match events.
    pub id: String,
    /// Exchanges selected.
    pub selected: u32,
}

/// `GET /api/replays/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplayStatus {
    /// The replay's id.
    pub id: String,
    /// `running` or `finished`.
    pub state: SimulationState,
    /// How far it got.
    pub progress: Progress,
    /// The steps so far (all of them once finished).
    pub steps: Vec<ReplayStep>,
    /// When finished: the report's summary.
    pub summary: Option<crate::replay::ReplaySummary>,
    /// When the replay could not start (the http client failed); `null` otherwise.
    pub error: Option<String>,
}

/// The replays of this engine, newest last.
pub type ReplayRegistry = super::runs::RunRegistry<ReplayStatus>;

impl super::runs::RunStatus for ReplayStatus {
    fn id(&self) -> &str {
        &self.id
    }
    fn running(&self) -> bool {
        self.state == SimulationState::Running
    }
}

/// `POST /api/replays`.
pub async fn start(
    State(state): State<AdminState>,
    body: Result<Json<StartReplay>, JsonRejection>,
) -> AdminResult<(StatusCode, Json<ReplayStarted>)> {
    let Json(req) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "the body is not a replay request ({}): send {{\"target\": \"https://…/scim/v2\", \"token\": \"…\", \"selection\"?: {{\"idp\"?, \"user\"?, \"since\"?, \"until\"?, \"fromId\"?, \"toId\"?, \"writesOnly\"?, \"ids\"?}}, \"dryRun\"?, \"rate\"?}}",
            e.body_text().to_lowercase()
        ))
    })?;
    let target = simulate::target(&req.target, &req.token)
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    let rate = req.rate.unwrap_or(simulate::DEFAULT_REMOTE_RATE);
    if !rate.is_finite() || rate < 0.0 {
        return Err(AdminError::bad_request(format!(
            "invalid rate {rate}: use 0 (no limit) or more requests per second"
        )));
    }
    let selection = req.selection.unwrap_or_default();
    let exchanges = {
        let mut conn = state.store.read().await?;
        replay::select(&mut conn, &selection)
            .await
            .map_err(|e| match e {
                replay::ReplayError::Store(s) => AdminError::from(s),
                other => AdminError::bad_request(other.to_string()),
            })?
    };
    if exchanges.is_empty() {
        return Err(AdminError::bad_request(
            "nothing to replay: no captured exchange matches the selection (refused requests without a valid key are never replayed)",
        ));
    }
    let selected = exchanges.len() as u32;
    let id = uuid::Uuid::new_v4().to_string();
    let registry = state.replays.clone();
    let running = registry
        .start(
            ReplayStatus {
                id: id.clone(),
                state: SimulationState::Running,
                progress: Progress {
                    phase: "starting".into(),
                    done: 0,
                    estimated_total: selected,
                    passed: 0,
                    failed: 0,
                    skipped: 0,
                },
                steps: Vec::new(),
                summary: None,
                error: None,
            },
            KEPT,
        )
        .err();
    if let Some(other) = running {
        return Err(AdminError::new(
            StatusCode::CONFLICT,
            format!(
                "replay {other} is still running: wait for its replay.finished event (or GET /api/replays/{other}) before starting another"
            ),
        ));
    }
    let options = ReplayOptions {
        rate,
        dry_run: req.dry_run.unwrap_or(false),
        ..ReplayOptions::default()
    };
    tracing::info!(%id, selected, target = %replay::shown_target(&target), dry_run = options.dry_run, "replay started from the admin api");
    let events = state.events.clone();
    let cancel = state.shutdown.clone();
    let run_id = id.clone();
    tokio::spawn(async move {
        let mut last: Option<tokio::time::Instant> = None;
        let mut on_step = |step: &ReplayStep, p: &Progress| {
            registry.update(&run_id, |s| {
                s.progress = p.clone();
                s.steps.push(step.clone());
            });
            if last.is_none_or(|t| t.elapsed() >= super::simulations::PROGRESS_EVERY) {
                last = Some(tokio::time::Instant::now());
                events.publish(EngineEvent::ReplayProgress {
                    id: run_id.clone(),
                    progress: p.clone(),
                });
            }
        };
        let result: Result<ReplayReport, _> =
            replay::run(&options, selection, exchanges, target, cancel, &mut on_step).await;
        match result {
            Ok(report) => {
                let summary = report.summary.clone();
                registry.update(&run_id, |s| {
                    s.state = SimulationState::Finished;
                    s.steps = report.steps;
                    s.summary = Some(report.summary);
                });
                tracing::info!(id = %run_id, outcome = ?summary.outcome, passed = summary.passed, failed = summary.failed, "replay finished");
                events.publish(EngineEvent::ReplayFinished {
                    id: run_id,
                    summary: Box::new(summary),
                });
            }
            Err(e) => {
                tracing::error!(id = %run_id, error = %e, "replay could not run");
                registry.update(&run_id, |s| {
                    s.state = SimulationState::Finished;
                    s.error = Some(e.to_string());
                });
                events.publish(EngineEvent::ReplayFailed {
                    id: run_id,
                    error: e.to_string(),
                });
            }
        }
    });
    Ok((StatusCode::ACCEPTED, Json(ReplayStarted { id, selected })))
}

/// `GET /api/replays/{id}`.
pub async fn get_one(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> AdminResult<Json<ReplayStatus>> {
    state
        .replays
        .get(&id)
        .map(Json)
        .ok_or_else(|| {
            AdminError::not_found(format!(
                "no replay '{id}': start one with POST /api/replays (only the last {KEPT} replays of this launch are kept)"
            ))
        })
}
