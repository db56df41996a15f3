//! `--strict`: what a strict RFC 7644 production app would answer to the same IdP traffic.

use scimlab_tests::{TestEngine, assert_scim_error};
use serde_json::json;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[tokio::test]
async fn strict_mode_rejects_entra_default_dialect_with_the_rfc_scim_type() {
    let e = TestEngine::strict().await;
    let id = e.create_user("strict@example.com").await;
    let path = format!("/Users/{id}");
    let cases = [
        (
            json!({"op": "Replace", "path": "displayName", "value": "x"}),
            "invalidSyntax",
        ),
        (
            json!({"op": "replace", "path": "active", "value": "False"}),
            "invalidValue",
        ),
        (
            json!({"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "1"}),
            "noTarget",
        ),
    ];
    for (op, scim_type) in cases {
        let r = e
            .patch(&path, &json!({"schemas": [PATCH_OP], "Operations": [op]}))
            .await;
        assert_scim_error!(r, 400, scim_type);
    }
    let r = e.get("/Users?filter=externalId%20eq%20jyoung").await;
    assert_scim_error!(r, 400, "invalidFilter");
    let r = e
        .post("/Users", &json!({"userName": "noschemas@example.com"}))
        .await;
    assert_scim_error!(r, 400, "invalidSyntax");
    let r = e.post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b@example.com", "active": "True"})).await;
    assert_scim_error!(r, 400, "invalidValue");
    assert_eq!(e.get(&path).await.body["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn strict_mode_still_accepts_rfc_conformant_traffic() {
    let e = TestEngine::strict().await;
    let id = e.create_user("ok@example.com").await;
    let r = e
        .patch(
            &format!("/Users/{id}"),
            &json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "active", "value": false},
            {"op": "add", "path": "emails", "value": [{"type": "work", "value": "ok@example.com"}]},
            {"op": "replace", "value": {"displayName": "Ok"}}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["displayName"], "Ok");
    let g = e.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": [{"value": id}]})).await;
    let gid = g.body["id"].as_str().unwrap();
    let r = e.patch(&format!("/Groups/{gid}"), &json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]})).await;
    assert_eq!(r.status, 204, "{}", r.text);
}

#[tokio::test]
async fn strict_mode_rejects_member_removal_by_value_list() {
    let e = TestEngine::strict().await;
    let id = e.create_user("m@example.com").await;
    let g = e.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": [{"value": id}]})).await;
    let gid = g.body["id"].as_str().unwrap();
    let r = e.patch(&format!("/Groups/{gid}"), &json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "members", "value": [{"value": id}]}]})).await;
    assert_scim_error!(r, 400, "invalidSyntax");
    assert_eq!(
        e.get(&format!("/Groups/{gid}")).await.body["members"][0]["value"],
        id.as_str()
    );
}

#[tokio::test]
async fn strict_mode_checks_types_and_content_types() {
    let e = TestEngine::strict().await;
    let id = e.create_user("t@example.com").await;
    let r = e.patch(&format!("/Users/{id}"), &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": 1}]})).await;
    assert_scim_error!(r, 400, "invalidValue");
    let r = e.patch(&format!("/Users/{id}"), &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": {"a": 1}}]})).await;
    assert_scim_error!(r, 400, "invalidValue");
    let auth = format!("Bearer {}", e.key);
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "plain@example.com"}).to_string();
    let r = e
        .send_raw(
            "POST",
            "/Users",
            Some(body),
            &[("authorization", &auth), ("content-type", "text/plain")],
        )
        .await;
    assert_scim_error!(r, 415);
    // "$ref": null is RFC-conformant (null = unassigned): accepted and only labelled.
    let r = e.patch(&format!("/Users/{id}"), &json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "m1", "$ref": null}}]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.quirks().contains(&"entra.null-ref".to_owned()));
}

#[tokio::test]
async fn tolerant_mode_labels_content_types_and_wrong_types() {
    let e = TestEngine::start().await;
    let auth = format!("Bearer {}", e.key);
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"], "userName": "j@example.com", "active": 1, "department": "Sales"}).to_string();
    let r = e
        .send_raw(
            "POST",
            "/Users",
            Some(body.clone()),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let q = r.quirks();
    for label in [
        "scim.application-json",
        "scim.wrong-type",
        "entra.malformed-enterprise-urn",
    ] {
        assert!(q.contains(&label.to_owned()), "{label} missing from {q:?}");
    }
    assert_eq!(r.body["active"], 1, "stored as sent");
    let r = e
        .send_raw(
            "POST",
            "/Users",
            Some(body.replace("j@example", "k@example")),
            &[("authorization", &auth), ("content-type", "text/plain")],
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(r.quirks().contains(&"scim.other-content-type".to_owned()));
}
