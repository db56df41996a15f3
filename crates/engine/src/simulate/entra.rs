//! The `entra` scenario: what the Microsoft Entra ID provisioning service sends a non-gallery
//! app, as cycles (idp-traffic.md §2–§7, §10):
//!
//! 1. **test connection** — `GET /Users?filter=userName+eq+"<random guid>"` (must be 200 with an
//!    empty list, never 404) and the same for a random group, with `excludedAttributes=members`;
//! 2. **initial cycle: users** — per person a match lookup by `userName`, then `POST /Users`;
//!    a match is PATCHed instead. The body depends on the [`Config`]: `guide` sends what the
//!    guide's mappings produce — `userName`, `active`, `displayName`, the work email and
//!    `employeeType` (at the top level, in the enterprise extension, or in the custom
//!    extension [`GUIDE_EXTENSION`], not listed in `schemas`); `guide-literal` the same without
//!    `active`; `full` Microsoft's tutorial body (enterprise extension, `meta`, `roles: []`,
//!    name object, `externalId`) with `employeeType` where placed ([`ROLE_EXTENSION`] when
//!    custom);
//! 3. **initial cycle: groups** — lookup by `displayName` excluding members, `POST /Groups` with
//!    Microsoft's extra schema URN and no members, then `Add` members (`"$ref": null`) in
//!    PATCHes of up to [`MEMBER_BATCH`];
//! 4. **incremental cycles** (each opens with the random-GUID probe): profile updates by PATCH
//!    (promotions change `employeeType`, at the path where it lives) and group reads excluding
//!    members; soft delete (`active` `"False"`); reactivation (`"True"`); member removal and
//!    hard `DELETE`. With `guide-literal` the `IsSoftDeleted → active` mapping is gone, so the
//!    soft delete and reactivation cycles send nothing (the report's notes say so); a hard
//!    delete does not depend on that mapping and is still sent.
//!
//! Dialect `default`: capitalised ops, one operation per path, string booleans, member removal
//! by a value list. Dialect `aadOptscim062020` (the flag on the URL): lowercase ops, a
//! path-less `replace` with dotted and URN-qualified keys, real booleans, removal by
//! `members[value eq "…"]`.

use super::population::{Person, Population, RoleValue, group_count};
use super::report::SimulatedUser;
use super::runner::{Request, Run};
use super::verdict::{Expect, Found};
use super::{Dialect, EmployeeTypeAt, GUIDE_EXTENSION, ROLE_EXTENSION, Setup, entra_filter};
use serde_json::{Map, Value, json};

/// The domain of the simulated Entra tenant's user principal names.
pub const DOMAIN: &str = "contoso.example";
/// Most members Entra adds in one group PATCH.
pub const MEMBER_BATCH: usize = 50;

use scimlab_scim::schema::{
    ENTERPRISE_USER_SCHEMA as ENTERPRISE, GROUP_SCHEMA as CORE_GROUP,
    MICROSOFT_GROUP_SCHEMA as MS_GROUP, PATCH_OP_SCHEMA as PATCH_OP, USER_SCHEMA as CORE_USER,
};

const STRING_BOOL_HINT: &str = "this request sends active as the string \"False\"/\"True\", as entra's default dialect does: accept string booleans, or append ?aadOptscim062020 to the tenant url so entra sends real booleans";
const CAPITAL_OP_HINT: &str =
    "entra's default dialect writes ops capitalised (\"Replace\", \"Add\"): accept any case";
const PATHLESS_HINT: &str = "with ?aadOptscim062020 entra sends a path-less replace whose keys are dotted (name.familyName) or urn-qualified: accept both";
const CREATE_HINT: &str = "entra sends meta, roles: [] and a custom extension that is not listed in schemas: accept and ignore what you do not store";
const GUIDE_CUSTOM_HINT: &str = "entra sends employeeType in a custom extension that is not listed in schemas (the custom extension schema header is never sent): accept it and read the role from it";
const GUIDE_TOP_HINT: &str = "an admin who adds employeeType as a plain target attribute makes entra send it at the top level of the user: accept it and read the role from it";
const GUIDE_ENTERPRISE_HINT: &str = "entra sends employeeType in the enterprise extension when the admin maps it there: accept it and read the role from it";
const LITERAL_HINT: &str = "followed literally, the guide removes the IsSoftDeleted → active mapping, so entra sends no active: treat a user without active as active";
const REMOVE_LIST_HINT: &str = "entra's default dialect removes members with path \"members\" and a value list in the body (not in rfc 7644): accept it, or use ?aadOptscim062020 for members[value eq \"…\"]";

/// How the simulated admin configured the Entra app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Config {
    /// Which mappings are on.
    pub setup: Setup,
    /// Where `employeeType` (the role) lands.
    pub employee_type_at: EmployeeTypeAt,
}

impl Config {
    /// The path `employeeType` is sent at for `role` (`EmployeeType` for the wrong-case slip):
    /// `employeeType`, `urn:…:enterprise:2.0:User:employeeType` or `<custom urn>:employeeType`.
    pub fn role_path(&self, role: &RoleValue) -> String {
        let attr = role.attribute("employeeType");
        match self.employee_type_at {
            EmployeeTypeAt::Top => attr,
            EmployeeTypeAt::Enterprise => format!("{ENTERPRISE}:{attr}"),
            EmployeeTypeAt::Custom => format!("{}:{attr}", self.custom_extension()),
        }
    }

    /// The custom extension `employeeType` goes in when placed there.
    pub fn custom_extension(&self) -> &'static str {
        if self.setup.is_guide() {
            GUIDE_EXTENSION
        } else {
            ROLE_EXTENSION
        }
    }

    /// Whether `IsSoftDeleted → active` is mapped (every setup but `guide-literal`).
    pub fn sends_active(&self) -> bool {
        self.setup != Setup::GuideLiteral
    }

    fn create_hint(&self) -> &'static str {
        match (self.setup, self.employee_type_at) {
            (Setup::Full, _) => CREATE_HINT,
            (Setup::GuideLiteral, _) => LITERAL_HINT,
            (_, EmployeeTypeAt::Top) => GUIDE_TOP_HINT,
            (_, EmployeeTypeAt::Enterprise) => GUIDE_ENTERPRISE_HINT,
            (_, EmployeeTypeAt::Custom) => GUIDE_CUSTOM_HINT,
        }
    }
}

/// What `guide-literal` leaves out, said in the report.
pub fn guide_literal_note(pop: &Population) -> String {
    let deact = pop.people.iter().filter(|p| p.deactivate).count();
    let react = pop.people.iter().filter(|p| p.reactivate).count();
    format!(
        "guide-literal: the guide's \"remove every mapping except userName\" also removes IsSoftDeleted → active, so creates and updates carry no active and no deactivation ever reaches the app ({deact} soft delete(s) and {react} reactivation(s) not sent; those people stay active in the app until entra hard-deletes them); fix: keep the IsSoftDeleted → active mapping"
    )
}

/// Steps expected for `pop` (progress only).
pub fn estimate(pop: &Population, _dialect: Dialect, setup: Setup) -> u32 {
    let n = pop.people.len();
    let g = group_count(n);
    let batches: usize = (0..g)
        .map(|i| pop.members_of(i).count().div_ceil(MEMBER_BATCH))
        .sum();
    let updates = pop.people.iter().filter(|p| p.update).count();
    let deact = pop.people.iter().filter(|p| p.deactivate).count();
    let react = pop.people.iter().filter(|p| p.reactivate).count();
    let deletes = pop.people.iter().filter(|p| p.hard_delete()).count();
    let toggles = if setup == Setup::GuideLiteral {
        0
    } else {
        1 + deact + 1 + react
    };
    (2 + 2 * n + 2 * g + batches + 1 + updates + g + toggles + 1 + g + deletes) as u32
}

/// What the target app should hold for each person after the scenario. With `guide-literal`
/// no one is ever deactivated (the hard-deleted are still deleted).
pub fn expected_users(pop: &Population, config: Config) -> Vec<SimulatedUser> {
    pop.people
        .iter()
        .map(|p| {
            let role = p.final_role();
            SimulatedUser {
                user_name: p.user_name(DOMAIN),
                role_sent: role.sent().map(str::to_owned),
                role_attribute: role.sent().map(|_| config.role_path(&role)),
                expected_role: role.effective().to_owned(),
                expected_status: role.mapping_status().to_owned(),
                deleted: p.hard_delete(),
                active: !config.sends_active() || !p.deactivate || p.reactivate,
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

/// Put `employeeType` (the role, when sent) where `config` places it: at the top level, or in
/// the enterprise or custom extension object (created when absent).
fn place_role(body: &mut Value, p: &Person, config: Config) {
    let (Some(role), Some(obj)) = (p.role.sent(), body.as_object_mut()) else {
        return;
    };
    let attr = p.role.attribute("employeeType");
    let ext = match config.employee_type_at {
        EmployeeTypeAt::Top => {
            obj.insert(attr, json!(role));
            return;
        }
        EmployeeTypeAt::Enterprise => ENTERPRISE,
        EmployeeTypeAt::Custom => config.custom_extension(),
    };
    let slot = obj.entry(ext.to_owned()).or_insert_with(|| json!({}));
    if let Some(e) = slot.as_object_mut() {
        e.insert(attr, json!(role));
    }
}

/// The create body. `guide` / `guide-literal`: what the guide's mappings produce — core schema
/// (plus the enterprise URN when `employeeType` is placed there), `userName`, `active` (not in
/// `guide-literal`), `displayName`, the work email and `employeeType` where placed. `full`:
/// Microsoft's tutorial body — core + enterprise schemas, `meta`, `roles: []`, the name object,
/// `externalId` — with `employeeType` where placed.
pub fn create_body(p: &Person, config: Config) -> Value {
    let upn = p.user_name(DOMAIN);
    if config.setup.is_guide() {
        let enterprise =
            config.employee_type_at == EmployeeTypeAt::Enterprise && p.role.sent().is_some();
        let schemas = if enterprise {
            json!([CORE_USER, ENTERPRISE])
        } else {
            json!([CORE_USER])
        };
        let mut body = json!({
            "schemas": schemas,
            "userName": upn,
            "active": true,
            "displayName": p.display_name(),
            "emails": [{"primary": true, "type": "work", "value": upn}],
        });
        if !config.sends_active()
            && let Some(obj) = body.as_object_mut()
        {
            obj.remove("active");
        }
        place_role(&mut body, p, config);
        return body;
    }
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
    place_role(&mut body, p, config);
    body
}

/// The attributes of a profile update (path → value): `guide`: the display name; `full`: the
/// display name, the name's parts and the department; both with `employeeType` at its path on
/// a promotion.
pub fn update_attributes(p: &Person, config: Config) -> Vec<(String, Value)> {
    let mut attrs = vec![("displayName".to_owned(), json!(p.updated_display_name()))];
    if !config.setup.is_guide() {
        attrs.extend([
            ("name.familyName".to_owned(), json!(p.updated_family_name)),
            ("name.formatted".to_owned(), json!(p.updated_display_name())),
            (format!("{ENTERPRISE}:department"), json!(p.department)),
        ]);
    }
    if p.promote {
        attrs.push((config.role_path(&RoleValue::Admin), json!("Admin")));
    }
    attrs
}

/// The attributes Entra PATCHes onto a matched user: `active` (unless `guide-literal`), then
/// `guide`: the display name and the work email; `full`: the display name, the name's parts and
/// `externalId`; both with `employeeType` at its path when a role is sent.
pub fn matched_attributes(p: &Person, dialect: Dialect, config: Config) -> Vec<(String, Value)> {
    let mut attrs = Vec::new();
    if config.sends_active() {
        attrs.push((
            "active".to_owned(),
            match dialect {
                Dialect::AadOptscim062020 => json!(true),
                _ => json!("True"),
            },
        ));
    }
    attrs.push(("displayName".to_owned(), json!(p.display_name())));
    if config.setup.is_guide() {
        attrs.push((
            r#"emails[type eq "work"].value"#.to_owned(),
            json!(p.user_name(DOMAIN)),
        ));
    } else {
        attrs.extend([
            ("name.familyName".to_owned(), json!(p.family_name)),
            ("name.givenName".to_owned(), json!(p.given_name)),
            ("externalId".to_owned(), json!(p.nickname)),
        ]);
    }
    if let Some(role) = p.role.sent() {
        attrs.push((config.role_path(&p.role), json!(role)));
    }
    attrs
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
pub async fn run(run: &mut Run<'_>, pop: &Population, dialect: Dialect, config: Config) {
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
        ids[p.index] = provision_user(run, p, dialect, config).await;
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
        let attrs = update_attributes(p, config);
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

    if config.sends_active() {
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
    } else {
        // Nothing maps to active: entra has nothing to send when people are disabled or
        // re-enabled. Not skipped steps (they would fail the run): a note in the report.
        run.notes.push(guide_literal_note(pop));
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
async fn provision_user(
    run: &mut Run<'_>,
    p: &Person,
    dialect: Dialect,
    config: Config,
) -> Option<String> {
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
                    body: Some(create_body(p, config)),
                    expect: Expect::Create,
                    hint: Some(config.create_hint()),
                })
                .await?;
            if sent.passed { sent.id() } else { None }
        }
        Some(Found::One(id, _)) => {
            let attrs = matched_attributes(p, dialect, config);
            let sent = run
                .step(Request {
                    name: format!("update matched {upn}"),
                    method: "PATCH",
                    path: format!("/Users/{id}"),
                    body: Some(set_attributes(dialect, &attrs)),
                    expect: Expect::UserWrite {
                        active: config.sends_active().then_some(true),
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

    const FULL: Config = Config {
        setup: Setup::Full,
        employee_type_at: EmployeeTypeAt::Custom,
    };

    fn guide(at: EmployeeTypeAt) -> Config {
        Config {
            setup: Setup::Guide,
            employee_type_at: at,
        }
    }

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort_unstable();
        k
    }

    fn sorted(mut k: Vec<&str>) -> Vec<&str> {
        k.sort_unstable();
        k
    }

    fn person(pop: &Population, f: impl Fn(&RoleValue) -> bool) -> &Person {
        pop.people.iter().find(|p| f(&p.role)).unwrap()
    }

    #[test]
    fn the_full_create_body_carries_the_role_in_an_unlisted_custom_extension() {
        let pop = Population::generate(10, 1, RoleMix::default());
        let with_role = pop
            .people
            .iter()
            .find(|p| p.role == RoleValue::Admin)
            .unwrap();
        let b = create_body(with_role, FULL);
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
            create_body(without, FULL).get(ROLE_EXTENSION).is_none(),
            "no role, no extension"
        );
        // Today's shape, unchanged.
        assert_eq!(
            keys(&b),
            sorted(vec![
                "schemas",
                "externalId",
                "userName",
                "active",
                "displayName",
                "emails",
                "meta",
                "name",
                "roles",
                ENTERPRISE,
                ROLE_EXTENSION
            ])
        );
    }

    #[test]
    fn the_guide_create_body_has_only_the_guides_attributes_for_each_placement() {
        let pop = Population::generate(10, 1, RoleMix::default());
        let admin = person(&pop, |r| *r == RoleValue::Admin);
        let upn = admin.user_name(DOMAIN);
        let base = ["schemas", "userName", "active", "displayName", "emails"];
        let with = |extra: &'static str| {
            let mut k = base.to_vec();
            k.push(extra);
            sorted(k)
        };

        let top = create_body(admin, guide(EmployeeTypeAt::Top));
        assert_eq!(keys(&top), with("employeeType"));
        assert_eq!(top["employeeType"], "Admin");
        assert_eq!(top["schemas"], json!([CORE_USER]));
        assert_eq!(top["active"], true);
        assert_eq!(top["displayName"], admin.display_name().as_str());
        assert_eq!(
            top["emails"],
            json!([{"primary": true, "type": "work", "value": upn}])
        );

        let ent = create_body(admin, guide(EmployeeTypeAt::Enterprise));
        assert_eq!(keys(&ent), with(ENTERPRISE));
        assert_eq!(ent[ENTERPRISE], json!({"employeeType": "Admin"}));
        assert_eq!(ent["schemas"], json!([CORE_USER, ENTERPRISE]));

        let custom = create_body(admin, guide(EmployeeTypeAt::Custom));
        assert_eq!(keys(&custom), with(GUIDE_EXTENSION));
        assert_eq!(custom[GUIDE_EXTENSION], json!({"employeeType": "Admin"}));
        assert_eq!(
            custom["schemas"],
            json!([CORE_USER]),
            "entra never lists a custom extension in schemas"
        );
        assert_eq!(Config::default(), guide(EmployeeTypeAt::Custom));

        // No role: no employeeType anywhere, and no enterprise urn for nothing.
        let none = person(&pop, |r| *r == RoleValue::Missing);
        for at in EmployeeTypeAt::ALL {
            let b = create_body(none, guide(at));
            assert_eq!(keys(&b), sorted(base.to_vec()), "{at}");
            assert_eq!(b["schemas"], json!([CORE_USER]), "{at}");
        }
    }

    #[test]
    fn the_slips_are_kept_and_the_wrong_case_name_is_sent_as_employee_type_capitalised() {
        let pop = Population::generate(10, 1, RoleMix::default());
        let slip = person(&pop, |r| matches!(r, RoleValue::Miscased(_)));
        let top = create_body(slip, guide(EmployeeTypeAt::Top));
        assert_eq!(top["EmployeeType"], "Admin");
        assert!(top.get("employeeType").is_none());
        let custom = create_body(slip, guide(EmployeeTypeAt::Custom));
        assert_eq!(custom[GUIDE_EXTENSION], json!({"EmployeeType": "Admin"}));
        let full = create_body(slip, FULL);
        assert_eq!(full[ROLE_EXTENSION], json!({"EmployeeType": "Admin"}));
        let invalid = person(&pop, |r| matches!(r, RoleValue::Invalid(_)));
        let b = create_body(invalid, guide(EmployeeTypeAt::Top));
        assert_eq!(b["employeeType"], invalid.role.sent().unwrap());
        let users = expected_users(&pop, guide(EmployeeTypeAt::Enterprise));
        let u = &users[slip.index];
        assert_eq!(
            u.role_attribute.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:EmployeeType")
        );
        assert_eq!(
            (u.expected_role.as_str(), u.expected_status.as_str()),
            ("Member", "misnamed")
        );
    }

    #[test]
    fn guide_literal_sends_no_active_anywhere() {
        let pop = Population::generate(30, 4, RoleMix::default());
        let literal = Config {
            setup: Setup::GuideLiteral,
            employee_type_at: EmployeeTypeAt::Top,
        };
        for p in &pop.people {
            let b = create_body(p, literal);
            assert!(b.get("active").is_none(), "{b}");
            for d in [Dialect::Default, Dialect::AadOptscim062020] {
                let attrs = matched_attributes(p, d, literal);
                assert!(attrs.iter().all(|(k, _)| k != "active"), "{attrs:?}");
                assert!(!set_attributes(d, &attrs).to_string().contains("active"));
            }
            assert!(
                update_attributes(p, literal)
                    .iter()
                    .all(|(k, _)| k != "active")
            );
        }
        // Fewer steps: no soft delete or reactivation cycle.
        assert!(
            estimate(&pop, Dialect::Default, Setup::GuideLiteral)
                < estimate(&pop, Dialect::Default, Setup::Guide)
        );
        // Nobody ends deactivated; the hard-deleted are still deleted.
        for (p, u) in pop.people.iter().zip(expected_users(&pop, literal)) {
            assert!(u.active, "{}", u.user_name);
            assert_eq!(u.deleted, p.hard_delete());
        }
        let note = guide_literal_note(&pop);
        assert!(
            note.contains("no deactivation ever reaches the app"),
            "{note}"
        );
        assert!(
            note.contains("keep the IsSoftDeleted → active mapping"),
            "{note}"
        );
        // guide keeps active.
        let p = &pop.people[0];
        assert_eq!(create_body(p, guide(EmployeeTypeAt::Top))["active"], true);
    }

    #[test]
    fn guide_updates_use_the_path_where_employee_type_lives() {
        let pop = Population::generate(30, 2, RoleMix::default());
        let promoted = pop.people.iter().find(|p| p.promote).unwrap();
        let path = |at| {
            update_attributes(promoted, guide(at))
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(path(EmployeeTypeAt::Top), ["displayName", "employeeType"]);
        assert_eq!(
            path(EmployeeTypeAt::Enterprise),
            [
                "displayName".to_owned(),
                format!("{ENTERPRISE}:employeeType")
            ]
        );
        assert_eq!(
            path(EmployeeTypeAt::Custom),
            [
                "displayName".to_owned(),
                format!("{GUIDE_EXTENSION}:employeeType")
            ]
        );
        // The flag dialect: one path-less replace, the same keys.
        let attrs = update_attributes(promoted, guide(EmployeeTypeAt::Top));
        assert_eq!(
            set_attributes(Dialect::AadOptscim062020, &attrs)["Operations"][0]["value"]["employeeType"],
            "Admin"
        );
        // The default dialect: one Replace per path.
        let d = set_attributes(Dialect::Default, &attrs);
        assert_eq!(
            d["Operations"][1],
            json!({"op": "Replace", "path": "employeeType", "value": "Admin"})
        );
        // full: today's attributes, the role in the ScimLab extension.
        let full: Vec<String> = update_attributes(promoted, FULL)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            full,
            [
                "displayName".to_owned(),
                "name.familyName".to_owned(),
                "name.formatted".to_owned(),
                format!("{ENTERPRISE}:department"),
                format!("{ROLE_EXTENSION}:employeeType"),
            ]
        );
        // A matched user gets the guide's attributes, active first.
        let m = matched_attributes(promoted, Dialect::Default, guide(EmployeeTypeAt::Custom));
        let k: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            k,
            [
                "active",
                "displayName",
                r#"emails[type eq "work"].value"#,
                &format!("{GUIDE_EXTENSION}:employeeType")
            ]
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
        let users = expected_users(&pop, FULL);
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
        assert!(estimate(&pop, Dialect::Default, Setup::Full) > 60);
    }
}
