//! The `scimlab` binary: `token show` prints the key alone, `token rotate` replaces it and a
//! running engine accepts the new key at once; `serve` prints the tenant URL and stops on SIGINT.

use scimlab_tests::TestEngine;
use std::process::{Command, Stdio};

use scimlab_tests::scimlab_bin;

fn run(args: &[&str]) -> (String, String, bool) {
    let out = Command::new(scimlab_bin())
        .args(args)
        .output()
        .expect("run scimlab");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[tokio::test]
async fn token_show_prints_the_running_key_and_rotate_takes_effect_within_a_tenth_of_a_second() {
    if scimlab_tests::sqlite_only(
        "drives the CLI with --db on the engine's file (PostgreSQL: postgres.rs drives it with --database-url)",
    ) {
        return;
    }
    let e = TestEngine::start().await;
    let db = e.db_path();
    let db = db.to_str().unwrap();
    let (out, _, ok) = run(&["token", "show", "--db", db]);
    assert!(ok);
    assert_eq!(out, format!("{}\n", e.key), "the key alone on stdout");
    let (rotated, err, ok) = run(&["token", "rotate", "--db", db]);
    assert!(ok, "{err}");
    let new_key = rotated.trim().to_owned();
    assert_ne!(new_key, e.key);
    assert!(new_key.len() >= 43);
    // The new key works at once (a key the engine does not hold is read from the database).
    let new = e
        .send_raw(
            "GET",
            "/Users",
            None,
            &[("authorization", &format!("Bearer {new_key}"))],
        )
        .await;
    assert_eq!(new.status, 200);
    // The old one stops working once the engine's copy is older than it trusts a copy.
    tokio::time::sleep(
        scimlab_engine::auth::KEY_TRUSTED_FOR + std::time::Duration::from_millis(50),
    )
    .await;
    let old = e
        .send_raw(
            "GET",
            "/Users",
            None,
            &[("authorization", &format!("Bearer {}", e.key))],
        )
        .await;
    assert_eq!(old.status, 401);
}

#[test]
fn serve_prints_the_tenant_url_and_stops_on_sigint() {
    let dir = tempfile::tempdir().unwrap();
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
        ])
        .env("SCIMLAB_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut stdout = child.stdout.take().unwrap();
    let mut text = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    while !text.contains("Ctrl-C") && std::time::Instant::now() < deadline {
        use std::io::Read;
        match stdout.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    assert!(
        text.contains("Tenant URL / SCIM connector base URL:  http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("/scim/v2"), "{text}");
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGINT: {status:?}");
    let (key, _, ok) = run(&["token", "show", "--db", db.to_str().unwrap()]);
    assert!(ok && key.trim().len() == 43, "key created on first start");
}

#[test]
fn bad_flags_fail_with_a_message_naming_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let (_, err, ok) = run(&[
        "serve",
        "--db",
        db.to_str().unwrap(),
        "--scim-addr",
        "127.0.0.1:0",
        "--token",
        "short",
    ]);
    assert!(!ok);
    assert!(err.contains("at least 16"), "{err}");
    // The scan budget is a flag too: zero is refused by name, before anything starts.
    let (_, err, ok) = run(&[
        "serve",
        "--db",
        db.to_str().unwrap(),
        "--scan-budget-ms",
        "0",
    ]);
    assert!(!ok);
    assert!(err.contains("--scan-budget-ms"), "{err}");
}

#[test]
fn strict_accepts_boolish_environment_values() {
    let out = Command::new(scimlab_bin())
        .args(["serve", "--help"])
        .env("SCIMLAB_STRICT", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    // A bad token makes serve exit at once; what matters is that SCIMLAB_STRICT=1 parsed.
    let out = Command::new(scimlab_bin())
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--scim-addr",
            "127.0.0.1:0",
            "--token",
            "x",
        ])
        .env("SCIMLAB_STRICT", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("invalid value"), "{err}");
    assert!(err.contains("at least 16"), "{err}");
}
