//! The hand-over report: what a customer is given at the end of an onboarding call — the
//! setup checklist of each IdP that sent traffic, the role summary, every user's mapping and the
//! failing exchanges with their diagnosis — gathered from the store in one place ([`gather`]) and
//! rendered as one self-contained HTML file ([`html`]), Markdown ([`markdown`]) or JSON (the
//! [`ReportData`] serialized).
//!
//! It also owns the computations the admin routes share with it: the stored users as the SCIM
//! listener renders them ([`all_users`]) and the checklist scored from the store
//! ([`score_checklist`]), so `GET /api/checklist`, `GET /api/roles` and a report never disagree.
//!
//! Never puts the SCIM key or a password in a report: headers are left out, bodies are stored
//! redacted and are redacted again ([`crate::capture::redact::redact_body`]) as they are cut.
//! Renderers are pure; only [`gather`] and the two shared functions read the store.

pub mod html;
pub mod markdown;

use crate::checks::{self, CheckInput, CheckStatus, Checklist, UserFacts, attribute_paths};
use crate::diagnosis::{Diagnosis, diagnose};
use crate::mapping::{self, FieldStatus, MappingResult, RoleSummary, TargetField};
use crate::model::{Idp, OperationKind};
use crate::store::exchanges::ExchangeQuery;
use crate::store::prelude::*;
use crate::store::resources::SqlOrder;
use crate::store::{Conn, StoreError};
use scimlab_scim::ResourceKind;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Exchanges the checklist reads (the newest of that IdP).
pub const CHECKLIST_EXCHANGES: i64 = 5000;
/// Users listed one by one in a report (the role summary counts every user).
pub const MAX_REPORT_USERS: usize = 5000;
/// Failing exchanges shown in a report (the newest).
pub const MAX_REPORT_FAILURES: i64 = 50;
/// Bytes of each request and response body a report shows.
pub const REPORT_BODY_BYTES: usize = 4096;

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained, print-friendly HTML file.
    Html,
    /// Markdown (the checklists only), to paste into a ticket.
    Markdown,
    /// [`ReportData`] as JSON.
    Json,
}

impl ReportFormat {
    /// `html`, `md` or `json`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "html" => Some(Self::Html),
            "md" | "markdown" => Some(Self::Markdown),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The file extension (`html`, `md`, `json`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Markdown => "md",
            Self::Json => "json",
        }
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Html => "text/html; charset=utf-8",
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// Everything a report says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportData {
    /// When it was made, e.g. `2026-12-06 14:00 UTC`.
    pub generated_at: String,
    /// The tenant URL the IdPs were given, when known (a report made offline does not know it).
    pub tenant_url: Option<String>,
    /// The checklist of each IdP reported on.
    pub checklists: Vec<Checklist>,
    /// Users per role and per role status, over every user.
    pub roles: RoleSummary,
    /// The same per creating IdP (only IdPs that created users).
    pub roles_by_idp: Vec<IdpRoles>,
    /// Stored users, in creation order (at most [`MAX_REPORT_USERS`]).
    pub users: Vec<UserReport>,
    /// Every stored user, also those not listed.
    pub users_total: u32,
    /// The newest failing exchanges (at most [`MAX_REPORT_FAILURES`]), newest first.
    pub failures: Vec<FailedExchange>,
    /// Failing exchanges stored, also those not listed.
    pub failures_total: i64,
}

impl ReportData {
    /// `true` when an item of any checklist fails (the CLI's exit code 1).
    pub fn has_failing_item(&self) -> bool {
        self.checklists
            .iter()
            .flat_map(|c| &c.items)
            .any(|i| i.status == CheckStatus::Fail)
    }
}

/// The role summary of the users one IdP created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdpRoles {
    /// The creating IdP.
    pub idp: Idp,
    /// Its users' roles and statuses.
    pub summary: RoleSummary,
}

/// One user and how it lands on the target app.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserReport {
    /// SCIM id.
    pub id: String,
    /// The userName as stored.
    pub user_name: String,
    /// The IdP whose create made it.
    pub created_by: Idp,
    /// The mapping under the profile in force.
    pub mapping: MappingResult,
}

/// One failing exchange, redacted and cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedExchange {
    /// Exchange id (the # in Traffic).
    pub id: i64,
    /// When it arrived (RFC 3339).
    pub at: String,
    /// The IdP it was attributed to.
    pub idp: Idp,
    /// HTTP method.
    pub method: String,
    /// Path with its (redacted) query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// Why it failed and the fix.
    pub diagnosis: Option<Diagnosis>,
    /// The request body, redacted and cut to [`REPORT_BODY_BYTES`].
    pub request_body: Option<String>,
    /// The response body, likewise.
    pub response_body: Option<String>,
    /// Whether either body was cut (here or at capture).
    pub bodies_cut: bool,
}

/// Every stored user, rendered as the SCIM listener renders it, in creation order.
pub async fn all_users(conn: &mut Conn, base_url: &str) -> Result<Vec<Value>, StoreError> {
    let total = conn.count_resources(ResourceKind::User).await?;
    let rows = conn
        .resource_page(
            ResourceKind::User,
            SqlOrder::Created,
            false,
            0,
            total.max(1),
        )
        .await?;
    crate::scim_api::render::render_all(conn, &rows, base_url).await
}

/// Score `idp`'s checklist: its newest exchanges and one [`UserFacts`] per user of `users`
/// (rendered, with `results` their mappings in the same order).
pub async fn score_checklist(
    conn: &mut Conn,
    idp: Idp,
    users: &[Value],
    results: &[MappingResult],
) -> Result<Checklist, StoreError> {
    let traffic = conn.recent_exchanges(idp, CHECKLIST_EXCHANGES).await?;
    let creators = conn.user_creators().await?;
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
    let facts: Vec<Arc<UserFacts>> = users
        .iter()
        .zip(results)
        .filter_map(|(u, m)| {
            let id = u.get("id")?.as_str()?;
            let created_by = creators.get(id).map_or(Idp::Other, |s| Idp::parse(s));
            let sent = attribute_paths(create_bodies.get(id).unwrap_or(u));
            user_facts(u, created_by, m, sent.into()).map(Arc::new)
        })
        .collect();
    Ok(checks::evaluate(&CheckInput::new(idp, &traffic, &facts)))
}

/// What the checklist knows of one stored user: `user` as rendered (its `id` and `userName`),
/// the IdP that created it, its mapping result, and the attribute paths its create carried
/// (`attribute_paths` of the captured create body, else of the user itself). `None` without
/// an `id`. The admin views' materialised results fill it the same way.
pub fn user_facts(
    user: &Value,
    created_by: Idp,
    mapping: &MappingResult,
    attributes_sent: Arc<[String]>,
) -> Option<UserFacts> {
    let id = user.get("id")?.as_str()?.to_owned();
    let role = mapping.field(TargetField::Role);
    Some(UserFacts {
        user_name: user
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        created_by,
        attributes_sent,
        // A misnamed role (`Role`) did not arrive for the app: attributes.name-case reports
        // it, and the role checks must not count it as sent.
        role_raw: role
            .filter(|r| r.status != FieldStatus::Misnamed)
            .and_then(|r| r.raw.clone()),
        role_valid: role.is_none_or(|r| r.status != FieldStatus::Invalid),
        id,
    })
}

/// Whether `idp` has any captured exchange.
async fn has_traffic(conn: &mut Conn, idp: Idp) -> Result<bool, StoreError> {
    let (rows, _) = conn
        .count_exchanges_matching(&ExchangeQuery {
            idp: Some(idp),
            ..ExchangeQuery::default()
        })
        .await?;
    Ok(rows > 0)
}

/// Read everything a report says from one reader session. `idp`: that IdP's checklist only
/// (even without traffic); `None`: the checklist of every IdP that sent traffic. Users, roles and
/// failures cover the whole endpoint either way.
pub async fn gather(
    conn: &mut Conn,
    idp: Option<Idp>,
    tenant_url: Option<&str>,
    generated_at: &str,
) -> Result<ReportData, StoreError> {
    // Rendered locations are not shown; any base works when the tenant URL is not known.
    let base = tenant_url.unwrap_or(crate::config::SCIM_BASE_PATH);
    let users = all_users(conn, base).await?;
    let profile = crate::results::active_profile(conn).await?;
    let results = crate::results::evaluate_users(conn, &profile, &users).await?;
    let mut checklists = Vec::new();
    for candidate in [Idp::Entra, Idp::Okta] {
        let wanted = match idp {
            Some(i) => i == candidate,
            None => has_traffic(conn, candidate).await?,
        };
        if wanted {
            checklists.push(score_checklist(conn, candidate, &users, &results).await?);
        }
    }
    let creators = conn.user_creators().await?;
    let mut rows: Vec<UserReport> = users
        .iter()
        .zip(&results)
        .map(|(u, m)| {
            let id = u
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            UserReport {
                user_name: u
                    .get("userName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                created_by: creators.get(&id).map_or(Idp::Other, |s| Idp::parse(s)),
                mapping: m.clone(),
                id,
            }
        })
        .collect();
    let roles_by_idp = Idp::ALL
        .iter()
        .filter_map(|&i| {
            let theirs: Vec<MappingResult> = rows
                .iter()
                .filter(|r| r.created_by == i)
                .map(|r| r.mapping.clone())
                .collect();
            (!theirs.is_empty()).then(|| IdpRoles {
                idp: i,
                summary: mapping::summarise(&theirs),
            })
        })
        .collect();
    let users_total = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    rows.truncate(MAX_REPORT_USERS);
    let (failures, failures_total) = failures(conn).await?;
    Ok(ReportData {
        generated_at: generated_at.to_owned(),
        tenant_url: tenant_url.map(str::to_owned),
        checklists,
        roles: mapping::summarise(&results),
        roles_by_idp,
        users: rows,
        users_total,
        failures,
        failures_total,
    })
}

/// The newest failing (4xx and 5xx) exchanges, redacted and cut, and how many are stored.
async fn failures(conn: &mut Conn) -> Result<(Vec<FailedExchange>, i64), StoreError> {
    let mut found = Vec::new();
    let mut total = 0;
    for class in [4, 5] {
        let q = ExchangeQuery {
            status_class: Some(class),
            limit: MAX_REPORT_FAILURES,
            ..ExchangeQuery::default()
        };
        total += conn.count_exchanges_matching(&q).await?.0;
        found.extend(conn.exchanges_whole(&q).await?);
    }
    found.sort_by_key(|e| std::cmp::Reverse(e.summary.id));
    found.truncate(usize::try_from(MAX_REPORT_FAILURES).unwrap_or(0));
    let out = found
        .iter()
        .map(|e| {
            let s = &e.summary;
            let cut = |body: Option<&str>| {
                body.map_or((None, false), |b| {
                    crate::capture::redact::redact_body(b.as_bytes(), REPORT_BODY_BYTES)
                })
            };
            let (request_body, req_cut) = cut(e.request_body.as_deref());
            let (response_body, resp_cut) = cut(e.response_body.as_deref());
            let query = crate::capture::redact::redact_query(&s.query);
            FailedExchange {
                id: s.id,
                at: s.at.clone(),
                idp: s.idp,
                method: s.method.clone(),
                path: if query.is_empty() {
                    s.path.clone()
                } else {
                    format!("{}?{query}", s.path)
                },
                status: s.status,
                diagnosis: diagnose(e),
                request_body,
                response_body,
                bodies_cut: req_cut || resp_cut || e.request_truncated || e.response_truncated,
            }
        })
        .collect();
    Ok((out, total))
}

/// Now, as reports print it (`2026-12-06 14:00 UTC`).
pub fn now_label() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Render `data` as `format`.
pub fn render(data: &ReportData, format: ReportFormat) -> String {
    match format {
        ReportFormat::Html => html::render(data),
        ReportFormat::Markdown => markdown::render(data),
        ReportFormat::Json => serde_json::to_string_pretty(data)
            .unwrap_or_else(|e| format!("{{\"error\": \"could not serialize the report: {e}\"}}")),
    }
}
