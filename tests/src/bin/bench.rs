//! `scimlab-bench`: measures the SCIM listener on loopback against a real SQLite file.
//!
//! Seeds N users over HTTP (concurrently, like an initial Entra cycle), then times the requests an
//! IdP makes all day — lookups by userName / externalId / id, PATCH, a deep page — and one filter
//! no index can answer (a full scan), for contrast. Prints a Markdown table; `make bench` writes it
//! to `docs/benchmarks.md`. Every loop is bounded; only 127.0.0.1 is contacted.
//!
//! Usage: `scimlab-bench [USERS] [SAMPLES]` (defaults 100000 and 300);
//! `SCIMLAB_BENCH_SCAN_BUDGET_MS` sets the scan budget (default: the engine's, 800 ms);
//! `SCIMLAB_TEST_BACKEND=postgres` runs the engine on a fresh PostgreSQL database instead (the
//! tests' throwaway server, or `SCIMLAB_TEST_DATABASE_URL`): `scripts/bench-postgres.sh`.

use scimlab_tests::TestEngine;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 8;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

struct Row {
    name: String,
    samples: usize,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    per_sec: f64,
}

async fn time_sequential<F, Fut>(name: &str, samples: usize, mut f: F) -> Row
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(samples);
    let start = Instant::now();
    for i in 0..samples {
        let t = Instant::now();
        f(i).await;
        times.push(t.elapsed());
    }
    let total = start.elapsed();
    times.sort();
    Row {
        name: name.to_owned(),
        samples,
        p50: percentile(&times, 0.50),
        p95: percentile(&times, 0.95),
        p99: percentile(&times, 0.99),
        per_sec: samples as f64 / total.as_secs_f64(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let users: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let samples: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(300)
        .max(1);
    // SCIMLAB_BENCH_SCAN_BUDGET_MS: another scan budget, e.g. a large one to time a whole scan.
    let scan_budget = std::env::var("SCIMLAB_BENCH_SCAN_BUDGET_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(
            scimlab_engine::config::DEFAULT_SCAN_BUDGET,
            Duration::from_millis,
        );
    let engine = Arc::new(TestEngine::start_with(|c| c.scan_budget = scan_budget).await);
    eprintln!("seeding {users} users over HTTP with {CONCURRENCY} concurrent clients…");

    // Seed: CONCURRENCY workers, each creating its share. Time per create is recorded.
    let seed_start = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let e = engine.clone();
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut ids = Vec::new();
            let mut i = w;
            while i < users {
                let t = Instant::now();
                let r = e
                    .post(
                        "/Users",
                        &json!({
                            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                            "userName": format!("user{i:06}@bench.example"),
                            "externalId": format!("ext-{i:06}"),
                            "displayName": format!("Bench User {i}"),
                            "active": true,
                            "emails": [{"type": "work", "value": format!("user{i:06}@bench.example"), "primary": true}],
                            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Bench"}
                        }),
                    )
                    .await;
                assert_eq!(r.status, 201, "{}", r.text);
                times.push(t.elapsed());
                ids.push(r.body["id"].as_str().unwrap_or_default().to_owned());
                i += CONCURRENCY;
            }
            (times, ids)
        }));
    }
    let mut create_times = Vec::new();
    let mut ids = Vec::new();
    for w in workers {
        let (t, i) = w.await.expect("seed worker");
        create_times.extend(t);
        ids.extend(i);
    }
    let seed_total = seed_start.elapsed();
    create_times.sort();
    let mut rows = vec![Row {
        name: format!("POST /Users (seed, {CONCURRENCY} concurrent clients)"),
        samples: users,
        p50: percentile(&create_times, 0.5),
        p95: percentile(&create_times, 0.95),
        p99: percentile(&create_times, 0.99),
        per_sec: users as f64 / seed_total.as_secs_f64(),
    }];

    let e = engine.clone();
    let pick = move |i: usize| (i * 7919) % users;
    rows.push(
        time_sequential("GET /Users?filter=userName eq (index)", samples, |i| {
            let e = e.clone();
            async move {
                let r = e
                    .get(&format!(
                        "/Users?filter=userName%20eq%20%22USER{:06}%40bench.example%22",
                        pick(i)
                    ))
                    .await;
                assert_eq!(r.body["totalResults"], 1);
            }
        })
        .await,
    );
    let e = engine.clone();
    rows.push(
        time_sequential(
            "GET /Users?filter=externalId eq (index, unquoted)",
            samples,
            |i| {
                let e = e.clone();
                async move {
                    let r = e
                        .get(&format!("/Users?filter=externalId+eq+ext-{:06}", pick(i)))
                        .await;
                    assert_eq!(r.body["totalResults"], 1);
                }
            },
        )
        .await,
    );
    let e = engine.clone();
    let ids = Arc::new(ids);
    let ids2 = ids.clone();
    rows.push(
        time_sequential("GET /Users/{id}", samples, |i| {
            let e = e.clone();
            let id = ids2[pick(i)].clone();
            async move {
                assert_eq!(e.get(&format!("/Users/{id}")).await.status, 200);
            }
        })
        .await,
    );
    let e = engine.clone();
    let ids3 = ids.clone();
    rows.push(
        time_sequential("PATCH /Users/{id} (Entra deactivate, string boolean)", samples, |i| {
            let e = e.clone();
            let id = ids3[pick(i)].clone();
            async move {
                let r = e
                    .patch(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}))
                    .await;
                assert_eq!(r.status, 200);
            }
        })
        .await,
    );
    let e = engine.clone();
    rows.push(
        time_sequential(
            "GET /Users?startIndex=<deep>&count=100 (SQL paging)",
            samples.min(100),
            |i| {
                let e = e.clone();
                async move {
                    let start = 1 + (pick(i) / 100) * 100;
                    let r = e.get(&format!("/Users?startIndex={start}&count=100")).await;
                    assert_eq!(r.status, 200);
                }
            },
        )
        .await,
    );
    // A filter no index answers scans every user within the scan budget (issue 11 §5): each
    // answer is a 200 or, past the budget, a 503 with Retry-After — never a second or more.
    let e = engine.clone();
    let statuses = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = statuses.clone();
    let mut scan = time_sequential("GET /Users?filter=displayName co (full scan)", 10, |i| {
        let e = e.clone();
        let seen = seen.clone();
        async move {
            let r = e
                .get(&format!(
                    "/Users?filter=displayName%20co%20%22User%20{}%22&count=10",
                    pick(i)
                ))
                .await;
            assert!(
                r.status == 200 || (r.status == 503 && !r.header("retry-after").is_empty()),
                "{r:?}"
            );
            seen.lock().expect("statuses").push(r.status.as_u16());
        }
    })
    .await;
    let statuses = statuses.lock().expect("statuses").clone();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    scan.name = format!(
        "{} — {ok}× 200, {}× 503 (budget {} ms)",
        scan.name,
        statuses.len() - ok,
        scan_budget.as_millis()
    );
    rows.push(scan);

    // Capture must keep up: wait (bounded) until every exchange so far is stored, then time the
    // admin API's heaviest reads over the whole population.
    let expected = users + 3 * samples + samples.min(100) + 10;
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let h = engine.admin_get("/api/health").await;
        if h.body["exchanges"].as_u64().unwrap_or(0) as usize >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let e = engine.clone();
    rows.push(
        time_sequential(
            "GET /api/exchanges?limit=50 (admin, newest page)",
            samples.min(100),
            |_| {
                let e = e.clone();
                async move {
                    assert_eq!(e.admin_get("/api/exchanges?limit=50").await.status, 200);
                }
            },
        )
        .await,
    );
    let e = engine.clone();
    rows.push(
        time_sequential("GET /api/roles (admin, every user mapped)", 3, |_| {
            let e = e.clone();
            async move {
                assert_eq!(e.admin_get("/api/roles").await.status, 200);
            }
        })
        .await,
    );
    let e = engine.clone();
    rows.push(
        time_sequential("GET /api/checklist?idp=entra (admin)", 3, |_| {
            let e = e.clone();
            async move {
                assert_eq!(e.admin_get("/api/checklist?idp=entra").await.status, 200);
            }
        })
        .await,
    );

    // Issue 12's admin reads: the user list searched and filtered by the engine over every
    // user (true totals), and the timeline over the newest 100 000 exchanges.
    for (label, path) in [
        (
            "GET /api/users?q=<text>&count=50 (admin search, every user)",
            "/api/users?q=user077777&count=50",
        ),
        (
            "GET /api/users?idp=entra&count=50 (admin, IdP of every user)",
            "/api/users?idp=entra&count=50",
        ),
        (
            "GET /api/users?sort=userName&count=50 (admin, sorted)",
            "/api/users?sort=userName&count=50",
        ),
        (
            "GET /api/timeline (admin, newest 100 000 exchanges)",
            "/api/timeline",
        ),
    ] {
        let e = engine.clone();
        rows.push(
            time_sequential(label, 5, move |_| {
                let e = e.clone();
                async move {
                    assert_eq!(e.admin_get(path).await.status, 200);
                }
            })
            .await,
        );
    }

    // The SQLite file, or the PostgreSQL database (`SCIMLAB_TEST_BACKEND=postgres`).
    let (what, db_bytes) = match scimlab_tests::database_url_for(engine.dir.path()) {
        Some(url) => (
            "PostgreSQL database",
            scimlab_testdb::psql(&url, "SELECT pg_database_size(current_database())")
                .parse::<u64>()
                .unwrap_or(0),
        ),
        None => (
            "database file",
            std::fs::metadata(engine.db_path())
                .map(|m| m.len())
                .unwrap_or(0),
        ),
    };
    println!(
        "Users in the database: {users}; {what}: {:.1} MiB; seeding took {:.1} s.\n",
        db_bytes as f64 / 1048576.0,
        seed_total.as_secs_f64()
    );
    println!("| request | samples | p50 ms | p95 ms | p99 ms | req/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {:.0} |",
            r.name,
            r.samples,
            ms(r.p50),
            ms(r.p95),
            ms(r.p99),
            r.per_sec
        );
    }
}
