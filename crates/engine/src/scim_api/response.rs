//! Responses of the SCIM listener: the error type at the HTTP edge and `application/scim+json`.
//!
//! `ApiError` is the third error layer: it wraps `ScimError` (protocol) and `StoreError`
//! (storage) and renders every failure as an RFC 7644 §3.12 body. 4xx bodies carry their detail;
//! 5xx bodies say "internal error" and the cause goes to the log, never to the client — except
//! `503`, which says what was busy and comes with `Retry-After`: a store that stays busy past
//! [`crate::store::BUSY_TIMEOUT`] (the writer held, `SQLITE_BUSY`, a reader pool exhausted) and a
//! scan over its time budget (`list.rs`) are temporary, and a client should come back, not give up.

use crate::store::StoreError;
pub use crate::wire::{RETRY_AFTER_SECS, SCIM_CONTENT_TYPE, scim_json};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scimlab_scim::ScimError;
use serde_json::Value;

/// An error at the HTTP edge of the SCIM listener.
#[derive(Debug)]
pub struct ApiError(pub ScimError);

impl From<ScimError> for ApiError {
    fn from(e: ScimError) -> Self {
        Self(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field, value } => Self(ScimError::uniqueness(format!(
                "{field} '{value}' is already in use (compared case-insensitively): choose another {field} or update the existing resource"
            ))),
            e if e.is_busy() => {
                crate::metrics::note_database_error(crate::metrics::Listener::Scim, true);
                tracing::warn!(error = %e, "store busy while serving a scim request: 503");
                Self(ScimError::new(
                    503,
                    None,
                    format!(
                        "the database is busy (no connection free within {} s): retry after {RETRY_AFTER_SECS} s",
                        crate::store::BUSY_TIMEOUT.as_secs()
                    ),
                ))
            }
            other => {
                crate::metrics::note_database_error(crate::metrics::Listener::Scim, false);
                tracing::error!(error = %other, "store failure while serving a scim request");
                Self(ScimError::internal())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        crate::wire::error_response(&self.0)
    }
}

/// A resource response with `ETag` (and `Location` on create).
pub fn resource_response(
    status: StatusCode,
    body: &Value,
    etag: &str,
    location: Option<&str>,
) -> Response {
    let mut resp = scim_json(status, body);
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    resp
}

/// Handler result alias.
pub type ApiResult<T = Response> = Result<T, ApiError>;
