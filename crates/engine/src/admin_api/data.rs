//! `DELETE /api/data`: reset for a fresh rehearsal (users, groups, memberships, exchanges; the
//! SCIM key stays, so the IdP's connection keeps working). The rows are erased for good: the
//! database file is vacuumed afterwards, so nothing deleted survives in its free pages.
//!
//! The capture writer may commit exchanges of in-flight requests right after the reset: they
//! belong to the new rehearsal and are kept.

use super::model::{DeletedCounts, ResetResult};
use super::{AdminResult, AdminState};
use crate::events::EngineEvent;
use crate::store::prelude::*;
use axum::Json;
use axum::extract::State;

/// `DELETE /api/data`.
pub async fn reset(State(state): State<AdminState>) -> AdminResult<Json<ResetResult>> {
    let counts = {
        let mut tx = state.store.write().await?;
        let counts = tx.reset_all().await?;
        tx.commit().await?;
        counts
    };
    tracing::info!(
        users = counts.users,
        groups = counts.groups,
        exchanges = counts.exchanges,
        "data reset from the admin api"
    );
    state.events.publish(EngineEvent::Reset);
    state.materialised.nudge();
    // Erased for good: the file's free pages are rewritten too (off the request path).
    let store = state.store.clone();
    tokio::spawn(async move { store.reclaim().await });
    Ok(Json(ResetResult {
        deleted: DeletedCounts {
            users: counts.users,
            groups: counts.groups,
            exchanges: counts.exchanges,
        },
    }))
}
