//! Why an exchange failed, told for its cause: the one sentence, the SCIM error behind it and the
//! fix in the IdP's own portal terms.
//!
//! Owns the wording every screen uses for a failure (the Traffic "why it failed" banner, Connect's
//! pinned last failure, the checklist's "requests answered successfully" item), so they never
//! contradict each other. Pure: it reads a stored [`Exchange`] (status, the key's
//! [`AuthOutcome`], path, the SCIM error body, the quirk a strict answer refused) and nothing
//! else. The key is blamed only when the key decided the answer: a wrong base path sent with a
//! good key blames the URL.
//!
//! Imports `model` and `config` only.

use crate::config::SCIM_BASE_PATH;
use crate::model::{AuthOutcome, Exchange, Idp};
use scimlab_scim::Quirk;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The cause of a failed exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FailureCause {
    /// A key was sent that is not this endpoint's key.
    WrongKey,
    /// No `Authorization` header.
    MissingHeader,
    /// An `Authorization` scheme other than Bearer.
    WrongScheme,
    /// The request's path does not start with the tenant URL's `/scim/v2`.
    WrongBasePath,
    /// Under `/scim/v2`, but no such endpoint.
    UnknownEndpoint,
    /// The endpoint does not take that method.
    MethodNotAllowed,
    /// Strict mode refused a quirk the request relied on.
    StrictRefused,
    /// The request was invalid SCIM (400).
    InvalidRequest,
    /// The userName (or group displayName) is taken (409).
    Uniqueness,
    /// The resource named in the path does not exist (404).
    NotFound,
    /// An `If-Match` version did not match (412).
    PreconditionFailed,
    /// The body was over the limit (413).
    TooLarge,
    /// ScimLab was busy and asked the IdP to retry (503).
    Busy,
    /// ScimLab failed (5xx).
    ServerError,
    /// A fault rule answered (a rehearsed failure, ScimLab's own choice).
    Rehearsed,
    /// Any other failure.
    Other,
}

/// Why one exchange failed and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// The cause.
    pub cause: FailureCause,
    /// One sentence for the cause, e.g. "the tenant URL must end in /scim/v2 — yours ends in
    /// /scim".
    pub title: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The SCIM `scimType` of the answer, when it had one.
    pub scim_type: Option<String>,
    /// The SCIM `detail` of the answer, when it had one.
    pub detail: Option<String>,
    /// The quirk a strict answer refused (its label).
    pub quirk: Option<String>,
    /// What to change, in the IdP's portal terms.
    pub fix: String,
}

/// Where the IdP's settings live, per IdP.
struct Portal {
    url_field: &'static str,
    key_field: &'static str,
    retry: &'static str,
}

fn portal(idp: Idp) -> Portal {
    match idp {
        Idp::Entra => Portal {
            url_field: "in Entra ID, Enterprise applications → the app → Provisioning → Admin Credentials → Tenant URL",
            key_field: "in Entra ID, Provisioning → Admin Credentials → Secret Token",
            retry: "then Test Connection, and Provision on demand for one user",
        },
        Idp::Okta => Portal {
            url_field: "in Okta, Applications → the app → Provisioning → Integration → SCIM connector base URL",
            key_field: "in Okta, Provisioning → Integration → Authentication Mode HTTP Header → Authorization",
            retry: "then Test Connector Configuration, and push one user again",
        },
        Idp::Other => Portal {
            url_field: "in the client's SCIM settings, the base URL",
            key_field: "in the client's SCIM settings, the Authorization header",
            retry: "then send the request again",
        },
    }
}

/// The resource endpoints and discovery endpoints a tenant URL is followed by.
const ENDPOINTS: &[&str] = &[
    "Users",
    "Groups",
    "ServiceProviderConfig",
    "ServiceProviderConfigs",
    "ResourceTypes",
    "Schemas",
    "Bulk",
    "Me",
    ".search",
];

/// The base path the client used: what comes before the first SCIM endpoint name in `path`
/// (`/scim/Users/123` → `/scim`), or `None` when no endpoint name is in it.
pub(crate) fn base_used(path: &str) -> Option<&str> {
    let segments: Vec<(usize, &str)> = path
        .match_indices('/')
        .map(|(i, _)| i)
        .map(|i| (i, path[i + 1..].split('/').next().unwrap_or("")))
        .collect();
    segments
        .iter()
        .find(|(_, seg)| ENDPOINTS.iter().any(|e| e.eq_ignore_ascii_case(seg)))
        .map(|(i, _)| &path[..*i])
}

/// The SCIM error body's `detail` and `scimType`.
fn scim_error(ex: &Exchange) -> (Option<String>, Option<String>) {
    let Some(body) = ex
        .response_body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
    else {
        return (None, None);
    };
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    (text("detail"), text("scimType"))
}

/// Why `ex` failed; `None` when it did not (status below 400, and an answer was sent).
pub fn diagnose(ex: &Exchange) -> Option<Diagnosis> {
    let s = &ex.summary;
    if !s.failed() {
        return None;
    }
    if let Some(fault) = &s.fault {
        let (detail, scim_type) = scim_error(ex);
        return Some(Diagnosis {
            cause: FailureCause::Rehearsed,
            title: format!(
                "a fault rule answered: \"{}\" {} (a rehearsed failure, not the app's)",
                fault.rule_name, fault.did
            ),
            status: s.status,
            scim_type,
            detail,
            quirk: None,
            fix: "nothing to fix in the IdP: see what it did next (retry, back-off, give up); disable or delete the rule on the Faults screen to stop it".to_owned(),
        });
    }
    let (detail, scim_type) = scim_error(ex);
    let p = portal(s.idp);
    let path = s.path.as_str();
    let under_base = path == SCIM_BASE_PATH || path.starts_with(&format!("{SCIM_BASE_PATH}/"));
    let last4 = ex
        .auth
        .last4
        .as_deref()
        .map(|l| format!(" (the one sent ends in …{l})"))
        .unwrap_or_default();
    let wrong_base = |cause_url: String| -> (FailureCause, String, String) {
        (
            FailureCause::WrongBasePath,
            cause_url,
            format!(
                "{}: set it to https://<your tunnel host>{SCIM_BASE_PATH} (Connect shows the exact value); {}",
                p.url_field, p.retry
            ),
        )
    };
    let quirk = s.refused_quirk.clone();
    let (cause, title, fix) = match (s.status, ex.auth.outcome) {
        (401, AuthOutcome::MissingHeader) => (
            FailureCause::MissingHeader,
            "no Authorization header arrived: the request carried no key at all".to_owned(),
            format!(
                "{}: paste the SCIM key from Connect (Okta: with Authentication Mode HTTP Header, not None); {}",
                p.key_field, p.retry
            ),
        ),
        (401, AuthOutcome::WrongScheme) => (
            FailureCause::WrongScheme,
            format!(
                "the Authorization header used the {} scheme; ScimLab takes a Bearer key",
                ex.auth.scheme.as_deref().unwrap_or("unknown")
            ),
            format!(
                "{}: choose HTTP Header (a Bearer token), not Basic Auth or OAuth, and paste the SCIM key from Connect; {}",
                p.key_field, p.retry
            ),
        ),
        (401, _) if ex.auth.workspace.is_some() => {
            let hint = ex.auth.workspace.clone().unwrap_or_default();
            match (hint.unknown_slug, hint.key_of) {
                (Some(slug), owner) => (
                    FailureCause::WrongBasePath,
                    format!(
                        "the tenant URL names workspace '{slug}', which does not exist{}",
                        owner
                            .as_deref()
                            .map(|o| format!(" (the key sent belongs to workspace '{o}')"))
                            .unwrap_or_default()
                    ),
                    match owner {
                        Some(o) => format!(
                            "{}: set it to the tenant URL of workspace '{o}', …/w/{o}{SCIM_BASE_PATH} (Connect shows it); {}",
                            p.url_field, p.retry
                        ),
                        None => format!(
                            "{}: copy the tenant URL again from Connect, with its workspace's /w/<slug>{SCIM_BASE_PATH}; {}",
                            p.url_field, p.retry
                        ),
                    },
                ),
                (None, owner) => (
                    FailureCause::WrongKey,
                    format!(
                        "the key sent belongs to workspace '{}', not to this one{last4}",
                        owner.as_deref().unwrap_or("?")
                    ),
                    format!(
                        "{}: paste this workspace's key from Connect, or point the IdP at the other workspace's tenant URL if it belongs there; {}",
                        p.key_field, p.retry
                    ),
                ),
            }
        }
        (401, _) => (
            FailureCause::WrongKey,
            format!("the key sent is not this endpoint's SCIM key{last4}"),
            format!(
                "{}: copy the key again from Connect (it changes when it is rotated) and paste it whole; {}",
                p.key_field, p.retry
            ),
        ),
        (404 | 405, _) if !under_base => match base_used(path) {
            Some("") => wrong_base(format!(
                "the tenant URL must end in {SCIM_BASE_PATH} — yours ends at the host name"
            )),
            Some(base) => wrong_base(format!(
                "the tenant URL must end in {SCIM_BASE_PATH} — yours ends in {base}"
            )),
            None => wrong_base(format!(
                "nothing is served at {path}: the tenant URL must end in {SCIM_BASE_PATH}"
            )),
        },
        (404, _) => {
            let rest = &path[SCIM_BASE_PATH.len()..];
            let mut parts = rest.trim_start_matches('/').split('/');
            let endpoint = parts.next().unwrap_or("");
            let id = parts.next();
            match (endpoint, id) {
                ("Users" | "Groups", Some(id)) if !id.is_empty() => (
                    FailureCause::NotFound,
                    format!(
                        "{} {id} does not exist here (deleted, or the data was reset)",
                        if endpoint == "Users" { "user" } else { "group" }
                    ),
                    match s.idp {
                        Idp::Entra => "the IdP remembers an id ScimLab no longer has: in Entra ID, Provisioning → Restart provisioning (it clears the state and matches users again by userName)".to_owned(),
                        Idp::Okta => "the IdP remembers an id ScimLab no longer has: in Okta, unassign and reassign the user (or push it again) so it is matched again by userName".to_owned(),
                        Idp::Other => "the client remembers an id ScimLab no longer has: look the resource up again by userName".to_owned(),
                    },
                ),
                _ if let Some(base) = base_used(path)
                    && base != SCIM_BASE_PATH =>
                {
                    wrong_base(format!(
                        "the tenant URL must end in {SCIM_BASE_PATH} — yours ends in {base}"
                    ))
                }
                _ => (
                    FailureCause::UnknownEndpoint,
                    format!("there is no SCIM endpoint at {path}"),
                    format!(
                        "the SCIM endpoints are {SCIM_BASE_PATH}/Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas: check {}",
                        p.url_field
                    ),
                ),
            }
        }
        (405, _) => (
            FailureCause::MethodNotAllowed,
            format!("{path} does not take {}", s.method),
            "a client sending this method is configured for another API; check the app integration type (SCIM 2.0) in the IdP".to_owned(),
        ),
        (400, _) if quirk.is_some() => {
            let label = quirk.clone().unwrap_or_default();
            let summary = Quirk::ALL
                .iter()
                .find(|q| q.label() == label)
                .map(|q| q.summary())
                .unwrap_or("");
            (
                FailureCause::StrictRefused,
                format!("strict mode refused {label}: {summary}"),
                "a strict app answers this 400 too: change the IdP so it stops sending this (the quirk's explanation says how), or turn strict mode off in Settings to rehearse a tolerant app".to_owned(),
            )
        }
        (400, _) => (
            FailureCause::InvalidRequest,
            format!(
                "the request was refused as invalid SCIM{}",
                scim_type
                    .as_deref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default()
            ),
            "the detail names the bad value: fix the attribute mapping that produces it in the IdP, then provision the user again".to_owned(),
        ),
        (409, _) => (
            FailureCause::Uniqueness,
            "a resource with this userName (or group displayName) already exists".to_owned(),
            "the IdP created what it should have matched: check that the matching attribute is userName (Entra ID: Matching precedence 1 on userName; Okta: Unique identifier field userName), or delete the stale user here".to_owned(),
        ),
        (412, _) => (
            FailureCause::PreconditionFailed,
            "the If-Match version was not the stored one: the resource changed since the IdP read it".to_owned(),
            "the IdP should read the resource again and retry; nothing to change in its settings".to_owned(),
        ),
        (413, _) => (
            FailureCause::TooLarge,
            "the request body was over ScimLab's body limit".to_owned(),
            "send fewer members per request, or start ScimLab with a larger --body-limit".to_owned(),
        ),
        (503, _) => (
            FailureCause::Busy,
            "ScimLab was busy and asked the IdP to retry later".to_owned(),
            "nothing to change: the IdP retries after Retry-After".to_owned(),
        ),
        (500..=599, _) => (
            FailureCause::ServerError,
            "ScimLab failed to answer this request".to_owned(),
            "see the ScimLab log for the cause; the IdP retries".to_owned(),
        ),
        _ => (
            FailureCause::Other,
            format!("the request was answered {}", s.status),
            "the detail says why".to_owned(),
        ),
    };
    Some(Diagnosis {
        cause,
        title,
        status: s.status,
        scim_type,
        detail,
        quirk,
        fix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit;
    use crate::model::AuthSummary;

    fn answered(mut ex: Exchange, path: &str, status: u16, outcome: AuthOutcome) -> Exchange {
        ex.summary.path = path.to_owned();
        ex.summary.status = status;
        ex.auth = AuthSummary {
            scheme: Some("Bearer".into()),
            last4: Some("abcd".into()),
            matched: outcome == AuthOutcome::Matched,
            outcome,
            workspace: None,
        };
        ex
    }

    #[test]
    fn a_wrong_base_path_with_the_good_key_blames_the_url() {
        let ex = answered(
            testkit::entra_probe(1, 404),
            "/scim/Users",
            404,
            AuthOutcome::Matched,
        );
        let d = diagnose(&ex).unwrap();
        assert_eq!(d.cause, FailureCause::WrongBasePath);
        assert_eq!(
            d.title,
            "the tenant URL must end in /scim/v2 — yours ends in /scim"
        );
        assert!(d.fix.contains("Tenant URL"), "{}", d.fix);
        assert!(!d.title.contains("key") && !d.fix.contains("key"));
        // Without the key too: the route refused it first.
        let ex = answered(
            testkit::entra_probe(1, 404),
            "/Users",
            404,
            AuthOutcome::NotChecked,
        );
        let d = diagnose(&ex).unwrap();
        assert_eq!(
            d.title,
            "the tenant URL must end in /scim/v2 — yours ends at the host name"
        );
        let ex = answered(
            testkit::okta_probe(1, 404),
            "/api/scim/v2/Users",
            404,
            AuthOutcome::NotChecked,
        );
        let d = diagnose(&ex).unwrap();
        assert!(
            d.title.ends_with("yours ends in /api/scim/v2"),
            "{}",
            d.title
        );
        assert!(d.fix.contains("SCIM connector base URL"), "{}", d.fix);
    }

    #[test]
    fn each_refusal_of_the_key_says_its_own_reason() {
        let missing = answered(
            testkit::okta_probe(1, 401),
            "/scim/v2/Users",
            401,
            AuthOutcome::MissingHeader,
        );
        let d = diagnose(&missing).unwrap();
        assert_eq!(d.cause, FailureCause::MissingHeader);
        assert!(d.title.contains("no Authorization header"), "{}", d.title);
        assert!(!d.fix.contains("copy the key again"), "{}", d.fix);
        let wrong = answered(
            testkit::okta_probe(1, 401),
            "/scim/v2/Users",
            401,
            AuthOutcome::WrongKey,
        );
        let d = diagnose(&wrong).unwrap();
        assert_eq!(d.cause, FailureCause::WrongKey);
        assert!(d.title.contains("…abcd"), "{}", d.title);
        assert!(d.fix.contains("Authorization"), "{}", d.fix);
    }

    #[test]
    fn strict_refusals_name_the_quirk_and_successes_have_no_diagnosis() {
        let mut ex = answered(
            testkit::entra_probe(1, 400),
            "/scim/v2/Users/abc",
            400,
            AuthOutcome::Matched,
        );
        ex.summary.refused_quirk = Some(Quirk::CapitalizedOp.label().to_owned());
        ex.response_body = Some(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"op 'Replace' (strict mode)"}"#.into(),
        );
        let d = diagnose(&ex).unwrap();
        assert_eq!(d.cause, FailureCause::StrictRefused);
        assert_eq!(d.quirk.as_deref(), Some(Quirk::CapitalizedOp.label()));
        assert_eq!(d.scim_type.as_deref(), Some("invalidSyntax"));
        assert_eq!(d.detail.as_deref(), Some("op 'Replace' (strict mode)"));
        assert!(diagnose(&testkit::entra_probe(2, 200)).is_none());
    }

    #[test]
    fn a_missing_resource_and_an_unknown_endpoint_are_told_apart() {
        let gone = answered(
            testkit::entra_probe(1, 404),
            "/scim/v2/Users/123",
            404,
            AuthOutcome::Matched,
        );
        assert_eq!(diagnose(&gone).unwrap().cause, FailureCause::NotFound);
        let unknown = answered(
            testkit::entra_probe(1, 404),
            "/scim/v2/Accounts",
            404,
            AuthOutcome::Matched,
        );
        assert_eq!(
            diagnose(&unknown).unwrap().cause,
            FailureCause::UnknownEndpoint
        );
        let doubled = answered(
            testkit::entra_probe(1, 404),
            "/scim/v2/scim/v2/Users",
            404,
            AuthOutcome::Matched,
        );
        let d = diagnose(&doubled).unwrap();
        assert_eq!(d.cause, FailureCause::WrongBasePath, "{}", d.title);
        assert!(
            d.title.ends_with("yours ends in /scim/v2/scim/v2"),
            "{}",
            d.title
        );
    }
}
