//! Workspaces side by side on one engine: each with its own key, users, exchanges and tenant URL
//! (`/w/<slug>/scim/v2`), the `default` one still at `/scim/v2`; a key works only in its own
//! workspace; an unknown slug looks exactly like a wrong key from outside and is explained
//! inside; events carry their workspace; the simulator runs into each; rename, delete and a
//! restart; an export → import round trip (no key or password in the file, pseudonymised on
//! request, damaged files refused); and a database from before workspaces becomes `default`
//! with all its data.

use scimlab_tests::{Reply, TestEngine, fetch};
use serde_json::{Value, json};
use std::time::Duration;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PASSWORD: &str = "Pa55word-never-stored!";

fn user(name: &str) -> Value {
    json!({
        "schemas": [CORE],
        "userName": name,
        "externalId": format!("ext-{name}"),
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": name, "type": "work", "primary": true}],
        "password": PASSWORD,
        "roles": [{"value": "Admin", "primary": true}],
        "active": true,
    })
}

/// A SCIM request to `tenant` (a tenant URL) with `key`.
async fn scim(
    e: &TestEngine,
    method: &str,
    tenant: &str,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> Reply {
    let auth = format!("Bearer {key}");
    fetch(
        &e.http,
        method,
        &format!("{tenant}{path}"),
        body.map(Value::to_string),
        &[
            ("authorization", auth.as_str()),
            ("user-agent", "Okta SCIM Client 1.0.0"),
        ],
    )
    .await
}

/// Create workspace `name` through the admin API; its info.
async fn create(e: &TestEngine, body: Value) -> Value {
    let r = e.admin_json("POST", "/api/workspaces", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// The full key of the workspace whose admin routes start at `api`.
async fn reveal(e: &TestEngine, api: &str) -> String {
    let r = e
        .admin_send("POST", &format!("{api}/endpoint/reveal"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["key"].as_str().unwrap().to_owned()
}

/// Wait until the workspace at `api` lists `n` exchanges; its items, newest first.
async fn exchanges(e: &TestEngine, api: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let r = e.admin_get(&format!("{api}/exchanges?limit=500")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= n {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {n}: {}",
            items.len(),
            r.text
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

fn user_names(list: &Reply) -> Vec<String> {
    let mut names: Vec<String> = list.body["resources"]
        .as_array()
        .or_else(|| list.body["Resources"].as_array())
        .unwrap_or_else(|| panic!("a list: {}", list.text))
        .iter()
        .map(|u| u["userName"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn two_workspaces_side_by_side_keys_isolation_and_tenant_urls() {
    let e = TestEngine::start().await;
    let acme = create(&e, json!({"name": "Acme Entra", "template": "entra-guide"})).await;
    assert_eq!(acme["slug"], "acme-entra");
    assert_eq!(acme["name"], "Acme Entra");
    let acme_tenant = acme["tenantUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        acme_tenant,
        format!("{}", e.base.replace("/scim/v2", "/w/acme-entra/scim/v2"))
    );
    assert_eq!(acme["apiBase"], "/api/workspaces/acme-entra");
    let acme_key = reveal(&e, "/api/workspaces/acme-entra").await;
    assert_ne!(acme_key, e.key, "each workspace has its own key");
    assert_eq!(
        reveal(&e, "/api").await,
        e.key,
        "today's routes answer for default"
    );

    // Each key works in its own workspace only.
    let r = scim(
        &e,
        "POST",
        &e.base,
        "/Users",
        &e.key,
        Some(&user("dora@default.example")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = scim(
        &e,
        "POST",
        &acme_tenant,
        "/Users",
        &acme_key,
        Some(&user("ada@acme.example")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(
        r.body["meta"]["location"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{acme_tenant}/Users/")),
        "meta.location is under the workspace's tenant url: {}",
        r.text
    );
    let acme_user_id = r.body["id"].as_str().unwrap().to_owned();
    let wrong_here = scim(&e, "GET", &acme_tenant, "/Users", &e.key, None).await;
    assert_eq!(wrong_here.status, 401, "default's key is refused in acme");
    let wrong_there = scim(&e, "GET", &e.base, "/Users", &acme_key, None).await;
    assert_eq!(wrong_there.status, 401, "acme's key is refused in default");
    let r = scim(
        &e,
        "GET",
        &e.base,
        &format!("/Users/{acme_user_id}"),
        &e.key,
        None,
    )
    .await;
    assert_eq!(r.status, 404, "acme's user is not in default");

    // Nothing crosses: users, exchanges, counts.
    let mine = scim(&e, "GET", &acme_tenant, "/Users", &acme_key, None).await;
    assert_eq!(user_names(&mine), ["ada@acme.example"]);
    let theirs = scim(&e, "GET", &e.base, "/Users", &e.key, None).await;
    assert_eq!(user_names(&theirs), ["dora@default.example"]);
    assert_eq!(
        user_names(&e.admin_get("/api/workspaces/acme-entra/users").await),
        ["ada@acme.example"]
    );
    assert_eq!(
        user_names(&e.admin_get("/api/users").await),
        ["dora@default.example"]
    );
    let acme_x = exchanges(&e, "/api/workspaces/acme-entra", 3).await;
    assert!(
        acme_x
            .iter()
            .all(|x| x["path"].as_str().unwrap().starts_with("/scim/v2")),
        "{acme_x:?}"
    );
    let default_x = exchanges(&e, "/api", 3).await;
    assert!(
        default_x
            .iter()
            .all(|x| x["resourceName"] != "ada@acme.example"),
        "acme's create is not in default's traffic"
    );

    // Another workspace's key: refused, and said so inside.
    let refused = default_x
        .iter()
        .find(|x| x["status"] == 401)
        .expect("the refused request");
    let detail = e
        .admin_get(&format!("/api/exchanges/{}", refused["id"]))
        .await;
    assert_eq!(
        detail.body["auth"]["workspace"]["keyOf"], "acme-entra",
        "{}",
        detail.text
    );

    // The list: default first, counts per workspace, the template chose Entra's profile.
    let list = e.admin_get("/api/workspaces").await;
    assert_eq!(list.status, 200);
    let slugs: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["default", "acme-entra"]);
    assert_eq!(list.body[0]["tenantUrl"], e.base.as_str());
    assert_eq!(list.body[1]["users"], 1);
    assert_eq!(list.body[1]["template"], "entra-guide");
    let profiles = e.admin_get("/api/workspaces/acme-entra/profiles").await;
    assert_eq!(profiles.body["active"], "entra", "{}", profiles.text);
    let endpoint = e.admin_get("/api/workspaces/acme-entra/endpoint").await;
    assert_eq!(endpoint.body["tenantUrl"], acme_tenant.as_str());
    assert_eq!(endpoint.body["workspace"]["slug"], "acme-entra");

    // Its HAR has the URLs the IdP called.
    let har = e
        .admin_get("/api/workspaces/acme-entra/exchanges/export")
        .await;
    assert_eq!(har.status, 200);
    assert!(
        har.text.contains("/w/acme-entra/scim/v2/Users"),
        "{}",
        &har.text[..har.text.len().min(600)]
    );

    // Settings are the workspace's own.
    let r = e
        .admin_json(
            "PUT",
            "/api/workspaces/acme-entra/settings",
            &json!({"strict": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        e.admin_get("/api/settings").await.body["strict"],
        false,
        "default stays tolerant"
    );
    assert_eq!(
        e.admin_get("/api/workspaces/acme-entra/settings")
            .await
            .body["strict"],
        true
    );
}

#[tokio::test]
async fn an_unknown_slug_looks_like_a_wrong_key_outside_and_is_explained_inside() {
    let e = TestEngine::start().await;
    create(&e, json!({"name": "Contoso"})).await;
    let contoso_key = reveal(&e, "/api/workspaces/contoso").await;
    let origin = e.base.trim_end_matches("/scim/v2").to_owned();
    let wrong_key = scim(
        &e,
        "GET",
        &format!("{origin}/w/contoso/scim/v2"),
        "/Users",
        "not-the-key-0123456789",
        None,
    )
    .await;
    let typo = scim(
        &e,
        "GET",
        &format!("{origin}/w/contosso/scim/v2"),
        "/Users",
        &contoso_key,
        None,
    )
    .await;
    let nobody = scim(
        &e,
        "GET",
        &format!("{origin}/w/globex/scim/v2"),
        "/Users",
        "not-the-key-0123456789",
        None,
    )
    .await;
    for r in [&wrong_key, &typo, &nobody] {
        assert_eq!(r.status, 401, "{}", r.text);
        assert_eq!(
            r.body, wrong_key.body,
            "the same answer: a slug cannot be probed"
        );
        assert_eq!(
            r.header("www-authenticate"),
            wrong_key.header("www-authenticate")
        );
    }
    // The mistyped slug with contoso's key is kept under contoso, with the slug it named.
    let x = exchanges(&e, "/api/workspaces/contoso", 2).await;
    let typo_x = x
        .iter()
        .find(|x| x["path"] == "/w/contosso/scim/v2/Users")
        .unwrap_or_else(|| panic!("the mistyped request is under contoso: {x:?}"));
    let detail = e
        .admin_get(&format!(
            "/api/workspaces/contoso/exchanges/{}",
            typo_x["id"]
        ))
        .await;
    assert_eq!(
        detail.body["auth"]["workspace"]["unknownSlug"], "contosso",
        "{}",
        detail.text
    );
    // No key of any workspace: under default.
    let d = exchanges(&e, "/api", 1).await;
    assert!(
        d.iter().any(|x| x["path"] == "/w/globex/scim/v2/Users"),
        "{d:?}"
    );
    let checklist = e
        .admin_get("/api/workspaces/contoso/checklist?idp=okta")
        .await;
    assert!(
        checklist.text.contains("contosso"),
        "the checklist names the mistyped slug and the fix: {}",
        checklist.text
    );
}

#[tokio::test]
async fn events_carry_their_workspace_and_others_show_as_activity() {
    let e = TestEngine::start().await;
    let acme = create(&e, json!({"name": "Acme"})).await;
    let acme_key = reveal(&e, "/api/workspaces/acme").await;
    let mut events = e.admin_events().await;
    let r = scim(
        &e,
        "POST",
        acme["tenantUrl"].as_str().unwrap(),
        "/Users",
        &acme_key,
        Some(&user("eve@acme.example")),
    )
    .await;
    assert_eq!(r.status, 201);
    let activity = loop {
        let ev = events
            .next_event(Duration::from_secs(5))
            .await
            .expect("an event on default's stream");
        assert_ne!(
            ev.event, "exchange.recorded",
            "acme's exchanges are not default's: {:?}",
            ev.data
        );
        if ev.event == "workspace.activity" {
            break ev;
        }
    };
    assert_eq!(activity.data["workspace"], "acme");
    assert_eq!(activity.data["exchanges"], 1);

    // Acme's own stream gets its exchanges, tagged with it.
    let resp = e
        .http
        .get(e.admin_url("/api/workspaces/acme/events"))
        .bearer_auth(e.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    drop(resp);
    let r = e
        .admin_json(
            "PATCH",
            "/api/workspaces/acme",
            &json!({"name": "Acme Corp"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let changed = loop {
        let ev = events
            .next_event(Duration::from_secs(5))
            .await
            .expect("workspaces.changed");
        if ev.event == "workspaces.changed" {
            break ev;
        }
    };
    assert_eq!(changed.data["type"], "workspaces.changed");
}

#[tokio::test]
async fn the_simulator_runs_into_each_workspace() {
    let e = TestEngine::start().await;
    create(
        &e,
        json!({"name": "Fabrikam Okta", "template": "okta-guide"}),
    )
    .await;
    let r = e
        .admin_json(
            "POST",
            "/api/workspaces/fabrikam-okta/simulations",
            &json!({"scenario": "okta", "users": 4, "seed": 7}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let run = loop {
        let r = e
            .admin_get(&format!("/api/workspaces/fabrikam-okta/simulations/{id}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        if r.body["state"] == "finished" {
            break r.body;
        }
        assert!(tokio::time::Instant::now() < deadline, "{}", r.text);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(run["report"]["summary"]["outcome"], "passed", "{run}");
    let users = e
        .admin_get("/api/workspaces/fabrikam-okta/users?count=50")
        .await;
    assert!(
        users.body["totalResults"].as_i64().unwrap_or(0) >= 4,
        "{}",
        users.text
    );
    assert_eq!(
        e.admin_get("/api/users").await.body["totalResults"],
        0,
        "nothing in default"
    );
    assert_eq!(
        e.admin_get("/api/simulations/{id}".replace("{id}", &id).as_str())
            .await
            .status,
        404,
        "runs are per workspace"
    );
}

#[tokio::test]
async fn rename_keeps_the_url_delete_erases_and_a_restart_reopens_every_workspace() {
    if scimlab_tests::sqlite_only("checks the SQLite files of a deleted workspace") {
        return;
    }
    let e = TestEngine::start().await;
    create(&e, json!({"name": "Keep Me"})).await;
    let gone = create(&e, json!({"name": "Gone Soon"})).await;
    let keep_key = reveal(&e, "/api/workspaces/keep-me").await;
    let gone_key = reveal(&e, "/api/workspaces/gone-soon").await;
    let keep_tenant = e.base.replace("/scim/v2", "/w/keep-me/scim/v2");
    assert_eq!(
        scim(
            &e,
            "POST",
            &keep_tenant,
            "/Users",
            &keep_key,
            Some(&user("k@x.example"))
        )
        .await
        .status,
        201
    );
    let gone_tenant = gone["tenantUrl"].as_str().unwrap().to_owned();
    assert_eq!(
        scim(
            &e,
            "POST",
            &gone_tenant,
            "/Users",
            &gone_key,
            Some(&user("g@x.example"))
        )
        .await
        .status,
        201
    );

    let r = e
        .admin_json("PATCH", "/api/workspaces/keep-me", &json!({"name": "Kept"}))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.body["slug"].as_str()),
        (200, Some("keep-me")),
        "{}",
        r.text
    );
    let r = e
        .admin_json("POST", "/api/workspaces", &json!({"name": "keep me"}))
        .await;
    assert_eq!(r.status, 409, "the slug is taken: {}", r.text);
    let r = e
        .admin_json("POST", "/api/workspaces", &json!({"name": "  --  "}))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = e
        .admin_json(
            "POST",
            "/api/workspaces",
            &json!({"name": "X", "template": "azure"}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        e.admin_send("DELETE", "/api/workspaces/default")
            .await
            .status,
        409
    );

    exchanges(&e, "/api/workspaces/gone-soon", 1).await;
    let file = e.dir.path().join("workspaces").join("gone-soon.db");
    assert!(file.exists());
    let r = e.admin_send("DELETE", "/api/workspaces/gone-soon").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["users"].as_i64(), r.body["exchanges"].as_i64()),
        (Some(1), Some(1)),
        "{}",
        r.text
    );
    assert!(!file.exists(), "its database file is erased");
    assert_eq!(
        scim(&e, "GET", &gone_tenant, "/Users", &gone_key, None)
            .await
            .status,
        401
    );
    assert_eq!(
        e.admin_get("/api/workspaces/gone-soon/users").await.status,
        404
    );

    let dir = e.stop().await;
    let e = TestEngine::start_in(dir, |_| {}).await;
    let list = e.admin_get("/api/workspaces").await;
    let names: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default", "Kept"]);
    let r = scim(
        &e,
        "GET",
        &e.base.replace("/scim/v2", "/w/keep-me/scim/v2"),
        "/Users",
        &keep_key,
        None,
    )
    .await;
    assert_eq!(
        user_names(&r),
        ["k@x.example"],
        "the key and the users outlive a restart"
    );
}

/// Upload `bytes` to `POST /api/workspaces/import[?name=]`.
async fn import(e: &TestEngine, bytes: Vec<u8>, name: Option<&str>) -> Reply {
    let path = match name {
        Some(n) => format!("/api/workspaces/import?name={n}"),
        None => "/api/workspaces/import".to_owned(),
    };
    let resp = e
        .http
        .post(e.admin_url(&path))
        .bearer_auth(e.admin_token())
        .header("content-type", "application/vnd.sqlite3")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

async fn export(e: &TestEngine, slug: &str, query: &str) -> (Vec<u8>, String) {
    let resp = e
        .http
        .get(e.admin_url(&format!("/api/workspaces/{slug}/export{query}")))
        .bearer_auth(e.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (resp.bytes().await.unwrap().to_vec(), disposition)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn an_export_imports_as_a_new_workspace_without_its_key_and_damaged_files_change_nothing() {
    let e = TestEngine::start().await;
    create(&e, json!({"name": "Hand Over", "template": "okta-guide"})).await;
    let key = reveal(&e, "/api/workspaces/hand-over").await;
    let tenant = e.base.replace("/scim/v2", "/w/hand-over/scim/v2");
    for name in [
        "grace.hopper@contoso.example",
        "alan.turing@contoso.example",
    ] {
        assert_eq!(
            scim(&e, "POST", &tenant, "/Users", &key, Some(&user(name)))
                .await
                .status,
            201
        );
    }
    let x = exchanges(&e, "/api/workspaces/hand-over", 2).await;
    let (bytes, disposition) = export(&e, "hand-over", "").await;
    assert!(disposition.contains("hand-over.scimlab"), "{disposition}");
    assert!(bytes.starts_with(b"SQLite format 3\0"), "a SQLite database");
    assert!(!contains(&bytes, &key), "the export holds no scim key");
    assert!(!contains(&bytes, PASSWORD), "nor a password");
    assert!(contains(&bytes, "grace.hopper@contoso.example"));

    let r = import(&e, bytes.clone(), None).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body["slug"], "hand-over-2",
        "a free slug beside the original"
    );
    assert_eq!(r.body["name"], "Hand Over");
    assert_eq!(r.body["users"], 2);
    assert_eq!(r.body["exchanges"].as_u64(), Some(x.len() as u64));
    let new_key = reveal(&e, "/api/workspaces/hand-over-2").await;
    assert_ne!(new_key, key, "an import gets a new key");
    let r2 = scim(
        &e,
        "GET",
        &e.base.replace("/scim/v2", "/w/hand-over-2/scim/v2"),
        "/Users",
        &new_key,
        None,
    )
    .await;
    assert_eq!(
        user_names(&r2),
        [
            "alan.turing@contoso.example",
            "grace.hopper@contoso.example"
        ]
    );
    assert_eq!(
        e.admin_get("/api/workspaces/hand-over-2/profiles")
            .await
            .body["active"],
        "okta",
        "profiles travel"
    );
    let named = import(&e, bytes.clone(), Some("Customer%20Copy")).await;
    assert_eq!(
        (named.status.as_u16(), named.body["slug"].as_str()),
        (201, Some("customer-copy"))
    );

    // Refused, and nothing changes.
    let before = e
        .admin_get("/api/workspaces")
        .await
        .body
        .as_array()
        .unwrap()
        .len();
    let mut damaged = bytes.clone();
    damaged.truncate(damaged.len() / 2);
    for (what, file) in [
        ("damaged", damaged),
        (
            "not a database",
            b"this is a har file, not a workspace".to_vec(),
        ),
    ] {
        let r = import(&e, file, None).await;
        assert_eq!(r.status, 400, "{what}: {}", r.text);
        assert!(
            r.body["error"].as_str().unwrap().contains("export"),
            "{what}: {}",
            r.text
        );
    }
    assert_eq!(
        e.admin_get("/api/workspaces")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        before
    );
    match scimlab_tests::database_url_for(e.dir.path()) {
        // Each workspace is a schema: one each for default, the original and the two imports.
        Some(url) => assert_eq!(
            tokio::task::spawn_blocking(move || scimlab_testdb::psql(
                &url,
                "SELECT string_agg(schema_name, ',' ORDER BY schema_name) FROM information_schema.schemata WHERE schema_name LIKE 'scimlab%'"
            ))
            .await
            .unwrap(),
            "scimlab,scimlab_w_customer_copy,scimlab_w_hand_over,scimlab_w_hand_over_2",
            "no half schema left"
        ),
        None => {
            let leftovers: Vec<_> = std::fs::read_dir(e.dir.path().join("workspaces"))
                .unwrap()
                .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".db") && !n.ends_with("-wal") && !n.ends_with("-shm"))
                .collect();
            assert!(leftovers.is_empty(), "no half file left: {leftovers:?}");
        }
    }
}

#[tokio::test]
async fn a_pseudonymised_export_keeps_roles_and_shapes_but_no_name_or_email() {
    let e = TestEngine::start().await;
    create(&e, json!({"name": "Private"})).await;
    let key = reveal(&e, "/api/workspaces/private").await;
    let tenant = e.base.replace("/scim/v2", "/w/private/scim/v2");
    let r = scim(
        &e,
        "POST",
        &tenant,
        "/Users",
        &key,
        Some(&user("margaret.hamilton@nasa.example")),
    )
    .await;
    assert_eq!(r.status, 201);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let filter = "/Users?filter=userName%20eq%20%22margaret.hamilton%40nasa.example%22";
    assert_eq!(
        scim(&e, "GET", &tenant, filter, &key, None).await.status,
        200
    );
    exchanges(&e, "/api/workspaces/private", 2).await;
    let (bytes, disposition) = export(&e, "private", "?pseudonymise=true").await;
    assert!(disposition.contains("pseudonymised"), "{disposition}");
    for secret in [
        "margaret.hamilton",
        "nasa.example",
        "margaret.hamilton%40nasa.example",
        "ext-margaret",
        &id,
    ] {
        assert!(!contains(&bytes, secret), "{secret} is still in the export");
    }
    let r = import(&e, bytes, Some("Pseudo")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let users = e.admin_get("/api/workspaces/pseudo/users").await;
    let u = &users.body["resources"][0];
    let name = u["userName"].as_str().unwrap();
    assert!(
        name.contains('@') && !name.contains("margaret"),
        "an email-shaped pseudonym: {}",
        users.text
    );
    let detail = e
        .admin_get(&format!(
            "/api/workspaces/pseudo/users/{}",
            u["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        detail.text.contains("Admin"),
        "the role is kept: {}",
        detail.text
    );
}

#[tokio::test]
async fn a_database_from_before_workspaces_becomes_default_with_all_its_data() {
    if scimlab_tests::sqlite_only("opens a SQLite file from before workspaces") {
        return;
    }
    // A database written by the ScimLab before workspaces (schema 0010): Okta provisioned
    // users into it. See tests/fixtures/db/README.md for how it was made.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        scimlab_tests::fixture_path("db/before-workspaces.db"),
        dir.path().join("scimlab.db"),
    )
    .unwrap();
    let e = TestEngine::start_in(dir, |_| {}).await;
    let list = e.admin_get("/api/workspaces").await;
    assert_eq!(list.status, 200, "{}", list.text);
    let all = list.body.as_array().unwrap();
    assert_eq!(all.len(), 1, "{}", list.text);
    assert_eq!(all[0]["slug"], "default");
    assert!(
        all[0]["users"].as_i64().unwrap() >= 1,
        "the users are default's: {}",
        list.text
    );
    assert!(
        all[0]["exchanges"].as_i64().unwrap() >= 1,
        "and the exchanges: {}",
        list.text
    );
    let users = e.get("/Users").await;
    assert_eq!(users.status, 200, "the stored key still works at /scim/v2");
    assert!(users.body["totalResults"].as_i64().unwrap() >= 1);
    // And a workspace can be added beside it.
    create(&e, json!({"name": "New Customer"})).await;
    assert_eq!(
        e.admin_get("/api/workspaces")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_reset_erases_for_good_nothing_is_left_in_the_database_files() {
    let e = TestEngine::start().await;
    let name = "erase.me.zq@private.example";
    let r = e.post("/Users", &user(name)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    exchanges(&e, "/api", 1).await;
    let files = |e: &TestEngine| -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal"] {
            let mut p = e.db_path().into_os_string();
            p.push(suffix);
            all.extend(std::fs::read(&p).unwrap_or_default());
        }
        all
    };
    let r = e.admin_send("DELETE", "/api/data").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while contains(&files(&e), name) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the deleted user is still readable in the database files"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
