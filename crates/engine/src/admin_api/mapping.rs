//! Mapping routes: the profiles (list, get, save, delete, choose), the role summary, and the
//! mapping extras of a user's detail (result, role history, timeline with mapped-field diffs).
//!
//! The roles summary reads the materialised results (`crate::materialised`), kept up to date as
//! users change; choosing, saving or deleting the profile in force re-evaluates every user (in
//! the background for large workspaces, with `mapping.progress` events), and `mapping.changed`
//! tells the UI to reload. A user's own result and timeline are evaluated on request.

use super::model::{
    CheckPaths, ChooseProfile, FieldStatusOf, MappingState, MaterialisedPage, MaterialisedUser,
    PathCheck, ProfileList, RoleChange, RoleSummaryReply, SeenAttributes, SeenPath, TimelineEntry,
};
use super::{AdminError, AdminResult, AdminState, int_param, query_pairs};
use crate::events::EngineEvent;
use crate::mapping::{
    self, CompiledProfile, MappingProfile, MappingResult, is_reserved_profile_id,
};
use crate::results;
use crate::store::exchanges::ExchangeQuery;
use crate::store::prelude::*;
use crate::store::resources::SqlOrder;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use scimlab_scim::ResourceKind;
use serde_json::Value;

/// Exchanges shown in a user's timeline (oldest first among the newest this many).
pub const TIMELINE_EXCHANGES: i64 = 200;

/// `GET /api/profiles`.
pub async fn list(State(state): State<AdminState>) -> AdminResult<Json<ProfileList>> {
    let mut conn = state.store.read().await?;
    Ok(Json(ProfileList {
        active: results::active_profile(&mut conn).await?.id().to_owned(),
        profiles: results::all_profiles(&mut conn).await?,
    }))
}

/// `GET /api/profiles/{id}`: the profile as JSON (also its export format).
pub async fn get_one(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> AdminResult<Json<MappingProfile>> {
    let mut conn = state.store.read().await?;
    results::profile(&mut conn, &id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            AdminError::not_found(format!(
                "no mapping profile '{id}': list them with GET /api/profiles"
            ))
        })
}

/// Users read for `GET /api/attributes` (the newest ones).
pub const SEEN_USERS: i64 = 2_000;

/// `POST /api/profiles/check`: whether each source path parses, with the parser's message
/// (the editor checks as the admin types, not only on save).
pub async fn check_paths(
    body: Result<Json<CheckPaths>, axum::extract::rejection::JsonRejection>,
) -> AdminResult<Json<Vec<PathCheck>>> {
    let Json(body) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "send {{\"sources\": [\"<source path>\", …]}} ({})",
            e.body_text()
        ))
    })?;
    Ok(Json(
        body.sources
            .into_iter()
            .take(256)
            .map(|path| PathCheck {
                error: mapping::SourcePath::parse(&path).err().map(|e| e.message),
                path,
            })
            .collect(),
    ))
}

/// `GET /api/attributes`: the attribute paths the newest [`SEEN_USERS`] users carry.
pub async fn seen_attributes(State(state): State<AdminState>) -> AdminResult<Json<SeenAttributes>> {
    let mut conn = state.store.read().await?;
    let rows = conn
        .resource_page(ResourceKind::User, SqlOrder::Created, true, 0, SEEN_USERS)
        .await?;
    drop(conn);
    let mut counts: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for r in &rows {
        let mut paths = crate::checks::attribute_paths(&Value::Object(r.attributes.clone()));
        paths.sort();
        paths.dedup();
        for p in paths {
            *counts.entry(p).or_default() += 1;
        }
    }
    let mut paths: Vec<SeenPath> = counts
        .into_iter()
        .map(|(path, users)| SeenPath { path, users })
        .collect();
    paths.sort_by(|a, b| b.users.cmp(&a.users).then_with(|| a.path.cmp(&b.path)));
    Ok(Json(SeenAttributes {
        users: u32::try_from(rows.len()).unwrap_or(u32::MAX),
        paths,
    }))
}

/// `PUT /api/profiles/{id}`: save (create or replace) an admin profile. The body is a
/// `MappingProfile`; its paths must compile. Built-in ids are refused.
pub async fn save(
    State(state): State<AdminState>,
    Path(id): Path<String>,
    body: Result<Json<MappingProfile>, axum::extract::rejection::JsonRejection>,
) -> AdminResult<Json<MappingProfile>> {
    let Json(mut profile) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "the body is not a mapping profile ({}): send {{\"id\", \"name\", \"fields\": [{{\"field\", \"sources\"}}]}}",
            e.body_text()
        ))
    })?;
    if is_reserved_profile_id(&id) {
        return Err(AdminError::bad_request(format!(
            "'{id}' is a built-in profile and cannot be changed: save a copy under another id"
        )));
    }
    if profile.id != id {
        return Err(AdminError::bad_request(format!(
            "the body's id '{}' differs from the url's id '{id}': send the same id",
            profile.id
        )));
    }
    profile.builtin = false;
    profile
        .compile()
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    let json = serde_json::to_string(&profile).map_err(|e| AdminError::internal(&e))?;
    let mut tx = state.store.write().await?;
    tx.save_profile(&id, &json, &crate::wire::now()).await?;
    let active = tx.active_profile().await?;
    tx.commit().await?;
    if active == id {
        state
            .events
            .publish(EngineEvent::MappingChanged { profile_id: id });
        state.materialised.nudge();
    }
    Ok(Json(profile))
}

/// `DELETE /api/profiles/{id}`: delete a saved profile (the profile in force falls back to
/// `auto` if it was this one).
pub async fn delete(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> AdminResult<StatusCode> {
    if is_reserved_profile_id(&id) {
        return Err(AdminError::bad_request(format!(
            "'{id}' is a built-in profile and cannot be deleted"
        )));
    }
    let mut tx = state.store.write().await?;
    if !tx.delete_profile(&id).await? {
        return Err(AdminError::not_found(format!(
            "no saved mapping profile '{id}'"
        )));
    }
    let was_active = tx.active_profile().await? == id;
    if was_active {
        tx.set_active_profile(mapping::AUTO_PROFILE_ID).await?;
    }
    tx.commit().await?;
    if was_active {
        state.events.publish(EngineEvent::MappingChanged {
            profile_id: mapping::AUTO_PROFILE_ID.to_owned(),
        });
        state.materialised.nudge();
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/profiles/active` with `{"id": "okta"}`: choose the profile in force.
pub async fn choose(
    State(state): State<AdminState>,
    body: Result<Json<ChooseProfile>, axum::extract::rejection::JsonRejection>,
) -> AdminResult<Json<ProfileList>> {
    let Json(choice) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "send {{\"id\": \"<profile id>\"}} ({})",
            e.body_text()
        ))
    })?;
    let mut tx = state.store.write().await?;
    let Some(profile) = results::profile(&mut tx, &choice.id).await? else {
        return Err(AdminError::not_found(format!(
            "no mapping profile '{}': list them with GET /api/profiles",
            choice.id
        )));
    };
    profile
        .compile()
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    tx.set_active_profile(&choice.id).await?;
    let profiles = results::all_profiles(&mut tx).await?;
    tx.commit().await?;
    state.events.publish(EngineEvent::MappingChanged {
        profile_id: choice.id.clone(),
    });
    state.materialised.nudge();
    Ok(Json(ProfileList {
        active: choice.id,
        profiles,
    }))
}

/// `GET /api/roles`: users per effective role and per role status, for the whole endpoint, from
/// the materialised results (kept up to date as users change; `updating` while every user is
/// re-evaluated under another profile).
pub async fn roles(State(state): State<AdminState>) -> AdminResult<Json<RoleSummaryReply>> {
    let reading = state.materialised.roles().await?;
    Ok(Json(RoleSummaryReply {
        summary: reading.value,
        updating: reading.updating,
    }))
}

/// `GET /api/mapping`: where the materialised results stand (the profile they are under, and a
/// re-evaluation's progress).
pub async fn mapping_state(State(state): State<AdminState>) -> AdminResult<Json<MappingState>> {
    let now = state.materialised.state().await?;
    let active = {
        let mut conn = state.store.read().await?;
        results::active_profile(&mut conn).await?.id().to_owned()
    };
    Ok(Json(MappingState {
        active,
        profile_id: now.profile_id,
        users: u32::try_from(now.users).unwrap_or(u32::MAX),
        updating: now.updating,
        evaluated: now.evaluated,
        total: now.total,
    }))
}

/// Results per page of `GET /api/mapping/users` when `count` is not given, and at most.
const RESULTS_PAGE: i64 = 100;
const MAX_RESULTS_PAGE: i64 = 1000;

/// `GET /api/mapping/users?startIndex=&count=`: the materialised results, in creation order.
pub async fn mapping_users(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<Json<MaterialisedPage>> {
    let (mut start_index, mut count) = (1, RESULTS_PAGE);
    for (name, value) in query_pairs(raw.as_deref(), &["startIndex", "count"])? {
        if name == "startIndex" {
            start_index = int_param("startIndex", &value, 1, i64::from(u32::MAX))?;
        } else {
            count = int_param("count", &value, 0, MAX_RESULTS_PAGE)?;
        }
    }
    let offset = usize::try_from(start_index - 1).unwrap_or(0);
    let reading = state
        .materialised
        .entries(offset, usize::try_from(count).unwrap_or(0))
        .await?;
    let (total, entries) = reading.value;
    Ok(Json(MaterialisedPage {
        total_results: u32::try_from(total).unwrap_or(u32::MAX),
        start_index: u32::try_from(start_index).unwrap_or(u32::MAX),
        items: entries
            .into_iter()
            .map(|e| MaterialisedUser {
                id: e.facts.id.clone(),
                user_name: e.facts.user_name.clone(),
                created_by: e.facts.created_by,
                effective_role: e.role,
                statuses: mapping::TargetField::ALL
                    .iter()
                    .zip(e.statuses)
                    .filter_map(|(&field, status)| {
                        status.map(|status| FieldStatusOf { field, status })
                    })
                    .collect(),
                role_raw: e.facts.role_raw.clone(),
                role_valid: e.facts.role_valid,
                attributes: e.facts.attributes_sent.to_vec(),
            })
            .collect(),
        updating: reading.updating,
    }))
}

fn changed_fields(
    before: Option<&MappingResult>,
    after: Option<&MappingResult>,
) -> Vec<mapping::TargetField> {
    mapping::TargetField::ALL
        .into_iter()
        .filter(|f| {
            let pick = |m: Option<&MappingResult>| {
                m.and_then(|m| m.field(*f))
                    .map(|r| (r.value.clone(), r.status))
            };
            pick(before) != pick(after)
        })
        .collect()
}

/// Later exchanges read per faulted entry of a user's timeline (the detail reads more).
const TIMELINE_REACTION_EXCHANGES: i64 = 300;

/// The mapping result, role history and timeline of one user.
pub async fn user_extras(
    state: &AdminState,
    id: &str,
    resource: &Value,
) -> AdminResult<(MappingResult, Vec<RoleChange>, Vec<TimelineEntry>)> {
    let mut conn = state.store.read().await?;
    let profile: CompiledProfile = results::active_profile(&mut conn).await?;
    let creator = results::creator_of(&mut conn, id).await?;
    let result = mapping::evaluate(&profile, resource, creator);
    let history = conn
        .role_history(id)
        .await?
        .into_iter()
        .map(|r| RoleChange {
            from: r.from_role,
            to: r.to_role,
            status: r.to_status,
            raw: r.raw,
            exchange_id: r.exchange_id,
            at: r.at,
        })
        .collect();
    let mut summaries = conn
        .exchange_summaries(&ExchangeQuery {
            resource_id: Some(id.to_owned()),
            limit: TIMELINE_EXCHANGES,
            ..ExchangeQuery::default()
        })
        .await?;
    summaries.reverse();
    // Attempts a fault refused before the user existed carry only its userName.
    if let Some(name) = resource.get("userName").and_then(Value::as_str) {
        summaries.extend(conn.faulted_attempts(name, TIMELINE_EXCHANGES).await?);
        summaries.sort_by_key(|s| s.id);
    }
    let mut timeline = Vec::with_capacity(summaries.len());
    for s in summaries {
        let reaction = match &s.fault {
            Some(fault) => {
                let following = conn
                    .exchanges_after(s.id, s.idp, TIMELINE_REACTION_EXCHANGES)
                    .await?;
                Some(crate::faults::reaction(&s, fault.retry_after, &following))
            }
            None => None,
        };
        let whole = conn.exchange(s.id).await?;
        let (before, after) = whole.map_or((None, None), |e| (e.before, e.after));
        let mapping_before = before
            .as_ref()
            .map(|b| mapping::evaluate(&profile, b, creator));
        let mapping_after = after
            .as_ref()
            .map(|a| mapping::evaluate(&profile, a, creator));
        let changed = if before.is_some() || after.is_some() {
            changed_fields(mapping_before.as_ref(), mapping_after.as_ref())
        } else {
            Vec::new()
        };
        timeline.push(TimelineEntry {
            exchange: s,
            before,
            after,
            mapping_before,
            mapping_after,
            changed_fields: changed,
            reaction,
        });
    }
    Ok((result, history, timeline))
}
