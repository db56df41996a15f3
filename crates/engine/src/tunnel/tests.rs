//! The pure readings of the tunnel module: the URL in cloudflared's output, the ngrok tunnel to
//! the SCIM port, and the state's wire form. The child process itself is tested end to end in
//! `tests/src/tunnel.rs` with a fake cloudflared.

use super::*;
use serde_json::json;

#[test]
fn the_url_is_read_from_cloudflareds_box() {
    let line = "2024-05-01T10:00:01Z INF |  https://random-words-here.trycloudflare.com                                 |";
    assert_eq!(
        public_url_in(line).as_deref(),
        Some("https://random-words-here.trycloudflare.com")
    );
    assert_eq!(
        public_url_in("|  https://Fake-Words-1234.trycloudflare.com  |").as_deref(),
        Some("https://fake-words-1234.trycloudflare.com")
    );
}

#[test]
fn other_lines_and_the_api_host_are_not_a_tunnel() {
    for line in [
        "2024-05-01T10:00:00Z INF Requesting new quick Tunnel on trycloudflare.com...",
        "2024-05-01T10:00:00Z INF +--------------------------------------------------+",
        "2024-05-01T10:00:00Z ERR failed to request quick Tunnel: Post \"https://api.trycloudflare.com/tunnel\": dial tcp",
        "2024-05-01T10:00:00Z INF |  https://api.trycloudflare.com  |",
        "https://example.com",
        "https://.trycloudflare.com",
        "https://evil.trycloudflare.com.example.com",
    ] {
        assert_eq!(public_url_in(line), None, "{line}");
    }
}

#[test]
fn an_ngrok_tunnel_counts_only_when_it_forwards_to_the_scim_port() {
    let body = json!({"tunnels": [
        {"public_url": "https://admin.ngrok-free.app", "proto": "https", "config": {"addr": "http://localhost:8788"}},
        {"public_url": "http://plain.ngrok-free.app", "proto": "http", "config": {"addr": "http://localhost:8787"}},
        {"public_url": "https://scim.ngrok-free.app/", "proto": "https", "config": {"addr": "http://localhost:8787"}},
    ]});
    assert_eq!(
        matching_tunnel(&body, 8787).as_deref(),
        Some("https://scim.ngrok-free.app")
    );
    assert_eq!(matching_tunnel(&body, 9999), None);
    for addr in [
        "8787",
        "localhost:8787",
        "127.0.0.1:8787",
        "https://[::1]:8787",
    ] {
        let b =
            json!({"tunnels": [{"public_url": "https://x.ngrok.app", "config": {"addr": addr}}]});
        assert!(matching_tunnel(&b, 8787).is_some(), "{addr}");
    }
    let remote = json!({"tunnels": [{"public_url": "https://x.ngrok.app", "config": {"addr": "10.0.0.5:8787"}}]});
    assert_eq!(matching_tunnel(&remote, 8787), None);
    assert_eq!(matching_tunnel(&json!({"error": "x"}), 8787), None);
}

#[test]
fn the_state_is_camel_case_with_lowercase_names() {
    let state = TunnelState {
        status: TunnelStatus::Running,
        provider: Some(TunnelProvider::Cloudflared),
        public_url: Some("https://a.trycloudflare.com".into()),
        tenant_url: Some(tenant_of("https://a.trycloudflare.com")),
        started_at: Some("2024-05-01T10:00:00Z".into()),
        ..TunnelState::off()
    };
    let v = serde_json::to_value(&state).unwrap();
    assert_eq!(v["status"], "running");
    assert_eq!(v["provider"], "cloudflared");
    assert_eq!(v["tenantUrl"], "https://a.trycloudflare.com/scim/v2");
    assert_eq!(v["publicUrl"], "https://a.trycloudflare.com");
    assert_eq!(v["startedAt"], "2024-05-01T10:00:00Z");
    assert_eq!(v["previousUrl"], serde_json::Value::Null);
    assert_eq!(
        serde_json::to_value(TunnelState::off()).unwrap()["status"],
        "off"
    );
}

#[test]
fn a_stopped_detail_names_the_code_and_the_last_line_without_its_prefix() {
    let d = super::cloudflared::tests_support::exit_detail_for_code(
        3,
        "2024-05-01T10:00:02Z ERR Couldn't start tunnel error=\"boom\"",
    );
    assert!(
        d.starts_with("cloudflared exited (code 3): Couldn't start tunnel error=\"boom\""),
        "{d}"
    );
    assert!(d.contains("new public URL"), "{d}");
}

#[tokio::test]
async fn a_missing_cloudflared_without_ngrok_is_unavailable_with_install_advice() {
    let seen = Arc::new(Mutex::new(Vec::<TunnelState>::new()));
    let log = seen.clone();
    let m = TunnelManager::new(
        TunnelSettings {
            cloudflared: "/nonexistent/scimlab-test/cloudflared".into(),
            // a closed port: nothing answers
            ngrok_api: "http://127.0.0.1:9/api/tunnels".into(),
            url_timeout: Duration::from_secs(1),
            scim_port: 8787,
        },
        Arc::new(move |s| log.lock().unwrap().push(s.clone())),
    );
    let s = m.start().await.unwrap();
    assert_eq!(s.status, TunnelStatus::Unavailable);
    let detail = s.detail.unwrap();
    assert!(
        detail.contains("github.com/cloudflare/cloudflared/releases"),
        "{detail}"
    );
    assert!(detail.contains("ngrok http 8787"), "{detail}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(m.stop().await.unwrap().status, TunnelStatus::Off);
}
