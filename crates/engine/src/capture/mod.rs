//! Traffic capture: every exchange on the SCIM listener, redacted, classified and stored.
//!
//! [`record`] is the outermost middleware of the SCIM router, so it sees every request,
//! including the ones refused before a handler runs (401, 404, 405, 413, malformed JSON) and a
//! handler's panic (already turned into a 500). It buffers both bodies (the request body up to the
//! configured limit; larger ones are answered 413 here), redacts secrets *before* anything leaves
//! the request ([`redact`]), works out the IdP and the kind of operation ([`classify`]), and hands
//! the finished [`model::Exchange`] to the batched [`writer`]. Storage happens off the request
//! path.

pub mod classify;
pub mod model;
pub mod redact;
pub mod writer;

use crate::scim_api::AppliedQuirks;
use crate::scim_api::response::ApiError;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use model::{Exchange, ExchangeSummary, Idp, OperationKind, ResourceChange};
use scimlab_scim::ScimError;
use serde_json::Value;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc;

/// How long a client may take to send its request body (a stalled upload would otherwise hold
/// a connection, and a graceful shutdown, forever).
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn is_length_limit(e: &axum::Error) -> bool {
    std::error::Error::source(e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
        || e.to_string().to_ascii_lowercase().contains("length limit")
}

/// Default cap on each stored body (bytes); larger bodies are stored truncated and say so.
pub const DEFAULT_BODY_CAP: usize = 256 * 1024;
/// Default number of exchanges kept; older ones are dropped first.
pub const DEFAULT_RETENTION: i64 = 100_000;

/// Shared state of the capture middleware.
#[derive(Clone)]
pub struct Capture {
    sink: mpsc::Sender<Exchange>,
    body_limit: usize,
    body_cap: usize,
    /// Last IdP identified per client address: a request without evidence of its own (a GET
    /// by id) inherits it, with that reason given.
    recent: Arc<Mutex<HashMap<(IpAddr, String), Idp>>>,
}

impl Capture {
    /// Capture into `sink`, refusing request bodies over `body_limit`, storing at most
    /// `body_cap` bytes of each body.
    pub fn new(sink: mpsc::Sender<Exchange>, body_limit: usize, body_cap: usize) -> Self {
        Self {
            sink,
            body_limit,
            body_cap,
            recent: Arc::default(),
        }
    }

    /// Behind a tunnel every request comes from the tunnel's address, so the inheritance is
    /// keyed by address *and* User-Agent: Entra's traffic never inherits Okta's, or the reverse.
    fn idp_for(
        &self,
        client: Option<(IpAddr, String)>,
        evidence: Option<(Idp, String)>,
    ) -> (Idp, String) {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match (evidence, client) {
            (Some((idp, reason)), Some(key)) => {
                if recent.len() > 4096 {
                    recent.clear();
                }
                recent.insert(key, idp);
                (idp, reason)
            }
            (Some(found), None) => found,
            (None, Some(key)) => match recent.get(&key) {
                Some(&idp) => (
                    idp,
                    format!(
                        "same client address ({}) and user-agent as earlier {} traffic",
                        key.0,
                        idp.as_str()
                    ),
                ),
                None => (
                    Idp::Other,
                    "no user-agent or request shape specific to entra id or okta".into(),
                ),
            },
            (None, None) => (
                Idp::Other,
                "no user-agent or request shape specific to entra id or okta".into(),
            ),
        }
    }
}

fn header_pairs(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// `("User", id, userName)` when a list under `/Users` (or `/Groups`) returned exactly one
/// resource: the match lookup belongs on that resource's timeline.
fn single_result(
    body: Option<&Value>,
    path: &str,
) -> Option<(&'static str, String, Option<String>)> {
    let rest = path.strip_prefix(crate::config::SCIM_BASE_PATH)?;
    let (kind, name_attr) = match rest.trim_end_matches('/') {
        "/Users" | "/Users/.search" => ("User", "userName"),
        "/Groups" | "/Groups/.search" => ("Group", "displayName"),
        _ => return None,
    };
    let body = body?;
    if body.get("totalResults").and_then(Value::as_u64) != Some(1) {
        return None;
    }
    let only = body.get("Resources")?.as_array()?.first()?;
    let id = only.get("id")?.as_str()?.to_owned();
    let name = only
        .get(name_attr)
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some((kind, id, name))
}

/// `("User", id)` for `/scim/v2/Users/{id}`, `("Group", id)` for `/scim/v2/Groups/{id}`.
fn resource_in_path(path: &str) -> Option<(&'static str, &str)> {
    let rest = path.strip_prefix(crate::config::SCIM_BASE_PATH)?;
    let (kind, id) = if let Some(id) = rest.strip_prefix("/Users/") {
        ("User", id)
    } else {
        ("Group", rest.strip_prefix("/Groups/")?)
    };
    let id = id.trim_end_matches('/');
    (!id.is_empty() && !id.contains('/') && id != ".search").then_some((kind, id))
}

/// The capture middleware (see the module docs).
pub async fn record(State(capture): State<Capture>, req: Request, next: Next) -> Response {
    let at = crate::scim_api::now();
    let started = Instant::now();
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = req.into_parts();
    let declared_too_large = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > capture.body_limit as u64);
    let limit = capture.body_limit;
    let too_large = || {
        ApiError(ScimError::new(
            413,
            None,
            format!("request body is larger than the {limit}-byte limit: send a smaller body or raise --body-limit"),
        ))
        .into_response()
    };
    let (request_bytes, response) = if declared_too_large {
        (axum::body::Bytes::new(), too_large())
    } else {
        match tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, limit)).await {
            Ok(Ok(bytes)) => {
                let req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
                (bytes, next.run(req).await)
            }
            Ok(Err(e)) if is_length_limit(&e) => (axum::body::Bytes::new(), too_large()),
            Ok(Err(e)) => (
                axum::body::Bytes::new(),
                ApiError(ScimError::invalid_syntax(format!(
                    "could not read the request body ({e}): send the whole body"
                )))
                .into_response(),
            ),
            Err(_) => (
                axum::body::Bytes::new(),
                ApiError(ScimError::new(
                    408,
                    None,
                    format!(
                        "the request body did not arrive within {} s: send it whole, with a correct content-length",
                        BODY_READ_TIMEOUT.as_secs()
                    ),
                ))
                .into_response(),
            ),
        }
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (mut rparts, rbody) = response.into_parts();
    let response_bytes = axum::body::to_bytes(rbody, usize::MAX)
        .await
        .unwrap_or_default();

    let quirks = rparts
        .extensions
        .remove::<AppliedQuirks>()
        .unwrap_or_default()
        .0;
    let change = rparts.extensions.remove::<ResourceChange>();
    let status = rparts.status.as_u16();
    let request_json: Option<Value> = serde_json::from_slice(&request_bytes).ok();
    let response_json: Option<Value> = serde_json::from_slice(&response_bytes).ok();
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or("").to_owned();
    let method = parts.method.as_str().to_owned();
    let facts = classify::RequestFacts {
        method: &method,
        path: &path,
        query: &query,
        user_agent,
        request_json: request_json.as_ref(),
        status,
        response_json: response_json.as_ref(),
        quirks: &quirks,
        change: change.as_ref(),
    };
    let operation: OperationKind = classify::classify(&facts);
    let client_key = client.map(|c| (c.ip(), user_agent.unwrap_or("").to_owned()));
    let (idp, idp_reason) = capture.idp_for(client_key, classify::detect_idp(&facts));
    // Accepted only when the request reached authentication and passed it (a 413 or a 404
    // answered before authentication proves nothing about the key).
    let auth_ok = rparts
        .extensions
        .remove::<crate::scim_api::AuthPassed>()
        .is_some();
    let (request_headers, auth) = redact::redact_headers(&parts.headers, auth_ok);
    let (request_body, request_truncated) = redact::redact_body(&request_bytes, capture.body_cap);
    let (response_body, response_truncated) =
        redact::redact_body(&response_bytes, capture.body_cap);
    let (resource_type, resource_id, resource_name, before, after) = match change {
        Some(c) => (
            Some(c.resource_type),
            Some(c.id),
            c.name,
            c.before.map(redact::redact_json),
            c.after.map(redact::redact_json),
        ),
        // A request that failed before a handler could say (a 400 PATCH, a 404): the resource
        // named in the path, so the resource's timeline shows the failure too; a lookup that
        // found exactly one resource (Entra's and Okta's match): that resource.
        None => match (
            resource_in_path(&path),
            single_result(response_json.as_ref(), &path),
        ) {
            (Some((rt, id)), _) => (Some(rt.to_owned()), Some(id.to_owned()), None, None, None),
            (None, Some((rt, id, name))) => (Some(rt.to_owned()), Some(id), name, None, None),
            (None, None) => (None, None, None, None, None),
        },
    };
    let query = redact::redact_query(&query);
    let exchange = Exchange {
        summary: ExchangeSummary {
            id: 0,
            at,
            method,
            path,
            query,
            status,
            latency_ms,
            idp,
            operation,
            resource_type,
            resource_id,
            resource_name,
            quirks: quirks.iter().map(|q| q.label().to_owned()).collect(),
        },
        client_addr: client.map(|c| c.to_string()),
        idp_reason,
        request_headers,
        request_body,
        request_truncated,
        response_headers: header_pairs(&rparts.headers),
        response_body,
        response_truncated,
        auth,
        before,
        after,
    };
    if capture.sink.send(exchange).await.is_err() {
        tracing::warn!("capture writer stopped; an exchange was not recorded");
    }
    Response::from_parts(rparts, Body::from(response_bytes))
}
