//! The materialised mapping results stay equal to a fresh evaluation of every user: after
//! creates, Entra's and Okta's PATCHes, Okta's PUT, deletes, group membership changes a profile
//! reads, a profile chosen, a saved profile edited, and a reset — in `default` and in another
//! workspace. "Fresh" is read three independent ways: each user's result from `/api/users`
//! (evaluated on request), the role summary counted here from those results, and the roles and
//! checklists `scimlab report` computes from the database on its own. The background
//! re-evaluation of a large workspace answers from the previous results with `updating` until
//! the new ones are in, and says so with `mapping.progress`.

use scimlab_engine::simulate::{ENTRA_USER_AGENT, OKTA_USER_AGENT};
use scimlab_tests::{Reply, TestEngine, fetch, scimlab_bin};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:ScimLab:2.0:User";

/// One workspace of a test engine: its admin routes, tenant URL and key.
struct Ws<'a> {
    e: &'a TestEngine,
    /// `/api` or `/api/workspaces/<slug>`.
    api: String,
    tenant: String,
    key: String,
    slug: Option<String>,
}

impl<'a> Ws<'a> {
    fn default_of(e: &'a TestEngine) -> Self {
        Self {
            e,
            api: "/api".into(),
            tenant: e.base.clone(),
            key: e.key.clone(),
            slug: None,
        }
    }

    /// Create workspace `name` (its slug is the lowercase name).
    async fn create(e: &'a TestEngine, name: &str) -> Self {
        let r = e
            .admin_json("POST", "/api/workspaces", &json!({"name": name}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let slug = r.body["slug"].as_str().unwrap().to_owned();
        let api = format!("/api/workspaces/{slug}");
        let key = e
            .admin_send("POST", &format!("{api}/endpoint/reveal"))
            .await;
        assert_eq!(key.status, 200, "{}", key.text);
        Self {
            e,
            tenant: r.body["tenantUrl"].as_str().unwrap().to_owned(),
            key: key.body["key"].as_str().unwrap().to_owned(),
            api,
            slug: Some(slug),
        }
    }

    async fn scim(&self, method: &str, path: &str, agent: &str, body: Option<&Value>) -> Reply {
        let auth = format!("Bearer {}", self.key);
        fetch(
            &self.e.http,
            method,
            &format!("{}{path}", self.tenant),
            body.map(Value::to_string),
            &[("authorization", auth.as_str()), ("user-agent", agent)],
        )
        .await
    }

    async fn admin(&self, path: &str) -> Value {
        let r = self.e.admin_get(&format!("{}{path}", self.api)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        r.body
    }

    async fn admin_json(&self, method: &str, path: &str, body: &Value) -> Reply {
        let r = self
            .e
            .admin_json(method, &format!("{}{path}", self.api), body)
            .await;
        assert!(r.status.is_success(), "{method} {path}: {}", r.text);
        r
    }

    /// Create a user the way Entra does (the role in a custom extension's `employeeType`).
    async fn entra_user(&self, name: &str, role: Option<&str>) -> String {
        let mut body = json!({"schemas": [CORE], "userName": name, "displayName": name,
            "active": true, "emails": [{"primary": true, "type": "work", "value": name}]});
        if let Some(r) = role {
            body[CUSTOM] = json!({"employeeType": r});
        }
        let r = self
            .scim("POST", "/Users", ENTRA_USER_AGENT, Some(&body))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Create a user the way Okta does (top-level custom `email`, `name`, `role`).
    async fn okta_user(&self, name: &str, role: Option<&str>) -> String {
        let mut body = json!({"schemas": [CORE], "userName": name, "active": true,
            "name": {"givenName": "Ok", "familyName": "Ta"}, "email": name, "displayName": name,
            "emails": [{"primary": true, "type": "work", "value": name}]});
        if let Some(r) = role {
            body["role"] = json!(r);
        }
        let r = self
            .scim("POST", "/Users", OKTA_USER_AGENT, Some(&body))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Wait until the capture writer has stored everything sent (the creators the mapping
    /// reads come from it) and no re-evaluation is under way.
    async fn settle(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut last = None;
        loop {
            let r = self.admin("/exchanges?limit=500").await;
            let n = r["items"].as_array().map_or(0, Vec::len);
            let state = self.admin("/mapping").await;
            if last == Some(n) && state["updating"] == false {
                return;
            }
            last = Some(n);
            assert!(
                tokio::time::Instant::now() < deadline,
                "not settled: {state}"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Every user as `/api/users` renders and maps it on request, in creation order:
    /// (resource, fresh mapping result, creating IdP).
    async fn fresh(&self) -> Vec<(Value, Value, Value)> {
        let mut out = Vec::new();
        let mut start = 1;
        loop {
            let page = self
                .admin(&format!(
                    "/users?sort=created&order=ascending&count=500&startIndex={start}"
                ))
                .await;
            let resources = page["resources"].as_array().unwrap().clone();
            let mappings = page["mappings"].as_array().unwrap().clone();
            let idps = page["idps"].as_array().unwrap().clone();
            let n = resources.len();
            for ((r, m), i) in resources.into_iter().zip(mappings).zip(idps) {
                out.push((r, m, i));
            }
            if n < 500 {
                return out;
            }
            start += 500;
        }
    }

    /// `scimlab report --format json` on this workspace's database: roles and checklists
    /// computed from a fresh evaluation, outside the engine.
    async fn report(&self, idp: &str) -> Value {
        let mut args = vec!["report".to_owned()];
        args.extend(self.e.db_args());
        args.extend([
            "--format".to_owned(),
            "json".to_owned(),
            "--idp".to_owned(),
            idp.to_owned(),
        ]);
        if let Some(slug) = &self.slug {
            args.extend(["--workspace".to_owned(), slug.clone()]);
        }
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(scimlab_bin())
                .args(&args)
                .env_remove("SCIMLAB_DB")
                .env_remove("SCIMLAB_DATABASE_URL")
                .env_remove("SCIMLAB_WORKSPACE")
                .output()
                .expect("run scimlab")
        })
        .await
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "scimlab report: {e}: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// The materialised results equal a fresh evaluation of every user, and so do the role
    /// summary and the checklists read from them.
    async fn assert_fresh(&self, after: &str) -> Vec<Value> {
        self.settle().await;
        let fresh = self.fresh().await;
        let mat = self.admin("/mapping/users?count=1000").await;
        assert_eq!(mat["updating"], false, "after {after}: {mat}");
        let items = mat["items"].as_array().unwrap().clone();
        assert_eq!(
            items.len(),
            fresh.len(),
            "after {after}: one result per user: {mat}"
        );
        assert_eq!(mat["totalResults"], fresh.len());
        for (m, (user, result, idp)) in items.iter().zip(&fresh) {
            let role = result["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["field"] == "role")
                .unwrap();
            let statuses: Vec<Value> = result["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| json!({"field": f["field"], "status": f["status"]}))
                .collect();
            let want = json!({
                "id": user["id"],
                "userName": user["userName"],
                "createdBy": idp,
                "effectiveRole": result["effectiveRole"],
                "statuses": statuses,
                "roleRaw": if role["status"] == "misnamed" { Value::Null } else { role["raw"].clone() },
                "roleValid": role["status"] != "invalid",
            });
            let mut got = m.clone();
            got.as_object_mut().unwrap().remove("attributes");
            assert_eq!(got, want, "after {after}: user {}", user["userName"]);
        }
        // The role summary, counted here from the fresh results.
        let roles = self.admin("/roles").await;
        assert_eq!(roles["updating"], false, "after {after}");
        let mut by_field: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut by_role: BTreeMap<String, u64> = BTreeMap::new();
        for (_, result, _) in &fresh {
            *by_role
                .entry(result["effectiveRole"].as_str().unwrap().to_lowercase())
                .or_default() += 1;
            for f in result["fields"].as_array().unwrap() {
                *by_field
                    .entry(f["field"].as_str().unwrap().to_owned())
                    .or_default()
                    .entry(f["status"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
        }
        assert_eq!(roles["total"], fresh.len(), "after {after}");
        for role in ["member", "admin"] {
            assert_eq!(
                roles["byRole"][role],
                by_role.get(role).copied().unwrap_or(0),
                "after {after}: {role}: {roles}"
            );
        }
        for counts in roles["byField"].as_array().unwrap() {
            let field = counts["field"].as_str().unwrap();
            for (status, n) in counts["counts"].as_object().unwrap() {
                let want = by_field
                    .get(field)
                    .and_then(|s| s.get(status))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(n, &json!(want), "after {after}: {field} {status}: {roles}");
            }
        }
        // And what `scimlab report` computes on its own.
        let mut summary = roles.clone();
        summary.as_object_mut().unwrap().remove("updating");
        for idp in ["entra", "okta"] {
            let report = self.report(idp).await;
            assert_eq!(
                summary, report["roles"],
                "after {after}: the report's roles"
            );
            let mut checklist = self.admin(&format!("/checklist?idp={idp}")).await;
            assert_eq!(checklist["updating"], false, "after {after}");
            checklist.as_object_mut().unwrap().remove("updating");
            assert_eq!(
                checklist, report["checklists"][0],
                "after {after}: the {idp} checklist"
            );
        }
        items
    }

    /// The role of user `id` in the materialised results.
    async fn role_of(&self, id: &str) -> Value {
        let mat = self.admin("/mapping/users?count=1000").await;
        mat["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["effectiveRole"].clone())
            .unwrap_or(Value::Null)
    }
}

/// The writes every workspace goes through, each followed by the comparison.
async fn every_kind_of_write(ws: &Ws<'_>) {
    // Creates: Entra's valid, invalid and missing roles, Okta's valid and invalid ones.
    let ada = ws.entra_user("ada@x.example", Some("Admin")).await;
    let bob = ws.entra_user("bob@x.example", Some("admin")).await;
    let cy = ws.entra_user("cy@x.example", None).await;
    let dee = ws.okta_user("dee@x.example", Some("Member")).await;
    let eve = ws.okta_user("eve@x.example", Some("Owner")).await;
    ws.assert_fresh("creates").await;
    assert_eq!(ws.role_of(&ada).await, "Admin");

    // Entra's PATCHes: a replace with a path, then a path-less value naming the extension.
    let by_path = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": format!("{CUSTOM}:employeeType"), "value": "Member"}]});
    let r = ws
        .scim(
            "PATCH",
            &format!("/Users/{ada}"),
            ENTRA_USER_AGENT,
            Some(&by_path),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pathless = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "value": {format!("{CUSTOM}:employeeType"): "Admin"}}]});
    let r = ws
        .scim(
            "PATCH",
            &format!("/Users/{cy}"),
            ENTRA_USER_AGENT,
            Some(&pathless),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    ws.assert_fresh("entra patches").await;
    assert_eq!(ws.role_of(&ada).await, "Member");
    assert_eq!(ws.role_of(&cy).await, "Admin");

    // Okta's PUT (full replace without the role) and its OIN PATCH (a value without a path).
    let put = json!({"schemas": [CORE], "id": dee, "userName": "dee@x.example", "active": true,
        "name": {"givenName": "Dee", "familyName": "Ta"}, "email": "dee@x.example"});
    let r = ws
        .scim("PUT", &format!("/Users/{dee}"), OKTA_USER_AGENT, Some(&put))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let oin = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"role": "Admin", "active": true}}]});
    let r = ws
        .scim(
            "PATCH",
            &format!("/Users/{eve}"),
            OKTA_USER_AGENT,
            Some(&oin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    ws.assert_fresh("okta put and patch").await;
    assert_eq!(ws.role_of(&eve).await, "Admin");

    // A profile that reads the role from group membership, chosen; then memberships change.
    let by_group = json!({"id": "by-group", "name": "Role from the first group", "fields": [
        {"field": "userName", "sources": ["userName"]},
        {"field": "role", "sources": ["groups[0].display"]}]});
    ws.admin_json("PUT", "/profiles/by-group", &by_group).await;
    ws.admin_json("PUT", "/profiles/active", &json!({"id": "by-group"}))
        .await;
    ws.assert_fresh("a profile chosen").await;
    let g = ws
        .scim(
            "POST",
            "/Groups",
            ENTRA_USER_AGENT,
            Some(&json!({"schemas": [GROUP], "displayName": "Admin", "members": [{"value": bob}]})),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let group = g.body["id"].as_str().unwrap().to_owned();
    ws.assert_fresh("a group created with a member").await;
    assert_eq!(ws.role_of(&bob).await, "Admin");
    let add = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": cy}]},
        {"op": "Remove", "path": format!("members[value eq \"{bob}\"]")}]});
    let r = ws
        .scim(
            "PATCH",
            &format!("/Groups/{group}"),
            ENTRA_USER_AGENT,
            Some(&add),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    ws.assert_fresh("members added and removed").await;
    assert_eq!(ws.role_of(&bob).await, "Member");
    assert_eq!(ws.role_of(&cy).await, "Admin");
    let rename = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Members"}]});
    let r = ws
        .scim(
            "PATCH",
            &format!("/Groups/{group}"),
            ENTRA_USER_AGENT,
            Some(&rename),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    ws.assert_fresh("the group renamed").await;
    assert_eq!(ws.role_of(&cy).await, "Member");

    // The saved profile in force edited: Okta's role attribute next.
    let edited = json!({"id": "by-group", "name": "Role from the first group, then role",
        "fields": [{"field": "userName", "sources": ["userName"]},
                   {"field": "role", "sources": ["groups[0].display", "role"]}]});
    ws.admin_json("PUT", "/profiles/by-group", &edited).await;
    ws.assert_fresh("the saved profile edited").await;
    assert_eq!(ws.role_of(&eve).await, "Admin");
    // The group deleted: its members lose it without a write of their own.
    let invalid = |items: &[Value], id: &str| {
        items
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["roleValid"].clone())
    };
    let before = ws.admin("/mapping/users?count=1000").await;
    assert_eq!(
        invalid(before["items"].as_array().unwrap(), &cy),
        Some(json!(false)),
        "{before}"
    );
    let r = ws
        .scim(
            "DELETE",
            &format!("/Groups/{group}"),
            ENTRA_USER_AGENT,
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let after = ws.assert_fresh("the group deleted").await;
    assert_eq!(
        invalid(&after, &cy),
        Some(json!(true)),
        "no group: no role arrived"
    );

    // Built-in profiles again, then a user deleted.
    ws.admin_json("PUT", "/profiles/active", &json!({"id": "okta"}))
        .await;
    ws.assert_fresh("the okta profile chosen").await;
    ws.admin_json("PUT", "/profiles/active", &json!({"id": "auto"}))
        .await;
    let r = ws
        .scim("DELETE", &format!("/Users/{bob}"), ENTRA_USER_AGENT, None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let left = ws.assert_fresh("a user deleted").await;
    assert_eq!(left.len(), 4);

    // A reset, and life after it.
    let r = ws.e.admin_send("DELETE", &format!("{}/data", ws.api)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(ws.assert_fresh("a reset").await.is_empty());
    ws.entra_user("fay@x.example", Some("Admin")).await;
    assert_eq!(ws.assert_fresh("a create after the reset").await.len(), 1);
}

#[tokio::test]
async fn the_materialised_results_equal_a_fresh_evaluation_after_every_kind_of_write() {
    let e = TestEngine::start().await;
    every_kind_of_write(&Ws::default_of(&e)).await;
}

#[tokio::test]
async fn another_workspace_keeps_its_own_materialised_results() {
    let e = TestEngine::start().await;
    let default = Ws::default_of(&e);
    default
        .entra_user("only-in-default@x.example", Some("Admin"))
        .await;
    let acme = Ws::create(&e, "Acme").await;
    every_kind_of_write(&acme).await;
    // Default's results never saw acme's users.
    let mine = default.assert_fresh("acme's writes").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["userName"], "only-in-default@x.example");
}

#[tokio::test]
async fn a_large_workspace_re_evaluates_in_the_background_and_says_it_is_updating() {
    // Every workspace counts as large: a new profile is evaluated in the background.
    let e = TestEngine::start_with(|c| c.mapping_inline_users = 0).await;
    let ws = Ws::default_of(&e);
    for i in 0..40 {
        if i % 2 == 0 {
            ws.entra_user(
                &format!("e{i}@x.example"),
                Some(if i % 4 == 0 { "Admin" } else { "Member" }),
            )
            .await;
        } else {
            ws.okta_user(&format!("o{i}@x.example"), Some("Admin"))
                .await;
        }
    }
    ws.assert_fresh("creates").await;
    let before = ws.admin("/roles").await;
    let mut events = e.admin_events().await;
    ws.admin_json("PUT", "/profiles/active", &json!({"id": "entra"}))
        .await;
    // Until the new results are in, the views answer from the previous ones and say so.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let after = loop {
        let roles = ws.admin("/roles").await;
        if roles["updating"] == false {
            break roles;
        }
        let mut old = roles.clone();
        old["updating"] = json!(false);
        assert_eq!(old, before, "while updating, the previous results");
        assert!(tokio::time::Instant::now() < deadline, "still updating");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_ne!(
        after, before,
        "the okta users' top-level role is not read by entra's rules"
    );
    let done = loop {
        let ev = events
            .next_event(Duration::from_secs(5))
            .await
            .expect("mapping.progress with done");
        if ev.event == "mapping.progress" && ev.data["done"] == true {
            break ev;
        }
    };
    assert_eq!(done.data["profileId"], "entra", "{:?}", done.data);
    assert_eq!(done.data["evaluated"], 40, "{:?}", done.data);
    assert_eq!(done.data["total"], 40, "{:?}", done.data);
    let state = ws.admin("/mapping").await;
    assert_eq!(
        (
            &state["active"],
            &state["profileId"],
            &state["users"],
            &state["updating"]
        ),
        (&json!("entra"), &json!("entra"), &json!(40), &json!(false)),
        "{state}"
    );
    ws.assert_fresh("a profile chosen, in the background").await;
    // Writes while large keep following on the request path.
    let id = ws.entra_user("late@x.example", Some("Admin")).await;
    ws.assert_fresh("a create").await;
    assert_eq!(ws.role_of(&id).await, "Admin");
    let r = e.admin_send("DELETE", "/api/data").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(ws.assert_fresh("a reset").await.is_empty());
}
