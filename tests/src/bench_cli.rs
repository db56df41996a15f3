//! `scimlab bench` against a real engine: every phase runs the requests it says, none fails,
//! the users it made are in the engine, `--json` has the documented shape; a wrong token stops
//! it (exit 2) and a phase without its users counts every request as an error (exit 1).

use scimlab_tests::{TestEngine, scimlab_bin};
use serde_json::Value;

async fn scimlab(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(scimlab_bin())
            .args(&args)
            .env_remove("SCIMLAB_DB")
            .env_remove("SCIMLAB_BENCH_TOKEN")
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

#[tokio::test]
async fn every_phase_runs_against_a_real_engine_and_reports_json() {
    let e = TestEngine::start().await;
    let (code, out, err) = scimlab(args(&[
        "bench", "--target", &e.base, "--token", &e.key, "-n", "120", "-c", "4", "--json",
    ]))
    .await;
    assert_eq!(code, 0, "{err}{out}");
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|x| panic!("{x}: {out}"));
    let phases = report["phases"].as_array().unwrap();
    let got: Vec<(&str, u64, u64)> = phases
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["requests"].as_u64().unwrap(),
                p["errors"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("create", 120, 0),
            ("patch", 120, 0),
            ("lookup", 120, 0),
            ("list", 2, 0),
            ("deactivate", 120, 0),
            ("cycle", 600, 0)
        ],
        "{out}"
    );
    for p in phases {
        for key in ["rps", "p50_ms", "p95_ms", "p99_ms"] {
            assert!(p[key].as_f64().is_some_and(|v| v > 0.0), "{key} of {p}");
        }
        assert!(p["p50_ms"].as_f64() <= p["p99_ms"].as_f64());
    }
    let users = e.get("/Users?count=1").await;
    assert_eq!(
        users.body["totalResults"], 240,
        "120 created, 120 by the cycle"
    );
    let inactive = e.get("/Users?filter=active%20eq%20false&count=1").await;
    assert_eq!(
        inactive.body["totalResults"], 240,
        "every user was deactivated"
    );
}

#[tokio::test]
async fn a_wrong_token_stops_it_and_errors_are_counted() {
    let e = TestEngine::start().await;
    let (code, _, err) = scimlab(args(&[
        "bench",
        "--target",
        &e.base,
        "--token",
        // A key may start with `-` (keys made before they stopped doing so): still a value.
        "-wrong-token-0123456789",
        "-n",
        "5",
    ]))
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refused the token"), "{err}");
    let (code, out, err) = scimlab(args(&[
        "bench", "--target", &e.base, "--token", &e.key, "-n", "5", "--phases", "patch",
    ]))
    .await;
    assert_eq!(code, 1, "{err}{out}");
    assert!(
        out.contains("5 errors") && out.contains("run the create phase first"),
        "{out}"
    );
    let (code, _, err) = scimlab(args(&[
        "bench",
        "--target",
        "https://app.example.com/scim/v2",
        "--token",
        "k",
    ]))
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("plain http"), "{err}");
}
