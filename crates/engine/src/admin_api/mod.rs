//! The admin listener: a JSON API, a Server-Sent Events stream, and the UI (with `--ui`; else a
//! page listing the API), for the UI and for scripts. Documented route by route in `docs/admin-api.md`.
//!
//! It is a second, private listener with its own port: on loopback, or — in team mode only — on
//! an address other machines reach, with TLS and sign-in (`Engine::start` refuses it without
//! them). Every route — the fallback included — sits behind [`auth`] (the per-launch admin
//! token, personal tokens, sign-in sessions, each with a role), except the `/auth/…` routes of
//! [`sign_in`], which check their own. The
//! SCIM router has no route here and this router has no SCIM route, so tunnelling the SCIM port
//! exposes nothing of it.
//!
//! Handlers stay thin: parse the query, call `store`, shape a response type from [`model`] (those
//! types, like the event and exchange types, are generated to TypeScript under
//! `ui/src/generated/`). Errors are `{"error": "<what is wrong and how to fix it>"}` with the
//! right status ([`AdminError`]); a 5xx says "internal error" and logs the cause.
//!
//! Secrets: the SCIM key leaves this module only in the body of `POST /api/endpoint/reveal`;
//! the admin token only in the login cookie. Neither is ever logged.

pub mod audit;
mod auth;
mod checklist;
mod data;
mod endpoint;
mod exchanges;
pub mod export;
pub mod faults;
mod mapping;
mod metrics;
pub mod model;
mod quirks;
pub mod replays;
mod resources;
mod runs;
mod settings;
pub mod sign_in;
pub mod simulations;
mod sse;
#[cfg(test)]
mod typescript;
mod ui;
mod workspaces;

use crate::events::EventBus;
use crate::store::{Store, StoreError};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use std::sync::Arc;
use tokio::sync::watch;

/// Shared state of the admin listener.
#[derive(Clone)]
pub struct AdminState {
    /// The database.
    pub store: Store,
    /// The event bus.
    pub events: EventBus,
    /// The SCIM API key (shared with the SCIM listener; rotate writes it here and in the store).
    pub key: Arc<crate::auth::KeyCache>,
    /// This launch's admin token.
    pub admin_token: Arc<String>,
    /// Personal admin tokens checked already (`crate::access`).
    pub access: crate::access::TokenCache,
    /// Strict mode and retention, changeable through `PUT /api/settings`.
    pub settings: Arc<crate::runtime::RuntimeSettings>,
    /// What is fixed for this launch (addresses, limits, database).
    pub fixed: Arc<FixedSettings>,
    /// Browser origins besides the admin page itself that may call this API (CORS): the
    /// desktop shell's webview (`tauri://localhost`). Empty for `scimlab serve`.
    pub allowed_origins: Arc<Vec<String>>,
    /// The built UI (`ui/dist`) served at `/`, when given (`scimlab serve --ui`).
    pub ui_dir: Option<Arc<std::path::PathBuf>>,
    /// Becomes `true` when the engine shuts down. Open event streams end on it: graceful
    /// shutdown waits for every response to finish, and an SSE response otherwise never does.
    pub shutdown: watch::Receiver<bool>,
    /// The IdP simulator runs started from this API (in memory, per launch).
    pub simulations: simulations::SimulationRegistry,
    /// Every user's mapping result and each IdP's newest exchanges, kept up to date for the
    /// roles summary and the checklist (`crate::materialised`).
    pub materialised: crate::materialised::Materialised,
    /// The fault rules in force (shared with the capture layer).
    pub faults: crate::runtime::FaultBoard,
    /// The replays started from this API (in memory, per launch).
    pub replays: replays::ReplayRegistry,
    /// The public URL of the SCIM listener (shared with `EngineHandle::tunnel`).
    pub tunnel: crate::tunnel::TunnelManager,
    /// The workspace these routes serve (`default` at `/api/…`, the others at
    /// `/api/workspaces/<slug>/…`).
    pub workspace: crate::model::WorkspaceSlug,
    /// Every workspace (the `/api/workspaces` routes).
    pub workspaces: crate::workspace::Workspaces,
    /// TLS and sign-in with the team's identity provider (one per engine).
    pub team: Arc<sign_in::TeamAccess>,
}

impl AdminState {
    /// The workspace's SCIM base URL on the bound address (what the IdP is given):
    /// `http://<addr>/scim/v2`, or `http://<addr>/w/<slug>/scim/v2`.
    pub fn scim_base_url(&self) -> String {
        format!(
            "http://{}{}",
            self.fixed.scim_addr,
            self.workspace.scim_base_path()
        )
    }
}

/// The settings of a launch that do not change while it runs.
#[derive(Debug, Clone)]
pub struct FixedSettings {
    /// Where the SCIM listener is bound.
    pub scim_addr: std::net::SocketAddr,
    /// Where the admin listener is bound.
    pub admin_addr: std::net::SocketAddr,
    /// SCIM request body limit, bytes.
    pub body_limit: usize,
    /// Captured body cap, bytes.
    pub capture_body_cap: usize,
    /// The database file.
    pub db_path: String,
}

/// The routes every workspace has, under `/api` (the `default` workspace's admin router adds
/// the workspace directory, the UI, authentication and CORS around them).
fn api_routes() -> Router<AdminState> {
    Router::new()
        .route("/health", get(endpoint::health))
        .route("/endpoint", get(endpoint::show))
        .route("/endpoint/reveal", post(endpoint::reveal))
        .route("/endpoint/rotate", post(endpoint::rotate))
        .route(
            "/endpoint/tunnel",
            post(endpoint::start_tunnel).delete(endpoint::stop_tunnel),
        )
        .route("/exchanges", get(exchanges::list))
        .route("/exchanges/export", get(export::har))
        .route("/exchanges/{id}", get(exchanges::get_one))
        .route("/timeline", get(exchanges::timeline))
        .route("/users", get(resources::list_users))
        .route("/users/{id}", get(resources::get_user))
        .route("/groups", get(resources::list_groups))
        .route("/groups/{id}", get(resources::get_group))
        .route("/data", delete(data::reset))
        .route("/roles", get(mapping::roles))
        .route("/mapping", get(mapping::mapping_state))
        .route("/mapping/users", get(mapping::mapping_users))
        .route("/checklist", get(checklist::checklist))
        .route("/checklist/report", get(checklist::report))
        .route("/quirks", get(quirks::list))
        .route("/settings", get(settings::show).put(settings::update))
        .route("/profiles", get(mapping::list))
        .route("/profiles/check", post(mapping::check_paths))
        .route("/attributes", get(mapping::seen_attributes))
        .route("/profiles/active", axum::routing::put(mapping::choose))
        .route(
            "/profiles/{id}",
            get(mapping::get_one)
                .put(mapping::save)
                .delete(mapping::delete),
        )
        .route(
            "/faults",
            get(faults::list).post(faults::create).delete(faults::clear),
        )
        .route(
            "/faults/{id}",
            axum::routing::put(faults::replace)
                .patch(faults::toggle)
                .delete(faults::remove),
        )
        .route("/replays", post(replays::start))
        .route("/replays/{id}", get(replays::get_one))
        .route("/simulations", post(simulations::start))
        .route("/simulations/{id}", get(simulations::get_one))
        .route("/events", get(sse::events))
}

/// A workspace's own admin routes (`/api/…` as `default` has them), reached through the
/// default router's `/api/workspaces/<slug>/…`, which has authenticated the request already.
pub fn workspace_router(state: AdminState) -> Router {
    Router::new()
        .nest("/api", api_routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// The admin router (without binding a socket): the `default` workspace's routes, the
/// workspace directory and every other workspace's routes under `/api/workspaces/<slug>/…`.
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` (see `listen.rs`).
pub fn router(state: AdminState) -> Router {
    let api = api_routes()
        .route(
            "/workspaces",
            get(workspaces::list).post(workspaces::create),
        )
        .route(
            "/workspaces/import",
            post(workspaces::import).layer(axum::extract::DefaultBodyLimit::max(
                workspaces::IMPORT_LIMIT,
            )),
        )
        .route(
            "/workspaces/{slug}",
            get(workspaces::get_one)
                .patch(workspaces::rename)
                .delete(workspaces::delete),
        )
        .route("/workspaces/{slug}/export", get(workspaces::export))
        .route(
            "/workspaces/{slug}/{*rest}",
            axum::routing::any(workspaces::dispatch),
        );
    let api = api
        .route("/audit", get(audit::list))
        .route("/admin-users", get(audit::admin_users))
        .route("/session", get(sign_in::session_info));
    let origins = state.allowed_origins.clone();
    let router = Router::new()
        .route("/", get(ui::root))
        .route("/metrics", get(metrics::scrape))
        .route("/auth/sign-in", get(sign_in::begin))
        .route("/auth/callback", get(sign_in::callback))
        .route("/auth/sign-out", post(sign_in::sign_out))
        .route(
            "/auth/app-sign-in",
            get(sign_in::app_sign_in).post(sign_in::app_sign_in_confirmed),
        )
        .route("/auth/app-token", post(sign_in::app_token))
        .nest("/api", api)
        .fallback(ui::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        // Layers wrap the fallbacks too: an unauthenticated caller cannot even probe for routes.
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .with_state(state);
    if origins.is_empty() {
        return router;
    }
    // Outermost, so a preflight (which carries no token) is answered before the token check.
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    router.layer(
        tower_http::cors::CorsLayer::new()
            .allow_origin(tower_http::cors::AllowOrigin::list(allowed))
            .allow_methods([
                axum::http::Method::GET,
                axum::http::Method::POST,
                axum::http::Method::PUT,
                axum::http::Method::PATCH,
                axum::http::Method::DELETE,
            ])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .expose_headers([header::CONTENT_DISPOSITION])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

/// Headers on every admin response: nothing here may be cached (the reveal route returns the
/// key), sniffed, or framed by another site.
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// An admin API error: a status and a lowercase message that names the problem and the fix.
/// Rendered as [`model::ErrorBody`].
#[derive(Debug)]
pub struct AdminError {
    status: StatusCode,
    message: String,
}

impl AdminError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 404 with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    /// 500: the cause is logged, the client reads "internal error".
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "admin api request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error: see the scimlab log for the cause",
        )
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        if let StoreError::Unsupported(_) = e {
            return Self::new(StatusCode::NOT_IMPLEMENTED, e.to_string());
        }
        if !matches!(e, StoreError::Conflict { .. }) {
            crate::metrics::note_database_error(crate::metrics::Listener::Admin, e.is_busy());
        }
        if e.is_busy() {
            tracing::warn!(error = %e, "the database did not answer an admin request");
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is not answering (busy, restarting or unreachable): try again in a moment; /api/health says when it is back".to_owned(),
            );
        }
        Self::internal(&e)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(model::ErrorBody {
                error: self.message,
            }),
        )
            .into_response()
    }
}

/// Result alias of admin handlers.
pub type AdminResult<T> = Result<T, AdminError>;

pub(crate) async fn not_found(
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> AdminError {
    AdminError::not_found(format!(
        "no admin route at '{}': the routes are listed in docs/admin-api.md (the scim api is on the scim port under /scim/v2)",
        uri.path()
    ))
}

async fn method_not_allowed(
    method: axum::http::Method,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> AdminError {
    AdminError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "method {method} is not allowed on '{}': see docs/admin-api.md for the methods of each route",
            uri.path()
        ),
    )
}

/// The SCIM key as shown outside the reveal route: `…` and its last 4 characters.
pub fn mask_key(key: &str) -> String {
    let tail: String = {
        let chars: Vec<char> = key.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    format!("…{tail}")
}

/// Parse a raw query string into pairs, rejecting parameters not in `allowed` (a typo would
/// otherwise silently widen a filter).
fn query_pairs(raw: Option<&str>, allowed: &[&str]) -> AdminResult<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(AdminError::bad_request(format!(
                "unknown query parameter '{k}': use {}",
                allowed.join(", ")
            )));
        }
    }
    Ok(pairs)
}

/// Parse an integer query parameter within `min..=max`.
fn int_param(name: &str, value: &str, min: i64, max: i64) -> AdminResult<i64> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            AdminError::bad_request(format!(
                "invalid {name} '{value}': use an integer from {min} to {max}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_show_only_the_last_four_characters() {
        assert_eq!(mask_key("abcdefghijklmnop"), "…mnop");
        assert_eq!(mask_key("ab"), "…ab");
    }

    #[test]
    fn unknown_and_bad_parameters_name_the_fix() {
        let e = query_pairs(Some("limit=5&lmit=3"), &["limit"]).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("'lmit'") && e.message.contains("use limit"));
        let e = int_param("limit", "x", 1, 500).unwrap_err();
        assert!(e.message.contains("from 1 to 500"), "{}", e.message);
        assert_eq!(int_param("limit", "500", 1, 500).ok(), Some(500));
        assert!(int_param("limit", "0", 1, 500).is_err());
    }
}
