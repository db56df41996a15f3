//! `GET /api/settings` and `PUT /api/settings`: strict mode and retention change at once; the
//! addresses, limits and database are shown for reference (fixed for a launch).

use super::model::{EngineSettings, SettingsUpdate};
use super::{AdminError, AdminResult, AdminState};
use crate::events::EngineEvent;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;

/// The settings in force.
pub fn current(state: &AdminState) -> EngineSettings {
    EngineSettings {
        strict: state.settings.strict(),
        retention: state.settings.retention(),
        scim_addr: state.fixed.scim_addr.to_string(),
        admin_addr: state.fixed.admin_addr.to_string(),
        body_limit: state.fixed.body_limit as u64,
        capture_body_cap: state.fixed.capture_body_cap as u64,
        db_path: state.fixed.db_path.clone(),
    }
}

/// `GET /api/settings`.
pub async fn show(State(state): State<AdminState>) -> Json<EngineSettings> {
    Json(current(&state))
}

/// `PUT /api/settings`: apply what the body names (nothing when it is refused), publish
/// `settings.changed`.
pub async fn update(
    State(state): State<AdminState>,
    body: Result<Json<SettingsUpdate>, JsonRejection>,
) -> AdminResult<Json<EngineSettings>> {
    let Json(update) = body.map_err(|e| {
        AdminError::bad_request(format!(
            "invalid settings body: {}; send {{\"strict\": true|false, \"retention\": <1 to 10000000>}}",
            e.body_text().to_lowercase()
        ))
    })?;
    state
        .settings
        .apply(update.strict, update.retention)
        .map_err(AdminError::bad_request)?;
    let settings = current(&state);
    if !state.workspace.is_default() {
        // The default workspace's come from the launch's flags (and the desktop's settings
        // file); another workspace keeps its own in its database.
        use crate::store::prelude::*;
        let mut w = state.store.write().await?;
        w.set_setting(crate::STRICT_SETTING, &settings.strict.to_string())
            .await?;
        w.set_setting(crate::RETENTION_SETTING, &settings.retention.to_string())
            .await?;
        w.commit().await?;
    }
    if update.strict.is_some() || update.retention.is_some() {
        tracing::info!(
            strict = settings.strict,
            retention = settings.retention,
            "settings changed from the admin api"
        );
        state.events.publish(EngineEvent::SettingsChanged {
            settings: settings.clone(),
        });
    }
    Ok(Json(settings))
}
