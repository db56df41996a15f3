//! ScimLab on PostgreSQL (issue 17), whatever backend the rest of the suite runs on: several
//! instances on one database (an Entra simulation into one and an Okta one into the other,
//! live events from one reaching the other's stream, racing creates, a `times: 1` fault rule
//! fired once across both, an instance killed with SIGKILL losing nothing it acknowledged) and
//! the database stopped and started under load (`503` with `Retry-After` while it is down,
//! recovery without a restart, nothing acknowledged lost). Each test has a database of its own
//! on the tests' throwaway server (`scimlab-testdb`); the outage test a server of its own.

use scimlab_engine::simulate::{self, Scenario, Setup, SimOptions, SimulationReport, Verdict};
use scimlab_engine::store::Store;
use scimlab_engine::store::exchanges::ExchangeQuery;
use scimlab_engine::store::prelude::*;
use scimlab_tests::{TestEngine, scimlab_bin};
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// An engine on the PostgreSQL database `url` (another instance on it shares everything).
async fn instance(url: &str) -> TestEngine {
    let url = url.to_owned();
    TestEngine::start_with(move |c| c.database_url = Some(url)).await
}

fn user(name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "active": true})
}

async fn open(url: &str) -> Store {
    Store::open_postgres(url, scimlab_engine::database::DEFAULT_SCHEMA, 4)
        .await
        .expect("the database opens")
}

fn assert_all_green(r: &SimulationReport) {
    let bad: Vec<String> = r
        .steps
        .iter()
        .filter(|s| s.verdict != Verdict::Pass)
        .map(|s| {
            format!(
                "#{} {} {} -> {:?}: {:?}",
                s.index, s.name, s.path, s.status, s.explanation
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} steps failed:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

async fn simulate(e: &TestEngine, scenario: Scenario, users: usize, seed: u64) -> SimulationReport {
    let mut o = SimOptions::new(scenario);
    o.setup = Some(Setup::Full);
    o.users = users;
    o.seed = seed;
    o.rate = 0.0;
    let target = simulate::target(&e.base, &e.key).unwrap();
    let (_tx, rx) = watch::channel(false);
    simulate::run(&o, target, rx, &mut |_, _| {}).await.unwrap()
}

#[tokio::test]
async fn two_instances_serve_one_workspace_entra_into_one_okta_into_the_other() {
    let url = scimlab_testdb::fresh_database("two");
    let a = instance(&url).await;
    let b = instance(&url).await;
    assert_eq!(
        a.key, b.key,
        "one workspace, one key: the second instance reads the first's"
    );
    let (entra, okta) = tokio::join!(
        simulate(&a, Scenario::Entra, 12, 7),
        simulate(&b, Scenario::Okta, 12, 8)
    );
    assert_all_green(&entra);
    assert_all_green(&okta);
    // Both instances see every user and every exchange, whichever took it.
    let users_a = a.get("/Users?count=1").await.body["totalResults"].clone();
    let users_b = b.get("/Users?count=1").await.body["totalResults"].clone();
    assert_eq!(users_a, users_b);
    assert!(users_a.as_i64().unwrap() > 0);
    let sent = (entra.steps.len() + okta.steps.len()) as i64;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let store = open(&url).await;
        let stored = store.read().await.unwrap().count_exchanges().await.unwrap();
        store.close().await;
        if stored >= sent {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{stored} of {sent} exchanges stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The checklist of each IdP is scored from every instance's traffic.
    let checklist = b.admin_get("/api/checklist?idp=entra").await;
    assert_eq!(checklist.status, 200, "{}", checklist.text);
}

#[tokio::test]
async fn a_write_on_one_instance_reaches_the_other_instances_event_stream_within_a_second() {
    let url = scimlab_testdb::fresh_database("events");
    let a = instance(&url).await;
    let b = instance(&url).await;
    let mut stream = b.admin_events().await;
    // Let the relay's listener settle (its LISTEN runs once the engine is up).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let id = a.create_user("relayed@example.com").await;
    loop {
        let left = Duration::from_secs(1).saturating_sub(started.elapsed());
        let Some(event) = stream.next_event(left).await else {
            panic!("instance b's stream showed nothing of a's write within a second");
        };
        let text = event.data.to_string();
        if event.event == "resource.changed" && text.contains(&id) {
            break;
        }
    }
}

#[tokio::test]
async fn racing_creates_of_one_user_name_across_instances_give_exactly_one_201() {
    let url = scimlab_testdb::fresh_database("race");
    let a = instance(&url).await;
    let b = instance(&url).await;
    for round in 0..5 {
        let name = format!("race{round}@example.com");
        let body = user(&name);
        let sends = (0..8).map(|i| {
            let target = if i % 2 == 0 { &a } else { &b };
            target.post("/Users", &body)
        });
        let replies = futures_like_join_all(sends).await;
        let created = replies.iter().filter(|r| r.status == 201).count();
        let conflicts = replies.iter().filter(|r| r.status == 409).count();
        assert_eq!((created, conflicts), (1, 7), "round {round}: {replies:?}");
    }
}

/// Every future of `futures`, run together (no extra dependency for one join).
async fn futures_like_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut out = Vec::with_capacity(handles.len());
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

#[tokio::test]
async fn a_times_1_fault_rule_fires_once_across_both_instances() {
    let url = scimlab_testdb::fresh_database("fault");
    let a = instance(&url).await;
    let b = instance(&url).await;
    let rule = json!({"name": "once", "match": {"operation": "create"},
        "action": {"status": 503, "retryAfter": 1}, "times": 1});
    assert_eq!(a.admin_json("POST", "/api/faults", &rule).await.status, 201);
    // The rule reaches b through the relay: wait until b lists it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.admin_get("/api/faults").await.body["rules"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        assert!(
            Instant::now() < deadline,
            "instance b never read the rule a added"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut faulted = 0;
    for i in 0..10 {
        let target = if i % 2 == 0 { &b } else { &a };
        let r = target
            .post("/Users", &user(&format!("f{i}@example.com")))
            .await;
        match r.status.as_u16() {
            201 => {}
            503 => faulted += 1,
            other => panic!("create {i}: {other} {}", r.text),
        }
    }
    assert_eq!(
        faulted, 1,
        "a times: 1 rule fires once whichever instance serves"
    );
}

#[tokio::test]
async fn an_instance_killed_mid_cycle_loses_no_acknowledged_write_or_its_exchange() {
    const KEY: &str = "postgres-kill-test-key-0123456789";
    let url = scimlab_testdb::fresh_database("kill");
    let mut child = Command::new(scimlab_bin())
        .args([
            "serve",
            "--scim-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
            "--token",
            KEY,
        ])
        .env("SCIMLAB_DATABASE_URL", &url)
        .env("SCIMLAB_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let banner = scimlab_tests::serve_banner(child.stdout.take().unwrap());
    assert!(
        banner.contains("Database:") && banner.contains("postgres://"),
        "{banner}"
    );
    let base = banner
        .lines()
        .find_map(|l| l.split("Tenant URL / SCIM connector base URL:").nth(1))
        .map(|u| u.trim().to_owned())
        .unwrap_or_else(|| panic!("no tenant url in {banner}"));
    // Writes until the kill: every 201 is a write the IdP will not send again.
    let http = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    let started = Instant::now();
    let mut i = 0;
    let mut killed = false;
    while started.elapsed() < Duration::from_millis(1500) {
        let r = http
            .post(format!("{base}/Users"))
            .bearer_auth(KEY)
            .header("content-type", "application/scim+json")
            .body(user(&format!("k{i}@example.com")).to_string())
            .send()
            .await;
        if let Ok(r) = r
            && r.status() == 201
        {
            let body: Value = r.json().await.unwrap();
            acknowledged.push(body["id"].as_str().unwrap().to_owned());
        }
        i += 1;
        if !killed && (acknowledged.len() == 40 || started.elapsed() > Duration::from_millis(1000))
        {
            child.kill().unwrap(); // SIGKILL, mid-cycle
            killed = true;
        }
    }
    if !killed {
        child.kill().unwrap();
    }
    let _ = child.wait();
    assert!(
        acknowledged.len() >= 20,
        "only {} writes before the kill",
        acknowledged.len()
    );
    let store = open(&url).await;
    let mut r = store.read().await.unwrap();
    for id in &acknowledged {
        assert!(
            r.resource(scimlab_scim::ResourceKind::User, id)
                .await
                .unwrap()
                .is_some(),
            "acknowledged user {id} is gone"
        );
        let q = ExchangeQuery {
            limit: 10,
            resource_id: Some(id.clone()),
            ..Default::default()
        };
        let evidence = r.exchange_summaries(&q).await.unwrap();
        assert!(
            evidence.iter().any(|e| e.status == 201),
            "the create of acknowledged user {id} has no exchange"
        );
    }
}

#[tokio::test]
async fn the_database_stopped_under_load_answers_503_then_recovers_without_a_restart() {
    let mut server = scimlab_testdb::Server::start("outage");
    let url = server.url("postgres");
    let e = instance(&url).await;
    let mut acknowledged = Vec::new();
    for i in 0..10 {
        let r = e
            .post("/Users", &user(&format!("before{i}@example.com")))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        acknowledged.push(r.body["id"].as_str().unwrap().to_owned());
    }
    server.stop();
    let down = e.post("/Users", &user("during@example.com")).await;
    scimlab_tests::assert_scim_error!(down, 503);
    assert!(!down.header("retry-after").is_empty(), "{down:?}");
    let health = e.admin_get("/api/health").await;
    assert_eq!(health.status, 503, "{}", health.text);
    assert_eq!(health.body["database"]["backend"], "postgresql");
    assert_eq!(health.body["database"]["up"], false);
    server.start_again();
    // Recovery without a restart: the pool reconnects by itself.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut i = 0;
    loop {
        let r = e
            .post("/Users", &user(&format!("after{i}@example.com")))
            .await;
        if r.status == 201 {
            acknowledged.push(r.body["id"].as_str().unwrap().to_owned());
            break;
        }
        assert_eq!(r.status, 503, "while reconnecting: {}", r.text);
        assert!(Instant::now() < deadline, "no recovery within 15 s");
        i += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(e.admin_get("/api/health").await.status, 200);
    for id in &acknowledged {
        assert_eq!(
            e.get(&format!("/Users/{id}")).await.status,
            200,
            "user {id}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_database_at_start_is_one_line_naming_the_url_without_its_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(scimlab_bin())
        .args([
            "serve",
            "--scim-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
        ])
        .env(
            "SCIMLAB_DATABASE_URL",
            format!("postgres://scim:hunter2secret@127.0.0.1:{port}/scimlab"),
        )
        .env("SCIMLAB_LOG", "off")
        // As a user runs it: no backtrace asked for.
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("hunter2secret"), "{stderr}");
    assert!(
        stderr.contains(&format!("postgres://scim:***@127.0.0.1:{port}/scimlab")),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

/// `scimlab <args…>`: its stdout, after checking it succeeded. It runs off the test's runtime,
/// so the engine of the test goes on serving meanwhile (its capture writer may hold the
/// workspace's write lock the command waits for).
async fn scimlab_ok(args: Vec<std::ffi::OsString>) -> String {
    let mut command = Command::new(scimlab_bin());
    command.args(&args).env("SCIMLAB_LOG", "warn");
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "scimlab {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `scimlab <args…> --database-url <url>` (see [`scimlab_ok`]).
async fn cli(args: &[&str], url: &str) -> String {
    let mut all: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    all.extend(["--database-url".into(), url.into()]);
    scimlab_ok(all).await
}

#[tokio::test]
async fn the_cli_commands_take_the_database_url() {
    let url = scimlab_testdb::fresh_database("cli");
    let e = instance(&url).await;
    e.create_user("cli@example.com").await;
    // The running engine's key, read and rotated through the database.
    assert_eq!(cli(&["token", "show"], &url).await.trim(), e.key);
    let rotated = cli(&["token", "rotate"], &url).await;
    assert_ne!(rotated.trim(), e.key);
    let deadline = Instant::now() + Duration::from_secs(5);
    while e.get("/Users").await.status != 401 {
        assert!(Instant::now() < deadline, "the old key still works");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Workspaces: each one a schema of the same database.
    let created = cli(&["workspace", "create", "Contoso Entra"], &url).await;
    assert!(created.contains("contoso-entra"), "{created}");
    let listed: Value =
        serde_json::from_str(&cli(&["workspace", "list", "--json"], &url).await).unwrap();
    let slugs: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["default", "contoso-entra"]);
    assert_eq!(listed[0]["users"], 1);
    let key = cli(&["token", "show", "--workspace", "contoso-entra"], &url).await;
    assert!(key.trim().len() >= 16);
    // The report reads the same data.
    let report: Value =
        serde_json::from_str(&cli(&["report", "--format", "json"], &url).await).unwrap();
    assert!(report.to_string().contains("cli@example.com"), "{report}");
    // The hand-over file: out of PostgreSQL, into a SQLite database, and back into PostgreSQL.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.scimlab");
    let file_arg = file.to_str().unwrap();
    let exported = cli(&["workspace", "export", "default", "-o", file_arg], &url).await;
    assert!(exported.contains("holds no scim key"), "{exported}");
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"), "a SQLite file");
    let needle = rotated.trim().as_bytes();
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the file holds no key"
    );
    let laptop = dir.path().join("laptop.db");
    scimlab_ok(vec![
        "workspace".into(),
        "import".into(),
        file_arg.into(),
        "--db".into(),
        laptop.clone().into(),
    ])
    .await;
    let on_laptop = Store::open(&laptop.parent().unwrap().join("workspaces/default-2.db"))
        .await
        .unwrap();
    let users = on_laptop
        .read()
        .await
        .unwrap()
        .count_resources(scimlab_scim::ResourceKind::User)
        .await
        .unwrap();
    assert_eq!(users, 1, "the user came along into the SQLite file");
    on_laptop.close().await;
    let imported = cli(
        &["workspace", "import", file_arg, "--name", "From File"],
        &url,
    )
    .await;
    assert!(imported.contains("(from-file)"), "{imported}");
    let key = cli(&["token", "show", "--workspace", "from-file"], &url).await;
    let listed = e
        .http
        .get(format!(
            "{}/Users",
            e.base.replace("/scim/v2", "/w/from-file/scim/v2")
        ))
        .bearer_auth(key.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200, "the running engine serves the import");
    assert!(listed.text().await.unwrap().contains("cli@example.com"));
    let deleted = cli(&["workspace", "delete", "contoso-entra"], &url).await;
    assert!(deleted.contains("scimlab_w_contoso_entra"), "{deleted}");
    let store = Store::open_postgres(&url, "scimlab_w_contoso_entra", 2)
        .await
        .unwrap();
    let users = store
        .read()
        .await
        .unwrap()
        .count_resources(scimlab_scim::ResourceKind::User)
        .await
        .unwrap();
    assert_eq!(
        users, 0,
        "a deleted workspace's schema is gone (opening made it afresh)"
    );
    store.close().await;
}

/// `psql` on `url`, off the test's runtime (the engine of the test goes on serving meanwhile).
async fn sql(url: &str, statement: &str) -> String {
    let (url, statement) = (url.to_owned(), statement.to_owned());
    tokio::task::spawn_blocking(move || scimlab_testdb::psql(&url, &statement))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_write_and_its_exchange_are_committed_together_or_not_at_all() {
    let url = scimlab_testdb::fresh_database("together");
    let e = instance(&url).await;
    // The capture log refuses every row for a moment: a write can then not have its evidence.
    sql(
        &url,
        "CREATE FUNCTION scimlab.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON scimlab.exchanges
         FOR EACH STATEMENT EXECUTE FUNCTION scimlab.refuse();",
    )
    .await;
    let refused = e.post("/Users", &user("ada@contoso.example")).await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(!refused.header("retry-after").is_empty(), "IdPs retry it");
    assert!(
        refused.text.contains("nothing was changed"),
        "{}",
        refused.text
    );
    assert_eq!(
        sql(&url, "SELECT count(*) FROM scimlab.resources").await,
        "0",
        "the write was not committed without its exchange"
    );
    sql(&url, "DROP TRIGGER refuse ON scimlab.exchanges").await;
    // The IdP's retry: the write and its exchange, together.
    let created = e.post("/Users", &user("ada@contoso.example")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(
        sql(
            &url,
            &format!(
                "SELECT count(*) FROM scimlab.exchanges WHERE resource_id = '{id}' AND status = 201 AND operation = 'create'"
            )
        )
        .await,
        "1"
    );
    // Writes of one workspace are serialised: the exchange's id is not below the ones of
    // requests answered before the write (the lookup an IdP sends first).
    let lookup = e
        .get("/Users?filter=userName%20eq%20%22grace%40contoso.example%22")
        .await;
    assert_eq!(lookup.status, 200);
    let grace = e.post("/Users", &user("grace@contoso.example")).await;
    assert_eq!(grace.status, 201);
    let order = sql(
        &url,
        "SELECT string_agg(method, ',' ORDER BY id) FROM (SELECT id, method FROM scimlab.exchanges ORDER BY id DESC LIMIT 2) last",
    )
    .await;
    assert_eq!(order, "GET,POST", "the lookup is stored before the create");
}

/// A SCIM request to `e` as the IdP whose User-Agent is `agent`: status and body.
async fn scim_as(
    e: &TestEngine,
    method: reqwest::Method,
    path: &str,
    agent: &str,
    body: &Value,
) -> (u16, Value) {
    let r = e
        .http
        .request(method, format!("{}{path}", e.base))
        .bearer_auth(&e.key)
        .header("user-agent", agent)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Poll `e`'s `/api/roles` until `want` holds of it (at most 10 s); the last summary.
async fn roles_until(e: &TestEngine, what: &str, want: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let summary = e.admin_get("/api/roles").await.body;
        if want(&summary) {
            return summary;
        }
        assert!(Instant::now() < deadline, "{what}: {summary}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_mapping_results_of_one_instance_follow_writes_made_through_the_other() {
    use scimlab_engine::simulate::{ENTRA_USER_AGENT, OKTA_USER_AGENT};
    const CUSTOM: &str = "urn:ietf:params:scim:schemas:extension:ScimLab:2.0:User";
    let url = scimlab_testdb::fresh_database("remap");
    let a = instance(&url).await;
    let b = instance(&url).await;
    // B has read (and materialised) the empty workspace before A writes.
    assert_eq!(b.admin_get("/api/roles").await.body["total"], 0);
    let (status, admin) = scim_as(
        &a,
        reqwest::Method::POST,
        "/Users",
        ENTRA_USER_AGENT,
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada@contoso.example", "active": true, CUSTOM: {"employeeType": "Admin"}}),
    )
    .await;
    assert_eq!(status, 201, "{admin}");
    let (status, _) = scim_as(
        &a,
        reqwest::Method::POST,
        "/Users",
        OKTA_USER_AGENT,
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bob@contoso.example", "active": true}),
    )
    .await;
    assert_eq!(status, 201);
    roles_until(&b, "B maps A's creates", |s| {
        s["total"] == 2 && s["byRole"]["admin"] == 1 && s["byRole"]["member"] == 1
    })
    .await;
    // A demotes the admin: B's results follow the change feed in the shared database.
    let id = admin["id"].as_str().unwrap();
    let (status, body) = scim_as(
        &a,
        reqwest::Method::PATCH,
        &format!("/Users/{id}"),
        ENTRA_USER_AGENT,
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": format!("{CUSTOM}:employeeType"), "value": "Member"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let summary = roles_until(&b, "B follows A's PATCH", |s| {
        s["total"] == 2 && s["byRole"]["admin"] == 0 && s["byRole"]["member"] == 2
    })
    .await;
    // And B's results are A's.
    assert_eq!(a.admin_get("/api/roles").await.body, summary);
}

#[tokio::test]
async fn a_personal_token_revoked_is_refused_at_once_by_every_instance() {
    let url = scimlab_testdb::fresh_database("revoke");
    let a = instance(&url).await;
    let b = instance(&url).await;
    let token = cli(&["admin-user", "add", "ci-bot", "--role", "operator"], &url).await;
    let token = token.trim();
    let get = |e: &TestEngine| {
        let auth = format!("Bearer {token}");
        let url = e.admin_url("/api/exchanges");
        let http = e.http.clone();
        async move {
            http.get(url)
                .header("authorization", auth)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Both instances take it (each checks its hash once, then remembers it).
    assert_eq!((get(&a).await, get(&b).await), (200, 200));
    assert_eq!((get(&a).await, get(&b).await), (200, 200));
    cli(&["admin-user", "revoke", "ci-bot"], &url).await;
    assert_eq!(
        (get(&a).await, get(&b).await),
        (401, 401),
        "refused on the very next request, by both"
    );
}
