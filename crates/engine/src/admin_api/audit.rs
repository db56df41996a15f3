//! For owners: `GET /api/audit`, the admin API's audit log — every action (a request that
//! changes something, or an export), who made it with which role, on which workspace, when,
//! from where, and the answer's status; newest first, in pages (`?before=<id>&limit=<n>`) — and
//! `GET /api/admin-users`, who holds a personal admin token (never the tokens).

use super::{AdminError, AdminResult, AdminState};
use crate::store::audit::AuditEntry;
use crate::store::prelude::*;
use axum::Json;
use axum::extract::{Query, State};

/// The query of `GET /api/audit`.
#[derive(Debug, serde::Deserialize)]
pub struct AuditQuery {
    /// Entries older than this id (the previous page's `nextBefore`).
    before: Option<i64>,
    /// At most this many (default 100, at most 1 000).
    limit: Option<i64>,
}

/// One page of the audit log.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries, newest first.
    pub items: Vec<AuditEntry>,
    /// The `before` of the next (older) page; `null` on the last.
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
}

/// An admin user as `GET /api/admin-users` shows it (no token, no hash).
#[derive(Debug, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserInfo {
    /// The name given to `scimlab admin-user add`.
    pub name: String,
    /// `viewer`, `operator` or `owner`.
    pub role: String,
    /// When it was added (RFC 3339).
    pub created: String,
    /// When it was revoked, if it was.
    pub revoked: Option<String>,
}

/// `GET /api/admin-users`: every admin user, revoked ones too, by name.
pub async fn admin_users(State(state): State<AdminState>) -> AdminResult<Json<Vec<AdminUserInfo>>> {
    let rows = state.store.read().await?.admin_users().await?;
    Ok(Json(
        rows.into_iter()
            .map(|u| AdminUserInfo {
                name: u.name,
                role: u.role,
                created: u.created,
                revoked: u.revoked,
            })
            .collect(),
    ))
}

/// `GET /api/audit`.
pub async fn list(
    State(state): State<AdminState>,
    Query(q): Query<AuditQuery>,
) -> AdminResult<Json<AuditPage>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AdminError::bad_request(format!(
            "invalid limit {limit}: use 1 to 1000"
        )));
    }
    let items = state
        .store
        .read()
        .await?
        .audit_entries(q.before, limit)
        .await?;
    let next_before = (items.len() as i64 == limit)
        .then(|| items.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage { items, next_before }))
}
