//! `GET /api/health`, `GET /api/endpoint`, `POST /api/endpoint/reveal`, `POST /api/endpoint/rotate`,
//! `POST|DELETE /api/endpoint/tunnel` (the public URL: `crate::tunnel` does the work).
//!
//! The stored key is the truth (a `scimlab token rotate` in another process changes it while
//! the engine runs), so these routes read it from the store, falling back to the in-memory copy.

use super::model::{EndpointInfo, Health, RevealedKey, RotatedKey};
use super::{AdminError, AdminResult, AdminState, mask_key};
use crate::auth;
use crate::events::EngineEvent;
use crate::store::prelude::*;
use crate::tunnel::TunnelState;
use axum::Json;
use axum::extract::State;

/// The current SCIM key: the stored one, or the in-memory copy if the store has none.
pub(super) async fn current_key(state: &AdminState) -> AdminResult<String> {
    let mut conn = state.store.read().await?;
    if let Some(k) = conn.setting(auth::KEY_SETTING).await? {
        return Ok(k);
    }
    Ok(state.key.get())
}

/// `GET /api/health`.
pub async fn health(State(state): State<AdminState>) -> AdminResult<Json<Health>> {
    let mut conn = state.store.read().await?;
    let count = conn.count_exchanges().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scim_base_url: state.scim_base_url(),
        strict: state.settings.strict(),
        exchanges: count,
    }))
}

/// `GET /api/endpoint`.
pub async fn show(State(state): State<AdminState>) -> AdminResult<Json<EndpointInfo>> {
    let key = current_key(&state).await?;
    let mut tunnel = state.tunnel.refresh_external().await;
    // One tunnel serves every workspace: this one's public tenant URL has its own path.
    if let (Some(public), Some(_)) = (&tunnel.public_url, &tunnel.tenant_url) {
        tunnel.tenant_url = Some(format!(
            "{}{}",
            public.trim_end_matches('/'),
            state.workspace.scim_base_path()
        ));
    }
    let workspace = state
        .workspaces
        .get(&state.workspace)
        .map(|w| w.record())
        .unwrap_or_else(|| crate::model::WorkspaceRecord {
            slug: state.workspace.clone(),
            name: state.workspace.to_string(),
            created: String::new(),
            template: None,
        });
    Ok(Json(EndpointInfo {
        tenant_url: state.scim_base_url(),
        key_masked: mask_key(&key),
        strict: state.settings.strict(),
        tunnel,
        workspace,
    }))
}

fn tunnel_refused(e: &crate::tunnel::TunnelError) -> AdminError {
    AdminError::new(axum::http::StatusCode::CONFLICT, e.to_string())
}

/// `POST /api/endpoint/tunnel`: start a cloudflared quick tunnel to the SCIM port (or report an
/// ngrok tunnel, or how to install either). 409 while one is starting or running.
pub async fn start_tunnel(State(state): State<AdminState>) -> AdminResult<Json<TunnelState>> {
    state
        .tunnel
        .start()
        .await
        .map(Json)
        .map_err(|e| tunnel_refused(&e))
}

/// `DELETE /api/endpoint/tunnel`: stop the cloudflared ScimLab runs (it is gone when this
/// answers). 409 for an ngrok tunnel, which ScimLab does not manage.
pub async fn stop_tunnel(State(state): State<AdminState>) -> AdminResult<Json<TunnelState>> {
    state
        .tunnel
        .stop()
        .await
        .map(Json)
        .map_err(|e| tunnel_refused(&e))
}

/// `POST /api/endpoint/reveal`: the one response that carries the key.
pub async fn reveal(State(state): State<AdminState>) -> AdminResult<Json<RevealedKey>> {
    Ok(Json(RevealedKey {
        key: current_key(&state).await?,
    }))
}

/// `POST /api/endpoint/rotate`: a new random key, in the store (the SCIM listener reads it from
/// there on every request) and in the shared copy; the old key stops working at once.
pub async fn rotate(State(state): State<AdminState>) -> AdminResult<Json<RotatedKey>> {
    let key = {
        let mut tx = state.store.write().await?;
        let key = auth::rotate_key(&mut tx).await.map_err(|e| match e {
            auth::KeyError::Store(s) => AdminError::from(s),
            other => AdminError::internal(&other),
        })?;
        tx.commit().await?;
        key
    };
    let key_masked = mask_key(&key);
    state.key.set(key);
    tracing::info!("scim api key rotated from the admin api");
    state.events.publish(EngineEvent::EndpointChanged {
        key_masked: key_masked.clone(),
    });
    Ok(Json(RotatedKey { key_masked }))
}
