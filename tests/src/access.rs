//! Personal admin tokens and roles (issue 18): `scimlab admin-user add|list|revoke` on the
//! engine's database (SQLite file or PostgreSQL, whichever the suite runs on), each role's
//! token against every admin route (a `403` that names the role needed below it, never a `401`
//! or `403` at or above it), a revoked token refused at once, and wrong tokens.

use scimlab_tests::{Reply, TestEngine, fetch, scimlab_bin};
use serde_json::Value;

/// `scimlab admin-user <args…>` on `e`'s database: exit code, stdout, stderr.
async fn admin_user(e: &TestEngine, args: &[&str]) -> (i32, String, String) {
    let mut all: Vec<String> = vec!["admin-user".into()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    all.extend(e.db_args());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(scimlab_bin())
            .args(&all)
            .env_remove("SCIMLAB_DB")
            .env_remove("SCIMLAB_DATABASE_URL")
            .output()
            .expect("run scimlab")
    })
    .await
    .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A new admin user's token.
async fn add(e: &TestEngine, name: &str, role: &str) -> String {
    let (code, out, err) = admin_user(e, &["add", name, "--role", role]).await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("shown only now"), "{err}");
    let token = out.trim().to_owned();
    assert!(token.starts_with("slp_"), "{token}");
    token
}

async fn call(e: &TestEngine, token: &str, method: &str, path: &str) -> Reply {
    let auth = format!("Bearer {token}");
    let body = (method != "GET" && method != "DELETE").then(|| "{}".to_owned());
    fetch(
        &e.http,
        method,
        &e.admin_url(path),
        body,
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ],
    )
    .await
}

/// Every admin route (with a workspace's copy of some), and the role it needs.
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/api/health", "viewer"),
    ("GET", "/api/endpoint", "viewer"),
    ("GET", "/api/exchanges", "viewer"),
    ("GET", "/api/exchanges/export", "viewer"),
    ("GET", "/api/timeline", "viewer"),
    ("GET", "/api/users", "viewer"),
    ("GET", "/api/groups", "viewer"),
    ("GET", "/api/roles", "viewer"),
    ("GET", "/api/mapping", "viewer"),
    ("GET", "/api/mapping/users", "viewer"),
    ("GET", "/api/checklist", "viewer"),
    ("GET", "/api/checklist/report?idp=entra", "viewer"),
    ("GET", "/api/quirks", "viewer"),
    ("GET", "/api/settings", "viewer"),
    ("GET", "/api/profiles", "viewer"),
    ("POST", "/api/profiles/check", "viewer"),
    ("GET", "/api/attributes", "viewer"),
    ("GET", "/api/faults", "viewer"),
    ("GET", "/api/workspaces", "viewer"),
    ("GET", "/api/workspaces/acme", "viewer"),
    ("GET", "/api/workspaces/acme/exchanges", "viewer"),
    ("GET", "/metrics", "viewer"),
    ("GET", "/api/session", "viewer"),
    ("GET", "/api/audit", "owner"),
    ("GET", "/api/admin-users", "owner"),
    ("PUT", "/api/settings", "operator"),
    ("PUT", "/api/profiles/active", "operator"),
    ("PUT", "/api/profiles/custom", "operator"),
    ("DELETE", "/api/profiles/custom", "operator"),
    ("POST", "/api/faults", "operator"),
    ("PUT", "/api/faults/1", "operator"),
    ("PATCH", "/api/faults/1", "operator"),
    ("DELETE", "/api/faults/1", "operator"),
    ("DELETE", "/api/faults", "operator"),
    ("POST", "/api/replays", "operator"),
    ("POST", "/api/simulations", "operator"),
    ("POST", "/api/workspaces/acme/simulations", "operator"),
    ("DELETE", "/api/workspaces/acme/data", "operator"),
    ("DELETE", "/api/data", "operator"),
    ("POST", "/api/endpoint/reveal", "owner"),
    ("POST", "/api/workspaces/acme/endpoint/reveal", "owner"),
    ("POST", "/api/endpoint/rotate", "owner"),
    ("POST", "/api/workspaces", "owner"),
    ("POST", "/api/workspaces/import", "owner"),
    ("PATCH", "/api/workspaces/acme", "owner"),
];

const ROLES: [&str; 3] = ["viewer", "operator", "owner"];

/// An engine with a second workspace, `acme` (made with this launch's admin token).
async fn engine_with_acme() -> TestEngine {
    let e = TestEngine::start().await;
    let made = e
        .admin_json(
            "POST",
            "/api/workspaces",
            &serde_json::json!({"name": "Acme"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    e
}

#[tokio::test]
async fn each_role_reaches_the_admin_routes_it_may_and_is_told_which_role_the_others_need() {
    let e = engine_with_acme().await;
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((role, add(&e, &format!("{role}-bot"), role).await));
    }
    for (method, path, needed) in ROUTES {
        let rank = |r: &str| ROLES.iter().position(|x| *x == r).unwrap();
        for (role, token) in &tokens {
            let r = call(&e, token, method, path).await;
            if rank(role) < rank(needed) {
                assert_eq!(r.status, 403, "{role} {method} {path}: {}", r.text);
                let said = r.body["error"].as_str().unwrap_or_default();
                assert!(
                    said.contains(&format!("needs the {needed} role"))
                        && said.contains(&format!("{role}-bot is a {role}")),
                    "{role} {method} {path}: {said}"
                );
            } else {
                assert!(
                    r.status != 401 && r.status != 403,
                    "{role} {method} {path}: {} {}",
                    r.status,
                    r.text
                );
            }
        }
    }
    // The launch's token stays an owner.
    assert_eq!(
        e.admin_send("POST", "/api/endpoint/reveal").await.status,
        200
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_and_wrong_tokens_are_told_apart() {
    let e = TestEngine::start().await;
    let token = add(&e, "ci-bot", "viewer").await;
    assert_eq!(call(&e, &token, "GET", "/api/exchanges").await.status, 200);
    // A second add of a live name is refused; the list shows roles, never tokens.
    let (code, _, err) = admin_user(&e, &["add", "ci-bot", "--role", "owner"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("exists already"), "{err}");
    let (code, listed, _) = admin_user(&e, &["list", "--json"]).await;
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed[0]["name"], "ci-bot");
    assert_eq!(listed[0]["role"], "viewer");
    assert!(
        !listed.to_string().contains(&token[4..16]),
        "no token in the list"
    );
    let (code, out, _) = admin_user(&e, &["revoke", "ci-bot"]).await;
    assert_eq!(code, 0, "{out}");
    let refused = call(&e, &token, "GET", "/api/exchanges").await;
    assert_eq!(refused.status, 401, "refused at once: {}", refused.text);
    assert!(
        refused.body["error"].as_str().unwrap().contains("revoked"),
        "{}",
        refused.text
    );
    let (code, _, err) = admin_user(&e, &["revoke", "ci-bot"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("no active admin user"), "{err}");
    // The name is free again, with a new token; the old one stays refused.
    let again = add(&e, "ci-bot", "operator").await;
    assert_ne!(again, token);
    assert_eq!(call(&e, &again, "GET", "/api/exchanges").await.status, 200);
    assert_eq!(call(&e, &token, "GET", "/api/exchanges").await.status, 401);
    // A forged token of the right shape, and one with the right id but another secret.
    let forged = format!("slp_{}_{}", &again[4..16], "0".repeat(64));
    assert_eq!(call(&e, &forged, "GET", "/api/exchanges").await.status, 401);
    let unknown = format!("slp_000000000000_{}", "0".repeat(64));
    assert_eq!(
        call(&e, &unknown, "GET", "/api/exchanges").await.status,
        401
    );
    let (code, _, err) = admin_user(&e, &["add", "has space", "--role", "viewer"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("invalid admin user name"), "{err}");
}

#[tokio::test]
async fn the_audit_log_keeps_who_did_what_where_and_only_owners_read_it() {
    let e = engine_with_acme().await;
    let viewer = add(&e, "vera", "viewer").await;
    let operator = add(&e, "otto", "operator").await;
    // Reads are not actions; a refused write is kept, as are an operator's and an export.
    assert_eq!(call(&e, &viewer, "GET", "/api/exchanges").await.status, 200);
    assert_eq!(
        call(&e, &viewer, "DELETE", "/api/workspaces/acme/data")
            .await
            .status,
        403
    );
    assert_eq!(
        call(&e, &operator, "DELETE", "/api/workspaces/acme/data")
            .await
            .status,
        200
    );
    assert_eq!(
        call(&e, &operator, "GET", "/api/workspaces/acme/export")
            .await
            .status,
        200
    );
    assert_eq!(call(&e, &viewer, "GET", "/api/audit").await.status, 403);
    assert_eq!(call(&e, &operator, "GET", "/api/audit").await.status, 403);
    let log = e.admin_get("/api/audit").await;
    assert_eq!(log.status, 200, "{}", log.text);
    let items = log.body["items"].as_array().unwrap();
    let seen: Vec<(String, String, String, String, String, i64)> = items
        .iter()
        .map(|i| {
            (
                i["actor"].as_str().unwrap().to_owned(),
                i["role"].as_str().unwrap().to_owned(),
                i["method"].as_str().unwrap().to_owned(),
                i["path"].as_str().unwrap().to_owned(),
                i["workspace"].as_str().unwrap().to_owned(),
                i["status"].as_i64().unwrap(),
            )
        })
        .collect();
    let row = |a: &str, r: &str, m: &str, p: &str, w: &str, s: i64| {
        (
            a.to_owned(),
            r.to_owned(),
            m.to_owned(),
            p.to_owned(),
            w.to_owned(),
            s,
        )
    };
    assert_eq!(
        seen,
        [
            row(
                "otto",
                "operator",
                "GET",
                "/api/workspaces/acme/export",
                "acme",
                200
            ),
            row(
                "otto",
                "operator",
                "DELETE",
                "/api/workspaces/acme/data",
                "acme",
                200
            ),
            row(
                "vera",
                "viewer",
                "DELETE",
                "/api/workspaces/acme/data",
                "acme",
                403
            ),
            row(
                "admin token",
                "owner",
                "POST",
                "/api/workspaces",
                "default",
                201
            ),
        ],
        "newest first; reads are not kept"
    );
    assert_eq!(items[0]["client"], "127.0.0.1");
    assert!(items[0]["at"].as_str().unwrap().ends_with('Z'));
    // Pages: the next one starts below the last id.
    let page = e.admin_get("/api/audit?limit=2").await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    let before = page.body["nextBefore"].as_i64().unwrap();
    let rest = e.admin_get(&format!("/api/audit?before={before}")).await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(rest.body["nextBefore"], Value::Null);
    assert_eq!(e.admin_get("/api/audit?limit=0").await.status, 400);
    // Who holds a token: for owners, without the tokens or their hashes.
    assert_eq!(
        call(&e, &operator, "GET", "/api/admin-users").await.status,
        403
    );
    let people = e.admin_get("/api/admin-users").await;
    assert_eq!(people.status, 200, "{}", people.text);
    assert_eq!(people.body[0]["name"], "otto");
    assert_eq!(people.body[1]["role"], "viewer");
    assert!(!people.text.contains("argon2") && !people.text.contains(&operator[4..16]));
}
