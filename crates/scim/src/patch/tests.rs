//! PATCH tests, built from the request shapes in `shared/reference/idp-traffic.md` §5–§7.

use super::*;
use crate::error::ScimType;
use crate::quirks::Mode;
use crate::schema::{ENTERPRISE_USER_SCHEMA as ENT, GROUP_SCHEMA, USER_SCHEMA};
use serde_json::json;

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("test fixture is not an object: {other}"),
    }
}

fn user() -> Map<String, Value> {
    obj(json!({
        "schemas": [USER_SCHEMA],
        "id": "2819c223",
        "userName": "alice@example.com",
        "displayName": "Alice",
        "active": true,
        "name": {"givenName": "Alice", "familyName": "Old", "middleName": "M"},
        "emails": [
            {"type": "work", "value": "alice@example.com", "primary": true},
            {"type": "home", "value": "alice@home.example"}
        ],
        "meta": {"resourceType": "User", "version": "W/\"1\""}
    }))
}

fn group() -> Map<String, Value> {
    obj(json!({
        "schemas": [GROUP_SCHEMA],
        "id": "abf4dd94",
        "displayName": "Test SCIMv2",
        "members": [
            {"value": "89bb1940", "display": "old.user@okta.local"},
            {"value": "u1091", "display": "u1091@example.com"}
        ]
    }))
}

/// Parse and apply `ops` (wrapped in a PatchOp envelope) to `resource`.
fn patch_with(
    mut resource: Map<String, Value>,
    kind: ResourceKind,
    mode: Mode,
    body: &Value,
) -> (Result<Map<String, Value>>, Vec<&'static str>) {
    let mut q = Quirks::new(mode);
    let r = parse_patch(body, kind, &mut q)
        .and_then(|ops| apply_patch(&mut resource, &ops, kind, &mut q));
    (r.map(|()| resource), q.labels())
}

fn envelope(ops: Value) -> Value {
    let mut body = Map::new();
    body.insert("schemas".into(), json!([PATCH]));
    body.insert("Operations".into(), ops);
    Value::Object(body)
}

fn parse_err(body: &Value, q: &mut Quirks) -> ScimError {
    match parse_patch(body, ResourceKind::User, q) {
        Ok(ops) => panic!("parse unexpectedly succeeded: {ops:?}"),
        Err(e) => e,
    }
}

fn patch(
    resource: Map<String, Value>,
    kind: ResourceKind,
    ops: Value,
) -> (Map<String, Value>, Vec<&'static str>) {
    let (r, labels) = patch_with(resource, kind, Mode::Tolerant, &envelope(ops));
    match r {
        Ok(res) => (res, labels),
        Err(e) => panic!("patch failed: {} ({:?})", e.detail, e.scim_type),
    }
}

fn patch_err(
    resource: Map<String, Value>,
    kind: ResourceKind,
    mode: Mode,
    ops: Value,
) -> ScimError {
    match patch_with(resource, kind, mode, &envelope(ops)).0 {
        Ok(res) => panic!("patch unexpectedly succeeded: {}", Value::Object(res)),
        Err(e) => e,
    }
}

fn schemas_of(res: &Map<String, Value>) -> Vec<&str> {
    res.get("schemas")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |a| a.iter().filter_map(Value::as_str).collect())
}

// --- Entra users -----------------------------------------------------------------------------

#[test]
fn entra_default_capitalised_replace_list() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"}
        ]),
    );
    assert_eq!(res["displayName"], "Pvlo");
    assert_eq!(
        res["emails"],
        json!([
            {"type": "work", "value": "TestBcwqnm@test.microsoft.com", "primary": true},
            {"type": "home", "value": "alice@home.example"}
        ])
    );
    assert_eq!(
        res["name"],
        json!({"givenName": "Gtfd", "familyName": "Pkqf", "middleName": "M"})
    );
    assert_eq!(res["externalId"], "Eqpj");
    assert_eq!(res[ENT], json!({"employeeNumber": "Eqpj"}));
    assert_eq!(schemas_of(&res), vec![USER_SCHEMA, ENT]);
    assert_eq!(res["id"], "2819c223");
    assert_eq!(labels, vec!["entra.capitalized-op"]);
}

#[test]
fn entra_aadopt_pathless_replace_with_dotted_and_urn_keys() {
    let body = envelope(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com"},
        {"op": "replace", "value": {
            "displayName": "Bjfe",
            "name.givenName": "Kkom",
            "name.familyName": "Unua",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
        }}
    ]));
    let (res, labels) = patch_with(user(), ResourceKind::User, Mode::Tolerant, &body);
    let res = res.expect("tolerant mode accepts the aadOptscim062020 shape");
    assert_eq!(res["emails"][0]["value"], "TestMhvaes@test.microsoft.com");
    assert_eq!(res["emails"].as_array().map(Vec::len), Some(2));
    assert_eq!(res["displayName"], "Bjfe");
    assert_eq!(
        res["name"],
        json!({"givenName": "Kkom", "familyName": "Unua", "middleName": "M"})
    );
    assert!(
        res.get("name.givenName").is_none(),
        "a dotted key must not become an attribute"
    );
    assert_eq!(res[ENT]["employeeNumber"], "Aklq");
    assert!(schemas_of(&res).contains(&ENT));
    assert_eq!(
        labels,
        vec![
            "okta.pathless-value",
            "entra.pathless-dotted-key",
            "entra.pathless-urn-key"
        ]
    );

    let (res, _) = patch_with(user(), ResourceKind::User, Mode::Strict, &body);
    let e = res.expect_err("strict mode rejects dotted path-less keys");
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains("name.givenName"), "{}", e.detail);
}

#[test]
fn entra_deactivate_with_string_false() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(res["active"], false);
    assert_eq!(labels, vec!["entra.capitalized-op", "entra.string-boolean"]);

    let (res, labels) = patch(
        res,
        ResourceKind::User,
        json!([{"op": "replace", "path": "active", "value": "true"}]),
    );
    assert_eq!(res["active"], true);
    assert_eq!(labels, vec!["entra.string-boolean"]);

    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Strict,
        json!([{"op": "replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "replace", "path": "active", "value": "nope"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(e.detail.contains("nope"), "{}", e.detail);
}

#[test]
fn okta_pathless_deactivate() {
    let body =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]});
    for mode in [Mode::Tolerant, Mode::Strict] {
        let (res, labels) = patch_with(user(), ResourceKind::User, mode, &body);
        let res = res.expect("rfc-valid in both modes");
        assert_eq!(res["active"], false);
        assert_eq!(res["userName"], "alice@example.com");
        assert_eq!(labels, vec!["okta.pathless-value"]);
    }
}

#[test]
fn add_work_email_when_user_has_no_emails_is_an_upsert() {
    let mut u = user();
    u.remove("emails");
    let (res, labels) = patch(
        u.clone(),
        ResourceKind::User,
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "new@example.com"}]),
    );
    assert_eq!(
        res["emails"],
        json!([{"type": "work", "value": "new@example.com"}])
    );
    assert_eq!(
        labels,
        vec!["entra.capitalized-op", "entra.filtered-path-upsert"]
    );

    let e = patch_err(
        u,
        ResourceKind::User,
        Mode::Strict,
        json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "new@example.com"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
    assert!(
        e.detail.contains("emails[type eq \"work\"].value"),
        "{}",
        e.detail
    );
}

#[test]
fn replace_filtered_path_with_no_match() {
    let ops = json!([{"op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}]);
    let (res, labels) = patch(user(), ResourceKind::User, ops.clone());
    assert_eq!(
        res["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0100"}])
    );
    assert_eq!(labels, vec!["entra.filtered-path-upsert"]);

    let e = patch_err(user(), ResourceKind::User, Mode::Strict, ops);
    assert_eq!((e.status, e.scim_type), (400, Some(ScimType::NoTarget)));

    // An existing array whose elements do not match gets the new element appended.
    let (res, _) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "o@x"}]),
    );
    assert_eq!(res["emails"].as_array().map(Vec::len), Some(3));
    assert_eq!(res["emails"][2], json!({"type": "other", "value": "o@x"}));
}

#[test]
fn filtered_sub_attribute_values_are_coerced_by_type() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "Add", "path": "roles[primary eq \"True\"].value", "value": "Admin"}]),
    );
    assert_eq!(res["roles"], json!([{"primary": true, "value": "Admin"}]));
    assert!(labels.contains(&"entra.filtered-path-upsert"), "{labels:?}");

    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "True"}]),
    );
    assert_eq!(res["emails"][1]["primary"], true);
    assert_eq!(
        res["emails"][0]["primary"], false,
        "only one primary may remain"
    );
    assert_eq!(labels, vec!["entra.string-boolean"]);
}

#[test]
fn manager_as_string_object_and_array() {
    let path = format!("{ENT}:manager");
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "Add", "path": path, "value": "45619541"}]),
    );
    assert_eq!(res[ENT]["manager"], json!({"value": "45619541"}));
    assert_eq!(labels, vec!["entra.capitalized-op", "entra.manager-string"]);

    let (res, labels) = patch(
        res,
        ResourceKind::User,
        json!([{"op": "replace", "path": path, "value": [{"$ref": "../Users/26118915", "value": "26118915"}]}]),
    );
    assert_eq!(
        res[ENT]["manager"],
        json!({"$ref": "../Users/26118915", "value": "26118915"})
    );
    assert_eq!(labels, vec!["entra.manager-array"]);

    // A different manager replaces the object: no stale $ref or displayName survives.
    let (res, labels) = patch(
        res,
        ResourceKind::User,
        json!([{"op": "replace", "path": path, "value": {"value": "m-3"}}]),
    );
    assert_eq!(res[ENT]["manager"], json!({"value": "m-3"}));
    assert!(labels.is_empty(), "{labels:?}");
    assert!(schemas_of(&res).contains(&ENT));

    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Strict,
        json!([{"op": "add", "path": path, "value": "45619541"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn remove_manager_by_filter_on_single_valued_attribute() {
    let mut u = user();
    u.insert(
        ENT.into(),
        json!({"manager": {"value": "m-1"}, "department": "Sales"}),
    );
    u.insert("schemas".into(), json!([USER_SCHEMA, ENT]));
    let ops = json!([{"op": "remove", "path": "manager[value eq \"m-1\"]"}]);
    let (res, labels) = patch(u.clone(), ResourceKind::User, ops.clone());
    assert_eq!(res[ENT], json!({"department": "Sales"}));
    assert_eq!(labels, vec!["entra.filter-on-single-valued"]);

    // A filter naming another manager leaves it alone.
    let (res, _) = patch(
        u.clone(),
        ResourceKind::User,
        json!([{"op": "remove", "path": "manager[value eq \"m-2\"]"}]),
    );
    assert_eq!(res[ENT]["manager"], json!({"value": "m-1"}));

    let e = patch_err(u.clone(), ResourceKind::User, Mode::Strict, ops);
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));

    // Removing the last enterprise attribute drops the extension and its schemas entry.
    let mut u = u;
    u.insert(ENT.into(), json!({"manager": {"value": "m-1"}}));
    let path = format!("{ENT}:manager[value eq \"m-1\"]");
    let (res, _) = patch(
        u,
        ResourceKind::User,
        json!([{"op": "remove", "path": path}]),
    );
    assert!(res.get(ENT).is_none());
    assert_eq!(schemas_of(&res), vec![USER_SCHEMA]);
}

#[test]
fn roles_add_with_json_in_a_string() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "Add", "path": "roles", "value": "{\"id\":\"06b07648-ecfe-589f-9d2f-6f6\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]),
    );
    assert_eq!(
        res["roles"],
        json!([{"id": "06b07648-ecfe-589f-9d2f-6f6", "value": "25", "displayName": "Role1234"}])
    );
    assert_eq!(labels, vec!["entra.capitalized-op", "entra.json-in-string"]);

    // Adding the same role again does not duplicate it.
    let (res, _) = patch(
        res,
        ResourceKind::User,
        json!([{"op": "add", "path": "roles", "value": [{"id": "06b07648-ecfe-589f-9d2f-6f6", "value": "25", "displayName": "Role1234"}]}]),
    );
    assert_eq!(res["roles"].as_array().map(Vec::len), Some(1));
}

#[test]
fn add_on_existing_single_valued_attribute_replaces_it() {
    let mut u = user();
    u.insert("nickName".into(), json!("Al"));
    let (res, labels) = patch(
        u.clone(),
        ResourceKind::User,
        json!([{"op": "Add", "path": "nickName", "value": "Babs"}]),
    );
    assert_eq!(res["nickName"], "Babs");
    assert_eq!(
        labels,
        vec!["entra.capitalized-op", "entra.add-single-valued"]
    );

    let (res, labels) = patch_with(
        u,
        ResourceKind::User,
        Mode::Strict,
        &envelope(json!([{"op": "add", "path": "nickName", "value": "Babs"}])),
    );
    assert_eq!(
        res.expect("rfc allows add on single-valued")["nickName"],
        "Babs"
    );
    assert_eq!(labels, vec!["entra.add-single-valued"]);

    // Add on an attribute without a value is plain RFC: no label.
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "add", "path": "title", "value": "CTO"}]),
    );
    assert_eq!(res["title"], "CTO");
    assert!(labels.is_empty(), "{labels:?}");
}

#[test]
fn replace_complex_merges_and_null_unassigns() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([
            {"op": "replace", "path": "name", "value": {"givenName": "Ann", "middleName": null}},
            {"op": "replace", "path": "displayName", "value": null}
        ]),
    );
    assert_eq!(
        res["name"],
        json!({"givenName": "Ann", "familyName": "Old"})
    );
    assert!(res.get("displayName").is_none());
    assert!(labels.contains(&"entra.null-attribute"), "{labels:?}");
}

#[test]
fn primary_moves_when_a_new_primary_email_is_added() {
    let (res, _) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "add", "path": "emails", "value": [{"type": "other", "value": "x@example.com", "primary": true}]}]),
    );
    assert_eq!(res["emails"][0]["primary"], false);
    assert_eq!(res["emails"][2]["primary"], true);
}

#[test]
fn pathless_whole_extension_object_is_the_rfc_form() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "add", "value": {
            ENT: {"department": "R&D", "manager": {"value": "m-9"}},
            "urn:ietf:params:scim:schemas:core:2.0:User:title": "Eng"
        }}]),
    );
    assert_eq!(
        res[ENT],
        json!({"department": "R&D", "manager": {"value": "m-9"}})
    );
    assert_eq!(res["title"], "Eng");
    assert!(
        res.get("urn:ietf:params:scim:schemas:core:2.0:User:title")
            .is_none()
    );
    assert_eq!(schemas_of(&res), vec![USER_SCHEMA, ENT]);
    // Only the core-urn-qualified key is a deviation; the nested extension object is RFC.
    assert_eq!(
        labels,
        vec!["okta.pathless-value", "entra.pathless-urn-key"]
    );
}

#[test]
fn filtered_whole_element_replace_merges_sub_attributes() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "z@example.com", "display": "Z"}}]),
    );
    assert_eq!(
        res["emails"][0],
        json!({"type": "work", "value": "z@example.com", "primary": true, "display": "Z"})
    );
    assert_eq!(res["emails"][1], user()["emails"][1]);
    assert!(labels.is_empty(), "{labels:?}");

    // Removing a sub-attribute of the matching elements only.
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
    );
    assert_eq!(
        res["emails"][0],
        json!({"type": "work", "value": "alice@example.com"})
    );
    assert_eq!(labels, vec!["entra.remove-by-filter"]);
}

// --- Groups ---------------------------------------------------------------------------------

#[test]
fn entra_add_members_with_null_ref() {
    let (res, labels) = patch(
        group(),
        ResourceKind::Group,
        json!([{"op": "Add", "path": "members", "value": [
            {"$ref": null, "value": "f648f8d5ea4e4cd38e9c"},
            {"$ref": null, "value": "u1091"}
        ]}]),
    );
    assert_eq!(
        res["members"],
        json!([
            {"value": "89bb1940", "display": "old.user@okta.local"},
            {"value": "u1091", "display": "u1091@example.com"},
            {"value": "f648f8d5ea4e4cd38e9c"}
        ])
    );
    assert_eq!(labels, vec!["entra.capitalized-op", "entra.null-ref"]);

    let mut g = group();
    g.remove("members");
    let (res, _) = patch(
        g,
        ResourceKind::Group,
        json!([{"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "a"}]}]),
    );
    assert_eq!(res["members"], json!([{"value": "a"}]));
}

#[test]
fn entra_remove_members_by_value_list() {
    let ops = json!([{"op": "Remove", "path": "members", "value": [{"value": "u1091"}]}]);
    let (res, labels) = patch(group(), ResourceKind::Group, ops);
    assert_eq!(
        res["members"],
        json!([{"value": "89bb1940", "display": "old.user@okta.local"}])
    );
    assert_eq!(
        labels,
        vec!["entra.capitalized-op", "entra.remove-by-value-list"]
    );

    // Removing the last member unassigns the attribute.
    let (res, _) = patch(
        res,
        ResourceKind::Group,
        json!([{"op": "remove", "path": "members", "value": [{"value": "89bb1940"}]}]),
    );
    assert!(res.get("members").is_none());

    let e = patch_err(
        group(),
        ResourceKind::Group,
        Mode::Strict,
        json!([{"op": "remove", "path": "members", "value": [{"value": "u1091"}]}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(
        e.detail.contains("remove does not take a value"),
        "{}",
        e.detail
    );
    assert!(
        e.detail.contains("members[value eq \\\"u1091\\\"]"),
        "{}",
        e.detail
    );
}

#[test]
fn remove_members_by_filter() {
    let ops = json!([{"op": "remove", "path": "members[value eq \"89bb1940\"]"}]);
    for mode in [Mode::Tolerant, Mode::Strict] {
        let (res, labels) = patch_with(group(), ResourceKind::Group, mode, &envelope(ops.clone()));
        let res = res.expect("rfc form");
        assert_eq!(
            res["members"],
            json!([{"value": "u1091", "display": "u1091@example.com"}])
        );
        assert_eq!(labels, vec!["entra.remove-by-filter"]);
    }
    // Removing a member that is not there is a no-op (Entra and Okta re-send removals).
    let (res, _) = patch(
        group(),
        ResourceKind::Group,
        json!([{"op": "remove", "path": "members[value eq \"gone\"]"}]),
    );
    assert_eq!(res["members"], group()["members"]);
}

#[test]
fn okta_group_patch_rename_with_id_remove_and_add() {
    let ops = json!([
        {"op": "replace", "value": {"id": "abf4dd94", "displayName": "Test SCIMv2 renamed"}},
        {"op": "remove", "path": "members[value eq \"89bb1940\"]"},
        {"op": "add", "path": "members", "value": [{"value": "23a35c27", "display": "test.user@okta.local"}]}
    ]);
    let (res, labels) = patch(group(), ResourceKind::Group, ops.clone());
    assert_eq!(res["id"], "abf4dd94");
    assert_eq!(res["displayName"], "Test SCIMv2 renamed");
    assert_eq!(
        res["members"],
        json!([
            {"value": "u1091", "display": "u1091@example.com"},
            {"value": "23a35c27", "display": "test.user@okta.local"}
        ])
    );
    assert_eq!(
        labels,
        vec![
            "okta.pathless-value",
            "okta.pathless-replace-with-id",
            "entra.remove-by-filter"
        ]
    );

    let e = patch_err(group(), ResourceKind::Group, Mode::Strict, ops);
    assert_eq!(e.scim_type, Some(ScimType::Mutability));

    for mode in [Mode::Tolerant, Mode::Strict] {
        let e = patch_err(
            group(),
            ResourceKind::Group,
            mode,
            json!([{"op": "replace", "value": {"id": "other-id", "displayName": "x"}}]),
        );
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
        assert!(e.detail.contains("other-id"), "{}", e.detail);
    }
}

#[test]
fn okta_replace_members_whole() {
    let (res, labels) = patch(
        group(),
        ResourceKind::Group,
        json!([{"op": "replace", "path": "members", "value": [
            {"value": "23a35c27", "display": "test.user@okta.local"},
            {"value": "23a35c27", "display": "dup"},
            {"value": "c0ffee"}
        ]}]),
    );
    assert_eq!(
        res["members"],
        json!([{"value": "23a35c27", "display": "test.user@okta.local"}, {"value": "c0ffee"}])
    );
    assert!(labels.is_empty(), "{labels:?}");

    let (res, _) = patch(
        group(),
        ResourceKind::Group,
        json!([{"op": "replace", "path": "members", "value": []}]),
    );
    assert!(res.get("members").is_none());
}

#[test]
fn entra_group_rename() {
    let (res, labels) = patch(
        group(),
        ResourceKind::Group,
        json!([{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]),
    );
    assert_eq!(
        res["displayName"],
        "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    );
    assert_eq!(labels, vec!["entra.capitalized-op"]);
}

// --- Envelope and errors ------------------------------------------------------------------------

#[test]
fn unknown_op_is_invalid_syntax_naming_it() {
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "merge", "path": "title", "value": "x"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(
        e.detail.contains("'merge'") && e.detail.contains("add, replace or remove"),
        "{}",
        e.detail
    );
}

#[test]
fn capitalised_op_is_rejected_in_strict_mode() {
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Strict,
        json!([{"op": "Replace", "path": "title", "value": "x"}]),
    );
    assert_eq!(
        (e.status, e.scim_type),
        (400, Some(ScimType::InvalidSyntax))
    );
    assert!(
        e.detail.contains("'Replace'") && e.detail.contains("\"replace\""),
        "{}",
        e.detail
    );
}

#[test]
fn envelope_errors() {
    let mut q = Quirks::new(Mode::Tolerant);
    let e = parse_err(&json!({"schemas": [PATCH]}), &mut q);
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains("'Operations' is missing"), "{}", e.detail);
    let e = parse_err(
        &json!({"schemas": [PATCH], "Operations": []}),
        &mut Quirks::new(Mode::Strict),
    );
    assert!(e.detail.contains("empty"), "{}", e.detail);
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = parse_err(
        &json!({"schemas": [PATCH], "Operations": {"op": "add"}}),
        &mut q,
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = parse_err(&json!([1]), &mut q);
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    let e = parse_err(&envelope(json!(["add"])), &mut q);
    assert!(e.detail.contains("operation 1"), "{}", e.detail);
    let e = parse_err(&envelope(json!([{"path": "title", "value": "x"}])), &mut q);
    assert!(e.detail.contains("no 'op'"), "{}", e.detail);
    let e = parse_err(&envelope(json!([{"op": "add", "path": "title"}])), &mut q);
    assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    assert!(e.detail.contains("no 'value'"), "{}", e.detail);
    let e = parse_err(&envelope(json!([{"op": "replace", "value": "x"}])), &mut q);
    assert!(e.detail.contains("object 'value'"), "{}", e.detail);
    assert!(q.as_slice().is_empty(), "{:?}", q.labels());
}

#[test]
fn missing_schemas_and_lowercase_operations_key() {
    let body = json!({"operations": [{"op": "replace", "path": "title", "value": "x"}]});
    let (res, labels) = patch_with(user(), ResourceKind::User, Mode::Tolerant, &body);
    assert_eq!(res.expect("tolerant")["title"], "x");
    assert_eq!(
        labels,
        vec!["scim.missing-schemas", "scim.attribute-name-case"]
    );
    let (res, _) = patch_with(user(), ResourceKind::User, Mode::Strict, &body);
    assert_eq!(
        res.err().and_then(|e| e.scim_type),
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn path_errors_are_invalid_path() {
    for path in [
        json!("emails[type eq \"work\""),
        json!(""),
        json!(5),
        json!("name.givenName.x"),
    ] {
        let e = patch_err(
            user(),
            ResourceKind::User,
            Mode::Tolerant,
            json!([{"op": "replace", "path": path, "value": "x"}]),
        );
        assert_eq!(
            e.scim_type,
            Some(ScimType::InvalidPath),
            "{path}: {}",
            e.detail
        );
    }
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "replace", "path": "displayName.x", "value": "x"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "remove", "path": "userName[value eq \"x\"]"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn remove_without_path() {
    for mode in [Mode::Tolerant, Mode::Strict] {
        let e = patch_err(
            group(),
            ResourceKind::Group,
            mode,
            json!([{"op": "remove"}]),
        );
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
    }
    let ops = json!([{"op": "remove", "value": {"members": [{"value": "u1091"}]}}]);
    let (res, labels) = patch(group(), ResourceKind::Group, ops.clone());
    assert_eq!(
        res["members"],
        json!([{"value": "89bb1940", "display": "old.user@okta.local"}])
    );
    assert_eq!(
        labels,
        vec!["okta.pathless-value", "entra.remove-by-value-list"]
    );
    let e = patch_err(group(), ResourceKind::Group, Mode::Strict, ops);
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn read_only_id_tolerant_and_strict() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "replace", "path": "id", "value": "2819c223"}]),
    );
    assert_eq!(res["id"], "2819c223");
    assert_eq!(labels, vec!["okta.put-echoes-readonly"]);
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Strict,
        json!([{"op": "replace", "path": "id", "value": "2819c223"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "replace", "path": "id", "value": "new"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::Mutability));

    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([
            {"op": "replace", "path": "meta.lastModified", "value": "2030-01-01T00:00:00Z"},
            {"op": "add", "path": "groups", "value": [{"value": "g1"}]}
        ]),
    );
    assert_eq!(res["meta"], user()["meta"]);
    assert!(res.get("groups").is_none());
    assert_eq!(labels, vec!["okta.put-echoes-readonly"]);
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Strict,
        json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
}

#[test]
fn pathless_meta_schemas_and_password_are_dropped() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "replace", "value": {
            "schemas": ["urn:x"], "meta": {"resourceType": "User"}, "password": "1mz050nq", "title": "Dr"
        }}]),
    );
    assert_eq!(res["title"], "Dr");
    assert!(res.get("password").is_none());
    assert_eq!(res["meta"], user()["meta"]);
    assert_eq!(schemas_of(&res), vec![USER_SCHEMA]);
    assert_eq!(
        labels,
        vec![
            "okta.pathless-value",
            "entra.client-sent-meta",
            "okta.password-sent"
        ]
    );

    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "replace", "path": "password", "value": "s3cret"}]),
    );
    assert!(res.get("password").is_none());
    assert_eq!(labels, vec!["okta.password-sent"]);
}

#[test]
fn required_attributes_cannot_be_removed() {
    for (res, kind, path) in [
        (user(), ResourceKind::User, "userName"),
        (group(), ResourceKind::Group, "displayName"),
    ] {
        let e = patch_err(
            res.clone(),
            kind,
            Mode::Tolerant,
            json!([{"op": "remove", "path": path}]),
        );
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
        assert!(e.detail.contains(path), "{}", e.detail);
        let e = patch_err(
            res,
            kind,
            Mode::Tolerant,
            json!([{"op": "replace", "path": path, "value": null}]),
        );
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
    }
}

#[test]
fn unknown_attributes_and_extensions() {
    let custom = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([
            {"op": "add", "path": "role", "value": "Admin"},
            {"op": "add", "path": format!("{custom}:employeeType"), "value": "Contractor"},
            {"op": "replace", "value": {custom: {"costCentre": "42"}}}
        ]),
    );
    assert_eq!(res["role"], "Admin");
    assert_eq!(
        res[custom],
        json!({"employeeType": "Contractor", "costCentre": "42"})
    );
    assert!(schemas_of(&res).contains(&custom));
    assert_eq!(
        labels,
        vec!["okta.unknown-attribute", "okta.pathless-value"]
    );

    // Removing the whole extension removes its schemas entry too.
    let (res, _) = patch(
        res,
        ResourceKind::User,
        json!([{"op": "remove", "path": custom}]),
    );
    assert!(res.get(custom).is_none());
    assert!(!schemas_of(&res).contains(&custom));
}

#[test]
fn names_are_canonicalised() {
    let (res, labels) = patch(
        user(),
        ResourceKind::User,
        json!([
            {"op": "replace", "path": "DisplayName", "value": "A"},
            {"op": "replace", "path": "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department", "value": "R&D"}
        ]),
    );
    assert_eq!(res["displayName"], "A");
    assert!(res.get("DisplayName").is_none());
    assert_eq!(res[ENT], json!({"department": "R&D"}));
    assert!(labels.contains(&"scim.attribute-name-case"), "{labels:?}");
}

#[test]
fn never_panics_on_odd_input() {
    let values = [
        json!(null),
        json!(true),
        json!(1),
        json!("x"),
        json!([]),
        json!([1, "a", null]),
        json!({}),
        json!({"value": {}}),
    ];
    let paths = [
        json!(null),
        json!("members"),
        json!("emails"),
        json!("name"),
        json!("name.givenName"),
        json!("manager"),
        json!("emails[type eq \"work\"]"),
        json!("members[value eq \"u1\"].display"),
        json!("meta"),
        json!("id"),
        json!(format!("{ENT}")),
        json!(format!("{ENT}:manager.value")),
        json!("urn:x:schemas:y"),
        json!("active"),
    ];
    for op in ["add", "replace", "remove"] {
        for path in &paths {
            for value in &values {
                for kind in [ResourceKind::User, ResourceKind::Group] {
                    for mode in [Mode::Tolerant, Mode::Strict] {
                        let res = if kind == ResourceKind::User {
                            user()
                        } else {
                            group()
                        };
                        let body = envelope(json!([{"op": op, "path": path, "value": value}]));
                        let _ = patch_with(res, kind, mode, &body);
                    }
                }
            }
        }
    }
    let mut odd = user();
    odd.insert("emails".into(), json!("not-an-array"));
    odd.insert(ENT.into(), json!(7));
    odd.remove("schemas");
    let _ = patch_with(
        odd,
        ResourceKind::User,
        Mode::Tolerant,
        &envelope(json!([
            {"op": "add", "path": "emails[type eq \"work\"].value", "value": "x"},
            {"op": "add", "path": format!("{ENT}:manager"), "value": "m"}
        ])),
    );
}

/// Issue 11 §4: a password never lands in the resource, whatever the path or value carries it.
#[test]
fn passwords_in_extensions_values_and_elements_are_dropped() {
    let custom = "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User";
    for ops in [
        json!([{"op": "replace", "path": format!("{ENT}:password"), "value": "S1"}]),
        json!([{"op": "add", "path": format!("{ENT}:PASSWORD"), "value": "S1"}]),
        json!([{"op": "replace", "path": format!("{custom}:password"), "value": "S1"}]),
        json!([{"op": "replace", "value": {format!("{ENT}:password"): "S1"}}]),
        json!([{"op": "replace", "value": {ENT: {"department": "Ops", "Password": "S1"}}}]),
        json!([{"op": "add", "path": ENT, "value": {"password": "S1"}}]),
        json!([{"op": "add", "path": custom, "value": {"nested": [{"pAssWord": "S1"}]}}]),
        json!([{"op": "replace", "path": "name", "value": {"givenName": "A", "password": "S1"}}]),
        json!([{"op": "add", "path": "emails", "value": [{"value": "x@y", "password": "S1"}]}]),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].password", "value": "S1"}]),
        json!([{"op": "replace", "value": {"name.password": "S1"}}]),
        json!([{"op": "add", "path": "x-custom", "value": {"password": "S1"}}]),
    ] {
        let (res, labels) = patch(user(), ResourceKind::User, ops.clone());
        let text = Value::Object(res).to_string();
        assert!(!text.contains("S1"), "{ops}: stored {text}");
        assert!(
            !text.to_ascii_lowercase().contains("password"),
            "{ops}: {text}"
        );
        assert!(labels.contains(&"okta.password-sent"), "{ops}: {labels:?}");
    }
}

#[test]
fn a_password_stored_by_an_older_version_goes_silently() {
    let mut old = user();
    old.insert(
        ENT.into(),
        json!({"password": "legacy", "department": "Ops"}),
    );
    let (res, labels) = patch(
        old,
        ResourceKind::User,
        json!([{"op": "replace", "path": "title", "value": "Dr"}]),
    );
    assert!(!Value::Object(res.clone()).to_string().contains("legacy"));
    assert_eq!(res[ENT]["department"], "Ops");
    assert!(!labels.contains(&"okta.password-sent"), "{labels:?}");
}

/// `{"a": {"a": … 1}}` with `n` objects.
fn nested(n: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..n {
        v = json!({ "a": v });
    }
    v
}

/// Issue 11 §3: nothing a PATCH produces may be too deep to read back.
#[test]
fn values_and_results_deeper_than_the_limit_are_refused_naming_it() {
    let limit = crate::depth::MAX_DEPTH;
    // A value that alone crosses the limit: refused while parsing, naming the operation.
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "add", "path": "x", "value": nested(limit + 1)}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(
        e.detail.contains("operation 1") && e.detail.contains("32 levels"),
        "{}",
        e.detail
    );
    // A value under the limit that lands too deep (inside an extension): refused after applying.
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "add", "path": "urn:example:custom:2.0:User:deep", "value": nested(limit - 1)}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    assert!(
        e.detail.contains("32 levels") && e.detail.contains("urn:example:custom:2.0:User.deep"),
        "{}",
        e.detail
    );
    // At the limit it is accepted.
    let (res, _) = patch(
        user(),
        ResourceKind::User,
        json!([{"op": "add", "path": "x", "value": nested(limit - 1)}]),
    );
    assert_eq!(crate::depth::depth_up_to(&Value::Object(res), 64), limit);
    // JSON in a string is unwrapped, so it counts too.
    let deep_text = nested(limit + 1).to_string();
    let e = patch_err(
        user(),
        ResourceKind::User,
        Mode::Tolerant,
        json!([{"op": "add", "path": "roles", "value": [{"value": deep_text}]}]),
    );
    assert!(
        e.detail.contains("inside a string in 'roles'") && e.detail.contains("32 levels"),
        "{}",
        e.detail
    );
}

/// Issue 11 §7: the same answer to a control character in a name on PATCH as on create.
#[test]
fn control_characters_in_names_are_refused() {
    for (res, kind, path) in [
        (user(), ResourceKind::User, "userName"),
        (group(), ResourceKind::Group, "displayName"),
    ] {
        let e = patch_err(
            res.clone(),
            kind,
            Mode::Tolerant,
            json!([{"op": "replace", "path": path, "value": "bad\u{0}name"}]),
        );
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert!(
            e.detail.contains("U+0000") && e.detail.contains("character 4"),
            "{}",
            e.detail
        );
    }
}
