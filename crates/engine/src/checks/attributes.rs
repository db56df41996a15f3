//! What the IdP's creates carry, against the vendor guide: every required attribute
//! (`attributes.required`), nothing beyond them (`attributes.extra`), and two Okta specifics —
//! the custom attributes that silently never arrive without an External namespace
//! (`okta.custom-attributes`) and the password Okta sends on every create (`okta.password`).
//!
//! The required attributes follow the target app model: Entra sends `userName`, `displayName`,
//! `mail` → `emails[type eq "work"].value` and `employeeType` wherever the admin mapped it (any
//! extension, `userType`, `roles`); Okta sends `userName` and the custom `email`, `name` and
//! `role`, top level or under any namespace. A path satisfies a requirement when the mapping
//! profile would read it, so the checks agree with the mapping results.

use super::traffic::{PathParts, count, has_quirk, id_ref, list, written_paths};
use super::{Check, CheckInput, CheckItem, UserFacts, idp_name};
use crate::capture::model::{Exchange, Idp, OperationKind};
use scimlab_scim::Quirk;
use std::collections::BTreeSet;

/// Names listed in a summary before "and N more".
const MAX_NAMES: usize = 5;

/// Whether an attribute path provides something.
type PathTest = fn(&PathParts<'_>) -> bool;

/// One attribute the guide requires.
struct Required {
    /// How the summary names it.
    name: &'static str,
    /// Whether an attribute path provides it.
    provided_by: PathTest,
    /// Whether a role found by the mapping (`UserFacts::role_raw`) provides it.
    is_role: bool,
    /// What to do when it is missing.
    fix: &'static str,
}

const ENTRA_REQUIRED: &[Required] = &[
    Required {
        name: "userName",
        provided_by: |p| p.is_core("userName") && p.sub.is_none(),
        is_role: false,
        fix: "map userPrincipalName → userName (the default, also the matching attribute)",
    },
    Required {
        name: "displayName",
        provided_by: |p| p.is_core("displayName") && p.sub.is_none(),
        is_role: false,
        fix: "map displayName → displayName",
    },
    Required {
        name: "mail (emails[type eq \"work\"].value)",
        provided_by: |p| p.is_core("emails"),
        is_role: false,
        fix: "map mail → emails[type eq \"work\"].value; a user whose Email is empty in entra arrives without it",
    },
    Required {
        name: "employeeType (the role)",
        provided_by: |p| p.is_named("employeeType") || p.is_core("userType") || p.is_core("roles"),
        is_role: true,
        fix: "map employeeType → an attribute of your choice, e.g. urn:ietf:params:scim:schemas:extension:<name>:2.0:User:employeeType (add it with Show advanced options → Edit attribute list), userType or roles; a user whose Employee type is empty arrives without it, and 'Default value if null' only applies on create",
    },
];

const OKTA_REQUIRED: &[Required] = &[
    Required {
        name: "userName",
        provided_by: |p| p.is_core("userName") && p.sub.is_none(),
        is_role: false,
        fix: "under Provisioning → Integration set Unique identifier field for users to userName, and keep userName mapped under Provisioning → To App",
    },
    Required {
        name: "email",
        provided_by: |p| p.is_named("email") || p.is_core("emails"),
        is_role: false,
        fix: "in Directory → Profile Editor open the app's user profile, give email an External name (email) and an External namespace (urn:ietf:params:scim:schemas:core:2.0:User for the top level), then map user.email → email under Provisioning → To App",
    },
    Required {
        name: "name",
        provided_by: |p| p.is_named("name") || p.is_core("displayName"),
        is_role: false,
        fix: "in Directory → Profile Editor open the app's user profile, give name an External name and an External namespace, then map it (e.g. user.displayName → name) under Provisioning → To App",
    },
    Required {
        name: "role",
        provided_by: |p| p.is_named("role") || p.is_core("roles"),
        is_role: true,
        fix: "in Directory → Profile Editor open the app's user profile, give role an External name (role) and an External namespace (urn:ietf:params:scim:schemas:core:2.0:User for the top level), then give it a value per user or group assignment (Member or Admin)",
    },
];

fn required(idp: Idp) -> &'static [Required] {
    match idp {
        Idp::Entra => ENTRA_REQUIRED,
        Idp::Okta => OKTA_REQUIRED,
        Idp::Other => &[],
    }
}

/// Paths the IdP sends that are not mappings an admin should remove: `active` carries
/// deactivation (Entra's IsSoftDeleted mapping, Okta's lifecycle); Okta always sends its own
/// user id as `externalId` and a random `password`.
fn always_sent(idp: Idp, p: &PathParts<'_>) -> bool {
    p.is_core("active") || idp == Idp::Okta && (p.is_core("externalId") || p.is_named("password"))
}

fn has(user: &UserFacts, req: &Required) -> bool {
    (req.is_role && user.role_raw.is_some())
        || user
            .attributes_sent
            .iter()
            .any(|p| (req.provided_by)(&PathParts::parse(p)))
}

/// The create exchanges of `users` (successful ones, by resource id).
fn creates_of(input: &CheckInput<'_>, users: &[&UserFacts]) -> Vec<i64> {
    users
        .iter()
        .flat_map(|u| input.user_exchanges(&u.id, &[OperationKind::Create]))
        .collect()
}

/// Where Entra's attribute mappings are edited, as the start of a fix.
const ENTRA_MAPPINGS: &str = "in the enterprise application open Provisioning → Mappings → Provision Microsoft Entra ID Users and";

const REQUIRED: Check = Check::new(
    "attributes.required",
    "users created with every required attribute",
);

/// `attributes.required`: fail when a user the IdP created lacks a required attribute (naming
/// the attribute, the users and the mapping to add); pass when every one has them all; not yet
/// seen before the IdP creates a user.
pub(super) fn required_attributes(input: &CheckInput<'_>) -> CheckItem {
    let users = input.idp_users();
    if users.is_empty() {
        return REQUIRED.not_yet_seen(format!(
            "{} has not created a user yet: assign a test user to the app and provision it",
            idp_name(input.idp)
        ));
    }
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    let mut lacking: Vec<&UserFacts> = Vec::new();
    for req in required(input.idp) {
        let without: Vec<&UserFacts> = users.iter().copied().filter(|u| !has(u, req)).collect();
        if without.is_empty() {
            continue;
        }
        let names: Vec<String> = without.iter().map(|u| u.user_name.clone()).collect();
        problems.push(format!(
            "{} missing on {} of {} ({})",
            req.name,
            without.len(),
            count(users.len(), "user", "users"),
            list(&names, MAX_NAMES)
        ));
        fixes.push(req.fix);
        for u in without {
            if !lacking.iter().any(|l| l.id == u.id) {
                lacking.push(u);
            }
        }
    }
    if problems.is_empty() {
        let names: Vec<&str> = required(input.idp).iter().map(|r| r.name).collect();
        return REQUIRED.pass(
            format!(
                "{} carried {}",
                if users.len() == 1 {
                    "the created user".to_owned()
                } else {
                    format!("all {} created users", users.len())
                },
                list(
                    &names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
                    4
                )
            ),
            creates_of(input, &users),
        );
    }
    let fix = match input.idp {
        Idp::Okta => format!(
            "{}; then push the users again (re-assign them, or edit their profile), since a missing value only arrives with the next create or update",
            fixes.join("; ")
        ),
        _ => format!(
            "{ENTRA_MAPPINGS} {}; then use Provision on demand (or wait for the next cycle), since a missing value only arrives with the next create or update",
            fixes.join("; ")
        ),
    };
    REQUIRED.fail(problems.join("; "), creates_of(input, &lacking), fix)
}

const EXTRA: Check = Check::new(
    "attributes.extra",
    "no attributes mapped beyond the required ones",
);

/// `attributes.extra`: warn (the guide asks to remove every other mapping) listing each extra
/// attribute path the IdP's creates carried; pass when there are none; not yet seen before the
/// IdP creates a user.
pub(super) fn extra_attributes(input: &CheckInput<'_>) -> CheckItem {
    let users = input.idp_users();
    if users.is_empty() {
        return EXTRA.not_yet_seen(format!(
            "{} has not created a user yet",
            idp_name(input.idp)
        ));
    }
    let reqs = required(input.idp);
    let mut extras: BTreeSet<&str> = BTreeSet::new();
    let mut carriers: Vec<&UserFacts> = Vec::new();
    for u in &users {
        let mut any = false;
        for path in &u.attributes_sent {
            let p = PathParts::parse(path);
            if always_sent(input.idp, &p) || reqs.iter().any(|r| (r.provided_by)(&p)) {
                continue;
            }
            extras.insert(path);
            any = true;
        }
        if any {
            carriers.push(u);
        }
    }
    if extras.is_empty() {
        return EXTRA.pass(
            format!(
                "the {} carried only the required attributes",
                count(users.len(), "create", "creates")
            ),
            creates_of(input, &users),
        );
    }
    let extras: Vec<String> = extras.into_iter().map(str::to_owned).collect();
    let summary = format!(
        "{} carried {} the guide does not need: {}",
        count(carriers.len(), "create", "creates"),
        count(extras.len(), "attribute", "attributes"),
        list(&extras, 12)
    );
    let fix = match input.idp {
        Idp::Okta => format!(
            "in the okta app open Provisioning → To App → Attribute Mappings and remove the mappings for {} (or remove the attributes in Directory → Profile Editor); the guide keeps only userName, email, name and role",
            list(&extras, 12)
        ),
        _ => format!(
            "{ENTRA_MAPPINGS} delete the mappings for {}; the guide keeps only userName, displayName, mail and employeeType (plus IsSoftDeleted → active)",
            list(&extras, 12)
        ),
    };
    EXTRA.warn(summary, creates_of(input, &carriers), fix)
}

const CUSTOM: Check = Check::new(
    "okta.custom-attributes",
    "custom attributes arrive (External namespace set)",
);

/// The Okta custom attributes the guide adds, with what else may carry the same value.
const OKTA_CUSTOM: &[(&str, PathTest)] = &[
    ("role", |p| p.is_named("role") || p.is_core("roles")),
    ("email", |p| p.is_named("email")),
];

/// `okta.custom-attributes`: warn when Okta created users but a custom attribute (`role`,
/// `email`) never arrived on any create or update — the usual cause is an attribute without an
/// External namespace, which Okta silently leaves out; pass when each arrived at least once;
/// not yet seen before Okta creates a user.
pub(super) fn okta_custom_attributes(input: &CheckInput<'_>) -> CheckItem {
    let users = input.idp_users();
    let creates = input.of_kind(&[OperationKind::Create]);
    if users.is_empty() && creates.is_empty() {
        return CUSTOM.not_yet_seen("okta has not created a user yet");
    }
    let writes: Vec<&Exchange> = input.of_kind(&[
        OperationKind::Create,
        OperationKind::Update,
        OperationKind::Deactivate,
        OperationKind::Reactivate,
    ]);
    let mut seen_paths: Vec<String> = users
        .iter()
        .flat_map(|u| u.attributes_sent.iter().cloned())
        .collect();
    seen_paths.extend(writes.iter().flat_map(|e| written_paths(e)));
    let role_found = users.iter().any(|u| u.role_raw.is_some());
    let missing: Vec<String> = OKTA_CUSTOM
        .iter()
        .filter(|(name, arrived)| {
            (*name != "role" || !role_found)
                && !seen_paths.iter().any(|p| arrived(&PathParts::parse(p)))
        })
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let evidence: Vec<i64> = creates.iter().map(|e| e.summary.id).collect();
    let n = count(users.len().max(creates.len()), "create", "creates");
    if missing.is_empty() {
        return CUSTOM.pass(
            format!("role and email arrived (checked {n} and the updates since)"),
            evidence,
        );
    }
    let mut summary = format!(
        "{} never arrived in {n} or any update: likely no External namespace",
        list(&missing, 2)
    );
    if missing.iter().any(|m| m == "email")
        && seen_paths
            .iter()
            .any(|p| PathParts::parse(p).is_core("emails"))
    {
        summary.push_str(" (the email is read from emails instead)");
    }
    let fix = format!(
        "in Directory → Profile Editor open the app's user profile and edit {}: give {} an External name (the attribute's name) and an External namespace (urn:ietf:params:scim:schemas:core:2.0:User to send it at the top level, or your own extension URN), since okta silently leaves out attributes without a namespace, typically ones created before provisioning was enabled; then check the mapping under Provisioning → To App and push the users again",
        list(&missing, 2),
        if missing.len() == 1 { "it" } else { "each" }
    );
    CUSTOM.warn(summary, evidence, fix)
}

const PASSWORD: Check = Check::new("okta.password", "password handling (informational)");

/// `okta.password`: informational pass when passwords arrive only on creates (Okta sends a
/// random one even with Sync Password disabled; ScimLab drops it) or not at all; warn when a
/// password also arrives on updates (Sync Password is on, the guide turns it off); not yet seen
/// before Okta creates a user.
pub(super) fn okta_password(input: &CheckInput<'_>) -> CheckItem {
    let creates = input.of_kind(&[OperationKind::Create]);
    let updates = input.of_kind(&[
        OperationKind::Update,
        OperationKind::Deactivate,
        OperationKind::Reactivate,
    ]);
    let sent = |e: &&Exchange| has_quirk(e, Quirk::PasswordSent);
    let on_creates: Vec<&Exchange> = creates.iter().copied().filter(sent).collect();
    let on_updates: Vec<&Exchange> = updates.iter().copied().filter(sent).collect();
    if let Some(last) = on_updates.last() {
        return PASSWORD.warn(
            format!(
                "okta also sent a password on {} (latest {}): Sync Password looks enabled, while the guide disables it; ScimLab dropped it and never stored it",
                count(on_updates.len(), "update", "updates"),
                id_ref(last)
            ),
            on_updates.iter().map(|e| e.summary.id),
            "in the okta app open Provisioning → To App → Edit and untick Sync Password, then Save",
        );
    }
    if creates.is_empty() {
        return PASSWORD.not_yet_seen("okta has not created a user yet");
    }
    if on_creates.is_empty() {
        return PASSWORD.pass(
            format!(
                "okta's {} carried no password; nothing to do",
                count(creates.len(), "create", "creates")
            ),
            creates.iter().map(|e| e.summary.id),
        );
    }
    PASSWORD.pass(
        format!(
            "okta sent a password on {} of {}: expected, okta sends a random one on every create even with Sync Password disabled; ScimLab accepted it, dropped it and never stored it",
            on_creates.len(),
            count(creates.len(), "create", "creates")
        ),
        on_creates.iter().map(|e| e.summary.id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass, Warn};
    use crate::checks::testkit::*;
    use serde_json::json;

    /// One Entra user created with `body`, and its create exchange.
    fn entra_one(body: &serde_json::Value, role: Option<&str>) -> (Vec<Exchange>, Vec<UserFacts>) {
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
            "displayName missing on 1 of 2 users (bob@contoso.com); employeeType (the role) missing on 1 of 2 users (bob@contoso.com)"
        );
        assert_eq!(item.evidence, vec![4]);
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.starts_with("in the enterprise application open Provisioning → Mappings"),
            "{fix}"
        );
        assert!(
            fix.contains("map displayName → displayName") && fix.contains("Edit attribute list"),
            "{fix}"
        );
        assert!(
            fix.contains("Provision on demand") && !fix.contains("okta"),
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
            item.summary.contains("userName, email, name and role"),
            "{}",
            item.summary
        );

        let body = json!({"userName": "t@okta.local", "password": "[redacted]"});
        let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, None)];
        let item = required_attributes(&input(Idp::Okta, &[okta_create(3, "u1", &body)], &users));
        assert_eq!(item.status, Fail);
        assert!(item.summary.contains("email missing") && item.summary.contains("role missing"));
        let fix = item.fix.unwrap_or_default();
        assert!(fix.starts_with("in Directory → Profile Editor"), "{fix}");
        assert!(
            fix.contains("External namespace") && !fix.contains("entra"),
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
        assert_eq!(
            item.summary,
            "1 create carried 4 attributes the guide does not need: externalId, name.familyName, name.formatted and name.givenName"
        );
        assert!(
            item.fix
                .unwrap_or_default()
                .contains("delete the mappings for externalId")
        );
        assert_eq!(item.evidence, vec![3]);

        let clean = json!({"userName": "a", "displayName": "A", "active": true,
            "emails": [{"type": "work", "value": "a@b.c"}], TESTMAIL_EXT: {"employeeType": "Admin"}});
        let (exs, users) = entra_one(&clean, Some("Admin"));
        let item = extra_attributes(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Pass, "{}", item.summary);

        // Okta: externalId, password and active are always sent; locale is a mapping.
        let body = okta_user_body("t@okta.local", Some("Admin"), true);
        let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, Some("Admin"))];
        assert_eq!(
            extra_attributes(&input(Idp::Okta, &[], &users)).status,
            Pass
        );
        let mut body = body;
        body["locale"] = json!("en-US");
        let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, Some("Admin"))];
        let item = extra_attributes(&input(Idp::Okta, &[], &users));
        assert_eq!(item.status, Warn);
        assert!(item.summary.ends_with(": locale"), "{}", item.summary);
        assert!(
            item.fix
                .unwrap_or_default()
                .contains("Provisioning → To App")
        );
    }

    #[test]
    fn okta_custom_attribute_never_arrived_warns() {
        let body = okta_user_body("t@okta.local", None, false);
        let exs = vec![okta_create(3, "u1", &body)];
        let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, None)];
        let item = okta_custom_attributes(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Warn);
        assert_eq!(
            item.summary,
            "role and email never arrived in 1 create or any update: likely no External namespace (the email is read from emails instead)"
        );
        assert!(item.fix.unwrap_or_default().contains("External namespace"));
        assert_eq!(item.evidence, vec![3]);
    }

    #[test]
    fn okta_custom_attribute_arrived_later_or_nested_passes() {
        // The admin fixed the namespace: the role arrives on the next PUT, under an extension.
        let body = okta_user_body("t@okta.local", None, true);
        let mut fixed = body.clone();
        fixed["urn:ietf:params:scim:schemas:extension:acme:2.0:User"] = json!({"role": "Admin"});
        let exs = vec![
            okta_create(3, "u1", &body),
            okta_put(5, "u1", OperationKind::Update, &fixed),
        ];
        let users = vec![facts("u1", "t@okta.local", Idp::Okta, &body, None)];
        let item = okta_custom_attributes(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert_eq!(
            okta_custom_attributes(&input(Idp::Okta, &[], &[])).status,
            NotYetSeen
        );
    }

    #[test]
    fn okta_password_on_creates_is_informational() {
        let body = okta_user_body("t@okta.local", Some("Admin"), true);
        let exs = vec![okta_create(3, "u1", &body)];
        let item = okta_password(&input(Idp::Okta, &exs, &[]));
        assert_eq!(item.status, Pass);
        assert!(
            item.summary.contains("even with Sync Password disabled"),
            "{}",
            item.summary
        );
        assert!(item.summary.contains("never stored"), "{}", item.summary);
        assert_eq!(item.evidence, vec![3]);

        let mut no_pw = body;
        no_pw.as_object_mut().unwrap().remove("password");
        let item = okta_password(&input(Idp::Okta, &[okta_create(4, "u2", &no_pw)], &[]));
        assert_eq!(item.status, Pass);
        assert!(item.summary.contains("no password"), "{}", item.summary);

        assert_eq!(
            okta_password(&input(Idp::Okta, &[], &[])).status,
            NotYetSeen
        );
    }

    #[test]
    fn okta_password_on_updates_warns_about_sync_password() {
        let body = okta_user_body("t@okta.local", Some("Admin"), true);
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
            item.fix
                .unwrap_or_default()
                .contains("untick Sync Password")
        );
        assert_eq!(item.evidence, vec![7]);
    }
}
