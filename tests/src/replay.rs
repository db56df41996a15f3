//! Replay end to end: a captured Entra ID cycle and a captured Okta cycle sent from one real
//! engine into a second, fresh one leave the same users there (userName, active, role, groups)
//! with every step passing; a target that refuses Entra's quirks (`wiremock`) fails exactly
//! those steps and names the quirk; selections, dry runs, faulted originals, the CLI and the
//! admin API.

use scimlab_engine::replay::{self, ReplayOptions, ReplayReport, ReplaySelection};
use scimlab_engine::simulate::{self, Outcome, Scenario, SimOptions, Verdict};
use scimlab_tests::{TestEngine, WAIT};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

fn sim(scenario: Scenario, users: usize) -> SimOptions {
    let mut o = SimOptions::new(scenario);
    o.users = users;
    o.seed = 11;
    o.rate = 0.0;
    o
}

/// Run the simulator against `e` and wait until every step is captured.
async fn capture_cycle(e: &TestEngine, o: &SimOptions) {
    let target = simulate::target(&e.base, &e.key).unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let r = simulate::run(o, target, rx, &mut |_, _| {}).await.unwrap();
    assert_eq!(
        r.summary.outcome,
        Outcome::Passed,
        "{:?}",
        r.summary.failures
    );
    e.wait_for_exchanges("", r.steps.len()).await;
}

async fn replay_into(
    from: &TestEngine,
    base: &str,
    token: &str,
    selection: ReplaySelection,
    dry_run: bool,
) -> ReplayReport {
    let exchanges = {
        let mut conn = from.engine().store.read().await.unwrap();
        replay::select(&mut conn, &selection).await.unwrap()
    };
    let options = ReplayOptions {
        dry_run,
        timeout: Duration::from_secs(5),
        ..ReplayOptions::default()
    };
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let target = simulate::target(base, token).unwrap();
    tokio::time::timeout(
        Duration::from_secs(120),
        replay::run(&options, selection, exchanges, target, rx, &mut |_, _| {}),
    )
    .await
    .expect("a replay never hangs")
    .unwrap()
}

fn failures(r: &ReplayReport) -> Vec<String> {
    r.steps
        .iter()
        .filter(|s| s.step.verdict != Verdict::Pass)
        .map(|s| {
            format!(
                "#{} {} {} {:?} -> {:?}: {:?}",
                s.exchange_id,
                s.step.method,
                s.step.path,
                s.step.status,
                s.step.verdict,
                s.step.explanation
            )
        })
        .collect()
}

/// userName (lower case) → (active, effective role) as the engine's Users list shows them,
/// and group displayName → member userNames.
async fn state_of(
    e: &TestEngine,
) -> (
    BTreeMap<String, (bool, String)>,
    BTreeMap<String, Vec<String>>,
) {
    let users = e.admin_get("/api/users?count=500").await;
    let resources = users.body["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mappings = users.body["mappings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut by_id: BTreeMap<String, String> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (u, m) in resources.iter().zip(mappings.iter()) {
        let name = u["userName"].as_str().unwrap().to_lowercase();
        by_id.insert(u["id"].as_str().unwrap().to_owned(), name.clone());
        out.insert(
            name,
            (
                u["active"].as_bool().unwrap_or(true),
                m["effectiveRole"].as_str().unwrap_or("").to_owned(),
            ),
        );
    }
    let groups = e.admin_get("/api/groups?count=500").await;
    let mut gs = BTreeMap::new();
    for g in groups.body["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let mut members: Vec<String> = g["members"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m["value"].as_str())
            .map(|id| {
                by_id
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("unknown {id}"))
            })
            .collect();
        members.sort();
        gs.insert(g["displayName"].as_str().unwrap().to_owned(), members);
    }
    (out, gs)
}

async fn same_users_after_replay(scenario: Scenario) {
    let a = TestEngine::start().await;
    capture_cycle(&a, &sim(scenario, 6)).await;
    let b = TestEngine::start().await;
    let r = replay_into(&a, &b.base, &b.key, ReplaySelection::default(), false).await;
    assert!(r.all_passed(), "{:#?}", failures(&r));
    assert_eq!(r.summary.failed + r.summary.skipped, 0);
    assert!(r.summary.ids_mapped >= 6, "{}", r.summary.ids_mapped);
    // Ids in paths were rewritten to the target's (B made its own ids).
    assert!(r.steps.iter().any(|s| !s.rewritten.is_empty()));
    b.wait_for_exchanges("", r.steps.len()).await;
    let (users_a, groups_a) = state_of(&a).await;
    let (users_b, groups_b) = state_of(&b).await;
    assert!(!users_a.is_empty());
    assert!(
        users_a
            .values()
            .all(|(_, role)| role == "Member" || role == "Admin"),
        "every user has a role: {users_a:?}"
    );
    assert!(
        users_a.values().any(|(_, role)| role == "Admin"),
        "{users_a:?}"
    );
    assert!(!groups_a.is_empty(), "the cycle pushed groups");
    assert!(groups_a.values().any(|m| !m.is_empty()), "{groups_a:?}");
    assert_eq!(users_a, users_b, "same users, active flags and roles");
    assert_eq!(groups_a, groups_b, "same groups and members");
    // B saw the same IdP: the replay sent the IdP's own headers.
    let idp = match scenario {
        Scenario::Entra => "entra",
        _ => "okta",
    };
    let seen = b
        .admin_get(&format!("/api/exchanges?idp={idp}&limit=1"))
        .await;
    assert_eq!(
        seen.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        seen.text
    );
}

#[tokio::test]
async fn a_captured_entra_cycle_replays_into_a_fresh_scimlab() {
    same_users_after_replay(Scenario::Entra).await;
}

#[tokio::test]
async fn a_captured_okta_cycle_replays_into_a_fresh_scimlab() {
    same_users_after_replay(Scenario::Okta).await;
}

#[tokio::test]
async fn a_target_that_refuses_entras_quirks_fails_those_steps_and_names_the_quirk() {
    use wiremock::Mock;
    use wiremock::matchers::{body_string_contains, method, path_regex};
    let a = TestEngine::start().await;
    let mut o = sim(Scenario::Entra, 3);
    o.setup = Some(simulate::Setup::Full);
    capture_cycle(&a, &o).await;
    let app = crate::simulate::remote::scim_app().await;
    // A strict app: capitalised PATCH ops are invalid.
    Mock::given(method("PATCH"))
        .and(path_regex(crate::simulate::remote::ONE_USER))
        .and(body_string_contains("\"op\":\"Replace\""))
        .respond_with(crate::simulate::remote::scim_error(
            400,
            Some("invalidSyntax"),
            "op must be add, remove or replace",
        ))
        .with_priority(1)
        .mount(&app)
        .await;
    let r = replay_into(
        &a,
        &format!("{}/scim/v2", app.uri()),
        "remote-token-123",
        ReplaySelection {
            writes_only: true,
            ..ReplaySelection::default()
        },
        false,
    )
    .await;
    let failed: Vec<_> = r
        .steps
        .iter()
        .filter(|s| s.step.verdict == Verdict::Fail)
        .collect();
    assert!(
        !failed.is_empty(),
        "the capitalised ops fail: {:#?}",
        failures(&r)
    );
    for s in &failed {
        assert_eq!(s.step.method, "PATCH", "{s:?}");
        let why = s.step.explanation.as_deref().unwrap_or("");
        assert!(
            why.contains("entra.capitalized-op"),
            "the quirk is named: {why}"
        );
    }
    // Writes only: no lookup or probe was sent.
    assert!(r.steps.iter().all(|s| s.step.method != "GET"));
    assert_eq!(r.summary.outcome, Outcome::Failed);
}

#[tokio::test]
async fn one_users_timeline_a_range_and_a_dry_run() {
    let a = TestEngine::start().await;
    let ada = a.create_user("ada@example.com").await;
    a.create_user("bob@example.com").await;
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]});
    assert_eq!(a.patch(&format!("/Users/{ada}"), &patch).await.status, 200);
    let items = a.wait_for_exchanges("", 3).await;
    let b = TestEngine::start().await;

    // Dry run: nothing is sent, every step says what it would send.
    let dry = replay_into(
        &a,
        &b.base,
        &b.key,
        ReplaySelection {
            user: Some("ADA@example.com".into()),
            ..ReplaySelection::default()
        },
        true,
    )
    .await;
    assert_eq!(dry.steps.len(), 2, "ada's create and deactivation");
    assert!(dry.steps.iter().all(|s| s.step.verdict == Verdict::Skipped));
    assert!(
        dry.steps[0]
            .step
            .explanation
            .as_deref()
            .unwrap()
            .starts_with("dry run: would send POST /Users")
    );
    assert_eq!(dry.summary.outcome, Outcome::Passed);
    assert_eq!(
        b.get("/Users").await.body["totalResults"],
        0,
        "nothing sent"
    );

    // The user's timeline for real: created, then deactivated on the target.
    let r = replay_into(
        &a,
        &b.base,
        &b.key,
        ReplaySelection {
            user: Some("ada@example.com".into()),
            ..ReplaySelection::default()
        },
        false,
    )
    .await;
    assert!(r.all_passed(), "{:#?}", failures(&r));
    let found = b
        .get("/Users?filter=userName%20eq%20%22ada%40example.com%22")
        .await;
    assert_eq!(found.body["Resources"][0]["active"], false);

    // A range that starts after the create: the PATCH names an id only ScimLab knows. The replay
    // finds the user on the target by its name, as the IdP would, and sends the PATCH there.
    let last_id = items[0]["id"].as_i64().unwrap();
    let range = ReplaySelection {
        from_id: Some(last_id),
        ..ReplaySelection::default()
    };
    let r = replay_into(&a, &b.base, &b.key, range.clone(), false).await;
    assert!(r.all_passed(), "{:#?}", failures(&r));
    assert_eq!(r.steps.len(), 2, "the lookup by name, then the PATCH");
    assert!(
        r.steps[0]
            .step
            .name
            .contains("find ada@example.com on the target")
    );
    assert_eq!(r.steps[1].step.method, "PATCH");
    // On a target that never had the user, the PATCH cannot be sent, and the replay says so.
    let c = TestEngine::start().await;
    let r = replay_into(&a, &c.base, &c.key, range, false).await;
    let patch = r.steps.last().unwrap();
    assert_eq!(patch.step.verdict, Verdict::Skipped);
    assert!(
        patch
            .step
            .explanation
            .as_deref()
            .unwrap()
            .contains("has no counterpart on the target"),
        "{patch:?}"
    );
    assert_eq!(
        r.summary.outcome,
        Outcome::Failed,
        "a step not sent is not a pass"
    );
}

#[tokio::test]
async fn faulted_originals_are_resent_only_when_they_wrote_and_judged_by_the_idps_expectation() {
    let a = TestEngine::start().await;
    let rules = [
        json!({"name": "escrow", "match": {"operation": "create", "userName": "f@x"},
               "action": {"status": 500}, "times": 1}),
        json!({"name": "written", "match": {"operation": "create", "userName": "w@x"},
               "action": {"status": 500, "afterWrite": true}, "times": 1}),
    ];
    for r in &rules {
        assert_eq!(a.admin_json("POST", "/api/faults", r).await.status, 201);
    }
    let user =
        |n: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": n});
    // Refused without a write, then the IdP's retry.
    assert_eq!(a.post("/Users", &user("f@x")).await.status, 500);
    assert_eq!(a.post("/Users", &user("f@x")).await.status, 201);
    // Written, then answered 500.
    assert_eq!(a.post("/Users", &user("w@x")).await.status, 500);
    a.wait_for_exchanges("", 3).await;
    let b = TestEngine::start().await;
    let r = replay_into(&a, &b.base, &b.key, ReplaySelection::default(), false).await;
    assert!(r.all_passed(), "{:#?}", failures(&r));
    assert_eq!(r.steps.len(), 3);
    let refused = &r.steps[0];
    assert_eq!(refused.step.verdict, Verdict::Skipped);
    assert!(
        refused
            .step
            .explanation
            .as_deref()
            .unwrap()
            .contains("nothing was written"),
        "{refused:?}"
    );
    assert_eq!(
        r.steps[1].step.verdict,
        Verdict::Pass,
        "the retry creates f@x"
    );
    let written = &r.steps[2];
    assert_eq!(written.original_status, 500);
    assert_eq!(written.original_fault.as_deref(), Some("written"));
    assert_eq!(
        written.step.verdict,
        Verdict::Pass,
        "the target's 201 is what the idp expects"
    );
    assert!(
        written
            .step
            .explanation
            .as_deref()
            .unwrap()
            .contains("fault rule \"written\""),
        "{written:?}"
    );
    for name in ["f%40x", "w%40x"] {
        let found = b
            .get(&format!("/Users?filter=userName%20eq%20%22{name}%22"))
            .await;
        assert_eq!(found.body["totalResults"], 1, "{name}");
    }
}

#[tokio::test]
async fn the_admin_api_runs_a_replay_with_events_and_never_keeps_the_token() {
    let a = TestEngine::start().await;
    a.create_user("api@example.com").await;
    a.wait_for_exchanges("", 1).await;
    let b = TestEngine::start().await;
    let mut events = a.admin_events().await;
    let bad = a
        .admin_json(
            "POST",
            "/api/replays",
            &json!({"target": b.base, "token": b.key, "selection": {"since": "yesterday"}}),
        )
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert!(bad.text.contains("since 'yesterday'"), "{}", bad.text);
    let empty = a
        .admin_json(
            "POST",
            "/api/replays",
            &json!({"target": b.base, "token": b.key, "selection": {"idp": "okta"}}),
        )
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.text.contains("nothing to replay"));

    let started = a
        .admin_json(
            "POST",
            "/api/replays",
            &json!({"target": b.base, "token": b.key, "rate": 0}),
        )
        .await;
    assert_eq!(started.status, 202, "{started:?}");
    assert_eq!(started.body["selected"], 1);
    let id = started.body["id"].as_str().unwrap().to_owned();
    let finished = loop {
        let ev = events.next_event(WAIT * 4).await.expect("replay.finished");
        if ev.event == "replay.finished" {
            break ev;
        }
    };
    assert_eq!(finished.data["id"], id.as_str());
    assert_eq!(finished.data["summary"]["outcome"], "passed");
    let status = a.admin_get(&format!("/api/replays/{id}")).await;
    assert_eq!(status.body["state"], "finished");
    assert_eq!(status.body["steps"][0]["verdict"], "pass");
    assert!(!status.text.contains(&b.key), "the token is kept nowhere");
    assert!(!finished.data.to_string().contains(&b.key));
    assert_eq!(
        b.get("/Users?filter=userName%20eq%20%22api%40example.com%22")
            .await
            .body["totalResults"],
        1
    );
    assert_eq!(a.admin_get("/api/replays/nope").await.status, 404);
}

/// Run the `scimlab` binary with `args` and `--db db`, off the runtime's thread (the engines
/// under test run on it).
async fn scimlab(args: &[&str], db: &[String]) -> std::process::Output {
    let mut cmd = std::process::Command::new(scimlab_tests::scimlab_bin());
    cmd.args(args).args(db).env_remove("SCIMLAB_DATABASE_URL");
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cli_replays_with_a_table_json_and_exit_codes() {
    let a = TestEngine::start().await;
    a.create_user("cli@example.com").await;
    a.wait_for_exchanges("", 1).await;
    let db = a.db_args();
    let b = TestEngine::start().await;
    let out = scimlab(
        &[
            "replay", "--target", &b.base, "--token", &b.key, "--rate", "0", "--json",
        ],
        &db,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["outcome"], "passed");
    assert!(report["steps"][0]["exchangeId"].as_i64().is_some());
    // Replaying the same create again: the target answers 409 where ScimLab said 201.
    let again = scimlab(
        &[
            "replay", "--target", &b.base, "--token", &b.key, "--rate", "0",
        ],
        &db,
    )
    .await;
    assert_eq!(again.status.code(), Some(1));
    let table = String::from_utf8_lossy(&again.stdout);
    assert!(table.contains("FAIL"), "{table}");
    assert!(table.contains("replay failed"), "{table}");
    // Nothing matches: exit 2 with the reason.
    let none = scimlab(
        &[
            "replay", "--target", &b.base, "--token", &b.key, "--idp", "okta",
        ],
        &db,
    )
    .await;
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("nothing to replay"));
}
