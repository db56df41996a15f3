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

/// The stored rules (empty when none were ever saved). A rule that no longer reads (written by
/// another ScimLab version) is left out with a warning; the others are kept.
pub async fn load(store: &Store) -> Result<Vec<FaultRule>, StoreError> {
    let mut conn = store.read().await?;
    let Some(json) = conn.setting(RULES_SETTING).await? else {
        return Ok(Vec::new());
    };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&json) else {
        tracing::warn!("the stored fault rules are not a json list; starting without them");
        return Ok(Vec::new());
    };
    let mut rules: Vec<FaultRule> = Vec::new();
    for item in items {
        match FaultRule::from_value(item) {
            Ok(rule)
                if !rules
                    .iter()
                    .any(|r| r.name.eq_ignore_ascii_case(&rule.name)) =>
            {
                rules.push(rule);
            }
            Ok(rule) => {
                tracing::warn!(name = %rule.name, "a stored fault rule repeats a name; left out");
            }
            Err(e) => {
                tracing::warn!(error = %e, "a stored fault rule no longer reads; left out");
            }
        }
    }
    Ok(rules)
}

/// Store `rules` as the rules in force.
pub async fn save(store: &Store, rules: &[FaultRule]) -> Result<(), StoreError> {
    let json = serde_json::to_string(rules).unwrap_or_else(|_| "[]".into());
    let mut tx = store.write().await?;
    tx.set_setting(RULES_SETTING, &json).await?;
    tx.commit().await
}

/// Apply `change` to the rules, store the result and publish it; if the store refuses, put the
/// rules back as they were (the API's answer then says nothing changed, and nothing did). Edits
/// run one at a time, from change to save.
async fn edit<T>(
    state: &AdminState,
    change: impl FnOnce(&mut crate::faults::FaultSet) -> Result<T, FaultRuleError>,
) -> AdminResult<T> {
    let _one_at_a_time = state.faults.edit().await;
    let before: Vec<FaultRule> = state.faults.list().into_iter().map(|v| v.rule).collect();
    let out = state.faults.with(change).map_err(|e| refused(&e))?;
    let views = state.faults.list();
    let rules: Vec<FaultRule> = views.iter().map(|v| v.rule.clone()).collect();
    if let Err(e) = save(&state.store, &rules).await {
        let _ = state.faults.with(|s| s.replace_all(before));
        return Err(e.into());
    }
    state
        .events
        .publish(EngineEvent::FaultsChanged { rules: views });
    Ok(out)
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
    let view = edit(&state, |s| s.add(rule)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `PUT /api/faults/{id}`: replace a rule in place (its counters start again).
pub async fn replace(
    State(state): State<AdminState>,
    Path(id): Path<u64>,
    body: Bytes,
) -> AdminResult<Json<FaultRuleView>> {
    let rule = rule_from(&body)?;
    let view = edit(&state, |s| s.replace(id, rule)).await?;
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
    let view = edit(&state, |s| s.set_enabled(id, toggle.enabled)).await?;
    Ok(Json(view))
}

/// `DELETE /api/faults/{id}`.
pub async fn remove(
    State(state): State<AdminState>,
    Path(id): Path<u64>,
) -> AdminResult<StatusCode> {
    edit(&state, |s| {
        if s.remove(id) {
            Ok(())
        } else {
            Err(FaultRuleError::UnknownId(id))
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/faults`: every rule.
pub async fn clear(State(state): State<AdminState>) -> AdminResult<StatusCode> {
    edit(&state, |s| s.replace_all(Vec::new())).await?;
    Ok(StatusCode::NO_CONTENT)
}
