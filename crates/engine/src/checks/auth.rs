//! The Authorization rule: the IdP sends this endpoint's key the way the endpoint accepts it,
//! and when it does not, which of the three mistakes it is — no header, another scheme
//! (Okta's Basic Auth mode), or a key that is not this endpoint's — each with its fix on the
//! IdP's own settings screen.
//!
//! [`diagnose`] is shared with the Test Connection rule, whose most common failure is exactly
//! this. It reads the endpoint's own 401 detail first (the server's decision) and falls back to
//! the captured [`AuthSummary`](crate::model::AuthSummary) scheme; the key itself is
//! never available here, only its last four characters.

use super::traffic::{count, id_ref};
use super::{Check, CheckInput, CheckItem, idp_name};
use crate::model::{Exchange, Idp};

const CHECK: Check = Check::new("auth.header", "authorization header accepted");

/// Why a request was refused with 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Problem {
    /// No `Authorization` header.
    Missing,
    /// A scheme other than `Bearer` (the scheme as captured: `Basic`, `SSWS`, `other`…).
    WrongScheme(Option<String>),
    /// A key that is not this endpoint's (its last four characters, when long enough to show).
    WrongKey(Option<String>),
    /// The tenant URL named a workspace that does not exist (`/w/<slug>/…`); the key, when it
    /// is a workspace's, says which one was meant.
    UnknownWorkspace {
        /// The slug in the path.
        slug: String,
        /// The workspace whose key was sent.
        key_of: Option<String>,
    },
    /// The key is another workspace's.
    OtherWorkspaceKey(String),
}

/// The authentication problem behind a 401, or `None` for any other exchange.
pub(super) fn diagnose(ex: &Exchange) -> Option<Problem> {
    if ex.summary.status != 401 {
        return None;
    }
    if let Some(hint) = &ex.auth.workspace {
        if let Some(slug) = &hint.unknown_slug {
            return Some(Problem::UnknownWorkspace {
                slug: slug.clone(),
                key_of: hint.key_of.clone(),
            });
        }
        if let Some(other) = &hint.key_of {
            return Some(Problem::OtherWorkspaceKey(other.clone()));
        }
    }
    let detail = super::traffic::error_detail(ex)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let scheme = ex.auth.scheme.clone();
    let problem = if detail.contains("missing authorization") {
        Problem::Missing
    } else if detail.contains("authorization scheme") {
        Problem::WrongScheme(scheme)
    } else if detail.contains("not this endpoint's key") {
        Problem::WrongKey(ex.auth.last4.clone())
    } else {
        match scheme.as_deref() {
            None => Problem::Missing,
            Some(s) if s.eq_ignore_ascii_case("bearer") || s == "bare" => {
                Problem::WrongKey(ex.auth.last4.clone())
            }
            Some(_) => Problem::WrongScheme(scheme),
        }
    };
    Some(problem)
}

impl Problem {
    /// What was wrong, as the end of a sentence.
    pub(super) fn describe(&self) -> String {
        match self {
            Self::Missing => "the request carried no Authorization header".to_owned(),
            Self::WrongScheme(Some(s)) if s != "other" => {
                format!("the Authorization header used the '{s}' scheme instead of 'Bearer'")
            }
            Self::WrongScheme(_) => {
                "the Authorization header used an unrecognised scheme instead of 'Bearer'"
                    .to_owned()
            }
            Self::WrongKey(Some(last4)) => {
                format!("the key sent (ending in '{last4}') is not this endpoint's key")
            }
            Self::WrongKey(None) => "the key sent is not this endpoint's key".to_owned(),
            Self::UnknownWorkspace {
                slug,
                key_of: Some(owner),
            } => format!(
                "the tenant url names workspace '{slug}', which does not exist (the key sent belongs to workspace '{owner}')"
            ),
            Self::UnknownWorkspace { slug, key_of: None } => {
                format!("the tenant url names workspace '{slug}', which does not exist")
            }
            Self::OtherWorkspaceKey(owner) => {
                format!("the key sent belongs to workspace '{owner}', not to this one")
            }
        }
    }

    /// How to fix it on `idp`'s settings screen.
    pub(super) fn fix(&self, idp: Idp) -> String {
        let field = if idp == Idp::Okta {
            "the SCIM connector base URL (Provisioning → Integration)"
        } else {
            "the Tenant URL (Provisioning → Admin Credentials)"
        };
        match self {
            Self::UnknownWorkspace {
                key_of: Some(owner),
                ..
            } => {
                return format!(
                    "the slug is mistyped: set {field} to the tenant url of workspace '{owner}', …/w/{owner}/scim/v2 (Connect shows it), then test the connection again"
                );
            }
            Self::UnknownWorkspace { key_of: None, .. } => {
                return format!(
                    "set {field} to the tenant url Connect shows for the workspace this IdP belongs to (…/w/<slug>/scim/v2, or …/scim/v2 for default), and paste that workspace's key"
                );
            }
            Self::OtherWorkspaceKey(owner) => {
                return format!(
                    "this IdP is configured with the key of workspace '{owner}': paste this workspace's key instead (Connect → Reveal, or `scimlab token show --workspace <slug>`), or set {field} to the tenant url of '{owner}' if it belongs there"
                );
            }
            _ => {}
        }
        let text = match (idp, self) {
            (Idp::Okta, Self::Missing) => {
                "in the Okta app open Provisioning → Integration → Edit, set Authentication Mode to HTTP Header and paste the key printed by `scimlab token show` into Authorization, then click Test Connector Configuration and Save"
            }
            (Idp::Okta, Self::WrongScheme(_)) => {
                "Authentication Mode is probably Basic Auth: in the Okta app open Provisioning → Integration → Edit, switch Authentication Mode to HTTP Header and paste the key printed by `scimlab token show` into Authorization (with or without 'Bearer '), then click Test Connector Configuration and Save"
            }
            (
                Idp::Okta,
                Self::WrongKey(_) | Self::UnknownWorkspace { .. } | Self::OtherWorkspaceKey(_),
            ) => {
                "in the Okta app open Provisioning → Integration → Edit and paste the key printed by `scimlab token show` into Authorization (with or without 'Bearer '), then click Test Connector Configuration and Save; OAuth 2.0 mode sends Okta's own token, so use HTTP Header, and remember `scimlab token rotate` replaces the key"
            }
            (_, Self::Missing) => {
                "in the enterprise application open Provisioning → Admin Credentials, paste the key printed by `scimlab token show` into Secret Token without 'Bearer ' (Entra ID adds it), click Test Connection, then Save"
            }
            (_, Self::WrongScheme(_)) => {
                "Entra ID always sends 'Authorization: Bearer <Secret Token>', so something between Entra ID and ScimLab rewrote the header or the request did not come from the provisioning job: check the tunnel, then paste the key printed by `scimlab token show` into Provisioning → Admin Credentials → Secret Token and click Test Connection"
            }
            (_, Self::WrongKey(_) | Self::UnknownWorkspace { .. } | Self::OtherWorkspaceKey(_)) => {
                "in the enterprise application open Provisioning → Admin Credentials and paste the key printed by `scimlab token show` into Secret Token without 'Bearer ' (Entra ID adds it, and 'Bearer Bearer …' is refused), then click Test Connection and Save; a blank Secret Token makes Entra ID send its own token, refused the same way, and `scimlab token rotate` replaces the key"
            }
        };
        text.to_owned()
    }
}

/// `auth.header`: fail when the IdP's latest authenticated-or-refused request was refused
/// (naming which of the three problems, with its fix); pass when it was accepted (saying how
/// the key was sent and whether earlier refusals were fixed); not yet seen before any request.
pub(super) fn auth_header(input: &CheckInput<'_>) -> CheckItem {
    let seen: Vec<&Exchange> = input
        .traffic()
        .filter(|e| e.auth.matched || e.summary.status == 401)
        .collect();
    let Some(&last) = seen.last() else {
        return CHECK.not_yet_seen(format!(
            "no request from {} has reached the endpoint yet",
            idp_name(input.idp)
        ));
    };
    let refused: Vec<&Exchange> = seen.iter().copied().filter(|e| !e.auth.matched).collect();
    if let Some(problem) = diagnose(last) {
        let streak: Vec<&Exchange> = seen
            .iter()
            .rev()
            .take_while(|e| !e.auth.matched)
            .copied()
            .collect();
        let summary = format!(
            "{} refused with 401, the latest ({}) because {}",
            count(requests(&streak), "request was", "requests were"),
            id_ref(last),
            problem.describe()
        );
        return CHECK.fail(
            summary,
            streak.iter().map(|e| e.summary.id),
            problem.fix(input.idp),
        );
    }
    let accepted = seen.len() - refused.len();
    let latest_keyed = seen
        .iter()
        .rev()
        .find(|e| e.auth.matched && e.auth.scheme.is_some())
        .copied();
    let how = match latest_keyed.and_then(|e| e.auth.scheme.as_deref()) {
        Some("bare") => format!(
            "sent without 'Bearer ' (accepted here, labelled auth.bare-token; a strict app may want 'Bearer <key>'){}",
            last4(latest_keyed)
        ),
        Some(s) => format!("sent as '{s} …'{}", last4(latest_keyed)),
        None => "sent".to_owned(),
    };
    let mut summary = format!(
        "the key was accepted on {}, {how}",
        count(accepted, "request", "requests")
    );
    let mut evidence = vec![latest_keyed.unwrap_or(last).summary.id];
    if let Some(prev) = refused.last() {
        let reason = diagnose(prev).map(|p| p.describe()).unwrap_or_default();
        summary.push_str(&format!(
            "; {} refused before it was fixed (the latest, {}: {reason})",
            count(
                requests(&refused),
                "earlier request was",
                "earlier requests were"
            ),
            id_ref(prev)
        ));
        evidence.push(prev.summary.id);
    }
    CHECK.pass(summary, evidence)
}

/// How many requests `exchanges` stand for: a fold of rejected requests counts each of them.
fn requests(exchanges: &[&Exchange]) -> usize {
    exchanges
        .iter()
        .map(|e| e.summary.fold_count.map_or(1, |n| n as usize))
        .sum()
}

fn last4(ex: Option<&Exchange>) -> String {
    ex.and_then(|e| e.auth.last4.as_deref())
        .map(|l| format!(" (key ending in '{l}')"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthFailure;
    use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass};
    use crate::checks::testkit::*;
    use crate::model::OperationKind;

    fn run(idp: Idp, exs: &[Exchange]) -> CheckItem {
        auth_header(&input(idp, exs, &[]))
    }

    #[test]
    fn accepted_bearer_key_passes() {
        let item = run(Idp::Entra, &[entra_probe(1, 200), entra_match(2, "a@b.c")]);
        assert_eq!(item.status, Pass);
        assert_eq!(
            item.summary,
            "the key was accepted on 2 requests, sent as 'Bearer …' (key ending in 'x9Qa')"
        );
        assert_eq!(item.evidence, vec![2]);
    }

    #[test]
    fn no_traffic_is_not_yet_seen() {
        assert_eq!(run(Idp::Okta, &[]).status, NotYetSeen);
        assert_eq!(run(Idp::Okta, &[entra_probe(1, 401)]).status, NotYetSeen);
    }

    #[test]
    fn okta_missing_header_wrong_scheme_and_wrong_key_each_have_their_fix() {
        let item = run(Idp::Okta, &[okta_refused(1, None)]);
        assert_eq!(item.status, Fail);
        assert!(
            item.summary.contains("no Authorization header"),
            "{}",
            item.summary
        );
        let fix = item.fix.unwrap_or_default();
        assert!(fix.contains("Authentication Mode to HTTP Header"), "{fix}");

        let item = run(Idp::Okta, &[okta_refused(2, Some("Basic"))]);
        assert_eq!(item.status, Fail);
        assert!(item.summary.contains("'Basic' scheme"), "{}", item.summary);
        assert!(item.fix.unwrap_or_default().contains("probably Basic Auth"));

        let item = run(
            Idp::Okta,
            &[
                okta_refused(3, Some("Bearer")),
                okta_refused(4, Some("Bearer")),
            ],
        );
        assert_eq!(item.status, Fail);
        assert!(
            item.summary
                .starts_with("2 requests were refused with 401, the latest (#4)"),
            "{}",
            item.summary
        );
        // A fold of rejected requests counts every request it stands for.
        let mut folded = okta_refused(5, Some("Bearer"));
        folded.summary.fold_count = Some(50);
        let item = run(Idp::Okta, &[okta_refused(3, Some("Bearer")), folded]);
        assert!(
            item.summary
                .starts_with("51 requests were refused with 401, the latest (#5)"),
            "{}",
            item.summary
        );
        assert!(
            item.summary.contains("ending in 'x9Qa'"),
            "{}",
            item.summary
        );
        assert!(item.fix.unwrap_or_default().contains("OAuth 2.0"));
        assert_eq!(
            run(
                Idp::Okta,
                &[
                    okta_refused(3, Some("Bearer")),
                    okta_refused(4, Some("Bearer"))
                ]
            )
            .evidence,
            vec![3, 4]
        );
    }

    #[test]
    fn entra_wrong_key_points_at_secret_token() {
        let item = run(Idp::Entra, &[entra_probe(1, 401)]);
        assert_eq!(item.status, Fail);
        let fix = item.fix.unwrap_or_default();
        assert!(fix.contains("Provisioning → Admin Credentials"), "{fix}");
        assert!(fix.contains("without 'Bearer '"), "{fix}");
        assert!(fix.contains("blank Secret Token"), "{fix}");
    }

    #[test]
    fn diagnosis_falls_back_to_the_scheme_without_a_detail() {
        let bare = |scheme: Option<&str>| {
            ex(
                1,
                Idp::Okta,
                "GET",
                OKTA_PROBE,
                401,
                OperationKind::Rejected,
            )
            .with_auth(scheme, false)
        };
        assert_eq!(diagnose(&bare(None)), Some(Problem::Missing));
        assert_eq!(
            diagnose(&bare(Some("SSWS"))),
            Some(Problem::WrongScheme(Some("SSWS".into())))
        );
        assert_eq!(
            diagnose(&bare(Some("bare"))),
            Some(Problem::WrongKey(Some("x9Qa".into())))
        );
        // The endpoint's own detail wins over the captured scheme.
        let e = bare(Some("Bearer")).with_answer(&unauthorized(AuthFailure::WrongScheme));
        assert!(matches!(diagnose(&e), Some(Problem::WrongScheme(_))));
        assert_eq!(diagnose(&okta_probe(2, 200)), None);
        assert!(
            Problem::WrongScheme(Some("other".into()))
                .describe()
                .contains("unrecognised")
        );
    }

    #[test]
    fn fixed_after_refusals_passes_and_says_so() {
        let ok = okta_probe(3, 200).with_auth(Some("bare"), true);
        let item = run(
            Idp::Okta,
            &[okta_refused(1, None), okta_refused(2, Some("Basic")), ok],
        );
        assert_eq!(item.status, Pass);
        assert!(
            item.summary.contains("without 'Bearer '"),
            "{}",
            item.summary
        );
        assert!(
            item.summary
                .contains("2 earlier requests were refused before it was fixed (the latest, #2"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![2, 3]);
    }
}
