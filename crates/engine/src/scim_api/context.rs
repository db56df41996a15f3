//! Per-request context: the base URL clients see, the quirk log, authentication, panics.

use super::ScimState;
use super::response::{ApiError, scim_json};
use crate::auth;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scimlab_scim::{Mode, Quirk, Quirks, ScimError};
use std::sync::{Arc, Mutex};

/// What a request used, shared between middleware and handler.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    /// Base URL of the SCIM API as the client addressed it, e.g. `https://x.ngrok.app/scim/v2`.
    pub base_url: String,
    /// Tolerant or strict.
    pub mode: Mode,
    /// A write hands its transaction to the capture layer instead of committing it
    /// ([`crate::wire::PendingWrite`]): set when the capture layer asked
    /// ([`crate::wire::CommitsWithExchange`]).
    pub hand_over_writes: bool,
    log: Arc<Mutex<Vec<Quirk>>>,
}

pub use crate::wire::{AppliedQuirks, AuthPassed, KeyChecked};

impl RequestCtx {
    /// Run protocol code that records quirks (sync: the lock is never held across an await).
    pub fn with_quirks<T>(&self, f: impl FnOnce(&mut Quirks) -> T) -> T {
        let mut q = Quirks::new(self.mode);
        let out = f(&mut q);
        self.note_all(q.as_slice());
        out
    }

    /// Record quirks seen outside the protocol crate (auth, query parameters, content type).
    pub fn note_all(&self, quirks: &[Quirk]) {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for q in quirks {
            if !log.contains(q) {
                log.push(*q);
            }
        }
    }

    fn taken(&self) -> Vec<Quirk> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut ctx = parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| ApiError(ScimError::internal()))?;
        ctx.hand_over_writes = parts
            .extensions
            .get::<crate::wire::CommitsWithExchange>()
            .is_some();
        Ok(ctx)
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The base URL as the client sees it: `X-Forwarded-Proto`/`X-Forwarded-Host` (tunnels), else
/// `Host`, then the workspace's prefix (`/w/<slug>`, empty for `default`) and `/scim/v2`.
pub fn base_url(headers: &HeaderMap, workspace_prefix: &str) -> String {
    let proto = header_str(headers, "x-forwarded-proto")
        .and_then(|p| p.split(',').next())
        .map(str::trim)
        .filter(|p| *p == "http" || *p == "https")
        .unwrap_or("http");
    let host = header_str(headers, "x-forwarded-host")
        .and_then(|h| h.split(',').next())
        .or_else(|| header_str(headers, "host"))
        .map(str::trim)
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic() && b != b'/'))
        .unwrap_or("localhost");
    format!(
        "{proto}://{host}{workspace_prefix}{}",
        crate::config::SCIM_BASE_PATH
    )
}

/// Collapse `//` and drop a trailing `/` so a Tenant URL typed as `…/scim/v2/` still routes
/// (`…/scim/v2//Users` becomes `…/scim/v2/Users`).
pub fn normalize_path(mut req: Request) -> Request {
    let path = req.uri().path();
    if !path.contains("//") && (path.len() <= 1 || !path.ends_with('/')) {
        return req;
    }
    let mut clean = String::with_capacity(path.len());
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        clean.push('/');
        clean.push_str(seg);
    }
    if clean.is_empty() {
        clean.push('/');
    }
    let pq = match req.uri().query() {
        Some(q) => format!("{clean}?{q}"),
        None => clean,
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = pq.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Outermost middleware: creates the [`RequestCtx`] and writes the quirk header.
pub async fn request_context(
    State(state): State<ScimState>,
    mut req: Request,
    next: Next,
) -> Response {
    let forced_strict = req.extensions().get::<crate::wire::ForceStrict>().is_some();
    let ctx = RequestCtx {
        hand_over_writes: req
            .extensions()
            .get::<crate::wire::CommitsWithExchange>()
            .is_some(),
        base_url: base_url(
            req.headers(),
            req.extensions()
                .get::<crate::wire::WorkspaceRoute>()
                .map_or("", |r| r.prefix.as_str()),
        ),
        mode: if forced_strict {
            Mode::Strict
        } else {
            state.settings.mode()
        },
        log: Arc::default(),
    };
    ctx.note_all(&super::extract::query_quirks(
        req.uri().query().unwrap_or(""),
    ));
    req.extensions_mut().insert(ctx.clone());
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut resp = next.run(req).await;
    let quirks = ctx.taken();
    let labels: Vec<&str> = quirks.iter().map(|q| q.label()).collect();
    let labels = labels.join(", ");
    if !labels.is_empty()
        && let Ok(v) = HeaderValue::from_str(&labels)
    {
        resp.headers_mut().insert("x-scimlab-quirks", v);
    }
    // One line per exchange; never headers or bodies (they may carry the key or a password).
    // Refused requests (no valid key) are at most one line a second, saying how many were
    // left out: a flood through a tunnel must not become a flood on stderr.
    let status = resp.status().as_u16();
    let left_out = if status == 401 {
        rejected_log_slot()
    } else {
        Some(0)
    };
    if let Some(left_out) = left_out {
        tracing::info!(
            target: "scimlab::scim",
            %method,
            path,
            status,
            ms = format_args!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
            quirks = labels,
            left_out,
            "scim request"
        );
    }
    resp.extensions_mut().insert(AppliedQuirks(quirks));
    resp
}

/// Whether a refused request may be logged now (at most one a second): `Some(n)` with the
/// number of refused requests left out since the last line, `None` to stay quiet.
fn rejected_log_slot() -> Option<u64> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_SECOND: AtomicU64 = AtomicU64::new(0);
    static LEFT_OUT: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if LAST_SECOND.swap(now, Ordering::Relaxed) == now {
        LEFT_OUT.fetch_add(1, Ordering::Relaxed);
        None
    } else {
        Some(LEFT_OUT.swap(0, Ordering::Relaxed))
    }
}

/// Authentication of every `/scim/v2` route: the [`KeyChecked`] outcome the capture layer
/// attached (checked here when the router runs without it), a SCIM 401 when it failed.
pub async fn authenticate(State(state): State<ScimState>, req: Request, next: Next) -> Response {
    let outcome = match req.extensions().get::<KeyChecked>() {
        Some(checked) => checked.0,
        None => auth::check_request(&state.store, &state.key, req.headers()).await,
    };
    match outcome {
        Ok(quirk) => {
            if let (Some(q), Some(ctx)) = (quirk, req.extensions().get::<RequestCtx>()) {
                ctx.note_all(&[q]);
            }
            let mut resp = next.run(req).await;
            resp.extensions_mut().insert(AuthPassed);
            resp
        }
        Err(failure) => ApiError(failure.to_error()).into_response(),
    }
}

/// A panic in a handler becomes a SCIM 500, never a dropped connection.
#[allow(clippy::needless_pass_by_value)] // the signature CatchPanicLayer requires
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = msg, "scim handler panicked");
    scim_json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &ScimError::internal().to_body(),
    )
}

#[cfg(test)]
mod tests {
    use super::rejected_log_slot;

    #[test]
    fn refused_requests_are_logged_at_most_once_a_second() {
        // 1 000 calls take far less than a second: at most two can fall on a new second.
        let logged: Vec<u64> = (0..1000).filter_map(|_| rejected_log_slot()).collect();
        assert!(logged.len() <= 2, "{logged:?}");
        // A new second logs again, saying how many were left out since the last line.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let left_out = rejected_log_slot().expect("a new second logs");
        assert!(
            left_out > 0,
            "the calls after the last logged one were left out"
        );
    }
}
