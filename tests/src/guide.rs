//! Issue 10: the target app's own SCIM guide (`shared/reference/target-app-guide.md`), followed
//! literally, must work end to end — traffic accepted, stored as sent, mapped, roles right.
//! Each test replays what the guide's configuration makes the IdP send.

use scimlab_tests::flow::run_flow;
use scimlab_tests::{TestEngine, assert_scim_error};
use serde_json::{Value, json};

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:testmail:2.0:User";

fn field<'m>(mapping: &'m Value, name: &str) -> &'m Value {
    mapping["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == name)
        .unwrap_or_else(|| panic!("no {name} field in {mapping}"))
}

async fn mapping_of(e: &TestEngine, id: &str) -> Value {
    let r = e.admin_get(&format!("/api/users/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["mapping"].clone()
}

/// The roles a user had, oldest first, from its role history.
async fn roles_over_time(e: &TestEngine, id: &str) -> Vec<String> {
    let r = e.admin_get(&format!("/api/users/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["roleHistory"]
        .as_array()
        .expect("roleHistory")
        .iter()
        .map(|h| h["to"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Failed before the fix: Okta's guide-made `"name": "Ada Lovelace"` was answered
/// `400 invalidValue 'name' must be an object`, so no user was ever created.
#[tokio::test]
async fn okta_guide_create_update_deactivate_reach_the_mapping_and_roles() {
    let e = TestEngine::start().await;
    let vars = run_flow(&e, "scim/okta-guide-lifecycle.json").await;
    e.wait_for_exchanges("idp=okta", 13).await;

    let ada = mapping_of(&e, &vars["ada"]).await;
    assert_eq!(ada["appliedProfileId"], "okta", "{ada}");
    let dn = field(&ada, "displayName");
    assert_eq!(
        (&dn["status"], &dn["value"], &dn["path"]),
        (&json!("mapped"), &json!("Ada King"), &json!("name")),
        "{dn}"
    );
    let email = field(&ada, "email");
    assert_eq!(
        (&email["status"], &email["value"], &email["path"]),
        (&json!("mapped"), &json!("ada@example.com"), &json!("email")),
        "{email}"
    );
    let role = field(&ada, "role");
    assert_eq!(
        (&role["status"], &role["value"], &role["path"]),
        (&json!("mapped"), &json!("Member"), &json!("role")),
        "{role}"
    );
    assert_eq!(ada["unmapped"], json!([]), "{ada}");

    let grace = mapping_of(&e, &vars["grace"]).await;
    assert_eq!(grace["effectiveRole"], "Member");
    assert_eq!(field(&grace, "displayName")["value"], "Grace Hopper");

    // Ada's role history: Admin on create, then Member on the PUT.
    assert_eq!(roles_over_time(&e, &vars["ada"]).await, ["Admin", "Member"]);

    // The roles screen counts both users as mapped Members now.
    let roles = e.admin_get("/api/roles").await;
    assert_eq!(roles.body["total"], 2, "{}", roles.text);
    assert_eq!(roles.body["byRole"]["member"], 2, "{}", roles.text);
    assert_eq!(roles.body["byStatus"]["mapped"], 2, "{}", roles.text);

    // And the checklist sees the lifecycle the guide asks for.
    let c = e.admin_get("/api/checklist?idp=okta").await;
    assert_eq!(c.status, 200, "{}", c.text);
    for (id, want) in [
        ("connection.test", "pass"),
        ("lifecycle.updates", "pass"),
        ("lifecycle.deactivation", "pass"),
        ("roles.valid", "pass"),
    ] {
        let item = c.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {}", c.text));
        assert_eq!(item["status"], want, "{item}");
    }
}

/// Failed before the fix: a top-level `employeeType` (the admin added the target attribute as
/// plain `employeeType`) was not read, so every Admin became `Member (defaulted)`.
#[tokio::test]
async fn entra_top_level_employee_type_maps_to_admin() {
    let e = TestEngine::start().await;
    let vars = run_flow(&e, "scim/entra-guide-top-level-employee-type.json").await;
    e.wait_for_exchanges("idp=entra", 6).await;
    let m = mapping_of(&e, &vars["alan"]).await;
    assert_eq!(m["appliedProfileId"], "entra", "{m}");
    assert_eq!(m["effectiveRole"], "Admin", "{m}");
    let role = field(&m, "role");
    assert_eq!(
        (&role["status"], &role["path"]),
        (&json!("mapped"), &json!("employeeType")),
        "{role}"
    );
    assert_eq!(field(&m, "displayName")["value"], "Alan Turing");
    assert_eq!(field(&m, "email")["value"], "alan@contoso.com");
    assert_eq!(
        roles_over_time(&e, &vars["alan"]).await,
        ["Admin", "Member", "Admin"]
    );
}

/// `employeeType` in the enterprise extension and in a custom extension without its URN in
/// `schemas` are the guide's setup too.
#[tokio::test]
async fn entra_employee_type_in_either_extension_maps() {
    let e = TestEngine::start().await;
    e.get("/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22")
        .await;
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    for (i, (urn, listed)) in [(enterprise, true), (CUSTOM, false)].iter().enumerate() {
        let mut schemas = vec![json!(CORE_USER)];
        if *listed {
            schemas.push(json!(urn));
        }
        let r = e
            .post(
                "/Users",
                &json!({"schemas": schemas, "userName": format!("u{i}@contoso.com"), "active": true,
                        "displayName": "U", "emails": [{"type": "work", "value": format!("u{i}@contoso.com")}],
                        *urn: {"employeeType": "Admin"}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_str().expect("id").to_owned();
        e.wait_for_exchanges("operation=create", i + 1).await;
        let m = mapping_of(&e, &id).await;
        let role = field(&m, "role");
        assert_eq!(role["status"], "mapped", "{role}");
        assert_eq!(role["path"], format!("{urn}:employeeType"), "{role}");
        assert_eq!(m["effectiveRole"], "Admin");
    }
}

/// The guide says names are case-sensitive: `Role` / `EmployeeType` are not read, but shown as
/// the likely intended source, with the rename in the IdP's words.
#[tokio::test]
async fn attribute_names_in_the_wrong_case_are_misnamed_not_mapped() {
    let e = TestEngine::start().await;
    e.get("/Users?startIndex=1&count=2").await; // Okta's probe: this client is Okta
    let r = e
        .post(
            "/Users",
            &json!({"schemas": [CORE_USER], "userName": "ada@example.com", "active": true,
                    "email": "ada@example.com", "name": "Ada Lovelace", "Role": "Admin"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let okta_id = r.body["id"].as_str().expect("id").to_owned();
    e.wait_for_exchanges("operation=create", 1).await;
    let m = mapping_of(&e, &okta_id).await;
    assert_eq!(m["appliedProfileId"], "okta", "{m}");
    assert_eq!(m["effectiveRole"], "Member");
    let role = field(&m, "role");
    assert_eq!(
        (&role["status"], &role["path"], &role["raw"]),
        (&json!("misnamed"), &json!("Role"), &json!("Admin")),
        "{role}"
    );
    let why = role["explanation"].as_str().expect("explanation");
    assert!(
        why.contains("case-sensitive") && why.contains("profile editor") && why.contains("'role'"),
        "{why}"
    );

    // The checklist agrees: the wrong-case name is a failure (with the rename), and no role
    // value counts as arrived (roles.valid); roles.present leaves the spelling to name-case.
    let c = e.admin_get("/api/checklist?idp=okta").await;
    let status = |id: &str| {
        c.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["status"].clone())
    };
    assert_eq!(
        status("attributes.name-case"),
        Some(json!("fail")),
        "{}",
        c.text
    );
    assert_eq!(
        status("roles.valid"),
        Some(json!("not-yet-seen")),
        "{}",
        c.text
    );

    // Entra, custom extension: `EmployeeType`.
    let e = TestEngine::start().await;
    e.get("/Users?filter=userName+eq+%22cf4d78e8-cc4f-4d5d-b8b9-183561c0104a%22")
        .await;
    let r = e
        .post(
            "/Users",
            &json!({"schemas": [CORE_USER], "userName": "alan@contoso.com", "active": true,
                    "displayName": "Alan", "emails": [{"type": "work", "value": "alan@contoso.com"}],
                    CUSTOM: {"EmployeeType": "Admin"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_owned();
    e.wait_for_exchanges("operation=create", 1).await;
    let m = mapping_of(&e, &id).await;
    let role = field(&m, "role");
    assert_eq!(role["status"], "misnamed", "{role}");
    assert_eq!(role["path"], format!("{CUSTOM}:EmployeeType"), "{role}");
    let why = role["explanation"].as_str().expect("explanation");
    assert!(
        why.contains("'employeeType'") && why.contains("attribute mapping"),
        "{why}"
    );
    let roles = e.admin_get("/api/roles").await;
    assert_eq!(roles.body["byStatus"]["misnamed"], 1, "{}", roles.text);
}

/// `--strict` answers the guide's Okta create with 400 naming the attribute and the fix, and
/// stores nothing.
#[tokio::test]
async fn strict_mode_refuses_the_string_name_and_says_how_to_fix_it() {
    let e = TestEngine::strict().await;
    let r = e
        .post(
            "/Users",
            &json!({"schemas": [CORE_USER], "userName": "ada@example.com", "active": true,
                    "email": "ada@example.com", "name": "Ada Lovelace", "role": "Admin"}),
        )
        .await;
    assert_scim_error!(r, 400, "invalidValue");
    let detail = r.body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("'name'") && detail.contains("external namespace"),
        "{detail}"
    );
    assert_eq!(e.get("/Users").await.body["totalResults"], 0);
}

/// Whatever type a shadowing attribute arrived as, every later read still answers.
#[tokio::test]
async fn shadowed_core_attributes_never_break_a_read_or_a_patch() {
    let e = TestEngine::start().await;
    let r = e
        .post(
            "/Users",
            &json!({"schemas": [CORE_USER], "userName": "odd@example.com",
                    "name": "Odd One", "emails": "odd@example.com", "phoneNumbers": 5551234,
                    "displayName": {"text": "Odd"}, "userType": ["Admin"], "roles": "Admin"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        r.quirks()
            .iter()
            .any(|q| q == "scim.core-attribute-shadowed"),
        "{:?}",
        r.quirks()
    );
    let id = r.body["id"].as_str().expect("id").to_owned();
    for path in [
        format!("/Users/{id}"),
        "/Users".to_owned(),
        "/Users?filter=emails%20eq%20%22odd%40example.com%22".to_owned(),
        "/Users?filter=emails.value%20eq%20%22odd%40example.com%22".to_owned(),
        "/Users?filter=emails%5Btype%20eq%20%22work%22%5D".to_owned(),
        "/Users?filter=name.familyName%20pr".to_owned(),
        "/Users?sortBy=emails&attributes=emails.value,name.givenName".to_owned(),
        "/Users?excludedAttributes=name.givenName,emails.value".to_owned(),
    ] {
        let got = e.get(&path).await;
        assert_eq!(got.status, 200, "{path}: {}", got.text);
    }
    let by_email = e
        .get("/Users?filter=emails%20eq%20%22odd%40example.com%22")
        .await;
    assert_eq!(by_email.body["totalResults"], 1, "{}", by_email.text);
    // PATCH keeps working: a string for a string, an RFC sub-attribute over a string.
    for (op, want) in [
        (
            json!({"op": "replace", "path": "name", "value": "Even Odder"}),
            json!("Even Odder"),
        ),
        (
            json!({"op": "replace", "path": "name.givenName", "value": "Even"}),
            json!({"givenName": "Even"}),
        ),
        (
            json!({"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@example.com"}),
            Value::Null,
        ),
    ] {
        let r = e
            .patch(
                &format!("/Users/{id}"),
                &json!({"schemas": [PATCH_OP], "Operations": [op]}),
            )
            .await;
        assert_eq!(r.status, 200, "{op}: {}", r.text);
        if !want.is_null() {
            assert_eq!(r.body["name"], want, "{}", r.text);
        }
        assert_eq!(e.get(&format!("/Users/{id}")).await.status, 200);
    }
    e.wait_for_exchanges("method=PATCH", 3).await;
    let d = e.admin_get(&format!("/api/users/{id}")).await;
    assert_eq!(d.status, 200, "{}", d.text);
    let users = e.admin_get("/api/users").await;
    assert_eq!(users.status, 200, "{}", users.text);
}

/// Peer suites: `POST /.search` at the root (RFC 7644 §3.4.3) and an empty `Operations` array
/// (Microsoft's SCIM Validator).
#[tokio::test]
async fn root_search_and_empty_patch_operations() {
    let e = TestEngine::start().await;
    let uid = e.create_user("ada@example.com").await;
    let g = e
        .post(
            "/Groups",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Admins",
                    "members": [{"value": uid}]}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let search = |filter: &str| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter});
    let all = e
        .post(
            "/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
        )
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["totalResults"], 2);
    assert_eq!(all.body["Resources"][0]["meta"]["resourceType"], "User");
    assert_eq!(all.body["Resources"][1]["meta"]["resourceType"], "Group");
    assert_eq!(
        all.body["Resources"][1]["members"][0]["value"],
        uid.as_str()
    );
    let users = e
        .post("/.search", &search("userName eq \"ada@example.com\""))
        .await;
    assert_eq!(users.body["totalResults"], 1, "{}", users.text);
    assert_eq!(users.body["Resources"][0]["id"], uid.as_str());
    let groups = e
        .post("/.search", &search("displayName eq \"Admins\""))
        .await;
    assert_eq!(groups.body["totalResults"], 1, "{}", groups.text);
    let paged = e
        .post(
            "/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "startIndex": 2, "count": 1, "attributes": ["displayName"]}),
        )
        .await;
    assert_eq!(paged.body["totalResults"], 2, "{}", paged.text);
    assert_eq!(paged.body["itemsPerPage"], 1);
    assert_eq!(paged.body["Resources"][0]["displayName"], "Admins");
    let bad = e.post("/.search", &search("userName eq")).await;
    assert_scim_error!(bad, 400, "invalidFilter");
    let classified = e.wait_for_exchanges("operation=search", 5).await;
    assert!(classified.iter().all(|x| x["path"] == "/scim/v2/.search"));

    // Empty Operations: 200, nothing written (the version stays), labelled.
    let before = e.get(&format!("/Users/{uid}")).await;
    let r = e
        .patch(
            &format!("/Users/{uid}"),
            &json!({"schemas": [PATCH_OP], "Operations": []}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.quirks().iter().any(|q| q == "scim.empty-operations"));
    assert_eq!(r.body["meta"]["version"], before.body["meta"]["version"]);
    assert_eq!(r.body["userName"], "ada@example.com");
    let strict = TestEngine::strict().await;
    let id = strict.create_user("s@example.com").await;
    let r = strict
        .patch(
            &format!("/Users/{id}"),
            &json!({"schemas": [PATCH_OP], "Operations": []}),
        )
        .await;
    assert_scim_error!(r, 400, "invalidSyntax");
}
