//! `/api/faults`: the fault rules — list (with counters and the presets), create, replace,
//! enable/disable, delete one, delete all — and their storage. Every change is stored at once (a
//! restart keeps the rules; counters start again) and published as `faults.changed`.
//!
//! Rules arrive as the rules file's objects (`crate::faults::FaultRule`) and are refused, changing
//! nothing, with a `400` naming the field and the fix.

use super::{AdminError, AdminResult, AdminState};
use crate::events::EngineEvent;
use crate::faults::{FaultPreset, FaultRule, FaultRuleError, FaultRuleView, presets};
use crate::store::prelude::*;
use crate::store::{Store, StoreError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The setting that holds the rules (a JSON array of rules, in order).
const RULES_SETTING: &str = "fault_rules";

/// `GET /api/faults`: the rules in order with their counters, and the presets the UI offers.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FaultList {
    /// The rules, first match first.
    pub rules: Vec<FaultRuleView>,
    /// Ready-made rules.
    pub presets: Vec<FaultPreset>,
}

/// `PATCH /api/faults/{id}`: enable or disable a rule, keeping its counters.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct FaultToggle {
    /// Whether the rule is in force.
    pub enabled: bool,
}

/// The stored rules (empty when none were ever saved).
pub async fn load(store: &Store) -> Result<Vec<FaultRule>, StoreError> {
    let mut conn = store.read().await?;
    Ok(conn
        .setting(RULES_SETTING)
        .await?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Store `rules` as the rules in force.
pub async fn save(store: &Store, rules: &[FaultRule]) -> Result<(), StoreError> {
    let json = serde_json::to_string(rules).unwrap_or_else(|_| "[]".into());
    let mut tx = store.write().await?;
    tx.set_setting(RULES_SETTING, &json).await?;
    tx.commit().await
}

/// After a change: store the rules, publish them, return the list.
async fn changed(state: &AdminState) -> AdminResult<Vec<FaultRuleView>> {
    let views = state.faults.list();
    let rules: Vec<FaultRule> = views.iter().map(|v| v.rule.clone()).collect();
    save(&state.store, &rules).await?;
    state.events.publish(EngineEvent::FaultsChanged {
        rules: views.clone(),
    });
    Ok(views)
}

fn refused(e: &FaultRuleError) -> AdminError {
    match e {
        FaultRuleError::UnknownId(id) => AdminError::not_found(format!(
            "no fault rule {id}: list them with GET /api/faults"
        )),
        other => AdminError::bad_request(other.to_string()),
    }
}

fn rule_from(body: &Bytes) -> AdminResult<FaultRule> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        AdminError::bad_request(format!(
            "the body is not json ({e}): send one rule as the rules file writes it, e.g. {{\"name\": \"throttle\", \"match\": {{\"operation\": \"create\"}}, \"action\": {{\"status\": 429, \"retryAfter\": 1}}}}"
        ))
    })?;
    FaultRule::from_value(value).map_err(|e| refused(&e))
}

/// `GET /api/faults`.
pub async fn list(State(state): State<AdminState>) -> Json<FaultList> {
    Json(FaultList {
        rules: state.faults.list(),
        presets: presets(),
    })
}

/// `POST /api/faults`: add a rule at the end of the list.
pub async fn create(
    State(state): State<AdminState>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<FaultRuleView>)> {
    let rule = rule_from(&body)?;
    let view = state
        .faults
        .with(|s| s.add(rule))
        .map_err(|e| refused(&e))?;
    changed(&state).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `PUT /api/faults/{id}`: replace a rule in place (its counters start again).
pub async fn replace(
    State(state): State<AdminState>,
    Path(id): Path<u64>,
    body: Bytes,
) -> AdminResult<Json<FaultRuleView>> {
    let rule = rule_from(&body)?;
    let view = state
        .faults
        .with(|s| s.replace(id, rule))
        .map_err(|e| refused(&e))?;
    changed(&state).await?;
    Ok(Json(view))
}

/// `PATCH /api/faults/{id}`: `{"enabled": bool}`, counters kept.
pub async fn toggle(
    State(state): State<AdminState>,
    Path(id): Path<u64>,
    body: Bytes,
) -> AdminResult<Json<FaultRuleView>> {
    let toggle: FaultToggle = serde_json::from_slice(&body).map_err(|e| {
        AdminError::bad_request(format!(
            "invalid body ({e}): send {{\"enabled\": true}} or {{\"enabled\": false}}"
        ))
    })?;
    let view = state
        .faults
        .with(|s| s.set_enabled(id, toggle.enabled))
        .map_err(|e| refused(&e))?;
    changed(&state).await?;
    Ok(Json(view))
}

/// `DELETE /api/faults/{id}`.
pub async fn remove(
    State(state): State<AdminState>,
    Path(id): Path<u64>,
) -> AdminResult<StatusCode> {
    if !state.faults.with(|s| s.remove(id)) {
        return Err(refused(&FaultRuleError::UnknownId(id)));
    }
    changed(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/faults`: every rule.
pub async fn clear(State(state): State<AdminState>) -> AdminResult<StatusCode> {
    state
        .faults
        .with(|s| s.replace_all(Vec::new()))
        .map_err(|e| refused(&e))?;
    changed(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}
