//! `POST /api/simulations` and `GET /api/simulations/{id}`: the IdP simulator run by the engine
//! against its own SCIM listener, for the UI's "Run a simulated Entra cycle" button.
//!
//! A run is a background task (one at a time: a second start while one runs is a `409` naming
//! the running one). It speaks HTTP to the SCIM listener with the stored key, exactly as an IdP
//! would, so its traffic is captured, classified and mapped like real traffic. Progress goes out
//! as `simulation.progress` events, at most one per [`PROGRESS_EVERY`], and the end as one
//! `simulation.finished` with the summary (no step list: that is in `GET /api/simulations/{id}`).
//! The run stops when the engine shuts down. The most recent [`KEPT`] runs are kept in memory
//! (not in the database: they are a rehearsal aid, the exchanges themselves are stored).

use super::endpoint::current_key;
use super::{AdminError, AdminResult, AdminState};
use crate::events::EngineEvent;
use crate::simulate::{
    self, Dialect, EmployeeTypeAt, Progress, Scenario, Setup, SimOptions, SimulationReport,
};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use std::time::Duration;
use ts_rs::TS;

/// Shortest time between two `simulation.progress` events of one run.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Finished runs kept for `GET /api/simulations/{id}`.
pub const KEPT: usize = 20;
/// Most simulated people per run from the admin API.
pub const MAX_USERS: u32 = 10_000;

/// `POST /api/simulations` body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StartSimulation {
    /// `entra`, `okta` or `import` (read case-insensitively; anything else is a `400` naming
    /// the three).
    #[ts(as = "Scenario")]
    pub scenario: String,
    /// `default` / `aadOptscim062020` (entra), `aiw` / `oin` (okta); omitted: the first.
    #[serde(default)]
    #[ts(optional)]
    pub dialect: Option<String>,
    /// How the IdP is configured: `guide` (the default: exactly what the target app's guide
    /// sets up), `guide-literal` (Entra without the `active` mapping: no deactivation is ever
    /// sent; Okta: as `guide`) or `full` (the IdPs' richer default payloads). Not for `import`.
    #[serde(default)]
    #[ts(optional)]
    pub setup: Option<String>,
    /// Entra only: where `employeeType` (the role) lands — `top`, `enterprise` or `custom`
    /// (the default: a custom extension not listed in `schemas`).
    #[serde(default, rename = "employeeTypeAt")]
    #[ts(optional)]
    pub employee_type_at: Option<String>,
    /// Simulated people, 1 to 10 000 (default 10; ignored by `import`).
    #[serde(default)]
    #[ts(optional)]
    pub users: Option<u32>,
    /// Population seed (default 1).
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub seed: Option<u64>,
}

/// `POST /api/simulations` answer (`202 Accepted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SimulationStarted {
    /// The run's id, for `GET /api/simulations/{id}` and to match events.
    pub id: String,
}

/// Whether a run is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum SimulationState {
    /// Still sending.
    Running,
    /// Done (passed, failed, cancelled or abandoned: see the report's summary).
    Finished,
}

/// `GET /api/simulations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SimulationStatus {
    /// The run's id.
    pub id: String,
    /// What is simulated.
    pub scenario: Scenario,
    /// Running or finished.
    pub state: SimulationState,
    /// How far it got.
    pub progress: Progress,
    /// When finished: the summary, every step and the population.
    pub report: Option<SimulationReport>,
    /// When the run could not start (e.g. the http client failed); `null` otherwise.
    pub error: Option<String>,
}

/// The simulations of this engine, newest last.
pub type SimulationRegistry = super::runs::RunRegistry<SimulationStatus>;

impl super::runs::RunStatus for SimulationStatus {
    fn id(&self) -> &str {
        &self.id
    }
    fn running(&self) -> bool {
        self.state == SimulationState::Running
    }
}

fn empty_progress() -> Progress {
    Progress {
        phase: "starting".into(),
        done: 0,
        estimated_total: 0,
        passed: 0,
        failed: 0,
        skipped: 0,
    }
}

/// The engine's own SCIM URL, with a wildcard bind address replaced by loopback.
fn own_scim_url(base: &str) -> String {
    base.replacen("://0.0.0.0:", "://127.0.0.1:", 1)
        .replacen("://[::]:", "://[::1]:", 1)
}

/// `POST /api/simulations`.
pub async fn start(
    State(state): State<AdminState>,
    body: Result<Json<StartSimulation>, JsonRejection>,
) -> AdminResult<(StatusCode, Json<SimulationStarted>)> {
    let Json(req) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "the body is not a simulation request ({}): send {{\"scenario\": \"entra\" | \"okta\" | \"import\", \"dialect\"?, \"setup\"?, \"employeeTypeAt\"?, \"users\"?, \"seed\"?}}",
            e.body_text()
        ))
    })?;
    let scenario: Scenario = req
        .scenario
        .parse()
        .map_err(|e: simulate::SimError| AdminError::bad_request(e.to_string()))?;
    let mut options = SimOptions::new(scenario);
    options.dialect = req
        .dialect
        .as_deref()
        .map(|d| Dialect::parse(scenario, d))
        .transpose()
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    let bad = |e: simulate::SimError| AdminError::bad_request(e.to_string());
    options.setup = req
        .setup
        .as_deref()
        .map(str::parse::<Setup>)
        .transpose()
        .map_err(bad)?;
    options.employee_type_at = req
        .employee_type_at
        .as_deref()
        .map(str::parse::<EmployeeTypeAt>)
        .transpose()
        .map_err(bad)?;
    let users = req.users.unwrap_or(simulate::DEFAULT_USERS as u32);
    if !(1..=MAX_USERS).contains(&users) {
        return Err(AdminError::bad_request(format!(
            "invalid users {users}: use 1 to {MAX_USERS}"
        )));
    }
    options.users = users as usize;
    options.seed = req.seed.unwrap_or(simulate::DEFAULT_SEED);
    // The engine's own listener: no rate limit needed.
    options.rate = 0.0;
    options.validate().map_err(bad)?;
    let key = current_key(&state).await?;
    let target = simulate::target(&own_scim_url(&state.scim_base_url()), &key)
        .map_err(|e| AdminError::internal(&e))?;

    let id = uuid::Uuid::new_v4().to_string();
    let registry = state.simulations.clone();
    let running = registry
        .start(
            SimulationStatus {
                id: id.clone(),
                scenario,
                state: SimulationState::Running,
                progress: empty_progress(),
                report: None,
                error: None,
            },
            KEPT,
        )
        .err();
    if let Some(other) = running {
        return Err(AdminError::new(
            StatusCode::CONFLICT,
            format!(
                "simulation {other} is still running: wait for its simulation.finished event (or GET /api/simulations/{other}) before starting another"
            ),
        ));
    }
    tracing::info!(%id, scenario = %scenario, users, "simulation started from the admin api");
    let events = state.events.clone();
    let cancel = state.shutdown.clone();
    let run_id = id.clone();
    tokio::spawn(async move {
        let mut last: Option<tokio::time::Instant> = None;
        let mut on_step = |_: &simulate::StepResult, p: &Progress| {
            registry.update(&run_id, |s| s.progress = p.clone());
            if last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
                last = Some(tokio::time::Instant::now());
                events.publish(EngineEvent::SimulationProgress {
                    id: run_id.clone(),
                    scenario,
                    progress: p.clone(),
                });
            }
        };
        let result = simulate::run(&options, target, cancel, &mut on_step).await;
        match result {
            Ok(report) => {
                let summary = report.summary.clone();
                registry.update(&run_id, |s| {
                    s.state = SimulationState::Finished;
                    s.report = Some(report);
                });
                tracing::info!(id = %run_id, outcome = ?summary.outcome, passed = summary.passed, failed = summary.failed, "simulation finished");
                events.publish(EngineEvent::SimulationFinished {
                    id: run_id,
                    summary: Box::new(summary),
                });
            }
            Err(e) => {
                tracing::error!(id = %run_id, error = %e, "simulation could not run");
                registry.update(&run_id, |s| {
                    s.state = SimulationState::Finished;
                    s.error = Some(e.to_string());
                });
                events.publish(EngineEvent::SimulationFailed {
                    id: run_id,
                    error: e.to_string(),
                });
            }
        }
    });
    Ok((StatusCode::ACCEPTED, Json(SimulationStarted { id })))
}

/// `GET /api/simulations/{id}`.
pub async fn get_one(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> AdminResult<Json<SimulationStatus>> {
    state
        .simulations
        .get(&id)
        .map(Json)
        .ok_or_else(|| {
            AdminError::not_found(format!(
                "no simulation '{id}': start one with POST /api/simulations (only the last {KEPT} runs of this launch are kept)"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_url_never_targets_a_wildcard_address() {
        assert_eq!(
            own_scim_url("http://0.0.0.0:8787/scim/v2"),
            "http://127.0.0.1:8787/scim/v2"
        );
        assert_eq!(
            own_scim_url("http://[::]:8787/scim/v2"),
            "http://[::1]:8787/scim/v2"
        );
        assert_eq!(
            own_scim_url("http://127.0.0.1:1/scim/v2"),
            "http://127.0.0.1:1/scim/v2"
        );
    }
}
