//! Capture, checked at the store: every exchange on the SCIM listener is recorded — rejected
//! ones too — redacted, classified, and none is lost on a clean shutdown.

use scimlab_engine::model::{Idp, OperationKind};
use scimlab_engine::store::prelude::*;
use scimlab_tests::TestEngine;
use scimlab_tests::flow::run_flow;
use serde_json::json;

#[tokio::test]
async fn a_clean_shutdown_loses_no_exchange() {
    let engine = TestEngine::start().await;
    for i in 0..300 {
        let r = engine
            .get(&format!("/Users?filter=userName%20eq%20%22n{i}%22"))
            .await;
        assert_eq!(r.status, 200);
    }
    let (all, _, _dir) = engine.stop_and_read().await;
    assert_eq!(
        all.len(),
        300,
        "every exchange written before the engine stopped"
    );
    let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
}

#[tokio::test]
async fn rejected_requests_are_recorded_with_what_went_wrong() {
    let engine = TestEngine::start_with(|c| c.body_limit = 1024).await;
    let wrong = engine
        .send_raw(
            "GET",
            "/Users",
            None,
            &[("authorization", "Bearer not-the-key-at-all-0000")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(engine.get("/Nope").await.status, 404);
    let auth = format!("Bearer {}", engine.key);
    let bad = engine
        .send_raw(
            "POST",
            "/Users",
            Some("{\"userName\": ".into()),
            &[("authorization", auth.as_str())],
        )
        .await;
    assert_eq!(bad.status, 400);
    let big = engine
        .send_raw(
            "POST",
            "/Users",
            Some(format!("{{\"userName\":\"{}\"}}", "x".repeat(5000))),
            &[("authorization", auth.as_str())],
        )
        .await;
    assert_eq!(big.status, 413);
    assert_eq!(engine.delete("/Users").await.status, 405);
    let (all, store, _dir) = engine.stop_and_read().await;
    let statuses: Vec<u16> = all.iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![401, 404, 400, 413, 405]);
    assert!(
        all.iter().all(|e| e.operation == OperationKind::Rejected),
        "{all:?}"
    );
    let mut conn = store.read().await.unwrap();
    let unauthorized = conn.exchange(all[0].id).await.unwrap().unwrap();
    assert!(!unauthorized.auth.matched);
    assert_eq!(unauthorized.auth.last4.as_deref(), Some("0000"));
    let auth_header = unauthorized
        .request_headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap();
    assert!(!auth_header.1.contains("not-the-key"), "{auth_header:?}");
    let malformed = conn.exchange(all[2].id).await.unwrap().unwrap();
    assert_eq!(
        malformed.request_body.as_deref(),
        Some("{\"userName\": "),
        "malformed bodies are kept as sent"
    );
    assert!(malformed.response_body.unwrap().contains("not valid json"));
}

#[tokio::test]
async fn large_bodies_are_stored_truncated_and_say_so() {
    let engine = TestEngine::start_with(|c| c.capture_body_cap = 2048).await;
    let r = engine
        .post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "big@example.com", "note": "é".repeat(5000)}))
        .await;
    assert_eq!(r.status, 201);
    let (all, store, _dir) = engine.stop_and_read().await;
    let mut conn = store.read().await.unwrap();
    let e = conn.exchange(all[0].id).await.unwrap().unwrap();
    assert!(e.request_truncated && e.response_truncated);
    assert!(e.request_body.unwrap().len() <= 2048);
    assert_eq!(
        e.after.unwrap()["note"].as_str().unwrap().chars().count(),
        5000,
        "the stored resource is whole"
    );
}

#[tokio::test]
async fn entra_and_okta_flows_are_attributed_and_classified() {
    let engine = TestEngine::start().await;
    run_flow(&engine, "scim/entra-user-lifecycle.json").await;
    let (all, _, _dir) = engine.stop_and_read().await;
    let ops: Vec<OperationKind> = all.iter().map(|e| e.operation).collect();
    assert_eq!(ops[0], OperationKind::ConnectionProbe);
    assert_eq!(ops[1], OperationKind::MatchLookup);
    assert_eq!(ops[2], OperationKind::Create);
    assert!(
        ops.contains(&OperationKind::Deactivate)
            && ops.contains(&OperationKind::Reactivate)
            && ops.contains(&OperationKind::Delete),
        "{ops:?}"
    );
    let entra = all.iter().filter(|e| e.idp == Idp::Entra).count();
    assert!(
        entra * 10 >= all.len() * 8,
        "most of an Entra flow is attributed to Entra: {entra}/{}",
        all.len()
    );
    let created = &all[2];
    assert_eq!(
        created.resource_type,
        Some(scimlab_scim::ResourceKind::User)
    );
    assert!(created.resource_id.is_some());
    assert_eq!(
        created.resource_name.as_deref(),
        Some("Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee")
    );

    let engine = TestEngine::start().await;
    run_flow(&engine, "scim/okta-user-lifecycle.json").await;
    let (all, _, _dir) = engine.stop_and_read().await;
    assert_eq!(all[0].operation, OperationKind::ConnectionProbe);
    assert_eq!(all[0].idp, Idp::Okta, "okta's count=2 probe");
    let create = all
        .iter()
        .find(|e| e.operation == OperationKind::Create && e.status == 201)
        .unwrap();
    assert_eq!(create.idp, Idp::Okta);
    assert!(create.quirks.contains(&"okta.password-sent".to_owned()));
    assert!(
        all.iter()
            .any(|e| e.method == "PUT" && e.quirks.contains(&"okta.put-full-replace".to_owned()))
    );
    assert!(
        all.iter()
            .any(|e| e.operation == OperationKind::GroupMembership)
    );
}

#[tokio::test]
async fn a_write_records_the_resource_before_and_after() {
    let engine = TestEngine::start().await;
    let id = engine.create_user("diff@example.com").await;
    let r = engine
        .patch(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}))
        .await;
    assert_eq!(r.status, 200);
    let failed = engine
        .patch(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "nope"}]}))
        .await;
    assert_eq!(failed.status, 400);
    let (all, store, _dir) = engine.stop_and_read().await;
    let mut conn = store.read().await.unwrap();
    let patch = conn.exchange(all[1].id).await.unwrap().unwrap();
    assert_eq!(patch.summary.operation, OperationKind::Deactivate);
    assert_eq!(patch.before.unwrap()["active"], true);
    assert_eq!(patch.after.unwrap()["active"], false);
    assert_eq!(
        all[2].resource_id.as_deref(),
        Some(id.as_str()),
        "a failed request is linked to the resource in its path"
    );
}

/// Behind a tunnel every request has the same address: an Entra create without a User-Agent
/// must not inherit Okta from Okta's earlier probe.
#[tokio::test]
async fn traffic_behind_one_address_is_not_mixed_up_between_idps() {
    let engine = TestEngine::start().await;
    let auth = format!("Bearer {}", engine.key);
    let probe = engine
        .send_raw(
            "GET",
            "/Users?startIndex=1&count=2",
            None,
            &[
                ("authorization", auth.as_str()),
                ("user-agent", "Okta SCIM Client 1.0.0"),
            ],
        )
        .await;
    assert_eq!(probe.status, 200);
    let create = engine
        .send_raw(
            "POST",
            "/Users",
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "e@contoso.com"}).to_string()),
            &[("authorization", auth.as_str()), ("user-agent", "")],
        )
        .await;
    assert_eq!(create.status, 201);
    let (all, _, _dir) = engine.stop_and_read().await;
    assert_eq!(all[0].idp, Idp::Okta);
    assert_ne!(
        all[1].idp,
        Idp::Okta,
        "a different user-agent does not inherit okta"
    );
}

#[tokio::test]
async fn secrets_in_query_strings_and_stored_resources_are_redacted() {
    let engine = TestEngine::start().await;
    let r = engine
        .get("/Users?access_token=k3y-in-the-url&token=adm1n-in-the-url")
        .await;
    assert_eq!(r.status, 200);
    let created = engine
        .post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "n@example.com",
            "name": {"givenName": "N", "password": "n3sted-secret"}, "password": "t0p-secret", "password ": null}))
        .await;
    assert_eq!(created.status, 201);
    let (all, store, _dir) = engine.stop_and_read().await;
    let mut conn = store.read().await.unwrap();
    for e in &all {
        let whole = conn.exchange(e.id).await.unwrap().unwrap();
        let text = serde_json::to_string(&whole).unwrap();
        for secret in [
            "k3y-in-the-url",
            "adm1n-in-the-url",
            "n3sted-secret",
            "t0p-secret",
        ] {
            assert!(
                !text.contains(secret),
                "{secret} stored in exchange {}",
                e.id
            );
        }
    }
}

/// A match lookup that found the user belongs on that user's timeline.
#[tokio::test]
async fn a_lookup_that_finds_one_resource_is_linked_to_it() {
    let engine = TestEngine::start().await;
    let id = engine.create_user("found@example.com").await;
    let r = engine
        .get("/Users?filter=userName%20eq%20%22found%40example.com%22")
        .await;
    assert_eq!(r.body["totalResults"], 1);
    let (all, _, _dir) = engine.stop_and_read().await;
    assert_eq!(all[1].operation, OperationKind::MatchLookup);
    assert_eq!(all[1].resource_id.as_deref(), Some(id.as_str()));
    assert_eq!(all[1].resource_name.as_deref(), Some("found@example.com"));
}
