//! Carrying out fault rules on an authenticated request, inside the capture layer so the
//! exchange records the answer actually sent (or that none was).
//!
//! The request's facts (IdP, operation, path below the tenant URL, userName or group
//! displayName) are read the way capture reads them after the answer — the same
//! [`classify::classify`] and IdP detection, only without a response — so a rule on
//! `operation: create` fires on what Traffic later calls a create. Writes are judged from the
//! body alone here: a PUT with `active: false` to a user already inactive matches `deactivate`
//! although Traffic, which sees the stored change, calls it `update` (likewise a group PUT
//! with unchanged members and `group-membership`). A name comes from the body, else (when a
//! rule matches on names) from the stored resource the path names, else from a
//! `userName eq "…"` / `displayName eq "…"` filter. The rules themselves and their budgets are `crate::faults`
//! (pure); this module only acts:
//!
//! - `delayMs`: sleep, then go on;
//! - `drop`: no handler, the response carries [`DropConnection`] and the listener closes the
//!   socket;
//! - `status` alone: no handler, a SCIM error (`scimType`, `detail`) with `Retry-After` if asked;
//! - `status` + `afterWrite`: the handler runs and commits, then its answer is replaced by the
//!   error (the write's [`crate::model::ResourceChange`] stays on the response for capture);
//! - `strict`: the handler runs with [`ForceStrict`].
//!
//! Every firing puts a [`FaultFired`] mark on the response and sends `faults.changed`.

use super::{Capture, classify};
use crate::config::SCIM_BASE_PATH;
use crate::events::EngineEvent;
use crate::faults::{Decision, RequestFacts};
use crate::model::{FaultMark, Idp, OperationKind};
use crate::store::prelude::*;
use crate::wire::{DropConnection, FaultFired, ForceStrict, scim_json};
use axum::body::Body;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use scimlab_scim::ResourceKind;
use scimlab_scim::resource::get_ci;
use serde_json::{Value, json};
use std::net::IpAddr;

/// Serve `req` (its body already read into `body`), applying the first fault rule that fires.
pub(super) async fn serve(
    capture: &Capture,
    client: IpAddr,
    parts: &Parts,
    body: &[u8],
    req: Request,
    next: Next,
) -> Response {
    if capture.faults.with(|s| s.is_empty()) {
        return next.run(req).await;
    }
    let facts = facts(capture, client, parts, body).await;
    let decision = if capture.store.postgres().is_some() {
        decide_shared(capture, &facts).await
    } else {
        capture.faults.with(|s| s.decide(&facts))
    };
    let Some(decision) = decision else {
        return next.run(req).await;
    };
    let subject = facts
        .user_name
        .clone()
        .or_else(|| facts.display_name.clone());
    let (response, applied) = act(&decision, subject, req, next).await;
    if !applied {
        // An afterWrite rule whose write did not happen: its budget is not spent on it.
        capture.faults.with(|s| s.refund(decision.rule_id));
        if let Some(key) = &decision.shared_budget {
            let refunded = async {
                let mut w = capture.store.write().await?;
                w.refund_fault_hit(key).await?;
                w.commit().await
            }
            .await;
            if let Err(e) = refunded {
                tracing::warn!(error = %e, "could not give a fault rule's hit back to its budget");
            }
        }
    }
    capture.events.publish(EngineEvent::FaultsChanged {
        rules: capture.faults.list(),
    });
    response
}

/// The fault for a request when several instances may share the database (PostgreSQL): the
/// first enabled rule whose match holds and whose budget, counted in the database across every
/// instance, fires. A rule without a budget fires on its match as it does alone. If the database
/// cannot count a budget, that rule does not fire (the request is served, and a warning logged).
async fn decide_shared(capture: &Capture, facts: &RequestFacts) -> Option<Decision> {
    for candidate in capture.faults.with(|s| s.candidates(facts)) {
        let rule = &candidate.rule;
        if rule.times.is_none() && rule.every.is_none() && rule.probability.is_none() {
            capture.faults.with(|s| s.note_counts(candidate.id, None));
            return Some(crate::faults::FaultSet::decision(&candidate, false));
        }
        match count_shared(capture, &candidate).await {
            Ok((fired, matches, hits)) => {
                capture
                    .faults
                    .with(|s| s.note_counts(candidate.id, Some((matches, hits))));
                if fired {
                    return Some(crate::faults::FaultSet::decision(&candidate, true));
                }
            }
            Err(e) => {
                tracing::warn!(rule = %rule.name, error = %e, "could not count a fault rule's budget; it does not fire on this request");
            }
        }
    }
    None
}

/// Count a match of `candidate` in the database and spend a hit when it fires: whether it
/// fired, and the budget's matches and hits now.
async fn count_shared(
    capture: &Capture,
    candidate: &crate::faults::Candidate,
) -> Result<(bool, u64, u64), crate::store::StoreError> {
    let mut w = capture.store.write().await?;
    let (n, mut hits) = w.count_fault_match(&candidate.key).await?;
    let n = u64::try_from(n).unwrap_or(0);
    let fired = crate::faults::fires_on_match(&candidate.rule, n)
        && w.claim_fault_hit(&candidate.key, candidate.rule.times.map(i64::from))
            .await?;
    if fired {
        hits += 1;
    }
    w.commit().await?;
    Ok((fired, n, u64::try_from(hits).unwrap_or(0)))
}

/// Carry out `decision`; `false` when it was not applied (an afterWrite rule on a request the
/// app refused: its own answer goes back, unmarked).
async fn act(
    decision: &Decision,
    subject: Option<String>,
    mut req: Request,
    next: Next,
) -> (Response, bool) {
    let a = &decision.action;
    if let Some(ms) = a.delay_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let mark = |did: String, wrote: bool| {
        FaultFired(FaultMark {
            rule_id: decision.rule_id,
            rule_name: decision.rule_name.clone(),
            did,
            subject: subject.clone(),
            retry_after: a.retry_after,
            wrote,
        })
    };
    let waited = a
        .delay_ms
        .map(|ms| format!("waited {ms} ms, then "))
        .unwrap_or_default();
    if a.drop {
        let mut resp = Response::new(Body::empty());
        resp.extensions_mut().insert(DropConnection);
        resp.extensions_mut().insert(mark(
            format!("{waited}closed the connection without an answer"),
            false,
        ));
        return (resp, true);
    }
    if a.strict {
        req.extensions_mut().insert(ForceStrict);
    }
    let Some(status) = a.status else {
        // Strict mode or a delay alone: the app answers.
        let mut resp = next.run(req).await;
        let answered = resp.status().as_u16();
        let did = if a.strict {
            format!("{waited}answered as strict mode ({answered})")
        } else {
            format!(
                "waited {} ms before the app's answer ({answered})",
                a.delay_ms.unwrap_or(0)
            )
        };
        resp.extensions_mut()
            .insert(mark(did, (200..300).contains(&answered)));
        return (resp, true);
    };
    let error = error_answer(
        status,
        a.scim_type.as_deref(),
        a.detail.as_deref(),
        a.retry_after,
    );
    if !a.after_write {
        let mut resp = error;
        resp.extensions_mut().insert(mark(
            format!("{waited}answered {status}{}", retry_words(a.retry_after)),
            false,
        ));
        return (resp, true);
    }
    let written = next.run(req).await;
    let answered = written.status().as_u16();
    if !(200..300).contains(&answered) {
        // Nothing was written: "created but answered 500" would be untrue.
        return (written, false);
    }
    // Keep what capture reads from the handler's answer (the write's before/after, the
    // quirks), replace its status, headers and body by the fault's.
    let (handler_parts, _) = written.into_parts();
    let (error_parts, error_body) = error.into_parts();
    let mut resp = Response::from_parts(handler_parts, error_body);
    *resp.status_mut() = error_parts.status;
    *resp.headers_mut() = error_parts.headers;
    resp.extensions_mut().insert(mark(
        format!(
            "{waited}answered {status} after the app answered {answered}{}",
            retry_words(a.retry_after)
        ),
        true,
    ));
    (resp, true)
}

fn retry_words(retry_after: Option<u32>) -> String {
    retry_after
        .map(|s| format!(" with Retry-After {s} s"))
        .unwrap_or_default()
}

/// A SCIM error body for a fault: any `scimType` the rule names, `Retry-After` when asked.
fn error_answer(
    status: u16,
    scim_type: Option<&str>,
    detail: Option<&str>,
    retry_after: Option<u32>,
) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = json!({
        "schemas": [scimlab_scim::error::ERROR_SCHEMA],
        "status": status.to_string(),
        "detail": detail.unwrap_or("rehearsed failure (a ScimLab fault rule)"),
    });
    if let Some(t) = scim_type {
        body["scimType"] = json!(t);
    }
    let mut resp = scim_json(code, &body);
    if let Some(secs) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// What the rules match on, read before the answer.
async fn facts(capture: &Capture, client: IpAddr, parts: &Parts, body: &[u8]) -> RequestFacts {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let seen = classify::RequestFacts {
        method: parts.method.as_str(),
        path,
        query,
        user_agent,
        request_json: json.as_ref(),
        status: 200,
        response_json: None,
        quirks: &[],
        change: None,
    };
    let operation = Some(classify::classify(&seen)).filter(|o| *o != OperationKind::Rejected);
    let (idp, _) = capture.idp_for(
        client,
        user_agent.unwrap_or(""),
        classify::detect_idp(&seen),
        false,
    );
    let below = path.strip_prefix(SCIM_BASE_PATH).unwrap_or(path);
    let segments: Vec<&str> = below.split('/').filter(|s| !s.is_empty()).collect();
    let kind = match segments.first() {
        Some(&"Users") => Some(ResourceKind::User),
        Some(&"Groups") => Some(ResourceKind::Group),
        _ => None,
    };
    let attr = |name: &str| {
        json.as_ref()
            .and_then(Value::as_object)
            .and_then(|o| get_ci(o, name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut name = match kind {
        Some(ResourceKind::User) => attr("userName"),
        Some(ResourceKind::Group) => attr("displayName"),
        None => None,
    };
    // The stored resource's name costs a read: only when a rule matches on names (a request
    // by id is otherwise followed by its id).
    if name.is_none()
        && capture.faults.with(|s| s.matches_names())
        && let (Some(kind), [_, id]) = (kind, segments.as_slice())
        && *id != ".search"
    {
        name = stored_name(capture, kind, id).await;
    }
    if name.is_none()
        && let Some(kind) = kind
    {
        name = filtered_name(query, kind);
    }
    let (user_name, display_name) = match kind {
        Some(ResourceKind::Group) => (None, name),
        _ => (name, None),
    };
    RequestFacts {
        idp: if idp == Idp::Other { Idp::Other } else { idp },
        operation,
        method: parts.method.as_str().to_owned(),
        path: if below.is_empty() {
            "/".to_owned()
        } else {
            below.to_owned()
        },
        user_name,
        display_name,
    }
}

/// The stored resource's userName / displayName (a PATCH, PUT, GET or DELETE by id).
async fn stored_name(capture: &Capture, kind: ResourceKind, id: &str) -> Option<String> {
    let mut conn = capture.store.read().await.ok()?;
    let row = conn.resource(kind, id).await.ok()??;
    row.attributes
        .get(crate::store::resources::name_attr(kind))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The value of a `userName eq "…"` (or `displayName eq "…"`) filter, the match lookup's name.
pub(super) fn filtered_name(query: &str, kind: ResourceKind) -> Option<String> {
    let want = crate::store::resources::name_attr(kind);
    let filter = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("filter"))?
        .1;
    let mut quirks = scimlab_scim::Quirks::new(scimlab_scim::Mode::Tolerant);
    let parsed = scimlab_scim::filter::parse_filter(&filter, kind, &mut quirks).ok()?;
    match parsed {
        scimlab_scim::filter::Filter::Compare {
            path,
            op: scimlab_scim::filter::CompareOp::Eq,
            value: scimlab_scim::filter::CompValue::Str(v),
        } if path.name.eq_ignore_ascii_case(want) && path.sub.is_none() => Some(v),
        _ => None,
    }
}
