//! Mapping results, roles, role history, profiles and the timeline, driven end to end: real IdP
//! traffic at the SCIM listener, results read from the admin API.

use scimlab_tests::TestEngine;
use scimlab_tests::flow::run_flow;
use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:testmail:2.0:User";

fn role_field(mapping: &Value) -> &Value {
    mapping["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "role")
        .unwrap()
}

/// Create a user the way Entra does (custom extension without its URN in `schemas`).
async fn entra_user(e: &TestEngine, name: &str, role: Option<Value>) -> String {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name, "displayName": "Someone", "active": true,
        "emails": [{"primary": true, "type": "work", "value": name}],
        "meta": {"resourceType": "User"}
    });
    if let Some(r) = role {
        body[CUSTOM] = json!({"employeeType": r});
    }
    let r = e.post("/Users", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn detail(e: &TestEngine, id: &str) -> Value {
    // The role history is written with the exchange: wait until the exchanges are stored.
    let r = e.admin_get(&format!("/api/users/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

#[tokio::test]
async fn every_role_case_gets_the_right_effective_role_and_status() {
    let e = TestEngine::start().await;
    // Entra's GUID probe first, so the client is known as Entra.
    e.get("/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22")
        .await;
    let cases = [
        (Some(json!("Admin")), "Admin", "mapped"),
        (Some(json!("Member")), "Member", "mapped"),
        (None, "Member", "defaulted"),
        (Some(json!("admin")), "Member", "invalid"),
        (Some(json!("Owner")), "Member", "invalid"),
        (Some(json!("")), "Member", "invalid"),
    ];
    let mut ids = Vec::new();
    for (i, (role, _, _)) in cases.iter().enumerate() {
        ids.push(entra_user(&e, &format!("u{i}@contoso.com"), role.clone()).await);
    }
    e.wait_for_exchanges("operation=create", cases.len()).await;
    let page = e.admin_get("/api/users?count=50").await;
    let resources = page.body["resources"].as_array().unwrap();
    let mappings = page.body["mappings"].as_array().unwrap();
    assert_eq!(resources.len(), mappings.len());
    for ((_, want_role, want_status), id) in cases.iter().zip(&ids) {
        let idx = resources
            .iter()
            .position(|r| r["id"] == id.as_str())
            .unwrap();
        let m = &mappings[idx];
        assert_eq!(m["effectiveRole"], *want_role, "{m}");
        assert_eq!(role_field(m)["status"], *want_status, "{m}");
        if *want_status == "mapped" {
            assert_eq!(role_field(m)["path"], format!("{CUSTOM}:employeeType"));
        }
    }
    let summary = e.admin_get("/api/roles").await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(summary.body["total"], 6);
    assert_eq!(summary.body["byRole"]["admin"], 1);
    assert_eq!(summary.body["byRole"]["member"], 5);
    assert_eq!(summary.body["byStatus"]["invalid"], 3);
    // The summary is cached, and the cache follows the data.
    assert_eq!(e.admin_get("/api/roles").await.body, summary.body);
    entra_user(&e, "late@contoso.com", Some(json!("Admin"))).await;
    e.wait_for_exchanges("operation=create", cases.len() + 1)
        .await;
    let again = e.admin_get("/api/roles").await;
    assert_eq!(again.body["total"], 7);
    assert_eq!(again.body["byRole"]["admin"], 2);
}

#[tokio::test]
async fn role_history_follows_updates_including_a_dropped_attribute() {
    let e = TestEngine::start().await;
    e.get("/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22")
        .await;
    let id = entra_user(&e, "h@contoso.com", Some(json!("Member"))).await;
    let path = format!("/Users/{id}");
    let up = e.patch(&path, &json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": format!("{CUSTOM}:employeeType"), "value": "Admin"}]})).await;
    assert_eq!(up.status, 200, "{}", up.text);
    let same = e.patch(&path, &json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "displayName", "value": "Renamed"}]})).await;
    assert_eq!(same.status, 200);
    let drop = e.patch(&path, &json!({"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": format!("{CUSTOM}:employeeType")}]})).await;
    assert_eq!(drop.status, 200, "{}", drop.text);
    e.wait_for_exchanges(&format!("resource={id}"), 4).await;
    let d = detail(&e, &id).await;
    let history = d["roleHistory"].as_array().unwrap();
    let steps: Vec<(Value, Value, Value)> = history
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone(), h["status"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Value::Null, json!("Member"), json!("mapped")),
            (json!("Member"), json!("Admin"), json!("mapped")),
            (json!("Admin"), json!("Member"), json!("defaulted")),
        ],
        "the rename changed no role and left no row; dropping the attribute shows the Member it leads to"
    );
    assert_eq!(d["mapping"]["effectiveRole"], "Member");
    let timeline = d["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 4);
    assert_eq!(timeline[0]["exchange"]["operation"], "create");
    assert!(
        timeline[1]["changedFields"]
            .as_array()
            .unwrap()
            .contains(&json!("role"))
    );
    assert!(
        timeline[2]["changedFields"]
            .as_array()
            .unwrap()
            .contains(&json!("displayName"))
    );
    assert_eq!(timeline[2]["mappingAfter"]["fields"][1]["value"], "Renamed");
}

#[tokio::test]
async fn okta_custom_attributes_map_through_the_okta_rules() {
    let e = TestEngine::start().await;
    run_flow(&e, "scim/okta-user-lifecycle.json").await;
    let users = e.wait_for_exchanges("operation=create&status=2xx", 1).await;
    let id = users[0]["resourceId"].as_str().unwrap().to_owned();
    let d = detail(&e, &id).await;
    let m = &d["mapping"];
    assert_eq!(m["appliedProfileId"], "okta", "{m}");
    // The flow's last PUT sets no role: Member by default; the email field comes from `emails`.
    assert_eq!(m["effectiveRole"], "Member");
    let history = d["roleHistory"].as_array().unwrap();
    assert_eq!(
        history[0]["to"], "Admin",
        "created with role Admin: {history:?}"
    );
    assert!(history.iter().any(|h| h["to"] == "Member"));
}

#[tokio::test]
async fn choosing_a_profile_re_evaluates_every_user_at_once() {
    let e = TestEngine::start().await;
    // A user carrying both an Okta-style top-level role and an Entra-style roles[].
    let r = e
        .post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "both@example.com",
            "role": "Admin", "roles": [{"primary": true, "value": "Member"}]}))
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    e.wait_for_exchanges("operation=create", 1).await;
    let role_under = |body: &Value| body["mapping"]["effectiveRole"].clone();
    let before = detail(&e, &id).await;
    assert_eq!(before["mapping"]["profileId"], "auto");
    let mut events = e.admin_events().await;
    let chosen = e
        .admin_json("PUT", "/api/profiles/active", &json!({"id": "okta"}))
        .await;
    assert_eq!(chosen.status, 200, "{}", chosen.text);
    assert_eq!(chosen.body["active"], "okta");
    let ev = events
        .next_event(scimlab_tests::WAIT)
        .await
        .expect("an event");
    assert_eq!(ev.event, "mapping.changed");
    assert_eq!(ev.data["profileId"], "okta");
    let after = detail(&e, &id).await;
    assert_eq!(role_under(&after), "Admin");
    assert_eq!(after["mapping"]["profileId"], "okta");
    e.admin_json("PUT", "/api/profiles/active", &json!({"id": "entra"}))
        .await;
    assert_eq!(role_under(&detail(&e, &id).await), "Member");
}

#[tokio::test]
async fn admins_save_validate_export_and_delete_their_own_profiles() {
    let e = TestEngine::start().await;
    let mine = json!({"id": "mine", "name": "Role from department", "fields": [
        {"field": "userName", "sources": ["userName"]},
        {"field": "role", "sources": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"]}]});
    let saved = e.admin_json("PUT", "/api/profiles/mine", &mine).await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let exported = e.admin_get("/api/profiles/mine").await;
    assert_eq!(
        exported.body["fields"][1]["sources"][0],
        mine["fields"][1]["sources"][0]
    );
    let bad = e.admin_json("PUT", "/api/profiles/broken", &json!({"id": "broken", "name": "x", "fields": [{"field": "role", "sources": ["emails[type eq].value"]}]})).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body["error"]
            .as_str()
            .unwrap()
            .contains("emails[type eq].value"),
        "{}",
        bad.text
    );
    let builtin = e
        .admin_json(
            "PUT",
            "/api/profiles/okta",
            &json!({"id": "okta", "name": "x", "fields": []}),
        )
        .await;
    assert_eq!(builtin.status, 400);
    let r = e
        .post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "d@example.com",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Admin"}}))
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    e.admin_json("PUT", "/api/profiles/active", &json!({"id": "mine"}))
        .await;
    assert_eq!(detail(&e, &id).await["mapping"]["effectiveRole"], "Admin");
    let list = e.admin_get("/api/profiles").await;
    assert_eq!(list.body["active"], "mine");
    assert_eq!(list.body["profiles"].as_array().unwrap().len(), 4);
    assert_eq!(
        e.admin_send("DELETE", "/api/profiles/mine").await.status,
        204
    );
    assert_eq!(e.admin_get("/api/profiles").await.body["active"], "auto");
}

fn item<'a>(checklist: &'a Value, id: &str) -> &'a Value {
    checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {checklist}"))
}

#[tokio::test]
async fn the_entra_checklist_is_scored_from_the_traffic() {
    let e = TestEngine::start().await;
    let empty = e.admin_get("/api/checklist?idp=entra").await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(
        item(&empty.body, "connection.test")["status"],
        "not-yet-seen"
    );
    // A wrong key first (the admin pasted "Bearer <key>" into Secret Token), then the real flow.
    let wrong = e
        .send_raw(
            "GET",
            "/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22",
            None,
            &[("authorization", "Bearer Bearer nope-nope-nope")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    run_flow(&e, "scim/entra-user-lifecycle.json").await;
    // Every exchange of the flow (20) and the refused one, so the checklist reads them all.
    e.wait_for_exchanges("", 21).await;
    let c = e.admin_get("/api/checklist?idp=entra").await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["idp"], "entra");
    let probe = item(&c.body, "connection.test");
    assert!(
        probe["status"] == "pass" || probe["status"] == "warn",
        "{probe}"
    );
    assert!(!probe["evidence"].as_array().unwrap().is_empty());
    assert_eq!(item(&c.body, "auth.header")["status"], "pass");
    assert_eq!(item(&c.body, "lifecycle.updates")["status"], "pass");
    assert_eq!(item(&c.body, "lifecycle.deactivation")["status"], "pass");
    let dialect = item(&c.body, "entra.patch-dialect");
    assert_eq!(
        dialect["status"], "warn",
        "the fixture sends both dialects: {dialect}"
    );
    assert!(
        dialect["fix"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("on demand"),
        "{dialect}"
    );
    let score = &c.body["score"];
    let total: u64 = ["pass", "warn", "fail", "notYetSeen"]
        .iter()
        .map(|k| score[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, c.body["items"].as_array().unwrap().len());
    assert_eq!(e.admin_get("/api/checklist?idp=azure").await.status, 400);
}

#[tokio::test]
async fn the_okta_checklist_flags_a_missing_custom_role() {
    let e = TestEngine::start().await;
    e.get("/Users?startIndex=1&count=2").await;
    let r = e
        .post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x@okta.local",
            "name": {"givenName": "X", "familyName": "Y"}, "emails": [{"primary": true, "type": "work", "value": "x@okta.local"}],
            "password": "p4ssw0rd-okta", "active": true}))
        .await;
    assert_eq!(r.status, 201);
    e.wait_for_exchanges("idp=okta", 2).await;
    let c = e.admin_get("/api/checklist?idp=okta").await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(item(&c.body, "connection.test")["status"], "pass");
    // The guide disables Sync Password: a password on a create means it is on.
    let password = item(&c.body, "okta.password");
    assert_eq!(password["status"], "warn", "{password}");
    assert!(
        password["fix"]
            .as_str()
            .unwrap()
            .contains("untick Sync Password"),
        "{password}"
    );
    // None of the guide's email, name and role arrived (only the base mappings did).
    let custom = item(&c.body, "okta.custom-attributes");
    assert_eq!(custom["status"], "fail", "{custom}");
    assert!(
        custom["fix"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("namespace"),
        "{custom}"
    );
    // The role is roles.present's to judge: email and name arrived through emails and name.
    assert_eq!(item(&c.body, "attributes.required")["status"], "pass");
    assert_eq!(item(&c.body, "roles.present")["status"], "fail");
    assert!(!c.text.contains("p4ssw0rd-okta"));
}
