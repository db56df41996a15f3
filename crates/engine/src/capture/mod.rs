//! Traffic capture: every exchange on the SCIM listener, redacted, classified and stored.
//!
//! [`record`] is the outermost middleware of the SCIM router, so it sees every request,
//! including the ones refused before a handler runs (401, 404, 405, 413, malformed JSON) and a
//! handler's panic (already turned into a 500). It checks the SCIM key *first*, before a byte of
//! the body is read, and then takes one of two paths:
//!
//! - **authenticated** (the key matched): it buffers both bodies (the request body up to the
//!   configured limit; larger ones are answered 413 here), redacts secrets *before* anything
//!   leaves the request ([`redact`]), works out the IdP and the kind of operation
//!   ([`classify`]), and hands the finished [`crate::model::Exchange`] to the batched [`writer`];
//! - **rejected** (no valid key): the answer (401, or the 404/405 of a path or method that does
//!   not exist) is decided without the body, and the request is captured cheaply and folded
//!   ([`rejected`], [`fold`]): no body buffered, no JSON parsed, at most a few KiB of headers and
//!   body kept, repeats only counted. What a stranger on the internet can cost is bounded.
//!
//! Storage happens off the request path.
//!
//! The contract with the handlers is [`crate::wire`] (response extensions, the key's outcome);
//! this module never imports `scim_api` or `admin_api`.

pub mod classify;
mod fault;
pub mod fold;
pub mod idp;
pub mod redact;
pub mod rejected;
pub mod writer;

use crate::client::{ClientId, client_of};
use crate::model::{AuthOutcome, Exchange, ExchangeSummary, Idp, OperationKind, ResourceChange};
use crate::store::Store;
use crate::wire::{AppliedQuirks, KeyChecked, RefusedQuirk, error_response};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use scimlab_scim::{ResourceKind, ScimError};
use serde_json::Value;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How long a client may take to send its request body (a stalled upload would otherwise hold
/// a connection, and a graceful shutdown, forever).
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn is_length_limit(e: &axum::Error) -> bool {
    std::error::Error::source(e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
        || e.to_string().to_ascii_lowercase().contains("length limit")
}

pub use crate::config::{DEFAULT_BODY_CAP, DEFAULT_REJECTED_RETENTION, DEFAULT_RETENTION};
/// Most clients (address and User-Agent) whose IdP is remembered for inheritance.
pub const MAX_IDP_CLIENTS: usize = 4096;

/// Shared state of the capture middleware.
#[derive(Clone)]
pub struct Capture {
    sink: writer::Sink,
    body_limit: usize,
    body_cap: usize,
    /// The fault rules asked on every authenticated request ([`fault`]).
    faults: crate::runtime::FaultBoard,
    /// Where `faults.changed` goes when a rule fires.
    events: crate::events::EventBus,
    /// The database (a faulted request's stored userName).
    store: Store,
    /// Last IdP identified per client and User-Agent: a request without evidence of its own (a
    /// GET by id) inherits it, with that reason given.
    recent: Arc<Mutex<IdpCache>>,
    /// The workspace's SCIM counters (`GET /metrics`).
    metrics: Arc<crate::metrics::ScimMetrics>,
}

/// The last IdP seen per client (see [`crate::client`]) and User-Agent (cut to
/// [`fold::MAX_USER_AGENT`] bytes), at most [`MAX_IDP_CLIENTS`] of them; when full, the least
/// recently confirmed quarter is forgotten. Only authenticated traffic teaches it, so a flood
/// of rejected requests can neither fill it nor push Entra out.
#[derive(Debug, Default)]
pub struct IdpCache {
    map: HashMap<(IpAddr, Box<str>), (Idp, u64)>,
    tick: u64,
}

impl IdpCache {
    fn key(client: IpAddr, user_agent: &str) -> (IpAddr, Box<str>) {
        (client, fold::cut(user_agent, fold::MAX_USER_AGENT).into())
    }

    /// Remember that `client` with `user_agent` is `idp`.
    pub fn learn(&mut self, client: IpAddr, user_agent: &str, idp: Idp) {
        self.tick += 1;
        if self.map.len() >= MAX_IDP_CLIENTS
            && !self.map.contains_key(&Self::key(client, user_agent))
        {
            let mut ticks: Vec<u64> = self.map.values().map(|v| v.1).collect();
            let quarter = ticks.len() / 4;
            let (_, &mut cutoff, _) = ticks.select_nth_unstable(quarter);
            self.map.retain(|_, v| v.1 > cutoff);
        }
        self.map
            .insert(Self::key(client, user_agent), (idp, self.tick));
    }

    /// The IdP last seen from `client` with `user_agent`.
    pub fn get(&self, client: IpAddr, user_agent: &str) -> Option<Idp> {
        self.map.get(&Self::key(client, user_agent)).map(|v| v.0)
    }

    /// Number of clients remembered.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

const NO_EVIDENCE: &str = "no user-agent or request shape specific to entra id or okta";

impl Capture {
    /// Capture into `sink`, refusing request bodies over `body_limit`, storing at most
    /// `body_cap` bytes of each body.
    pub fn new(
        sink: writer::Sink,
        body_limit: usize,
        body_cap: usize,
        faults: crate::runtime::FaultBoard,
        events: crate::events::EventBus,
        store: Store,
        metrics: Arc<crate::metrics::ScimMetrics>,
    ) -> Self {
        metrics.probe_queue(sink.queue_probe());
        Self {
            sink,
            body_limit,
            body_cap,
            faults,
            events,
            store,
            recent: Arc::default(),
            metrics,
        }
    }

    /// Behind a tunnel every request comes from the tunnel's address, so the inheritance is
    /// keyed by client *and* User-Agent: Entra's traffic never inherits Okta's, or the reverse.
    /// `learn`: whether evidence is remembered (authenticated traffic only).
    fn idp_for(
        &self,
        client: IpAddr,
        user_agent: &str,
        evidence: Option<(Idp, String)>,
        learn: bool,
    ) -> (Idp, String) {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match evidence {
            Some((idp, reason)) => {
                if learn {
                    recent.learn(client, user_agent, idp);
                }
                (idp, reason)
            }
            None => match recent.get(client, user_agent) {
                Some(idp) => (
                    idp,
                    format!(
                        "same client address ({client}) and user-agent as earlier {} traffic",
                        idp.as_str()
                    ),
                ),
                None => (Idp::Other, NO_EVIDENCE.into()),
            },
        }
    }
}

/// The client address as stored: the peer, or `client via peer` when a tunnel named the client.
fn client_label(peer: Option<SocketAddr>, client: ClientId) -> Option<String> {
    let peer = peer?;
    Some(if client.forwarded {
        format!("{} via {peer}", client.ip)
    } else {
        peer.to_string()
    })
}

/// What the capture middleware needs: where exchanges go, and how to check the SCIM key (the
/// store, and the last key read from it).
#[derive(Clone)]
pub struct CaptureState {
    /// Where exchanges go, and the capture limits.
    pub capture: Capture,
    /// The database the key is read from.
    pub store: Store,
    /// The last SCIM API key read (used when the store cannot answer).
    pub key: Arc<crate::auth::KeyCache>,
}

/// Longest an acknowledged write's answer waits for its exchange to be committed.
pub const ACK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The capture middleware (see the module docs), wrapped around the SCIM router by
/// [`crate::Engine::start`].
pub async fn record(State(state): State<CaptureState>, mut req: Request, next: Next) -> Response {
    let at = crate::wire::now();
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let client = client_of(
        peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip()),
        req.headers(),
    );
    // Before any byte of the body: the key decides which path the request takes, and the
    // router's `authenticate` reuses the outcome instead of checking twice.
    // A request to a workspace that does not exist is refused as a wrong key is (the same
    // 401), without looking at its key: from outside, a slug cannot be told to exist.
    let unknown_workspace = req
        .extensions()
        .get::<crate::wire::WorkspaceRoute>()
        .is_some_and(|r| r.unknown_slug.is_some());
    let outcome = if unknown_workspace {
        Err(crate::auth::AuthFailure::UnknownKey)
    } else {
        crate::auth::check_request(&state.store, &state.key, req.headers()).await
    };
    req.extensions_mut().insert(KeyChecked(outcome));
    let seen = Seen {
        at,
        started,
        peer,
        client,
    };
    let response = match outcome {
        // With fault rules in force a request may wait (delayMs) or be answered after its
        // write: run it in its own task, so a client that gives up meanwhile does not cancel
        // the recording of the exchange (dropping this future would).
        Ok(_) if !state.capture.faults.with(|s| s.is_empty()) => {
            let capture = state.capture.clone();
            tokio::spawn(async move { authenticated(&capture, seen, req, next).await })
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "a faulted request's task failed");
                    error_response(&ScimError::internal())
                })
        }
        Ok(_) => authenticated(&state.capture, seen, req, next).await,
        Err(failure) => rejected::answer(&state.capture, seen, failure, req, next).await,
    };
    let counted = match outcome {
        Ok(_) => crate::metrics::Outcome::of_status(response.status().as_u16()),
        Err(_) => crate::metrics::Outcome::Rejected,
    };
    state.capture.metrics.observe(counted, started.elapsed());
    response
}

/// What the capture layer knows of a request before reading it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// Arrival time (RFC 3339).
    at: String,
    /// Arrival instant, for the latency.
    started: Instant,
    /// The TCP peer.
    peer: Option<SocketAddr>,
    /// The client (see [`crate::client`]).
    client: ClientId,
}

fn user_agent(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The path of a request that passed authentication: captured whole (bodies up to the cap).
async fn authenticated(capture: &Capture, seen: Seen, req: Request, next: Next) -> Response {
    let Seen {
        at,
        started,
        peer,
        client,
    } = seen;
    // This client has the key now: a later rejection of it is news, not a repeat.
    capture
        .sink
        .folds()
        .lock()
        .end_client(client.ip, user_agent(req.headers()));
    let (parts, body) = req.into_parts();
    let declared_too_large = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > capture.body_limit as u64);
    let limit = capture.body_limit;
    let too_large = || {
        error_response(&ScimError::new(
            413,
            None,
            format!(
                "request body is larger than the {limit}-byte limit: send a smaller body or raise --body-limit"
            ),
        ))
    };
    let (request_bytes, response) = if declared_too_large {
        (axum::body::Bytes::new(), too_large())
    } else {
        match tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, limit)).await {
            Ok(Ok(bytes)) => {
                if ![Method::GET, Method::HEAD, Method::OPTIONS].contains(&parts.method) {
                    // A write's exchange is stored in its own transaction: after those of the
                    // requests answered before it.
                    capture.sink.settle_earlier(ACK_WAIT).await;
                }
                let mut req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
                // A write's transaction comes back open, to be committed with its exchange.
                req.extensions_mut()
                    .insert(crate::wire::CommitsWithExchange);
                let response = fault::serve(capture, client.ip, &parts, &bytes, req, next).await;
                (bytes, response)
            }
            Ok(Err(e)) if is_length_limit(&e) => (axum::body::Bytes::new(), too_large()),
            Ok(Err(e)) => (
                axum::body::Bytes::new(),
                error_response(&ScimError::invalid_syntax(format!(
                    "could not read the request body ({e}): send the whole body"
                ))),
            ),
            Err(_) => (
                axum::body::Bytes::new(),
                error_response(&ScimError::new(
                    408,
                    None,
                    format!(
                        "the request body did not arrive within {} s: send it whole, with a correct content-length",
                        BODY_READ_TIMEOUT.as_secs()
                    ),
                )),
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
    let pending = rparts
        .extensions
        .remove::<crate::wire::PendingWrite>()
        .and_then(|p| p.take());
    let refused_quirk = rparts
        .extensions
        .remove::<RefusedQuirk>()
        .map(|r| r.0.label().to_owned());
    let fault = rparts
        .extensions
        .remove::<crate::wire::FaultFired>()
        .map(|f| f.0);
    // A dropped connection sent nothing: the exchange records that, not the placeholder.
    let dropped = rparts
        .extensions
        .get::<crate::wire::DropConnection>()
        .is_some();
    let status = if dropped {
        crate::model::NO_ANSWER
    } else {
        rparts.status.as_u16()
    };
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
    let (idp, idp_reason) = capture.idp_for(
        client.ip,
        user_agent.unwrap_or(""),
        classify::detect_idp(&facts),
        true,
    );
    // The key was checked before anything else, so even a 404 or a 413 says it matched.
    let (request_headers, auth) = redact::redact_headers(&parts.headers, AuthOutcome::Matched);
    let (request_body, request_truncated) = redact::redact_body(&request_bytes, capture.body_cap);
    let (response_body, response_truncated) =
        redact::redact_body(&response_bytes, capture.body_cap);
    let (resource_type, resource_id, resource_name, before, after) = match change {
        Some(c) => (
            Some(c.resource_type),
            Some(c.id.into_string()),
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
            (Some((rt, id)), _) => (Some(rt), Some(id.to_owned()), None, None, None),
            (None, Some((rt, id, name))) => (Some(rt), Some(id), name, None, None),
            (None, None) => (None, None, None, None, None),
        },
    };
    // A request a fault answered before any handler (a create refused on purpose) is still
    // about someone: the name the rule matched, so Traffic and the reaction can follow the user.
    // So is a match lookup that found nobody: the name it looked for (the user's timeline and a
    // replay of it start there).
    let resource_name = match (&resource_name, &fault) {
        (None, Some(f)) => f.subject.clone(),
        (None, None) if operation == OperationKind::MatchLookup => {
            let kind = if path.contains("/Groups") {
                ResourceKind::Group
            } else {
                ResourceKind::User
            };
            fault::filtered_name(&query, kind)
        }
        _ => resource_name,
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
            fold_count: None,
            last_at: None,
            refused_quirk,
            fault,
        },
        client_addr: client_label(peer, client),
        idp_reason,
        request_headers,
        request_body,
        request_truncated,
        response_headers: if dropped {
            Vec::new()
        } else {
            header_pairs(&rparts.headers)
        },
        response_body: response_body.filter(|_| !dropped),
        response_truncated,
        auth,
        before,
        after,
    };
    // A write is committed together with its exchange, in the write's own transaction, and
    // answered after that commit: every acknowledged write has its evidence, and a process
    // killed before the commit loses the write and its answer together. When they cannot be
    // committed, neither happened: the answer is a 503 the IdP retries.
    if let Some(pending) = pending {
        return match capture.sink.store_with_write(pending, exchange).await {
            Ok(()) => Response::from_parts(rparts, Body::from(response_bytes)),
            Err(e) => {
                tracing::warn!(error = %e, "a write and its exchange could not be committed; answering 503");
                // With `Retry-After` (every 503 of this listener has it).
                error_response(&ScimError::new(
                    503,
                    None,
                    format!("the write could not be stored ({e}); nothing was changed: retry it"),
                ))
            }
        };
    }
    // Other successful non-GET requests (a `.search`, an empty PATCH) are answered once their
    // exchange is committed too. Reads, lookups and refused writes (a 4xx, a 503 while the
    // store is busy) are captured without waiting; so is a request whose exchange cannot be
    // committed within ACK_WAIT (it stays queued and the answer goes out).
    let is_write = ![Method::GET, Method::HEAD, Method::OPTIONS].contains(&parts.method);
    let recorded = if is_write && (200..300).contains(&status) {
        tokio::time::timeout(ACK_WAIT, capture.sink.exchange_committed(exchange))
            .await
            .unwrap_or_else(|_| {
                tracing::warn!(
                    "a write's exchange was not committed within {ACK_WAIT:?}; answering anyway"
                );
                true
            })
    } else {
        capture.sink.exchange(exchange).await
    };
    if !recorded {
        tracing::warn!("capture writer stopped or failed; an exchange was not recorded");
    }
    Response::from_parts(rparts, Body::from(response_bytes))
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

/// `(User, id, userName)` when a list under `/Users` (or `/Groups`) returned exactly one
/// resource: the match lookup belongs on that resource's timeline.
fn single_result(
    body: Option<&Value>,
    path: &str,
) -> Option<(ResourceKind, String, Option<String>)> {
    let rest = path.strip_prefix(crate::config::SCIM_BASE_PATH)?;
    let (kind, name_attr) = match rest.trim_end_matches('/') {
        "/Users" | "/Users/.search" => (ResourceKind::User, "userName"),
        "/Groups" | "/Groups/.search" => (ResourceKind::Group, "displayName"),
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

/// `(User, id)` for `/scim/v2/Users/{id}`, `(Group, id)` for `/scim/v2/Groups/{id}`.
fn resource_in_path(path: &str) -> Option<(ResourceKind, &str)> {
    let rest = path.strip_prefix(crate::config::SCIM_BASE_PATH)?;
    let (kind, id) = if let Some(id) = rest.strip_prefix("/Users/") {
        (ResourceKind::User, id)
    } else {
        (ResourceKind::Group, rest.strip_prefix("/Groups/")?)
    };
    let id = id.trim_end_matches('/');
    (!id.is_empty() && !id.contains('/') && id != ".search").then_some((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idp_cache_is_bounded_in_entries_and_key_size() {
        let mut c = IdpCache::default();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let long = "Azure".repeat(10_000);
        c.learn(ip, &long, Idp::Entra);
        assert!(c.map.keys().all(|k| k.1.len() <= fold::MAX_USER_AGENT));
        assert_eq!(
            c.get(ip, &long),
            Some(Idp::Entra),
            "looked up by the same cut"
        );
        for i in 0..(MAX_IDP_CLIENTS * 3) {
            c.learn(ip, &format!("agent {i}"), Idp::Okta);
            if i % 500 == 0 {
                c.learn(ip, &long, Idp::Entra);
            }
            assert!(c.len() <= MAX_IDP_CLIENTS);
        }
        assert_eq!(
            c.get(ip, &long),
            Some(Idp::Entra),
            "a client seen often stays"
        );
        let other: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(c.get(other, &long), None, "keyed by the client too");
    }
}
