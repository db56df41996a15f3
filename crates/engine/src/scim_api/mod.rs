//! The SCIM listener: routes under `/scim/v2`, request context, authentication, fallbacks.
//!
//! Handlers stay thin (parse → protocol crate → store → respond). Every response, including
//! 401/404/405/413 and a caught panic, is a SCIM error body with `application/scim+json`.
//! Each request carries a [`RequestCtx`] with the quirks it used; they leave as the
//! `X-ScimLab-Quirks` response header and as a response extension for the capture layer.
//!
//! It knows nothing of capture: what capture reads travels through [`crate::wire`], and
//! `Engine::start` wraps this router in `capture::record`. May import `wire`, `auth`, `store`,
//! `runtime`, `config`, `diagnosis`; never `capture` or `admin_api`.

mod context;
mod discovery;
mod extract;
mod list;
pub(crate) mod render;
mod resources;
pub mod response;

pub use context::{AppliedQuirks, AuthPassed, KeyChecked, RequestCtx};
pub use list::ScanGate;
pub use render::now;

use crate::config::SCIM_BASE_PATH;
use crate::store::Store;
use axum::Router;
use axum::routing::{any, get, post};
use response::ApiError;
use scimlab_scim::{ResourceKind, ScimError};
use std::sync::Arc;

/// Shared state of the SCIM listener.
#[derive(Clone)]
pub struct ScimState {
    /// The database.
    pub store: Store,
    /// The current SCIM API key (behind a lock so it can be rotated while serving).
    pub key: Arc<crate::auth::KeyCache>,
    /// Strict or tolerant mode (changeable while serving).
    pub settings: Arc<crate::runtime::RuntimeSettings>,
    /// Request body limit in bytes.
    pub body_limit: usize,
    /// Bounds list requests that no index answers (one scan at a time, within a time budget).
    pub scans: Arc<ScanGate>,
}

/// The SCIM router (without binding a socket), for `serve` and for in-process tests.
pub fn router(state: ScimState) -> Router {
    let api = Router::new()
        .merge(resource_routes(ResourceKind::User))
        .merge(resource_routes(ResourceKind::Group))
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        // Okta's SCIM 1.1 on-prem connector asks for the plural; answer it rather than 404.
        .route(
            "/ServiceProviderConfigs",
            get(discovery::service_provider_config),
        )
        .route("/.search", post(resources::search_all))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{name}", get(discovery::resource_type_one))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{urn}", get(discovery::schema))
        // RFC 7644 §3.11 / §3.7: unsupported features answer 501, not 404.
        .route("/Me", any(not_implemented))
        .route("/Me/{*rest}", any(not_implemented))
        .route("/Bulk", any(not_implemented))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::authenticate,
        ));
    let routed = Router::new()
        .nest(SCIM_BASE_PATH, api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    // Path normalisation must run before routing, so it wraps the routed service (a layer on
    // the router itself would run after the route was chosen).
    let normalized = tower::ServiceBuilder::new()
        .map_request(context::normalize_path)
        .service(routed);
    Router::new()
        .fallback_service(normalized)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::request_context,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            context::panic_response,
        ))
        .with_state(state)
}

fn resource_routes(kind: ResourceKind) -> Router<ScimState> {
    let base = kind.endpoint();
    Router::new()
        .route(
            base,
            get(move |s, c, q| resources::list(kind, s, c, q))
                .post(move |s, c, q, h, b| resources::create(kind, s, c, q, h, b)),
        )
        .route(
            &format!("{base}/.search"),
            post(move |s, c, b| resources::search(kind, s, c, b)),
        )
        .route(
            &format!("{base}/{{id}}"),
            get(move |s, c, p, q, h| resources::get_one(kind, s, c, p, q, h))
                .put(move |s, c, p, q, h, b| resources::replace(kind, s, c, p, q, h, b))
                .patch(move |s, c, p, q, h, b| resources::patch(kind, s, c, p, q, h, b))
                .delete(move |s, c, p, h| resources::delete(kind, s, c, p, h)),
        )
}

async fn not_found(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> ApiError {
    let path = uri.path();
    let hint = match crate::diagnosis::base_used(path) {
        Some(base) if base != SCIM_BASE_PATH => format!(
            "the tenant url must end in {SCIM_BASE_PATH} — yours ends in {}",
            if base.is_empty() { "the host name" } else { base }
        ),
        _ if path.starts_with(SCIM_BASE_PATH) => "the scim endpoints are /Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas".to_owned(),
        _ => format!("the scim base url is http://<host>{SCIM_BASE_PATH}"),
    };
    ApiError(ScimError::not_found(format!(
        "no scim endpoint at '{path}': {hint}"
    )))
}

async fn not_implemented(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> ApiError {
    ApiError(ScimError::new(
        501,
        None,
        format!(
            "'{}' is not implemented: ScimLab has no /Me or /Bulk; see /ServiceProviderConfig",
            uri.path()
        ),
    ))
}

async fn method_not_allowed(
    method: axum::http::Method,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> ApiError {
    ApiError(ScimError::new(
        405,
        None,
        format!(
            "method {method} is not allowed on '{}': see /ServiceProviderConfig for what is supported",
            uri.path()
        ),
    ))
}
