//! `GET /api/checklist?idp=entra|okta`: the setup checklist scored from observed traffic.
//!
//! Gathers the rules' input — the newest exchanges attributed to that IdP (whole, redacted) and
//! one `UserFacts` per stored user (who created it, which attributes its create carried, what
//! role value arrived) — and runs `crate::checks`.

use super::{AdminError, AdminResult, AdminState, query_pairs};
use crate::checks::{self, CheckInput, Checklist, UserFacts, attribute_paths};
use crate::mapping::{FieldStatus, TargetField};
use crate::model::{Idp, OperationKind};
use crate::store::prelude::*;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;
use std::collections::HashMap;

/// Exchanges the checklist reads (the newest of that IdP).
pub const CHECKLIST_EXCHANGES: i64 = 5000;

/// `GET /api/checklist?idp=entra|okta`.
pub async fn checklist(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<Json<Checklist>> {
    Ok(Json(compute(&state, raw.as_deref()).await?))
}

/// `GET /api/checklist/report?idp=entra|okta`: the checklist as a Markdown report to save or
/// paste into a ticket (redacted like everything else: it names exchange ids, not bodies).
pub async fn report(
    State(state): State<AdminState>,
    RawQuery(raw): RawQuery,
) -> AdminResult<impl axum::response::IntoResponse> {
    let checklist = compute(&state, raw.as_deref()).await?;
    let text = render_report(
        &checklist,
        &state.scim_base_url(),
        &chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
    );
    let name = format!("scimlab-checklist-{}.md", checklist.idp.as_str());
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    ))
}

/// `text` with Markdown's active characters escaped: summaries quote what the IdP sent
/// (user names, attribute names), which must not become links, images or HTML in a ticket.
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // Without `[`/`]` no link or image can form; without `<`/`>` no HTML.
        if matches!(c, '\\' | '`' | '[' | ']' | '<' | '>' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The Markdown of a checklist report.
pub fn render_report(checklist: &Checklist, tenant_url: &str, when: &str) -> String {
    use std::fmt::Write as _;
    let idp = match checklist.idp {
        Idp::Entra => "Microsoft Entra ID",
        Idp::Okta => "Okta",
        Idp::Other => "other",
    };
    let s = &checklist.score;
    let mut out = format!(
        "# ScimLab setup checklist — {idp}\n\n\
         - tenant URL: `{tenant_url}`\n- scored: {when}, from the captured traffic\n\
         - result: {} pass, {} warn, {} fail, {} not yet seen\n\n",
        s.pass, s.warn, s.fail, s.not_yet_seen
    );
    for item in &checklist.items {
        let status = match item.status {
            checks::CheckStatus::Pass => "PASS",
            checks::CheckStatus::Warn => "WARN",
            checks::CheckStatus::Fail => "FAIL",
            checks::CheckStatus::NotYetSeen => "NOT YET SEEN",
        };
        let _ = write!(
            out,
            "## [{status}] {}\n\n`{}` — {}\n\n",
            md_text(&item.title),
            item.id,
            md_text(&item.summary)
        );
        if let Some(fix) = &item.fix {
            let _ = write!(out, "**Fix:** {}\n\n", md_text(fix));
        }
        if !item.evidence.is_empty() {
            let ids: Vec<String> = item.evidence.iter().map(|i| format!("#{i}")).collect();
            let _ = write!(out, "Evidence (exchange ids): {}\n\n", ids.join(", "));
        }
    }
    out
}

/// Score the checklist named by the `idp` parameter.
async fn compute(state: &AdminState, raw: Option<&str>) -> AdminResult<Checklist> {
    let mut idp = None;
    for (_, value) in query_pairs(raw, &["idp"])? {
        idp = match value.as_str() {
            "entra" => Some(Idp::Entra),
            "okta" => Some(Idp::Okta),
            other => {
                return Err(AdminError::bad_request(format!(
                    "invalid idp '{other}': use idp=entra or idp=okta"
                )));
            }
        };
    }
    let idp =
        idp.ok_or_else(|| AdminError::bad_request("missing idp: use ?idp=entra or ?idp=okta"))?;
    // One list of users, evaluated once: results line up with users even if one is deleted
    // meanwhile.
    let users = super::mapping::all_users_rendered(state).await?;
    let mut conn = state.store.read().await?;
    let profile = crate::results::active_profile(&mut conn).await?;
    let results = crate::results::evaluate_users(&mut conn, &profile, &users).await?;
    let traffic = conn.recent_exchanges(idp, CHECKLIST_EXCHANGES).await?;
    let creators = conn.user_creators().await?;
    drop(conn);
    // The body of each user's create, when still captured: what the IdP mapped.
    let create_bodies: HashMap<&str, Value> = traffic
        .iter()
        .filter(|e| e.summary.operation == OperationKind::Create && e.summary.status == 201)
        .filter_map(|e| {
            let id = e.summary.resource_id.as_deref()?;
            let body = serde_json::from_str(e.request_body.as_deref()?).ok()?;
            Some((id, body))
        })
        .collect();
    let facts: Vec<UserFacts> = users
        .iter()
        .zip(&results)
        .filter_map(|(u, m)| {
            let id = u.get("id")?.as_str()?.to_owned();
            let role = m.field(TargetField::Role);
            Some(UserFacts {
                user_name: u
                    .get("userName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                created_by: creators.get(&id).map_or(Idp::Other, |s| Idp::parse(s)),
                attributes_sent: attribute_paths(create_bodies.get(id.as_str()).unwrap_or(u)),
                // A misnamed role (`Role`) did not arrive for the app: attributes.name-case
                // reports it, and the role checks must not count it as sent.
                role_raw: role
                    .filter(|r| r.status != FieldStatus::Misnamed)
                    .and_then(|r| r.raw.clone()),
                role_valid: role.is_none_or(|r| r.status != FieldStatus::Invalid),
                id,
            })
        })
        .collect();
    Ok(checks::evaluate(&CheckInput {
        idp,
        exchanges: &traffic,
        users: &facts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_idp_sent_cannot_become_markdown_links_or_html() {
        assert_eq!(
            md_text("user [x](http://evil) <img src=x> `a`"),
            "user \\[x\\](http://evil) \\<img src=x\\> \\`a\\`"
        );
        let checklist = Checklist {
            idp: Idp::Okta,
            items: vec![checks::CheckItem {
                id: "roles.valid".into(),
                title: "role values valid".into(),
                status: checks::CheckStatus::Fail,
                summary: "got ![i](http://evil/p.png) from bob".into(),
                evidence: vec![7],
                fix: Some("set role".into()),
            }],
            score: checks::ChecklistScore {
                pass: 0,
                warn: 0,
                fail: 1,
                not_yet_seen: 0,
            },
        };
        let md = render_report(&checklist, "http://127.0.0.1:8787/scim/v2", "now");
        assert!(md.contains("\\!\\[i\\](http://evil/p.png)"), "{md}");
        assert!(!md.contains("![i]("), "{md}");
        assert!(md.contains("## [FAIL] role values valid"), "{md}");
        assert!(md.contains("Evidence (exchange ids): #7"), "{md}");
    }
}
