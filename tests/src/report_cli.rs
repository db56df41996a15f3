//! The hand-over files, end to end: Okta provisions users into a real engine (one named
//! `<script>alert(1)</script>@x`, one sent with a password) and a request fails; then
//! `scimlab report` (html, json, md) and `scimlab export har` run on the stopped engine's
//! database. The files name the users, escape what they sent, and never hold the SCIM key or a
//! password; the exit code says whether a checklist item fails. The admin route serves the same
//! HTML.

use scimlab_tests::{Reply, TestEngine, scimlab_bin};
use serde_json::{Value, json};
use std::path::Path;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const OKTA_UA: &str = "Okta SCIM Client 1.0.0";
const SCRIPT_NAME: &str = "<script>alert(1)</script>@x";
const PASSWORD: &str = "Sup3r-secret!";

/// A request as Okta sends it.
async fn okta(e: &TestEngine, method: &str, path: &str, body: &Value) -> Reply {
    let auth = format!("Bearer {}", e.key);
    e.send_raw(
        method,
        path,
        Some(body.to_string()),
        &[
            ("authorization", auth.as_str()),
            ("user-agent", OKTA_UA),
            ("content-type", "application/scim+json"),
        ],
    )
    .await
}

/// Run the binary off the (single-threaded) test runtime: exit code, stdout, stderr.
async fn scimlab(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(scimlab_bin())
            .args(&args)
            .env_remove("SCIMLAB_DB")
            .env_remove("SCIMLAB_DATABASE_URL")
            .output()
            .expect("run scimlab");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .expect("the scimlab process was awaited")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn assert_no_secrets(what: &str, text: &str, key: &str) {
    assert!(!text.contains(key), "{what} holds the scim key");
    assert!(!text.contains(PASSWORD), "{what} holds a password");
}

fn any_failing_item(report: &Value) -> bool {
    report["checklists"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["items"].as_array().unwrap())
        .any(|i| i["status"] == "fail")
}

/// Okta's traffic: a user named like a script, one with an invalid role and a password, and a
/// duplicate create that fails (409).
async fn provision(e: &TestEngine) {
    let r = okta(
        e,
        "POST",
        "/Users",
        &json!({"schemas": [CORE], "userName": SCRIPT_NAME, "active": true,
                "name": {"givenName": "Mallory", "familyName": "Tables"}}),
    )
    .await;
    assert_eq!(r.status, 201, "{r:?}");
    let ada = json!({"schemas": [CORE], "userName": "ada@example.com", "active": true,
        "displayName": "Ada Lovelace", "email": "ada@example.com", "role": "Owner",
        "password": PASSWORD});
    let r = okta(e, "POST", "/Users", &ada).await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = okta(e, "POST", "/Users", &ada).await;
    assert_eq!(r.status, 409, "{r:?}");
    e.wait_for_exchanges("", 3).await;
}

#[tokio::test]
async fn report_and_har_hold_the_users_escaped_and_no_secret() {
    let e = TestEngine::start().await;
    provision(&e).await;

    // The admin route: HTML on request, Markdown by default, a bad format named.
    let html = e
        .admin_get("/api/checklist/report?idp=okta&format=html")
        .await;
    assert_eq!(html.status, 200, "{}", html.text);
    assert!(html.header("content-type").starts_with("text/html"));
    assert!(html.header("content-disposition").contains(".html"));
    assert!(html.text.contains("ada@example.com"));
    assert!(
        html.text
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;@x")
    );
    assert!(!html.text.contains(SCRIPT_NAME));
    assert_no_secrets("the admin html report", &html.text, &e.key);
    let md = e.admin_get("/api/checklist/report?idp=okta").await;
    assert!(md.header("content-type").starts_with("text/markdown"));
    let bad = e
        .admin_get("/api/checklist/report?idp=okta&format=pdf")
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("format=html"), "{}", bad.text);

    let key = e.key.clone();
    let flags = e.db_args();
    let dir = e.stop().await;
    let (db_flag, db) = (flags[0].as_str(), flags[1].as_str());
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();

    // JSON on stdout: the data, and whether an item fails.
    let (code, stdout, stderr) = scimlab(args(&["report", db_flag, db, "--format", "json"])).await;
    let report: Value = serde_json::from_str(&stdout).expect("the json report parses");
    assert!(
        any_failing_item(&report),
        "the invalid role fails an item: {stdout}"
    );
    assert_eq!(code, 1, "a failing item exits 1: {stderr}");
    assert!(
        stderr.contains("failing checklist items: okta "),
        "{stderr}"
    );
    assert_eq!(report["checklists"][0]["idp"], "okta");
    let names: Vec<&str> = report["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, [SCRIPT_NAME, "ada@example.com"]);
    let failure = &report["failures"][0];
    assert_eq!(failure["status"], 409);
    assert_eq!(failure["diagnosis"]["cause"], "uniqueness");
    assert!(
        failure["requestBody"]
            .as_str()
            .unwrap()
            .contains("[redacted]")
    );
    assert_no_secrets("the json report", &stdout, &key);

    // HTML to a file.
    let html_file = out("report.html");
    let (code, stdout, stderr) = scimlab(args(&["report", db_flag, db, "-o", &html_file])).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "-o writes the file, not stdout");
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("ada@example.com"));
    assert!(html.contains("Ada Lovelace"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@x"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("Setup checklist — Okta"));
    assert!(html.contains("Failing requests"));
    assert_no_secrets("the html report", &html, &key);

    // Markdown: the checklist.
    let (code, stdout, _) =
        scimlab(args(&["report", db_flag, db, "--format", "md", "-o", "-"])).await;
    assert_eq!(code, 1);
    assert!(
        stdout.contains("# ScimLab setup checklist — Okta"),
        "{stdout}"
    );
    assert_no_secrets("the markdown report", &stdout, &key);

    // The HAR the UI exports.
    let har_file = out("traffic.har");
    let (code, _, stderr) = scimlab(args(&["export", "har", db_flag, db, "-o", &har_file])).await;
    assert_eq!(code, 0, "{stderr}");
    let har_text = std::fs::read_to_string(Path::new(&har_file)).unwrap();
    let har: Value = serde_json::from_str(&har_text).expect("the har parses");
    let entries = har["log"]["entries"].as_array().expect("log.entries");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[2]["response"]["status"], 409);
    assert_no_secrets("the har", &har_text, &key);
}

#[tokio::test]
async fn report_exits_0_without_a_failing_item_and_2_when_it_cannot_run() {
    if scimlab_tests::sqlite_only("drives the CLI with --db on the engine's file") {
        return;
    }
    let e = TestEngine::start().await;
    let key = e.key.clone();
    let db = e.db_path();
    let dir = e.stop().await;
    let db = db.to_str().unwrap().to_owned();
    // Nothing captured: Okta's checklist is all "not yet seen", nothing fails.
    let (code, stdout, stderr) = scimlab(args(&[
        "report", "--db", &db, "--idp", "okta", "--format", "json",
    ]))
    .await;
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(!any_failing_item(&report));
    assert_eq!(report["checklists"].as_array().unwrap().len(), 1);
    assert_no_secrets("the empty report", &stdout, &key);
    let (code, stdout, _) = scimlab(args(&["report", "--db", &db])).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("no Entra ID or Okta traffic captured yet"));
    // No database there: 2, naming the flag.
    let missing = dir.path().join("nope.db");
    let (code, _, stderr) = scimlab(args(&["report", "--db", missing.to_str().unwrap()])).await;
    assert_eq!(code, 2);
    assert!(stderr.contains("--db"), "{stderr}");
    assert!(!missing.exists(), "a report never creates a database");
    let (code, _, _) = scimlab(args(&["export", "har", "--db", missing.to_str().unwrap()])).await;
    assert_eq!(code, 2);
    // A file it cannot write: 2.
    let (code, _, stderr) = scimlab(args(&[
        "report",
        "--db",
        &db,
        "-o",
        dir.path().join("no/such/dir/r.html").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(code, 2, "{stderr}");
}
