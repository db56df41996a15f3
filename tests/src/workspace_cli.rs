//! `scimlab workspace create|list|rename|delete|export|import` and `--workspace` on `token`,
//! `simulate`, `report` and `export har`, run as the real binary on one database: the
//! workspace made by the CLI is served by an engine started afterwards (and by one already
//! running), the simulator provisions into it, its export holds no key and imports as a new
//! workspace; every mistake exits 2 with a message that names the fix.

use scimlab_tests::{TestEngine, fetch, scimlab_bin};
use serde_json::{Value, json};
use std::path::Path;

/// Run the binary off the test runtime: exit code, stdout, stderr.
async fn scimlab(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(scimlab_bin())
            .args(&args)
            .env_remove("SCIMLAB_DB")
            .env_remove("SCIMLAB_WORKSPACE")
            .env_remove("SCIMLAB_SCIM_ADDR")
            .env_remove("SCIMLAB_SIM_TOKEN")
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

async fn ok(args: &[&str]) -> String {
    let (code, out, err) = scimlab(args).await;
    assert_eq!(code, 0, "scimlab {args:?} failed: {err}{out}");
    out
}

async fn fails(args: &[&str], says: &str) {
    let (code, out, err) = scimlab(args).await;
    assert_eq!(code, 2, "scimlab {args:?} should fail: {out}{err}");
    assert!(
        err.contains(says),
        "scimlab {args:?} should say '{says}': {err}"
    );
    assert!(err.starts_with("error: "), "{err}");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn the_workspace_commands_from_create_to_delete() {
    if scimlab_tests::sqlite_only("drives the CLI with --db on the engine's files") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("scimlab.db");
    let db = db_path.to_str().unwrap().to_owned();

    let out = ok(&[
        "workspace",
        "create",
        "Contoso Entra",
        "--template",
        "entra-guide",
        "--db",
        &db,
    ])
    .await;
    assert!(
        out.contains("contoso-entra") && out.contains("/w/contoso-entra/scim/v2"),
        "{out}"
    );
    fails(
        &["workspace", "create", "contoso entra", "--db", &db],
        "already exists",
    )
    .await;
    fails(
        &["workspace", "create", " -- ", "--db", &db],
        "no letter or digit",
    )
    .await;

    let list: Value =
        serde_json::from_str(&ok(&["workspace", "list", "--json", "--db", &db]).await).unwrap();
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["default", "contoso-entra"]);
    assert_eq!(list[1]["name"], "Contoso Entra");
    assert_eq!(
        list[1]["tenantUrl"],
        "http://127.0.0.1:8787/w/contoso-entra/scim/v2"
    );
    assert_eq!(list[1]["template"], "entra-guide");

    let key = ok(&["token", "show", "--workspace", "contoso-entra", "--db", &db])
        .await
        .trim()
        .to_owned();
    let default_key = ok(&["token", "show", "--db", &db]).await.trim().to_owned();
    assert!(key.len() >= 32 && key != default_key, "its own key");
    let (code, _, err) = scimlab(&["token", "show", "--workspace", "nope", "--db", &db]).await;
    assert!(
        code != 0 && err.contains("no workspace 'nope'"),
        "{code}: {err}"
    );

    ok(&[
        "workspace",
        "rename",
        "contoso-entra",
        "Contoso",
        "--db",
        &db,
    ])
    .await;
    fails(
        &["workspace", "rename", "ghost", "X", "--db", &db],
        "no workspace 'ghost'",
    )
    .await;

    // An engine on that database serves it; the simulator provisions into it with --workspace.
    let e = TestEngine::start_in(dir, |_| {}).await;
    let addr = e.engine().scim_addr.to_string();
    let tenant = format!("http://{addr}/w/contoso-entra/scim/v2");
    let auth = format!("Bearer {key}");
    let r = fetch(
        &e.http,
        "GET",
        &format!("{tenant}/Users"),
        None,
        &[("authorization", auth.as_str())],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let out = ok(&[
        "simulate",
        "okta",
        "--workspace",
        "contoso-entra",
        "--db",
        &db,
        "--scim-addr",
        &addr,
        "--users",
        "3",
    ])
    .await;
    assert!(out.contains("/w/contoso-entra/scim/v2"), "{out}");
    let users = e.admin_get("/api/workspaces/contoso-entra/users").await;
    assert!(
        users.body["totalResults"].as_i64().unwrap() >= 3,
        "{}",
        users.text
    );
    assert_eq!(
        e.admin_get("/api/users").await.body["totalResults"],
        0,
        "nothing in default"
    );
    // Made while the engine runs: served at once.
    ok(&["workspace", "create", "Late Comer", "--db", &db]).await;
    let late_key = ok(&["token", "show", "--workspace", "late-comer", "--db", &db])
        .await
        .trim()
        .to_owned();
    let late = format!("Bearer {late_key}");
    let r = fetch(
        &e.http,
        "GET",
        &format!("http://{addr}/w/late-comer/scim/v2/Users"),
        None,
        &[("authorization", late.as_str())],
    )
    .await;
    assert_eq!(
        r.status, 200,
        "a workspace created by the cli is served by the running engine: {}",
        r.text
    );
    let dir = e.stop().await;

    // Hand-over: export (plain and pseudonymised), import, report and HAR per workspace.
    let file = dir.path().join("contoso.scimlab");
    let file_s = file.to_str().unwrap();
    let out = ok(&[
        "workspace",
        "export",
        "contoso-entra",
        "-o",
        file_s,
        "--db",
        &db,
    ])
    .await;
    assert!(out.contains("no scim key"), "{out}");
    let bytes = std::fs::read(&file).unwrap();
    assert!(!contains(&bytes, &key), "the export holds no key");
    fails(
        &[
            "workspace",
            "export",
            "contoso-entra",
            "-o",
            file_s,
            "--db",
            &db,
        ],
        "will not overwrite",
    )
    .await;
    let pseudo = dir.path().join("pseudo.scimlab");
    let out = ok(&[
        "workspace",
        "export",
        "contoso-entra",
        "-o",
        pseudo.to_str().unwrap(),
        "--pseudonymise",
        "--db",
        &db,
    ])
    .await;
    assert!(out.contains("pseudonymised"), "{out}");

    let out = ok(&[
        "workspace",
        "import",
        file_s,
        "--name",
        "Contoso Copy",
        "--db",
        &db,
    ])
    .await;
    assert!(out.contains("contoso-copy"), "{out}");
    let copy_key = ok(&["token", "show", "--workspace", "contoso-copy", "--db", &db])
        .await
        .trim()
        .to_owned();
    assert_ne!(copy_key, key, "an import gets a new key");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not an export").unwrap();
    fails(
        &["workspace", "import", notes.to_str().unwrap(), "--db", &db],
        "not a scimlab workspace export",
    )
    .await;

    let (code, report, err) = scimlab(&[
        "report",
        "--workspace",
        "contoso-copy",
        "--format",
        "json",
        "--db",
        &db,
    ])
    .await;
    assert!(code == 0 || code == 1, "{err}");
    let report: Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert!(
        report["users"].as_array().is_some_and(|u| u.len() >= 3),
        "the copy's users are in its report"
    );
    let har = ok(&["export", "har", "--workspace", "contoso-copy", "--db", &db]).await;
    assert!(har.contains("\"entries\""), "a HAR");
    assert!(
        !har.contains(&key) && !har.contains(&copy_key),
        "no key in the HAR"
    );

    // Delete: its file goes; default cannot be deleted.
    let ws_file = dir.path().join("workspaces").join("contoso-copy.db");
    assert!(ws_file.exists());
    let out = ok(&["workspace", "delete", "contoso-copy", "--db", &db]).await;
    assert!(out.contains("erased"), "{out}");
    assert!(!Path::new(&ws_file).exists());
    fails(
        &["workspace", "delete", "default", "--db", &db],
        "cannot be deleted",
    )
    .await;
    let list: Value =
        serde_json::from_str(&ok(&["workspace", "list", "--json", "--db", &db]).await).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default", "Contoso", "Late Comer"]);
    assert_eq!(
        list[1]["users"],
        json!(list[1]["users"].as_i64().unwrap()),
        "counts are numbers"
    );
}
