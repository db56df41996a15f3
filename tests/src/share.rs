//! Screen-share truth (issue 12), end to end over HTTP: each exchange records what the key had to
//! do with its answer, every failure carries a diagnosis written for its cause (a wrong base path
//! with a good key blames the URL, never the key), strict-mode refusals fail the checklist, the
//! user list is searched and counted by the engine, and the timeline finds the IdP's cycles.

use scimlab_engine::simulate::{self, Scenario, Setup, SimOptions};
use scimlab_tests::TestEngine;
use serde_json::{Value, json};
use tokio::sync::watch;

const ENTRA_UA: &str = "Azure-AD-SCIM/1.0";

/// The newest exchange's detail (`GET /api/exchanges/{id}`) once `n` exchanges exist.
async fn newest_detail(e: &TestEngine, n: usize) -> Value {
    let items = e.wait_for_exchanges("", n).await;
    let id = items[0]["id"].as_i64().unwrap();
    e.admin_get(&format!("/api/exchanges/{id}")).await.body
}

#[tokio::test]
async fn a_wrong_base_path_with_the_good_key_blames_the_url_not_the_key() {
    let e = TestEngine::start().await;
    let root = e.base.trim_end_matches("/scim/v2").to_owned();
    let good = format!("Bearer {}", e.key);
    let r = e
        .http
        .get(format!("{root}/scim/Users?filter=userName%20eq%20%22x%22"))
        .header("authorization", &good)
        .header("user-agent", ENTRA_UA)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("must end in /scim/v2 — yours ends in /scim"),
        "{body}"
    );
    let d = newest_detail(&e, 1).await;
    assert_eq!(d["auth"]["outcome"], "matched", "{d}");
    assert_eq!(d["diagnosis"]["cause"], "wrong-base-path", "{d}");
    assert_eq!(
        d["diagnosis"]["title"],
        "the tenant URL must end in /scim/v2 — yours ends in /scim"
    );
    assert!(
        d["diagnosis"]["fix"]
            .as_str()
            .unwrap()
            .contains("Tenant URL")
    );
    assert!(!d["diagnosis"]["fix"].as_str().unwrap().contains("key"));

    // The same path without a key: the route refused it before the key mattered.
    let r = e
        .http
        .get(format!("{root}/scim/Users"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let d = newest_detail(&e, 2).await;
    assert_eq!(d["auth"]["outcome"], "not-checked", "{d}");
    assert_eq!(d["diagnosis"]["cause"], "wrong-base-path", "{d}");

    // The right path without the header: the header is blamed, not the key's value.
    let r = e
        .http
        .get(format!("{}/Users", e.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let d = newest_detail(&e, 3).await;
    assert_eq!(d["auth"]["outcome"], "missing-header", "{d}");
    assert_eq!(d["diagnosis"]["cause"], "missing-header");
    assert!(
        !d["diagnosis"]["fix"]
            .as_str()
            .unwrap()
            .contains("copy the key again")
    );
    // A wrong key is the key's fault.
    let r = e
        .http
        .get(format!("{}/Users", e.base))
        .header("authorization", "Bearer not-the-key-0123456789abcd")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let d = newest_detail(&e, 4).await;
    assert_eq!(d["auth"]["outcome"], "wrong-key", "{d}");
    assert!(d["diagnosis"]["title"].as_str().unwrap().contains("…abcd"));
    // A success has no diagnosis.
    e.get("/Users").await;
    let d = newest_detail(&e, 5).await;
    assert_eq!(d["status"], 200);
    assert!(d["diagnosis"].is_null(), "{d}");
}

#[tokio::test]
async fn strict_refusals_fail_the_checklist_and_name_the_quirk() {
    let e = TestEngine::strict().await;
    // Okta configured as the guide says sends "name" as a string: strict mode refuses it.
    let mut o = SimOptions::new(Scenario::Okta);
    o.setup = Some(Setup::Guide);
    o.users = 4;
    o.seed = 3;
    o.rate = 0.0;
    let target = simulate::target(&e.base, &e.key).unwrap();
    let (_tx, rx) = watch::channel(false);
    let _ = simulate::run(&o, target, rx, &mut |_, _| {}).await;
    let refused = e.wait_for_exchanges("status=4xx&operation=create", 4).await;
    assert_eq!(
        refused[0]["refusedQuirk"], "okta.string-name",
        "{refused:?}"
    );
    let checklist = e.admin_get("/api/checklist?idp=okta").await.body;
    let item = checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "answers.ok")
        .cloned()
        .unwrap();
    assert_eq!(item["status"], "fail", "{item}");
    let summary = item["summary"].as_str().unwrap();
    assert!(summary.contains("creates failed"), "{summary}");
    assert!(summary.contains("okta.string-name"), "{summary}");
    assert!(!item["evidence"].as_array().unwrap().is_empty());
    let id = refused[0]["id"].as_i64().unwrap();
    let d = e.admin_get(&format!("/api/exchanges/{id}")).await.body;
    assert_eq!(d["diagnosis"]["cause"], "strict-refused", "{d}");
    assert_eq!(d["diagnosis"]["quirk"], "okta.string-name");
    assert_eq!(d["diagnosis"]["scimType"], "invalidValue");
}

#[tokio::test]
async fn users_are_searched_filtered_sorted_and_counted_by_the_engine() {
    let e = TestEngine::start().await;
    for i in 0..30 {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("bulk{i:02}@example.com"), "active": i % 3 != 0,
            "displayName": format!("Bulk {}", 30 - i)});
        assert_eq!(e.post("/Users", &body).await.status, 201);
    }
    let okta = e
        .send_raw(
            "POST",
            "/Users",
            Some(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "annie.easley@okta.example", "emails": [{"value": "annie@okta.example"}]})
                .to_string(),
            ),
            &[
                ("authorization", &format!("Bearer {}", e.key)),
                ("user-agent", "Okta SCIM Client 1.0.0"),
                ("content-type", "application/scim+json"),
            ],
        )
        .await;
    assert_eq!(okta.status, 201);
    // The IdP of a user comes from the capture log, written off the request path.
    e.wait_for_exchanges("", 31).await;
    // The oldest user is outside a first page of 5, yet the search finds it.
    let page = e.admin_get("/api/users?count=5").await.body;
    assert_eq!(page["totalResults"], 31);
    assert_eq!(page["resources"].as_array().unwrap().len(), 5);
    let found = e.admin_get("/api/users?count=5&q=BULK00").await.body;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["resources"][0]["userName"], "bulk00@example.com");
    // Text in an email; the IdP that created each user.
    let by_mail = e.admin_get("/api/users?q=annie%40okta").await.body;
    assert_eq!(by_mail["totalResults"], 1);
    assert_eq!(by_mail["idps"][0], "okta");
    let only_okta = e.admin_get("/api/users?idp=okta").await.body;
    assert_eq!(only_okta["totalResults"], 1);
    let others = e.admin_get("/api/users?idp=other").await.body;
    assert_eq!(others["totalResults"], 30);
    // Active: stored booleans; a user without `active` counts as active.
    let inactive = e.admin_get("/api/users?active=false").await.body;
    assert_eq!(inactive["totalResults"], 10);
    let active = e.admin_get("/api/users?active=true").await.body;
    assert_eq!(active["totalResults"], 21);
    // Sorted by userName A→Z by default, by display name descending when asked.
    let sorted = e.admin_get("/api/users?sort=userName&count=2").await.body;
    assert_eq!(
        sorted["resources"][0]["userName"],
        "annie.easley@okta.example"
    );
    let by_display = e
        .admin_get("/api/users?sort=displayName&order=descending&count=1")
        .await
        .body;
    assert_eq!(by_display["resources"][0]["displayName"], "Bulk 9");
    // Bad parameters say what to send.
    let bad = e.admin_get("/api/users?sort=role").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"].as_str().unwrap().contains("userName"));
    let bad = e.admin_get("/api/users?idp=azure").await;
    assert_eq!(bad.status, 400);

    // The exchange list carries the true total on its first page.
    let ex = e.admin_get("/api/exchanges?limit=2").await.body;
    assert_eq!(ex["total"], 31, "{ex}");
    assert_eq!(ex["requests"], 31);
    let next = ex["nextBefore"].as_i64().unwrap();
    let older = e
        .admin_get(&format!("/api/exchanges?limit=2&before={next}"))
        .await
        .body;
    assert!(older["total"].is_null());
    let filtered = e.admin_get("/api/exchanges?limit=1&idp=okta").await.body;
    assert_eq!(filtered["total"], 1);
}

#[tokio::test]
async fn the_timeline_finds_an_entra_cycle_and_summarises_it() {
    let e = TestEngine::start().await;
    let empty = e.admin_get("/api/timeline").await.body;
    assert_eq!(empty["buckets"].as_array().unwrap().len(), 0);
    let mut o = SimOptions::new(Scenario::Entra);
    o.setup = Some(Setup::Guide);
    o.users = 5;
    o.seed = 2;
    o.rate = 0.0;
    let target = simulate::target(&e.base, &e.key).unwrap();
    let (_tx, rx) = watch::channel(false);
    simulate::run(&o, target, rx, &mut |_, _| {}).await.unwrap();
    let n = e.wait_for_exchanges("", 10).await.len();
    let t = e.admin_get("/api/timeline").await.body;
    let cycles = t["cycles"].as_array().unwrap();
    assert!(!cycles.is_empty(), "{t}");
    let cycle = cycles
        .iter()
        .find(|c| c["kind"] == "cycle")
        .unwrap_or_else(|| panic!("no entra cycle: {t}"));
    assert_eq!(cycle["idp"], "entra");
    let summary = cycle["summary"].as_str().unwrap();
    assert!(summary.contains("5 creates"), "{summary}");
    let total: u64 = t["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["ok"].as_u64().unwrap() + b["clientError"].as_u64().unwrap())
        .sum();
    assert!(total >= n as u64, "{total} < {n}");
}

#[tokio::test]
async fn the_profile_editor_checks_paths_and_suggests_seen_attributes() {
    let e = TestEngine::start().await;
    let r = e
        .admin_json(
            "POST",
            "/api/profiles/check",
            &json!({"sources": ["emails[type eq \"work\"].value", "emails[type eq", ""]}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let checks = r.body.as_array().unwrap();
    assert!(checks[0]["error"].is_null(), "{r:?}");
    assert!(checks[1]["error"].is_string(), "{r:?}");
    assert!(checks[2]["error"].is_string(), "{r:?}");
    e.post(
        "/Users",
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@b.c",
            "emails": [{"type": "work", "value": "a@b.c"}], "employeeType": "Admin"}),
    )
    .await;
    let seen = e.admin_get("/api/attributes").await.body;
    assert_eq!(seen["users"], 1);
    let paths: Vec<&str> = seen["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"employeeType"), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("emails")), "{paths:?}");
}
