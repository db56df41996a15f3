//! The admin listener (issue 3): it refuses callers without this launch's token and is not
//! reachable from the SCIM port; what an IdP did at the SCIM listener shows up, redacted and
//! classified, in `/api/exchanges`; cursor paging and filters; users/groups with their
//! exchanges; the live event stream (order, batching, `resync` for a lagging client); key
//! rotation, reset and retention. Every wait is bounded.

use scimlab_engine::events::EngineEvent;
use scimlab_tests::{Reply, SseEvent, TestEngine, WAIT, fetch};
use serde_json::{Value, json};
use std::time::Duration;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const OKTA_UA: &str = "Okta SCIM Client 1.0.0";

fn items(r: &Reply) -> Vec<Value> {
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

fn assert_admin_error(r: &Reply, status: u16, needle: &str) {
    assert_eq!(r.status.as_u16(), status, "{r:?}");
    assert!(
        r.header("content-type").starts_with("application/json"),
        "{r:?}"
    );
    let msg = r.body["error"].as_str().unwrap_or_default();
    assert!(
        msg.contains(needle),
        "error {msg:?} should mention {needle:?}"
    );
    assert!(
        msg.starts_with(|c: char| c.is_ascii_lowercase()),
        "messages start in lowercase: {msg}"
    );
}

/// Every route, with its method, for the "refuses without a token" sweep.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/health"),
    ("GET", "/api/endpoint"),
    ("POST", "/api/endpoint/reveal"),
    ("POST", "/api/endpoint/rotate"),
    ("POST", "/api/endpoint/tunnel"),
    ("DELETE", "/api/endpoint/tunnel"),
    ("GET", "/api/exchanges"),
    ("GET", "/api/exchanges/1"),
    ("GET", "/api/users"),
    ("GET", "/api/users/x"),
    ("GET", "/api/groups"),
    ("GET", "/api/groups/x"),
    ("DELETE", "/api/data"),
    ("GET", "/api/events"),
    ("GET", "/api/no-such-route"),
];

#[tokio::test]
async fn the_admin_listener_refuses_missing_and_wrong_tokens() {
    let e = TestEngine::start().await;
    let token = e.admin_token();
    let user = e.create_user("keep@example.com").await;
    let wrong_cookie = format!("scimlab_admin={token}x");
    let scim_key_as_admin = format!("Bearer {}", e.key);
    for (method, path) in ROUTES {
        let missing = e.admin_raw(method, path, &[]).await;
        assert_admin_error(&missing, 401, "missing admin token");
        assert!(
            missing.header("www-authenticate").starts_with("Bearer"),
            "{missing:?}"
        );
        let wrong = e
            .admin_raw(method, path, &[("authorization", "Bearer not-the-token")])
            .await;
        assert_admin_error(&wrong, 401, "not this launch's token");
        let cookie = e
            .admin_raw(method, path, &[("cookie", &wrong_cookie)])
            .await;
        assert_admin_error(&cookie, 401, "not this launch's token");
        // The SCIM key is not an admin credential.
        let scim = e
            .admin_raw(method, path, &[("authorization", &scim_key_as_admin)])
            .await;
        assert_admin_error(&scim, 401, "not this launch's token");
        let scheme = e
            .admin_raw(method, path, &[("authorization", token.as_str())])
            .await;
        assert_admin_error(&scheme, 401, "unsupported authorization scheme");
        for r in [&missing, &wrong, &cookie, &scim, &scheme] {
            assert!(!r.text.contains(&token) && !r.text.contains(&e.key));
        }
    }
    // Nothing was rotated or reset by the refused calls.
    assert_eq!(e.get(&format!("/Users/{user}")).await.status, 200);
    // A token in the URL of an API route is not a credential (URLs end up in logs).
    let in_url = e
        .admin_raw("GET", &format!("/api/health?token={token}"), &[])
        .await;
    assert_admin_error(&in_url, 401, "missing admin token");
    // With the token: the right answers, and unknown routes are a JSON 404.
    assert_eq!(e.admin_get("/api/health").await.status, 200);
    let cookie = e
        .admin_raw(
            "GET",
            "/api/health",
            &[("cookie", &format!("theme=dark; scimlab_admin={token}"))],
        )
        .await;
    assert_eq!(cookie.status, 200, "{cookie:?}");
    assert_admin_error(
        &e.admin_get("/api/no-such-route").await,
        404,
        "no admin route at '/api/no-such-route'",
    );
    assert_admin_error(
        &e.admin_send("PUT", "/api/health").await,
        405,
        "method PUT is not allowed",
    );
    // The page at `/` tells a browser how to log in.
    let page = e.admin_raw("GET", "/", &[]).await;
    assert_eq!(page.status, 401);
    assert!(
        page.header("content-type").starts_with("text/html"),
        "{page:?}"
    );
    assert!(page.text.contains("/?token="), "{}", page.text);
}

#[tokio::test]
async fn the_login_url_sets_a_strict_http_only_cookie_and_drops_the_token() {
    let e = TestEngine::start().await;
    let token = e.admin_token();
    let login = e.engine().admin_login_url();
    assert_eq!(login, e.admin_url(&format!("/?token={token}")));
    let r = e.admin_raw("GET", &format!("/?token={token}"), &[]).await;
    assert_eq!(r.status, 303, "{r:?}");
    assert_eq!(
        r.header("location"),
        "/",
        "redirect without the token in the url"
    );
    let cookie = r.header("set-cookie");
    let parts: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert_eq!(parts[0], format!("scimlab_admin={token}"));
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(parts.contains(&flag), "{flag} missing from {cookie}");
    }
    // The browser follows the redirect with the cookie: the placeholder page.
    let page = e.admin_raw("GET", "/", &[("cookie", parts[0])]).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(
        page.text.contains(&e.base),
        "tenant url on the page: {}",
        page.text
    );
    assert!(page.text.contains("/api/exchanges"));
    assert!(!page.text.contains(&token) && !page.text.contains(&e.key));
    assert_eq!(page.header("cache-control"), "no-store");
    // A wrong login token: 401 page, no cookie.
    let wrong = e.admin_raw("GET", "/?token=nope", &[]).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_empty());
    assert!(wrong.text.contains("scimlab serve"), "{}", wrong.text);
}

#[tokio::test]
async fn the_scim_port_serves_no_admin_route() {
    let e = TestEngine::start().await;
    let scim_root = format!("http://{}", e.engine().scim_addr);
    let admin_auth = format!("Bearer {}", e.admin_token());
    let scim_auth = format!("Bearer {}", e.key);
    for path in [
        "/api/health",
        "/api/endpoint",
        "/api/exchanges",
        "/api/events",
        "/api/users",
        "/scim/v2/api/health",
        "/?token=x",
    ] {
        for auth in [&admin_auth, &scim_auth] {
            let r = fetch(
                &e.http,
                "GET",
                &format!("{scim_root}{path}"),
                None,
                &[("authorization", auth.as_str())],
            )
            .await;
            scimlab_tests::assert_scim_error!(r, 404);
        }
    }
    let reset = fetch(
        &e.http,
        "DELETE",
        &format!("{scim_root}/api/data"),
        None,
        &[("authorization", &admin_auth)],
    )
    .await;
    scimlab_tests::assert_scim_error!(reset, 404);
    // And the admin token is no SCIM key.
    let r = e
        .send_raw("GET", "/Users", None, &[("authorization", &admin_auth)])
        .await;
    scimlab_tests::assert_scim_error!(r, 401);
}

/// An Entra-style flow at the SCIM listener, then what the admin API says about it.
#[tokio::test]
async fn an_idp_flow_is_captured_classified_and_diffed() {
    let e = TestEngine::start().await;
    let password = "Entra-Flow-Pa55word-7f3a9c";
    let created = e
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "flow@example.com", "active": true,
                    "displayName": "Before", "password": password}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let renamed = e
        .patch(
            &format!("/Users/{id}"),
            &json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "displayName", "value": "After"}]}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{renamed:?}");
    let deactivated = e
        .patch(
            &format!("/Users/{id}"),
            &json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
        )
        .await;
    assert_eq!(deactivated.status, 200, "{deactivated:?}");
    let wrong_key = "Wrong-Key-0123456789-abcdWXYZ";
    let refused = e
        .send_raw(
            "GET",
            "/Users",
            None,
            &[("authorization", &format!("Bearer {wrong_key}"))],
        )
        .await;
    assert_eq!(refused.status, 401);
    let malformed = e
        .send_raw(
            "POST",
            "/Users",
            Some("{\"schemas\": [".into()),
            &[("authorization", &format!("Bearer {}", e.key))],
        )
        .await;
    assert_eq!(malformed.status, 400);

    let list = e.wait_for_exchanges("", 5).await;
    assert_eq!(list.len(), 5, "{list:?}");
    let [bad, unauth, deact, rename, create] = &list[..] else {
        unreachable!()
    };
    assert!(ids(&list).windows(2).all(|w| w[0] > w[1]), "newest first");

    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/scim/v2/Users");
    assert_eq!(create["status"], 201);
    assert_eq!(create["operation"], "create");
    assert_eq!(create["resourceType"], "User");
    assert_eq!(create["resourceId"], id.as_str());
    assert_eq!(create["resourceName"], "flow@example.com");
    assert!(
        create["quirks"]
            .as_array()
            .unwrap()
            .contains(&json!("okta.password-sent"))
    );
    assert!(create["latencyMs"].as_f64().unwrap() >= 0.0);

    assert_eq!(rename["method"], "PATCH");
    assert_eq!(rename["operation"], "update");
    assert_eq!(rename["idp"], "entra");
    assert!(
        rename["quirks"]
            .as_array()
            .unwrap()
            .contains(&json!("entra.capitalized-op"))
    );
    assert_eq!(deact["operation"], "deactivate");
    assert_eq!(deact["idp"], "entra");
    assert!(
        deact["quirks"]
            .as_array()
            .unwrap()
            .contains(&json!("entra.string-boolean"))
    );
    assert_eq!(unauth["status"], 401);
    assert_eq!(unauth["operation"], "rejected");
    assert_eq!(bad["status"], 400);
    assert_eq!(bad["operation"], "rejected");

    // The whole exchanges.
    let whole = e
        .admin_get(&format!("/api/exchanges/{}", rename["id"]))
        .await;
    assert_eq!(whole.status, 200, "{whole:?}");
    let w = &whole.body;
    assert_eq!(w["id"], rename["id"]);
    assert_eq!(w["before"]["displayName"], "Before");
    assert_eq!(w["after"]["displayName"], "After");
    assert_eq!(w["auth"]["scheme"], "Bearer");
    assert_eq!(w["auth"]["matched"], true);
    assert_eq!(w["auth"]["last4"], &e.key[e.key.len() - 4..]);
    assert!(w["requestBody"].as_str().unwrap().contains("Replace"));
    assert!(w["responseBody"].as_str().unwrap().contains("After"));
    assert!(w["idpReason"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(w["clientAddr"].as_str().unwrap().starts_with("127.0.0.1:"));
    let deact_whole = e
        .admin_get(&format!("/api/exchanges/{}", deact["id"]))
        .await;
    assert_eq!(deact_whole.body["before"]["active"], true);
    assert_ne!(deact_whole.body["after"]["active"], true);
    let unauth_whole = e
        .admin_get(&format!("/api/exchanges/{}", unauth["id"]))
        .await;
    assert_eq!(unauth_whole.body["auth"]["matched"], false);
    assert_eq!(unauth_whole.body["auth"]["last4"], "WXYZ");
    let bad_whole = e.admin_get(&format!("/api/exchanges/{}", bad["id"])).await;
    assert_eq!(bad_whole.body["requestBody"], "{\"schemas\": [");
    assert_eq!(bad_whole.body["before"], Value::Null);

    // Unknown and malformed ids.
    assert_admin_error(
        &e.admin_get("/api/exchanges/999999").await,
        404,
        "no exchange 999999",
    );
    assert_admin_error(
        &e.admin_get("/api/exchanges/abc").await,
        400,
        "invalid exchange id 'abc'",
    );
    assert_eq!(e.admin_get("/api/health").await.body["exchanges"], 5);
}

/// Count `needle` in `hay`.
fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[tokio::test]
async fn no_secret_reaches_the_admin_api_or_the_database() {
    if scimlab_tests::sqlite_only("searches the SQLite database file's bytes for secrets") {
        return;
    }
    let e = TestEngine::start().await;
    let password = "Never-Stored-Pa55word-91b2";
    let admin_token = e.admin_token();
    let r = e
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "secret@example.com", "password": password}),
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.body["id"].as_str().unwrap().to_owned();
    e.patch(
        &format!("/Users/{id}"),
        &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "password", "value": password}]}),
    )
    .await;
    e.send_raw(
        "GET",
        "/Users",
        None,
        &[("authorization", &format!("Bearer {password}"))],
    )
    .await;
    // A bare key, as Okta's header mode may send it.
    e.send_raw("GET", "/Users", None, &[("authorization", &e.key)])
        .await;
    let list = e.wait_for_exchanges("", 4).await;
    let mut everything = String::new();
    for x in &list {
        let whole = e.admin_get(&format!("/api/exchanges/{}", x["id"])).await;
        assert_eq!(whole.status, 200);
        everything.push_str(&whole.text);
    }
    for path in [
        "/api/exchanges?limit=500",
        "/api/health",
        "/api/endpoint",
        "/api/users",
        &format!("/api/users/{id}"),
    ] {
        everything.push_str(&e.admin_get(path).await.text);
    }
    assert!(
        everything.contains("secret@example.com"),
        "the fetch worked"
    );
    for secret in [e.key.as_str(), password, admin_token.as_str()] {
        assert!(
            !everything.contains(secret),
            "a secret leaked into the admin api"
        );
    }
    // Every byte on disk after a clean stop: the password and the admin token are nowhere; the
    // key only in its settings row (stored as the `scim_api_key` column followed by the value).
    let key = e.key.clone();
    let db = e.db_path();
    let _dir = e.stop().await;
    let mut bytes = std::fs::read(&db).unwrap();
    for suffix in ["-wal", "-shm", "-journal"] {
        if let Ok(more) = std::fs::read(format!("{}{suffix}", db.display())) {
            bytes.extend(more);
        }
    }
    // And the captured exchanges inflated: deflated, a secret would not show in the bytes.
    let store = scimlab_engine::store::Store::open(&db).await.unwrap();
    let evidence = store.evidence_plaintext().await.unwrap();
    store.close().await;
    assert!(
        occurrences(&evidence, b"secret@example.com") > 0,
        "the exchanges were read"
    );
    bytes.extend(evidence);
    assert_eq!(
        occurrences(&bytes, password.as_bytes()),
        0,
        "password on disk"
    );
    assert_eq!(
        occurrences(&bytes, admin_token.as_bytes()),
        0,
        "admin token on disk"
    );
    let key_occurrences = occurrences(&bytes, key.as_bytes());
    let in_settings = occurrences(&bytes, format!("scim_api_key{key}").as_bytes());
    assert!(in_settings >= 1, "the key is stored in settings");
    assert_eq!(
        key_occurrences, in_settings,
        "the key appears outside its settings row"
    );
}

#[tokio::test]
async fn cursor_pages_return_each_exchange_once_newest_first() {
    let e = TestEngine::start().await;
    for i in 0..23 {
        let r = e.get(&format!("/Users?startIndex={}&count=1", i + 1)).await;
        assert_eq!(r.status, 200);
    }
    let all = e.wait_for_exchanges("", 23).await;
    let mut seen: Vec<i64> = Vec::new();
    let mut before: Option<i64> = None;
    let mut pages = 0;
    loop {
        let q = match before {
            Some(b) => format!("/api/exchanges?limit=5&before={b}"),
            None => "/api/exchanges?limit=5".to_owned(),
        };
        let r = e.admin_get(&q).await;
        assert_eq!(r.status, 200, "{r:?}");
        let page = items(&r);
        assert!(page.len() <= 5);
        seen.extend(ids(&page));
        pages += 1;
        match r.body["nextBefore"].as_i64() {
            Some(b) => {
                assert_eq!(Some(b), page.last().map(|x| x["id"].as_i64().unwrap()));
                before = Some(b);
            }
            None => {
                assert_eq!(r.body["nextBefore"], Value::Null);
                break;
            }
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, ids(&all), "each exchange once, newest first");
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
    // An exact multiple of the page size ends with a null cursor, not an empty page.
    let r = e
        .admin_get(&format!("/api/exchanges?limit=3&before={}", seen[19]))
        .await;
    assert_eq!(items(&r).len(), 3);
    assert_eq!(r.body["nextBefore"], Value::Null);
    // The default page is 50, the largest 500.
    let r = e.admin_get("/api/exchanges").await;
    assert_eq!(items(&r).len(), 23);
    assert_admin_error(
        &e.admin_get("/api/exchanges?limit=501").await,
        400,
        "from 1 to 500",
    );
}

#[tokio::test]
async fn exchange_filters_narrow_the_list() {
    let e = TestEngine::start().await;
    let auth = format!("Bearer {}", e.key);
    let okta = e
        .send_raw(
            "POST",
            "/Users",
            Some(
                json!({"schemas": [USER], "userName": "okta@example.com", "active": true})
                    .to_string(),
            ),
            &[("authorization", &auth), ("user-agent", OKTA_UA)],
        )
        .await;
    assert_eq!(okta.status, 201);
    let id = okta.body["id"].as_str().unwrap().to_owned();
    let p = e
        .patch(
            &format!("/Users/{id}"),
            &json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "title", "value": "Eng"}]}),
        )
        .await;
    assert_eq!(p.status, 200);
    e.get("/Users?filter=userName%20eq%20%22needle-q7x%22")
        .await;
    e.send_raw("GET", "/Users", None, &[]).await;
    e.get("/ServiceProviderConfig").await;
    let all = e.wait_for_exchanges("", 5).await;
    assert_eq!(all.len(), 5);

    let only = |query: &'static str| {
        let e = &e;
        async move {
            let r = e.admin_get(&format!("/api/exchanges?{query}")).await;
            assert_eq!(r.status, 200, "{query}: {r:?}");
            items(&r)
        }
    };
    let four = only("status=4xx").await;
    assert_eq!(four.len(), 1);
    assert_eq!(four[0]["status"], 401);
    assert_eq!(only("status=2xx").await.len(), 4);
    let patches = only("method=patch").await;
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0]["method"], "PATCH");
    let from_okta = only("idp=okta").await;
    assert!(!from_okta.is_empty());
    assert!(from_okta.iter().all(|x| x["idp"] == "okta"));
    assert!(from_okta.iter().any(|x| x["operation"] == "create"));
    assert!(only("idp=entra").await.iter().all(|x| x["idp"] == "entra"));
    let creates = only("operation=create").await;
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0]["resourceId"], id.as_str());
    assert_eq!(only("operation=discovery").await.len(), 1);
    let touching = e.admin_get(&format!("/api/exchanges?resource={id}")).await;
    let touching = items(&touching);
    assert_eq!(touching.len(), 2);
    assert!(touching.iter().all(|x| x["resourceId"] == id.as_str()));
    let text = only("q=needle-q7x").await;
    assert_eq!(text.len(), 1);
    assert!(text[0]["query"].as_str().unwrap().contains("needle-q7x"));
    assert_eq!(only("q=NEEDLE-Q7X").await.len(), 1, "case-insensitive");
    // Text in bodies, not only the path: the title sent in the PATCH.
    assert_eq!(only("q=%22Eng%22&method=PATCH").await.len(), 1);
    assert_eq!(only("method=POST&idp=okta&status=2xx").await.len(), 1);
    assert!(only("method=DELETE").await.is_empty());

    for (query, needle) in [
        (
            "status=404",
            "invalid status '404': use a status class, one of 1xx, 2xx",
        ),
        ("status=6xx", "invalid status"),
        (
            "idp=azure",
            "invalid idp 'azure': use one of entra, okta, other",
        ),
        (
            "operation=provision",
            "invalid operation 'provision': use one of connection-probe, match-lookup, create",
        ),
        ("method=GE%20T", "invalid method"),
        ("limit=0", "invalid limit '0': use an integer from 1 to 500"),
        ("limit=ten", "invalid limit 'ten'"),
        ("before=-1", "invalid before '-1'"),
        ("resource=", "invalid resource"),
        (
            "sort=id",
            "unknown query parameter 'sort': use before, limit, method, status, idp, operation, resource, q",
        ),
    ] {
        assert_admin_error(
            &e.admin_get(&format!("/api/exchanges?{query}")).await,
            400,
            needle,
        );
    }
}

#[tokio::test]
async fn users_and_groups_are_served_with_the_exchanges_that_touched_them() {
    let e = TestEngine::start().await;
    let a = e.create_user("a@example.com").await;
    let b = e.create_user("b@example.com").await;
    let c = e.create_user("c@example.com").await;
    let g = e
        .post("/Groups", &json!({"schemas": [GROUP], "displayName": "Admins", "members": [{"value": a}, {"value": b}]}))
        .await;
    assert_eq!(g.status, 201);
    let gid = g.body["id"].as_str().unwrap().to_owned();
    let p = e
        .patch(
            &format!("/Users/{a}"),
            &json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "A"}]}),
        )
        .await;
    assert_eq!(p.status, 200);
    let scim_a = e.get(&format!("/Users/{a}")).await;
    e.wait_for_exchanges("", 6).await;

    let users = e.admin_get("/api/users").await;
    assert_eq!(users.status, 200, "{users:?}");
    assert_eq!(users.body["totalResults"], 3);
    assert_eq!(users.body["startIndex"], 1);
    assert_eq!(users.body["itemsPerPage"], 3);
    let names: Vec<&str> = users.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["c@example.com", "b@example.com", "a@example.com"],
        "newest first"
    );
    // Rendered as the SCIM listener renders them.
    assert_eq!(users.body["resources"][2], scim_a.body);
    assert_eq!(
        users.body["resources"][2]["groups"][0]["value"],
        gid.as_str()
    );
    let page = e.admin_get("/api/users?startIndex=2&count=1").await;
    assert_eq!(page.body["totalResults"], 3);
    assert_eq!(page.body["itemsPerPage"], 1);
    assert_eq!(page.body["resources"][0]["id"], b.as_str());
    let none = e.admin_get("/api/users?count=0").await;
    assert_eq!(none.body["resources"], json!([]));
    assert_eq!(none.body["totalResults"], 3);
    assert_admin_error(
        &e.admin_get("/api/users?count=501").await,
        400,
        "invalid count '501'",
    );
    assert_admin_error(
        &e.admin_get("/api/users?startIndex=0").await,
        400,
        "invalid startIndex '0'",
    );
    assert_admin_error(
        &e.admin_get("/api/users?filter=x").await,
        400,
        "use startIndex, count",
    );

    let detail = e.admin_get(&format!("/api/users/{a}")).await;
    assert_eq!(detail.status, 200, "{detail:?}");
    assert_eq!(detail.body["resource"], scim_a.body);
    let ops: Vec<&str> = detail.body["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["read", "update", "create"], "newest first");
    assert_eq!(detail.body["exchangesNextBefore"], Value::Null);
    assert_eq!(
        e.admin_get(&format!("/api/users/{c}")).await.body["exchanges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let groups = e.admin_get("/api/groups").await;
    assert_eq!(groups.body["totalResults"], 1);
    assert_eq!(
        groups.body["resources"][0]["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let gd = e.admin_get(&format!("/api/groups/{gid}")).await;
    assert_eq!(gd.body["resource"]["displayName"], "Admins");
    assert_eq!(gd.body["exchanges"][0]["operation"], "group-create");
    // A user id is not a group, and unknown ids are 404.
    assert_admin_error(
        &e.admin_get(&format!("/api/groups/{a}")).await,
        404,
        "no group with id",
    );
    assert_admin_error(
        &e.admin_get("/api/users/nope").await,
        404,
        "no user with id 'nope'",
    );
}

/// Read events until `want` exchanges have been announced (or [`WAIT`] passes); returns the
/// exchanges in arrival order and the number of `exchange.recorded` messages they came in.
async fn collect_exchanges(
    sse: &mut scimlab_tests::SseStream,
    want: usize,
) -> (Vec<Value>, usize, Vec<SseEvent>) {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    let mut got = Vec::new();
    let mut messages = 0;
    let mut others = Vec::new();
    while got.len() < want {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(ev) = sse.next_event(left).await else {
            panic!("only {} of {want} exchanges announced in time", got.len());
        };
        if ev.event == "exchange.recorded" {
            assert_eq!(ev.data["type"], "exchange.recorded");
            messages += 1;
            got.extend(ev.data["exchanges"].as_array().unwrap().iter().cloned());
        } else {
            others.push(ev);
        }
    }
    (got, messages, others)
}

#[tokio::test]
async fn the_event_stream_delivers_exchanges_in_order() {
    let e = TestEngine::start().await;
    let mut sse = e.admin_events().await;
    let id = e.create_user("sse@example.com").await;
    for i in 0..40 {
        let r = e
            .get(&format!("/Users?filter=userName%20eq%20%22order-{i}%22"))
            .await;
        assert_eq!(r.status, 200);
    }
    let (got, messages, others) = collect_exchanges(&mut sse, 41).await;
    assert_eq!(got.len(), 41);
    assert!(
        ids(&got).windows(2).all(|w| w[0] < w[1]),
        "oldest first, in order"
    );
    assert_eq!(got[0]["operation"], "create");
    for (i, x) in got[1..].iter().enumerate() {
        assert!(
            x["query"]
                .as_str()
                .unwrap()
                .contains(&format!("order-{i}%22")),
            "{x}"
        );
    }
    assert!(messages < 41, "exchanges are batched: {messages} messages");
    // The create also announced the resource it changed.
    let mut changes = others;
    while !changes.iter().any(|c| c.event == "resource.changed") {
        match sse.next_event(WAIT).await {
            Some(ev) => changes.push(ev),
            None => panic!("no resource.changed"),
        }
    }
    let change = changes
        .iter()
        .find(|c| c.event == "resource.changed")
        .unwrap();
    let first = &change.data["changes"][0];
    assert_eq!(first["id"], id.as_str());
    assert_eq!(first["resourceType"], "User");
    assert_eq!(first["deleted"], false);
    assert_eq!(first["exchangeId"], got[0]["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_arrives_as_a_handful_of_messages() {
    let e = std::sync::Arc::new(TestEngine::start().await);
    let mut sse = e.admin_events().await;
    let n = 400;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let e = e.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..n / 8 {
                let r = e
                    .get(&format!("/Users?startIndex={}&count=1", w * 1000 + i + 1))
                    .await;
                assert_eq!(r.status, 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (got, messages, _) = collect_exchanges(&mut sse, n).await;
    assert_eq!(got.len(), n);
    assert!(ids(&got).windows(2).all(|w| w[0] < w[1]));
    assert!(
        messages * 8 <= n,
        "{n} exchanges arrived in {messages} messages: not batched"
    );
}

/// Writes announce the resources they changed in batches too: a burst of creates is a handful
/// of `resource.changed` messages, not one per user.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_creates_announces_its_resources_in_a_handful_of_messages() {
    if scimlab_tests::sqlite_only(
        "the batching bound is set by the SQLite capture writer's group commit (on PostgreSQL 400 creates arrive in about 240 messages)",
    ) {
        return;
    }
    let e = std::sync::Arc::new(TestEngine::start().await);
    let mut sse = e.admin_events().await;
    let n = 400;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let e = e.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..n / 8 {
                e.create_user(&format!("burst-{w}-{i}@example.com")).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (got, messages, mut others) = collect_exchanges(&mut sse, n).await;
    assert_eq!(got.len(), n);
    while let Some(ev) = sse.next_event(Duration::from_millis(500)).await {
        others.push(ev);
    }
    let change_messages: Vec<&SseEvent> = others
        .iter()
        .filter(|o| o.event == "resource.changed")
        .collect();
    let announced: usize = change_messages
        .iter()
        .map(|c| c.data["changes"].as_array().unwrap().len())
        .sum();
    assert_eq!(announced, n, "every created user announced once");
    assert!(
        (messages + change_messages.len()) * 4 <= n,
        "{n} creates arrived in {messages} + {} messages: not batched",
        change_messages.len()
    );
}

#[tokio::test]
async fn a_lagging_event_client_gets_resync_and_the_stream_goes_on() {
    // One thread: the publishing loop below runs to the end before the server reads anything,
    // so the subscriber falls behind by exactly what the bus cannot hold.
    let e = TestEngine::start().await;
    let mut sse = e.admin_events().await;
    let bus = &e.engine().events;
    for i in 0..3000 {
        bus.publish(EngineEvent::EndpointChanged {
            key_masked: format!("…{i:04}"),
        });
    }
    bus.publish(EngineEvent::Reset);
    let mut resync = None;
    let mut after_resync = 0;
    loop {
        let Some(ev) = sse.next_event(WAIT).await else {
            panic!("the stream stopped (resync seen: {resync:?})");
        };
        match ev.event.as_str() {
            "resync" => {
                assert!(resync.is_none(), "one resync");
                resync = Some(ev.data["missed"].as_u64().unwrap());
            }
            "endpoint.changed" => {
                if resync.is_some() {
                    after_resync += 1;
                } else {
                    panic!("an event before the resync: the client should have lagged");
                }
            }
            "reset" => break,
            other => panic!("unexpected {other}"),
        }
    }
    let missed = resync.expect("a resync event");
    assert_eq!(
        missed + after_resync + 1,
        3001,
        "missed + delivered = published"
    );
    assert!(missed > 0);
    // Still alive: a real exchange arrives after the resync.
    e.get("/Users").await;
    let (got, _, _) = collect_exchanges(&mut sse, 1).await;
    assert_eq!(got[0]["path"], "/scim/v2/Users");
}

#[tokio::test]
async fn shutdown_ends_open_event_streams() {
    let e = TestEngine::start().await;
    let mut sse = e.admin_events().await;
    tokio::time::timeout(WAIT, e.stop())
        .await
        .expect("graceful shutdown does not wait for the event stream");
    assert!(sse.next_event(Duration::from_secs(2)).await.is_none());
}

#[tokio::test]
async fn reset_deletes_users_groups_and_exchanges_and_keeps_the_key() {
    let e = TestEngine::start().await;
    let a = e.create_user("r1@example.com").await;
    e.create_user("r2@example.com").await;
    let g = e
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": a}]}),
        )
        .await;
    assert_eq!(g.status, 201);
    e.wait_for_exchanges("", 3).await;
    let mut sse = e.admin_events().await;
    let r = e.admin_send("DELETE", "/api/data").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.body,
        json!({"deleted": {"users": 2, "groups": 1, "exchanges": 3}})
    );
    loop {
        let ev = sse.next_event(WAIT).await.expect("reset event");
        if ev.event == "reset" {
            assert_eq!(ev.data, json!({"type": "reset", "workspace": "default"}));
            break;
        }
    }
    assert_eq!(e.admin_get("/api/users").await.body["totalResults"], 0);
    assert_eq!(e.admin_get("/api/groups").await.body["totalResults"], 0);
    assert_eq!(e.admin_get("/api/exchanges").await.body["items"], json!([]));
    // The key still works, the name is free again, and capture goes on.
    let again = e.get("/Users").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["totalResults"], 0);
    e.create_user("r1@example.com").await;
    assert_eq!(e.wait_for_exchanges("", 2).await.len(), 2);
}

#[tokio::test]
async fn rotating_the_key_takes_effect_at_once_and_only_reveal_shows_it() {
    let e = TestEngine::start().await;
    let old = e.key.clone();
    let info = e.admin_get("/api/endpoint").await;
    assert_eq!(info.status, 200);
    assert_eq!(info.body["tenantUrl"], e.base.as_str());
    assert_eq!(info.body["strict"], false);
    assert_eq!(
        info.body["keyMasked"],
        format!("…{}", &old[old.len() - 4..])
    );
    assert!(!info.text.contains(&old));
    let shown = e.admin_send("POST", "/api/endpoint/reveal").await;
    assert_eq!(shown.body, json!({"key": old}));
    assert_eq!(shown.header("cache-control"), "no-store");
    assert_eq!(
        e.admin_get("/api/endpoint/reveal").await.status,
        405,
        "reveal is a POST"
    );

    let mut sse = e.admin_events().await;
    let rotated = e.admin_send("POST", "/api/endpoint/rotate").await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    let masked = rotated.body["keyMasked"].as_str().unwrap().to_owned();
    let new = e.admin_send("POST", "/api/endpoint/reveal").await.body["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(masked, format!("…{}", &new[new.len() - 4..]));
    assert!(!rotated.text.contains(&new));
    let ev = sse.next_event(WAIT).await.expect("endpoint.changed");
    assert_eq!(ev.event, "endpoint.changed");
    assert_eq!(ev.data["keyMasked"], masked.as_str());
    assert!(!ev.data.to_string().contains(&new));
    assert_eq!(e.engine().scim_key(), new, "the shared copy is updated");

    let with_old = e
        .send_raw(
            "GET",
            "/Users",
            None,
            &[("authorization", &format!("Bearer {old}"))],
        )
        .await;
    scimlab_tests::assert_scim_error!(with_old, 401);
    let with_new = e
        .send_raw(
            "GET",
            "/Users",
            None,
            &[("authorization", &format!("Bearer {new}"))],
        )
        .await;
    assert_eq!(with_new.status, 200);
    let info = e.admin_get("/api/endpoint").await;
    assert_eq!(info.body["keyMasked"], masked.as_str());
    assert!(!info.text.contains(&new));
    let health = e.admin_get("/api/health").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["scimBaseUrl"], e.base.as_str());
    // The database, as the request found it.
    let backend = if scimlab_tests::on_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(health.body["database"]["backend"], backend);
    assert_eq!(health.body["database"]["up"], true);
    assert!(
        health.body["database"]["latencyMs"]
            .as_f64()
            .is_some_and(|ms| ms >= 0.0)
    );
    assert!(health.body["database"]["error"].is_null());
    assert!(
        health.body["version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
    assert!(!health.text.contains(&new));
}

#[tokio::test]
async fn retention_keeps_only_the_newest_exchanges() {
    let e = TestEngine::start_with(|c| c.retention = 5).await;
    for i in 0..12 {
        let r = e.get(&format!("/Users?startIndex={}", i + 1)).await;
        assert_eq!(r.status, 200);
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let r = e.admin_get("/api/exchanges?limit=500").await;
        let list = items(&r);
        let newest = list.first().is_some_and(|x| x["query"] == "startIndex=12");
        if newest {
            let queries: Vec<&str> = list.iter().map(|x| x["query"].as_str().unwrap()).collect();
            assert_eq!(
                queries,
                [
                    "startIndex=12",
                    "startIndex=11",
                    "startIndex=10",
                    "startIndex=9",
                    "startIndex=8"
                ],
                "the newest 5 are kept, the oldest dropped"
            );
            assert_eq!(e.admin_get("/api/health").await.body["exchanges"], 5);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not all recorded: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn strict_mode_shows_in_health_and_endpoint() {
    let e = TestEngine::strict().await;
    assert_eq!(e.admin_get("/api/health").await.body["strict"], true);
    assert_eq!(e.admin_get("/api/endpoint").await.body["strict"], true);
}

use scimlab_tests::scimlab_bin;

/// `scimlab serve` prints the admin login URL (the only place the token is shown); opening it
/// logs in; the token is never in the log. A non-loopback admin address is refused.
#[test]
fn serve_prints_the_admin_url_and_never_logs_the_token() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("admin-cli.db");
    let token = "cli-admin-token-0123456789";
    let mut child = Command::new(scimlab_bin())
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--scim-addr",
            "127.0.0.1:0",
        ])
        .args([
            "--admin-addr",
            "127.0.0.1:0",
            "--retention",
            "10",
            "--capture-body-cap",
            "1024",
        ])
        .env("SCIMLAB_ADMIN_TOKEN", token)
        .env("SCIMLAB_LOG", "debug")
        // A terminal's output, even when the test itself runs under systemd (the journal's
        // never gets the token: tests/src/packaging.rs).
        .env_remove("JOURNAL_STREAM")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().unwrap();
    // Drained from the start: a debug log (every SQL statement, the migrations' included)
    // outgrows a pipe's buffer, and an undrained pipe would block the engine's shutdown.
    let mut stderr = child.stderr.take().unwrap();
    let log_reader = std::thread::spawn(move || {
        let mut log = String::new();
        stderr.read_to_string(&mut log).unwrap();
        log
    });
    let text = scimlab_tests::serve_banner(stdout);
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Admin UI / API:"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no admin url in {text}"))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with(&format!("/?token={token}")),
        "{url}"
    );
    assert_eq!(
        text.matches(token).count(),
        1,
        "the token is printed once: {text}"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client.get(&url).send().await.unwrap();
        assert_eq!(login.status(), 303);
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let root = url.split("/?").next().unwrap();
        let health = client
            .get(format!("{root}/api/health"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
    });
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGINT: {status:?}");
    let log = log_reader.join().unwrap();
    assert!(!log.contains(token), "the admin token is in the log: {log}");

    let out = Command::new(scimlab_bin())
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--scim-addr",
            "127.0.0.1:0",
        ])
        .args(["--admin-addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("would be reachable from other machines")
            && err.contains("--tls-cert")
            && err.contains("--admin-addr"),
        "{err}"
    );
    let out = Command::new(scimlab_bin())
        .args(["serve", "--db", db.to_str().unwrap(), "--retention", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--retention"));
}
