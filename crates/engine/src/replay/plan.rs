//! What a replayed exchange is expected to get: the IdP's expectation for its operation when
//! ScimLab answered it successfully or a fault rule answered it (the fault was ScimLab's, so
//! only the IdP's expectation counts), else the same outcome ScimLab gave. Also the step's name,
//! the judge (Entra ID's or Okta's wording), the hint a 4xx gets (the quirks ScimLab tolerated),
//! and exchanges that are not replayed at all, with why.
//!
//! Pure.

use crate::model::{Exchange, Idp, OperationKind};
use crate::simulate::verdict::{Expect, Judge};
use serde_json::Value;

/// One exchange, ready to send (before its ids are rewritten).
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// Shown in the table: `#812 create ada@contoso.example`.
    pub name: String,
    /// What the target should answer.
    pub expect: Expect,
    /// Whose wording judges it.
    pub judge: Judge,
    /// Said after a 4xx the original did not get: the quirks ScimLab tolerated.
    pub hint: Option<String>,
    /// The fault rule that answered the original, if one did.
    pub fault_rule: Option<String>,
    /// Why it is not sent at all, if it is not.
    pub skip: Option<String>,
    /// Whether not sending it is the faithful replay (a write a fault refused here: nothing was
    /// written, the IdP's retry carries it), rather than something the replay could not do.
    pub skip_is_faithful: bool,
}

/// The id of the resource in a captured answer (a create's body, a lookup's only result).
pub fn answered_id(body: Option<&str>) -> Option<String> {
    let v: Value = serde_json::from_str(body?).ok()?;
    if let Some(id) = v.get("id").and_then(Value::as_str) {
        return Some(id.to_owned());
    }
    let resources = v.get("Resources")?.as_array()?;
    match resources.as_slice() {
        [one] => one.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// `attr eq "value"` of a lookup's `filter` (the attribute spelt as the simulator knows it).
fn lookup_of(query: &str) -> Option<(&'static str, String)> {
    let filter = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("filter"))?
        .1
        .into_owned();
    let (attr, rest) = filter.trim().split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    let value = rest
        .strip_prefix("eq")
        .or_else(|| rest.strip_prefix("EQ"))
        .or_else(|| rest.strip_prefix("Eq"))?
        .trim()
        .strip_prefix('"')?
        .strip_suffix('"')?;
    let attr = match attr.to_ascii_lowercase().as_str() {
        "username" => "userName",
        "displayname" => "displayName",
        "externalid" => "externalId",
        _ => return None,
    };
    Some((attr, value.to_owned()))
}

/// Plan `e`; `read_id` is the id a read asks for on the target (after rewriting).
pub fn plan(e: &Exchange, read_id: Option<&str>) -> Planned {
    let s = &e.summary;
    let noun = s.operation.noun().0;
    let name = match &s.resource_name {
        Some(n) => format!("#{} {noun} {n}", s.id),
        None => format!("#{} {noun}", s.id),
    };
    let judge = match s.idp {
        Idp::Entra => Judge::Entra,
        _ => Judge::Okta,
    };
    let fault_rule = s.fault.as_ref().map(|f| f.rule_name.clone());
    let mut planned = Planned {
        name,
        expect: Expect::SameOutcome { original: s.status },
        judge,
        hint: (!s.quirks.is_empty()).then(|| {
            format!(
                "ScimLab tolerated quirks this request relies on ({}); the target refused it",
                s.quirks.join(", ")
            )
        }),
        fault_rule,
        skip: None,
        skip_is_faithful: false,
    };
    if e.request_truncated {
        planned.skip = Some(
            "not sent: its body was cut at capture (--capture-body-cap), so it cannot be sent as the idp sent it".into(),
        );
        return planned;
    }
    if super::rewrite::relative_path(&s.path).is_none() {
        planned.skip = Some(format!(
            "not sent: {} is not a scim endpoint (the idp sent it to a wrong path)",
            s.path
        ));
        return planned;
    }
    let answered_ok = (200..300).contains(&s.status);
    if let Some(fault) = &s.fault
        && !fault.wrote
        && crate::replay::WRITES.contains(&s.operation)
    {
        planned.skip = Some(format!(
            "not sent: fault rule \"{}\" answered it here and nothing was written; the idp's retry, if captured, carries this write",
            fault.rule_name
        ));
        planned.skip_is_faithful = true;
        return planned;
    }
    if !answered_ok && s.fault.is_none() {
        return planned;
    }
    let method = s.method.to_ascii_uppercase();
    let is_groups = s.path.contains("/Groups");
    planned.expect = match s.operation {
        OperationKind::ConnectionProbe if is_groups => Expect::OptionalList {
            absent: "the app has no /Groups: the idp skips group push",
        },
        OperationKind::ConnectionProbe if s.query.to_ascii_lowercase().contains("filter") => {
            Expect::EmptyList
        }
        OperationKind::ConnectionProbe | OperationKind::ImportPage | OperationKind::Search => {
            Expect::List
        }
        OperationKind::MatchLookup => match lookup_of(&s.query) {
            Some((attr, value)) => Expect::Lookup { attr, value },
            None => Expect::List,
        },
        OperationKind::Create | OperationKind::GroupCreate => Expect::Create,
        OperationKind::Read => {
            let id = read_id.unwrap_or_default().to_owned();
            if is_groups && s.query.contains("excludedAttributes=members") {
                Expect::ReadWithoutMembers { id }
            } else {
                Expect::Read { id }
            }
        }
        OperationKind::Update => Expect::UserWrite {
            active: None,
            allow_no_content: method == "PATCH",
        },
        OperationKind::Deactivate => Expect::UserWrite {
            active: Some(false),
            allow_no_content: method == "PATCH",
        },
        OperationKind::Reactivate => Expect::UserWrite {
            active: Some(true),
            allow_no_content: method == "PATCH",
        },
        OperationKind::GroupUpdate | OperationKind::GroupMembership => Expect::GroupWrite,
        OperationKind::Delete | OperationKind::GroupDelete => Expect::Delete,
        // Discovery and anything else: a success, or the outcome ScimLab gave.
        _ if s.fault.is_some() || answered_ok => Expect::Success,
        _ => Expect::SameOutcome { original: s.status },
    };
    planned
}

/// The attributes a target's answer must agree with ScimLab's on (a create's or a write's
/// answer); `None` when they agree or either answer has no resource.
pub fn read_back_difference(original: Option<&str>, target: Option<&Value>) -> Option<String> {
    let original: Value = serde_json::from_str(original?).ok()?;
    let target = target?;
    if !original.is_object() || !target.is_object() || original.get("id").is_none() {
        return None;
    }
    let mut diffs = Vec::new();
    for attr in ["userName", "displayName", "externalId", "active"] {
        let (Some(ours), theirs) = (original.get(attr), target.get(attr)) else {
            continue;
        };
        let same = match (ours, theirs) {
            (Value::String(a), Some(Value::String(b))) if attr == "userName" => {
                a.to_lowercase() == b.to_lowercase()
            }
            (a, Some(b)) => a == b,
            (_, None) => false,
        };
        if !same {
            diffs.push(format!(
                "{attr} is {} where ScimLab answered {ours}",
                theirs.map_or_else(|| "absent".to_owned(), Value::to_string)
            ));
        }
    }
    (!diffs.is_empty()).then(|| {
        format!(
            "the target's answer differs from ScimLab's: {}",
            diffs.join("; ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::ex;

    #[test]
    fn the_expectation_follows_the_operation_when_scimlab_succeeded() {
        let create = ex(
            1,
            Idp::Entra,
            "POST",
            "/scim/v2/Users",
            201,
            OperationKind::Create,
        );
        assert_eq!(plan(&create, None).expect, Expect::Create);
        assert_eq!(plan(&create, None).judge, Judge::Entra);
        let lookup = ex(
            2,
            Idp::Okta,
            "GET",
            "/scim/v2/Users?filter=userName+eq+%22ada%40x%22&startIndex=1&count=100",
            200,
            OperationKind::MatchLookup,
        );
        assert_eq!(
            plan(&lookup, None).expect,
            Expect::Lookup {
                attr: "userName",
                value: "ada@x".into()
            }
        );
        let deactivate = ex(
            3,
            Idp::Okta,
            "PUT",
            "/scim/v2/Users/u",
            200,
            OperationKind::Deactivate,
        );
        assert_eq!(
            plan(&deactivate, None).expect,
            Expect::UserWrite {
                active: Some(false),
                allow_no_content: false
            }
        );
        let probe = ex(
            4,
            Idp::Okta,
            "GET",
            "/scim/v2/Groups?startIndex=1&count=100",
            200,
            OperationKind::ConnectionProbe,
        );
        assert!(matches!(
            plan(&probe, None).expect,
            Expect::OptionalList { .. }
        ));
        let read = ex(
            5,
            Idp::Okta,
            "GET",
            "/scim/v2/Users/u",
            200,
            OperationKind::Read,
        );
        assert_eq!(
            plan(&read, Some("T")).expect,
            Expect::Read { id: "T".into() }
        );
    }

    #[test]
    fn a_failure_expects_the_same_outcome_and_a_fault_the_idps_expectation() {
        let conflict = ex(
            1,
            Idp::Okta,
            "POST",
            "/scim/v2/Users",
            409,
            OperationKind::Create,
        );
        assert_eq!(
            plan(&conflict, None).expect,
            Expect::SameOutcome { original: 409 }
        );
        let mut faulted = conflict;
        faulted.summary.status = 500;
        faulted.summary.fault = Some(crate::model::FaultMark {
            rule_id: 1,
            rule_name: "escrow".into(),
            did: "answered 500".into(),
            subject: None,
            retry_after: None,
            wrote: false,
        });
        let p = plan(&faulted, None);
        assert!(
            p.skip.unwrap().contains("nothing was written"),
            "a refused write is not resent"
        );
        let mut written = faulted.clone();
        if let Some(f) = written.summary.fault.as_mut() {
            f.wrote = true;
        }
        let p = plan(&written, None);
        assert_eq!(p.expect, Expect::Create, "an afterWrite create did write");
        assert_eq!(p.fault_rule.as_deref(), Some("escrow"));
        let mut probe = ex(
            2,
            Idp::Okta,
            "GET",
            "/scim/v2/ServiceProviderConfig",
            503,
            OperationKind::Discovery,
        );
        probe.summary.fault = faulted.summary.fault;
        assert_eq!(plan(&probe, None).expect, Expect::Success);
    }

    #[test]
    fn cut_bodies_and_wrong_paths_are_not_sent() {
        let mut cut = ex(
            1,
            Idp::Entra,
            "POST",
            "/scim/v2/Users",
            201,
            OperationKind::Create,
        );
        cut.request_truncated = true;
        assert!(plan(&cut, None).skip.unwrap().contains("cut at capture"));
        let wrong = ex(
            2,
            Idp::Entra,
            "GET",
            "/scim/v1/nothing",
            404,
            OperationKind::Rejected,
        );
        assert!(
            plan(&wrong, None)
                .skip
                .unwrap()
                .contains("not a scim endpoint")
        );
    }

    #[test]
    fn quirks_become_the_hint_and_ids_are_read_from_answers() {
        let mut patch = ex(
            1,
            Idp::Entra,
            "PATCH",
            "/scim/v2/Users/u",
            200,
            OperationKind::Update,
        );
        patch.summary.quirks = vec!["entra.capitalised-op".into()];
        assert!(
            plan(&patch, None)
                .hint
                .unwrap()
                .contains("entra.capitalised-op")
        );
        assert_eq!(answered_id(Some(r#"{"id":"x1"}"#)).as_deref(), Some("x1"));
        assert_eq!(
            answered_id(Some(r#"{"Resources":[{"id":"x2"}],"totalResults":1}"#)).as_deref(),
            Some("x2")
        );
        assert_eq!(answered_id(Some(r#"{"Resources":[]}"#)), None);
    }

    #[test]
    fn read_back_differences_are_named() {
        let ours = r#"{"id":"a","userName":"Ada@x","active":true}"#;
        assert_eq!(
            read_back_difference(
                Some(ours),
                Some(&serde_json::json!({"id":"T","userName":"ada@x","active":true}))
            ),
            None
        );
        let diff = read_back_difference(
            Some(ours),
            Some(&serde_json::json!({"id":"T","userName":"ada@x","active":false})),
        )
        .unwrap();
        assert!(
            diff.contains("active is false where ScimLab answered true"),
            "{diff}"
        );
    }
}
