//! Fault rules on a real engine: every action (status with `Retry-After`, `delayMs`, `drop`,
//! `afterWrite`, `strict`) and budget (`times`, `every`, seeded `probability`, `enabled`), the
//! match fields, the rules file at start, the admin API with its events and storage, the
//! exchange's fault mark and the IdP's reaction, and the simulator against a misbehaving app.

use reqwest::StatusCode;
use scimlab_engine::simulate::{self, Scenario, SimOptions, Verdict};
use scimlab_tests::{TestEngine, WAIT};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "active": true})
}

/// An engine whose only rules are `rules` (added through the admin API, in order).
async fn with_rules(rules: &[Value]) -> TestEngine {
    let e = TestEngine::start().await;
    for rule in rules {
        let r = e.admin_json("POST", "/api/faults", rule).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
    e
}

async fn rules(e: &TestEngine) -> Vec<Value> {
    let r = e.admin_get("/api/faults").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["rules"].as_array().cloned().unwrap_or_default()
}

/// Whether a user with this userName is stored.
async fn stored(e: &TestEngine, name: &str) -> bool {
    let r = e
        .get(&format!("/Users?filter=userName%20eq%20%22{name}%22"))
        .await;
    r.body["totalResults"] == 1
}

/// The literal rules file of the issue.
const RULES_FILE: &str = r#"[
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

#[tokio::test]
async fn the_rules_file_is_loaded_at_start_and_a_bad_one_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.json");
    std::fs::write(&file, RULES_FILE).unwrap();
    let e = TestEngine::start_with(|c| c.faults_file = Some(file.clone())).await;
    let listed = rules(&e).await;
    let names: Vec<&str> = listed.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["throttle", "escrow", "after-write", "slow", "drop"]);
    assert_eq!(listed[3]["enabled"], false);
    assert_eq!(listed[0]["action"]["retryAfter"], 1);
    // The file's first rule answers the first matching create, once.
    let r = e.post("/Users", &user("thr-1@example.com")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    assert_eq!(r.header("retry-after"), "1");
    let r = e.post("/Users", &user("thr-2@example.com")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    // The rules are stored: a restart without the file keeps them.
    let dir2 = e.stop().await;
    let again = TestEngine::start_in(dir2, |_| {}).await;
    assert_eq!(rules(&again).await.len(), 5);

    // A bad file refuses the start and names the rule and the field.
    std::fs::write(
        &file,
        r#"[{"name": "x", "match": {}, "action": {"status": 200}}]"#,
    )
    .unwrap();
    let mut config = scimlab_engine::EngineConfig::new(dir.path().join("bad.db"));
    config.scim_addr = "127.0.0.1:0".parse().unwrap();
    config.admin_addr = "127.0.0.1:0".parse().unwrap();
    config.faults_file = Some(file.clone());
    let err = scimlab_engine::Engine::start(config)
        .await
        .err()
        .expect("a bad rules file stops the start")
        .to_string();
    assert!(err.contains("rules.json"), "{err}");
    assert!(err.contains("action.status"), "{err}");
    std::fs::write(
        &file,
        r#"[{"name": "x", "mtach": {}, "action": {"drop": true}}]"#,
    )
    .unwrap();
    let mut config = scimlab_engine::EngineConfig::new(dir.path().join("bad2.db"));
    config.scim_addr = "127.0.0.1:0".parse().unwrap();
    config.admin_addr = "127.0.0.1:0".parse().unwrap();
    config.faults_file = Some(file);
    let err = scimlab_engine::Engine::start(config)
        .await
        .err()
        .expect("an unknown field stops the start")
        .to_string();
    assert!(err.contains("mtach"), "{err}");
}

#[tokio::test]
async fn a_status_fault_answers_a_scim_error_and_writes_nothing() {
    let e = with_rules(&[json!({
        "name": "throttle", "match": {"operation": "create", "userName": "thr-*"},
        "action": {"status": 429, "retryAfter": 2, "detail": "slow down"}, "times": 2
    })])
    .await;
    for _ in 0..2 {
        let r = e.post("/Users", &user("thr-1@example.com")).await;
        scimlab_tests::assert_scim_error!(r, 429);
        assert_eq!(r.header("retry-after"), "2");
        assert_eq!(r.body["detail"], "slow down");
    }
    assert!(!stored(&e, "thr-1@example.com").await);
    // `times: 2` spent: the third is served.
    let r = e.post("/Users", &user("thr-1@example.com")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    // A create that does not match is never counted.
    assert_eq!(
        e.post("/Users", &user("other@example.com")).await.status,
        StatusCode::CREATED
    );
    let listed = rules(&e).await;
    assert_eq!(
        (listed[0]["hits"].clone(), listed[0]["matches"].clone()),
        (json!(2), json!(3))
    );
    // The exchange is marked with the rule, names the user, and is diagnosed as rehearsed.
    let items = e.wait_for_exchanges("status=4xx", 2).await;
    let mark = &items[0]["fault"];
    assert_eq!(mark["ruleName"], "throttle");
    assert_eq!(mark["retryAfter"], 2);
    assert_eq!(items[0]["resourceName"], "thr-1@example.com");
    let id = items[0]["id"].as_i64().unwrap();
    let detail = e.admin_get(&format!("/api/exchanges/{id}")).await;
    assert_eq!(detail.body["diagnosis"]["cause"], "rehearsed", "{detail:?}");
    assert!(
        detail.body["reaction"]["sentence"].is_string(),
        "{detail:?}"
    );
}

#[tokio::test]
async fn after_write_commits_then_fails_and_the_retry_gets_409() {
    let e = with_rules(&[json!({
        "name": "created-but-500", "match": {"operation": "create"},
        "action": {"status": 500, "afterWrite": true}, "times": 1
    })])
    .await;
    let r = e.post("/Users", &user("escrow@example.com")).await;
    scimlab_tests::assert_scim_error!(r, 500);
    // The write happened although the answer said it failed…
    assert!(stored(&e, "escrow@example.com").await);
    // …so the IdP's retry of the create collides with it.
    let retry = e.post("/Users", &user("escrow@example.com")).await;
    scimlab_tests::assert_scim_error!(retry, 409, "uniqueness");
    let items = e.wait_for_exchanges("method=POST", 2).await;
    let faulted = &items[1];
    assert_eq!(
        faulted["status"], 500,
        "the exchange records the answer actually sent"
    );
    assert!(
        faulted["fault"]["did"]
            .as_str()
            .unwrap()
            .contains("after the app answered 201"),
        "{faulted}"
    );
    let id = faulted["id"].as_i64().unwrap();
    let detail = e.admin_get(&format!("/api/exchanges/{id}")).await;
    assert!(
        detail.body["after"].is_object(),
        "the write is on record: {detail:?}"
    );
    assert_eq!(faulted["resourceName"], "escrow@example.com");
}

#[tokio::test]
async fn after_write_on_a_request_the_app_refused_changes_nothing_and_spends_no_budget() {
    let e = TestEngine::start().await;
    e.create_user("taken@example.com").await;
    let rule = json!({"name": "aw", "match": {"operation": "create"},
        "action": {"status": 500, "afterWrite": true}, "times": 1});
    assert_eq!(e.admin_json("POST", "/api/faults", &rule).await.status, 201);
    // The app refuses the duplicate: its own 409 goes back, not a fake "written but 500".
    let dup = e.post("/Users", &user("taken@example.com")).await;
    scimlab_tests::assert_scim_error!(dup, 409, "uniqueness");
    let listed = rules(&e).await;
    assert_eq!(listed[0]["hits"], 0, "the budget is not spent: {listed:?}");
    let items = e.wait_for_exchanges("method=POST", 2).await;
    assert!(items[0]["fault"].is_null(), "{}", items[0]);
    // The next create that writes is the one answered 500.
    let next = e.post("/Users", &user("new@example.com")).await;
    scimlab_tests::assert_scim_error!(next, 500);
    assert_eq!(rules(&e).await[0]["hits"], 1);
    let items = e.wait_for_exchanges("method=POST", 3).await;
    assert_eq!(items[0]["fault"]["wrote"], true);
}

#[tokio::test]
async fn every_nth_and_a_seeded_probability_are_repeatable() {
    let e = with_rules(&[json!({
        "name": "every-2nd", "match": {"operation": "create"}, "action": {"status": 503}, "every": 2
    })])
    .await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        statuses.push(
            e.post("/Users", &user(&format!("n{i}@x")))
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(statuses, [201, 503, 201, 503]);

    let rule = json!({
        "name": "coin", "match": {"operation": "create"}, "action": {"status": 500},
        "probability": 0.5, "seed": 7
    });
    let mut runs = Vec::new();
    for _ in 0..2 {
        let e = with_rules(std::slice::from_ref(&rule)).await;
        let mut run = Vec::new();
        for i in 0..24 {
            run.push(
                e.post("/Users", &user(&format!("p{i}@x")))
                    .await
                    .status
                    .as_u16(),
            );
        }
        runs.push(run);
    }
    assert_eq!(runs[0], runs[1], "the same seed gives the same sequence");
    let failed = runs[0].iter().filter(|s| **s == 500).count();
    assert!((4..=20).contains(&failed), "about half fail: {:?}", runs[0]);
}

#[tokio::test]
async fn a_delay_waits_then_serves_and_a_disabled_rule_never_fires() {
    let e = with_rules(&[
        json!({"name": "off", "match": {}, "action": {"status": 500}, "enabled": false}),
        json!({"name": "slow", "match": {"method": "GET", "path": "/Users/*"}, "action": {"delayMs": 400}}),
    ])
    .await;
    let id = e.create_user("slow@example.com").await;
    let started = Instant::now();
    let r = e.get(&format!("/Users/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(400));
    // `*` does not cross `/`, and a list is not `/Users/*`.
    let started = Instant::now();
    assert_eq!(e.get("/Users").await.status, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(400));
    let listed = rules(&e).await;
    assert_eq!(listed[0]["matches"], 0, "a disabled rule counts nothing");
    assert_eq!(listed[1]["hits"], 1);
    // The newest GET is the list; the read by id is the one before.
    let items = e.wait_for_exchanges("method=GET", 2).await;
    assert!(items[0]["fault"].is_null());
    assert_eq!(items[1]["fault"]["ruleName"], "slow");
    assert!(items[1]["latencyMs"].as_f64().unwrap() >= 400.0);
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let e = with_rules(&[json!({
        "name": "drop", "match": {"operation": "create", "userName": "drop-*"}, "action": {"drop": true}
    })])
    .await;
    let sent = e
        .http
        .post(format!("{}/Users", e.base))
        .bearer_auth(&e.key)
        .header("content-type", "application/scim+json")
        .body(user("drop-1@example.com").to_string())
        .send()
        .await;
    assert!(sent.is_err(), "no answer expected, got {sent:?}");
    assert!(
        !stored(&e, "drop-1@example.com").await,
        "nothing was written"
    );
    let items = e.wait_for_exchanges("method=POST", 1).await;
    assert_eq!(items[0]["status"], 0, "recorded as no answer: {}", items[0]);
    assert_eq!(items[0]["operation"], "create");
    assert!(
        items[0]["fault"]["did"]
            .as_str()
            .unwrap()
            .contains("without an answer")
    );
    // The endpoint keeps serving others.
    e.create_user("kept@example.com").await;
}

#[tokio::test]
async fn strict_answers_one_request_as_strict_mode() {
    let e = with_rules(&[json!({
        "name": "strict-patch", "match": {"method": "PATCH", "userName": "strict-*"},
        "action": {"strict": true}
    })])
    .await;
    let a = e.create_user("strict-1@example.com").await;
    let b = e.create_user("tolerant-1@example.com").await;
    // Entra's capitalised op: tolerated, except where the rule applies strict mode.
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": "X"}]
    });
    let refused = e.patch(&format!("/Users/{a}"), &patch).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    assert_eq!(
        e.patch(&format!("/Users/{b}"), &patch).await.status,
        StatusCode::OK
    );
    let items = e.wait_for_exchanges("method=PATCH", 2).await;
    assert_eq!(items[1]["fault"]["ruleName"], "strict-patch");
    assert!(items[1]["refusedQuirk"].is_string(), "{}", items[1]);
}

#[tokio::test]
async fn names_come_from_the_body_the_stored_resource_or_the_filter() {
    let e = with_rules(&[
        json!({"name": "groups", "match": {"operation": "group-create", "displayName": "Fault*"},
               "action": {"status": 500}}),
        json!({"name": "reads", "match": {"operation": "read", "userName": "stored-*"},
               "action": {"status": 503, "retryAfter": 1}}),
        json!({"name": "lookups", "match": {"operation": "match-lookup", "userName": "LOOK-*"},
               "action": {"status": 500}}),
    ])
    .await;
    let group = |name: &str| json!({"schemas": [GROUP], "displayName": name});
    assert_eq!(
        e.post("/Groups", &group("Faulty team"))
            .await
            .status
            .as_u16(),
        500
    );
    assert_eq!(
        e.post("/Groups", &group("Other team"))
            .await
            .status
            .as_u16(),
        201
    );
    let hit = e.create_user("stored-1@example.com").await;
    let miss = e.create_user("free-1@example.com").await;
    assert_eq!(e.get(&format!("/Users/{hit}")).await.status.as_u16(), 503);
    assert_eq!(e.get(&format!("/Users/{miss}")).await.status.as_u16(), 200);
    // Case-insensitive, from the lookup's filter.
    let lookup = e
        .get("/Users?filter=userName%20eq%20%22look-9%40example.com%22")
        .await;
    assert_eq!(lookup.status.as_u16(), 500);
}

#[tokio::test]
async fn the_api_validates_stores_and_publishes_every_change() {
    let e = TestEngine::start().await;
    let mut events = e.admin_events().await;
    // Refused: nothing changes, the message names the field and the fix.
    let bad = e
        .admin_json(
            "POST",
            "/api/faults",
            &json!({"name": "x", "match": {}, "action": {"status": 200}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{bad:?}");
    assert!(bad.text.contains("action.status"), "{}", bad.text);
    let unknown = e
        .admin_json(
            "POST",
            "/api/faults",
            &json!({"name": "x", "match": {"colour": "red"}, "action": {"drop": true}}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.text.contains("colour"), "{}", unknown.text);
    assert!(rules(&e).await.is_empty());

    let created = e
        .admin_json(
            "POST",
            "/api/faults",
            &json!({"name": "dup", "match": {"operation": "create"},
                    "action": {"status": 409, "scimType": "uniqueness"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_u64().unwrap();
    let changed = loop {
        let ev = events.next_event(WAIT).await.expect("faults.changed");
        if ev.event == "faults.changed" {
            break ev;
        }
    };
    assert_eq!(changed.data["rules"][0]["name"], "dup");
    let taken = e
        .admin_json(
            "POST",
            "/api/faults",
            &json!({"name": "DUP", "match": {}, "action": {"drop": true}}),
        )
        .await;
    assert_eq!(
        taken.status,
        StatusCode::BAD_REQUEST,
        "names are unique: {taken:?}"
    );

    let r = e.post("/Users", &user("a@example.com")).await;
    scimlab_tests::assert_scim_error!(r, 409, "uniqueness");
    // Disabled: served again, counters kept.
    let off = e
        .admin_json(
            "PATCH",
            &format!("/api/faults/{id}"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{off:?}");
    assert_eq!(off.body["hits"], 1);
    assert_eq!(
        e.post("/Users", &user("a@example.com"))
            .await
            .status
            .as_u16(),
        201
    );
    // Replaced: new action, counters start again.
    let put = e
        .admin_json(
            "PUT",
            &format!("/api/faults/{id}"),
            &json!({"name": "dup", "match": {"operation": "create"}, "action": {"status": 500}}),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{put:?}");
    assert_eq!(put.body["hits"], 0);
    assert_eq!(
        e.post("/Users", &user("b@example.com"))
            .await
            .status
            .as_u16(),
        500
    );
    // Stored: a restart keeps the rule.
    let dir = e.stop().await;
    let e = TestEngine::start_in(dir, |_| {}).await;
    assert_eq!(rules(&e).await[0]["action"]["status"], 500);
    let id = rules(&e).await[0]["id"].as_u64().unwrap();
    assert_eq!(
        e.admin_send("DELETE", &format!("/api/faults/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        e.admin_send("DELETE", &format!("/api/faults/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(rules(&e).await.is_empty());
    let presets = e.admin_get("/api/faults").await.body["presets"].clone();
    assert_eq!(presets.as_array().map(Vec::len), Some(6));
}

#[tokio::test]
async fn the_detail_says_what_the_client_did_after_the_fault() {
    let e = with_rules(&[json!({
        "name": "once", "match": {"operation": "create"}, "action": {"status": 500}, "times": 1
    })])
    .await;
    assert_eq!(
        e.post("/Users", &user("retry@example.com"))
            .await
            .status
            .as_u16(),
        500
    );
    // The client looks the user up, finds nothing, and creates again.
    let lookup = e
        .get("/Users?filter=userName%20eq%20%22retry%40example.com%22")
        .await;
    assert_eq!(lookup.body["totalResults"], 0);
    let user_id = e.create_user("retry@example.com").await;
    let items = e.wait_for_exchanges("", 3).await;
    // The user's timeline starts with the refused attempt (found by name) and what the client
    // did next.
    let page = e.admin_get(&format!("/api/users/{user_id}")).await;
    let timeline = page.body["timeline"].as_array().unwrap();
    assert_eq!(
        timeline[0]["exchange"]["fault"]["ruleName"], "once",
        "{timeline:?}"
    );
    assert_eq!(timeline[0]["reaction"]["kind"], "looked-up-then-retried");
    assert!(timeline.last().unwrap()["reaction"].is_null());
    let faulted = items.iter().find(|i| !i["fault"].is_null()).unwrap();
    let id = faulted["id"].as_i64().unwrap();
    let detail = e.admin_get(&format!("/api/exchanges/{id}")).await;
    let reaction = &detail.body["reaction"];
    assert_eq!(reaction["kind"], "looked-up-then-retried", "{reaction}");
    assert!(
        reaction["sentence"].as_str().unwrap().contains("201"),
        "{reaction}"
    );
    // An exchange no rule answered has no reaction.
    let plain = items.iter().find(|i| i["fault"].is_null()).unwrap();
    let detail = e
        .admin_get(&format!("/api/exchanges/{}", plain["id"]))
        .await;
    assert!(detail.body["reaction"].is_null());
}

fn sim_options(scenario: Scenario, users: usize) -> SimOptions {
    let mut o = SimOptions::new(scenario);
    o.users = users;
    o.seed = 7;
    o.rate = 0.0;
    o
}

async fn simulate_against(e: &TestEngine, o: &SimOptions) -> simulate::SimulationReport {
    let target = simulate::target(&e.base, &e.key).unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    simulate::run(o, target, rx, &mut |_, _| {}).await.unwrap()
}

#[tokio::test]
async fn the_simulator_honours_a_throttled_app_and_reports_escrow_failures_exactly() {
    let throttled = with_rules(&[json!({
        "name": "throttle", "match": {"operation": "create"},
        "action": {"status": 429, "retryAfter": 1}, "times": 2
    })])
    .await;
    let r = simulate_against(&throttled, &sim_options(Scenario::Okta, 4)).await;
    assert!(
        r.all_passed(),
        "the simulator waits as Retry-After asks and every step passes: {:?}",
        r.steps
            .iter()
            .filter(|s| s.verdict != Verdict::Pass)
            .collect::<Vec<_>>()
    );
    assert_eq!(rules(&throttled).await[0]["hits"], 2);

    let escrow = with_rules(&[json!({
        "name": "escrow", "match": {"idp": "entra", "operation": "create"},
        "action": {"status": 500, "detail": "rehearsed failure"}, "times": 3
    })])
    .await;
    let r = simulate_against(&escrow, &sim_options(Scenario::Entra, 6)).await;
    let failed: Vec<_> = r
        .steps
        .iter()
        .filter(|s| s.verdict == Verdict::Fail)
        .collect();
    assert_eq!(
        failed.len(),
        3,
        "exactly the three faulted creates: {failed:?}"
    );
    assert!(
        failed
            .iter()
            .all(|s| s.status == Some(500) && s.name.starts_with("create ")),
        "{failed:?}"
    );
    assert_eq!(rules(&escrow).await[0]["hits"], 3);
}
