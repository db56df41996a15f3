//! The Test Connection rule: the IdP's connector test arrived and was answered the way that IdP
//! expects — Entra's random-GUID `userName` probe with `200` and an empty ListResponse, Okta's
//! `startIndex=1&count=2` with `200` and integer `totalResults` / `startIndex` /
//! `itemsPerPage`.
//!
//! Judged on the most recent probe, because the admin retries until it works. A probe that was
//! refused (401) or sent under a wrong base URL (404) is classified `rejected` by the capture
//! layer, so probes are recognised here from the request alone, through the capture
//! classifier, whatever the answer was.

use super::traffic::{answer, error_detail, id_ref, response_json, succeeded};
use super::{Check, CheckInput, CheckItem, auth, idp_name};
use crate::capture::classify::{RequestFacts, classify};
use crate::config::SCIM_BASE_PATH;
use crate::model::{Exchange, Idp, OperationKind};
use serde_json::Value;

const CHECK: Check = Check::new(
    "connection.test",
    "test connection seen and answered correctly",
);

/// `connection.test`: pass when the latest probe got the answer its IdP expects; fail when it
/// was refused, went to a wrong base URL or got an error (each with its fix); warn when it was
/// answered but not as the IdP expects; not yet seen until a probe arrives.
pub(super) fn test_connection(input: &CheckInput<'_>) -> CheckItem {
    let probes: Vec<&Exchange> = input.traffic().filter(|e| is_probe(e)).collect();
    let Some(&last) = probes.last() else {
        return CHECK.not_yet_seen(match input.idp {
            Idp::Okta => {
                "no connector test from Okta yet: in the Okta app open Provisioning → Integration and click Test Connector Configuration"
            }
            _ => {
                "no test connection from Entra ID yet: in the enterprise application open Provisioning → Admin Credentials and click Test Connection"
            }
        });
    };
    let earlier_failures: Vec<&Exchange> = probes[..probes.len() - 1]
        .iter()
        .copied()
        .filter(|e| !succeeded(e))
        .collect();
    let what = format!(
        "{}'s test connection ({})",
        idp_name(input.idp),
        id_ref(last)
    );
    match verdict(input.idp, last) {
        Verdict::Ok(how) => {
            let mut summary = format!("{what} was answered {how}");
            if let Some(prev) = earlier_failures.last() {
                summary.push_str(&format!(
                    "; {} failed before (the latest, {}: {})",
                    super::traffic::count(
                        earlier_failures.len(),
                        "earlier attempt",
                        "earlier attempts"
                    ),
                    id_ref(prev),
                    failure_reason(prev)
                ));
            }
            let evidence = earlier_failures.iter().map(|e| e.summary.id);
            CHECK.pass(summary, evidence.chain([last.summary.id]))
        }
        Verdict::Odd(how, fix) => {
            CHECK.warn(format!("{what} was answered {how}"), [last.summary.id], fix)
        }
        Verdict::Failed(how, fix) => {
            let since_ok = probes.iter().rev().take_while(|e| !succeeded(e));
            let evidence = since_ok.map(|e| e.summary.id);
            // Provisioning that works after the failed test means the setting was fixed
            // without testing again: worth a look, not a failure.
            let later_ok = input
                .traffic()
                .filter(|e| e.summary.id > last.summary.id && succeeded(e))
                .last();
            match later_ok {
                Some(ok) => CHECK.warn(
                    format!(
                        "{what} {how}; later requests were answered (latest {}), so the setting was fixed after the test",
                        id_ref(ok)
                    ),
                    evidence.chain([ok.summary.id]),
                    match input.idp {
                        Idp::Okta => {
                            "click Test Connector Configuration under Provisioning → Integration once more to confirm the saved settings"
                        }
                        _ => {
                            "click Test Connection under Provisioning → Admin Credentials once more to confirm the saved settings"
                        }
                    },
                ),
                None => CHECK.fail(format!("{what} {how}"), evidence, fix),
            }
        }
    }
}

/// Why a failed probe failed, in a few words.
fn failure_reason(ex: &Exchange) -> String {
    match auth::diagnose(ex) {
        Some(problem) => problem.describe(),
        None => format!("got {}", answer(ex)),
    }
}

enum Verdict {
    /// Answered as the IdP expects; says how.
    Ok(String),
    /// Answered, but not quite as the IdP expects: how, and the fix.
    Odd(String, String),
    /// Not answered successfully: what happened, and the fix.
    Failed(String, String),
}

/// Whether `ex` is a connector test, whatever it was answered: the capture layer's own
/// classification, or — for a probe it classified `rejected` (refused, or under a wrong base
/// URL) — the classification the same request gets as if answered under `/scim/v2`.
fn is_probe(ex: &Exchange) -> bool {
    if ex.summary.operation == OperationKind::ConnectionProbe {
        return true;
    }
    if ex.summary.operation != OperationKind::Rejected
        || !ex.summary.method.eq_ignore_ascii_case("GET")
    {
        return false;
    }
    let path = match ex.summary.path.trim_end_matches('/').rsplit('/').next() {
        Some("Users") => "/scim/v2/Users",
        Some("Groups") => "/scim/v2/Groups",
        _ => return false,
    };
    classify(&RequestFacts {
        method: "GET",
        path,
        query: &ex.summary.query,
        status: 200,
        ..RequestFacts::default()
    }) == OperationKind::ConnectionProbe
}

fn verdict(idp: Idp, ex: &Exchange) -> Verdict {
    let status = ex.summary.status;
    if let Some(problem) = auth::diagnose(ex) {
        return Verdict::Failed(
            format!("was refused (401): {}", problem.describe()),
            problem.fix(idp),
        );
    }
    let under_base = ex.summary.path.starts_with(&format!("{SCIM_BASE_PATH}/"));
    if status == 404 && !under_base {
        return Verdict::Failed(
            format!(
                "went to '{}', which is not under {SCIM_BASE_PATH}, and got 404: the base url is wrong",
                ex.summary.path
            ),
            base_url_fix(idp),
        );
    }
    if !succeeded(ex) {
        let fix = match idp {
            Idp::Okta => {
                "the endpoint answered with an error, not Okta: read the answer's detail in the exchange — a 400 naming a quirk is strict mode refusing what Okta sends (turn it off under Settings, or run scimlab without --strict), a 5xx is ScimLab's own failure (its log says why) — then click Test Connector Configuration again under Provisioning → Integration"
            }
            _ => {
                "the endpoint answered with an error, not Entra ID: read the answer's detail in the exchange — a 400 naming a quirk is strict mode refusing what Entra ID sends (turn it off under Settings, or run scimlab without --strict), a 5xx is ScimLab's own failure (its log says why) — then click Test Connection again under Provisioning → Admin Credentials"
            }
        };
        return Verdict::Failed(format!("got {}", answer(ex)), fix.to_owned());
    }
    let Some(body) = response_json(ex) else {
        // The answer was not captured whole; the status is all there is to judge.
        return Verdict::Ok(format!("{status} (body not captured)"));
    };
    match idp {
        Idp::Okta => okta_answer(status, &body),
        _ => entra_answer(status, &body, ex),
    }
}

/// Entra wants `200` and an empty ListResponse for its random GUID.
fn entra_answer(status: u16, body: &Value, ex: &Exchange) -> Verdict {
    let fix = "Entra ID's Test Connection needs 200 with an empty list for a userName nobody has: ScimLab answers so unless the filter did not reach it — check that the tunnel forwards the query string unchanged and that the Tenant URL under Provisioning → Admin Credentials ends in /scim/v2 — then click Test Connection again";
    if status != 200 {
        return Verdict::Odd(format!("{status} instead of 200"), fix.to_owned());
    }
    match body.get("totalResults").and_then(Value::as_u64) {
        Some(0) => Verdict::Ok("200 with an empty list, as Entra ID expects".to_owned()),
        Some(n) => Verdict::Odd(
            format!("200 with {n} users for a random guid (the filter was not applied)"),
            fix.to_owned(),
        ),
        None => Verdict::Failed(
            format!(
                "got 200 without an integer totalResults{}",
                error_detail(ex)
                    .map(|d| format!(" ('{d}')"))
                    .unwrap_or_default()
            ),
            fix.to_owned(),
        ),
    }
}

/// Okta wants `200` and integers (not strings) for the paging numbers.
fn okta_answer(status: u16, body: &Value) -> Verdict {
    let fix = "Okta's connector test needs 200 with integer totalResults, startIndex and itemsPerPage, which ScimLab always sends: read the answer in the exchange and check that nothing between Okta and ScimLab (the tunnel) rewrites the request or the answer, then click Test Connector Configuration again under Provisioning → Integration";
    let not_integers: Vec<String> = ["totalResults", "startIndex", "itemsPerPage"]
        .into_iter()
        .filter(|k| match body.get(*k) {
            Some(v) => !v.is_u64(),
            // Only totalResults is required; the others may be left out.
            None => *k == "totalResults",
        })
        .map(str::to_owned)
        .collect();
    if !not_integers.is_empty() {
        let verb = if not_integers.len() == 1 {
            "is not an integer"
        } else {
            "are not integers"
        };
        return Verdict::Failed(
            format!(
                "got {status} but {} {verb}",
                super::traffic::list(&not_integers, 3)
            ),
            fix.to_owned(),
        );
    }
    let n = body
        .get("totalResults")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if status != 200 {
        return Verdict::Odd(format!("{status} instead of 200"), fix.to_owned());
    }
    Verdict::Ok(format!(
        "200 with integer paging numbers ({n} users listed), as Okta expects"
    ))
}

fn base_url_fix(idp: Idp) -> String {
    match idp {
        Idp::Okta => format!(
            "in the Okta app open Provisioning → Integration → Edit and set SCIM connector base URL to the tunnel's https address followed by {SCIM_BASE_PATH} (e.g. https://<tunnel-host>{SCIM_BASE_PATH}), then click Test Connector Configuration"
        ),
        _ => format!(
            "in the enterprise application open Provisioning → Admin Credentials and set Tenant URL to the tunnel's https address followed by {SCIM_BASE_PATH} (e.g. https://<tunnel-host>{SCIM_BASE_PATH}), then click Test Connection"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass, Warn};
    use crate::checks::testkit::*;
    use serde_json::json;

    fn run(idp: Idp, exs: &[Exchange]) -> CheckItem {
        test_connection(&input(idp, exs, &[]))
    }

    #[test]
    fn entra_probe_answered_with_an_empty_list_passes() {
        let item = run(Idp::Entra, &[entra_probe(7, 200)]);
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert!(item.summary.contains("empty list"), "{}", item.summary);
        assert_eq!(item.evidence, vec![7]);
        assert!(item.fix.is_none());
    }

    #[test]
    fn nothing_yet_says_where_the_button_is() {
        let item = run(Idp::Entra, &[]);
        assert_eq!(item.status, NotYetSeen);
        assert!(item.summary.contains("Test Connection"), "{}", item.summary);
        // Okta's probe is not entra's evidence, and the other way round.
        let item = run(Idp::Entra, &[okta_probe(1, 200)]);
        assert_eq!(item.status, NotYetSeen);
        let item = run(Idp::Okta, &[entra_probe(1, 200)]);
        assert_eq!(item.status, NotYetSeen);
        assert!(
            item.summary.contains("Test Connector Configuration"),
            "{}",
            item.summary
        );
    }

    #[test]
    fn refused_entra_probe_fails_with_the_secret_token_fix() {
        let item = run(Idp::Entra, &[entra_probe(1, 200), entra_probe(2, 401)]);
        assert_eq!(item.status, Fail);
        assert!(item.summary.contains("refused (401)"), "{}", item.summary);
        assert!(
            item.summary.contains("not this endpoint's key"),
            "{}",
            item.summary
        );
        assert!(item.fix.as_deref().unwrap_or("").contains("Secret Token"));
        assert_eq!(item.evidence, vec![2]);
    }

    #[test]
    fn a_fixed_probe_passes_and_remembers_the_failures() {
        let item = run(
            Idp::Okta,
            &[
                okta_refused(1, Some("Basic")),
                okta_refused(2, None),
                okta_probe(3, 200),
            ],
        );
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert!(item.summary.contains("integer"), "{}", item.summary);
        assert!(
            item.summary.contains(
                "2 earlier attempts failed before (the latest, #2: the request carried no Authorization header)"
            ),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![1, 2, 3]);
    }

    #[test]
    fn failed_test_followed_by_working_provisioning_warns() {
        let body = okta_user_body("t@okta.local", Some("Admin"), true);
        let exs = [okta_refused(1, Some("Basic")), okta_create(4, "u1", &body)];
        let item = run(Idp::Okta, &exs);
        assert_eq!(item.status, Warn, "{}", item.summary);
        assert!(
            item.summary.contains("fixed after the test"),
            "{}",
            item.summary
        );
        assert_eq!(item.evidence, vec![1, 4]);
        assert!(item.fix.unwrap_or_default().contains("once more"));
    }

    #[test]
    fn wrong_base_url_fails_naming_the_path() {
        let probe = ex(
            4,
            Idp::Okta,
            "GET",
            "/scim/Users?startIndex=1&count=2",
            404,
            OperationKind::Rejected,
        );
        let item = run(Idp::Okta, &[probe]);
        assert_eq!(item.status, Fail);
        assert!(item.summary.contains("'/scim/Users'"), "{}", item.summary);
        assert!(
            item.fix
                .as_deref()
                .unwrap_or("")
                .contains("SCIM connector base URL"),
            "{:?}",
            item.fix
        );
        let probe = ex(
            5,
            Idp::Entra,
            "GET",
            "/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22",
            404,
            OperationKind::Rejected,
        );
        let item = run(Idp::Entra, &[probe]);
        assert_eq!(item.status, Fail);
        assert!(item.fix.as_deref().unwrap_or("").contains("Tenant URL"));
    }

    #[test]
    fn server_errors_and_odd_answers() {
        let item = run(Idp::Entra, &[entra_probe(1, 503)]);
        assert_eq!(item.status, Fail);
        // Advice that is true today: strict mode or ScimLab's own log, no fault rules.
        let fix = item.fix.clone().unwrap_or_default();
        assert!(
            fix.contains("strict mode") && fix.contains("its log"),
            "{fix}"
        );
        assert!(!fix.contains("fault"), "{fix}");
        assert!(
            item.summary.contains("got 503 ('injected failure')"),
            "{}",
            item.summary
        );
        let odd = ex(
            2,
            Idp::Entra,
            "GET",
            ENTRA_PROBE,
            200,
            OperationKind::ConnectionProbe,
        )
        .with_answer(&list_response(1));
        let item = run(Idp::Entra, &[odd]);
        assert_eq!(item.status, Warn);
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.contains("query string") && !fix.contains("fault"),
            "{fix}"
        );
        let strings = ex(
            3,
            Idp::Okta,
            "GET",
            OKTA_PROBE,
            200,
            OperationKind::ConnectionProbe,
        )
        .with_answer(
            &json!({"totalResults": "1", "startIndex": 1, "itemsPerPage": "1", "Resources": []}),
        );
        let item = run(Idp::Okta, &[strings]);
        assert_eq!(item.status, Fail);
        assert!(
            item.summary
                .contains("totalResults and itemsPerPage are not integers"),
            "{}",
            item.summary
        );
        // An answer that was not captured is judged on its status.
        let bare = ex(
            4,
            Idp::Okta,
            "GET",
            OKTA_PROBE,
            200,
            OperationKind::ConnectionProbe,
        );
        assert_eq!(run(Idp::Okta, &[bare]).status, Pass);
    }

    #[test]
    fn other_lists_are_not_probes() {
        let page = ex(
            1,
            Idp::Okta,
            "GET",
            "/scim/v2/Users?startIndex=101&count=100",
            401,
            OperationKind::Rejected,
        );
        assert!(!is_probe(&page));
        assert!(!is_probe(&entra_match(2, "a@b.c")));
        assert!(is_probe(&okta_refused(3, None)));
        assert!(is_probe(&entra_probe(4, 401)));
    }
}
