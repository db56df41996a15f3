//! Helpers for ScimLab's integration tests: a real engine on `127.0.0.1:0` with a temp SQLite
//! file, a small SCIM client over reqwest, and the fixture-driven flow runner.
//!
//! Nothing here is mocked: every test talks HTTP to the same engine `scimlab serve` runs.

pub mod flow;

use reqwest::{Method, StatusCode};
use scimlab_engine::{Engine, EngineConfig, EngineHandle};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// How long a test waits for the capture writer or an event before failing.
pub const WAIT: Duration = Duration::from_secs(5);

/// Send a request to any URL with exactly the given headers; a body without a `content-type`
/// header is sent as `application/scim+json`.
pub async fn fetch(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Reply {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client.request(method, url);
    let mut has_ct = false;
    for (k, v) in headers {
        has_ct |= k.eq_ignore_ascii_case("content-type");
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        if !has_ct {
            req = req.header("content-type", "application/scim+json");
        }
        req = req.body(b);
    }
    let resp = req.send().await.expect("request reaches the engine");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// A running engine with its temp directory; dropped at the end of the test.
pub struct TestEngine {
    /// The engine.
    pub handle: Option<EngineHandle>,
    /// `http://127.0.0.1:<port>/scim/v2`
    pub base: String,
    /// The SCIM API key.
    pub key: String,
    /// HTTP client.
    pub http: reqwest::Client,
    /// Keeps the temp directory alive.
    pub dir: tempfile::TempDir,
}

/// A response: status, headers and the parsed JSON body (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Parsed body.
    pub body: Value,
    /// Raw body text.
    pub text: String,
}

impl Reply {
    /// A header as a string ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// The quirk labels the engine reported for this exchange.
    pub fn quirks(&self) -> Vec<String> {
        self.header("x-scimlab-quirks")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Assert a reply is a SCIM error with `status` and (optionally) `scimType`.
#[macro_export]
macro_rules! assert_scim_error {
    ($reply:expr, $status:expr) => {
        $crate::assert_scim_error!($reply, $status, None::<&str>)
    };
    ($reply:expr, $status:expr, $scim_type:expr) => {{
        let r = &$reply;
        assert_eq!(r.status.as_u16(), $status, "status of {r:?}");
        assert_eq!(
            r.header("content-type"),
            "application/scim+json",
            "content type of {r:?}"
        );
        assert_eq!(
            r.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
            "{r:?}"
        );
        assert_eq!(
            r.body["status"],
            $status.to_string(),
            "status must be a string: {r:?}"
        );
        let expected: Option<&str> = $scim_type.into();
        match expected {
            Some(t) => assert_eq!(r.body["scimType"], t, "scimType of {r:?}"),
            None => {}
        }
        assert!(
            r.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "detail of {r:?}"
        );
    }};
}

/// Whether the integration suite runs its engines on PostgreSQL (`SCIMLAB_TEST_BACKEND=postgres`,
/// set by `make test-postgres`) instead of SQLite files.
pub fn on_postgres() -> bool {
    std::env::var("SCIMLAB_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// Whether a test that only means something on SQLite (its file's bytes, modes or WAL, the CLI
/// driven with `--db` on the engine's file, a feature PostgreSQL does not have yet) should be
/// skipped: `true` on a PostgreSQL run, which says so on stderr with `why`.
pub fn sqlite_only(why: &str) -> bool {
    if on_postgres() {
        eprintln!("skipped on postgresql: {why}");
        return true;
    }
    false
}

/// The PostgreSQL database of the engine whose directory is `dir` (made on first use, its URL
/// kept in `dir/database-url`); `None` on SQLite.
pub fn database_url_for(dir: &std::path::Path) -> Option<String> {
    if !on_postgres() {
        return None;
    }
    let marker = dir.join("database-url");
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return Some(url);
    }
    let url = scimlab_testdb::fresh_database("it");
    std::fs::write(&marker, &url).expect("the database url is kept");
    Some(url)
}

/// The default workspace's store of the engine whose directory is `dir` (stopped or running),
/// on whichever backend the suite runs.
pub async fn open_store_in(dir: &std::path::Path) -> scimlab_engine::store::Store {
    let store = match database_url_for(dir) {
        Some(url) => {
            scimlab_engine::store::Store::open_postgres(
                &url,
                scimlab_engine::database::DEFAULT_SCHEMA,
                4,
            )
            .await
        }
        None => scimlab_engine::store::Store::open(&dir.join("scimlab.db")).await,
    };
    store.expect("the engine's store opens")
}

impl Drop for TestEngine {
    /// An engine the test did not stop (its runtime ends with the test) on PostgreSQL: its
    /// database is dropped, which ends its sessions (a stopped one keeps it for a restart).
    fn drop(&mut self) {
        if self.handle.is_some()
            && let Ok(url) = std::fs::read_to_string(self.dir.path().join("database-url"))
        {
            scimlab_testdb::drop_database(&url);
        }
    }
}

impl TestEngine {
    /// Start a tolerant engine.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Start a strict engine.
    pub async fn strict() -> Self {
        Self::start_with(|c| c.strict = true).await
    }

    /// Start an engine after adjusting its configuration.
    pub async fn start_with(adjust: impl FnOnce(&mut EngineConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir, adjust).await
    }

    /// Start an engine on the database in `dir` (used to test restarts). With
    /// `SCIMLAB_TEST_BACKEND=postgres` ([`on_postgres`]) the data is in a PostgreSQL database
    /// made for `dir` (its URL kept in the directory, so a restart finds the same one).
    pub async fn start_in(dir: tempfile::TempDir, adjust: impl FnOnce(&mut EngineConfig)) -> Self {
        let mut config = EngineConfig::new(dir.path().join("scimlab.db"));
        config.database_url = database_url_for(dir.path());
        config.scim_addr = "127.0.0.1:0".parse().expect("addr");
        config.admin_addr = "127.0.0.1:0".parse().expect("addr");
        adjust(&mut config);
        let handle = Engine::start(config).await.expect("engine starts");
        let base = handle.scim_base_url();
        let key = handle.scim_key();
        Self {
            handle: Some(handle),
            base,
            key,
            http: reqwest::Client::new(),
            dir,
        }
    }

    /// Path of the database file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("scimlab.db")
    }

    /// The CLI's flags for this engine's database: `--db <its file>`, or `--database-url
    /// <its database>` on a PostgreSQL run ([`on_postgres`]).
    pub fn db_args(&self) -> Vec<String> {
        match database_url_for(self.dir.path()) {
            Some(url) => vec!["--database-url".into(), url],
            None => vec!["--db".into(), self.db_path().display().to_string()],
        }
    }

    /// Stop the engine and hand back its directory (to restart on the same database).
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(h) = self.handle.take() {
            h.shutdown().await.expect("clean shutdown");
        }
        std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"))
    }

    /// Send a request with the Bearer key. `path` is relative to the base URL, with its query.
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let auth = format!("Bearer {}", self.key);
        self.send_raw(
            method,
            path,
            body.map(Value::to_string),
            &[("authorization", auth.as_str())],
        )
        .await
    }

    /// Send a request with exactly the given headers (add the authorization yourself).
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Reply {
        fetch(
            &self.http,
            method,
            &format!("{}{}", self.base, path),
            body,
            headers,
        )
        .await
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None).await
    }
    /// POST.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(body)).await
    }
    /// PUT.
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send("PUT", path, Some(body)).await
    }
    /// PATCH.
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send("PATCH", path, Some(body)).await
    }
    /// DELETE.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None).await
    }

    /// The running engine.
    pub fn engine(&self) -> &EngineHandle {
        self.handle.as_ref().expect("engine running")
    }

    /// This launch's admin token.
    pub fn admin_token(&self) -> String {
        self.engine().admin_token()
    }

    /// `http://127.0.0.1:<admin port><path>`.
    pub fn admin_url(&self, path: &str) -> String {
        format!("{}{}", self.engine().admin_base_url(), path)
    }

    /// Send a request to the admin listener with the Bearer admin token.
    pub async fn admin_send(&self, method: &str, path: &str) -> Reply {
        let auth = format!("Bearer {}", self.admin_token());
        self.admin_raw(method, path, &[("authorization", auth.as_str())])
            .await
    }

    /// Send a JSON body to the admin listener with the Bearer admin token.
    pub async fn admin_json(&self, method: &str, path: &str, body: &Value) -> Reply {
        let auth = format!("Bearer {}", self.admin_token());
        fetch(
            &self.http,
            method,
            &self.admin_url(path),
            Some(body.to_string()),
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
        )
        .await
    }

    /// GET on the admin listener with the Bearer admin token.
    pub async fn admin_get(&self, path: &str) -> Reply {
        self.admin_send("GET", path).await
    }

    /// Send a request to the admin listener with exactly these headers, not following
    /// redirects (to see the login's `303`).
    pub async fn admin_raw(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        fetch(&client, method, &self.admin_url(path), None, headers).await
    }

    /// Poll `/api/exchanges?<query>` until it lists at least `n` exchanges (newest first) and
    /// no more arrive for 150 ms (the capture writer flushes within 50 ms: a request already
    /// answered is then stored too, so a caller that waited for part of a flow sees all of it);
    /// fails after [`WAIT`].
    pub async fn wait_for_exchanges(&self, query: &str, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut reached: Option<usize> = None;
        loop {
            let r = self
                .admin_get(&format!("/api/exchanges?limit=500&{query}"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let items = r.body["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= n {
                if reached == Some(items.len()) {
                    return items;
                }
                reached = Some(items.len());
                tokio::time::sleep(Duration::from_millis(150)).await;
                continue;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} exchanges recorded after {WAIT:?}: {}",
                items.len(),
                r.text
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Open `/api/events`; the subscription exists once this returns.
    pub async fn admin_events(&self) -> SseStream {
        let resp = self
            .http
            .get(self.admin_url("/api/events"))
            .bearer_auth(self.admin_token())
            .send()
            .await
            .expect("event stream opens");
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream")
        );
        SseStream {
            resp,
            buf: Vec::new(),
        }
    }

    /// Stop the engine (which flushes the capture writer) and read every stored exchange,
    /// oldest first, with the reopened store and the kept temp directory.
    pub async fn stop_and_read(
        self,
    ) -> (
        Vec<scimlab_engine::model::ExchangeSummary>,
        scimlab_engine::store::Store,
        tempfile::TempDir,
    ) {
        use scimlab_engine::store::exchanges::ExchangeQuery;
        use scimlab_engine::store::prelude::*;
        let dir = self.stop().await;
        let store = open_store_in(dir.path()).await;
        let mut conn = store.read().await.expect("a read connection");
        let mut all = conn
            .exchange_summaries(&ExchangeQuery {
                limit: 100_000,
                ..Default::default()
            })
            .await
            .expect("exchanges read");
        all.reverse();
        drop(conn);
        (all, store, dir)
    }

    /// Create a user with `userName` and return its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let r = self
            .post(
                "/Users",
                &serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "active": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        r.body["id"].as_str().expect("id").to_owned()
    }
}

/// The `scimlab` binary beside this test binary (`target/debug/deps/integration-<hash>` →
/// `target/debug/scimlab`), for tests that run the real CLI.
pub fn scimlab_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("scimlab");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p scimlab-cli --bin scimlab` (make test does)",
        bin.display()
    );
    bin
}

/// What `scimlab serve` printed before it listened (up to its "Ctrl-C" line, at most 20 s);
/// the rest of its output is drained in the background, so the child never blocks on its
/// stdout or dies of a closed one.
pub fn serve_banner(mut stdout: std::process::ChildStdout) -> String {
    use std::io::Read;
    let mut text = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    while !text.contains("Ctrl-C") && std::time::Instant::now() < deadline {
        match stdout.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    std::thread::spawn(move || while matches!(stdout.read(&mut buf), Ok(n) if n > 0) {});
    text
}

/// Path of a fixture file under `tests/fixtures/`.
pub fn fixture_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Read and parse a JSON fixture.
pub fn fixture(rel: &str) -> Value {
    let path = fixture_path(rel);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// One Server-Sent Events message.
#[derive(Debug, Clone)]
pub struct SseEvent {
    /// The `event:` field.
    pub event: String,
    /// The `data:` field, parsed.
    pub data: Value,
}

/// A Server-Sent Events response read message by message.
pub struct SseStream {
    resp: reqwest::Response,
    buf: Vec<u8>,
}

impl SseStream {
    /// The next message (comments skipped); `None` when none arrives within `within` or the
    /// stream ends.
    pub async fn next_event(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&block);
                let mut event = None;
                let mut data: Vec<&str> = Vec::new();
                for line in text.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim_start().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if event.is_none() && data.is_empty() {
                    continue; // a comment (`: connected`, keep-alive)
                }
                let data = data.join("\n");
                return Some(SseEvent {
                    event: event.unwrap_or_else(|| "message".into()),
                    data: serde_json::from_str(&data).unwrap_or(Value::String(data)),
                });
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.extend_from_slice(&bytes),
                Ok(Ok(None) | Err(_)) | Err(_) => return None,
            }
        }
    }
}
