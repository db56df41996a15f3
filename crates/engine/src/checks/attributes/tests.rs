//! Tests of `checks/attributes.rs`.

use super::*;
use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass, Warn};
use crate::checks::testkit::*;
use serde_json::json;

/// One Entra user created with `body`, and its create exchange.
fn entra_one(
    body: &serde_json::Value,
    role: Option<&str>,
) -> (Vec<Exchange>, Vec<std::sync::Arc<UserFacts>>) {
    (
        vec![entra_create(3, "u1", body)],
        vec![facts("u1", "alice@contoso.com", Idp::Entra, body, role)],
    )
}

#[test]
fn entra_required_pass() {
    let (exs, users) = entra_one(
        &entra_user_body("alice@contoso.com", Some("Member")),
        Some("Member"),
    );
    let item = required_attributes(&input(Idp::Entra, &exs, &users));
    assert_eq!(item.status, Pass, "{}", item.summary);
    assert_eq!(item.evidence, vec![3]);
    // employeeType mapped to userType, or to roles, counts as well.
    for body in [
        json!({"userName": "a", "displayName": "A", "emails": [{"type": "work", "value": "a@b.c"}], "userType": "Admin"}),
        json!({"userName": "a", "displayName": "A", "emails": [{"type": "work", "value": "a@b.c"}],
            "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]}),
        json!({"userName": "a", "displayName": "A", "emails": [{"type": "work", "value": "a@b.c"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeType": "Admin"}}),
    ] {
        let (exs, users) = entra_one(&body, None);
        let item = required_attributes(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Pass, "{body}: {}", item.summary);
    }
}

#[test]
fn entra_required_fail_names_attribute_users_and_mapping() {
    let mut body = entra_user_body("bob@contoso.com", None);
    body.as_object_mut().unwrap().remove("displayName");
    let good = entra_user_body("alice@contoso.com", Some("Admin"));
    let exs = vec![entra_create(3, "u1", &good), entra_create(4, "u2", &body)];
    let users = vec![
        facts("u1", "alice@contoso.com", Idp::Entra, &good, Some("Admin")),
        facts("u2", "bob@contoso.com", Idp::Entra, &body, None),
    ];
    let item = required_attributes(&input(Idp::Entra, &exs, &users));
    assert_eq!(item.status, Fail);
    assert_eq!(
        item.summary,
        "displayName missing on 1 of 2 users (bob@contoso.com)"
    );
    assert_eq!(item.evidence, vec![4]);
    let fix = item.fix.unwrap_or_default();
    assert!(
        fix.starts_with("in the enterprise application open Provisioning → Mappings"),
        "{fix}"
    );
    assert!(fix.contains("map displayName → displayName"), "{fix}");
    assert!(
        fix.contains("Provision on demand") && !fix.contains("Okta"),
        "{fix}"
    );
}

#[test]
fn required_not_yet_seen_without_users_of_this_idp() {
    let body = okta_user_body("t@okta.local", Some("Admin"), true);
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, Some("Admin"))];
    let item = required_attributes(&input(Idp::Entra, &[], &users));
    assert_eq!(item.status, NotYetSeen);
    assert_eq!(
        extra_attributes(&input(Idp::Entra, &[], &users)).status,
        NotYetSeen
    );
}

#[test]
fn okta_required_pass_and_fail() {
    let body = okta_user_body("t@okta.local", Some("Admin"), true);
    let exs = vec![okta_create(3, "u1", &body)];
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, Some("Admin"))];
    let item = required_attributes(&input(Idp::Okta, &exs, &users));
    assert_eq!(item.status, Pass, "{}", item.summary);
    assert!(
        item.summary
            .contains("userName, email and name; the role is judged by roles.present"),
        "{}",
        item.summary
    );

    let body = json!({"userName": "t@okta.local", "password": "[redacted]"});
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, None)];
    let item = required_attributes(&input(Idp::Okta, &[okta_create(3, "u1", &body)], &users));
    assert_eq!(item.status, Fail);
    assert!(item.summary.contains("email missing") && item.summary.contains("name missing"));
    assert!(!item.summary.contains("role"), "{}", item.summary);
    let fix = item.fix.unwrap_or_default();
    assert!(fix.starts_with("in Directory → Profile Editor"), "{fix}");
    assert!(
        fix.contains("External namespace") && !fix.contains("Entra ID"),
        "{fix}"
    );
}

#[test]
fn extras_warn_lists_them_and_pass_when_clean() {
    let (exs, users) = entra_one(
        &entra_user_body("alice@contoso.com", Some("Admin")),
        Some("Admin"),
    );
    let item = extra_attributes(&input(Idp::Entra, &exs, &users));
    assert_eq!(item.status, Warn);
    // externalId is the mailNickname mapping entra keeps: not extra.
    assert_eq!(
        item.summary,
        "1 create carried 3 attributes the guide does not map: name.familyName, name.formatted and name.givenName"
    );
    let fix = item.fix.unwrap_or_default();
    assert!(
        fix.contains("click Delete next to the mappings for name.familyName")
            && fix.contains("IsSoftDeleted → active"),
        "{fix}"
    );
    assert_eq!(item.evidence, vec![3]);

    // The guide's entra setup, employeeType wherever the target attribute puts it.
    for at in [At::Top, At::Enterprise, At::Custom] {
        let body = entra_guide_body("ada@contoso.com", Some("Admin"), at);
        let (exs, users) = entra_one(&body, Some("Admin"));
        let item = extra_attributes(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Pass, "{at:?}: {}", item.summary);
        assert!(
            item.summary
                .starts_with("the 1 create carried only the guide's attributes")
        );
    }
    // Another email next to the work one is an extra mapping.
    let mut body = entra_guide_body("ada@contoso.com", Some("Admin"), At::Top);
    body["emails"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "home", "value": "ada@home.example"}));
    let (exs, users) = entra_one(&body, Some("Admin"));
    let item = extra_attributes(&input(Idp::Entra, &exs, &users));
    assert_eq!(item.status, Warn);
    assert!(
        item.summary.ends_with(": emails[type eq \"home\"].value"),
        "{}",
        item.summary
    );
}

#[test]
fn okta_extras_are_scored_against_the_guide() {
    // Exactly the guide's create: userName, active, email, name, role.
    let body = okta_guide_body("ada@okta.local", Some("Admin"));
    let users = vec![facts(
        "u1",
        "ada@okta.local",
        Idp::Okta,
        &body,
        Some("Admin"),
    )];
    let item = extra_attributes(&input(Idp::Okta, &[okta_create(3, "u1", &body)], &users));
    assert_eq!(item.status, Pass, "{}", item.summary);
    assert_eq!(
        item.summary,
        "the 1 create carried only the guide's attributes (userName, email, name, role and active)"
    );
    assert_eq!(item.evidence, vec![3]);
    // Base mappings left on next to the custom ones: emails, the name object's parts,
    // displayName and locale are extra; externalId and password are not this rule's.
    let mut body = okta_user_body("t@okta.local", Some("Admin"), true);
    body["displayName"] = json!("Test User");
    body["locale"] = json!("en-US");
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, Some("Admin"))];
    let item = extra_attributes(&input(Idp::Okta, &[], &users));
    assert_eq!(item.status, Warn);
    assert_eq!(
        item.summary,
        "1 create carried 2 attributes the guide does not map: emails[type eq \"work\"].value and locale"
    );
    let fix = item.fix.unwrap_or_default();
    assert!(
        fix.starts_with("in the Okta app open Provisioning → To App")
            && fix.contains("Profile Editor"),
        "{fix}"
    );
    // Without the custom email, emails stands in for it (the profile reads it): not extra
    // here, okta.custom-attributes reports the missing email.
    let body = okta_user_body("t@okta.local", Some("Admin"), false);
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, Some("Admin"))];
    assert_eq!(
        extra_attributes(&input(Idp::Okta, &[], &users)).status,
        Pass
    );
    // With the string name in place, the name object's parts are extra too.
    let mut body = okta_guide_body("ada@okta.local", Some("Admin"));
    body[CUSTOM_NS] = json!({"name": "Ada"});
    body["name"] = json!({"givenName": "Ada", "familyName": "Lovelace"});
    let users = vec![facts(
        "u1",
        "ada@okta.local",
        Idp::Okta,
        &body,
        Some("Admin"),
    )];
    let item = extra_attributes(&input(Idp::Okta, &[], &users));
    assert_eq!(item.status, Warn);
    assert!(
        item.summary
            .ends_with(": name.familyName and name.givenName"),
        "{}",
        item.summary
    );
}

const CUSTOM_NS: &str = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";

#[test]
fn okta_guide_attributes_at_the_top_level_pass() {
    let body = okta_guide_body("ada@okta.local", Some("Admin"));
    let exs = vec![okta_create(3, "u1", &body)];
    let users = vec![facts(
        "u1",
        "ada@okta.local",
        Idp::Okta,
        &body,
        Some("Admin"),
    )];
    let item = okta_custom_attributes(&input(Idp::Okta, &exs, &users));
    assert_eq!(item.status, Pass, "{}", item.summary);
    assert!(
        item.summary.starts_with("email, name and role arrived at the top level (External namespace urn:ietf:params:scim:schemas:core:2.0:User"),
        "{}",
        item.summary
    );
    assert_eq!(item.evidence, vec![3]);
    assert!(item.fix.is_none());
}

#[test]
fn okta_guide_attributes_in_a_custom_namespace_pass_with_a_note() {
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@okta.local", "active": true,
        CUSTOM_NS: {"email": "ada@okta.local", "name": "Ada Lovelace", "role": "Admin"}});
    let exs = vec![okta_create(3, "u1", &body)];
    let users = vec![facts(
        "u1",
        "ada@okta.local",
        Idp::Okta,
        &body,
        Some("Admin"),
    )];
    let item = okta_custom_attributes(&input(Idp::Okta, &exs, &users));
    assert_eq!(item.status, Pass, "{}", item.summary);
    assert!(
        item.summary.contains(&format!(
            "email, name and role inside {CUSTOM_NS} (a custom External namespace): ScimLab's Okta profile reads them there"
        )),
        "{}",
        item.summary
    );
}

#[test]
fn okta_custom_attribute_never_arrived_warns() {
    let mut with_name = okta_user_body("t@okta.local", None, false);
    with_name["urn:ietf:params:scim:schemas:core:2.0:User"] = json!({"name": "Test User"});
    let exs = vec![okta_create(3, "u1", &with_name)];
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &with_name, None)];
    let item = okta_custom_attributes(&input(Idp::Okta, &exs, &users));
    assert_eq!(item.status, Warn);
    assert_eq!(
        item.summary,
        "email and role never arrived in 1 create or any update: likely no External namespace (the email is read from emails instead)"
    );
    let fix = item.fix.unwrap_or_default();
    assert!(
        fix.contains("give each the External name the guide uses (email and role)")
            && fix.contains("External namespace urn:ietf:params:scim:schemas:core:2.0:User")
            && fix.contains("Apply On: Create and Update"),
        "{fix}"
    );
    assert_eq!(item.evidence, vec![3]);
}

#[test]
fn okta_no_guide_attribute_at_all_fails() {
    // The full setup's base mappings only: none of email, name, role arrived.
    let body = okta_user_body("t@okta.local", None, false);
    let exs = vec![okta_create(3, "u1", &body)];
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, None)];
    let item = okta_custom_attributes(&input(Idp::Okta, &exs, &users));
    assert_eq!(item.status, Fail);
    assert!(
        item.summary.starts_with("email, name and role never arrived in 1 create or any update: likely no External namespace (the email is read from emails; the display name is read from displayName or the name object instead)"),
        "{}",
        item.summary
    );
    assert!(item.fix.unwrap_or_default().contains("External namespace"));
}

#[test]
fn okta_custom_attribute_arrived_later_or_nested_passes() {
    // The admin fixed the namespace: role and name arrive on the next PUT, in an extension.
    let body = okta_user_body("t@okta.local", None, true);
    let mut fixed = body.clone();
    fixed[CUSTOM_NS] = json!({"role": "Admin", "name": "Test User"});
    let exs = vec![
        okta_create(3, "u1", &body),
        okta_put(5, "u1", OperationKind::Update, &fixed),
    ];
    let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, None)];
    let item = okta_custom_attributes(&input(Idp::Okta, &exs, &users));
    assert_eq!(item.status, Pass, "{}", item.summary);
    assert!(
        item.summary.contains("; name and role inside"),
        "{}",
        item.summary
    );
    assert_eq!(
        okta_custom_attributes(&input(Idp::Okta, &[], &[])).status,
        NotYetSeen
    );
}

#[test]
fn okta_password_on_a_create_means_sync_password_is_on() {
    let body = okta_user_body("t@okta.local", Some("Admin"), true);
    let exs = vec![
        okta_create(3, "u1", &body),
        okta_create(4, "u2", &okta_guide_body("g@okta.local", None)),
    ];
    let item = okta_password(&input(Idp::Okta, &exs, &[]));
    assert_eq!(item.status, Warn);
    assert_eq!(
        item.summary,
        "Okta sent a password on 1 of 2 creates (latest #3): Sync Password looks enabled, while the guide disables it; ScimLab dropped it and never stored it, but a real app would set it"
    );
    assert_eq!(item.evidence, vec![3]);
    let fix = item.fix.unwrap_or_default();
    assert!(
        fix.starts_with("in the Okta app open Provisioning → To App → Edit, untick Sync Password"),
        "{fix}"
    );
    // The body alone tells, without the quirk label.
    let mut bare = okta_create(5, "u3", &body);
    bare.summary.quirks.clear();
    assert_eq!(okta_password(&input(Idp::Okta, &[bare], &[])).status, Warn);
}

#[test]
fn okta_guide_creates_without_a_password_pass() {
    let exs = vec![okta_create(
        3,
        "u1",
        &okta_guide_body("g@okta.local", Some("Admin")),
    )];
    let item = okta_password(&input(Idp::Okta, &exs, &[]));
    assert_eq!(item.status, Pass);
    assert_eq!(
        item.summary,
        "Okta's 1 create carried no password: Sync Password is off, as the guide says"
    );
    assert_eq!(item.evidence, vec![3]);
    assert_eq!(
        okta_password(&input(Idp::Okta, &[], &[])).status,
        NotYetSeen
    );
}

#[test]
fn okta_password_on_updates_warns_about_sync_password() {
    let body = okta_guide_body("t@okta.local", Some("Admin"));
    let push = okta_patch(
        7,
        "u1",
        OperationKind::Update,
        &json!({"password": "[redacted]"}),
    )
    .with_quirks(&[Quirk::PasswordSent]);
    let exs = vec![okta_create(3, "u1", &body), push];
    let item = okta_password(&input(Idp::Okta, &exs, &[]));
    assert_eq!(item.status, Warn);
    assert!(
        item.summary
            .starts_with("Okta sent a password on 1 update (latest #7): Sync Password is on"),
        "{}",
        item.summary
    );
    assert!(
        item.fix
            .unwrap_or_default()
            .contains("untick Sync Password")
    );
    assert_eq!(item.evidence, vec![7]);
}
