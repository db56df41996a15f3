//! The attribute-name rule (`attributes.name-case`): the attributes the admin names by hand
//! arrive spelt exactly as the guide spells them. The target app reads names case-sensitively
//! ("names are case-sensitive"), so `Role` is not `role`: the value never reaches the app and,
//! for the role, the user is `Member`.
//!
//! Only the names the admin types are judged — Okta's Profile Editor External names (`email`,
//! `name`, `role`) and Entra's target attribute for the role (`employeeType`) — at the top
//! level or inside any extension object. Core attributes such as `userName` are matched
//! case-insensitively by SCIM itself and canonicalised by ScimLab, so they are not judged.
//! Read from the request bodies (which keep the name as sent) and, for users whose create is no
//! longer captured, from [`UserFacts::attributes_sent`](super::UserFacts::attributes_sent).

use super::traffic::{
    FastMap, PathParts, PerList, count, distinct, distinct_lists, list, request_json,
};
use super::{Check, CheckInput, CheckItem, idp_name};
use crate::model::{Exchange, Idp, OperationKind};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;

const CHECK: Check = Check::new(
    "attributes.name-case",
    "attribute names spelt exactly as the guide (case-sensitive)",
);

/// Users named per attribute before "and N more".
const MAX_NAMES: usize = 5;

/// The names the admin types, per IdP.
fn guide_names(idp: Idp) -> &'static [&'static str] {
    match idp {
        Idp::Okta => &["email", "name", "role"],
        Idp::Entra => &["employeeType"],
        Idp::Other => &[],
    }
}

/// The guide name `path` misspells by case, if any. A complex `Name.givenName` is SCIM's own
/// `name` (case-insensitive in SCIM), not the guide's string `name`.
fn misspelt(idp: Idp, path: &str) -> Option<&'static str> {
    let p = PathParts::parse(path);
    guide_names(idp)
        .iter()
        .copied()
        .find(|n| p.is_case_variant_of(n) && !(*n == "name" && p.sub.is_some()))
}

/// How a summary shows the attribute as sent: its name, and the extension it was in.
fn shown(path: &str) -> String {
    let p = PathParts::parse(path);
    match p.urn {
        Some(urn) if !p.at_top_level() => format!("{} (in {urn})", p.attr),
        _ => p.attr.to_owned(),
    }
}

/// One misspelt attribute: what it should be, who sent it (in order, once each), where.
#[derive(Default)]
struct Slip {
    intended: &'static str,
    users: Vec<String>,
    named: HashSet<String>,
    evidence: Vec<i64>,
}

impl Slip {
    fn add(&mut self, user: Option<&str>, evidence: Option<i64>) {
        if let Some(u) = user.filter(|u| !self.named.contains(*u)) {
            self.named.insert(u.to_owned());
            self.users.push(u.to_owned());
        }
        self.evidence.extend(evidence);
    }
}

/// Stored users' userNames by id, made on first use (only a misspelt write asks).
struct Names<'a> {
    users: &'a [std::sync::Arc<super::UserFacts>],
    by_id: Option<FastMap<&'a str, &'a str>>,
}

impl<'a> Names<'a> {
    fn of(&mut self, id: &str) -> Option<&'a str> {
        let users = self.users;
        self.by_id
            .get_or_insert_with(|| {
                let mut m = FastMap::with_capacity_and_hasher(users.len(), Default::default());
                for u in users {
                    // The first stored user with an id, as a search in order finds it.
                    m.entry(u.id.as_str()).or_insert(u.user_name.as_str());
                }
                m
            })
            .get(id)
            .copied()
    }
}

/// Who a write was for: the stored user's userName, else what the capture or the body names.
fn user_of(names: &mut Names<'_>, ex: &Exchange) -> Option<String> {
    let id = ex.summary.resource_id.as_deref();
    id.and_then(|id| names.of(id))
        .map(str::to_owned)
        .or_else(|| ex.summary.resource_name.clone())
        .or_else(|| {
            request_json(ex)
                .and_then(|b| b.get("userName").and_then(Value::as_str).map(str::to_owned))
        })
        .or_else(|| id.map(str::to_owned))
}

/// `attributes.name-case`: fail when an attribute arrived whose name differs from one the
/// guide has the admin type only by case (`Role`, `Email`, `Name`, `EmployeeType`), naming it,
/// the users and the fix on the IdP's own screen; pass when every write carried the guide's
/// spelling; not yet seen before the IdP creates or updates a user.
pub(super) fn name_case(input: &CheckInput<'_>) -> CheckItem {
    let writes = input.of_kind(&[
        OperationKind::Create,
        OperationKind::Update,
        OperationKind::Deactivate,
        OperationKind::Reactivate,
    ]);
    let users = input.idp_users();
    if writes.is_empty() && users.is_empty() {
        return CHECK.not_yet_seen(format!(
            "{} has not created or updated a user yet",
            idp_name(input.idp)
        ));
    }
    // Keyed by the attribute as sent (the same misspelling in two extensions is two slips).
    let mut slips: BTreeMap<String, Slip> = BTreeMap::new();
    let mut names = Names {
        users: input.users,
        by_id: None,
    };
    // Each distinct attribute list (of writes, of users) is read once.
    let written = input.written_of(&writes);
    let mut per_list = PerList::new();
    let slips_in = |paths: &[String]| -> Rc<Vec<(String, &'static str)>> {
        Rc::new(
            paths
                .iter()
                .filter_map(|p| misspelt(input.idp, p).map(|i| (shown(p), i)))
                .collect(),
        )
    };
    for (ex, paths) in writes.iter().zip(&written) {
        let found = per_list.get(paths, slips_in);
        for (sent, intended) in found.iter() {
            let slip = slips.entry(sent.clone()).or_default();
            slip.intended = intended;
            slip.add(user_of(&mut names, ex).as_deref(), Some(ex.summary.id));
        }
    }
    // Creates are looked up only for users with a slip.
    for u in &users {
        let found = per_list.get(&u.attributes_sent, slips_in);
        for (sent, intended) in found.iter() {
            let slip = slips.entry(sent.clone()).or_default();
            slip.intended = intended;
            let create = input
                .user_exchanges(u, &[OperationKind::Create])
                .last()
                .copied();
            slip.add(Some(&u.user_name), create);
        }
    }
    let names = guide_names(input.idp);
    let wanted: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    if slips.is_empty() {
        let arrived: Vec<String> = names
            .iter()
            .filter(|n| {
                distinct(written.iter().map(|l| &**l))
                    .into_iter()
                    .chain(distinct_lists(&users))
                    .flatten()
                    .any(|p| PathParts::parse(p).attr == **n)
            })
            .map(|n| (*n).to_owned())
            .collect();
        let summary = if arrived.is_empty() {
            format!(
                "no attribute arrived under another spelling of {} (checked {})",
                list(&wanted, 3),
                count(writes.len().max(users.len()), "write", "writes")
            )
        } else {
            format!(
                "{} arrived spelt exactly as the guide spells {}, and no other spelling did",
                list(&arrived, 3),
                if arrived.len() == 1 { "it" } else { "them" }
            )
        };
        return CHECK.pass(summary, writes.iter().map(|e| e.summary.id));
    }
    let mut problems = Vec::new();
    let mut renames = Vec::new();
    let mut evidence = Vec::new();
    for (sent, slip) in &slips {
        let consequence = match slip.intended {
            "role" | "employeeType" => ", so their role is Member",
            _ => "",
        };
        problems.push(format!(
            "{sent} arrived instead of {} for {} ({}): names are case-sensitive, the app never reads it{consequence}",
            slip.intended,
            count(slip.users.len(), "user", "users"),
            list(&slip.users, MAX_NAMES)
        ));
        let bare = sent.split(' ').next().unwrap_or(sent).to_owned();
        renames.push((bare, slip.intended));
        evidence.extend(slip.evidence.iter().copied());
    }
    let fix = match input.idp {
        Idp::Okta => {
            let each: Vec<String> = renames
                .iter()
                .map(|(from, to)| format!("rename the External name {from} to {to}"))
                .collect();
            format!(
                "in Directory → Profile Editor open the app's user profile and edit the attribute: {} (names are case-sensitive; keep the External namespace), Save, then push the users again (edit their profile or re-assign them) so the value arrives under the right name",
                list(&each, 4)
            )
        }
        _ => {
            let from: Vec<String> = renames.iter().map(|(f, _)| f.clone()).collect();
            let to: Vec<String> = renames.iter().map(|(_, t)| (*t).to_owned()).collect();
            format!(
                "in the enterprise application open Provisioning → Mappings → Provision Microsoft Entra ID Users, click the mapping whose target is {} to Edit it and pick a Target attribute spelt exactly {} (add it first under Show advanced options → Edit attribute list, same URN; names are case-sensitive), Save, then use Provision on demand",
                list(&from, 4),
                list(&to, 4)
            )
        }
    };
    CHECK.fail(problems.join("; "), evidence, fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus::{Fail, NotYetSeen, Pass};
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn okta_guide_spelling_passes() {
        let body = okta_guide_body("ada@okta.local", Some("Admin"));
        let exs = [okta_create(3, "u1", &body)];
        let users = [facts(
            "u1",
            "ada@okta.local",
            Idp::Okta,
            &body,
            Some("Admin"),
        )];
        let item = name_case(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Pass, "{}", item.summary);
        assert_eq!(
            item.summary,
            "email, name and role arrived spelt exactly as the guide spells them, and no other spelling did"
        );
        assert_eq!(item.evidence, vec![3]);
        // SCIM's own complex name in another case is not the guide's string name.
        let body = json!({"userName": "b", "Name": {"givenName": "B"}, "role": "Member"});
        let users = [facts("u2", "b", Idp::Okta, &body, Some("Member"))];
        let item = name_case(&input(Idp::Okta, &[], &users));
        assert_eq!(item.status, Pass, "{}", item.summary);
    }

    #[test]
    fn okta_role_in_another_case_fails_naming_attribute_users_and_fix() {
        let mut body = okta_guide_body("ada@okta.local", None);
        body["Role"] = json!("Admin");
        let mut other = okta_guide_body("bob@okta.local", None);
        other["Role"] = json!("Member");
        let exs = [okta_create(3, "u1", &body), okta_create(4, "u2", &other)];
        let users = [
            facts("u1", "ada@okta.local", Idp::Okta, &body, None),
            facts("u2", "bob@okta.local", Idp::Okta, &other, None),
        ];
        let item = name_case(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Fail);
        assert_eq!(
            item.summary,
            "Role arrived instead of role for 2 users (ada@okta.local and bob@okta.local): names are case-sensitive, the app never reads it, so their role is Member"
        );
        assert_eq!(item.evidence, vec![3, 4]);
        let fix = item.fix.unwrap_or_default();
        assert!(fix.starts_with("in Directory → Profile Editor"), "{fix}");
        assert!(
            fix.contains("rename the External name Role to role"),
            "{fix}"
        );
    }

    #[test]
    fn okta_misspellings_inside_an_extension_and_on_updates() {
        let body = okta_guide_body("ada@okta.local", Some("Admin"));
        let mut put = body.clone();
        put["urn:ietf:params:scim:schemas:extension:acme:2.0:User"] =
            json!({"Email": "ada@okta.local"});
        let exs = [
            okta_create(3, "u1", &body),
            okta_put(5, "u1", OperationKind::Update, &put),
        ];
        let users = [facts(
            "u1",
            "ada@okta.local",
            Idp::Okta,
            &body,
            Some("Admin"),
        )];
        let item = name_case(&input(Idp::Okta, &exs, &users));
        assert_eq!(item.status, Fail);
        assert!(
            item.summary.starts_with(
                "Email (in urn:ietf:params:scim:schemas:extension:acme:2.0:User) arrived instead of email for 1 user (ada@okta.local)"
            ),
            "{}",
            item.summary
        );
        assert!(!item.summary.contains("Member"), "{}", item.summary);
        assert_eq!(item.evidence, vec![5]);
        assert!(
            item.fix
                .unwrap_or_default()
                .contains("rename the External name Email to email")
        );
        // A string Name at the top level is the guide's name misspelt.
        let mut body = okta_guide_body("c@okta.local", Some("Admin"));
        let o = body.as_object_mut().unwrap();
        o.remove("name");
        o.insert("Name".into(), json!("Cy Young"));
        let item = name_case(&input(Idp::Okta, &[okta_create(6, "u3", &body)], &[]));
        assert_eq!(item.status, Fail);
        assert!(
            item.summary
                .starts_with("Name arrived instead of name for 1 user (c@okta.local)"),
            "{}",
            item.summary
        );
    }

    #[test]
    fn entra_employee_type_in_another_case_fails_with_the_target_attribute_fix() {
        let mut body = entra_guide_body("ada@contoso.com", None, At::Top);
        body[TESTMAIL_EXT] = json!({"EmployeeType": "Admin"});
        let exs = [entra_create(3, "u1", &body)];
        let users = [facts("u1", "ada@contoso.com", Idp::Entra, &body, None)];
        let item = name_case(&input(Idp::Entra, &exs, &users));
        assert_eq!(item.status, Fail);
        assert!(
            item.summary.starts_with(&format!(
                "EmployeeType (in {TESTMAIL_EXT}) arrived instead of employeeType for 1 user (ada@contoso.com)"
            )),
            "{}",
            item.summary
        );
        assert!(
            item.summary.ends_with("so their role is Member"),
            "{}",
            item.summary
        );
        let fix = item.fix.unwrap_or_default();
        assert!(
            fix.starts_with("in the enterprise application open Provisioning → Mappings → Provision Microsoft Entra ID Users"),
            "{fix}"
        );
        assert!(
            fix.contains("Target attribute spelt exactly employeeType")
                && fix.contains("Edit attribute list"),
            "{fix}"
        );
        assert!(!fix.contains("Okta"), "{fix}");
        // On a PATCH path too; okta's guide names are not entra's.
        let patch = entra_patch(
            5,
            "u1",
            OperationKind::Update,
            &json!([{"op": "Replace", "path": "EmployeeType", "value": "Admin"}]),
        );
        let item = name_case(&input(Idp::Entra, &[patch], &[]));
        assert_eq!(item.status, Fail);
        assert_eq!(item.evidence, vec![5]);
        let mut body = entra_guide_body("b@contoso.com", Some("Admin"), At::Enterprise);
        body["Role"] = json!("Admin");
        let item = name_case(&input(Idp::Entra, &[entra_create(6, "u2", &body)], &[]));
        assert_eq!(item.status, Pass, "{}", item.summary);
    }

    #[test]
    fn nothing_written_yet_is_not_yet_seen() {
        assert_eq!(name_case(&input(Idp::Okta, &[], &[])).status, NotYetSeen);
        let item = name_case(&input(
            Idp::Entra,
            &[okta_create(3, "u1", &okta_guide_body("a", None))],
            &[],
        ));
        assert_eq!(item.status, NotYetSeen);
    }
}
