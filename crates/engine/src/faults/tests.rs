//! Tests of the fault rules: parsing and validation, budgets, the set's order and counters,
//! presets, and the reading of what the IdP did next.

use super::*;
use crate::model::{ExchangeSummary, Idp, OperationKind};
use serde_json::json;

/// The rules file of issue 14, literally.
const ISSUE_FILE: &str = r#"[
  {"name": "throttle", "match": {"operation": "create", "userName": "thr-*"},
   "action": {"status": 429, "retryAfter": 1}, "times": 1},
  {"name": "escrow", "match": {"idp": "entra", "operation": "create", "userName": "fail-*"},
   "action": {"status": 500, "detail": "rehearsed failure"}},
  {"name": "after-write", "match": {"operation": "create"},
   "action": {"status": 500, "afterWrite": true}, "every": 10},
  {"name": "slow", "match": {"method": "GET", "path": "/Users/*"}, "action": {"delayMs": 800},
   "probability": 0.2, "seed": 7, "enabled": false},
  {"name": "drop", "match": {"operation": "create", "userName": "drop-*"}, "action": {"drop": true}}
]"#;

fn rule(v: serde_json::Value) -> FaultRule {
    FaultRule::from_value(v).unwrap()
}

fn facts(idp: Idp, op: Option<OperationKind>, method: &str, path: &str) -> RequestFacts {
    RequestFacts {
        idp,
        operation: op,
        method: method.into(),
        path: path.into(),
        user_name: None,
        display_name: None,
    }
}

fn create(idp: Idp, user: &str) -> RequestFacts {
    RequestFacts {
        user_name: Some(user.into()),
        ..facts(idp, Some(OperationKind::Create), "POST", "/Users")
    }
}

// ---------------------------------------------------------------- parsing and round trip

#[test]
fn the_issue_file_parses_as_written() {
    let rules = parse_rules(ISSUE_FILE).unwrap();
    assert_eq!(rules.len(), 5);
    let throttle = &rules[0];
    assert_eq!(throttle.name, "throttle");
    assert_eq!(throttle.r#match.operation, Some(OperationKind::Create));
    assert_eq!(throttle.r#match.user_name.as_deref(), Some("thr-*"));
    assert_eq!(throttle.action.status, Some(429));
    assert_eq!(throttle.action.retry_after, Some(1));
    assert_eq!(throttle.times, Some(1));
    assert!(throttle.enabled, "enabled defaults to true");
    assert_eq!(rules[1].r#match.idp, Some(Idp::Entra));
    assert_eq!(rules[1].action.detail.as_deref(), Some("rehearsed failure"));
    assert!(rules[2].action.after_write);
    assert_eq!(rules[2].every, Some(10));
    let slow = &rules[3];
    assert_eq!(slow.r#match.method.as_deref(), Some("GET"));
    assert_eq!(slow.r#match.path.as_deref(), Some("/Users/*"));
    assert_eq!(slow.action.delay_ms, Some(800));
    assert_eq!(slow.probability, Some(0.2));
    assert_eq!(slow.seed, Some(7));
    assert!(!slow.enabled);
    assert!(rules[4].action.drop);
    assert_eq!(rules[4].action.status, None);
}

#[test]
fn rules_round_trip_through_json() {
    let rules = parse_rules(ISSUE_FILE).unwrap();
    let text = serde_json::to_string_pretty(&rules).unwrap();
    assert_eq!(parse_rules(&text).unwrap(), rules);
    // Absent options and false flags are not written; the match keeps its JSON name.
    let v = serde_json::to_value(&rules[4]).unwrap();
    assert_eq!(
        v,
        json!({"name": "drop", "match": {"operation": "create", "userName": "drop-*"},
               "action": {"drop": true}, "enabled": true})
    );
    // An absent match is the empty match, which matches everything.
    let r = rule(json!({"name": "all", "action": {"status": 503}}));
    assert_eq!(r.r#match, FaultMatch::default());
    let mut set = FaultSet::from_rules(vec![r]).unwrap();
    assert!(
        set.decide(&facts(Idp::Okta, None, "GET", "/Schemas"))
            .is_some()
    );
}

#[test]
fn presets_are_valid_rules_with_unique_ids() {
    let all = presets();
    assert_eq!(all.len(), 6);
    let mut ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6);
    for p in &all {
        p.rule
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}", p.id));
        assert!(
            p.description.ends_with('.') && !p.description.contains(". "),
            "{}",
            p.id
        );
        // Through JSON and back, as the admin API sends them.
        let back = FaultRule::from_value(serde_json::to_value(&p.rule).unwrap()).unwrap();
        assert_eq!(back, p.rule);
    }
    // All six fit in one set (names unique).
    FaultSet::from_rules(all.iter().map(|p| p.rule.clone()).collect()).unwrap();
    let escrow = all.iter().find(|p| p.id == "entra-escrow").unwrap();
    let mut set = FaultSet::from_rules(vec![escrow.rule.clone()]).unwrap();
    assert!(set.decide(&create(Idp::Entra, "Escrow-Ann")).is_some());
    assert!(set.decide(&create(Idp::Okta, "escrow-ann")).is_none());
    assert!(set.decide(&create(Idp::Entra, "ann")).is_none());
    let throttled = all.iter().find(|p| p.id == "throttled-app").unwrap();
    assert_eq!(throttled.rule.times, Some(3));
    assert_eq!(throttled.rule.action.retry_after, Some(2));
}

// ---------------------------------------------------------------- refusals

/// Parse `[good, bad]` and return the message about `bad` (rule 2).
fn refusal(bad: &serde_json::Value) -> String {
    let good = json!({"name": "ok", "action": {"status": 500}});
    let text = serde_json::to_string(&json!([good, bad])).unwrap();
    match parse_rules(&text) {
        Ok(_) => panic!("accepted: {bad}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_invalid_rule_is_refused_naming_the_rule_the_field_and_the_fix() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (
            json!({"name": "escrow", "action": {"status": 200}}),
            "rule 2 (\"escrow\"): action.status 200 is not an error status: use 400–599",
        ),
        (
            json!({"name": "x", "action": {"status": 600}}),
            "rule 2 (\"x\"): action.status 600 is not an error status: use 400–599",
        ),
        (
            json!({"name": "", "action": {"status": 500}}),
            "rule 2: name is empty: give the rule a name, e.g. \"throttle\"",
        ),
        (
            json!({"name": "n".repeat(81), "action": {"status": 500}}),
            "name is 81 characters long: use at most 80",
        ),
        (
            json!({"name": "x", "match": {"path": ""}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.path is empty: remove it to match any value, or use * explicitly",
        ),
        (
            json!({"name": "x", "match": {"path": "Users/*"}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.path 'Users/*' must start with /: paths are relative to the tenant URL, e.g. /Users/*",
        ),
        (
            json!({"name": "x", "match": {"path": "/scim/v2/Users/*"}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.path '/scim/v2/Users/*' does not start with a scim endpoint: paths are relative to the tenant url (without /scim/v2), e.g. /Users/* or /Groups/*",
        ),
        (
            json!({"name": "x", "match": {"userName": ""}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.userName is empty: remove it to match any value, or use * explicitly",
        ),
        (
            json!({"name": "x", "match": {"displayName": ""}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.displayName is empty",
        ),
        (
            json!({"name": "x", "match": {"method": "FETCH"}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.method 'FETCH' is not a method scim clients send: use GET, POST, PUT, PATCH or DELETE",
        ),
        (
            json!({"name": "x", "match": {"userName": "a*", "displayName": "b*"}, "action": {"status": 500}}),
            "match.userName and match.displayName cannot both be set",
        ),
        (
            json!({"name": "x", "match": {"operation": "rejected"}, "action": {"status": 500}}),
            "match.operation 'rejected' is only known once the request was refused",
        ),
        (
            json!({"name": "x", "match": {"operation": "group-membership", "userName": "a*"}, "action": {"status": 500}}),
            "match.userName never matches a group operation ('group-membership'): use match.displayName for groups",
        ),
        (
            json!({"name": "x", "match": {"operation": "create", "displayName": "a*"}, "action": {"status": 500}}),
            "match.displayName never matches a user operation ('create'): use match.userName for users",
        ),
        (
            json!({"name": "x", "action": {}}),
            "rule 2 (\"x\"): action does nothing: set status, delayMs, drop or strict",
        ),
        (
            json!({"name": "x", "action": {"drop": true, "status": 500}}),
            "rule 2 (\"x\"): action.drop closes the connection without an answer, so it cannot be combined with action.status: keep one of them",
        ),
        (
            json!({"name": "x", "action": {"drop": true, "afterWrite": true}}),
            "cannot be combined with action.afterWrite",
        ),
        (
            json!({"name": "x", "action": {"drop": true, "strict": true}}),
            "cannot be combined with action.strict",
        ),
        (
            json!({"name": "x", "action": {"strict": true, "status": 400}}),
            "action.strict answers as strict mode would, so it cannot be combined with action.status",
        ),
        (
            json!({"name": "x", "action": {"afterWrite": true}}),
            "rule 2 (\"x\"): action.afterWrite needs action.status: the status answered once the write is committed, e.g. 500",
        ),
        (
            json!({"name": "x", "match": {"operation": "match-lookup"}, "action": {"status": 500, "afterWrite": true}}),
            "action.afterWrite needs a request that writes, and match.operation 'match-lookup' writes nothing",
        ),
        (
            json!({"name": "x", "match": {"method": "get"}, "action": {"status": 500, "afterWrite": true}}),
            "match.method GET writes nothing",
        ),
        (
            json!({"name": "x", "action": {"retryAfter": 2, "status": 500}}),
            "rule 2 (\"x\"): action.retryAfter needs action.status 429 or 503: Retry-After means nothing on other answers",
        ),
        (
            json!({"name": "x", "action": {"retryAfter": 2, "delayMs": 5}}),
            "action.retryAfter needs action.status 429 or 503",
        ),
        (
            json!({"name": "x", "action": {"retryAfter": 0, "status": 429}}),
            "action.retryAfter 0 asks for no wait: use at least 1 second, or remove it",
        ),
        (
            json!({"name": "x", "action": {"retryAfter": 100_000, "status": 503}}),
            "action.retryAfter 100000 is over 86400 seconds (a day)",
        ),
        (
            json!({"name": "x", "action": {"scimType": "uniqueness"}}),
            "rule 2 (\"x\"): action.scimType needs action.status: it is part of the error answer, e.g. \"status\": 500",
        ),
        (
            json!({"name": "x", "action": {"status": 409, "scimType": "unique"}}),
            "action.scimType 'unique' is not a scim error type: use one of invalidFilter, tooMany, uniqueness,",
        ),
        (
            json!({"name": "x", "action": {"detail": "boom", "delayMs": 10}}),
            "action.detail needs action.status",
        ),
        (
            json!({"name": "x", "action": {"detail": " ", "status": 500}}),
            "action.detail is empty: say what failed, or remove it",
        ),
        (
            json!({"name": "x", "action": {"delayMs": 0}}),
            "action.delayMs 0 waits for nothing: use at least 1, or remove it",
        ),
        (
            json!({"name": "x", "action": {"delayMs": 60_001}}),
            "action.delayMs 60001 is over 60000 (60 s",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "times": 0}),
            "rule 2 (\"x\"): times 0 never fires: use at least 1, or remove times to fire on every match",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "every": 0}),
            "rule 2 (\"x\"): every 0 is not a period",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "probability": 0}),
            "rule 2 (\"x\"): probability 0 is outside (0, 1]: use e.g. 0.2 to fire on about one match in five",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "probability": 1.5}),
            "probability 1.5 is outside (0, 1]",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "probability": -0.1}),
            "probability -0.1 is outside (0, 1]",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "seed": 7}),
            "rule 2 (\"x\"): seed without probability does nothing: add probability, or remove seed",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "probability": 0.5, "seed": 9_007_199_254_740_992_u64}),
            "seed 9007199254740992 is over 9007199254740991",
        ),
        // Serde's own refusals, located.
        (
            json!({"name": "x", "action": {"status": 500}, "matches": {}}),
            "rule 2 (\"x\"): unknown field `matches`, expected one of",
        ),
        (
            json!({"name": "x", "match": {"usrName": "a"}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match: unknown field `usrName`, expected one of",
        ),
        (
            json!({"name": "x", "action": {"status": 500, "retry_after": 1}}),
            "rule 2 (\"x\"): action: unknown field `retry_after`, expected one of",
        ),
        (
            json!({"name": "x", "match": {"idp": "azure"}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.idp: unknown variant `azure`, expected one of `entra`, `okta`, `other`: use entra, okta or other",
        ),
        (
            json!({"name": "x", "match": {"operation": "provision"}, "action": {"status": 500}}),
            "rule 2 (\"x\"): match.operation: unknown variant `provision`",
        ),
        (
            json!({"name": "x", "action": {"status": "500"}}),
            "rule 2 (\"x\"): action.status: invalid type: string \"500\", expected u16: give a number from 400 to 599",
        ),
        (
            json!({"name": "x", "action": {"status": 500}, "times": -1}),
            "rule 2 (\"x\"): times: invalid value: integer `-1`, expected u32: give a whole number from 1",
        ),
        (
            json!({"name": "x", "action": {"delayMs": 1.5}}),
            "rule 2 (\"x\"): action.delayMs: invalid type: floating point `1.5`, expected u64: give whole milliseconds",
        ),
        (
            json!({"name": "x", "match": {"userName": "*a".repeat(101)}, "action": {"status": 500}}),
            "is 202 characters long: keep it under 200",
        ),
        (
            json!({"action": {"status": 500}}),
            "rule 2: missing field `name`",
        ),
        (
            json!({"name": "x"}),
            "rule 2 (\"x\"): missing field `action`",
        ),
        (
            json!("throttle"),
            "rule 2: expected an object {\"name\": …, \"match\": {…}, \"action\": {…}}, got a string",
        ),
        (
            json!({"name": "OK", "action": {"status": 500}}),
            "rule 2 (\"OK\") has the name of rule 1: give each rule its own name (names compare ignoring case)",
        ),
    ];
    for (bad, expected) in cases {
        let message = refusal(&bad);
        assert!(
            message.contains(expected),
            "for {bad}\n  got:      {message}\n  expected: {expected}"
        );
        assert!(!message.ends_with('.'), "{message}");
        assert!(
            message.starts_with(|c: char| !c.is_uppercase()),
            "{message}"
        );
    }
}

#[test]
fn errors_name_the_field_for_the_api() {
    let e = refusal(&json!({"name": "x", "match": {"usrName": "a"}, "action": {"status": 500}}));
    assert!(e.contains("usrName"));
    let good = json!([{"name": "x", "match": {"usrName": "a"}, "action": {"status": 500}}]);
    match parse_rules(&good.to_string()) {
        Err(FaultRuleError::Invalid { rule, field, .. }) => {
            assert_eq!(rule, Some(1));
            assert_eq!(field, "match.usrName");
        }
        other => panic!("{other:?}"),
    }
    match FaultRule::from_value(json!({"name": "esc", "action": {"status": 302}})) {
        Err(e @ FaultRuleError::Invalid { .. }) => {
            assert_eq!(
                e.to_string(),
                "rule \"esc\": action.status 302 is not an error status: use 400–599"
            );
            let FaultRuleError::Invalid { field, rule, .. } = e else {
                unreachable!()
            };
            assert_eq!((field.as_str(), rule), ("action.status", None));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_list_of_rules_is_refused() {
    assert!(
        parse_rules("{\"name\": \"x\"}")
            .unwrap_err()
            .to_string()
            .starts_with("the fault rules must be a json list of rules ([{\"name\": …")
    );
    assert!(
        parse_rules("{\"name\": \"x\"}")
            .unwrap_err()
            .to_string()
            .ends_with("not an object")
    );
    let e = parse_rules("[{\"name\": ").unwrap_err().to_string();
    assert!(e.starts_with("the fault rules are not valid json: "), "{e}");
    assert_eq!(parse_rules("[]").unwrap(), Vec::<FaultRule>::new());
}

#[test]
fn valid_combinations_are_accepted() {
    for ok in [
        json!({"name": "delay then 503", "action": {"delayMs": 100, "status": 503, "retryAfter": 5}}),
        json!({"name": "delay then drop", "action": {"delayMs": 100, "drop": true}}),
        json!({"name": "delay then strict", "action": {"delayMs": 100, "strict": true}}),
        json!({"name": "aw", "match": {"method": "patch"}, "action": {"status": 502, "afterWrite": true}}),
        json!({"name": "409", "action": {"status": 409, "scimType": "uniqueness", "detail": "taken"}}),
        json!({"name": "all budgets", "action": {"status": 500}, "times": 2, "every": 3, "probability": 1, "seed": 0}),
        json!({"name": "g", "match": {"operation": "group-membership", "displayName": "Sales*"}, "action": {"status": 500}}),
        json!({"name": "any endpoint", "match": {"path": "/*/abc"}, "action": {"status": 500}}),
        json!({"name": "n".repeat(80), "action": {"status": 500}}),
    ] {
        FaultRule::from_value(ok.clone()).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

// ---------------------------------------------------------------- matching

#[test]
fn all_given_match_fields_must_hold() {
    let mut set = FaultSet::from_rules(vec![rule(json!({
        "name": "m",
        "match": {"idp": "okta", "operation": "update", "method": "put", "path": "/Users/*", "userName": "a?c*"},
        "action": {"status": 500}
    }))])
    .unwrap();
    let yes = RequestFacts {
        user_name: Some("ABCdef".into()),
        ..facts(Idp::Okta, Some(OperationKind::Update), "PUT", "/Users/123")
    };
    assert!(set.decide(&yes).is_some());
    let no = [
        RequestFacts {
            idp: Idp::Entra,
            ..yes.clone()
        },
        RequestFacts {
            operation: Some(OperationKind::Deactivate),
            ..yes.clone()
        },
        RequestFacts {
            operation: None,
            ..yes.clone()
        },
        RequestFacts {
            method: "PATCH".into(),
            ..yes.clone()
        },
        RequestFacts {
            path: "/Users/123/x".into(),
            ..yes.clone()
        },
        RequestFacts {
            path: "/Groups/123".into(),
            ..yes.clone()
        },
        RequestFacts {
            user_name: Some("ac".into()),
            ..yes.clone()
        },
        // A userName glob needs a userName.
        RequestFacts {
            user_name: None,
            ..yes.clone()
        },
    ];
    for f in &no {
        assert!(set.decide(f).is_none(), "{f:?}");
    }
    let view = &set.list()[0];
    assert_eq!((view.matches, view.hits), (1, 1));
}

#[test]
fn display_name_globs_match_groups() {
    let mut set = FaultSet::from_rules(vec![rule(json!({
        "name": "g", "match": {"displayName": "sales *"}, "action": {"status": 500}
    }))])
    .unwrap();
    let group = RequestFacts {
        display_name: Some("Sales EMEA".into()),
        ..facts(
            Idp::Entra,
            Some(OperationKind::GroupMembership),
            "PATCH",
            "/Groups/g1",
        )
    };
    assert!(set.decide(&group).is_some());
    let other = RequestFacts {
        display_name: Some("Support".into()),
        ..group
    };
    assert!(set.decide(&other).is_none());
}

#[test]
fn an_empty_set_decides_nothing() {
    let mut set = FaultSet::new();
    assert!(set.is_empty());
    assert_eq!(set.decide(&create(Idp::Entra, "a")), None);
}

// ---------------------------------------------------------------- budgets

#[test]
fn times_fires_on_the_first_n_matches_only() {
    let mut set = FaultSet::from_rules(vec![rule(json!({
        "name": "t", "match": {"userName": "thr-*"}, "action": {"status": 429, "retryAfter": 1}, "times": 3
    }))])
    .unwrap();
    let fired: Vec<bool> = (0..6)
        .map(|_| set.decide(&create(Idp::Okta, "thr-1")).is_some())
        .collect();
    assert_eq!(fired, [true, true, true, false, false, false]);
    // A request the match refuses is not a match.
    assert!(set.decide(&create(Idp::Okta, "bob")).is_none());
    let view = &set.list()[0];
    assert_eq!((view.matches, view.hits), (6, 3));
}

#[test]
fn every_n_fires_on_the_nth_matches() {
    let mut set = FaultSet::from_rules(vec![rule(json!({
        "name": "e", "match": {"operation": "create"}, "action": {"status": 500, "afterWrite": true}, "every": 10
    }))])
    .unwrap();
    let fired: Vec<usize> = (1..=35)
        .filter(|_| set.decide(&create(Idp::Entra, "u")).is_some())
        .collect();
    assert_eq!(fired, [10, 20, 30]);
    let view = &set.list()[0];
    assert_eq!((view.matches, view.hits), (35, 3));
}

#[test]
fn every_and_times_combine() {
    let mut set = FaultSet::from_rules(vec![rule(json!({
        "name": "e", "action": {"status": 500}, "every": 2, "times": 2
    }))])
    .unwrap();
    let fired: Vec<usize> = (1..=10)
        .filter(|_| set.decide(&create(Idp::Entra, "u")).is_some())
        .collect();
    assert_eq!(fired, [2, 4]);
}

fn probabilistic(seed: Option<u64>) -> FaultSet {
    let mut r = rule(json!({"name": "p", "action": {"delayMs": 800}, "probability": 0.2}));
    r.seed = seed;
    FaultSet::from_rules(vec![r]).unwrap()
}

fn draws(set: &mut FaultSet, n: usize) -> Vec<bool> {
    let f = facts(Idp::Okta, Some(OperationKind::Read), "GET", "/Users/1");
    (0..n).map(|_| set.decide(&f).is_some()).collect()
}

#[test]
fn a_seeded_probability_repeats_and_fires_at_about_its_rate() {
    let a = draws(&mut probabilistic(Some(7)), 1000);
    let b = draws(&mut probabilistic(Some(7)), 1000);
    assert_eq!(a, b, "the same seed gives the same sequence");
    let fired = a.iter().filter(|f| **f).count();
    // Binomial(1000, 0.2): mean 200, standard deviation ~12.6; ±50 is ~4 deviations.
    assert!((150..=250).contains(&fired), "fired {fired} of 1000");
    let c = draws(&mut probabilistic(Some(8)), 1000);
    assert_ne!(a, c, "another seed gives another sequence");
    // Without a seed, the documented default seed: repeatable too.
    let d = draws(&mut probabilistic(None), 1000);
    assert_eq!(d, draws(&mut probabilistic(Some(DEFAULT_SEED)), 1000));
    // Probability 1 always fires.
    let mut always = FaultSet::from_rules(vec![rule(
        json!({"name": "p", "action": {"status": 500}, "probability": 1.0, "seed": 3}),
    )])
    .unwrap();
    assert!(draws(&mut always, 100).iter().all(|f| *f));
}

#[test]
fn replacing_a_rule_restarts_its_sequence() {
    let mut set = probabilistic(Some(7));
    let first = draws(&mut set, 50);
    let id = set.list()[0].id;
    let r = set.list()[0].rule.clone();
    let view = set.replace(id, r).unwrap();
    assert_eq!((view.id, view.matches, view.hits), (id, 0, 0));
    assert_eq!(draws(&mut set, 50), first);
}

#[test]
fn disabled_rules_never_fire_nor_count() {
    let mut set = FaultSet::from_rules(vec![rule(json!({
        "name": "off", "action": {"status": 500}, "enabled": false
    }))])
    .unwrap();
    for _ in 0..20 {
        assert!(set.decide(&create(Idp::Entra, "a")).is_none());
    }
    let view = &set.list()[0];
    assert_eq!((view.matches, view.hits), (0, 0));
}

// ---------------------------------------------------------------- order, ids and counters

#[test]
fn the_first_firing_rule_in_order_decides() {
    let mut set = FaultSet::from_rules(vec![
        rule(json!({"name": "every-3", "match": {"operation": "create"}, "action": {"status": 503}, "every": 3})),
        rule(json!({"name": "okta-only", "match": {"idp": "okta"}, "action": {"status": 409, "scimType": "uniqueness"}})),
        rule(json!({"name": "catch-all", "action": {"status": 500}})),
    ])
    .unwrap();
    let names: Vec<String> = (0..6)
        .map(|_| set.decide(&create(Idp::Entra, "a")).unwrap().rule_name)
        .collect();
    assert_eq!(
        names,
        [
            "catch-all",
            "catch-all",
            "every-3",
            "catch-all",
            "catch-all",
            "every-3"
        ]
    );
    let d = set.decide(&create(Idp::Okta, "a")).unwrap();
    assert_eq!(d.rule_name, "okta-only");
    assert_eq!(d.action.scim_type.as_deref(), Some("uniqueness"));
    let counts: Vec<(u64, u64, u64)> = set
        .list()
        .iter()
        .map(|v| (v.id, v.matches, v.hits))
        .collect();
    // every-3 counted all 7 matches; okta-only matched once; catch-all only saw what the
    // others let through.
    assert_eq!(counts, [(1, 7, 2), (2, 1, 1), (3, 4, 4)]);
}

#[test]
fn rules_are_added_replaced_and_removed_by_id() {
    let mut set = FaultSet::new();
    let a = set
        .add(rule(json!({"name": "a", "action": {"status": 500}})))
        .unwrap();
    let b = set
        .add(rule(json!({"name": "b", "action": {"status": 502}})))
        .unwrap();
    assert_eq!((a.id, b.id), (1, 2));
    assert_eq!(
        set.add(rule(json!({"name": "A", "action": {"status": 500}}))),
        Err(FaultRuleError::NameTaken("A".into()))
    );
    let bad = FaultRule {
        times: Some(0),
        ..rule(json!({"name": "c", "action": {"status": 500}}))
    };
    assert!(matches!(set.add(bad), Err(FaultRuleError::Invalid { .. })));
    // Fire "a" twice, then replace it: same id and place, counters reset.
    set.decide(&create(Idp::Entra, "x"));
    set.decide(&create(Idp::Entra, "x"));
    assert_eq!(set.get(1).unwrap().hits, 2);
    let replaced = set
        .replace(1, rule(json!({"name": "a", "action": {"status": 504}})))
        .unwrap();
    assert_eq!((replaced.id, replaced.matches, replaced.hits), (1, 0, 0));
    assert_eq!(set.list()[0].rule.action.status, Some(504));
    assert_eq!(
        set.replace(1, rule(json!({"name": "b", "action": {"status": 500}}))),
        Err(FaultRuleError::NameTaken("b".into()))
    );
    assert_eq!(
        set.replace(9, rule(json!({"name": "z", "action": {"status": 500}}))),
        Err(FaultRuleError::UnknownId(9))
    );
    assert_eq!(
        FaultRuleError::UnknownId(9).to_string(),
        "no fault rule has id 9: list the rules to see their ids"
    );
    assert!(set.remove(1));
    assert!(!set.remove(1));
    assert_eq!(set.len(), 1);
    // Ids are never reused.
    let c = set
        .add(rule(json!({"name": "c", "action": {"status": 500}})))
        .unwrap();
    assert_eq!(c.id, 3);
    // replace_all is all or nothing, and gives new ids.
    let before = set.list();
    let dup = vec![
        rule(json!({"name": "d", "action": {"status": 500}})),
        rule(json!({"name": "D", "action": {"status": 500}})),
    ];
    assert_eq!(
        set.replace_all(dup),
        Err(FaultRuleError::DuplicateName {
            first: 1,
            second: 2,
            name: "D".into()
        })
    );
    assert_eq!(set.list(), before);
    let views = set.replace_all(parse_rules(ISSUE_FILE).unwrap()).unwrap();
    let ids: Vec<u64> = views.iter().map(|v| v.id).collect();
    assert_eq!(ids, [4, 5, 6, 7, 8]);
}

#[test]
fn a_view_serializes_flat_with_its_counters() {
    let mut set = FaultSet::from_rules(parse_rules(ISSUE_FILE).unwrap()).unwrap();
    set.decide(&create(Idp::Okta, "thr-9"));
    let v = serde_json::to_value(&set.list()[0]).unwrap();
    assert_eq!(
        v,
        json!({"id": 1, "name": "throttle", "match": {"operation": "create", "userName": "thr-*"},
               "action": {"status": 429, "retryAfter": 1}, "times": 1, "enabled": true,
               "matches": 1, "hits": 1})
    );
}

#[test]
fn the_fault_set_is_send() {
    fn send<T: Send + 'static>() {}
    send::<FaultSet>();
}

// ---------------------------------------------------------------- reactions

/// A summary at `at_ms` after 10:00:00 on 2025-06-01, answered in 5 ms.
fn ex(
    id: i64,
    idp: Idp,
    at_ms: i64,
    method: &str,
    target: &str,
    status: u16,
    op: OperationKind,
) -> ExchangeSummary {
    let base = chrono::DateTime::parse_from_rfc3339("2025-06-01T10:00:00.000Z")
        .unwrap()
        .timestamp_millis();
    let at = chrono::DateTime::from_timestamp_millis(base + at_ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    ExchangeSummary {
        id,
        at,
        method: method.into(),
        path: path.into(),
        query: query.into(),
        status,
        latency_ms: 5.0,
        idp,
        operation: op,
        resource_type: None,
        resource_id: None,
        resource_name: None,
        quirks: Vec::new(),
        fold_count: None,
        last_at: None,
        refused_quirk: None,
        fault: None,
    }
}

fn about(mut e: ExchangeSummary, id: Option<&str>, name: Option<&str>) -> ExchangeSummary {
    e.resource_id = id.map(str::to_owned);
    e.resource_name = name.map(str::to_owned);
    e
}

fn lookup(id: i64, idp: Idp, at_ms: i64, user: &str) -> ExchangeSummary {
    let q = format!("filter=userName%20eq%20%22{user}%22&startIndex=1&count=100");
    ex(
        id,
        idp,
        at_ms,
        "GET",
        &format!("/scim/v2/Users?{q}"),
        200,
        OperationKind::MatchLookup,
    )
}

fn create_ex(id: i64, idp: Idp, at_ms: i64, status: u16) -> ExchangeSummary {
    ex(
        id,
        idp,
        at_ms,
        "POST",
        "/scim/v2/Users",
        status,
        OperationKind::Create,
    )
}

const MIN: i64 = 60_000;

#[test]
fn entra_escrow_looks_the_user_up_on_the_next_cycle_then_creates() {
    use Idp::Entra;
    let failed = about(create_ex(1, Entra, 0, 500), None, Some("escrow-ann"));
    let following = [
        // The rest of the cycle: another user.
        lookup(2, Entra, 1_000, "bob"),
        about(create_ex(3, Entra, 1_200, 201), Some("u-bob"), Some("bob")),
        // 40 minutes later: the escrowed user again, lookup (nothing found) then create.
        lookup(4, Entra, 40 * MIN, "Escrow-Ann"),
        about(
            create_ex(5, Entra, 40 * MIN + 300, 201),
            Some("u-ann"),
            Some("escrow-ann"),
        ),
    ];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::LookedUpThenRetried);
    assert_eq!(r.retried_after_ms, Some(40 * MIN - 5));
    assert_eq!(r.honoured_retry_after, None);
    assert_eq!(
        r.sentence,
        "Entra ID sent a userName lookup before retrying the create (after 40 min): it found no user; the retried create got 201."
    );
    // Before the next cycle: only the other user's traffic, and a hint to look again.
    let r = reaction(&failed, None, &following[..2]);
    assert_eq!(r.kind, ReactionKind::GaveUp);
    assert_eq!(
        r.sentence,
        "Entra ID did not retry: 2 later requests, none for this user. Entra ID retries failed users on a later cycle, about 40 minutes apart: look again after its next cycle."
    );
    assert_eq!(r.retried_after_ms, None);
}

#[test]
fn a_plain_retry_is_timed_from_the_answer() {
    let failed = about(create_ex(1, Idp::Entra, 0, 500), None, Some("ann"));
    let following = [about(
        create_ex(2, Idp::Entra, 41_005, 201),
        Some("u1"),
        Some("ann"),
    )];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::Retried);
    assert_eq!(r.retried_after_ms, Some(41_000));
    assert_eq!(
        r.sentence,
        "Entra ID retried the create 41 s later and got 201."
    );
}

#[test]
fn okta_stops_after_a_409() {
    use Idp::Okta;
    let failed = about(create_ex(1, Okta, 0, 409), None, Some("dup@example.com"));
    let following = [
        lookup(2, Okta, 2_000, "carol@example.com"),
        about(
            create_ex(3, Okta, 2_100, 201),
            Some("u-c"),
            Some("carol@example.com"),
        ),
        ex(
            4,
            Okta,
            3_000,
            "GET",
            "/scim/v2/Users/u-c",
            200,
            OperationKind::Read,
        ),
    ];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::GaveUp);
    assert_eq!(
        r.sentence,
        "Okta did not retry: 3 later requests, none for this user."
    );
    // The anonymous-after-lookup rule does not pull in carol's create: its lookup named carol.
    assert_eq!(r.retried_after_ms, None);
}

#[test]
fn a_429_whose_retry_after_was_honoured() {
    use Idp::Okta;
    let failed = about(create_ex(1, Okta, 0, 429), None, Some("thr-1"));
    let following = [about(
        create_ex(2, Okta, 2_300, 201),
        Some("u1"),
        Some("thr-1"),
    )];
    let r = reaction(&failed, Some(2), &following);
    assert_eq!(r.kind, ReactionKind::Retried);
    assert_eq!(r.honoured_retry_after, Some(true));
    assert_eq!(r.retried_after_ms, Some(2_295));
    assert_eq!(
        r.sentence,
        "Okta waited 2.3 s as the answer asked (Retry-After: 2 s), then retried the create and got 201."
    );
    // Just inside the slack still counts as honoured.
    let following = [about(
        create_ex(2, Okta, 1_960, 201),
        Some("u1"),
        Some("thr-1"),
    )];
    assert_eq!(
        reaction(&failed, Some(2), &following).honoured_retry_after,
        Some(true)
    );
}

#[test]
fn a_429_whose_retry_after_was_not_honoured() {
    use Idp::Entra;
    let failed = ex(
        1,
        Entra,
        0,
        "PATCH",
        "/scim/v2/Users/u1",
        429,
        OperationKind::Update,
    );
    let following = [ex(
        2,
        Entra,
        405,
        "PATCH",
        "/scim/v2/Users/u1",
        200,
        OperationKind::Update,
    )];
    let r = reaction(&failed, Some(2), &following);
    assert_eq!(r.kind, ReactionKind::Retried);
    assert_eq!(r.honoured_retry_after, Some(false));
    assert_eq!(r.retried_after_ms, Some(400));
    assert_eq!(
        r.sentence,
        "Entra ID retried the update after 0.4 s although the answer asked it to wait 2 s (Retry-After not honoured), and got 200."
    );
}

#[test]
fn after_write_then_a_retried_create_gets_409() {
    use Idp::Other;
    // The fault committed the create (the summary names the written user), then answered 500.
    let failed = about(create_ex(1, Other, 0, 500), Some("u7"), Some("aw-1"));
    // The client retries at once; a 409 names no resource.
    let following = [create_ex(2, Other, 1_000, 409)];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::Retried);
    assert_eq!(
        r.sentence,
        "The client retried the create 1.0 s later and got 409: the user was already there, written by the create it took for failed."
    );
}

#[test]
fn after_write_then_lookup_then_create_gets_409() {
    use Idp::Okta;
    let failed = about(create_ex(1, Okta, 0, 500), Some("u7"), Some("aw-2"));
    let mut found = lookup(2, Okta, 2_100, "aw-2");
    found.resource_id = Some("u7".into());
    found.resource_name = Some("aw-2".into());
    let following = [
        found,
        // The anonymous 409 right after this user's lookup is this user's retry.
        create_ex(3, Okta, 2_200, 409),
        // Another user's anonymous create later is not.
        lookup(4, Okta, 5_000, "zed"),
        create_ex(5, Okta, 5_100, 409),
    ];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::LookedUpThenRetried);
    assert_eq!(r.retried_after_ms, Some(2_095));
    assert_eq!(
        r.sentence,
        "Okta sent a userName lookup before retrying the create (after 2.1 s): it found the user the failed create had written; the retried create got 409: the user was already there, written by the create it took for failed."
    );
}

#[test]
fn after_write_then_entra_matches_the_written_user() {
    use Idp::Entra;
    let failed = about(create_ex(1, Entra, 0, 500), Some("u7"), Some("aw-3"));
    let mut found = lookup(2, Entra, 40 * MIN, "aw-3");
    found.resource_id = Some("u7".into());
    let following = [
        found,
        ex(
            3,
            Entra,
            40 * MIN + 200,
            "PATCH",
            "/scim/v2/Users/u7",
            200,
            OperationKind::Update,
        ),
    ];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::MatchedExisting);
    assert_eq!(
        r.sentence,
        "Entra ID did not retry the create: a userName lookup 40 min later found the user the failed create had written, and it carried on with that user, sending an update next (answered 200)."
    );
}

#[test]
fn several_retries_are_counted_and_the_last_answer_told() {
    use Idp::Okta;
    let failed = ex(
        1,
        Okta,
        0,
        "DELETE",
        "/scim/v2/Users/u1",
        503,
        OperationKind::Delete,
    );
    let following = [
        ex(
            2,
            Okta,
            3_000,
            "DELETE",
            "/scim/v2/Users/u1",
            503,
            OperationKind::Delete,
        ),
        ex(
            3,
            Okta,
            9_000,
            "GET",
            "/scim/v2/Users/u9",
            200,
            OperationKind::Read,
        ),
        ex(
            4,
            Okta,
            12_000,
            "DELETE",
            "/scim/v2/Users/u1",
            204,
            OperationKind::Delete,
        ),
    ];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::Retried);
    assert_eq!(
        r.sentence,
        "Okta retried the delete 3.0 s later and got 503. It tried 2 times in all; the last got 204."
    );
}

#[test]
fn later_traffic_about_the_user_without_a_retry_is_giving_up() {
    use Idp::Okta;
    let failed = ex(
        1,
        Okta,
        0,
        "PUT",
        "/scim/v2/Users/u1",
        500,
        OperationKind::Update,
    );
    let following = [
        ex(
            2,
            Okta,
            1_000,
            "GET",
            "/scim/v2/Users/u1",
            200,
            OperationKind::Read,
        ),
        lookup(3, Okta, 2_000, "someone"),
    ];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::GaveUp);
    assert_eq!(
        r.sentence,
        "Okta did not retry the update: 2 later requests, 1 for this user, none of them an update."
    );
}

#[test]
fn nothing_after_the_fault_is_no_traffic_yet() {
    let failed = about(create_ex(1, Idp::Okta, 0, 500), None, Some("a"));
    let r = reaction(&failed, None, &[]);
    assert_eq!(r.kind, ReactionKind::NoTrafficYet);
    assert_eq!(r.sentence, "Okta has sent nothing since the failed create.");
    let failed = about(create_ex(1, Idp::Entra, 0, 500), None, Some("a"));
    let r = reaction(&failed, Some(2), &[]);
    assert!(r.sentence.contains("later cycle"), "{}", r.sentence);
    assert_eq!(r.honoured_retry_after, None);
}

#[test]
fn a_fault_that_named_nobody_takes_the_next_same_request_as_its_retry() {
    use Idp::Okta;
    let failed = create_ex(1, Okta, 0, 500);
    let following = [
        ex(
            2,
            Okta,
            500,
            "GET",
            "/scim/v2/Groups",
            200,
            OperationKind::ImportPage,
        ),
        about(create_ex(3, Okta, 1_505, 201), Some("u1"), Some("zed")),
    ];
    let r = reaction(&failed, None, &following);
    assert_eq!(r.kind, ReactionKind::Retried);
    assert_eq!(r.retried_after_ms, Some(1_500));
    assert!(
        r.sentence.ends_with(
            "(The failed create named no user, so the first later create is taken as its retry.)"
        ),
        "{}",
        r.sentence
    );
}

#[test]
fn a_reaction_serializes_in_camel_case() {
    let failed = about(create_ex(1, Idp::Okta, 0, 429), None, Some("a"));
    let following = [about(
        create_ex(2, Idp::Okta, 3_005, 201),
        Some("u1"),
        Some("a"),
    )];
    let v = serde_json::to_value(reaction(&failed, Some(2), &following)).unwrap();
    assert_eq!(v["kind"], "retried");
    assert_eq!(v["retriedAfterMs"], 3000);
    assert_eq!(v["honouredRetryAfter"], true);
    assert_eq!(
        serde_json::to_value(ReactionKind::LookedUpThenRetried).unwrap(),
        "looked-up-then-retried"
    );
    assert_eq!(
        serde_json::to_value(ReactionKind::NoTrafficYet).unwrap(),
        "no-traffic-yet"
    );
}
