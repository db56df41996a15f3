//! `GET /api/exchanges/export`: the filtered exchanges as a HAR 1.2 document, the format
//! HTTP Toolkit, browser devtools and ngrok's inspector read. Built from the stored rows, which
//! are redacted before storage (Authorization reduced to scheme + last 4, passwords replaced),
//! so an export can be attached to a ticket. ScimLab's own labels (IdP, operation, quirks,
//! resource) ride along in `_scimlab` per entry (HAR allows `_`-prefixed custom fields).

use super::exchanges::parse_query_within;
use super::{AdminResult, AdminState};
use crate::capture::model::Exchange;
use crate::store::exchanges;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Exchanges exported when `limit` is not given, and the most one export holds.
pub const MAX_EXPORT: i64 = 10_000;

/// `GET /api/exchanges/export`: the filters of `/api/exchanges`, newest `limit` (default and
/// at most 10 000), written oldest first.
pub async fn har(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<impl IntoResponse> {
    let q = parse_query_within(raw.as_deref(), MAX_EXPORT, MAX_EXPORT)?;
    let mut conn = state.store.read.acquire().await?;
    let mut items = exchanges::list_whole(&mut conn, &q).await?;
    drop(conn);
    items.reverse();
    let origin = origin_of(&state.scim_base_url);
    let doc = document(&items, &origin);
    let body = serde_json::to_string_pretty(&doc).map_err(|e| super::AdminError::internal(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"scimlab-traffic.har\"",
            ),
        ],
        body,
    ))
}

/// `http://127.0.0.1:8787` of `http://127.0.0.1:8787/scim/v2`.
fn origin_of(base_url: &str) -> String {
    let after_scheme = base_url.find("://").map_or(0, |i| i + 3);
    match base_url[after_scheme..].find('/') {
        Some(i) => base_url[..after_scheme + i].to_owned(),
        None => base_url.to_owned(),
    }
}

fn pairs(headers: &[(String, String)]) -> Vec<Value> {
    headers
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect()
}

fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The HAR document of `items` (oldest first), URLs on `origin`.
pub fn document(items: &[Exchange], origin: &str) -> Value {
    let entries: Vec<Value> = items.iter().map(|e| entry(e, origin)).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "ScimLab", "version": env!("CARGO_PKG_VERSION")},
            "comment": "exported by ScimLab; secrets were redacted before storage (authorization shown as scheme + last 4 characters, passwords replaced)",
            "entries": entries,
        }
    })
}

fn entry(e: &Exchange, origin: &str) -> Value {
    let s = &e.summary;
    let url = if s.query.is_empty() {
        format!("{origin}{}", s.path)
    } else {
        format!("{origin}{}?{}", s.path, s.query)
    };
    let query_string: Vec<Value> = form_urlencoded::parse(s.query.as_bytes())
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    let req_type = header_value(&e.request_headers, "content-type").unwrap_or("");
    let resp_type = header_value(&e.response_headers, "content-type").unwrap_or("");
    let req_len = e.request_body.as_deref().map_or(0, str::len);
    let resp_len = e.response_body.as_deref().map_or(0, str::len);
    let mut request = json!({
        "method": s.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(&e.request_headers),
        "queryString": query_string,
        "headersSize": -1,
        "bodySize": req_len,
    });
    if let Some(body) = &e.request_body {
        request["postData"] = json!({"mimeType": req_type, "text": body});
    }
    let mut content = json!({"size": resp_len, "mimeType": resp_type});
    if let Some(body) = &e.response_body {
        content["text"] = json!(body);
    }
    let status_text = axum::http::StatusCode::from_u16(s.status)
        .ok()
        .and_then(|c| c.canonical_reason())
        .unwrap_or("");
    json!({
        "startedDateTime": s.at,
        "time": s.latency_ms,
        "request": request,
        "response": {
            "status": s.status,
            "statusText": status_text,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": pairs(&e.response_headers),
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": resp_len,
        },
        "cache": {},
        "timings": {"send": 0, "wait": s.latency_ms, "receive": 0},
        "_scimlab": {
            "id": s.id,
            "idp": s.idp,
            "idpReason": e.idp_reason,
            "operation": s.operation,
            "quirks": s.quirks,
            "resourceType": s.resource_type,
            "resourceId": s.resource_id,
            "resourceName": s.resource_name,
            "requestTruncated": e.request_truncated,
            "responseTruncated": e.response_truncated,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_drops_the_base_path() {
        assert_eq!(
            origin_of("http://127.0.0.1:8787/scim/v2"),
            "http://127.0.0.1:8787"
        );
        assert_eq!(origin_of("http://h:1"), "http://h:1");
    }
}
