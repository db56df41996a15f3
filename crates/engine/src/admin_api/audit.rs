//! `GET /api/audit`: the admin API's audit log for owners — every action (a request that changes
//! something, or an export), who made it with which role, on which workspace, when, from
//! where, and the answer's status; newest first, in pages (`?before=<id>&limit=<n>`).

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
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries, newest first.
    pub items: Vec<AuditEntry>,
    /// The `before` of the next (older) page; `null` on the last.
    pub next_before: Option<i64>,
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
