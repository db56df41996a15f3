//! What the IdP's creates carry, against the vendor guide: every required attribute
//! (`attributes.required`), nothing beyond the guide's (`attributes.extra`), and two Okta
//! specifics — the Profile Editor attributes `email`, `name` and `role`, which silently never
//! arrive without an External namespace and arrive inside an extension with a custom one
//! (`okta.custom-attributes`), and the password that means Sync Password is on, which the
//! guide disables (`okta.password`).
//!
//! The required attributes follow the target app model: Entra sends `userName`, `displayName`
//! and `mail` → `emails[type eq "work"].value`; Okta sends `userName` and the custom `email`
//! and `name`, top level or under any namespace. The role (Entra's `employeeType`, Okta's
//! `role`) is `roles.present`'s, so one missing role is one item. A path satisfies a
//! requirement when the mapping profile would read it, so the checks agree with the mapping
//! results; the spelling of a name is `attributes.name-case`'s to judge, so a name in another
//! case is not reported twice.

use super::traffic::{
    PathParts, PerList, count, distinct, distinct_lists, has_quirk, id_ref, list, list_first,
};
use super::{Check, CheckInput, CheckItem, ENTRA_MAPPINGS, UserFacts, idp_name};
use crate::model::{Exchange, Idp, OperationKind};
use scimlab_scim::Quirk;
use std::collections::{BTreeSet, HashSet};

/// Names listed in a summary before "and N more".
const MAX_NAMES: usize = 5;

/// Whether an attribute path provides something.
type PathTest = fn(&PathParts<'_>) -> bool;

/// One attribute the guide requires (the role is `roles.present`'s: a user without one is a
/// `Member`, which the guide allows).
struct Required {
    /// How the summary names it.
    name: &'static str,
    /// Whether an attribute path provides it.
    provided_by: PathTest,
    /// What to do when it is missing.
    fix: &'static str,
}

const ENTRA_REQUIRED: &[Required] = &[
    Required {
        name: "userName",
        provided_by: |p| p.is_core("userName") && p.sub.is_none(),
        fix: "map userPrincipalName → userName (the default, also the matching attribute)",
    },
    Required {
        name: "displayName",
        provided_by: |p| p.is_core("displayName") && p.sub.is_none(),
        fix: "map displayName → displayName",
    },
    Required {
        name: "mail (emails[type eq \"work\"].value)",
        provided_by: |p| p.is_core("emails"),
        fix: "map mail → emails[type eq \"work\"].value; a user whose Email is empty in Entra ID arrives without it",
    },
];

const OKTA_REQUIRED: &[Required] = &[
    Required {
        name: "userName",
        provided_by: |p| p.is_core("userName") && p.sub.is_none(),
        fix: "under Provisioning → Integration set Unique identifier field for users to userName, and keep userName mapped under Provisioning → To App",
    },
    Required {
        name: "email",
        provided_by: |p| p.is_named("email") || p.is_core("emails"),
        fix: "in Directory → Profile Editor open the app's user profile, give email an External name (email) and an External namespace (urn:ietf:params:scim:schemas:core:2.0:User for the top level), then map user.email → email under Provisioning → To App",
    },
    Required {
        name: "name",
        provided_by: |p| p.is_named("name") || p.is_core("displayName"),
        fix: "in Directory → Profile Editor open the app's user profile, give name an External name and an External namespace, then map it (e.g. user.displayName → name) under Provisioning → To App",
    },
];

fn required(idp: Idp) -> &'static [Required] {
    match idp {
        Idp::Entra => ENTRA_REQUIRED,
        Idp::Okta => OKTA_REQUIRED,
        Idp::Other => &[],
    }
}

/// One attribute of the guide's configuration, as the `attributes.extra` rule sees it.
struct GuideAttr {
    /// The guide's own attribute (any case: `attributes.name-case` judges the spelling).
    exact: PathTest,
    /// What else carries the same field of the app (the mapping profile reads it too): the
    /// guide's only when the exact attribute did not arrive, redundant (extra) when it did.
    alternate: PathTest,
}

const ENTRA_GUIDE: &[GuideAttr] = &[
    GuideAttr {
        exact: |p| p.is_core("userName") && p.sub.is_none(),
        alternate: |_| false,
    },
    GuideAttr {
        exact: |p| p.is_core("displayName") && p.sub.is_none(),
        alternate: |_| false,
    },
    GuideAttr {
        exact: |p| p.is_core("emails") && p.is_typed_or_untyped("work"),
        alternate: |p| p.is_core("emails"),
    },
    GuideAttr {
        exact: |p| p.is_named("employeeType"),
        alternate: |p| p.is_core("userType") || p.is_core("roles"),
    },
];

const OKTA_GUIDE: &[GuideAttr] = &[
    GuideAttr {
        exact: |p| p.is_core("userName") && p.sub.is_none(),
        alternate: |_| false,
    },
    GuideAttr {
        exact: |p| p.is_named("email") && p.sub.is_none(),
        alternate: |p| p.is_core("emails"),
    },
    GuideAttr {
        exact: |p| p.is_named("name") && p.sub.is_none(),
        alternate: |p| p.is_core("name") || p.is_core("displayName"),
    },
    GuideAttr {
        exact: |p| p.is_named("role"),
        alternate: |p| p.is_core("roles"),
    },
];

fn guide(idp: Idp) -> &'static [GuideAttr] {
    match idp {
        Idp::Entra => ENTRA_GUIDE,
        Idp::Okta => OKTA_GUIDE,
        Idp::Other => &[],
    }
}

/// Paths the guide's setup sends besides its attributes: `active` carries deactivation
/// (Entra's IsSoftDeleted mapping, Okta's lifecycle), `externalId` is Entra's mailNickname
/// mapping the guide keeps and Okta's own user id, and Okta's `password` is judged by
/// `okta.password`.
fn always_sent(idp: Idp, p: &PathParts<'_>) -> bool {
    p.is_core("active") || p.is_core("externalId") || idp == Idp::Okta && p.is_core("password")
}

/// The paths of `sent` the guide's setup does not produce, in order.
fn extra_paths(idp: Idp, sent: &[String]) -> Vec<String> {
    let parts: Vec<PathParts<'_>> = sent.iter().map(|p| PathParts::parse(p)).collect();
    let attrs = guide(idp);
    let exact_arrived: Vec<bool> = attrs
        .iter()
        .map(|a| parts.iter().any(|p| (a.exact)(p)))
        .collect();
    sent.iter()
        .zip(&parts)
        .filter(|(_, p)| {
            !always_sent(idp, p)
                && !attrs
                    .iter()
                    .zip(&exact_arrived)
                    .any(|(a, arrived)| (a.exact)(p) || (!arrived && (a.alternate)(p)))
        })
        .map(|(path, _)| path.clone())
        .collect()
}

fn has(user: &UserFacts, req: &Required) -> bool {
    user.attributes_sent
        .iter()
        .any(|p| (req.provided_by)(&PathParts::parse(p)))
}

/// The create exchanges of `users` (successful ones, by resource id).
fn creates_of(input: &CheckInput<'_>, users: &[&UserFacts]) -> Vec<i64> {
    users
        .iter()
        .flat_map(|u| input.user_exchanges(u, &[OperationKind::Create]))
        .collect()
}

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
    let mut lacking_ids: HashSet<&str> = HashSet::new();
    for req in required(input.idp) {
        let mut per_list = PerList::new();
        let without: Vec<&UserFacts> = users
            .iter()
            .copied()
            .filter(|u| !per_list.get(&u.attributes_sent, |_| has(u, req)))
            .collect();
        if without.is_empty() {
            continue;
        }
        problems.push(format!(
            "{} missing on {} of {} ({})",
            req.name,
            without.len(),
            count(users.len(), "user", "users"),
            list_first(
                without.iter().map(|u| u.user_name.clone()),
                without.len(),
                MAX_NAMES
            )
        ));
        fixes.push(req.fix);
        for u in without {
            if lacking_ids.insert(u.id.as_str()) {
                lacking.push(u);
            }
        }
    }
    if problems.is_empty() {
        let names: Vec<&str> = required(input.idp).iter().map(|r| r.name).collect();
        return REQUIRED.pass(
            format!(
                "{} carried {}; the role is judged by roles.present",
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

const EXTRA: Check = Check::new("attributes.extra", "only the guide's attributes mapped");

/// `attributes.extra`: warn (the guide removes every other mapping) listing each attribute
/// path the IdP's creates carried beyond the guide's — Entra: `userName`, `displayName`, the
/// work email, `employeeType` (plus `active` and `externalId`); Okta: `userName`, `email`,
/// `name`, `role` (plus `active`, its own `externalId`, and the password `okta.password`
/// judges). An attribute that stands in for a missing guide attribute (Okta's `emails` when no
/// `email` arrived) is the guide's; next to it, it is redundant and extra. Pass when there are
/// none; not yet seen before the IdP creates a user.
pub(super) fn extra_attributes(input: &CheckInput<'_>) -> CheckItem {
    let users = input.idp_users();
    if users.is_empty() {
        return EXTRA.not_yet_seen(format!(
            "{} has not created a user yet",
            idp_name(input.idp)
        ));
    }
    let mut extras: BTreeSet<String> = BTreeSet::new();
    let mut carriers: Vec<&UserFacts> = Vec::new();
    let mut per_list = PerList::new();
    for u in &users {
        let carries = per_list.get(&u.attributes_sent, |paths| {
            let found = extra_paths(input.idp, paths);
            let carries = !found.is_empty();
            extras.extend(found);
            carries
        });
        if carries {
            carriers.push(u);
        }
    }
    if extras.is_empty() {
        return EXTRA.pass(
            format!(
                "the {} carried only the guide's attributes ({})",
                count(users.len(), "create", "creates"),
                match input.idp {
                    Idp::Okta => "userName, email, name, role and active",
                    _ => "userName, displayName, work email, employeeType, active and externalId",
                }
            ),
            creates_of(input, &users),
        );
    }
    let extras: Vec<String> = extras.into_iter().collect();
    let summary = format!(
        "{} carried {} the guide does not map: {}",
        count(carriers.len(), "create", "creates"),
        count(extras.len(), "attribute", "attributes"),
        list(&extras, 12)
    );
    let fix = match input.idp {
        Idp::Okta => format!(
            "in the Okta app open Provisioning → To App and under Attribute Mappings remove the mappings for {} (or the attributes themselves in Directory → Profile Editor); the guide keeps only userName plus the email, name and role attributes it adds in the Profile Editor",
            list(&extras, 12)
        ),
        _ => format!(
            "{ENTRA_MAPPINGS} click Delete next to the mappings for {}, then Save; the guide keeps only userName, displayName, mail and employeeType (plus IsSoftDeleted → active, which carries deactivation, and mailNickname → externalId)",
            list(&extras, 12)
        ),
    };
    EXTRA.warn(summary, creates_of(input, &carriers), fix)
}

const CUSTOM: Check = Check::new(
    "okta.custom-attributes",
    "email, name and role arrive (External namespace set)",
);

/// One attribute the guide adds in Okta's Profile Editor.
struct OktaCustom {
    /// Its External name in the guide.
    name: &'static str,
    /// Whether a path is that attribute (any case and any namespace: the spelling is
    /// `attributes.name-case`'s, the place is judged here).
    is: PathTest,
    /// What the Okta profile reads instead when it never arrives, for the summary.
    instead: Option<(PathTest, &'static str)>,
}

const OKTA_CUSTOM: &[OktaCustom] = &[
    OktaCustom {
        name: "email",
        is: |p| p.is_named("email") && p.sub.is_none(),
        instead: Some((|p| p.is_core("emails"), "the email is read from emails")),
    },
    OktaCustom {
        name: "name",
        is: |p| p.is_named("name") && p.sub.is_none(),
        instead: Some((
            |p| p.is_core("displayName") || p.is_core("name"),
            "the display name is read from displayName or the name object",
        )),
    },
    OktaCustom {
        name: "role",
        is: |p| p.is_named("role"),
        instead: Some((|p| p.is_core("roles"), "the role is read from roles")),
    },
];

/// `okta.custom-attributes`: the Profile Editor attributes the guide adds (`email`, `name`,
/// `role`) and where they arrive. Pass when each arrived on some create or update at the top
/// level (core namespace, the guide's choice); pass with a note when some arrived inside a
/// custom extension (the Okta profile reads them anywhere, a strict reading of the guide
/// expects the top level); warn when some never arrived, fail when none did — Okta silently
/// leaves out attributes without an External namespace; not yet seen before Okta creates a
/// user.
pub(super) fn okta_custom_attributes(input: &CheckInput<'_>) -> CheckItem {
    let users = input.idp_users();
    let creates = input.of_kind(&[OperationKind::Create]);
    if users.is_empty() && creates.is_empty() {
        return CUSTOM.not_yet_seen("Okta has not created a user yet");
    }
    let writes: Vec<&Exchange> = input.of_kind(&[
        OperationKind::Create,
        OperationKind::Update,
        OperationKind::Deactivate,
        OperationKind::Reactivate,
    ]);
    let written = input.written_of(&writes);
    let seen_paths: Vec<String> = distinct_lists(&users)
        .into_iter()
        .chain(distinct(written.iter().map(|l| &**l)))
        .flatten()
        .cloned()
        .collect();
    let parts: Vec<PathParts<'_>> = seen_paths.iter().map(|p| PathParts::parse(p)).collect();
    let mut missing: Vec<&OktaCustom> = Vec::new();
    let mut nested: BTreeSet<String> = BTreeSet::new();
    let mut nested_names: Vec<String> = Vec::new();
    for attr in OKTA_CUSTOM {
        let found: Vec<&PathParts<'_>> = parts.iter().filter(|p| (attr.is)(p)).collect();
        if found.is_empty() {
            missing.push(attr);
        } else if found.iter().all(|p| !p.at_top_level()) {
            nested_names.push(attr.name.to_owned());
            nested.extend(found.iter().filter_map(|p| p.urn.map(str::to_owned)));
        }
    }
    let evidence: Vec<i64> = creates.iter().map(|e| e.summary.id).collect();
    let n = count(users.len().max(creates.len()), "create", "creates");
    if missing.is_empty() {
        if nested_names.is_empty() {
            return CUSTOM.pass(
                format!(
                    "email, name and role arrived at the top level (External namespace urn:ietf:params:scim:schemas:core:2.0:User, as the guide sets them up), checked over {n} and the updates since"
                ),
                evidence,
            );
        }
        let nested: Vec<String> = nested.into_iter().collect();
        return CUSTOM.pass(
            format!(
                "email, name and role arrived (checked over {n} and the updates since); {} inside {} (a custom External namespace): ScimLab's Okta profile reads them there, while the guide's core namespace sends them at the top level",
                list(&nested_names, 3),
                list(&nested, 3)
            ),
            evidence,
        );
    }
    let names: Vec<String> = missing.iter().map(|a| a.name.to_owned()).collect();
    let mut summary = format!(
        "{} never arrived in {n} or any update: likely no External namespace",
        list(&names, 3)
    );
    let instead: Vec<&str> = missing
        .iter()
        .filter_map(|a| a.instead)
        .filter(|(read, _)| parts.iter().any(|p| read(p)))
        .map(|(_, note)| note)
        .collect();
    if !instead.is_empty() {
        summary.push_str(&format!(" ({} instead)", instead.join("; ")));
    }
    let fix = format!(
        "in Directory → Profile Editor open the app's user profile and edit {}: give {} the External name {} and the External namespace urn:ietf:params:scim:schemas:core:2.0:User (the guide's choice: sent at the top level), since Okta silently leaves out attributes without a namespace, typically ones created before provisioning was enabled; then check the mapping under Provisioning → To App → Attribute Mappings (Apply On: Create and Update) and push the users again",
        list(&names, 3),
        if names.len() == 1 { "it" } else { "each" },
        if names.len() == 1 {
            names[0].clone()
        } else {
            "the guide uses (".to_owned() + &list(&names, 3) + ")"
        },
    );
    if missing.len() == OKTA_CUSTOM.len() {
        CUSTOM.fail(summary, evidence, fix)
    } else {
        CUSTOM.warn(summary, evidence, fix)
    }
}

const PASSWORD: Check = Check::new("okta.password", "Sync Password off (no password sent)");

/// The writes of `writes` that carried a password (the capture's quirk label, or the
/// attribute itself: each distinct list of paths read once).
fn carrying_password<'a>(input: &CheckInput<'_>, writes: &[&'a Exchange]) -> Vec<&'a Exchange> {
    let written = input.written_of(writes);
    let mut per_list = PerList::new();
    writes
        .iter()
        .zip(&written)
        .filter(|(ex, paths)| {
            has_quirk(ex, Quirk::PasswordSent)
                || per_list.get(paths, |ps| {
                    ps.iter().any(|p| PathParts::parse(p).is_core("password"))
                })
        })
        .map(|(ex, _)| *ex)
        .collect()
}

/// `okta.password`: the guide disables Sync Password, so a `password` on a create or an update
/// means it is on: warn, naming the requests (ScimLab drops the password either way); pass
/// when Okta's creates carry none; not yet seen before Okta creates a user.
pub(super) fn okta_password(input: &CheckInput<'_>) -> CheckItem {
    let creates = input.of_kind(&[OperationKind::Create]);
    let updates = input.of_kind(&[
        OperationKind::Update,
        OperationKind::Deactivate,
        OperationKind::Reactivate,
    ]);
    let on_creates = carrying_password(input, &creates);
    let on_updates = carrying_password(input, &updates);
    let latest = on_creates
        .iter()
        .chain(&on_updates)
        .max_by_key(|e| e.summary.id);
    if let Some(last) = latest {
        let mut carried = Vec::new();
        if !on_creates.is_empty() {
            carried.push(format!(
                "{} of {}",
                on_creates.len(),
                count(creates.len(), "create", "creates")
            ));
        }
        if !on_updates.is_empty() {
            carried.push(count(on_updates.len(), "update", "updates"));
        }
        // On updates only a synced password arrives; on creates okta's SCIM reference also has
        // it send a random one, so the summary says "looks" and the fix covers both.
        let verdict = if on_updates.is_empty() {
            "Sync Password looks enabled"
        } else {
            "Sync Password is on"
        };
        return PASSWORD.warn(
            format!(
                "Okta sent a password on {} (latest {}): {verdict}, while the guide disables it; ScimLab dropped it and never stored it, but a real app would set it",
                carried.join(" and "),
                id_ref(last)
            ),
            on_creates
                .iter()
                .chain(&on_updates)
                .map(|e| e.summary.id),
            "in the Okta app open Provisioning → To App → Edit, untick Sync Password and Save (the guide disables it: users sign in with SAML, not with a password of the app); if it is already unticked, a password on creates only is the random one Okta may still send, which the app should ignore",
        );
    }
    if creates.is_empty() {
        return PASSWORD.not_yet_seen("Okta has not created a user yet");
    }
    PASSWORD.pass(
        format!(
            "Okta's {} carried no password: Sync Password is off, as the guide says",
            count(creates.len(), "create", "creates")
        ),
        creates.iter().map(|e| e.summary.id),
    )
}

#[cfg(test)]
mod tests;
