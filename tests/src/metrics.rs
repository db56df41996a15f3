//! `GET /metrics` on the admin listener (issue 17, operations): SCIM requests by outcome and
//! their latency per workspace, the capture queue, stored exchanges and the database, in
//! Prometheus' text format, behind the admin token. Counts are compared before and after the
//! requests this test sends, so they are exact.

use scimlab_tests::{Reply, TestEngine, fetch};
use serde_json::json;

/// The value of the series `name{labels}` (labels exactly as rendered), or `None`.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(e: &TestEngine) -> String {
    let r = e.admin_get("/metrics").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    r.text
}

fn requests(text: &str, workspace: &str, outcome: &str) -> f64 {
    value(
        text,
        &format!("scimlab_scim_requests_total{{workspace=\"{workspace}\",outcome=\"{outcome}\"}}"),
    )
    .unwrap_or_else(|| panic!("no {workspace}/{outcome} in\n{text}"))
}

#[tokio::test]
async fn metrics_count_each_workspaces_requests_by_outcome_behind_the_admin_token() {
    let e = TestEngine::start().await;
    let created = e
        .admin_json("POST", "/api/workspaces", &json!({"name": "Acme"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let acme_tenant = created.body["tenantUrl"].as_str().unwrap().to_owned();
    let revealed = e
        .admin_send("POST", "/api/workspaces/acme/endpoint/reveal")
        .await;
    let acme_key = revealed.body["key"].as_str().unwrap().to_owned();

    // Without the token: refused like every admin route.
    let anonymous = e.admin_raw("GET", "/metrics", &[]).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);

    let before = scrape(&e).await;
    e.create_user("ada@example.com").await;
    assert_eq!(e.get("/Users/no-such-id").await.status, 404);
    let wrong: Reply = e
        .send_raw("GET", "/Users", None, &[("authorization", "Bearer wrong")])
        .await;
    assert_eq!(wrong.status, 401);
    let acme_create = fetch(
        &e.http,
        "POST",
        &format!("{acme_tenant}/Users"),
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "grace@example.com"})
                .to_string(),
        ),
        &[
            ("authorization", &format!("Bearer {acme_key}")),
            ("content-type", "application/scim+json"),
        ],
    )
    .await;
    assert_eq!(acme_create.status, 201, "{}", acme_create.text);
    e.wait_for_exchanges("", 3).await;
    let after = scrape(&e).await;

    let delta =
        |ws: &str, outcome: &str| requests(&after, ws, outcome) - requests(&before, ws, outcome);
    assert_eq!(delta("default", "2xx"), 1.0);
    assert_eq!(delta("default", "4xx"), 1.0);
    assert_eq!(delta("default", "rejected"), 1.0);
    assert_eq!(delta("default", "5xx"), 0.0);
    assert_eq!(delta("acme", "2xx"), 1.0);
    assert_eq!(delta("acme", "rejected"), 0.0);

    // The histogram times the answered requests (not the rejected one), cumulatively.
    let count = |text: &str| {
        value(
            text,
            "scimlab_scim_request_duration_seconds_count{workspace=\"default\"}",
        )
        .unwrap()
    };
    assert_eq!(count(&after) - count(&before), 2.0);
    let inf = value(
        &after,
        "scimlab_scim_request_duration_seconds_bucket{workspace=\"default\",le=\"+Inf\"}",
    )
    .unwrap();
    assert_eq!(inf, count(&after));
    let fast = value(
        &after,
        "scimlab_scim_request_duration_seconds_bucket{workspace=\"default\",le=\"0.001\"}",
    )
    .unwrap();
    assert!(fast <= inf);

    // What the database holds, as the admin API counts it.
    let health = e.admin_get("/api/health").await;
    assert_eq!(
        value(&after, "scimlab_exchanges_stored{workspace=\"default\"}"),
        health.body["exchanges"].as_f64()
    );
    assert_eq!(
        value(&after, "scimlab_database_up{workspace=\"acme\"}"),
        Some(1.0)
    );
    assert!(value(&after, "scimlab_capture_queue{workspace=\"default\"}").is_some());
    // Process-wide (other tests in this process may add to it): present, a number.
    assert!(
        value(
            &after,
            "scimlab_database_errors_total{listener=\"scim\",kind=\"failure\"}"
        )
        .is_some()
    );
    assert!(after.contains("# TYPE scimlab_scim_request_duration_seconds histogram"));
}
