//! The role rules. `roles.valid`: every role value the IdP sent is one the target app knows —
//! `Member` or `Admin`, exactly as written. Validity is decided by the mapping (it knows where
//! the role was read from and how it was normalised); this rule only scores what
//! [`UserFacts::role_raw`](super::UserFacts::role_raw) and
//! [`UserFacts::role_valid`](super::UserFacts::role_valid) say.
//!
//! `roles.present`: the role attribute is sent at all, on creates and on the updates that
//! replace a user — Entra's `employeeType` (mapped, and marked Required) wherever the admin's
//! target attribute puts it, Okta's `role` under Apply On *Create and Update*. A user without
//! one is `Member` in the app, and a full-replace update without one makes an `Admin` a
//! `Member`.

use super::traffic::{
    ENTERPRISE_USER_URN, PathParts, PerList, count, list, list_first, literal, request_json,
};
use super::{Check, CheckInput, CheckItem, CheckStatus, ENTRA_MAPPINGS, UserFacts, idp_name};
use crate::model::{Exchange, Idp, OperationKind};
use serde_json::Value;

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
    let last_write = |u: &UserFacts| input.user_exchanges(u, ROLE_WRITES).last().copied();
    let invalid: Vec<&UserFacts> = users.iter().copied().filter(|u| !u.role_valid).collect();
    if !invalid.is_empty() {
        let shown = list_first(
            invalid.iter().map(|u| match &u.role_raw {
                Some(v) => format!("{} ({})", u.user_name, literal(v)),
                None => format!("{} (no usable value)", u.user_name),
            }),
            invalid.len(),
            MAX_NAMES,
        );
        let fix = match input.idp {
            Idp::Okta => {
                "in Okta set the role attribute to exactly Member or Admin (case matters): on the user's profile, or on the app assignment of the user or its group (Applications → the app → Assignments → edit); one value per user"
            }
            _ => {
                "in Entra ID set the user's Employee type to exactly Member or Admin (case matters, one value), or make the employeeType mapping under Provisioning → Mappings → Provision Microsoft Entra ID Users an expression that only yields those two values; then Provision on demand"
            }
        };
        return CHECK.fail(
            format!(
                "{} of {} got a role the app does not know, so Member applies: {}",
                invalid.len(),
                count(users.len(), "user", "users"),
                shown
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
            "no role value has arrived yet: {} defaulted to Member (see roles.present)",
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
            "; {} arrived without a role: defaulted to Member",
            count(defaulted, "user", "users")
        ));
    }
    CHECK.pass(summary, with_role.iter().filter_map(|u| last_write(u)))
}

const ENTRA_PRESENT: Check = Check::new(
    "roles.present",
    "employeeType (the role) sent on creates and updates",
);
const OKTA_PRESENT: Check = Check::new(
    "roles.present",
    "role sent on creates and updates (Apply On: Create and Update)",
);

/// Whether a path carries the role: the guide's attribute anywhere (any case: the spelling is
/// `attributes.name-case`'s), or the core attributes the profiles also read it from.
fn carries_role(idp: Idp, p: &PathParts<'_>) -> bool {
    let guide = match idp {
        Idp::Okta => p.is_named("role"),
        _ => p.is_named("employeeType") || p.is_core("userType"),
    };
    guide || p.is_core("roles")
}

/// Where a role path is, for a summary.
fn place(p: &PathParts<'_>) -> &'static str {
    if p.is_core("roles") {
        "in roles"
    } else if p.is_core("userType") {
        "in userType"
    } else if p.at_top_level() {
        "at the top level"
    } else if p
        .urn
        .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER_URN))
    {
        "in the enterprise extension"
    } else {
        "in a custom extension"
    }
}

/// What one write did to the user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Sent a role value.
    Set,
    /// Replaced the whole user (PUT) without one.
    Replaced,
    /// Removed it (a PATCH `remove` of the role's path).
    Removed,
}

/// The effect of a successful user write on the role, or `None` when it did not touch it (a
/// PATCH of other attributes: a partial update says nothing about the role).
fn effect(input: &CheckInput<'_>, ex: &Exchange) -> Option<Effect> {
    let idp = input.idp;
    let role = |path: &str| carries_role(idp, &PathParts::parse(path));
    if ex.summary.method.eq_ignore_ascii_case("PUT") {
        return Some(if input.written_paths(ex).iter().any(|p| role(p)) {
            Effect::Set
        } else {
            Effect::Replaced
        });
    }
    let body = request_json(ex)?;
    let removed = body
        .get("Operations")
        .and_then(Value::as_array)
        .is_some_and(|ops| {
            ops.iter().any(|op| {
                op.get("op")
                    .and_then(Value::as_str)
                    .is_some_and(|o| o.eq_ignore_ascii_case("remove"))
                    && op.get("path").and_then(Value::as_str).is_some_and(role)
            })
        });
    if removed {
        Some(Effect::Removed)
    } else if input.written_paths(ex).iter().any(|p| role(p)) {
        Some(Effect::Set)
    } else {
        None
    }
}

/// Where one user's role stands after its create and every update since.
enum Standing<'a> {
    /// A role arrived and is still there; `kept` counts the updates that carried it again.
    Present {
        place: Option<&'static str>,
        kept: usize,
    },
    /// No role ever arrived.
    Missing,
    /// A role arrived, then a write took it away.
    Dropped(&'a Exchange, Effect),
}

/// Where the role arrived among a user's attributes, if it did.
fn role_place(idp: Idp, paths: &[String]) -> Option<&'static str> {
    paths
        .iter()
        .map(|p| PathParts::parse(p))
        .find(|p| carries_role(idp, p))
        .map(|p| place(&p))
}

fn standing<'a>(input: &CheckInput<'a>, u: &UserFacts, at: Option<&'static str>) -> Standing<'a> {
    let mut state = if at.is_some() || u.role_raw.is_some() {
        Standing::Present { place: at, kept: 0 }
    } else {
        Standing::Missing
    };
    // The IdP's successful updates of this user, oldest first.
    let writes = input.touching(u).into_iter().filter(|e| {
        e.summary.idp == input.idp
            && matches!(
                e.summary.operation,
                OperationKind::Update | OperationKind::Deactivate | OperationKind::Reactivate
            )
    });
    for ex in writes {
        state = match (effect(input, ex), state) {
            (Some(Effect::Set), Standing::Present { place, kept }) => Standing::Present {
                place,
                kept: kept + 1,
            },
            (Some(Effect::Set), _) => Standing::Present {
                place: None,
                kept: 1,
            },
            (Some(e), Standing::Present { .. }) => Standing::Dropped(ex, e),
            (_, other) => other,
        };
    }
    state
}

/// `roles.present`: fail when no create or update of the IdP ever carried the role (every
/// user is `Member`: Entra's employeeType unmapped or not Required, Okta's role not mapped or
/// without namespace), or when a full-replace update left out a role the create had (Okta's
/// Apply On is *Create* only); warn when some users arrived without a role (their value is
/// empty in the IdP) or an update removed it; pass when every user's role arrived and stayed,
/// saying where it arrived; not yet seen before the IdP creates a user.
pub(super) fn role_present(input: &CheckInput<'_>) -> CheckItem {
    let (check, attr) = match input.idp {
        Idp::Okta => (OKTA_PRESENT, "role"),
        _ => (ENTRA_PRESENT, "employeeType"),
    };
    let users = input.idp_users();
    if users.is_empty() {
        return check.not_yet_seen(format!(
            "{} has not created a user yet",
            idp_name(input.idp)
        ));
    }
    let mut place_of = PerList::new();
    let standings: Vec<(&UserFacts, Standing<'_>)> = users
        .iter()
        .map(|u| {
            let at = place_of.get(&u.attributes_sent, |paths| role_place(input.idp, paths));
            (*u, standing(input, u, at))
        })
        .collect();
    let creates = |us: &[&UserFacts]| -> Vec<i64> {
        us.iter()
            .flat_map(|u| input.user_exchanges(u, &[OperationKind::Create]))
            .collect()
    };
    let missing: Vec<&UserFacts> = standings
        .iter()
        .filter(|(_, s)| matches!(s, Standing::Missing))
        .map(|(u, _)| *u)
        .collect();
    let dropped = |want: fn(Effect) -> bool| -> Vec<(&UserFacts, &Exchange)> {
        standings
            .iter()
            .filter_map(|(u, s)| match s {
                Standing::Dropped(ex, e) if want(*e) => Some((*u, *ex)),
                _ => None,
            })
            .collect()
    };
    let replaced = dropped(|e| e == Effect::Replaced);
    let removed = dropped(|e| e == Effect::Removed);
    let named = |us: &[&UserFacts]| -> String {
        list_first(us.iter().map(|u| u.user_name.clone()), us.len(), MAX_NAMES)
    };
    let named_at = |ds: &[(&UserFacts, &Exchange)]| -> String {
        list_first(
            ds.iter()
                .map(|(u, ex)| format!("{} at #{}", u.user_name, ex.summary.id)),
            ds.len(),
            MAX_NAMES,
        )
    };
    let mut status = CheckStatus::Pass;
    let mut problems: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    let mut evidence: Vec<i64> = Vec::new();
    if missing.len() == users.len() {
        status = CheckStatus::Fail;
        problems.push(format!(
            "{attr} arrived on none of the {} or the updates since: every user is defaulted to Member",
            count(users.len(), "create", "creates")
        ));
        fixes.push(match input.idp {
            Idp::Okta => "in Directory → Profile Editor make sure the app's user profile has the attribute role with External name role and External namespace urn:ietf:params:scim:schemas:core:2.0:User, map it under Provisioning → To App → Attribute Mappings with Apply On: Create and Update, and give users a role (their profile, or the app assignment under Applications → the app → Assignments); then push the users again".to_owned(),
            _ => format!("{ENTRA_MAPPINGS} click Add New Mapping: Source attribute employeeType, Target attribute employeeType (at the top level, or urn:ietf:params:scim:schemas:extension:<name>:2.0:User:employeeType added under Show advanced options → Edit attribute list, where you also tick Required), Save; give users an Employee type (Member or Admin), then use Provision on demand"),
        });
        evidence.extend(creates(&missing));
    } else if !missing.is_empty() {
        status = CheckStatus::Warn;
        problems.push(format!(
            "{} of the {} {} created arrived without {attr}: defaulted to Member ({})",
            missing.len(),
            count(users.len(), "user", "users"),
            idp_name(input.idp),
            named(&missing)
        ));
        fixes.push(match input.idp {
            Idp::Okta => "give those users a role in Okta (Member or Admin: on their profile, or on the app assignment under Applications → the app → Assignments → edit), since Okta leaves out an empty role; then push them again".to_owned(),
            _ => format!("their Employee type is empty in Entra ID, which Entra ID leaves out: set it under Users → the user → Properties → Job information, or {ENTRA_MAPPINGS} give the employeeType mapping a Default value if null (Member; it applies on create only) and tick Required for its target attribute (Show advanced options → Edit attribute list); then use Provision on demand"),
        });
        evidence.extend(creates(&missing));
    }
    if !replaced.is_empty() {
        status = CheckStatus::Fail;
        problems.push(format!(
            "{} replaced {} without the {attr} {} create carried, so {} Member now ({}): {attr} is likely applied on Create only",
            count(replaced.len(), "update", "updates"),
            count(replaced.len(), "user", "users"),
            if replaced.len() == 1 { "its" } else { "their" },
            if replaced.len() == 1 { "it is" } else { "they are" },
            named_at(&replaced)
        ));
        fixes.push(match input.idp {
            Idp::Okta => "in the Okta app open Provisioning → To App, edit the role mapping under Attribute Mappings and set Apply On to Create and Update, Save; then push the users again (edit their profile) so the next update carries role".to_owned(),
            _ => format!("{ENTRA_MAPPINGS} Edit the employeeType mapping: set Apply this mapping to Always (not Only during object creation), Save, then use Provision on demand"),
        });
        evidence.extend(replaced.iter().map(|(_, ex)| ex.summary.id));
    }
    if !removed.is_empty() {
        if status == CheckStatus::Pass {
            status = CheckStatus::Warn;
        }
        problems.push(format!(
            "{} removed {attr} from {} ({}), so {} Member now: the value was cleared in {}",
            count(removed.len(), "update", "updates"),
            count(removed.len(), "user", "users"),
            named_at(&removed),
            if removed.len() == 1 {
                "it is"
            } else {
                "they are"
            },
            idp_name(input.idp)
        ));
        fixes.push(match input.idp {
            Idp::Okta => "set the users' role again in Okta (their profile, or the app assignment under Applications → the app → Assignments → edit)".to_owned(),
            _ => "set the users' Employee type again in Entra ID (Users → the user → Properties → Job information; 'Default value if null' applies on create only), then use Provision on demand".to_owned(),
        });
        evidence.extend(removed.iter().map(|(_, ex)| ex.summary.id));
    }
    if status != CheckStatus::Pass {
        let summary = problems.join("; ");
        let fix = fixes.join("; ");
        return if status == CheckStatus::Fail {
            check.fail(summary, evidence, fix)
        } else {
            check.warn(summary, evidence, fix)
        };
    }
    // Every user has its role: say where it arrived and how often updates carried it again.
    let mut places: Vec<(&'static str, usize)> = Vec::new();
    let mut kept_total = 0;
    for (_, s) in &standings {
        if let Standing::Present { place, kept } = s {
            kept_total += kept;
            if let Some(p) = place {
                match places.iter_mut().find(|(q, _)| q == p) {
                    Some((_, n)) => *n += 1,
                    None => places.push((p, 1)),
                }
            }
        }
    }
    let where_ = match places.as_slice() {
        [] => String::new(),
        [(p, _)] => format!(", {p}"),
        many => format!(
            " ({})",
            list(
                &many
                    .iter()
                    .map(|(p, n)| format!("{n} {p}"))
                    .collect::<Vec<_>>(),
                4
            )
        ),
    };
    let mut summary = format!(
        "{attr} arrived for {}{where_}",
        if users.len() == 1 {
            "the one user created".to_owned()
        } else {
            format!("all {} users created", users.len())
        }
    );
    if kept_total > 0 {
        summary.push_str(&format!(
            ", and {} since carried it again",
            count(kept_total, "update", "updates")
        ));
    }
    check.pass(summary, creates(&users))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass, Warn};
    use crate::checks::testkit::*;
    use serde_json::json;

    fn entra(
        users: &[(&str, Option<&str>)],
    ) -> (Vec<crate::model::Exchange>, Vec<std::sync::Arc<UserFacts>>) {
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
            "every role that arrived is valid: 1 Admin, 1 Member; 1 user arrived without a role: defaulted to Member"
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
        std::sync::Arc::make_mut(&mut users[1]).role_raw = Some(json!(["Admin", "Member"]));
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
            std::sync::Arc::make_mut(u).created_by = Idp::Okta;
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
            item.summary.contains("defaulted to Member"),
            "{}",
            item.summary
        );
    }

    // --- roles.present ----------------------------------------------------------------------

    fn okta_users(
        roles: &[Option<&str>],
    ) -> (Vec<crate::model::Exchange>, Vec<std::sync::Arc<UserFacts>>) {
        let mut exs = Vec::new();
        let mut users = Vec::new();
        for (i, role) in roles.iter().enumerate() {
            let name = format!("u{i}@okta.local");
            let body = okta_guide_body(&name, *role);
            let id = format!("u{i}");
            exs.push(okta_create(i64::try_from(i).unwrap() + 10, &id, &body));
            users.push(facts(&id, &name, Idp::Okta, &body, *role));
        }
        (exs, users)
    }

    #[test]
    fn entra_employee_type_anywhere_passes_saying_where() {
        let mut exs = Vec::new();
        let mut users = Vec::new();
        for (i, at) in [At::Top, At::Enterprise, At::Custom, At::Custom]
            .into_iter()
            .enumerate()
        {
            let name = format!("u{i}@contoso.com");
            let body = entra_guide_body(&name, Some("Admin"), at);
            let id = format!("u{i}");
            exs.push(entra_create(i64::try_from(i).unwrap() + 10, &id, &body));
            users.push(facts(&id, &name, Idp::Entra, &body, Some("Admin")));
        }
        let item = role_present(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert_eq!(
            item.title,
            "employeeType (the role) sent on creates and updates"
        );
        assert_eq!(
            item.summary,
            "employeeType arrived for all 4 users created (1 at the top level, 1 in the enterprise extension and 2 in a custom extension)"
        );
        assert_eq!(item.evidence, vec![10, 11, 12, 13]);
        assert!(item.fix.is_none());
    }

    #[test]
    fn entra_employee_type_never_sent_fails_with_add_new_mapping() {
        let (exs, users) = entra(&[("a@x", None), ("b@x", None)]);
        let item = role_present(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Fail);
        assert_eq!(
            item.summary,
            "employeeType arrived on none of the 2 creates or the updates since: every user is defaulted to Member"
        );
        assert_eq!(item.evidence, vec![10, 11]);
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.starts_with("in the enterprise application open Provisioning → Mappings → Provision Microsoft Entra ID Users and click Add New Mapping")
                && fix.contains("Required"),
            "{fix}"
        );
    }

    #[test]
    fn entra_some_users_without_employee_type_warn() {
        let (exs, users) = entra(&[("a@x", Some("Admin")), ("b@x", None)]);
        let item = role_present(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Warn);
        assert_eq!(
            item.summary,
            "1 of the 2 users Entra ID created arrived without employeeType: defaulted to Member (b@x)"
        );
        assert_eq!(item.evidence, vec![11]);
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.contains("Employee type is empty") && fix.contains("Default value if null"),
            "{fix}"
        );
    }

    #[test]
    fn entra_update_removing_employee_type_warns_and_a_later_set_clears_it() {
        let (mut exs, users) = entra(&[("a@x", Some("Admin"))]);
        let ext_path = format!("{TESTMAIL_EXT}:employeeType");
        exs.push(entra_patch(
            20,
            "u0",
            OperationKind::Update,
            &json!([{"op": "Remove", "path": ext_path}]),
        ));
        let item = role_present(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Warn);
        assert_eq!(
            item.summary,
            "1 update removed employeeType from 1 user (a@x at #20), so it is Member now: the value was cleared in Entra ID"
        );
        assert_eq!(item.evidence, vec![20]);
        // Entra sends it again after the admin set it: present again, the update counted.
        exs.push(entra_patch(
            21,
            "u0",
            OperationKind::Update,
            &json!([{"op": "Add", "path": ext_path, "value": "Admin"}]),
        ));
        let item = role_present(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert!(
            item.summary
                .ends_with(", and 1 update since carried it again"),
            "{}",
            item.summary
        );
        // A PATCH of other attributes says nothing about the role.
        let rename = entra_patch(
            22,
            "u0",
            OperationKind::Update,
            &json!([{"op": "Replace", "path": "displayName", "value": "A"}]),
        );
        let (mut exs, users) = entra(&[("a@x", Some("Admin"))]);
        exs.push(rename);
        assert_eq!(role_present(&input(Idp::Entra, &exs, &users)).status, Pass);
    }

    #[test]
    fn okta_role_on_creates_and_full_updates_passes() {
        let (mut exs, users) = okta_users(&[Some("Admin"), Some("Member")]);
        let body = okta_guide_body("u0@okta.local", Some("Admin"));
        exs.push(okta_read(20, "u0"));
        exs.push(okta_put(21, "u0", OperationKind::Update, &body));
        let item = role_present(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert_eq!(
            item.title,
            "role sent on creates and updates (Apply On: Create and Update)"
        );
        assert_eq!(
            item.summary,
            "role arrived for all 2 users created, at the top level, and 1 update since carried it again"
        );
    }

    #[test]
    fn okta_update_without_role_means_apply_on_create_only() {
        let (mut exs, users) = okta_users(&[Some("Admin"), Some("Member")]);
        let without = okta_guide_body("u0@okta.local", None);
        exs.push(okta_read(20, "u0"));
        exs.push(okta_put(21, "u0", OperationKind::Update, &without));
        // A path-less PATCH deactivation (an OIN app) does not replace the user.
        exs.push(okta_patch(
            22,
            "u1",
            OperationKind::Deactivate,
            &json!({"active": false}),
        ));
        let item = role_present(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Fail);
        assert_eq!(
            item.summary,
            "1 update replaced 1 user without the role its create carried, so it is Member now (u0@okta.local at #21): role is likely applied on Create only"
        );
        assert_eq!(item.evidence, vec![21]);
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.starts_with("in the Okta app open Provisioning → To App")
                && fix.contains("Apply On to Create and Update"),
            "{fix}"
        );
    }

    #[test]
    fn okta_role_missing_everywhere_fails_and_on_some_warns() {
        let (exs, users) = okta_users(&[None, None]);
        let item = role_present(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Fail);
        assert!(
            item.summary
                .starts_with("role arrived on none of the 2 creates"),
            "{}",
            item.summary
        );
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.contains("External namespace") && fix.contains("Apply On: Create and Update"),
            "{fix}"
        );

        let (exs, users) = okta_users(&[Some("Admin"), None]);
        let item = role_present(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Warn);
        assert_eq!(item.evidence, vec![11]);
        assert!(item.fix.unwrap_or_default().contains("Assignments"));
        // A case variant still counts as sent (attributes.name-case judges the spelling).
        let mut body = okta_guide_body("c@okta.local", None);
        body["Role"] = json!("Admin");
        let users = vec![facts("u9", "c@okta.local", Idp::Okta, &body, None)];
        assert_eq!(role_present(&input(Idp::Okta, &[], &users)).status, Pass);
    }

    #[test]
    fn role_present_not_yet_seen_before_a_create() {
        let item = role_present(&input(Idp::Okta, &[], &[]));
        assert_eq!(item.status, NotYetSeen);
        let (exs, users) = entra(&[("a@x", Some("Admin"))]);
        assert_eq!(
            role_present(&input(Idp::Okta, &exs, &users)).status,
            NotYetSeen
        );
    }
}
