//! The contract between the SCIM handlers and the capture layer that wraps them: what a response
//! carries for capture (the quirks a request used, that it passed authentication, the quirk a
//! strict answer refused, the resource it touched), the key's outcome the capture layer decides
//! before the router runs, the SCIM error response both sides render, and the clock both stamp.
//!
//! A leaf: it imports the protocol crate, `auth`'s failure type and HTTP types, and nothing of
//! `scim_api` or `capture`, so the two depend on it and never on each other.

use crate::auth::AuthFailure;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scimlab_scim::{Quirk, ScimError};
use serde_json::Value;

/// The SCIM media type, sent on every response with a body.
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// `Retry-After` (seconds) on every `503` of the SCIM listener.
pub const RETRY_AFTER_SECS: u64 = 2;

/// Response extension: the quirks a request used.
#[derive(Clone, Debug, Default)]
pub struct AppliedQuirks(pub Vec<Quirk>);

/// Response extension: the request passed authentication.
#[derive(Clone, Copy, Debug)]
pub struct AuthPassed;

/// Response extension: the quirk a strict answer refused.
#[derive(Debug, Clone, Copy)]
pub struct RefusedQuirk(pub Quirk);

/// Request extension: the outcome of checking the request's SCIM key, decided once, before its
/// body is read, by the capture layer (which must know it to choose between whole and cheap
/// capture) and reused by the router's authentication.
#[derive(Clone, Copy, Debug)]
pub struct KeyChecked(pub Result<Option<Quirk>, AuthFailure>);

pub use crate::model::ResourceChange;

/// Request extension: answer this request as strict mode would, whatever the setting (a fault
/// rule's `strict` action).
#[derive(Clone, Copy, Debug)]
pub struct ForceStrict;

/// Response extension: the fault rule that answered (capture stores it on the exchange).
#[derive(Clone, Debug)]
pub struct FaultFired(pub crate::model::FaultMark);

/// Response extension: close the connection instead of sending this response (a fault rule's
/// `drop`). The listener's connection service turns it into a connection error, which makes
/// hyper close the socket without writing a byte of the answer.
#[derive(Clone, Copy, Debug)]
pub struct DropConnection;

/// Request extension set by the capture layer: a write's handler hands its open transaction
/// over ([`PendingWrite`]) instead of committing it, so that the write and its exchange are
/// committed together.
#[derive(Clone, Copy, Debug)]
pub struct CommitsWithExchange;

/// Response extension: a SCIM write's transaction, written but not committed, handed from its
/// handler to the capture layer, which stores the write's exchange in it and commits both at
/// once (`capture::writer::Sink::store_with_write`). Nothing is acknowledged before that commit,
/// and nothing is committed without its evidence: a process that dies in between loses the
/// write and its answer together. Dropped unclaimed, the transaction rolls back.
#[derive(Clone)]
pub struct PendingWrite(std::sync::Arc<std::sync::Mutex<Option<crate::store::Writer>>>);

impl PendingWrite {
    /// Hand `writer` over.
    pub fn new(writer: crate::store::Writer) -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(Some(writer))))
    }

    /// The transaction, once (`None` when it was taken already).
    pub fn take(&self) -> Option<crate::store::Writer> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

impl std::fmt::Debug for PendingWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingWrite")
    }
}

/// Request extension set by the workspace dispatcher: the workspace a request was routed to and
/// what it knows of the key (see `workspace::dispatch_scim`).
#[derive(Clone, Debug, Default)]
pub struct WorkspaceRoute {
    /// The path prefix of the workspace's routes (`/w/<slug>`; empty for `default`), for the
    /// base URL of `meta.location`.
    pub prefix: String,
    /// The request named a workspace that does not exist (`/w/<slug>/…`): it is refused with
    /// the same 401 as a wrong key (an outsider cannot tell a slug exists), and the slug is
    /// kept on the captured exchange.
    pub unknown_slug: Option<String>,
    /// The workspace whose key the request carries, when it is another workspace's.
    pub key_of: Option<String>,
}

/// Now, as every stored time is written: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A JSON body with the SCIM content type.
pub fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SCIM_CONTENT_TYPE),
    );
    (status, headers, body.to_string()).into_response()
}

/// A SCIM error as an RFC 7644 §3.12 response: `WWW-Authenticate` on a 401, `Retry-After` on a
/// 503, and the refused quirk as a [`RefusedQuirk`] extension.
pub fn error_response(e: &ScimError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = scim_json(status, &e.to_body());
    if let Some(quirk) = e.refused_quirk {
        resp.extensions_mut().insert(RefusedQuirk(quirk));
    }
    if e.status == 401 {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scimlab\""),
        );
    }
    if e.status == 503 {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    }
    resp
}
