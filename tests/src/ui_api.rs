//! What the UI and the desktop shell need from the engine (issue 6): runtime settings that
//! change strict mode and retention at once, the quirk explanations, the HAR export and the
//! checklist report (redacted like everything else), the built UI served on the admin listener
//! behind the token with a strict CSP and no way out of its directory, CORS for the desktop
//! webview's origin only, and a taken SCIM port reported with a free one to use instead.

use scimlab_engine::{Engine, EngineConfig, EngineError};
use scimlab_tests::{TestEngine, fetch};
use serde_json::json;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

#[tokio::test]
async fn settings_switch_strict_mode_and_retention_while_serving() {
    let t = TestEngine::start().await;
    let r = t.admin_get("/api/settings").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["strict"], false);
    assert_eq!(
        r.body["scimAddr"],
        t.engine().scim_addr.to_string(),
        "{r:?}"
    );
    let mut events = t.admin_events().await;

    // Tolerant: Entra's string boolean is accepted.
    let entra_user = json!({"schemas": [USER], "userName": "a@example.com", "active": "True"});
    assert_eq!(t.post("/Users", &entra_user).await.status, 201);

    let r = t
        .admin_json("PUT", "/api/settings", &json!({"strict": true}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["strict"], true);
    let e = loop {
        let e = events
            .next_event(scimlab_tests::WAIT)
            .await
            .expect("settings.changed event");
        if e.event == "settings.changed" {
            break e;
        }
    };
    assert_eq!(e.data["settings"]["strict"], true, "{e:?}");
    // The very next SCIM request is answered strictly.
    let strict_user = json!({"schemas": [USER], "userName": "b@example.com", "active": "True"});
    let r = t.post("/Users", &strict_user).await;
    assert_eq!(r.status, 400, "strict mode refuses a string boolean: {r:?}");
    assert_eq!(t.admin_get("/api/endpoint").await.body["strict"], true);

    // Bad values change nothing and name the fix.
    for (body, needle) in [
        (json!({"retention": 0}), "invalid retention 0"),
        (
            json!({"strict": false, "retention": 20_000_000}),
            "10000000",
        ),
        (json!({"strictMode": true}), "unknown field"),
    ] {
        let r = t.admin_json("PUT", "/api/settings", &body).await;
        assert_eq!(r.status, 400, "{body}: {r:?}");
        assert!(
            r.body["error"].as_str().unwrap_or("").contains(needle),
            "{body}: {r:?}"
        );
    }
    assert_eq!(
        t.admin_get("/api/settings").await.body["strict"],
        true,
        "a refused body must not apply its valid half"
    );

    // Retention 3: after more traffic only the newest 3 exchanges stay.
    let r = t
        .admin_json(
            "PUT",
            "/api/settings",
            &json!({"retention": 3, "strict": false}),
        )
        .await;
    assert_eq!(r.body["retention"], 3, "{r:?}");
    for i in 0..6 {
        t.get(&format!("/Users?filter=userName%20eq%20%22n{i}%22"))
            .await;
    }
    let deadline = tokio::time::Instant::now() + scimlab_tests::WAIT;
    loop {
        let n = t.admin_get("/api/health").await.body["exchanges"]
            .as_i64()
            .unwrap();
        if n == 3 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{n} exchanges kept");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn quirks_are_explained_from_the_engine_s_own_list() {
    let t = TestEngine::start().await;
    let r = t.admin_get("/api/quirks").await;
    assert_eq!(r.status, 200, "{r:?}");
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), scimlab_scim::Quirk::ALL.len());
    let sb = list
        .iter()
        .find(|q| q["label"] == "entra.string-boolean")
        .expect("entra.string-boolean listed");
    assert!(sb["summary"].as_str().unwrap().contains("string"), "{sb}");
    assert_eq!(sb["rfcAllows"], false);
}

#[tokio::test]
async fn the_har_export_holds_the_filtered_traffic_redacted() {
    let t = TestEngine::start().await;
    let user =
        json!({"schemas": [USER], "userName": "har@example.com", "password": "Sup3r-secret!"});
    assert_eq!(t.post("/Users", &user).await.status, 201);
    t.get("/Users?filter=userName%20eq%20%22nobody%22").await;
    let r = t
        .send_raw(
            "GET",
            "/Users",
            None,
            &[("authorization", "Bearer wrong-key-0000")],
        )
        .await;
    assert_eq!(r.status, 401);
    t.wait_for_exchanges("", 3).await;

    let r = t.admin_get("/api/exchanges/export").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.header("content-disposition")
            .contains("scimlab-traffic.har")
    );
    let entries = r.body["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{}", r.text);
    assert_eq!(r.body["log"]["version"], "1.2");
    // Oldest first, full URLs on the SCIM origin, ScimLab's labels alongside.
    assert_eq!(entries[0]["request"]["method"], "POST");
    assert_eq!(
        entries[0]["request"]["url"],
        format!("{}/Users", t.base),
        "{}",
        entries[0]
    );
    assert_eq!(entries[0]["response"]["status"], 201);
    assert_eq!(entries[0]["_scimlab"]["operation"], "create");
    assert_eq!(entries[1]["request"]["queryString"][0]["name"], "filter");
    // Nothing secret: not the key, not the password, not the wrong key.
    assert!(
        !r.text.contains(&t.key),
        "the scim key leaked into the export"
    );
    assert!(!r.text.contains("Sup3r-secret!"), "a password leaked");
    assert!(!r.text.contains("wrong-key-0000"), "a sent token leaked");

    // Filters apply; a bad one is a 400 naming it.
    let r = t.admin_get("/api/exchanges/export?status=4xx").await;
    let entries = r.body["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["response"]["status"], 401);
    let r = t.admin_get("/api/exchanges/export?limit=10001").await;
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.text.contains("from 1 to 10000"), "{r:?}");
}

#[tokio::test]
async fn the_checklist_report_is_markdown_with_every_item() {
    let t = TestEngine::start().await;
    let r = t.admin_get("/api/checklist/report?idp=okta").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.header("content-type").starts_with("text/markdown"));
    assert!(
        r.text.starts_with("# ScimLab setup checklist — Okta"),
        "{}",
        r.text
    );
    let checklist = t.admin_get("/api/checklist?idp=okta").await;
    for item in checklist.body["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        assert!(r.text.contains(&format!("`{id}`")), "{id} missing");
    }
    assert!(r.text.contains("[NOT YET SEEN]"));
    let r = t.admin_get("/api/checklist/report?idp=azure").await;
    assert_eq!(r.status, 400, "{r:?}");
}

/// A GET written byte for byte on a socket (no client-side path normalisation).
async fn raw_get(addr: std::net::SocketAddr, path: &str, token: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(scimlab_tests::WAIT, s.read_to_end(&mut out))
        .await
        .expect("answer in time")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn ui_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>ScimLab</title><div id=root></div>",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/app.js"), "console.log(1)").unwrap();
    dir
}

#[tokio::test]
async fn the_built_ui_is_served_behind_the_token_with_a_strict_csp() {
    let ui = ui_dir();
    let path = ui.path().to_path_buf();
    let t = TestEngine::start_with(|c| c.ui_dir = Some(path)).await;
    let r = t.admin_get("/").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.text.contains("<div id=root>"), "{}", r.text);
    let csp = r.header("content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    let r = t.admin_get("/assets/app.js").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("text/javascript"));
    // Not logged in: the page says how; the assets are not served either.
    let r = t.admin_raw("GET", "/assets/app.js", &[]).await;
    assert_eq!(r.status, 401);
    // Nothing outside the directory, and /api stays the API. Sent raw: an HTTP client would
    // normalise the dots away before the server saw them.
    let secret = ui.path().parent().unwrap().join("outside.txt");
    std::fs::write(&secret, "secret-file-content").ok();
    for path in [
        "/../outside.txt",
        "/assets/../../outside.txt",
        "/assets/%2e%2e/%2e%2e/outside.txt",
        "/assets/..%2f..%2foutside.txt",
        "/assets\\..\\..\\outside.txt",
    ] {
        let reply = raw_get(t.engine().admin_addr, path, &t.admin_token()).await;
        assert!(
            reply.starts_with("HTTP/1.1 404") || reply.starts_with("HTTP/1.1 400"),
            "{path}: {reply}"
        );
        assert!(!reply.contains("secret-file-content"), "{path}: {reply}");
    }
    assert_eq!(t.admin_get("/api/nope").await.status, 404);
    std::fs::remove_file(&secret).ok();
}

#[tokio::test]
async fn without_a_ui_the_root_is_the_placeholder_page() {
    let t = TestEngine::start().await;
    let r = t.admin_get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("/api/exchanges"), "{}", r.text);
    assert_eq!(t.admin_get("/assets/app.js").await.status, 404);
}

#[tokio::test]
async fn cors_admits_the_desktop_webview_and_no_one_else() {
    let t = TestEngine::start_with(|c| {
        c.admin_allowed_origins = vec!["tauri://localhost".into()];
    })
    .await;
    let preflight = |origin: &'static str| {
        let url = t.admin_url("/api/settings");
        let http = t.http.clone();
        async move {
            fetch(
                &http,
                "OPTIONS",
                &url,
                None,
                &[
                    ("origin", origin),
                    ("access-control-request-method", "PUT"),
                    (
                        "access-control-request-headers",
                        "authorization, content-type",
                    ),
                ],
            )
            .await
        }
    };
    let ok = preflight("tauri://localhost").await;
    assert!(ok.status.is_success(), "{ok:?}");
    assert_eq!(
        ok.header("access-control-allow-origin"),
        "tauri://localhost"
    );
    assert!(
        ok.header("access-control-allow-headers")
            .to_ascii_lowercase()
            .contains("authorization")
    );
    let evil = preflight("http://evil.example").await;
    assert_eq!(evil.header("access-control-allow-origin"), "", "{evil:?}");

    // A write from the webview origin with the token goes through; from another origin not.
    let auth = format!("Bearer {}", t.admin_token());
    let body = Some(json!({"strict": true}).to_string());
    let put = |origin: &'static str| {
        let url = t.admin_url("/api/settings");
        let http = t.http.clone();
        let auth = auth.clone();
        let body = body.clone();
        async move {
            fetch(
                &http,
                "PUT",
                &url,
                body,
                &[
                    ("origin", origin),
                    ("authorization", auth.as_str()),
                    ("content-type", "application/json"),
                ],
            )
            .await
        }
    };
    let r = put("tauri://localhost").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), "tauri://localhost");
    let r = put("http://127.0.0.1:5173").await;
    assert_eq!(r.status, 403, "{r:?}");

    // `scimlab serve` (no allowed origins) sends no CORS headers at all.
    let plain = TestEngine::start().await;
    let r = fetch(
        &plain.http,
        "OPTIONS",
        &plain.admin_url("/api/settings"),
        None,
        &[
            ("origin", "tauri://localhost"),
            ("access-control-request-method", "GET"),
        ],
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), "", "{r:?}");
}

#[tokio::test]
async fn a_taken_scim_port_is_reported_with_a_free_one() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = blocker.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path().join("scimlab.db"));
    config.scim_addr = taken;
    config.admin_addr = "127.0.0.1:0".parse().unwrap();
    let Err(e) = Engine::start(config).await else {
        panic!("the engine started on a taken port");
    };
    let EngineError::ScimAddrInUse { addr, suggestion } = &e else {
        panic!("wrong error: {e}");
    };
    assert_eq!(*addr, taken);
    let suggestion = suggestion.expect("a free port nearby");
    assert_ne!(suggestion.port(), taken.port());
    assert!(e.to_string().contains("already in use"), "{e}");
    let state = serde_json::to_value(scimlab_engine::host::ConnectionState::failed(&e)).unwrap();
    assert_eq!(state["problem"]["kind"], "scim-port-in-use");
    // The offered port works.
    let mut config = EngineConfig::new(dir.path().join("scimlab.db"));
    config.scim_addr = suggestion;
    config.admin_addr = "127.0.0.1:0".parse().unwrap();
    let engine = Engine::start(config)
        .await
        .expect("starts on the offered port");
    assert_eq!(engine.scim_addr, suggestion);
    engine.shutdown().await.unwrap();
    drop(blocker);
}

#[tokio::test]
async fn a_retention_out_of_range_is_refused_at_start_not_clamped() {
    // Clamped, a retention of 0 from a hand-edited desktop.json (or the shell's restart command)
    // would silently drop every captured exchange but one.
    let dir = tempfile::tempdir().unwrap();
    for retention in [0, -5, 10_000_001] {
        let mut config = EngineConfig::new(dir.path().join("scimlab.db"));
        config.scim_addr = "127.0.0.1:0".parse().unwrap();
        config.admin_addr = "127.0.0.1:0".parse().unwrap();
        config.retention = retention;
        let Err(e) = Engine::start(config).await else {
            panic!("the engine started with retention {retention}");
        };
        assert!(
            matches!(e, EngineError::InvalidRetention { .. }),
            "wrong error: {e}"
        );
        let message = e.to_string();
        assert!(
            message.contains(&format!("invalid retention {retention}"))
                && message.contains("10000000")
                && message.contains("--retention"),
            "{message}"
        );
    }
}
