//! *Make it public*: the engine runs a cloudflared quick tunnel to the SCIM port and watches it,
//! or reads an ngrok tunnel from ngrok's local API. cloudflared is a fake here: a shell script
//! written per test that prints to stderr what the real one prints (INF lines, then the box with
//! the URL) and then sleeps, exits or stays silent. Its path goes through `EngineConfig` (or
//! `SCIMLAB_CLOUDFLARED` for the CLI's own process), so parallel tests never share it.

use reqwest::StatusCode;
use scimlab_tests::{SseStream, TestEngine, scimlab_bin};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

const FAKE_URL: &str = "https://fake-words-1234.trycloudflare.com";
/// Nothing listens on the discard port: no ngrok.
const NO_NGROK: &str = "http://127.0.0.1:9/api/tunnels";

const BANNER: &str = r#"
echo "2024-05-01T10:00:00Z INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out." >&2
echo "2024-05-01T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com..." >&2
"#;
const BOX: &str = r#"
echo "2024-05-01T10:00:01Z INF +--------------------------------------------------------------------------------------------+" >&2
echo "2024-05-01T10:00:01Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |" >&2
echo "2024-05-01T10:00:01Z INF |  https://fake-words-1234.trycloudflare.com                                                 |" >&2
echo "2024-05-01T10:00:01Z INF +--------------------------------------------------------------------------------------------+" >&2
"#;

/// Write an executable fake cloudflared running `body` after recording its arguments and pid
/// beside itself (`args`, `pid`).
fn fake_cloudflared(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("cloudflared");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" > \"${{0%/*}}/args\"\necho $$ > \"${{0%/*}}/pid\"\n{BANNER}{body}\n"
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A fake that prints the URL and then runs until killed (at most 30 s).
fn running_fake(dir: &Path) -> PathBuf {
    fake_cloudflared(dir, &format!("{BOX}exec sleep 30"))
}

fn alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would still have one (and state Z).
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

async fn engine_with(fake: Option<&Path>, ngrok_api: &str, timeout: Duration) -> TestEngine {
    let fake = fake.map(Path::to_path_buf);
    let ngrok_api = ngrok_api.to_owned();
    TestEngine::start_with(move |c| {
        c.cloudflared = fake.unwrap_or_else(|| "/nonexistent/scimlab-tests/cloudflared".into());
        c.ngrok_api = ngrok_api;
        c.tunnel_url_timeout = timeout;
    })
    .await
}

/// The next `tunnel.changed` event's state; fails after `within`.
async fn next_tunnel(events: &mut SseStream, within: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let e = events
            .next_event(left)
            .await
            .expect("a tunnel.changed event in time");
        if e.event == "tunnel.changed" {
            return e.data["tunnel"].clone();
        }
    }
}

/// Events until one with `status`; fails after `within`.
async fn until_status(events: &mut SseStream, status: &str, within: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let t = next_tunnel(events, left).await;
        if t["status"] == status {
            return t;
        }
    }
}

async fn tunnel_of(e: &TestEngine) -> Value {
    let r = e.admin_get("/api/endpoint").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["tunnel"].clone()
}

#[tokio::test]
async fn make_it_public_runs_cloudflared_on_the_scim_port_and_announces_the_public_tenant_url() {
    let dir = tempfile::tempdir().unwrap();
    let fake = running_fake(dir.path());
    let e = engine_with(Some(&fake), NO_NGROK, Duration::from_secs(10)).await;
    assert_eq!(tunnel_of(&e).await["status"], "off");
    let mut events = e.admin_events().await;

    let r = e.admin_send("POST", "/api/endpoint/tunnel").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "starting", "{r:?}");
    assert_eq!(r.body["provider"], "cloudflared");
    assert!(r.body["startedAt"].is_string(), "{r:?}");
    assert_eq!(
        next_tunnel(&mut events, Duration::from_secs(5)).await["status"],
        "starting"
    );
    let running = next_tunnel(&mut events, Duration::from_secs(10)).await;
    assert_eq!(running["status"], "running", "{running}");
    assert_eq!(running["publicUrl"], FAKE_URL);
    assert_eq!(running["tenantUrl"], format!("{FAKE_URL}/scim/v2"));
    assert_eq!(running["previousUrl"], Value::Null);

    let shown = tunnel_of(&e).await;
    assert_eq!(shown, running, "GET /api/endpoint tells the same state");
    // Only the SCIM port is tunnelled.
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    let scim_port = e.engine().scim_addr.port();
    assert_eq!(
        args.trim(),
        format!("tunnel --no-autoupdate --url http://127.0.0.1:{scim_port}")
    );
    assert_ne!(scim_port, e.engine().admin_addr.port());

    let again = e.admin_send("POST", "/api/endpoint/tunnel").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert!(
        again.body["error"]
            .as_str()
            .unwrap()
            .contains("already running"),
        "{again:?}"
    );
}

#[tokio::test]
async fn stop_kills_cloudflared_and_turns_the_tunnel_off() {
    let dir = tempfile::tempdir().unwrap();
    let fake = running_fake(dir.path());
    let e = engine_with(Some(&fake), NO_NGROK, Duration::from_secs(10)).await;
    let mut events = e.admin_events().await;
    e.admin_send("POST", "/api/endpoint/tunnel").await;
    until_status(&mut events, "running", Duration::from_secs(10)).await;
    let pid = e.engine().tunnel().pid().expect("cloudflared's pid");
    assert!(alive(pid));

    let r = e.admin_send("DELETE", "/api/endpoint/tunnel").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "off", "{r:?}");
    assert_eq!(r.body["previousUrl"], FAKE_URL, "{r:?}");
    assert!(
        !alive(pid),
        "cloudflared ({pid}) is gone when DELETE answers"
    );
    let off = next_tunnel(&mut events, Duration::from_secs(5)).await;
    assert_eq!(off["status"], "off");
    assert_eq!(tunnel_of(&e).await["status"], "off");
}

#[tokio::test]
async fn engine_shutdown_leaves_no_cloudflared_behind() {
    let dir = tempfile::tempdir().unwrap();
    let fake = running_fake(dir.path());
    let e = engine_with(Some(&fake), NO_NGROK, Duration::from_secs(10)).await;
    let state = e.engine().tunnel().start().await.unwrap();
    assert_eq!(state.status, scimlab_engine::tunnel::TunnelStatus::Starting);
    let pid = e.engine().tunnel().pid().expect("pid");
    e.stop().await;
    assert!(!alive(pid), "cloudflared ({pid}) outlived the engine");
}

#[tokio::test]
async fn a_tunnel_that_ends_on_its_own_is_stopped_with_its_exit_code_and_last_line_and_not_restarted()
 {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_cloudflared(
        dir.path(),
        &format!(
            "{BOX}sleep 1\necho \"2024-05-01T10:00:09Z ERR Lost connection with the edge\" >&2\nexit 3"
        ),
    );
    let e = engine_with(Some(&fake), NO_NGROK, Duration::from_secs(10)).await;
    let mut events = e.admin_events().await;
    e.admin_send("POST", "/api/endpoint/tunnel").await;
    until_status(&mut events, "running", Duration::from_secs(10)).await;
    let stopped = next_tunnel(&mut events, Duration::from_secs(10)).await;
    assert_eq!(stopped["status"], "stopped", "{stopped}");
    let detail = stopped["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("cloudflared exited (code 3): Lost connection with the edge"),
        "{detail}"
    );
    assert!(detail.contains("new public URL"), "{detail}");
    assert_eq!(
        stopped["publicUrl"],
        Value::Null,
        "the dead URL is not offered"
    );
    assert_eq!(stopped["previousUrl"], FAKE_URL);
    // No restart: nothing else happens, and no cloudflared runs.
    let later = events.next_event(Duration::from_millis(1500)).await;
    assert!(later.is_none(), "no restart, no event: {later:?}");
    assert_eq!(tunnel_of(&e).await["status"], "stopped");
    assert_eq!(e.engine().tunnel().pid(), None);

    // Starting again is the admin's choice, and the new state says the URL it replaces.
    let again = e.admin_send("POST", "/api/endpoint/tunnel").await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body["previousUrl"], FAKE_URL);
}

#[tokio::test]
async fn a_cloudflared_that_prints_no_url_is_stopped_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_cloudflared(
        dir.path(),
        "echo \"2024-05-01T10:00:02Z ERR failed to request quick Tunnel: Post \\\"https://api.trycloudflare.com/tunnel\\\": dial tcp: i/o timeout\" >&2\nexec sleep 30",
    );
    let e = engine_with(Some(&fake), NO_NGROK, Duration::from_secs(1)).await;
    let mut events = e.admin_events().await;
    e.admin_send("POST", "/api/endpoint/tunnel").await;
    let pid = e.engine().tunnel().pid().expect("pid");
    let stopped = until_status(&mut events, "stopped", Duration::from_secs(10)).await;
    let detail = stopped["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("cloudflared printed no public URL within 1 s"),
        "{detail}"
    );
    assert!(detail.contains("dial tcp: i/o timeout"), "{detail}");
    assert_eq!(stopped["publicUrl"], Value::Null);
    assert!(!alive(pid), "the silent cloudflared was killed");
}

#[tokio::test]
async fn without_cloudflared_or_ngrok_the_tunnel_is_unavailable_with_install_advice() {
    let e = engine_with(None, NO_NGROK, Duration::from_secs(1)).await;
    let r = e.admin_send("POST", "/api/endpoint/tunnel").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "unavailable", "{r:?}");
    assert_eq!(r.body["provider"], Value::Null);
    let detail = r.body["detail"].as_str().unwrap();
    let port = e.engine().scim_addr.port();
    assert!(detail.contains("cloudflared is not installed"), "{detail}");
    assert!(
        detail.contains("github.com/cloudflare/cloudflared/releases"),
        "{detail}"
    );
    assert!(detail.contains(&format!("ngrok http {port}")), "{detail}");
    assert_eq!(tunnel_of(&e).await["status"], "unavailable");
    // Dismissed with DELETE.
    assert_eq!(
        e.admin_send("DELETE", "/api/endpoint/tunnel").await.body["status"],
        "off"
    );
}

#[tokio::test]
async fn a_running_ngrok_to_the_scim_port_is_shown_as_external() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let ngrok = MockServer::start().await;
    let e = engine_with(
        None,
        &format!("{}/api/tunnels", ngrok.uri()),
        Duration::from_secs(1),
    )
    .await;
    let port = e.engine().scim_addr.port();
    let admin = e.engine().admin_addr.port();
    Mock::given(method("GET"))
        .and(path("/api/tunnels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "tunnels": [
                {"name": "admin", "public_url": "https://admin-port.ngrok-free.app", "proto": "https",
                 "config": {"addr": format!("http://localhost:{admin}"), "inspect": true}},
                {"name": "scim", "public_url": "https://scim-port.ngrok-free.app", "proto": "https",
                 "config": {"addr": format!("http://localhost:{port}"), "inspect": true}}
            ],
            "uri": "/api/tunnels"
        })))
        .mount(&ngrok)
        .await;

    // Seen without asking: ngrok was started by hand.
    let shown = tunnel_of(&e).await;
    assert_eq!(shown["status"], "external", "{shown}");
    assert_eq!(shown["provider"], "ngrok");
    assert_eq!(shown["publicUrl"], "https://scim-port.ngrok-free.app");
    assert_eq!(
        shown["tenantUrl"],
        "https://scim-port.ngrok-free.app/scim/v2"
    );

    let r = e.admin_send("POST", "/api/endpoint/tunnel").await;
    assert_eq!(r.body["status"], "external", "{r:?}");
    let stop = e.admin_send("DELETE", "/api/endpoint/tunnel").await;
    assert_eq!(stop.status, StatusCode::CONFLICT, "{stop:?}");
    assert!(stop.body["error"].as_str().unwrap().contains("ngrok"));

    // ngrok went away: off again.
    ngrok.reset().await;
    assert_eq!(tunnel_of(&e).await["status"], "off");
}

#[test]
fn serve_with_tunnel_cloudflared_prints_the_public_tenant_url_and_stops_it_on_sigint() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let fake = running_fake(dir.path());
    let db = dir.path().join("cli.db");
    let mut child = Command::new(scimlab_bin())
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--scim-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
            "--tunnel",
            "cloudflared",
        ])
        .env("SCIMLAB_LOG", "warn")
        .env("SCIMLAB_CLOUDFLARED", &fake)
        .env("SCIMLAB_NGROK_API", NO_NGROK)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut stdout = child.stdout.take().unwrap();
    let mut text = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    let want = format!("Public tenant URL (cloudflared):        {FAKE_URL}/scim/v2");
    while !text.contains(&want) && std::time::Instant::now() < deadline {
        match stdout.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    assert!(text.contains(&want), "{text}");
    let pid: u32 = std::fs::read_to_string(dir.path().join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGINT: {status:?}");
    // Killed by serve; once its parent is gone, init reaps it.
    let gone = std::time::Instant::now() + Duration::from_secs(5);
    while alive(pid) && std::time::Instant::now() < gone {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "cloudflared ({pid}) outlived scimlab serve");
}
