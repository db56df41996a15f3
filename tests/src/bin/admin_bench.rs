//! `scimlab-admin-bench`: the admin views the UI reads, timed right after a SCIM write, at a
//! population size of your choice (issue: admin views flat in size).
//!
//! Usage:
//! - `scimlab-admin-bench seed <DIR> [USERS]` (default 100 000): start an engine on
//!   `<DIR>/scimlab.db` and create USERS users over HTTP, about two thirds the way Entra ID sends
//!   them (its role in an extension's `employeeType`) and a third the way Okta does (a top-level
//!   `role`), with a mix of valid, missing and invalid roles; then stop it. Seed once, copy the
//!   directory, run on copies.
//! - `scimlab-admin-bench run <DIR> [SAMPLES]` (default 50): start an engine on that database
//!   and, SAMPLES times each, PATCH a user's role (Entra's shape) and immediately read one view:
//!   `/api/roles`, `/api/checklist?idp=entra`, `/api/checklist?idp=okta`, a `/api/users` page,
//!   the user's page. Then choose another mapping profile and time how long until every user is
//!   re-evaluated (`/api/mapping` says `updating: false`; an engine without that route: the first
//!   `/api/roles` after the choice), and the views' latency meanwhile. Prints a Markdown table.
//!
//! Only 127.0.0.1 is contacted; every loop is bounded.

use scimlab_engine::simulate::{ENTRA_USER_AGENT, OKTA_USER_AGENT};
use scimlab_engine::{Engine, EngineConfig, EngineHandle};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 8;
const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:ScimLab:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

struct Client {
    http: reqwest::Client,
    scim: String,
    admin: String,
    key: String,
    token: String,
}

impl Client {
    fn new(h: &EngineHandle) -> Self {
        Self {
            http: reqwest::Client::new(),
            scim: h.scim_base_url(),
            admin: h.admin_base_url(),
            key: h.scim_key(),
            token: h.admin_token(),
        }
    }

    async fn scim(&self, method: &str, path: &str, agent: &str, body: Option<&Value>) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.scim))
            .bearer_auth(&self.key)
            .header("user-agent", agent);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("scim request");
        let status = resp.status();
        let text = resp.text().await.expect("scim body");
        assert!(status.is_success(), "{status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.admin))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("admin request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("admin body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn start(dir: &std::path::Path) -> EngineHandle {
    let mut config = EngineConfig::new(dir.join("scimlab.db"));
    config.scim_addr = "127.0.0.1:0".parse().expect("addr");
    config.admin_addr = "127.0.0.1:0".parse().expect("addr");
    Engine::start(config).await.expect("engine starts")
}

/// User `i` of the seed: Entra's shape (role in an extension) or Okta's (top-level `role`).
fn user_body(i: usize) -> (Value, &'static str) {
    let name = format!("user{i:06}@bench.example");
    let role = match i % 10 {
        0 => Some("Admin"),
        1 => None,
        2 => Some("admin"),
        _ => Some("Member"),
    };
    if i % 3 == 2 {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "name": {"givenName": "Bench", "familyName": format!("User {i}")},
            "emails": [{"primary": true, "value": name, "type": "work"}],
            "displayName": format!("Bench User {i}"),
            "active": true,
            "email": name,
        });
        if let Some(r) = role {
            body["role"] = json!(r);
        }
        (body, OKTA_USER_AGENT)
    } else {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": format!("ext-{i:06}"),
            "userName": name,
            "active": true,
            "displayName": format!("Bench User {i}"),
            "emails": [{"primary": true, "type": "work", "value": name}],
            "meta": {"resourceType": "User"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Bench"},
        });
        if let Some(r) = role {
            body[CUSTOM] = json!({"employeeType": r});
        }
        (body, ENTRA_USER_AGENT)
    }
}

async fn seed(dir: PathBuf, users: usize) {
    std::fs::create_dir_all(&dir).expect("seed dir");
    let handle = start(&dir).await;
    let client = Arc::new(Client::new(&handle));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let c = client.clone();
        workers.push(tokio::spawn(async move {
            let mut i = w;
            while i < users {
                let (body, agent) = user_body(i);
                c.scim("POST", "/Users", agent, Some(&body)).await;
                i += CONCURRENCY;
                if w == 0 && i % 10_000 < CONCURRENCY {
                    eprintln!("… {i} users");
                }
            }
        }));
    }
    for w in workers {
        w.await.expect("seed worker");
    }
    eprintln!(
        "seeded {users} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    handle.shutdown().await.expect("clean shutdown");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn row(name: &str, mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "| {name} | {} | {} | {} | {} | {} |",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().expect("a sample")),
    )
}

/// Ids of `n` users spread over the population (one `/api/users` page per 500).
async fn some_users(c: &Client, n: usize) -> Vec<String> {
    let (_, page) = c
        .admin("GET", &format!("/api/users?count={}", n.min(500)), None)
        .await;
    page["resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn run(dir: PathBuf, samples: usize) {
    let handle = start(&dir).await;
    let c = Client::new(&handle);
    let (_, health) = c.admin("GET", "/api/health", None).await;
    eprintln!("engine up: {health}");
    let ids = some_users(&c, 500).await;
    assert!(!ids.is_empty(), "seed the database first");
    // The first read builds whatever the engine keeps (not what this bench times).
    let warm = Instant::now();
    let (status, _) = c.admin("GET", "/api/roles", None).await;
    assert_eq!(status, 200);
    eprintln!(
        "first /api/roles: {:.0} ms; {}",
        warm.elapsed().as_secs_f64() * 1e3,
        memory()
    );
    let mut table = Vec::new();
    let views: [(&str, &str); 5] = [
        ("/api/roles", "/api/roles"),
        ("/api/checklist?idp=entra", "/api/checklist?idp=entra"),
        ("/api/checklist?idp=okta", "/api/checklist?idp=okta"),
        ("/api/users?count=50", "/api/users?count=50"),
        ("/api/users/{id}", ""),
    ];
    for (name, path) in views {
        let mut times = Vec::with_capacity(samples);
        for s in 0..samples {
            let id = &ids[(s * 7919) % ids.len()];
            let role = if s % 2 == 0 { "Admin" } else { "Member" };
            let patch = json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "Replace", "path": format!("{CUSTOM}:employeeType"), "value": role}]});
            c.scim(
                "PATCH",
                &format!("/Users/{id}"),
                ENTRA_USER_AGENT,
                Some(&patch),
            )
            .await;
            let path = if path.is_empty() {
                format!("/api/users/{id}")
            } else {
                path.to_owned()
            };
            let t = Instant::now();
            let (status, body) = c.admin("GET", &path, None).await;
            times.push(t.elapsed());
            assert_eq!(status, 200, "{path}: {body}");
        }
        table.push(row(&format!("GET {name} right after a PATCH"), times));
        eprintln!("{}", table.last().expect("row"));
    }

    // A profile change: every user re-evaluated.
    let (has_status, _) = c.admin("GET", "/api/mapping", None).await;
    for profile in ["okta", "auto"] {
        let t = Instant::now();
        let (status, body) = c
            .admin("PUT", "/api/profiles/active", Some(&json!({"id": profile})))
            .await;
        assert_eq!(status, 200, "{body}");
        let answered = t.elapsed();
        let mut during = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(600);
        let done = loop {
            assert!(
                Instant::now() < deadline,
                "re-evaluation took over 10 minutes"
            );
            let r = Instant::now();
            let (status, roles) = c.admin("GET", "/api/roles", None).await;
            during.push(r.elapsed());
            assert_eq!(status, 200, "{roles}");
            if has_status == 404 {
                break t.elapsed();
            }
            let (_, m) = c.admin("GET", "/api/mapping", None).await;
            if m["updating"] == false && m["profileId"] == profile {
                break t.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        table.push(format!(
            "| PUT /api/profiles/active {profile}: answered in {} ms, every user re-evaluated after {} ms | | | | | |",
            ms(answered),
            ms(done)
        ));
        table.push(row(
            &format!("GET /api/roles while re-evaluating for {profile}"),
            during,
        ));
        eprintln!("{}", table[table.len() - 2]);
    }
    eprintln!("at the end: {}", memory());
    handle.shutdown().await.expect("clean shutdown");
    println!("| request | samples | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for line in table {
        println!("{line}");
    }
}

/// This process's resident memory now and at its peak (Linux; empty elsewhere).
fn memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: scimlab-admin-bench seed <DIR> [USERS] | run <DIR> [SAMPLES]";
    let cmd = args.next().expect(usage);
    let dir = PathBuf::from(args.next().expect(usage));
    let n: Option<usize> = args.next().and_then(|a| a.parse().ok());
    match cmd.as_str() {
        "seed" => seed(dir, n.unwrap_or(100_000)).await,
        "run" => run(dir, n.unwrap_or(50).max(1)).await,
        _ => panic!("{usage}"),
    }
}
