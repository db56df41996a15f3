//! `GET /api/health`, `GET /api/endpoint`, `POST /api/endpoint/reveal`, `POST /api/endpoint/rotate`,
//! `POST|DELETE /api/endpoint/tunnel` (the public URL: `crate::tunnel` does the work).
//!
//! The stored key is the truth (a `scimlab token rotate` in another process changes it while
//! the engine runs), so these routes read it from the store, falling back to the in-memory copy.

use super::model::{DatabaseHealth, EndpointInfo, Health, RevealedKey, RotatedKey};
use super::{AdminError, AdminResult, AdminState, mask_key};
use crate::auth;
use crate::events::EngineEvent;
use crate::store::prelude::*;
use crate::tunnel::TunnelState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The current SCIM key: the stored one, or the in-memory copy if the store has none.
pub(super) async fn current_key(state: &AdminState) -> AdminResult<String> {
    let mut conn = state.store.read().await?;
    if let Some(k) = conn.setting(auth::KEY_SETTING).await? {
        return Ok(k);
    }
    Ok(state.key.get())
}

/// `GET /api/health`: `200` when the engine and its database answer; `503` with the same body
/// (`status: degraded`, `database.up: false`) when the database does not, so a load balancer or
/// a monitor sees it (the UI counts any answer as the engine running).
pub async fn health(State(state): State<AdminState>) -> Response {
    let started = std::time::Instant::now();
    let read = async {
        let mut conn = state.store.read().await?;
        conn.count_exchanges().await
    };
    let counted = read.await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Err(e) = &counted {
        tracing::warn!(error = %e, "health: the database did not answer");
    }
    let database = database_health(state.store.backend(), &counted, latency_ms);
    let (status, word) = if database.up {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "degraded")
    };
    let body = Health {
        status: word.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scim_base_url: state.scim_base_url(),
        strict: state.settings.strict(),
        exchanges: counted.ok(),
        database,
    };
    (status, Json(body)).into_response()
}

/// What a read of the database that gave `counted` after `latency_ms` says of it.
fn database_health(
    backend: &str,
    counted: &Result<i64, crate::store::StoreError>,
    latency_ms: f64,
) -> DatabaseHealth {
    let error = counted
        .as_ref()
        .err()
        .map(|e| format!("the database did not answer: {e}"));
    DatabaseHealth {
        backend: backend.into(),
        up: error.is_none(),
        latency_ms,
        error,
    }
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

#[cfg(test)]
mod tests {
    use super::database_health;
    use crate::store::StoreError;

    #[test]
    fn a_database_that_does_not_answer_is_reported_not_hidden() {
        let ok = database_health("postgresql", &Ok(12), 0.4);
        assert!(ok.up && ok.error.is_none());
        assert_eq!(ok.backend, "postgresql");
        let down = database_health(
            "sqlite",
            &Err(StoreError::GroupCommit {
                message: "the database closed".into(),
                busy: true,
            }),
            5000.0,
        );
        assert!(!down.up);
        let why = down.error.unwrap();
        assert!(why.starts_with("the database did not answer: "), "{why}");
        assert_eq!(down.backend, "sqlite");
    }
}
