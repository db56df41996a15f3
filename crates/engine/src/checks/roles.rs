//! The role rule: every role value the IdP sent is one the target app knows — `Member` or
//! `Admin`, exactly as written. Validity is decided by the mapping (it knows where the role was
//! read from and how it was normalised); this rule only scores what
//! [`UserFacts::role_raw`](super::UserFacts::role_raw) and
//! [`UserFacts::role_valid`](super::UserFacts::role_valid) say.

use super::traffic::{count, list, literal};
use super::{Check, CheckInput, CheckItem, UserFacts, idp_name};
use crate::capture::model::{Idp, OperationKind};

const CHECK: Check = Check::new("roles.valid", "role values valid (Member or Admin)");

/// Users named in a summary before "and N more".
const MAX_NAMES: usize = 5;

/// The writes that can set a role.
const ROLE_WRITES: &[OperationKind] = &[
    OperationKind::Create,
    OperationKind::Update,
    OperationKind::Deactivate,
    OperationKind::Reactivate,
];

/// `roles.valid`: fail when any user the IdP created carries a role other than `Member` or
/// `Admin` (listing what arrived; they get `Member`); pass when every role that arrived is
/// valid; not yet seen until a role value arrives (users without one are `Member` by default,
/// which `attributes.required` reports).
pub(super) fn role_values(input: &CheckInput<'_>) -> CheckItem {
    let users = input.idp_users();
    if users.is_empty() {
        return CHECK.not_yet_seen(format!(
            "{} has not created a user yet",
            idp_name(input.idp)
        ));
    }
    let last_write = |u: &UserFacts| input.user_exchanges(&u.id, ROLE_WRITES).last().copied();
    let invalid: Vec<&UserFacts> = users.iter().copied().filter(|u| !u.role_valid).collect();
    if !invalid.is_empty() {
        let shown: Vec<String> = invalid
            .iter()
            .map(|u| match &u.role_raw {
                Some(v) => format!("{} ({})", u.user_name, literal(v)),
                None => format!("{} (no usable value)", u.user_name),
            })
            .collect();
        let fix = match input.idp {
            Idp::Okta => {
                "in okta set the role attribute to exactly Member or Admin (case matters): on the user's profile, or on the app assignment of the user or its group (Applications → the app → Assignments → edit); one value per user"
            }
            _ => {
                "in entra set the user's Employee type to exactly Member or Admin (case matters, one value), or make the employeeType mapping under Provisioning → Mappings → Provision Microsoft Entra ID Users an expression that only yields those two values; then Provision on demand"
            }
        };
        return CHECK.fail(
            format!(
                "{} of {} got a role the app does not know, so Member applies: {}",
                invalid.len(),
                count(users.len(), "user", "users"),
                list(&shown, MAX_NAMES)
            ),
            invalid.iter().filter_map(|u| last_write(u)),
            fix,
        );
    }
    let with_role: Vec<&UserFacts> = users
        .iter()
        .copied()
        .filter(|u| u.role_raw.is_some())
        .collect();
    if with_role.is_empty() {
        return CHECK.not_yet_seen(format!(
            "no role value has arrived yet: {} Member by default (see users created with every required attribute)",
            count(users.len(), "user is", "users are")
        ));
    }
    let admins = with_role
        .iter()
        .filter(|u| u.role_raw.as_ref().and_then(|v| v.as_str()) == Some("Admin"))
        .count();
    let mut summary = format!(
        "every role that arrived is valid: {} Admin, {} Member",
        admins,
        with_role.len() - admins
    );
    let defaulted = users.len() - with_role.len();
    if defaulted > 0 {
        summary.push_str(&format!(
            "; {} arrived without a role and {} Member by default",
            count(defaulted, "user", "users"),
            if defaulted == 1 { "is" } else { "are" }
        ));
    }
    CHECK.pass(summary, with_role.iter().filter_map(|u| last_write(u)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass};
    use crate::checks::testkit::*;
    use serde_json::json;

    fn entra(
        users: &[(&str, Option<&str>)],
    ) -> (Vec<crate::capture::model::Exchange>, Vec<UserFacts>) {
        let mut exs = Vec::new();
        let mut facts_ = Vec::new();
        for (i, (name, role)) in users.iter().enumerate() {
            let body = entra_user_body(name, *role);
            let id = format!("u{i}");
            exs.push(entra_create(i64::try_from(i).unwrap() + 10, &id, &body));
            facts_.push(facts(&id, name, Idp::Entra, &body, *role));
        }
        (exs, facts_)
    }

    #[test]
    fn valid_roles_pass_with_counts() {
        let (exs, users) = entra(&[
            ("a@x", Some("Admin")),
            ("b@x", Some("Member")),
            ("c@x", None),
        ]);
        let item = role_values(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Pass);
        assert_eq!(
            item.summary,
            "every role that arrived is valid: 1 Admin, 1 Member; 1 user arrived without a role and is Member by default"
        );
        assert_eq!(item.evidence, vec![10, 11]);
    }

    #[test]
    fn invalid_roles_fail_showing_what_arrived() {
        let (exs, mut users) = entra(&[
            ("a@x", Some("admin")),
            ("b@x", Some("Owner")),
            ("c@x", Some("Admin")),
        ]);
        users[1].role_raw = Some(json!(["Admin", "Member"]));
        let item = role_values(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Fail);
        assert_eq!(
            item.summary,
            "2 of 3 users got a role the app does not know, so Member applies: a@x (\"admin\") and b@x ([\"Admin\",\"Member\"])"
        );
        assert_eq!(item.evidence, vec![10, 11]);
        assert!(
            item.fix
                .unwrap_or_default()
                .contains("Employee type to exactly Member or Admin")
        );
        // Okta's fix talks about okta.
        let mut okta_users = users.clone();
        for u in &mut okta_users {
            u.created_by = Idp::Okta;
        }
        let item = role_values(&input(Idp::Okta, &[], &okta_users));
        assert_eq!(item.status, Fail);
        assert!(item.fix.unwrap_or_default().contains("Assignments"));
    }

    #[test]
    fn no_role_value_yet_is_not_yet_seen() {
        assert_eq!(role_values(&input(Idp::Okta, &[], &[])).status, NotYetSeen);
        let (exs, users) = entra(&[("a@x", None)]);
        let item = role_values(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, NotYetSeen);
        assert!(
            item.summary.contains("Member by default"),
            "{}",
            item.summary
        );
    }
}
