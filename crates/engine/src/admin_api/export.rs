//! `GET /api/exchanges/export`: the filtered exchanges as a HAR 1.2 document, the format
//! HTTP Toolkit, browser devtools and ngrok's inspector read. Built from the stored rows, which
//! are redacted before storage (Authorization reduced to scheme + last 4, passwords replaced),
//! so an export can be attached to a ticket. ScimLab's own labels (IdP, operation, quirks,
//! resource) ride along in `_scimlab` per entry (HAR allows `_`-prefixed custom fields).

use super::exchanges::parse_query_within;
use super::{AdminResult, AdminState};
use crate::model::Exchange;
use crate::store::prelude::*;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Exchanges exported when `limit` is not given, and the most one export holds.
pub const MAX_EXPORT: i64 = 10_000;
/// Body bytes one export holds at most: bodies can be up to the capture cap each, and the
/// document is built in memory. Past it the export stops (newest first) and says so.
pub const MAX_EXPORT_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Rows read per query while exporting.
const PAGE: i64 = 200;

/// `GET /api/exchanges/export`: the filters of `/api/exchanges`, newest `limit` (default and
/// at most 10 000, and at most [`MAX_EXPORT_BODY_BYTES`] of bodies), written oldest first.
pub async fn har(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<impl IntoResponse> {
    let q = parse_query_within(raw.as_deref(), MAX_EXPORT, MAX_EXPORT)?;
    let mut conn = state.store.read().await?;
    let (items, cut) = collect(&mut conn, q, MAX_EXPORT_BODY_BYTES).await?;
    drop(conn);
    // A workspace's exchanges are stored with the paths its router saw (`/scim/v2/…`): its
    // `/w/<slug>` goes back in front, so the HAR's URLs are the ones the IdP called.
    let origin = format!(
        "{}{}",
        origin_of(&state.scim_base_url()),
        state
            .workspace
            .scim_base_path()
            .strip_suffix(crate::config::SCIM_BASE_PATH)
            .unwrap_or("")
    );
    let mut doc = document(&items, &origin);
    if cut {
        doc["log"]["comment"] = serde_json::json!(format!(
            "{} — stopped after the newest {} exchanges: their bodies reached {} MiB; narrow the filters (idp, status, resource, q) or page with before=<oldest id here> for the rest",
            doc["log"]["comment"].as_str().unwrap_or_default(),
            items.len(),
            MAX_EXPORT_BODY_BYTES / (1024 * 1024)
        ));
    }
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

/// The newest `q.limit` exchanges matching `q`, read a page at a time and returned oldest first,
/// stopping before their bodies pass `max_body_bytes`; `true` when it stopped there.
pub async fn collect(
    conn: &mut crate::store::Conn,
    mut q: crate::store::exchanges::ExchangeQuery,
    max_body_bytes: usize,
) -> crate::store::Result<(Vec<Exchange>, bool)> {
    let wanted = usize::try_from(q.limit).unwrap_or(0);
    let (mut items, mut bytes, mut cut) = (Vec::new(), 0usize, false);
    'pages: while items.len() < wanted {
        q.limit = PAGE.min(i64::try_from(wanted - items.len()).unwrap_or(PAGE));
        let page = conn.exchanges_whole(&q).await?;
        let Some(last) = page.last() else { break };
        q.before = Some(last.summary.id);
        let full = page.len() as i64 == q.limit;
        for e in page {
            bytes += e.request_body.as_deref().map_or(0, str::len)
                + e.response_body.as_deref().map_or(0, str::len);
            if bytes > max_body_bytes {
                cut = true;
                break 'pages;
            }
            items.push(e);
        }
        if !full {
            break;
        }
    }
    items.reverse();
    Ok((items, cut))
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
            "foldCount": s.fold_count,
            "lastAt": s.last_at,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn exports_page_through_and_stop_at_the_body_budget() {
        use crate::model::{Idp, OperationKind};
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("x.db"))
            .await
            .unwrap();
        let batch: Vec<Exchange> = (1..=450)
            .map(|i| {
                let mut e = crate::checks::testkit::ex(
                    i,
                    Idp::Okta,
                    "POST",
                    "/scim/v2/Users",
                    201,
                    OperationKind::Create,
                );
                e.request_body = Some("x".repeat(100));
                e
            })
            .collect();
        let mut conn = store.write().await.unwrap();
        conn.insert_exchanges(&batch, 10_000).await.unwrap();
        conn.commit().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let query = |limit| crate::store::exchanges::ExchangeQuery {
            limit,
            ..Default::default()
        };
        // More than one page, oldest first, the newest included, none twice.
        let (items, cut) = collect(&mut conn, query(420), usize::MAX).await.unwrap();
        assert!(!cut);
        let ids: Vec<i64> = items.iter().map(|e| e.summary.id).collect();
        assert_eq!(ids.len(), 420);
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "oldest first, no repeats"
        );
        assert_eq!(*ids.last().unwrap(), 450);
        assert_eq!(ids[0], 31);
        // A budget of 10 bodies' worth: the newest 10, flagged.
        let (items, cut) = collect(&mut conn, query(420), 1000).await.unwrap();
        assert!(cut);
        assert_eq!(items.len(), 10);
        assert_eq!(items.last().unwrap().summary.id, 450);
    }

    #[test]
    fn origin_drops_the_base_path() {
        assert_eq!(
            origin_of("http://127.0.0.1:8787/scim/v2"),
            "http://127.0.0.1:8787"
        );
        assert_eq!(origin_of("http://h:1"), "http://h:1");
    }
}
