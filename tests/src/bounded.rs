//! Expensive authenticated requests are bounded (issue 11 §5): a scan no index answers stops at
//! its time budget with `503` + `Retry-After`, walks the table in pages without losing or
//! repeating a row, long `attributes=` lists and oversized PATCHes are refused naming the cap,
//! and a busy store answers `503` + `Retry-After` instead of `500` or a hang.

use scimlab_scim::limits::{
    MAX_ATTRIBUTE_PATHS, MAX_FILTERED_PATCH_OPERATIONS, MAX_PATCH_OPERATIONS,
};
use scimlab_tests::{Reply, TestEngine, assert_scim_error};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn user(i: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("u{i:04}@bounded.example"),
        "displayName": format!("Person {i:04}"),
        "emails": [{"type": "work", "value": format!("p{:04}@bounded.example", 9999 - i), "primary": true}],
    })
}

/// Create `n` users with 4 concurrent clients; their ids in creation order of `i`.
async fn seed(e: &Arc<TestEngine>, n: usize) {
    let mut tasks = Vec::new();
    for w in 0..4 {
        let e = e.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < n {
                let r = e.post("/Users", &user(i)).await;
                assert_eq!(r.status, 201, "{}", r.text);
                i += 4;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn user_names(r: &Reply) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {r:?}"))
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_busy(r: &Reply, detail_has: &str) {
    assert_scim_error!(r, 503);
    let retry: u64 = r
        .header("retry-after")
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After in seconds: {r:?}"));
    assert!(retry >= 1, "{r:?}");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains(detail_has), "{detail}");
}

#[tokio::test]
async fn a_scan_over_its_budget_is_503_with_retry_after_and_indexed_lookups_are_not_limited() {
    let e = TestEngine::start_with(|c| c.scan_budget = Duration::ZERO).await;
    let id = e.create_user("ada@bounded.example").await;

    for path in [
        "/Users?filter=displayName%20co%20%22x%22",
        "/Users?filter=userName%20eq%20%22a%22%20or%20userName%20eq%20%22b%22",
        "/Users?sortBy=emails.value",
        "/Groups?filter=members%20pr",
    ] {
        let r = e.get(path).await;
        assert_busy(&r, "0 ms budget");
        let detail = r.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("filter with eq on id, externalId or"),
            "says what to send instead: {detail}"
        );
    }
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": "userName co \"ada\""});
    assert_busy(&e.post("/Users/.search", &search).await, "budget");
    assert_busy(&e.post("/.search", &search).await, "budget");

    // What IdPs send is answered by an index: no budget applies.
    for path in [
        "/Users?filter=userName%20eq%20%22ADA@bounded.example%22".to_owned(),
        format!("/Users?filter=id%20eq%20%22{id}%22%20and%20displayName%20co%20%22x%22"),
        "/Users?filter=externalId%20eq%20%22none%22".to_owned(),
        "/Users?startIndex=1&count=10".to_owned(),
        "/Users?sortBy=userName&sortOrder=descending".to_owned(),
    ] {
        let r = e.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {r:?}");
    }
    let r = e
        .get("/Users?filter=userName%20eq%20%22ada@bounded.example%22")
        .await;
    assert_eq!(r.body["totalResults"], 1);
}

#[tokio::test]
async fn a_scan_walks_every_page_once_in_order_within_the_default_budget() {
    // 1 203 users: the scan reads them in pages of 500, so windows and totals cross pages.
    let e = Arc::new(TestEngine::start().await);
    let n = 1203;
    seed(&e, n).await;

    let all = e
        .get("/Users?filter=displayName%20co%20%22Person%22&count=1000")
        .await;
    assert_eq!(all.status, 200, "{all:?}");
    assert_eq!(all.body["totalResults"], n);
    assert_eq!(all.body["itemsPerPage"], 1000);
    let mut seen = user_names(&all);
    let rest = e
        .get("/Users?filter=displayName%20co%20%22Person%22&startIndex=1001&count=1000")
        .await;
    seen.extend(user_names(&rest));
    assert_eq!(seen.len(), n);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), n, "no user twice, none left out");

    // A window across the 500-row page boundary, in creation order (the same as the SQL path).
    let scanned = e
        .get("/Users?filter=displayName%20co%20%22Person%22&startIndex=498&count=6")
        .await;
    let paged = e.get("/Users?startIndex=498&count=6").await;
    assert_eq!(user_names(&scanned), user_names(&paged));

    // Matches counted past the window: "Person 1xxx" are the last 203 users.
    let r = e
        .get("/Users?filter=displayName%20co%20%22Person%201%22&count=0")
        .await;
    assert_eq!(r.body["totalResults"], 203);
    assert_eq!(r.body["Resources"], json!([]));

    // Sorted scans keep only keys while scanning, then read the page: emails sort descending
    // as userName ascending (see `user`).
    let sorted = e
        .get("/Users?filter=displayName%20co%20%22Person%22&sortBy=emails.value&sortOrder=descending&startIndex=499&count=4")
        .await;
    assert_eq!(
        user_names(&sorted),
        (498..502)
            .map(|i| format!("u{i:04}@bounded.example"))
            .collect::<Vec<_>>()
    );
    assert_eq!(sorted.body["totalResults"], n);

    // The root search runs the same bounded path over Users and Groups.
    let root = e
        .post(
            "/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "displayName co \"Person 120\"", "count": 10}),
        )
        .await;
    assert_eq!(root.status, 200, "{root:?}");
    assert_eq!(root.body["totalResults"], 3);

    // And the whole scan answers well within its default budget here.
    let t = Instant::now();
    let r = e
        .get("/Users?filter=emails.value%20ew%20%22.example%22&count=1")
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
}

#[tokio::test]
async fn attribute_lists_over_the_cap_are_400_naming_it() {
    let e = TestEngine::start().await;
    let id = e.create_user("ada@bounded.example").await;
    let at_cap = vec!["userName"; MAX_ATTRIBUTE_PATHS].join(",");
    let over = format!("{at_cap},displayName");

    let r = e.get(&format!("/Users?attributes={at_cap}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    for path in [
        format!("/Users?attributes={over}"),
        format!("/Users?excludedAttributes={over}"),
        format!("/Users/{id}?attributes={over}"),
        format!("/Groups?excludedAttributes={over}"),
    ] {
        let r = e.get(&path).await;
        assert_scim_error!(r, 400, "invalidValue");
        let detail = r.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("101 attribute paths") && detail.contains("the 100 ScimLab accepts"),
            "{detail}"
        );
    }
    let names: Vec<&str> = vec!["userName"; MAX_ATTRIBUTE_PATHS + 1];
    let r = e
        .post(
            "/Users/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "attributes": names}),
        )
        .await;
    assert_scim_error!(r, 400, "invalidValue");
}

#[tokio::test]
async fn patches_over_the_caps_are_400_naming_them_and_write_nothing() {
    let e = TestEngine::start().await;
    let id = e.create_user("ada@bounded.example").await;
    let before = e.get(&format!("/Users/{id}")).await;

    let op = json!({"op": "replace", "path": "title", "value": "x"});
    let many = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                      "Operations": vec![op; MAX_PATCH_OPERATIONS + 1]});
    let r = e.patch(&format!("/Users/{id}"), &many).await;
    assert_scim_error!(r, 400, "invalidValue");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("1001 operations, more than the 1000")
    );

    let f = json!({"op": "remove", "path": "emails[type eq \"work\"]"});
    let filtered = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations": vec![f; MAX_FILTERED_PATCH_OPERATIONS + 1]});
    let r = e.patch(&format!("/Users/{id}"), &filtered).await;
    assert_scim_error!(r, 400, "invalidValue");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("with a filter in their path")
    );

    let after = e.get(&format!("/Users/{id}")).await;
    assert_eq!(
        before.body["meta"]["version"],
        after.body["meta"]["version"]
    );
}

#[tokio::test]
async fn a_busy_store_is_503_with_retry_after_then_serves_again() {
    if scimlab_tests::sqlite_only(
        "holds the SQLite writer to make the store busy (PostgreSQL: postgres.rs stops the server instead)",
    ) {
        return;
    }
    let e = TestEngine::start().await;
    e.create_user("first@bounded.example").await;
    // Hold the single writer, as a long write would: a write queued behind it gives up after
    // the store's busy timeout with 503, while reads (WAL) go on.
    let held = e.engine().store.write().await.unwrap();
    let started = Instant::now();
    let second = user(1);
    let (write, read) = tokio::join!(e.post("/Users", &second), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t = Instant::now();
        let r = e
            .get("/Users?filter=userName%20eq%20%22first@bounded.example%22")
            .await;
        (r, t.elapsed())
    });
    assert_busy(&write, "the database is busy");
    let waited = started.elapsed();
    assert!(
        waited >= scimlab_engine::store::BUSY_TIMEOUT
            && waited < scimlab_engine::store::BUSY_TIMEOUT * 2,
        "{waited:?}"
    );
    assert_eq!(read.0.status, 200, "{:?}", read.0);
    assert!(
        read.1 < Duration::from_secs(1),
        "reads are not blocked: {:?}",
        read.1
    );
    drop(held);
    let r = e.post("/Users", &user(1)).await;
    assert_eq!(r.status, 201, "{r:?}");
}
