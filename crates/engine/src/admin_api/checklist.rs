//! `GET /api/checklist?idp=entra|okta`: the setup checklist scored from observed traffic.
//!
//! Gathers the rules' input — the newest exchanges attributed to that IdP (whole, redacted) and
//! one `UserFacts` per stored user (who created it, which attributes its create carried, what
//! role value arrived) — and runs `crate::checks`.

use super::{AdminError, AdminResult, AdminState, query_pairs};
use crate::capture::model::{Idp, OperationKind};
use crate::checks::{self, CheckInput, Checklist, UserFacts, attribute_paths};
use crate::mapping::{FieldStatus, TargetField};
use crate::store::exchanges;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;
use std::collections::HashMap;

/// Exchanges the checklist reads (the newest of that IdP).
pub const CHECKLIST_EXCHANGES: i64 = 5000;

/// `GET /api/checklist?idp=entra|okta`.
pub async fn checklist(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<Json<Checklist>> {
    let mut idp = None;
    for (_, value) in query_pairs(raw.as_deref(), &["idp"])? {
        idp = match value.as_str() {
            "entra" => Some(Idp::Entra),
            "okta" => Some(Idp::Okta),
            other => {
                return Err(AdminError::bad_request(format!(
                    "invalid idp '{other}': use idp=entra or idp=okta"
                )));
            }
        };
    }
    let idp =
        idp.ok_or_else(|| AdminError::bad_request("missing idp: use ?idp=entra or ?idp=okta"))?;
    // One list of users, evaluated once: results line up with users even if one is deleted
    // meanwhile.
    let users = super::mapping::all_users_rendered(&state).await?;
    let mut conn = state.store.read.acquire().await?;
    let profile = crate::results::active_profile(&mut conn).await?;
    let results = crate::results::evaluate_users(&mut conn, &profile, &users).await?;
    let traffic = exchanges::recent_whole(&mut conn, idp, CHECKLIST_EXCHANGES).await?;
    let creators = crate::store::mapping::creators(&mut conn).await?;
    drop(conn);
    // The body of each user's create, when still captured: what the IdP mapped.
    let create_bodies: HashMap<&str, Value> = traffic
        .iter()
        .filter(|e| e.summary.operation == OperationKind::Create && e.summary.status == 201)
        .filter_map(|e| {
            let id = e.summary.resource_id.as_deref()?;
            let body = serde_json::from_str(e.request_body.as_deref()?).ok()?;
            Some((id, body))
        })
        .collect();
    let facts: Vec<UserFacts> = users
        .iter()
        .zip(&results)
        .filter_map(|(u, m)| {
            let id = u.get("id")?.as_str()?.to_owned();
            let role = m.field(TargetField::Role);
            Some(UserFacts {
                user_name: u
                    .get("userName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                created_by: creators.get(&id).map_or(Idp::Other, |s| Idp::parse(s)),
                attributes_sent: attribute_paths(create_bodies.get(id.as_str()).unwrap_or(u)),
                role_raw: role.and_then(|r| r.raw.clone()),
                role_valid: role.is_none_or(|r| r.status != FieldStatus::Invalid),
                id,
            })
        })
        .collect();
    Ok(Json(checks::evaluate(&CheckInput {
        idp,
        exchanges: &traffic,
        users: &facts,
    })))
}
