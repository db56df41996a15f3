//! The setup checklist's guide items, end to end: the vendor guide's Entra and Okta setups and
//! their usual slips sent to the SCIM listener as those IdPs send them, the verdicts read from
//! `/api/checklist` and its Markdown report.

use scimlab_tests::{Reply, TestEngine};
use serde_json::{Value, json};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:testmail:2.0:User";
const OKTA_UA: &str = "Okta SCIM Client 1.0.0";

fn item<'a>(checklist: &'a Value, id: &str) -> &'a Value {
    checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {checklist}"))
}

fn text<'a>(item: &'a Value, key: &str) -> &'a str {
    item[key].as_str().unwrap_or_default()
}

/// A request as Okta sends it (its User-Agent, the key in HTTP Header mode).
async fn okta(e: &TestEngine, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let auth = format!("Bearer {}", e.key);
    e.send_raw(
        method,
        path,
        body.map(Value::to_string),
        &[
            ("authorization", auth.as_str()),
            ("user-agent", OKTA_UA),
            ("content-type", "application/scim+json"),
        ],
    )
    .await
}

/// The guide's Okta create: only userName mapped plus the Profile Editor's `email`, `name` and
/// `role` (strings, core namespace), no password.
fn okta_guide(user: &str, role: Option<&str>) -> Value {
    let mut body = json!({"schemas": [CORE], "userName": user, "active": true,
        "email": user, "name": "Ada Lovelace"});
    if let Some(r) = role {
        body["role"] = json!(r);
    }
    body
}

/// The guide's Entra create; `active` only when `IsSoftDeleted → active` is still mapped.
fn entra_guide(user: &str, active: bool) -> Value {
    let mut body = json!({"schemas": [CORE], "userName": user, "displayName": "Ada Lovelace",
        "emails": [{"primary": true, "type": "work", "value": user}],
        "meta": {"resourceType": "User"}});
    if active {
        body["active"] = json!(true);
    }
    body
}

const ENTRA_PROBE: &str = "/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22";

/// Okta, following the guide but for three slips: one admin typed the External name `Role`,
/// Sync Password was left on for a later user, and `role`'s Apply On is Create only (the PUT
/// update leaves it out).
#[tokio::test]
async fn okta_guide_slips_are_each_an_item_with_its_fix() {
    let e = TestEngine::start().await;
    assert_eq!(
        okta(&e, "GET", "/Users?startIndex=1&count=2", None)
            .await
            .status,
        200
    );
    let ada = okta(
        &e,
        "POST",
        "/Users",
        Some(&okta_guide("ada@okta.local", Some("Admin"))),
    )
    .await;
    assert_eq!(ada.status, 201, "{}", ada.text);
    let ada_id = ada.body["id"].as_str().unwrap().to_owned();
    let mut bob = okta_guide("bob@okta.local", None);
    bob["Role"] = json!("Member");
    bob["password"] = json!("s3cret-Okta-pw");
    let r = okta(&e, "POST", "/Users", Some(&bob)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Apply On "Create": the AIW app reads the user and sends it back without role.
    let path = format!("/Users/{ada_id}");
    assert_eq!(okta(&e, "GET", &path, None).await.status, 200);
    let mut put = okta_guide("ada@okta.local", None);
    put["id"] = json!(ada_id);
    let r = okta(&e, "PUT", &path, Some(&put)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    e.wait_for_exchanges("idp=okta", 5).await;

    let c = e.admin_get("/api/checklist?idp=okta").await;
    assert_eq!(c.status, 200, "{}", c.text);
    let case = item(&c.body, "attributes.name-case");
    assert_eq!(case["status"], "fail", "{case}");
    assert!(
        text(case, "summary")
            .starts_with("Role arrived instead of role for 1 user (bob@okta.local)"),
        "{case}"
    );
    assert!(
        text(case, "fix").contains("rename the External name Role to role"),
        "{case}"
    );
    let password = item(&c.body, "okta.password");
    assert_eq!(password["status"], "warn", "{password}");
    assert!(text(password, "fix").contains("untick Sync Password"));
    let present = item(&c.body, "roles.present");
    assert_eq!(present["status"], "fail", "{present}");
    assert!(
        text(present, "summary").contains("ada@okta.local at #"),
        "{present}"
    );
    assert!(
        text(present, "fix").contains("Apply On to Create and Update"),
        "{present}"
    );
    let namespace = item(&c.body, "okta.custom-attributes");
    assert_eq!(namespace["status"], "pass", "{namespace}");
    assert!(
        text(namespace, "summary").contains("at the top level"),
        "{namespace}"
    );
    // The password is not an extra mapping (okta.password judges it), and never shown.
    assert_eq!(item(&c.body, "attributes.extra")["status"], "pass");
    assert!(!c.text.contains("s3cret-Okta-pw"));
    let report = e.admin_get("/api/checklist/report?idp=okta").await;
    assert_eq!(report.status, 200);
    for id in [
        "attributes.name-case",
        "roles.present",
        "okta.password",
        "okta.custom-attributes",
    ] {
        assert!(report.text.contains(&format!("`{id}`")), "{id}");
    }
    assert!(!report.text.contains("fault rule"), "{}", report.text);
}

/// Entra with the guide's step taken literally ("remove every mapping except userName" takes
/// `IsSoftDeleted → active` with it) and one target attribute typed `EmployeeType`.
#[tokio::test]
async fn entra_guide_literal_fails_active_mapped_and_name_case() {
    let e = TestEngine::start().await;
    assert_eq!(e.get(ENTRA_PROBE).await.status, 200);
    let mut ada = entra_guide("ada@contoso.com", false);
    ada["employeeType"] = json!("Admin");
    let r = e.post("/Users", &ada).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ada_id = r.body["id"].as_str().unwrap().to_owned();
    let mut bob = entra_guide("bob@contoso.com", false);
    bob[CUSTOM] = json!({"EmployeeType": "Admin"});
    assert_eq!(e.post("/Users", &bob).await.status, 201);
    let rename = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": "Ada King"}]});
    let r = e.patch(&format!("/Users/{ada_id}"), &rename).await;
    assert_eq!(r.status, 200, "{}", r.text);
    e.wait_for_exchanges("idp=entra", 4).await;

    let c = e.admin_get("/api/checklist?idp=entra").await;
    assert_eq!(c.status, 200, "{}", c.text);
    let active = item(&c.body, "entra.active-mapped");
    assert_eq!(active["status"], "fail", "{active}");
    assert!(
        text(active, "summary").contains("no deactivation will ever reach the app"),
        "{active}"
    );
    assert_eq!(active["evidence"].as_array().unwrap().len(), 3, "{active}");
    assert!(
        text(active, "fix").contains("Switch([IsSoftDeleted]"),
        "{active}"
    );
    assert_eq!(
        item(&c.body, "lifecycle.deactivation")["status"],
        "not-yet-seen"
    );
    let case = item(&c.body, "attributes.name-case");
    assert_eq!(case["status"], "fail", "{case}");
    assert!(
        text(case, "summary").starts_with(&format!(
            "EmployeeType (in {CUSTOM}) arrived instead of employeeType for 1 user (bob@contoso.com)"
        )),
        "{case}"
    );
    assert!(
        text(case, "fix").contains("Provision Microsoft Entra ID Users"),
        "{case}"
    );
    // employeeType at the top level is the guide's setup: sent, and not extra.
    let present = item(&c.body, "roles.present");
    assert_eq!(present["status"], "pass", "{present}");
    assert_eq!(item(&c.body, "attributes.extra")["status"], "pass");
}

/// The guide's Entra setup, `active` kept: the guide's items pass.
#[tokio::test]
async fn entra_guide_with_active_passes_the_guide_items() {
    let e = TestEngine::start().await;
    e.get(ENTRA_PROBE).await;
    let mut ada = entra_guide("ada@contoso.com", true);
    ada[CUSTOM] = json!({"employeeType": "Admin"});
    assert_eq!(e.post("/Users", &ada).await.status, 201);
    e.wait_for_exchanges("idp=entra", 2).await;
    let c = e.admin_get("/api/checklist?idp=entra").await;
    for id in [
        "attributes.required",
        "attributes.extra",
        "attributes.name-case",
        "roles.present",
        "roles.valid",
        "entra.active-mapped",
    ] {
        assert_eq!(item(&c.body, id)["status"], "pass", "{id}: {}", c.text);
    }
    assert!(
        text(item(&c.body, "roles.present"), "summary").contains("in a custom extension"),
        "{}",
        c.text
    );
}
