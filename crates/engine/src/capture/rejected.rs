//! The cheap path of a request without a valid SCIM key: answered without reading its body,
//! captured cut and folded.
//!
//! Anyone can reach the SCIM port while a tunnel is up, so what such a request may cost is
//! bounded here, whatever it sends:
//!
//! - **the answer** is decided by the router with an *empty* body: `authenticate` answers 401
//!   (the same SCIM error as ever: missing header, wrong scheme or wrong key, never the key), an
//!   unknown path 404 and a wrong method 405. The body is never buffered: a body of up to
//!   [`DRAIN_LIMIT`] bytes is read and thrown away after the answer went out (so that an IdP
//!   with a wrong key reads its 401 instead of a connection reset, and may reuse the
//!   connection); a larger one, or one of unknown length, is not read past that and gets
//!   `Connection: close`;
//! - **a repeat** (same client, User-Agent and reason as an open fold, see [`super::fold`]) is
//!   only counted: nothing is read, copied or queued;
//! - **the first of a fold** is captured before its answer leaves (so exchanges keep their order):
//!   at most [`REJECTED_CUT`] bytes of its body (read within [`PREFIX_WAIT`]), its headers cut to [`REJECTED_CUT`] bytes after
//!   redaction, path and query cut to [`MAX_TARGET`] bytes; redacted as usual. JSON is never
//!   parsed beyond those few KiB.

use super::fold::{FoldKey, Hit, Reason};
use super::{Capture, Seen, classify, client_label, header_pairs, redact, user_agent};
use crate::auth::AuthFailure;
use crate::model::{AuthOutcome, Exchange, ExchangeSummary};
use crate::wire::AppliedQuirks;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use std::time::Duration;

/// Bytes kept of a rejected request's body, and of its headers (after redaction).
pub const REJECTED_CUT: usize = 4096;
/// Bytes kept of a rejected request's path, and of its query string.
pub const MAX_TARGET: usize = 1024;
/// Bytes kept of a rejected request's method.
const MAX_METHOD: usize = 64;
/// How long the capture waits for the first [`REJECTED_CUT`] bytes of the body of the first
/// request of a fold (a client sends them right after its headers; one that trickles only
/// delays its own answer, by this much at most).
pub const PREFIX_WAIT: Duration = Duration::from_millis(250);
/// Bodies of rejected requests up to this size are read (and thrown away) after the answer, so
/// the client sees its answer rather than a reset; larger ones are left unread and the
/// connection is closed. Every request an IdP sends is far smaller.
pub const DRAIN_LIMIT: usize = 64 * 1024;
/// How long a rejected request's body may take to arrive while it is read and thrown away.
const DRAIN_WAIT: Duration = Duration::from_secs(2);
/// Largest answer body read back for the capture (the router's own SCIM errors are far smaller).
const ANSWER_LIMIT: usize = 64 * 1024;
/// Name of the entry that says headers were cut (not a valid header name, so it cannot be
/// mistaken for one that was sent).
pub const HEADERS_CUT: &str = "(cut)";

/// Answer a request whose key did not match (see the module docs).
pub(super) async fn answer(
    capture: &Capture,
    seen: Seen,
    failure: AuthFailure,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let mut inner = parts.clone();
    inner.headers.remove(header::CONTENT_LENGTH);
    inner.headers.remove(header::TRANSFER_ENCODING);
    let response = next.run(Request::from_parts(inner, Body::empty())).await;
    let latency_ms = seen.started.elapsed().as_secs_f64() * 1000.0;
    let (mut rparts, rbody) = response.into_parts();
    let answer = axum::body::to_bytes(rbody, ANSWER_LIMIT)
        .await
        .unwrap_or_default();
    let quirks = rparts
        .extensions
        .remove::<AppliedQuirks>()
        .unwrap_or_default()
        .0;
    let drained = match body_size(&parts) {
        BodySize::None => false,
        BodySize::Small => true,
        BodySize::Large => {
            rparts
                .headers
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            false
        }
    };
    let route = parts.extensions.get::<crate::wire::WorkspaceRoute>();
    let reason = match rparts.status.as_u16() {
        401 if route.is_some_and(|r| r.unknown_slug.is_some()) => Reason::UnknownWorkspace,
        401 => match failure {
            AuthFailure::Missing => Reason::MissingKey,
            AuthFailure::WrongScheme => Reason::WrongScheme,
            AuthFailure::UnknownKey if route.is_some_and(|r| r.key_of.is_some()) => {
                Reason::OtherWorkspaceKey
            }
            AuthFailure::UnknownKey => Reason::WrongKey,
        },
        404 => Reason::NotFound,
        405 => Reason::MethodNotAllowed,
        _ => Reason::Other,
    };
    // A 404 or 405 was decided by the route before the key mattered: the key is not the reason.
    let outcome = match reason {
        Reason::MissingKey => AuthOutcome::MissingHeader,
        Reason::WrongScheme => AuthOutcome::WrongScheme,
        Reason::WrongKey | Reason::OtherWorkspaceKey | Reason::UnknownWorkspace => {
            AuthOutcome::WrongKey
        }
        _ => AuthOutcome::NotChecked,
    };
    let key = FoldKey::new(seen.client.ip, user_agent(&parts.headers), reason);
    let folds = capture.sink.folds();
    let hit = folds.lock().hit(key.clone(), &seen.at);
    match hit {
        Hit::Counted => {
            folds.wake.notify_one();
            if drained {
                tokio::spawn(drain(body, DRAIN_LIMIT));
            }
        }
        Hit::New(fold) if folds.reserve_first() => {
            let first = First {
                capture: capture.clone(),
                key,
                fold,
                seen,
                latency_ms,
                status: rparts.status.as_u16(),
                outcome,
                quirks: quirks.iter().map(|q| q.label().to_owned()).collect(),
                response_headers: header_pairs(&rparts.headers),
                answer: answer.clone(),
            };
            // Before the answer leaves, so exchanges are stored in the order they arrived.
            first.capture(parts, body, drained).await;
        }
        Hit::New(fold) => {
            folds.lock().forget(&key, fold);
            folds.note_dropped();
            if drained {
                tokio::spawn(drain(body, DRAIN_LIMIT));
            }
        }
    }
    Response::from_parts(rparts, Body::from(answer))
}

/// What the request said of its body.
enum BodySize {
    /// No body.
    None,
    /// A length of at most [`DRAIN_LIMIT`]: read and thrown away after the answer.
    Small,
    /// More, or a length not given (chunked): never read past [`DRAIN_LIMIT`].
    Large,
}

fn body_size(parts: &Parts) -> BodySize {
    if parts.headers.contains_key(header::TRANSFER_ENCODING) {
        return BodySize::Large;
    }
    match parts
        .headers
        .get(header::CONTENT_LENGTH)
        .map(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()))
    {
        None | Some(Some(0)) => BodySize::None,
        Some(Some(n)) if n <= DRAIN_LIMIT as u64 => BodySize::Small,
        Some(_) => BodySize::Large,
    }
}

/// Read and throw away up to `limit` bytes of `body` within [`DRAIN_WAIT`] (one frame at a
/// time: nothing is kept). Dropping a body that was not read to its end makes the server close
/// the connection after the answer.
async fn drain(mut body: Body, limit: usize) {
    let deadline = tokio::time::Instant::now() + DRAIN_WAIT;
    let mut seen = 0usize;
    while seen <= limit {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => seen += frame.data_ref().map_or(0, Bytes::len),
            _ => return,
        }
    }
}

/// The first request of a new fold, with what is known of its answer.
struct First {
    capture: Capture,
    key: FoldKey,
    fold: u64,
    seen: Seen,
    latency_ms: f64,
    status: u16,
    outcome: AuthOutcome,
    quirks: Vec<String>,
    response_headers: Vec<(String, String)>,
    answer: Bytes,
}

impl First {
    async fn capture(self, parts: Parts, body: Body, drained: bool) {
        let (prefix, more, rest) = read_prefix(body, REJECTED_CUT, PREFIX_WAIT).await;
        let exchange = self.exchange(&parts, &prefix, more);
        self.capture.sink.fold_start(self.key, self.fold, exchange);
        if drained && more {
            tokio::spawn(drain(rest, DRAIN_LIMIT - prefix.len()));
        }
    }

    fn exchange(&self, parts: &Parts, prefix: &[u8], more: bool) -> Exchange {
        let route = parts.extensions.get::<crate::wire::WorkspaceRoute>();
        // A slug that names no workspace: keep the path as it was sent, typo included.
        let sent_path = match (route, parts.extensions.get::<axum::extract::OriginalUri>()) {
            (Some(r), Some(original)) if r.unknown_slug.is_some() => original.0.path(),
            _ => parts.uri.path(),
        };
        let path = super::fold::cut(sent_path, MAX_TARGET).to_owned();
        let query = redact::redact_query(parts.uri.query().unwrap_or(""));
        let query = super::fold::cut(&query, MAX_TARGET).to_owned();
        let method = super::fold::cut(parts.method.as_str(), MAX_METHOD).to_owned();
        let ua = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let facts = classify::RequestFacts {
            method: &method,
            path: &path,
            query: &query,
            user_agent: ua,
            request_json: None,
            status: self.status,
            response_json: None,
            quirks: &[],
            change: None,
        };
        let operation = classify::classify(&facts);
        let (idp, idp_reason) = self.capture.idp_for(
            self.seen.client.ip,
            ua.unwrap_or(""),
            classify::detect_idp(&facts),
            false,
        );
        let (headers, mut auth) = redact::redact_headers(&parts.headers, self.outcome);
        auth.workspace = route
            .filter(|r| r.unknown_slug.is_some() || r.key_of.is_some())
            .map(|r| crate::model::WorkspaceHint {
                unknown_slug: r.unknown_slug.clone(),
                key_of: r.key_of.clone(),
            });
        let (request_body, cut_body) = redact::redact_body(prefix, REJECTED_CUT);
        let (response_body, response_truncated) = redact::redact_body(&self.answer, REJECTED_CUT);
        Exchange {
            summary: ExchangeSummary {
                id: 0,
                at: self.seen.at.clone(),
                method,
                path,
                query,
                status: self.status,
                latency_ms: self.latency_ms,
                idp,
                operation,
                resource_type: None,
                resource_id: None,
                resource_name: None,
                quirks: self.quirks.clone(),
                fold_count: Some(1),
                last_at: Some(self.seen.at.clone()),
                refused_quirk: None,
                fault: None,
            },
            client_addr: client_label(self.seen.peer, self.seen.client),
            idp_reason,
            request_headers: cut_headers(headers, REJECTED_CUT),
            request_body,
            request_truncated: more || cut_body,
            response_headers: self.response_headers.clone(),
            response_body,
            response_truncated,
            auth,
            before: None,
            after: None,
        }
    }
}

/// Up to `cap` bytes of `body`, waiting at most `wait`; `true` when more was (or may have been)
/// sent; and the body, to read on or drop.
pub async fn read_prefix(mut body: Body, cap: usize, wait: Duration) -> (Vec<u8>, bool, Body) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = Vec::new();
    while buf.len() < cap {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    let take = data.len().min(cap - buf.len());
                    buf.extend_from_slice(&data[..take]);
                    if take < data.len() {
                        return (buf, true, body);
                    }
                }
            }
            Ok(None) => return (buf, false, body),
            Ok(Some(Err(_))) | Err(_) => return (buf, true, body),
        }
    }
    let more = !body.is_end_stream();
    (buf, more, body)
}

/// Redacted headers cut to `budget` bytes (names and values), in arrival order: the header that
/// crosses the budget keeps the start of its value (marked `…`), later ones are dropped, and a
/// last entry named [`HEADERS_CUT`] says how many.
pub fn cut_headers(headers: Vec<(String, String)>, budget: usize) -> Vec<(String, String)> {
    let total = headers.len();
    let mut used = 0;
    let mut out = Vec::new();
    let mut value_cut = false;
    for (name, value) in headers {
        let cost = name.len() + value.len();
        if used + cost <= budget {
            used += cost;
            out.push((name, value));
            continue;
        }
        let room = budget.saturating_sub(used + name.len());
        if room >= 16 {
            let kept = super::fold::cut(&value, room - 3);
            out.push((name, format!("{kept}…")));
            value_cut = true;
        }
        break;
    }
    let dropped = total - out.len();
    if dropped > 0 || value_cut {
        out.push((
            HEADERS_CUT.to_owned(),
            format!(
                "headers of a rejected request are cut at {budget} bytes: {dropped} more not kept"
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_cut_to_the_budget_and_say_so() {
        let h = |n: usize| -> Vec<(String, String)> {
            (0..n)
                .map(|i| (format!("x-h{i}"), "v".repeat(100)))
                .collect()
        };
        let kept = cut_headers(h(3), 4096);
        assert_eq!(kept, h(3), "small sets are kept whole");
        let kept = cut_headers(h(100), 1000);
        let size: usize = kept[..kept.len() - 1]
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum();
        assert!(size <= 1000, "{size}");
        let last = kept.last().unwrap();
        assert_eq!(last.0, HEADERS_CUT);
        assert!(last.1.contains("90 more not kept"), "{last:?}");
        assert!(kept[kept.len() - 2].1.ends_with('…'));
        // A single huge value keeps its start.
        let kept = cut_headers(vec![("cookie".into(), "é".repeat(10_000))], 4096);
        assert!(kept[0].1.len() <= 4096 && kept[0].1.ends_with('…'));
    }

    #[tokio::test]
    async fn a_prefix_is_read_and_the_rest_left_unread() {
        let big = Body::from(vec![b'x'; 100_000]);
        let (p, more, _) = read_prefix(big, 4096, Duration::from_secs(1)).await;
        assert_eq!((p.len(), more), (4096, true));
        let small = Body::from("{\"a\":1}");
        let (p, more, _) = read_prefix(small, 4096, Duration::from_secs(1)).await;
        assert_eq!((p.as_slice(), more), (&b"{\"a\":1}"[..], false));
        let exact = Body::from(vec![b'y'; 4096]);
        let (p, more, _) = read_prefix(exact, 4096, Duration::from_secs(1)).await;
        assert_eq!((p.len(), more), (4096, false));
    }
}
