//! Tests of `mapping/evaluate.rs`.

use super::super::profile::{FieldRule, MappingProfile, builtin_profile};
use super::super::{RoleCounts, StatusCounts, summarise};
use super::*;
use serde_json::json;

const TESTMAIL: &str = "urn:ietf:params:scim:schemas:extension:testmail:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const OKTA_NS: &str = "urn:okta:custom:2.0:User";

fn compiled(id: &str) -> CompiledProfile {
    builtin_profile(id).unwrap().compile().unwrap()
}

fn run(id: &str, user: &Value, creator: Idp) -> MappingResult {
    evaluate(&compiled(id), user, creator)
}

fn field(r: &MappingResult, f: TargetField) -> &FieldResult {
    r.field(f).unwrap()
}

/// An Entra user as the endpoint renders it, with `extra` merged in.
fn entra_user(extra: Value) -> Value {
    let mut u = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223",
        "externalId": "jdoe",
        "userName": "jdoe@contoso.com",
        "active": true,
        "displayName": "Jane Doe",
        "emails": [{"primary": true, "type": "work", "value": "jane@contoso.com"}],
        "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
        "roles": [],
        "meta": {"resourceType": "User", "created": "2026-01-01T00:00:00.000Z", "version": "W/\"1\""}
    });
    merge(&mut u, extra);
    u
}

/// An Okta user as the endpoint renders it, with `extra` merged in.
fn okta_user(extra: Value) -> Value {
    let mut u = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "9f8e7d",
        "userName": "test.user@okta.local",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "locale": "en-US",
        "active": true,
        "groups": [{"value": "g1", "display": "Sales"}],
        "meta": {"resourceType": "User"}
    });
    merge(&mut u, extra);
    u
}

fn merge(u: &mut Value, extra: Value) {
    if let (Value::Object(u), Value::Object(extra)) = (u, extra) {
        for (k, v) in extra {
            if v.is_null() {
                u.remove(&k);
            } else {
                u.insert(k, v);
            }
        }
    }
}

fn role_of(user: &Value, id: &str, creator: Idp) -> (Role, FieldResult) {
    let r = run(id, user, creator);
    (r.effective_role, field(&r, TargetField::Role).clone())
}

// ---- Entra ----

/// Issue 10: `employeeType` added as a plain target attribute lands at the top level.
#[test]
fn entra_top_level_employee_type() {
    let (role, f) = role_of(
        &entra_user(json!({"employeeType": "Admin"})),
        "entra",
        Idp::Entra,
    );
    assert_eq!(role, Role::Admin);
    assert_eq!(f.status, FieldStatus::Mapped);
    assert_eq!(f.path.as_deref(), Some("employeeType"));
    // Top level and an extension that disagree: the first source wins, flagged.
    let (role, f) = role_of(
        &entra_user(json!({"employeeType": "Admin", TESTMAIL: {"employeeType": "Member"}})),
        "entra",
        Idp::Entra,
    );
    assert_eq!((role, f.status), (Role::Admin, FieldStatus::Ambiguous));
}

/// The guide: names are case-sensitive. `EmployeeType` / `Role` are not read; the field is
/// `misnamed` and names the attribute and the rename in the IdP's words.
#[test]
fn names_in_another_case_are_misnamed_with_the_fix() {
    let (role, f) = role_of(
        &entra_user(json!({TESTMAIL: {"EmployeeType": "Admin"}})),
        "entra",
        Idp::Entra,
    );
    assert_eq!(role, Role::Member);
    assert_eq!(f.status, FieldStatus::Misnamed);
    assert_eq!(f.value.as_deref(), Some("Member"));
    assert_eq!(f.path, Some(format!("{TESTMAIL}:EmployeeType")));
    assert_eq!(f.raw, Some(json!("Admin")));
    assert!(
        f.explanation.contains("'employeeType'")
            && f.explanation.contains("attribute mapping")
            && f.explanation.contains("gets Member"),
        "{}",
        f.explanation
    );
    let r = run(
        "okta",
        &okta_user(json!({"Role": "Admin", "Email": "x@y.z", "Name": "Ann"})),
        Idp::Okta,
    );
    let f = field(&r, TargetField::Role);
    assert_eq!(
        (f.status, f.path.as_deref()),
        (FieldStatus::Misnamed, Some("Role"))
    );
    assert!(
        f.explanation.contains("profile editor"),
        "{}",
        f.explanation
    );
    // The display name still has displayName / name.* to fall back on; the email has
    // emails[primary]; only a field with nothing else is misnamed.
    let r = run(
        "okta",
        &json!({"userName": "u", "Email": "x@y.z", "Name": "Ann"}),
        Idp::Okta,
    );
    for (f, path) in [
        (TargetField::Email, "Email"),
        (TargetField::DisplayName, "Name"),
    ] {
        let got = field(&r, f);
        assert_eq!(got.status, FieldStatus::Misnamed, "{got:?}");
        assert_eq!(got.path.as_deref(), Some(path));
        assert_eq!(got.value, None);
    }
    // A right-case attribute wins over a wrong-case one, which stays unmapped.
    let r = run(
        "okta",
        &json!({"userName": "u", "role": "Admin", "Role": "Member"}),
        Idp::Okta,
    );
    assert_eq!(field(&r, TargetField::Role).status, FieldStatus::Mapped);
    assert_eq!(r.effective_role, Role::Admin);
    assert!(r.unmapped.contains(&"Role".to_owned()), "{:?}", r.unmapped);
}

/// Core attribute names in an admin's profile may be written in any case: they are stored
/// canonically.
#[test]
fn profile_paths_to_core_attributes_ignore_case() {
    let p = MappingProfile {
        id: "mine".into(),
        name: "Mine".into(),
        builtin: false,
        fields: vec![FieldRule {
            field: TargetField::DisplayName,
            sources: vec!["DISPLAYNAME".into()],
        }],
    };
    let r = evaluate(&p.compile().unwrap(), &entra_user(json!({})), Idp::Entra);
    let f = field(&r, TargetField::DisplayName);
    assert_eq!(
        (f.status, f.value.as_deref()),
        (FieldStatus::Mapped, Some("Jane Doe"))
    );
}

#[test]
fn entra_custom_extension_without_its_urn_in_schemas() {
    let user = entra_user(json!({ TESTMAIL: {"employeeType": "Admin"} }));
    assert!(!user["schemas"].to_string().contains("testmail"));
    let r = run("entra", &user, Idp::Entra);
    assert_eq!(r.profile_id, "entra");
    assert_eq!(r.applied_profile_id, "entra");
    assert_eq!(r.effective_role, Role::Admin);
    let role = field(&r, TargetField::Role);
    assert_eq!(role.status, FieldStatus::Mapped);
    assert_eq!(role.value.as_deref(), Some("Admin"));
    let path = format!("{TESTMAIL}:employeeType");
    assert_eq!(role.path.as_deref(), Some(path.as_str()));
    assert_eq!(role.raw, Some(json!("Admin")));
    assert_eq!(role.explanation, format!("role came from {path}"));

    let un = field(&r, TargetField::UserName);
    assert_eq!(
        (un.value.as_deref(), un.path.as_deref(), un.status),
        (
            Some("jdoe@contoso.com"),
            Some("userName"),
            FieldStatus::Mapped
        )
    );
    let dn = field(&r, TargetField::DisplayName);
    assert_eq!(
        (dn.value.as_deref(), dn.path.as_deref()),
        (Some("Jane Doe"), Some("displayName"))
    );
    let email = field(&r, TargetField::Email);
    assert_eq!(email.value.as_deref(), Some("jane@contoso.com"));
    assert_eq!(
        email.path.as_deref(),
        Some(r#"emails[type eq "work"].value"#)
    );
    assert_eq!(email.status, FieldStatus::Mapped);
    assert_eq!(
        email.explanation,
        r#"email came from emails[type eq "work"].value"#
    );
    // Everything the guide asks to remove; plumbing and empty `roles: []` are not listed.
    assert_eq!(
        r.unmapped,
        [
            "externalId",
            "name.formatted",
            "name.familyName",
            "name.givenName"
        ]
    );
    assert_eq!(
        r.fields.iter().map(|f| f.field).collect::<Vec<_>>(),
        TargetField::ALL
    );
}

#[test]
fn entra_enterprise_extension() {
    let user = entra_user(json!({ ENTERPRISE: {
        "employeeType": "Member",
        "department": "Sales",
        "manager": {"value": "26118915"}
    }}));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!(role, Role::Member);
    assert_eq!(f.status, FieldStatus::Mapped);
    assert_eq!(f.path, Some(format!("{ENTERPRISE}:employeeType")));
    let r = run("entra", &user, Idp::Entra);
    assert!(
        r.unmapped.contains(&format!("{ENTERPRISE}:department")),
        "{:?}",
        r.unmapped
    );
    assert!(
        r.unmapped.contains(&format!("{ENTERPRISE}:manager")),
        "{:?}",
        r.unmapped
    );
    assert!(
        !r.unmapped.iter().any(|u| u.ends_with("employeeType")),
        "{:?}",
        r.unmapped
    );
}

#[test]
fn entra_employee_type_as_user_type() {
    let (role, f) = role_of(
        &entra_user(json!({"userType": "Admin"})),
        "entra",
        Idp::Entra,
    );
    assert_eq!(role, Role::Admin);
    assert_eq!(
        (f.path.as_deref(), f.status),
        (Some("userType"), FieldStatus::Mapped)
    );
}

#[test]
fn entra_employee_type_as_primary_role() {
    let user = entra_user(json!({"roles": [
        {"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}
    ]}));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!(role, Role::Admin);
    assert_eq!(f.path.as_deref(), Some("roles[primary eq true].value"));
    assert_eq!(f.status, FieldStatus::Mapped);
    // A primary role that is not first: the primary wins, and roles[0] is a fallback into
    // the same attribute, not a rival.
    let user = entra_user(json!({"roles": [
        {"primary": false, "value": "Member"},
        {"primary": true, "value": "Admin"}
    ]}));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!((role, f.status), (Role::Admin, FieldStatus::Mapped));
    // Without a primary flag, the only role is read by index.
    let user = entra_user(json!({"roles": [{"value": "Admin"}]}));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!(
        (role, f.path.as_deref()),
        (Role::Admin, Some("roles[0].value"))
    );
}

#[test]
fn entra_json_in_a_string_role_is_unwrapped() {
    // Stored as it arrived (a path ScimLab did not unwrap on write).
    let user = entra_user(json!({"roles": [
        {"value": "{\"id\":\"06b07648\",\"value\":\"Admin\",\"displayName\":\"Administrator\"}"}
    ]}));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!(role, Role::Admin);
    assert_eq!(f.status, FieldStatus::Mapped);
    assert_eq!(f.value.as_deref(), Some("Admin"));
    assert!(
        f.explanation.contains("unwrapped from json text"),
        "{}",
        f.explanation
    );
    assert!(f.raw.unwrap().as_str().unwrap().contains("06b07648"));
    // Already unwrapped on write: the element holds the fields.
    let user = entra_user(json!({"roles": [
        {"id": "06b07648", "value": "Admin", "displayName": "Administrator"}
    ]}));
    assert_eq!(role_of(&user, "entra", Idp::Entra).0, Role::Admin);
    // Json text straight in an extension attribute.
    let user = entra_user(json!({ TESTMAIL: {"employeeType": "{\"value\":\"Member\"}"} }));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!((role, f.status), (Role::Member, FieldStatus::Mapped));
    // Json without a usable value is invalid.
    let user = entra_user(
        json!({"roles": [{"value": "{\"id\":\"06b07648\",\"displayName\":\"Admin\"}"}]}),
    );
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!((role, f.status), (Role::Member, FieldStatus::Invalid));
    assert!(
        f.explanation.contains("without a value"),
        "{}",
        f.explanation
    );
}

#[test]
fn flat_urn_key_is_found() {
    let key = format!("{TESTMAIL}:employeeType");
    let user = entra_user(json!({ key.clone(): "Admin" }));
    let r = run("entra", &user, Idp::Entra);
    assert_eq!(r.effective_role, Role::Admin);
    assert_eq!(
        field(&r, TargetField::Role).path.as_deref(),
        Some(key.as_str())
    );
    assert!(!r.unmapped.contains(&key));
}

// ---- Roles (issue 4, "Roles") ----

#[test]
fn every_role_case() {
    let with = |v: Value| entra_user(json!({ TESTMAIL: {"employeeType": v} }));
    let cases: Vec<(Value, Role, FieldStatus, &str)> = vec![
        (
            with(json!("Admin")),
            Role::Admin,
            FieldStatus::Mapped,
            "came from",
        ),
        (
            with(json!("Member")),
            Role::Member,
            FieldStatus::Mapped,
            "came from",
        ),
        (
            entra_user(json!({})),
            Role::Member,
            FieldStatus::Defaulted,
            "no role arrived",
        ),
        (
            with(json!("admin")),
            Role::Member,
            FieldStatus::Invalid,
            "different capitals",
        ),
        (
            with(json!("Owner")),
            Role::Member,
            FieldStatus::Invalid,
            "\"Owner\" is not a role",
        ),
        (
            with(json!("")),
            Role::Member,
            FieldStatus::Invalid,
            "empty text",
        ),
        (
            with(json!(["Admin", "Member"])),
            Role::Member,
            FieldStatus::Invalid,
            "list of 2 values",
        ),
        (
            with(json!("{\"id\":\"1\",\"value\":\"Admin\"}")),
            Role::Admin,
            FieldStatus::Mapped,
            "unwrapped from json text",
        ),
        (
            with(json!({"id": "1"})),
            Role::Member,
            FieldStatus::Invalid,
            "without a value",
        ),
        (
            entra_user(json!({"roles": [{"value": "Admin"}, {"value": "Member"}]})),
            Role::Member,
            FieldStatus::Invalid,
            "list of 2 values (\"Admin\", \"Member\")",
        ),
    ];
    for (user, want_role, want_status, needle) in cases {
        let (role, f) = role_of(&user, "entra", Idp::Entra);
        assert_eq!(
            (role, f.status),
            (want_role, want_status),
            "{user}: {}",
            f.explanation
        );
        assert!(f.explanation.contains(needle), "{user}: {}", f.explanation);
        // The field shows what the app receives; raw shows what arrived.
        assert_eq!(f.value.as_deref(), Some(want_role.as_str()));
        if want_status == FieldStatus::Invalid {
            assert!(f.raw.is_some());
            assert!(
                f.explanation.contains("the user gets Member"),
                "{}",
                f.explanation
            );
        }
    }
    let (_, f) = role_of(&entra_user(json!({})), "entra", Idp::Entra);
    assert_eq!((f.path, f.raw), (None, None));
    assert!(
        f.explanation.contains("*:employeeType, userType"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation
            .contains("so the user gets Member, the default")
    );
}

#[test]
fn invalid_role_shows_what_arrived() {
    let user = entra_user(json!({ TESTMAIL: {"employeeType": "admin"} }));
    let (_, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!(f.raw, Some(json!("admin")));
    assert_eq!(f.path, Some(format!("{TESTMAIL}:employeeType")));
    assert!(f.explanation.contains("\"admin\""), "{}", f.explanation);
}

#[test]
fn disagreeing_sources_are_ambiguous() {
    let user = entra_user(json!({
        TESTMAIL: {"employeeType": "Admin"},
        "roles": [{"primary": true, "value": "Member"}]
    }));
    let r = run("entra", &user, Idp::Entra);
    let f = field(&r, TargetField::Role);
    assert_eq!(f.status, FieldStatus::Ambiguous);
    assert_eq!(r.effective_role, Role::Admin);
    assert_eq!(f.value.as_deref(), Some("Admin"));
    assert_eq!(f.path, Some(format!("{TESTMAIL}:employeeType")));
    assert!(
        f.explanation
            .contains(&format!("{TESTMAIL}:employeeType (Admin)")),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation
            .contains("roles[primary eq true].value says \"Member\""),
        "{}",
        f.explanation
    );
    // Two extensions disagreeing are two sources too.
    let user = entra_user(json!({
        ENTERPRISE: {"employeeType": "Member"},
        TESTMAIL: {"employeeType": "Admin"}
    }));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!((role, f.status), (Role::Member, FieldStatus::Ambiguous));
    // Agreeing sources are simply mapped.
    let user = entra_user(json!({
        TESTMAIL: {"employeeType": "Admin"},
        "userType": "Admin"
    }));
    assert_eq!(
        role_of(&user, "entra", Idp::Entra).1.status,
        FieldStatus::Mapped
    );
    // An invalid first value stays invalid and names the other source.
    let user = entra_user(json!({ TESTMAIL: {"employeeType": "admin"}, "userType": "Admin" }));
    let (role, f) = role_of(&user, "entra", Idp::Entra);
    assert_eq!((role, f.status), (Role::Member, FieldStatus::Invalid));
    assert!(
        f.explanation.contains("userType says \"Admin\""),
        "{}",
        f.explanation
    );
}

// ---- Okta ----

#[test]
fn okta_top_level_custom_attributes() {
    let user = okta_user(json!({
        "name": "Test User",
        "email": "test.user@example.com",
        "role": "Admin",
        "displayName": "Test User",
        "emails": [{"primary": true, "type": "work", "value": "test.user@example.com"}]
    }));
    let r = run("okta", &user, Idp::Okta);
    assert_eq!(r.effective_role, Role::Admin);
    let f = field(&r, TargetField::Role);
    assert_eq!(
        (f.path.as_deref(), f.status),
        (Some("role"), FieldStatus::Mapped)
    );
    let dn = field(&r, TargetField::DisplayName);
    assert_eq!(
        (dn.value.as_deref(), dn.path.as_deref()),
        (Some("Test User"), Some("name"))
    );
    assert_eq!(dn.status, FieldStatus::Mapped);
    let e = field(&r, TargetField::Email);
    assert_eq!(
        (e.value.as_deref(), e.path.as_deref()),
        (Some("test.user@example.com"), Some("email"))
    );
    assert_eq!(e.status, FieldStatus::Mapped);
    // Okta's own externalId, groups and active are not mappings; locale is.
    assert_eq!(r.unmapped, ["locale"]);
}

#[test]
fn okta_custom_namespace() {
    let user = okta_user(json!({
        "name": {"givenName": "Test", "familyName": "User", "middleName": "Q"},
        OKTA_NS: {"role": "Member", "email": "t.user@example.com"}
    }));
    let r = run("okta", &user, Idp::Okta);
    let f = field(&r, TargetField::Role);
    assert_eq!(f.path, Some(format!("{OKTA_NS}:role")));
    assert_eq!(
        (r.effective_role, f.status),
        (Role::Member, FieldStatus::Mapped)
    );
    let e = field(&r, TargetField::Email);
    assert_eq!(e.path, Some(format!("{OKTA_NS}:email")));
    let dn = field(&r, TargetField::DisplayName);
    assert_eq!(dn.value.as_deref(), Some("Test User"));
    assert_eq!(dn.path.as_deref(), Some("name.givenName + name.familyName"));
    assert_eq!(
        dn.raw,
        Some(json!({"name.givenName": "Test", "name.familyName": "User"}))
    );
    assert!(
        dn.explanation.contains("name was passed over"),
        "{}",
        dn.explanation
    );
    assert_eq!(r.unmapped, ["locale", "name.middleName"]);
    // Okta's admin may have made role a string array with one value.
    let user = okta_user(json!({ OKTA_NS: {"role": ["Admin"]} }));
    assert_eq!(role_of(&user, "okta", Idp::Okta).0, Role::Admin);
}

#[test]
fn okta_scim_name_complex_and_display_name() {
    let user = okta_user(json!({
        "name": {"givenName": "Test", "familyName": "User"},
        "displayName": "Test User",
        "emails": [{"primary": true, "type": "work", "value": "test.user@okta.local"}]
    }));
    let r = run("okta", &user, Idp::Okta);
    let dn = field(&r, TargetField::DisplayName);
    assert_eq!(
        (dn.path.as_deref(), dn.status),
        (Some("displayName"), FieldStatus::Mapped)
    );
    // given + family is a last resort, never a rival.
    let user = okta_user(json!({
        "name": {"givenName": "Robert", "familyName": "Smith"},
        "displayName": "Bob"
    }));
    let dn = field(&run("okta", &user, Idp::Okta), TargetField::DisplayName).clone();
    assert_eq!(
        (dn.value.as_deref(), dn.status),
        (Some("Bob"), FieldStatus::Mapped)
    );
    let e = field(&r, TargetField::Email);
    assert_eq!(e.path.as_deref(), Some("emails[primary eq true].value"));
    // No role anywhere: Member by default.
    assert_eq!(field(&r, TargetField::Role).status, FieldStatus::Defaulted);
}

#[test]
fn display_name_fallbacks() {
    let dn = |user: Value| field(&run("okta", &user, Idp::Okta), TargetField::DisplayName).clone();
    let f = dn(okta_user(
        json!({"name": {"formatted": "Ms Test User", "givenName": "Test"}}),
    ));
    assert_eq!(
        (f.value.as_deref(), f.path.as_deref()),
        (Some("Ms Test User"), Some("name.formatted"))
    );
    let f = dn(okta_user(json!({"name": {"givenName": "Test"}})));
    assert_eq!(
        (f.value.as_deref(), f.path.as_deref()),
        (Some("Test"), Some("name.givenName"))
    );
    let f = dn(okta_user(json!({"name": "", "displayName": "Shown"})));
    assert_eq!(f.value.as_deref(), Some("Shown"));
    assert!(
        f.explanation.contains("name was passed over: it is empty"),
        "{}",
        f.explanation
    );
    let f = dn(okta_user(json!({})));
    assert_eq!((f.status, f.value), (FieldStatus::Missing, None));
    assert_eq!(
        f.explanation,
        "no display name arrived (looked at name, displayName, name.formatted, name.givenName + name.familyName)"
    );
    // A name string that disagrees with displayName is ambiguous.
    let f = dn(okta_user(
        json!({"name": "Ann", "displayName": "Ann Smith"}),
    ));
    assert_eq!(
        (f.status, f.value.as_deref()),
        (FieldStatus::Ambiguous, Some("Ann"))
    );
    assert!(
        f.explanation.contains("displayName says \"Ann Smith\""),
        "{}",
        f.explanation
    );
    // Only an unusable value arrived.
    let f = dn(okta_user(json!({"displayName": 42})));
    assert_eq!(f.status, FieldStatus::Invalid);
    assert_eq!(f.raw, Some(json!(42)));
    assert!(f.explanation.contains("the number 42"), "{}", f.explanation);
}

#[test]
fn email_fallbacks() {
    let email =
        |id: &str, user: Value| field(&run(id, &user, Idp::Other), TargetField::Email).clone();
    // Entra: the work email first, then the primary one.
    let f = email(
        "entra",
        entra_user(json!({"emails": [
            {"type": "home", "value": "home@example.com", "primary": true},
            {"type": "work", "value": "work@example.com"}
        ]})),
    );
    assert_eq!(f.value.as_deref(), Some("work@example.com"));
    assert_eq!(
        f.status,
        FieldStatus::Mapped,
        "same attribute: a fallback, not a rival"
    );
    let f = email(
        "entra",
        entra_user(json!({"emails": [
            {"type": "home", "value": "home@example.com", "primary": true}
        ]})),
    );
    assert_eq!(f.path.as_deref(), Some("emails[primary eq true].value"));
    // No primary: the first, saying what else was there.
    let f = email(
        "entra",
        entra_user(json!({"emails": [
            {"value": "a@example.com"}, {"value": "b@example.com"}
        ]})),
    );
    assert_eq!(
        (f.value.as_deref(), f.path.as_deref()),
        (Some("a@example.com"), Some("emails[0].value"))
    );
    assert!(
        f.explanation.contains("also holds \"b@example.com\""),
        "{}",
        f.explanation
    );
    // Okta: a bad custom email is passed over for emails.
    let f = email(
        "okta",
        okta_user(json!({
            "email": "n/a",
            "emails": [{"value": "real@example.com", "primary": true}]
        })),
    );
    assert_eq!(f.value.as_deref(), Some("real@example.com"));
    assert!(
        f.explanation.contains("email was passed over"),
        "{}",
        f.explanation
    );
    // Only a bad one: invalid, showing it.
    let f = email("okta", okta_user(json!({"email": "n/a"})));
    assert_eq!(
        (f.status, f.raw),
        (FieldStatus::Invalid, Some(json!("n/a")))
    );
    assert!(f.explanation.contains("no @"), "{}", f.explanation);
    // Case differences between sources are not a disagreement.
    let f = email(
        "okta",
        okta_user(json!({
            "email": "Test@Example.com",
            "emails": [{"value": "test@example.com", "primary": true}]
        })),
    );
    assert_eq!(f.status, FieldStatus::Mapped);
    let f = email(
        "okta",
        okta_user(json!({
            "email": "one@example.com",
            OKTA_NS: {"email": "two@example.com"}
        })),
    );
    assert_eq!(
        (f.status, f.value.as_deref()),
        (FieldStatus::Ambiguous, Some("one@example.com"))
    );
    // Nothing at all.
    let f = email("entra", entra_user(json!({"emails": null})));
    assert_eq!(f.status, FieldStatus::Missing);
}

#[test]
fn unmapped_lists_elements_and_extension_attributes() {
    let user = entra_user(json!({
        "emails": [
            {"type": "work", "value": "w@example.com", "primary": true},
            {"type": "home", "value": "h@example.com"}
        ],
        "phoneNumbers": [{"value": "1"}, {"value": "2"}],
        "nickName": "JD",
        "title": "",
        "addresses": null,
        ENTERPRISE: {"employeeType": "Admin", "costCenter": "42", "division": null}
    }));
    let r = run("entra", &user, Idp::Entra);
    assert_eq!(
        r.unmapped,
        [
            "externalId",
            r#"emails[type eq "home"]"#,
            "name.formatted",
            "name.familyName",
            "name.givenName",
            "phoneNumbers[0]",
            "phoneNumbers[1]",
            "nickName",
            "title",
            &format!("{ENTERPRISE}:costCenter"),
        ]
    );
    // Users Okta created do not list Okta's own externalId; others do.
    assert!(
        !run("entra", &user, Idp::Okta)
            .unmapped
            .contains(&"externalId".to_owned())
    );
}

// ---- Auto ----

#[test]
fn auto_picks_the_profile_per_creator() {
    let user = okta_user(json!({"role": "Admin", "displayName": "T U"}));
    let r = run("auto", &user, Idp::Okta);
    assert_eq!(
        (r.profile_id.as_str(), r.applied_profile_id.as_str()),
        ("auto", "okta")
    );
    assert_eq!(r.effective_role, Role::Admin);
    assert!(r.profile_explanation.contains("Okta created this user"));

    let r = run("auto", &user, Idp::Entra);
    assert_eq!(r.applied_profile_id, "entra");
    assert_eq!(r.effective_role, Role::Member);
    assert!(r.unmapped.contains(&"role".to_owned()), "{:?}", r.unmapped);

    let r = run("auto", &user, Idp::Other);
    assert_eq!(r.applied_profile_id, "entra");
    assert!(
        r.profile_explanation.contains("standard SCIM attributes"),
        "{}",
        r.profile_explanation
    );

    let r = run("entra", &user, Idp::Okta);
    assert_eq!(
        (r.profile_id.as_str(), r.applied_profile_id.as_str()),
        ("entra", "entra")
    );
}

// ---- Custom profiles ----

#[test]
fn custom_profile_with_explicit_urn_and_missing_rules() {
    let p = MappingProfile {
        id: "mine".into(),
        name: "Mine".into(),
        builtin: false,
        fields: vec![FieldRule {
            field: TargetField::Role,
            sources: vec![
                format!("{ENTERPRISE}:employeeType"),
                r#"roles[primary eq "True"].value"#.into(),
            ],
        }],
    };
    let c = p.compile().unwrap();
    let user = entra_user(json!({
        TESTMAIL: {"employeeType": "Member"},
        "roles": [{"primary": "True", "value": "Admin"}]
    }));
    let r = evaluate(&c, &user, Idp::Entra);
    // The testmail extension is not read by an enterprise-qualified path.
    let f = field(&r, TargetField::Role);
    assert_eq!(
        (r.effective_role, f.path.as_deref()),
        (Role::Admin, Some(r#"roles[primary eq "True"].value"#))
    );
    assert!(r.unmapped.contains(&format!("{TESTMAIL}:employeeType")));
    let un = field(&r, TargetField::UserName);
    assert_eq!(un.status, FieldStatus::Missing);
    assert_eq!(
        un.explanation,
        "the profile 'mine' has no rule for the user name"
    );
    assert!(r.unmapped.contains(&"userName".to_owned()));

    let p = MappingProfile {
        fields: Vec::new(),
        ..p
    };
    let r = evaluate(&p.compile().unwrap(), &user, Idp::Entra);
    let f = field(&r, TargetField::Role);
    assert_eq!(
        (f.status, r.effective_role),
        (FieldStatus::Defaulted, Role::Member)
    );
    assert!(
        f.explanation.contains("does not read a role"),
        "{}",
        f.explanation
    );
}

#[test]
fn not_an_object_reads_as_nothing() {
    let r = run("entra", &json!("nope"), Idp::Entra);
    assert_eq!(r.effective_role, Role::Member);
    assert!(r.unmapped.is_empty());
    assert_eq!(
        field(&r, TargetField::UserName).status,
        FieldStatus::Missing
    );
    // Keys that are not ascii are read safely and listed.
    let r = run(
        "okta",
        &okta_user(json!({"ünï": "x", "rôle": "Admin"})),
        Idp::Okta,
    );
    assert_eq!(r.unmapped, ["locale", "ünï", "rôle"]);
}

#[test]
fn result_serialises_for_the_ui() {
    let r = run(
        "entra",
        &entra_user(json!({ TESTMAIL: {"employeeType": "Admin"} })),
        Idp::Entra,
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["effectiveRole"], "Admin");
    assert_eq!(v["profileId"], "entra");
    assert_eq!(v["fields"][3]["field"], "role");
    assert_eq!(v["fields"][3]["status"], "mapped");
    assert_eq!(v["fields"][0]["field"], "userName");
    let back: MappingResult = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

// ---- Summary ----

#[test]
fn summary_counts_roles_and_statuses() {
    let results: Vec<MappingResult> = [
        json!({ TESTMAIL: {"employeeType": "Admin"} }),
        json!({ TESTMAIL: {"employeeType": "admin"} }),
        json!({}),
        json!({ TESTMAIL: {"employeeType": "Admin"}, "userType": "Member" }),
    ]
    .into_iter()
    .map(|extra| run("entra", &entra_user(extra), Idp::Entra))
    .collect();
    let s = summarise(&results);
    assert_eq!(s.total, 4);
    assert_eq!(
        s.by_role,
        RoleCounts {
            member: 2,
            admin: 2
        }
    );
    assert_eq!(
        s.by_status,
        StatusCounts {
            mapped: 1,
            defaulted: 1,
            missing: 0,
            invalid: 1,
            ambiguous: 1,
            misnamed: 0
        }
    );
    assert_eq!(s.by_field.len(), 4);
    assert_eq!(s.by_field[0].field, TargetField::UserName);
    assert_eq!(s.by_field[0].counts.mapped, 4);
    let empty = summarise(&[]);
    assert_eq!((empty.total, empty.by_role), (0, RoleCounts::default()));
}
