//! The `okta` scenario: what Okta's SCIM client sends (idp-traffic.md §2–§7, OKTA-20):
//!
//! 1. **test connector configuration** — `GET /Users?startIndex=1&count=2` and
//!    `GET /Groups?startIndex=1&count=100` (ListResponses with integer numbers); a `404` or
//!    `501` on `/Groups` passes with a note: the app has no groups, so group push is skipped;
//! 2. **assign users** — per person `GET /Users?filter=userName eq "…"&startIndex=1&count=100`
//!    (an empty list or a 404 means no match), then `POST /Users`; a match gets its profile
//!    pushed instead (`aiw`: `PUT`; `oin`: path-less `PATCH`). What the user carries depends
//!    on the [`Setup`]: `guide` (and `guide-literal`, the same for Okta: deactivation is the
//!    *Deactivate Users* action, not a mapping) sends only `schemas`, `userName`, `active` and
//!    the Profile Editor attributes `email`, `name` — a *string*, the display name — and
//!    `role` at the top level, with Sync Password off; `full` sends Okta's default profile (a
//!    name object, `emails`, `displayName`, `locale`, `externalId`, `groups: []`, a random
//!    `password`) plus `email` and `role`;
//! 3. **profile updates** — dialect `aiw`: `GET /Users/{id}`, then `PUT` of the whole object
//!    read back (`id`, `meta`, `groups` and all) with the changes; dialect `oin`: a path-less
//!    `PATCH {"op":"replace","value":{…changed attributes…}}` (promotions change `role`);
//! 4. **deactivate / reactivate** — dialect `aiw`: GET then PUT with `active`; dialect `oin`:
//!    path-less `PATCH {"op":"replace","value":{"active":false}}`;
//! 5. **push groups** — lookup, `POST /Groups` with `members: []`, then membership: `aiw` PUTs
//!    the whole group, `oin` PATCHes with the rename-with-`id` operation Okta sends on every
//!    membership change plus `add` / `remove members[value eq "…"]`.
//!
//! Okta never deletes users, so no `DELETE /Users` is sent. Deprovisioned people (deactivated
//! and not reactivated) are removed from the pushed groups. Okta matches by the lookup before
//! every create and never re-creates a user to test uniqueness (that `409` check is Runscope
//! test R8, not provisioning traffic), so no duplicate create is sent: against a production
//! app it would make a real duplicate user.

use super::population::{Person, Population, group_count};
use super::report::SimulatedUser;
use super::runner::{Request, Run, Sent};
use super::verdict::{Expect, Found};
use super::{Dialect, Setup, okta_filter};
use serde_json::{Value, json};

/// The domain of the simulated Okta org's user names.
pub const DOMAIN: &str = "okta.example";

use scimlab_scim::schema::{
    GROUP_SCHEMA as CORE_GROUP, PATCH_OP_SCHEMA as PATCH_OP, USER_SCHEMA as CORE_USER,
};

const CREATE_HINT: &str = "okta sends a random password, groups: [] and custom attributes (role, email) at the top level: accept them (drop the password, keep or ignore the rest)";
const GUIDE_CREATE_HINT: &str = "configured as the guide says, okta sends the profile editor attributes email, name and role at the top level, and name as a string (the display name), not scim's name object: accept a string name and store it as sent";
const GUIDE_WRITE_HINT: &str = "configured as the guide says, okta sends name as a string (the display name) and email and role at the top level: accept them in updates too";
const PUT_HINT: &str = "okta puts back the whole object it read, including id, meta and groups: accept read-only attributes in a PUT and ignore them";
const PATHLESS_HINT: &str = "okta deactivates with a path-less patch {\"op\":\"replace\",\"value\":{\"active\":false}}: accept operations without a path";
const PROFILE_PATCH_HINT: &str = "okta (oin) updates a profile with a path-less patch {\"op\":\"replace\",\"value\":{…}} holding the changed attributes (custom ones like role at the top level): accept operations without a path";
const GROUP_PATCH_HINT: &str = "okta sends {\"op\":\"replace\",\"value\":{\"id\":…,\"displayName\":…}} with every membership change: accept the id when it is unchanged";

/// Steps expected for `pop` (progress only).
pub fn estimate(pop: &Population, dialect: Dialect) -> u32 {
    let n = pop.people.len();
    let g = group_count(n);
    let updates = pop.people.iter().filter(|p| p.update).count();
    let toggles = pop.people.iter().filter(|p| p.deactivate).count()
        + pop.people.iter().filter(|p| p.reactivate).count();
    let per_write = if dialect == Dialect::Aiw { 2 } else { 1 };
    (2 + 2 * n + per_write * (updates + toggles) + 4 * g) as u32
}

/// What the target app should hold for each person after the scenario (every setup sends
/// the role as `role` at the top level; the same people end active).
pub fn expected_users(pop: &Population, _setup: Setup) -> Vec<SimulatedUser> {
    pop.people
        .iter()
        .map(|p| {
            let role = p.final_role();
            SimulatedUser {
                user_name: p.user_name(DOMAIN),
                role_sent: role.sent().map(str::to_owned),
                role_attribute: role.sent().map(|_| role.attribute("role")),
                expected_role: role.effective().to_owned(),
                expected_status: role.mapping_status().to_owned(),
                deleted: false,
                active: !p.deactivate || p.reactivate,
            }
        })
        .collect()
}

/// The create body. `guide`: what the guide's Okta configuration sends — `schemas`,
/// `userName`, `active`, and the Profile Editor attributes `email`, `name` (a string) and
/// `role` (only when the person has one; under `Role` for the wrong-case slip). `full`: Okta's
/// SCIM 2.0 reference body plus `email` and `role` at the top level.
pub fn create_body(p: &Person, setup: Setup) -> Value {
    let user_name = p.user_name(DOMAIN);
    if setup.is_guide() {
        let mut body = json!({
            "schemas": [CORE_USER],
            "userName": user_name,
            "active": true,
            "email": user_name,
            "name": p.display_name(),
        });
        if let (Some(role), Some(obj)) = (p.role.sent(), body.as_object_mut()) {
            obj.insert(p.role.attribute("role"), json!(role));
        }
        return body;
    }
    let mut body = json!({
        "schemas": [CORE_USER],
        "userName": user_name,
        "name": {"givenName": p.given_name, "familyName": p.family_name},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": p.display_name(),
        "locale": "en-US",
        "externalId": p.okta_id,
        "groups": [],
        "password": p.password,
        "active": true,
        "email": user_name,
    });
    if let (Some(role), Some(obj)) = (p.role.sent(), body.as_object_mut()) {
        obj.insert(p.role.attribute("role"), json!(role));
    }
    body
}

/// The profile Okta pushes over what it read back: everything read is kept (Okta echoes `id`,
/// `meta`, `groups` and attributes it never maps), the mapped attributes are overwritten —
/// `guide`: `userName`, `email`, `name` (a string) and `role`; `full`: also the name object and
/// `displayName`.
fn pushed_profile(
    read: &Value,
    p: &Person,
    updated: bool,
    active: Option<bool>,
    setup: Setup,
) -> Value {
    let mut body = match read {
        Value::Object(_) => read.clone(),
        _ => json!({}),
    };
    let user_name = p.user_name(DOMAIN);
    let family = if updated {
        &p.updated_family_name
    } else {
        &p.family_name
    };
    let display = format!("{} {family}", p.given_name);
    let role = if updated {
        p.final_role()
    } else {
        p.role.clone()
    };
    if let Some(obj) = body.as_object_mut() {
        obj.insert("schemas".into(), json!([CORE_USER]));
        obj.insert("userName".into(), json!(user_name));
        if setup.is_guide() {
            obj.insert("name".into(), json!(display));
        } else {
            let name = obj.entry("name").or_insert_with(|| json!({}));
            if let Some(n) = name.as_object_mut() {
                n.insert("givenName".into(), json!(p.given_name));
                n.insert("familyName".into(), json!(family));
            } else {
                *name = json!({"givenName": p.given_name, "familyName": family});
            }
            obj.insert("displayName".into(), json!(display));
        }
        obj.insert("email".into(), json!(user_name));
        let key = role.attribute("role");
        match role.sent() {
            Some(r) => obj.insert(key, json!(r)),
            None => obj.remove(&key),
        };
        if let Some(a) = active {
            obj.insert("active".into(), json!(a));
        } else if !obj.contains_key("active") {
            obj.insert("active".into(), json!(true));
        }
    }
    body
}

fn user_id(run: &mut Run<'_>, ids: &[Option<String>], p: &Person, what: &str) -> Option<String> {
    if let Some(id) = ids[p.index].clone() {
        return Some(id);
    }
    run.skip(
        format!("{what} {}", p.user_name(DOMAIN)),
        "GET",
        "/Users/{id}".into(),
        "skipped: the user was never provisioned (its lookup or create failed above)".into(),
    );
    None
}

async fn read_user(run: &mut Run<'_>, id: &str, p: &Person, why: &str) -> Option<Value> {
    let sent = run
        .step(Request {
            name: format!("read {} before {why}", p.user_name(DOMAIN)),
            method: "GET",
            path: format!("/Users/{id}"),
            body: None,
            expect: Expect::Read { id: id.to_owned() },
            hint: None,
        })
        .await?;
    if sent.passed { sent.json } else { None }
}

/// What to say when a user write is refused.
fn write_hint(setup: Setup, pathless: bool) -> &'static str {
    match (setup.is_guide(), pathless) {
        (true, _) => GUIDE_WRITE_HINT,
        (false, true) => PROFILE_PATCH_HINT,
        (false, false) => PUT_HINT,
    }
}

/// GET then PUT (`aiw`, and every profile update): the whole object read back, changed.
async fn get_then_put(
    run: &mut Run<'_>,
    id: &str,
    p: &Person,
    what: &str,
    updated: bool,
    active: Option<bool>,
    setup: Setup,
) -> Option<Sent> {
    let Some(read) = read_user(run, id, p, what).await else {
        run.skip(
            format!("{what} {}", p.user_name(DOMAIN)),
            "PUT",
            format!("/Users/{id}"),
            "skipped: okta reads the user before it puts it back, and the read failed".into(),
        );
        return None;
    };
    let want_active = active.or_else(|| read.get("active").and_then(Value::as_bool));
    let promoted = if what == "update" && p.promote {
        " (promoted to Admin)"
    } else {
        ""
    };
    run.step(Request {
        name: format!("{what} {}{promoted}", p.user_name(DOMAIN)),
        method: "PUT",
        path: format!("/Users/{id}"),
        body: Some(pushed_profile(&read, p, updated, active, setup)),
        expect: Expect::UserWrite {
            active: want_active,
            allow_no_content: false,
        },
        hint: Some(write_hint(setup, false)),
    })
    .await
}

/// The attributes of a profile update, as the `value` of Okta's path-less replace (`oin`):
/// `guide`: the Profile Editor attributes `name` (a string) and `email`; `full`: the name object
/// and the display name; both with `role` when it is sent (and `active` when set).
pub fn profile_value(p: &Person, updated: bool, active: Option<bool>, setup: Setup) -> Value {
    let family = if updated {
        &p.updated_family_name
    } else {
        &p.family_name
    };
    let display = format!("{} {family}", p.given_name);
    let mut value = if setup.is_guide() {
        json!({"name": display, "email": p.user_name(DOMAIN)})
    } else {
        json!({
            "name": {"givenName": p.given_name, "familyName": family},
            "displayName": display,
        })
    };
    let role = if updated {
        p.final_role()
    } else {
        p.role.clone()
    };
    if let Some(obj) = value.as_object_mut() {
        if let Some(r) = role.sent() {
            obj.insert(role.attribute("role"), json!(r));
        }
        if let Some(a) = active {
            obj.insert("active".into(), json!(a));
        }
    }
    value
}

/// A path-less `PATCH` of the changed attributes (`oin` profile pushes): `200` with the user
/// or `204`.
async fn patch_profile(
    run: &mut Run<'_>,
    id: &str,
    name: String,
    p: &Person,
    updated: bool,
    active: Option<bool>,
    setup: Setup,
) -> Option<Sent> {
    run.step(Request {
        name,
        method: "PATCH",
        path: format!("/Users/{id}"),
        body: Some(json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "value": profile_value(p, updated, active, setup)},
        ]})),
        expect: Expect::UserWrite {
            active,
            allow_no_content: true,
        },
        hint: Some(write_hint(setup, true)),
    })
    .await
}

/// The note on a `404` / `501` for the groups connector test.
pub const NO_GROUPS: &str = "the app has no /Groups: group push skipped";

/// What `guide-literal` means for Okta, said in the report.
pub const GUIDE_LITERAL_NOTE: &str = "guide-literal is the same as guide for okta: deactivation is the Deactivate Users provisioning action (To App), not an attribute mapping, so disabling every mapping except userName leaves it on";

/// Run the scenario.
pub async fn run(run: &mut Run<'_>, pop: &Population, dialect: Dialect, setup: Setup) {
    if setup == Setup::GuideLiteral {
        run.notes.push(GUIDE_LITERAL_NOTE.to_owned());
    }
    run.phase("test connector configuration");
    let first = run
        .step(Request {
            name: "test api credentials (count=2)".into(),
            method: "GET",
            path: "/Users?startIndex=1&count=2".into(),
            body: None,
            expect: Expect::List,
            hint: Some("okta sends startIndex and count without attributes or a filter"),
        })
        .await;
    if let Some(s) = first
        && matches!(s.status, Some(401 | 403))
    {
        run.abort(format!(
            "the connector test got {}: the token was refused, every later request would be too (check --token)",
            s.status.unwrap_or_default()
        ));
    }
    let groups = run
        .step(Request {
            name: "test api credentials: groups (count=100)".into(),
            method: "GET",
            path: "/Groups?startIndex=1&count=100".into(),
            body: None,
            expect: Expect::OptionalList { absent: NO_GROUPS },
            hint: None,
        })
        .await;
    let no_groups = groups.is_some_and(|s| s.passed && matches!(s.status, Some(404 | 501)));

    run.phase("assign users");
    let mut ids: Vec<Option<String>> = vec![None; pop.people.len()];
    for p in &pop.people {
        if run.stopped() {
            return;
        }
        ids[p.index] = assign(run, p, dialect, setup).await;
    }

    run.phase("profile updates");
    for p in pop.people.iter().filter(|p| p.update) {
        if run.stopped() {
            return;
        }
        let Some(id) = user_id(run, &ids, p, "update") else {
            continue;
        };
        match dialect {
            Dialect::Oin => {
                let promoted = if p.promote {
                    " (promoted to Admin)"
                } else {
                    ""
                };
                let name = format!("update {}{promoted}", p.user_name(DOMAIN));
                patch_profile(run, &id, name, p, true, None, setup).await;
            }
            _ => {
                get_then_put(run, &id, p, "update", true, None, setup).await;
            }
        }
    }

    run.phase("deactivate");
    for p in pop.people.iter().filter(|p| p.deactivate) {
        set_active(run, &ids, p, dialect, false, setup).await;
    }
    run.phase("reactivate");
    for p in pop.people.iter().filter(|p| p.reactivate) {
        set_active(run, &ids, p, dialect, true, setup).await;
    }

    if no_groups {
        // Okta does not push groups to an app without /Groups; the connector test's note
        // says so, and nothing is sent (skipped steps would count against the run).
        let g = group_count(pop.people.len()) as u32;
        run.estimated_total = run.estimated_total.saturating_sub(4 * g);
        return;
    }
    run.phase("push groups");
    for (g, name) in pop.group_names().iter().enumerate() {
        if run.stopped() {
            return;
        }
        push_group(run, pop, g, name, &ids, dialect).await;
    }
}

async fn set_active(
    run: &mut Run<'_>,
    ids: &[Option<String>],
    p: &Person,
    dialect: Dialect,
    active: bool,
    setup: Setup,
) {
    let what = if active { "reactivate" } else { "deactivate" };
    let Some(id) = user_id(run, ids, p, what) else {
        return;
    };
    match dialect {
        Dialect::Oin => {
            run.step(Request {
                name: format!("{what} {}", p.user_name(DOMAIN)),
                method: "PATCH",
                path: format!("/Users/{id}"),
                body: Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": active}}]})),
                expect: Expect::UserWrite {
                    active: Some(active),
                    allow_no_content: true,
                },
                hint: Some(PATHLESS_HINT),
            })
            .await;
        }
        _ => {
            get_then_put(run, &id, p, what, p.update, Some(active), setup).await;
        }
    }
}

/// Lookup, then create (or push the profile to the match). The server id when provisioned.
async fn assign(run: &mut Run<'_>, p: &Person, dialect: Dialect, setup: Setup) -> Option<String> {
    let user_name = p.user_name(DOMAIN);
    let lookup = run
        .step(Request {
            name: format!("match {user_name}"),
            method: "GET",
            path: format!(
                "/Users?{}&startIndex=1&count=100",
                okta_filter("userName", &user_name)
            ),
            body: None,
            expect: Expect::Lookup {
                attr: "userName",
                value: user_name.clone(),
            },
            hint: None,
        })
        .await?;
    match lookup.found {
        None => {
            run.skip(
                format!("create {user_name}"),
                "POST",
                "/Users".into(),
                "skipped: the match lookup failed, so okta does not know whether the user exists"
                    .into(),
            );
            None
        }
        Some(Found::Nothing) => {
            let sent = run
                .step(Request {
                    name: format!("create {user_name}"),
                    method: "POST",
                    path: "/Users".into(),
                    body: Some(create_body(p, setup)),
                    expect: Expect::Create,
                    hint: Some(if setup.is_guide() {
                        GUIDE_CREATE_HINT
                    } else {
                        CREATE_HINT
                    }),
                })
                .await?;
            if sent.passed { sent.id() } else { None }
        }
        Some(Found::One(id, _)) if dialect == Dialect::Oin => {
            let name = format!("push profile to matched {user_name}");
            let sent = patch_profile(run, &id, name, p, false, Some(true), setup).await?;
            sent.passed.then_some(id)
        }
        Some(Found::One(id, read)) => {
            let sent = run
                .step(Request {
                    name: format!("push profile to matched {user_name}"),
                    method: "PUT",
                    path: format!("/Users/{id}"),
                    body: Some(pushed_profile(&read, p, false, Some(true), setup)),
                    expect: Expect::UserWrite {
                        active: Some(true),
                        allow_no_content: false,
                    },
                    hint: Some(write_hint(setup, false)),
                })
                .await?;
            sent.passed.then_some(id)
        }
    }
}

fn member(ids: &[Option<String>], p: &Person) -> Option<Value> {
    ids[p.index]
        .as_ref()
        .map(|id| json!({"value": id, "display": p.user_name(DOMAIN)}))
}

async fn push_group(
    run: &mut Run<'_>,
    pop: &Population,
    g: usize,
    name: &str,
    ids: &[Option<String>],
    dialect: Dialect,
) -> Option<()> {
    let lookup = run
        .step(Request {
            name: format!("match group {name}"),
            method: "GET",
            path: format!(
                "/Groups?{}&startIndex=1&count=100",
                okta_filter("displayName", name)
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
                format!("push group {name}"),
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
                    name: format!("push group {name}"),
                    method: "POST",
                    path: "/Groups".into(),
                    body: Some(
                        json!({"schemas": [CORE_GROUP], "displayName": name, "members": []}),
                    ),
                    expect: Expect::Create,
                    hint: None,
                })
                .await?;
            if !sent.passed {
                return None;
            }
            sent.id()?
        }
    };
    let joining: Vec<&Person> = pop
        .members_of(g)
        .filter(|p| ids[p.index].is_some())
        .collect();
    let all: Vec<Value> = joining.iter().filter_map(|p| member(ids, p)).collect();
    let body = match dialect {
        Dialect::Oin => json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "value": {"id": gid, "displayName": name}},
            {"op": "add", "path": "members", "value": all},
        ]}),
        _ => json!({"schemas": [CORE_GROUP], "id": gid, "displayName": name, "members": all}),
    };
    run.step(Request {
        name: format!("add {} member(s) to {name}", joining.len()),
        method: if dialect == Dialect::Oin {
            "PATCH"
        } else {
            "PUT"
        },
        path: format!("/Groups/{gid}"),
        body: Some(body),
        expect: Expect::GroupWrite,
        hint: Some(if dialect == Dialect::Oin {
            GROUP_PATCH_HINT
        } else {
            PUT_HINT
        }),
    })
    .await?;
    let leaving: Vec<&Person> = joining
        .iter()
        .copied()
        .filter(|p| p.hard_delete())
        .collect();
    if leaving.is_empty() {
        return Some(());
    }
    let body = match dialect {
        Dialect::Oin => {
            let mut ops = vec![json!({"op": "replace", "value": {"id": gid, "displayName": name}})];
            ops.extend(
                leaving.iter().filter_map(|p| ids[p.index].as_ref()).map(
                    |id| json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")}),
                ),
            );
            json!({"schemas": [PATCH_OP], "Operations": ops})
        }
        _ => {
            let staying: Vec<Value> = joining
                .iter()
                .filter(|p| !p.hard_delete())
                .filter_map(|p| member(ids, p))
                .collect();
            json!({"schemas": [CORE_GROUP], "id": gid, "displayName": name, "members": staying})
        }
    };
    run.step(Request {
        name: format!(
            "remove {} deprovisioned member(s) from {name}",
            leaving.len()
        ),
        method: if dialect == Dialect::Oin {
            "PATCH"
        } else {
            "PUT"
        },
        path: format!("/Groups/{gid}"),
        body: Some(body),
        expect: Expect::GroupWrite,
        hint: Some(if dialect == Dialect::Oin {
            GROUP_PATCH_HINT
        } else {
            PUT_HINT
        }),
    })
    .await?;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{RoleMix, RoleValue};

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    fn sorted(mut k: Vec<&str>) -> Vec<&str> {
        k.sort_unstable();
        k
    }

    #[test]
    fn the_guide_create_body_is_exactly_the_guides_attributes_with_a_string_name() {
        let pop = Population::generate(10, 1, RoleMix::default());
        for setup in [Setup::Guide, Setup::GuideLiteral] {
            for p in &pop.people {
                let b = create_body(p, setup);
                let mut want = vec!["schemas", "userName", "active", "email", "name"];
                match p.role {
                    RoleValue::Missing => {}
                    RoleValue::Miscased(_) => want.push("Role"),
                    _ => want.push("role"),
                }
                assert_eq!(keys(&b), sorted(want), "{setup}: {b}");
                assert_eq!(b["schemas"], json!([CORE_USER]));
                assert_eq!(
                    b["name"],
                    p.display_name().as_str(),
                    "a string, not an object"
                );
                assert_eq!(b["email"], b["userName"]);
                assert_eq!(b["active"], true);
                if let Some(r) = p.role.sent() {
                    assert_eq!(b[p.role.attribute("role")], r);
                }
            }
        }
        let admin = pop
            .people
            .iter()
            .find(|p| p.role == RoleValue::Admin)
            .unwrap();
        assert_eq!(
            keys(&create_body(admin, Setup::Guide)),
            sorted(vec![
                "schemas", "userName", "active", "email", "name", "role"
            ])
        );
    }

    #[test]
    fn guide_updates_carry_the_same_attributes() {
        let pop = Population::generate(30, 2, RoleMix::default());
        let p = pop.people.iter().find(|p| p.promote).unwrap();
        // oin: a path-less replace of the profile editor attributes.
        let v = profile_value(p, true, None, Setup::Guide);
        assert_eq!(keys(&v), ["email", "name", "role"]);
        assert_eq!(v["name"], p.updated_display_name().as_str());
        assert_eq!(v["role"], "Admin");
        // aiw: the object read back, with the guide's attributes over it (name stays a string).
        let read = json!({"schemas": [CORE_USER], "id": "42", "userName": "x", "active": true,
            "name": "Old Name", "email": "x", "role": "Member", "meta": {"resourceType": "User"}});
        let b = pushed_profile(&read, p, true, None, Setup::Guide);
        assert_eq!(
            keys(&b),
            [
                "active", "email", "id", "meta", "name", "role", "schemas", "userName"
            ]
        );
        assert_eq!(b["name"], p.updated_display_name().as_str());
        assert_eq!(b["role"], "Admin");
        assert_eq!(
            pushed_profile(&read, p, true, Some(false), Setup::Guide)["active"],
            false
        );
        // The wrong-case slip keeps its wrong-case name on updates.
        let pop = Population::generate(10, 1, RoleMix::default());
        let slip = pop
            .people
            .iter()
            .find(|p| matches!(p.role, RoleValue::Miscased(_)))
            .unwrap();
        let v = profile_value(slip, false, None, Setup::Guide);
        assert_eq!((v.get("role"), &v["Role"]), (None, &json!("Admin")));
        let b = pushed_profile(&read, slip, false, None, Setup::Guide);
        assert_eq!(b["Role"], "Admin");
        let users = expected_users(&pop, Setup::Guide);
        assert_eq!(users[slip.index].role_attribute.as_deref(), Some("Role"));
        assert_eq!(users[slip.index].expected_status, "misnamed");
    }

    #[test]
    fn the_full_create_body_has_a_password_and_top_level_custom_attributes() {
        let pop = Population::generate(10, 1, RoleMix::default());
        let p = pop
            .people
            .iter()
            .find(|p| matches!(p.role, RoleValue::Invalid(_)))
            .unwrap();
        let b = create_body(p, Setup::Full);
        assert_eq!(b["password"], p.password.as_str());
        assert_eq!(b["groups"], json!([]));
        assert_eq!(b["role"], p.role.sent().unwrap());
        assert_eq!(b["email"], b["userName"]);
        assert_eq!(b["externalId"], p.okta_id.as_str());
        let none = pop
            .people
            .iter()
            .find(|p| p.role == RoleValue::Missing)
            .unwrap();
        assert!(create_body(none, Setup::Full).get("role").is_none());
        // Today's shape, unchanged.
        assert_eq!(
            keys(&b),
            sorted(vec![
                "schemas",
                "userName",
                "name",
                "emails",
                "displayName",
                "locale",
                "externalId",
                "groups",
                "password",
                "active",
                "email",
                "role"
            ])
        );
        assert!(b["name"].is_object());
    }

    #[test]
    fn an_oin_profile_patch_holds_only_the_changed_attributes() {
        let pop = Population::generate(30, 2, RoleMix::default());
        let p = pop.people.iter().find(|p| p.promote).unwrap();
        let v = profile_value(p, true, None, Setup::Full);
        assert_eq!(v["name"]["familyName"], p.updated_family_name.as_str());
        assert_eq!(v["role"], "Admin");
        for absent in ["id", "meta", "groups", "password", "schemas", "active"] {
            assert!(v.get(absent).is_none(), "{absent} in {v}");
        }
        assert_eq!(
            profile_value(p, false, Some(true), Setup::Full)["active"],
            true
        );
    }

    #[test]
    fn a_pushed_profile_echoes_what_was_read_and_overwrites_the_mapped_attributes() {
        let pop = Population::generate(30, 2, RoleMix::default());
        let p = pop.people.iter().find(|p| p.promote).unwrap();
        let read = json!({"schemas": [CORE_USER], "id": "42", "userName": "x", "active": true,
            "meta": {"resourceType": "User"}, "groups": [], "nickName": "kept", "name": {"middleName": "M"}});
        let b = pushed_profile(&read, p, true, None, Setup::Full);
        assert_eq!(b["id"], "42");
        assert_eq!(b["meta"]["resourceType"], "User");
        assert_eq!(b["nickName"], "kept");
        assert_eq!(b["name"]["middleName"], "M");
        assert_eq!(b["name"]["familyName"], p.updated_family_name.as_str());
        assert_eq!(b["role"], "Admin");
        assert_eq!(b["active"], true);
        assert_eq!(
            pushed_profile(&read, p, true, Some(false), Setup::Full)["active"],
            false
        );
    }
}
