//! The `entra` scenario: what the Microsoft Entra ID provisioning service sends a non-gallery
//! app, as cycles (idp-traffic.md §2–§7, §10):
//!
//! 1. **test connection** — `GET /Users?filter=userName+eq+"<random guid>"` (must be 200 with an
//!    empty list, never 404) and the same for a random group, with `excludedAttributes=members`;
//! 2. **initial cycle: users** — per person a match lookup by `userName`, then `POST /Users`
//!    with the enterprise extension, `meta`, `roles: []` and the role as `employeeType` in the
//!    custom extension [`ROLE_EXTENSION`] (not listed in `schemas`); a match is PATCHed instead;
//! 3. **initial cycle: groups** — lookup by `displayName` excluding members, `POST /Groups` with
//!    Microsoft's extra schema URN and no members, then `Add` members (`"$ref": null`) in
//!    PATCHes of up to [`MEMBER_BATCH`];
//! 4. **incremental cycles** (each opens with the random-GUID probe): profile updates by PATCH
//!    (promotions change `employeeType`) and group reads excluding members; soft delete
//!    (`active` `"False"`); reactivation (`"True"`); member removal and hard `DELETE`.
//!
//! Dialect `default`: capitalised ops, one operation per path, string booleans, member removal
//! by a value list. Dialect `aadOptscim062020` (the flag on the URL): lowercase ops, a
//! path-less `replace` with dotted and URN-qualified keys, real booleans, removal by
//! `members[value eq "…"]`.

use super::population::{Person, Population, group_count};
use super::report::SimulatedUser;
use super::runner::{Request, Run};
use super::verdict::{Expect, Found};
use super::{Dialect, ROLE_EXTENSION, entra_filter};
use serde_json::{Map, Value, json};

/// The domain of the simulated Entra tenant's user principal names.
pub const DOMAIN: &str = "contoso.example";
/// Most members Entra adds in one group PATCH.
pub const MEMBER_BATCH: usize = 50;

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const MS_GROUP: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const STRING_BOOL_HINT: &str = "this request sends active as the string \"False\"/\"True\", as entra's default dialect does: accept string booleans, or append ?aadOptscim062020 to the tenant url so entra sends real booleans";
const CAPITAL_OP_HINT: &str =
    "entra's default dialect writes ops capitalised (\"Replace\", \"Add\"): accept any case";
const PATHLESS_HINT: &str = "with ?aadOptscim062020 entra sends a path-less replace whose keys are dotted (name.familyName) or urn-qualified: accept both";
const REMOVE_LIST_HINT: &str = "entra's default dialect removes members with path \"members\" and a value list in the body (not in rfc 7644): accept it, or use ?aadOptscim062020 for members[value eq \"…\"]";

/// Steps expected for `pop` (progress only).
pub fn estimate(pop: &Population, _dialect: Dialect) -> u32 {
    let n = pop.people.len();
    let g = group_count(n);
    let batches: usize = (0..g)
        .map(|i| pop.members_of(i).count().div_ceil(MEMBER_BATCH))
        .sum();
    let updates = pop.people.iter().filter(|p| p.update).count();
    let deact = pop.people.iter().filter(|p| p.deactivate).count();
    let react = pop.people.iter().filter(|p| p.reactivate).count();
    let deletes = pop.people.iter().filter(|p| p.hard_delete()).count();
    (2 + 2 * n + 2 * g + batches + 1 + updates + g + 1 + deact + 1 + react + 1 + g + deletes) as u32
}

/// What the target app should hold for each person after the scenario.
pub fn expected_users(pop: &Population) -> Vec<SimulatedUser> {
    pop.people
        .iter()
        .map(|p| {
            let role = p.final_role();
            SimulatedUser {
                user_name: p.user_name(DOMAIN),
                role_sent: role.sent().map(str::to_owned),
                expected_role: role.effective().to_owned(),
                expected_status: role.mapping_status().to_owned(),
                deleted: p.hard_delete(),
                active: !p.deactivate || p.reactivate,
            }
        })
        .collect()
}

fn op(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::AadOptscim062020 => name.to_ascii_lowercase(),
        _ => {
            let mut c = name.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
    }
}

fn patch(ops: impl IntoIterator<Item = Value>) -> Value {
    let ops: Vec<Value> = ops.into_iter().collect();
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// The create body, as in Microsoft's tutorial: core + enterprise schemas, `meta`, `roles: []`.
pub fn create_body(p: &Person) -> Value {
    let upn = p.user_name(DOMAIN);
    let mut body = json!({
        "schemas": [CORE_USER, ENTERPRISE],
        "externalId": p.nickname,
        "userName": upn,
        "active": true,
        "displayName": p.display_name(),
        "emails": [{"primary": true, "type": "work", "value": upn}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": p.display_name(), "familyName": p.family_name, "givenName": p.given_name},
        "roles": [],
        ENTERPRISE: {"employeeNumber": p.employee_number, "department": p.department},
    });
    if let (Some(role), Some(obj)) = (p.role.sent(), body.as_object_mut()) {
        obj.insert(ROLE_EXTENSION.to_owned(), json!({"employeeType": role}));
    }
    body
}

/// A PATCH setting `attrs` (path → value), in the dialect's shape.
fn set_attributes(dialect: Dialect, attrs: &[(String, Value)]) -> Value {
    match dialect {
        Dialect::AadOptscim062020 => {
            let value: Map<String, Value> = attrs.iter().cloned().collect();
            patch(vec![json!({"op": "replace", "value": value})])
        }
        _ => patch(
            attrs
                .iter()
                .map(|(path, value)| json!({"op": "Replace", "path": path, "value": value})),
        ),
    }
}

fn active_patch(dialect: Dialect, active: bool) -> Value {
    let value = match dialect {
        Dialect::AadOptscim062020 => Value::Bool(active),
        _ => Value::String(if active { "True" } else { "False" }.to_owned()),
    };
    patch(vec![
        json!({"op": op(dialect, "replace"), "path": "active", "value": value}),
    ])
}

fn write_hint(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::AadOptscim062020 => PATHLESS_HINT,
        _ => CAPITAL_OP_HINT,
    }
}

async fn probe(run: &mut Run<'_>, guid: &str, first: bool) {
    let sent = run
        .step(Request {
            name: "test connection: look up a random guid".into(),
            method: "GET",
            path: format!("/Users?{}", entra_filter("userName", guid)),
            body: None,
            expect: Expect::EmptyList,
            hint: None,
        })
        .await;
    if first
        && let Some(s) = sent
        && matches!(s.status, Some(401 | 403))
    {
        run.abort(format!(
            "test connection got {}: the token was refused, every later request would be too (check --token)",
            s.status.unwrap_or_default()
        ));
    }
}

/// Run the scenario.
pub async fn run(run: &mut Run<'_>, pop: &Population, dialect: Dialect) {
    let mut rng = super::population::Rng::stream(pop.seed, 10);
    run.phase("test connection");
    probe(run, &rng.guid(), true).await;
    let group_guid = rng.guid();
    run.step(Request {
        name: "test connection: look up a random group".into(),
        method: "GET",
        path: format!(
            "/Groups?excludedAttributes=members&{}",
            entra_filter("displayName", &group_guid)
        ),
        body: None,
        expect: Expect::EmptyList,
        hint: None,
    })
    .await;

    run.phase("initial cycle: users");
    let mut ids: Vec<Option<String>> = vec![None; pop.people.len()];
    for p in &pop.people {
        if run.stopped() {
            return;
        }
        ids[p.index] = provision_user(run, p, dialect).await;
    }

    run.phase("initial cycle: groups");
    let names = pop.group_names();
    let mut group_ids: Vec<Option<String>> = vec![None; names.len()];
    for (g, name) in names.iter().enumerate() {
        if run.stopped() {
            return;
        }
        group_ids[g] = provision_group(run, pop, g, name, &ids, dialect, &mut rng).await;
    }

    run.phase("incremental cycle: updates");
    probe(run, &rng.guid(), false).await;
    for p in pop.people.iter().filter(|p| p.update) {
        let Some(id) = user_id(run, &ids, p, "update", "PATCH") else {
            continue;
        };
        let mut attrs = vec![
            ("displayName".to_owned(), json!(p.updated_display_name())),
            ("name.familyName".to_owned(), json!(p.updated_family_name)),
            ("name.formatted".to_owned(), json!(p.updated_display_name())),
            (format!("{ENTERPRISE}:department"), json!(p.department)),
        ];
        if p.promote {
            attrs.push((format!("{ROLE_EXTENSION}:employeeType"), json!("Admin")));
        }
        run.step(Request {
            name: format!(
                "update {}{}",
                p.user_name(DOMAIN),
                if p.promote {
                    " (promoted to Admin)"
                } else {
                    ""
                }
            ),
            method: "PATCH",
            path: format!("/Users/{id}"),
            body: Some(set_attributes(dialect, &attrs)),
            expect: Expect::UserWrite {
                active: None,
                allow_no_content: true,
            },
            hint: Some(write_hint(dialect)),
        })
        .await;
    }
    for (g, name) in names.iter().enumerate() {
        let Some(gid) = group_ids[g].clone() else {
            continue;
        };
        run.step(Request {
            name: format!("read group {name} excluding members"),
            method: "GET",
            path: format!("/Groups/{gid}?excludedAttributes=members"),
            body: None,
            expect: Expect::ReadWithoutMembers { id: gid.clone() },
            hint: None,
        })
        .await;
    }

    run.phase("incremental cycle: soft delete");
    probe(run, &rng.guid(), false).await;
    for p in pop.people.iter().filter(|p| p.deactivate) {
        set_active(run, &ids, p, dialect, false).await;
    }

    run.phase("incremental cycle: reactivation");
    probe(run, &rng.guid(), false).await;
    for p in pop.people.iter().filter(|p| p.reactivate) {
        set_active(run, &ids, p, dialect, true).await;
    }

    run.phase("incremental cycle: hard delete");
    probe(run, &rng.guid(), false).await;
    for (g, name) in names.iter().enumerate() {
        let Some(gid) = group_ids[g].clone() else {
            continue;
        };
        let leaving: Vec<String> = pop
            .members_of(g)
            .filter(|p| p.hard_delete())
            .filter_map(|p| ids[p.index].clone())
            .collect();
        if leaving.is_empty() {
            continue;
        }
        let body =
            match dialect {
                Dialect::AadOptscim062020 => patch(leaving.iter().map(
                    |id| json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")}),
                )),
                _ => patch(vec![json!({
                    "op": "Remove", "path": "members",
                    "value": leaving.iter().map(|id| json!({"value": id})).collect::<Vec<_>>()
                })]),
            };
        run.step(Request {
            name: format!("remove {} member(s) from {name}", leaving.len()),
            method: "PATCH",
            path: format!("/Groups/{gid}"),
            body: Some(body),
            expect: Expect::GroupWrite,
            hint: Some(match dialect {
                Dialect::AadOptscim062020 => PATHLESS_HINT,
                _ => REMOVE_LIST_HINT,
            }),
        })
        .await;
    }
    for p in pop.people.iter().filter(|p| p.hard_delete()) {
        let Some(id) = user_id(run, &ids, p, "hard delete", "DELETE") else {
            continue;
        };
        run.step(Request {
            name: format!("hard delete {}", p.user_name(DOMAIN)),
            method: "DELETE",
            path: format!("/Users/{id}"),
            body: None,
            expect: Expect::Delete,
            hint: None,
        })
        .await;
    }
}

/// The server id of `p`, or a skipped step saying why there is none.
fn user_id(
    run: &mut Run<'_>,
    ids: &[Option<String>],
    p: &Person,
    what: &str,
    method: &str,
) -> Option<String> {
    if let Some(id) = ids[p.index].clone() {
        return Some(id);
    }
    run.skip(
        format!("{what} {}", p.user_name(DOMAIN)),
        method,
        "/Users/{id}".into(),
        "skipped: the user was never provisioned (its lookup or create failed above)".into(),
    );
    None
}

async fn set_active(
    run: &mut Run<'_>,
    ids: &[Option<String>],
    p: &Person,
    dialect: Dialect,
    active: bool,
) {
    let what = if active { "reactivate" } else { "soft delete" };
    let Some(id) = user_id(run, ids, p, what, "PATCH") else {
        return;
    };
    run.step(Request {
        name: format!("{what} {}", p.user_name(DOMAIN)),
        method: "PATCH",
        path: format!("/Users/{id}"),
        body: Some(active_patch(dialect, active)),
        expect: Expect::UserWrite {
            active: Some(active),
            allow_no_content: true,
        },
        hint: Some(match dialect {
            Dialect::AadOptscim062020 => PATHLESS_HINT,
            _ => STRING_BOOL_HINT,
        }),
    })
    .await;
}

/// Match lookup, then create (or PATCH the match). The server id when provisioned.
async fn provision_user(run: &mut Run<'_>, p: &Person, dialect: Dialect) -> Option<String> {
    let upn = p.user_name(DOMAIN);
    let lookup = run
        .step(Request {
            name: format!("match {upn}"),
            method: "GET",
            path: format!("/Users?{}", entra_filter("userName", &upn)),
            body: None,
            expect: Expect::Lookup {
                attr: "userName",
                value: upn.clone(),
            },
            hint: None,
        })
        .await?;
    match lookup.found {
        None => {
            run.skip(
                format!("create {upn}"),
                "POST",
                "/Users".into(),
                "skipped: the match lookup failed, so entra does not know whether the user exists"
                    .into(),
            );
            None
        }
        Some(Found::Nothing) => {
            let sent = run
                .step(Request {
                    name: format!("create {upn}"),
                    method: "POST",
                    path: "/Users".into(),
                    body: Some(create_body(p)),
                    expect: Expect::Create,
                    hint: Some("entra sends meta, roles: [] and a custom extension that is not listed in schemas: accept and ignore what you do not store"),
                })
                .await?;
            if sent.passed { sent.id() } else { None }
        }
        Some(Found::One(id, _)) => {
            let mut attrs = vec![
                (
                    "active".to_owned(),
                    match dialect {
                        Dialect::AadOptscim062020 => json!(true),
                        _ => json!("True"),
                    },
                ),
                ("displayName".to_owned(), json!(p.display_name())),
                ("name.familyName".to_owned(), json!(p.family_name)),
                ("name.givenName".to_owned(), json!(p.given_name)),
                ("externalId".to_owned(), json!(p.nickname)),
            ];
            if let Some(role) = p.role.sent() {
                attrs.push((format!("{ROLE_EXTENSION}:employeeType"), json!(role)));
            }
            let sent = run
                .step(Request {
                    name: format!("update matched {upn}"),
                    method: "PATCH",
                    path: format!("/Users/{id}"),
                    body: Some(set_attributes(dialect, &attrs)),
                    expect: Expect::UserWrite {
                        active: Some(true),
                        allow_no_content: true,
                    },
                    hint: Some(match dialect {
                        Dialect::AadOptscim062020 => PATHLESS_HINT,
                        _ => STRING_BOOL_HINT,
                    }),
                })
                .await?;
            sent.passed.then_some(id)
        }
    }
}

/// Group lookup, create (or link the match), then add its members in batches.
async fn provision_group(
    run: &mut Run<'_>,
    pop: &Population,
    g: usize,
    name: &str,
    ids: &[Option<String>],
    dialect: Dialect,
    rng: &mut super::population::Rng,
) -> Option<String> {
    let lookup = run
        .step(Request {
            name: format!("match group {name}"),
            method: "GET",
            path: format!(
                "/Groups?excludedAttributes=members&{}",
                entra_filter("displayName", name)
            ),
            body: None,
            expect: Expect::Lookup {
                attr: "displayName",
                value: name.to_owned(),
            },
            hint: None,
        })
        .await?;
    let gid = match lookup.found {
        None => {
            run.skip(
                format!("create group {name}"),
                "POST",
                "/Groups".into(),
                "skipped: the group lookup failed".into(),
            );
            return None;
        }
        Some(Found::One(id, _)) => id,
        Some(Found::Nothing) => {
            let sent = run
                .step(Request {
                    name: format!("create group {name}"),
                    method: "POST",
                    path: "/Groups".into(),
                    body: Some(json!({
                        "schemas": [CORE_GROUP, MS_GROUP],
                        "externalId": rng.guid(),
                        "displayName": name,
                        "meta": {"resourceType": "Group"},
                    })),
                    expect: Expect::Create,
                    hint: Some("entra lists the microsoft schema http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group in schemas: accept it"),
                })
                .await?;
            if !sent.passed {
                return None;
            }
            sent.id()?
        }
    };
    let members: Vec<String> = pop
        .members_of(g)
        .filter_map(|p| ids[p.index].clone())
        .collect();
    for (k, chunk) in members.chunks(MEMBER_BATCH).enumerate() {
        let value: Vec<Value> = chunk
            .iter()
            .map(|id| json!({"$ref": null, "value": id}))
            .collect();
        run.step(Request {
            name: format!("add {} member(s) to {name} (batch {})", chunk.len(), k + 1),
            method: "PATCH",
            path: format!("/Groups/{gid}"),
            body: Some(patch(vec![
                json!({"op": op(dialect, "add"), "path": "members", "value": value}),
            ])),
            expect: Expect::GroupWrite,
            hint: Some(match dialect {
                Dialect::AadOptscim062020 => "entra sends \"$ref\": null on each member: treat null as absent",
                _ => "entra's default dialect writes \"Add\" capitalised and sends \"$ref\": null on each member: accept any case, treat null as absent",
            }),
        })
        .await?;
    }
    Some(gid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{RoleMix, RoleValue};

    #[test]
    fn the_create_body_carries_the_role_in_an_unlisted_custom_extension() {
        let pop = Population::generate(10, 1, RoleMix::default());
        let with_role = pop
            .people
            .iter()
            .find(|p| p.role == RoleValue::Admin)
            .unwrap();
        let b = create_body(with_role);
        assert_eq!(b[ROLE_EXTENSION]["employeeType"], "Admin");
        let schemas: Vec<&str> = b["schemas"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            schemas,
            [CORE_USER, ENTERPRISE],
            "the custom urn is not listed"
        );
        assert_eq!(b["roles"], json!([]));
        assert_eq!(b["meta"]["resourceType"], "User");
        let without = pop
            .people
            .iter()
            .find(|p| p.role == RoleValue::Missing)
            .unwrap();
        assert!(
            create_body(without).get(ROLE_EXTENSION).is_none(),
            "no role, no extension"
        );
    }

    #[test]
    fn the_two_dialects_write_patches_differently() {
        let d = active_patch(Dialect::Default, false);
        assert_eq!(
            d["Operations"][0],
            json!({"op": "Replace", "path": "active", "value": "False"})
        );
        let f = active_patch(Dialect::AadOptscim062020, false);
        assert_eq!(
            f["Operations"][0],
            json!({"op": "replace", "path": "active", "value": false})
        );
        let attrs = vec![("name.familyName".to_owned(), json!("X"))];
        let d = set_attributes(Dialect::Default, &attrs);
        assert_eq!(d["Operations"][0]["path"], "name.familyName");
        let f = set_attributes(Dialect::AadOptscim062020, &attrs);
        assert_eq!(
            f["Operations"][0],
            json!({"op": "replace", "value": {"name.familyName": "X"}})
        );
        assert_eq!(op(Dialect::Default, "add"), "Add");
        assert_eq!(op(Dialect::AadOptscim062020, "Add"), "add");
    }

    #[test]
    fn expected_users_follow_promotions_and_deletes() {
        let pop = Population::generate(30, 4, RoleMix::default());
        let users = expected_users(&pop);
        for (p, u) in pop.people.iter().zip(&users) {
            assert_eq!(u.deleted, p.hard_delete());
            if p.promote {
                assert_eq!(u.expected_role, "Admin");
            }
            if let RoleValue::Invalid(v) = &p.role {
                assert_eq!(u.role_sent.as_deref(), Some(v.as_str()));
                assert_eq!(
                    (u.expected_role.as_str(), u.expected_status.as_str()),
                    ("Member", "invalid")
                );
            }
        }
        assert!(estimate(&pop, Dialect::Default) > 60);
    }
}
