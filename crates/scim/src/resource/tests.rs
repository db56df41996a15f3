//! Tests of `resource.rs`.

use super::*;
use crate::quirks::Mode;
use serde_json::json;

fn ingest_user(body: Value) -> (Result<Map<String, Value>>, Vec<&'static str>) {
    let mut q = Quirks::new(Mode::Tolerant);
    let r = ingest(ResourceKind::User, body, &mut q);
    (r, q.labels())
}

#[test]
fn okta_create_drops_password_and_groups_and_keeps_custom_attributes() {
    let (r, labels) = ingest_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local", "password": "1mz050nq", "groups": [],
        "role": "Admin", "active": true
    }));
    let r = r.unwrap();
    assert!(r.get("password").is_none());
    assert!(r.get("groups").is_none());
    assert_eq!(r["role"], "Admin");
    assert!(labels.contains(&"okta.password-sent"));
    assert!(labels.contains(&"okta.unknown-attribute"));
}

#[test]
fn entra_create_with_meta_nulls_and_custom_extension() {
    let (r, labels) = ingest_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "UserName": "a@b.c", "meta": {"resourceType": "User"}, "title": null, "roles": [],
        "active": "True",
        "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User": {"employeeType": "Admin"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "m-1"}
    }));
    let r = r.unwrap();
    assert_eq!(r["userName"], "a@b.c");
    assert_eq!(r["active"], true);
    assert!(r.get("title").is_none());
    assert_eq!(r[ENTERPRISE]["manager"], json!({"value": "m-1"}));
    let schemas = r["schemas"].as_array().unwrap();
    assert!(
        schemas
            .iter()
            .any(|s| s == "urn:ietf:params:scim:schemas:extension:Contoso:2.0:User")
    );
    for l in [
        "entra.client-sent-meta",
        "entra.null-attribute",
        "entra.string-boolean",
        "entra.extension-not-in-schemas",
        "entra.manager-string",
        "scim.attribute-name-case",
    ] {
        assert!(labels.contains(&l), "missing {l} in {labels:?}");
    }
}

#[test]
fn strict_rejects_string_boolean_and_missing_schemas() {
    let mut q = Quirks::new(Mode::Strict);
    let e = ingest(ResourceKind::User, json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x","active":"False"}), &mut q).unwrap_err();
    assert_eq!(e.status, 400);
    assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidValue));
    let e = ingest(
        ResourceKind::User,
        json!({"userName":"x"}),
        &mut Quirks::new(Mode::Strict),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidSyntax));
}

#[test]
fn missing_user_name_is_invalid_value() {
    let (r, _) = ingest_user(json!({"schemas":[], "displayName": "x"}));
    let e = r.unwrap_err();
    assert!(e.detail.contains("userName"), "{}", e.detail);
    let (r, _) = ingest_user(json!([1, 2]));
    assert_eq!(
        r.unwrap_err().scim_type,
        Some(crate::error::ScimType::InvalidSyntax)
    );
}

#[test]
fn members_with_null_ref_are_cleaned() {
    let mut q = Quirks::new(Mode::Tolerant);
    let r = ingest(
        ResourceKind::Group,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", MICROSOFT_GROUP_SCHEMA],
            "displayName": "g", "members": [{"$ref": null, "value": "u1"}]
        }),
        &mut q,
    )
    .unwrap();
    assert_eq!(r["members"], json!([{"value": "u1"}]));
    assert!(q.contains(Quirk::NullRef) && q.contains(Quirk::MicrosoftGroupSchema));
}

#[test]
fn projection_includes_and_excludes() {
    let res = json!({"id": "1", "schemas": [], "meta": {}, "userName": "u",
        "emails": [{"value": "a", "type": "work"}], "displayName": "d",
        ENTERPRISE: {"department": "x", "employeeNumber": "7"}});
    let inc = vec![AttrPath {
        urn: None,
        name: "emails".into(),
        sub: Some("value".into()),
    }];
    let p = project(res.clone(), &inc, &[]);
    assert_eq!(p["emails"], json!([{"value": "a"}]));
    assert!(p.get("userName").is_none() && p.get("id").is_some());
    let exc = vec![
        AttrPath::simple("displayName"),
        AttrPath {
            urn: Some(ENTERPRISE.into()),
            name: "department".into(),
            sub: None,
        },
    ];
    let p = project(res, &[], &exc);
    assert!(p.get("displayName").is_none());
    assert_eq!(p[ENTERPRISE], json!({"employeeNumber": "7"}));
}

#[test]
fn passwords_hidden_behind_urn_keys_are_dropped_too() {
    let (r, labels) = ingest_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "urn:ietf:params:scim:schemas:core:2.0:User": {"userName": "a", "password": "S1"},
        "urn:ietf:params:scim:schemas:core:2.0:User:password": "S2",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops",
        "urn:example:custom:2.0:User": {"Password": "S3", "nested": [{"password": "S4"}], "role": "Admin"}
    }));
    let r = r.unwrap();
    let text = Value::Object(r.clone()).to_string();
    for secret in ["S1", "S2", "S3", "S4"] {
        assert!(!text.contains(secret), "{secret} stored: {text}");
    }
    assert_eq!(r["userName"], "a");
    assert_eq!(r[ENTERPRISE]["department"], "Ops");
    assert_eq!(r["urn:example:custom:2.0:User"]["role"], "Admin");
    assert!(labels.contains(&"okta.password-sent"));
    assert!(!r["schemas"].to_string().contains(":User:password"));
}

/// Issue 11 §4: the enterprise extension's `password` used to be stored and returned by GET.
#[test]
fn passwords_in_known_extensions_and_complex_attributes_are_dropped() {
    let (r, labels) = ingest_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "a",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:password": "S1",
        ENTERPRISE: {"PASSWORD": "S2", "department": "Ops", "manager": {"value": "m", "password": "S3"}},
        "name": {"givenName": "A", "password": "S4"},
        "emails": [{"value": "a@b.c", "Password": "S5"}],
        "roles": [{"value": "{\"value\":\"Admin\",\"password\":\"S6\"}"}],
        "x": {"name.password": "S7", "urn:x:password": "S8", "passwordHint": "kept"}
    }));
    let r = r.unwrap();
    let text = Value::Object(r.clone()).to_string();
    for secret in ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"] {
        assert!(!text.contains(secret), "{secret} stored: {text}");
    }
    assert_eq!(r[ENTERPRISE]["department"], "Ops");
    assert_eq!(
        r["x"]["passwordHint"], "kept",
        "only password names are dropped"
    );
    assert!(labels.contains(&"okta.password-sent"));
}

#[test]
fn password_names() {
    for k in [
        "password",
        "Password",
        " PASSWORD ",
        "urn:ietf:params:scim:schemas:core:2.0:User:password",
        "name.password",
    ] {
        assert!(is_password_key(k), "{k}");
    }
    for k in ["passwords", "oldPassword", "passwordHint", "pass"] {
        assert!(!is_password_key(k), "{k}");
    }
}

/// `{"a": {"a": … 1}}` with `n` objects.
fn nested(n: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..n {
        v = json!({ "a": v });
    }
    v
}

/// Issue 11 §3: a create ~126 levels deep was accepted and broke every read.
#[test]
fn resources_deeper_than_the_limit_are_refused_naming_it() {
    let limit = crate::depth::MAX_DEPTH;
    // The resource object is level 1: an attribute may hold `limit - 1` more levels.
    let ok = json!({"schemas": [], "userName": "a", "deep": nested(limit - 1)});
    assert!(ingest_user(ok).0.is_ok());
    for body in [
        json!({"schemas": [], "userName": "a", "deep": nested(limit)}),
        json!({"schemas": [], "userName": "a", "deep": nested(120)}),
        json!({"schemas": [], "userName": "a", ENTERPRISE: {"x": nested(limit - 1)}}),
        json!({"schemas": [], "userName": "a", "urn:example:ext:2.0:User": {"x": nested(limit - 1)}}),
        json!({"schemas": [], "userName": "a", "roles": [{"value": nested(limit).to_string()}]}),
        json!({"schemas": [], "userName": "a", "roles": nested(limit).to_string()}),
    ] {
        let e = ingest_user(body.clone()).0.unwrap_err();
        assert_eq!(e.status, 400, "{body}");
        assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidValue));
        assert!(e.detail.contains("32 levels"), "{}", e.detail);
    }
}

/// Issue 11 §7: one answer for a control character in a name, naming it and its position.
#[test]
fn control_characters_in_unique_names_are_refused() {
    let e = ingest_user(json!({"schemas": [], "userName": "ab\u{0}c"}))
        .0
        .unwrap_err();
    assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidValue));
    assert!(
        e.detail.contains("'userName'")
            && e.detail.contains("U+0000")
            && e.detail.contains("character 3"),
        "{}",
        e.detail
    );
    let e = ingest(
        ResourceKind::Group,
        json!({"schemas": [], "displayName": "Ops\nTeam"}),
        &mut Quirks::new(Mode::Tolerant),
    )
    .unwrap_err();
    assert!(e.detail.contains("U+000A"), "{}", e.detail);
    // Control characters elsewhere are data, stored as sent.
    let (r, _) = ingest_user(json!({"schemas": [], "userName": "a", "title": "x\ty"}));
    assert_eq!(r.unwrap()["title"], "x\ty");
}

#[test]
fn role_json_inside_an_element_value_is_unwrapped() {
    let (r, labels) = ingest_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a",
        "roles": [{"primary": "True", "value": "{\"id\":\"06b0\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]
    }));
    let r = r.unwrap();
    assert_eq!(
        r["roles"],
        json!([{"primary": true, "id": "06b0", "value": "25", "displayName": "Role1234"}])
    );
    assert!(labels.contains(&"entra.json-in-string") && labels.contains(&"entra.string-boolean"));
}

#[test]
fn wrong_types_are_kept_and_labelled_or_rejected_in_strict_mode() {
    let (r, labels) = ingest_user(
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "active": 1, "displayName": {"x": 1}}),
    );
    let r = r.unwrap();
    assert_eq!(r["active"], 1);
    assert!(labels.contains(&"scim.wrong-type"));
    let e = ingest(ResourceKind::User, json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "active": 1}), &mut Quirks::new(Mode::Strict)).unwrap_err();
    assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidValue));
    assert!(
        e.detail.contains("'active' must be true or false"),
        "{}",
        e.detail
    );
    let e = ingest(
        ResourceKind::User,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 7}),
        &mut Quirks::new(Mode::Tolerant),
    )
    .unwrap_err();
    assert!(e.detail.contains("userName"));
}

/// Issue 10: the vendor guide's Okta setup (Profile Editor attributes `email`, `name`,
/// `role` in the core namespace) sends `name` as a string. Tolerant mode stores it as sent.
#[test]
fn okta_guide_string_name_is_stored_as_sent_and_labelled() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@example.com", "active": true,
        "email": "ada@example.com", "name": "Ada Lovelace", "role": "Admin"
    });
    let (r, labels) = ingest_user(body.clone());
    let r = r.unwrap();
    assert_eq!(r["name"], "Ada Lovelace");
    assert_eq!(r["email"], "ada@example.com");
    assert_eq!(r["role"], "Admin");
    assert!(labels.contains(&"okta.string-name"), "{labels:?}");
    assert!(
        !labels.contains(&"scim.core-attribute-shadowed"),
        "{labels:?}"
    );
    let e = ingest(ResourceKind::User, body, &mut Quirks::new(Mode::Strict)).unwrap_err();
    assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidValue));
    assert!(
        e.detail.contains("'name' must be an object")
            && e.detail.contains("profile editor")
            && e.detail.contains("external namespace"),
        "{}",
        e.detail
    );
}

#[test]
fn core_attributes_of_another_type_are_kept_and_labelled() {
    for (attr, value) in [
        ("emails", json!("ada@example.com")),
        ("emails", json!([{"value": "a@b.c"}, 7])),
        ("phoneNumbers", json!(12345)),
        ("displayName", json!({"text": "Ada"})),
        ("userType", json!(["Admin"])),
        ("name", json!(["Ada", "Lovelace"])),
        ("roles", json!(true)),
    ] {
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                          "userName": "a", attr: value.clone()});
        let (r, labels) = ingest_user(body.clone());
        let r = r.unwrap_or_else(|e| panic!("{attr}: {}", e.detail));
        assert_eq!(r[attr], value, "{attr} not stored as sent");
        assert!(
            labels.contains(&"scim.core-attribute-shadowed"),
            "{attr}: {labels:?}"
        );
        let e = ingest(ResourceKind::User, body, &mut Quirks::new(Mode::Strict)).unwrap_err();
        assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidValue));
        assert!(e.detail.contains(&format!("'{attr}'")), "{}", e.detail);
    }
    // The enterprise manager's own quirks keep their labels.
    let (r, labels) = ingest_user(json!({"schemas": [], "userName": "a",
        ENTERPRISE: {"manager": "m-1", "department": {"id": 3}}}));
    let r = r.unwrap();
    assert_eq!(r[ENTERPRISE]["department"], json!({"id": 3}));
    assert!(labels.contains(&"entra.manager-string"), "{labels:?}");
}

#[test]
fn group_members_of_the_wrong_shape_stay_an_error() {
    for members in [json!("u1"), json!([1, 2])] {
        let e = ingest(
            ResourceKind::Group,
            json!({"schemas": [], "displayName": "g", "members": members}),
            &mut Quirks::new(Mode::Tolerant),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(crate::error::ScimType::InvalidValue));
        assert!(e.detail.contains("'members'"), "{}", e.detail);
    }
}

#[test]
fn malformed_enterprise_urn_in_schemas_is_labelled() {
    let (r, labels) = ingest_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
        "userName": "a", "department": "Sales", "manager": null
    }));
    assert_eq!(r.unwrap()["department"], "Sales");
    assert!(
        labels.contains(&"entra.malformed-enterprise-urn"),
        "{labels:?}"
    );
}
