//! `scimlab bench`: a load client for any SCIM endpoint, running the phases an IdP's provisioning
//! is made of — create, Entra-style PATCH, `userName eq` lookup, list pages, deactivate, and a
//! mixed Entra cycle — with `-c` clients on kept-alive connections, reporting requests per second,
//! p50/p95/p99 and every error per phase (`--json` for scripts; `make bench` uses it).
//!
//! The client is a minimal HTTP/1.1 writer and reader over tokio sockets (no TLS, no redirects,
//! no JSON parsing beyond finding a created user's id), so it costs far less CPU per request than
//! any server it measures; `scripts/bench.sh` still pins it and the server to different cores.
//! Plain `http://` only: it is for loopback and lab endpoints, never production.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use scimlab_engine::config::DEFAULT_SCIM_ADDR;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The phases, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    /// POST /Users, `-n` new users.
    Create,
    /// PATCH each created user's displayName (Entra's `replace` with a path).
    Patch,
    /// GET /Users?filter=userName eq "…" for each created user.
    Lookup,
    /// GET /Users?startIndex=…&count=100, every page of the created users.
    List,
    /// PATCH each created user `active: false` (Entra's soft delete).
    Deactivate,
    /// An Entra cycle per new user: lookup (none), create, lookup by id, PATCH, deactivate.
    Cycle,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Patch => "patch",
            Self::Lookup => "lookup",
            Self::List => "list",
            Self::Deactivate => "deactivate",
            Self::Cycle => "cycle",
        }
    }
}

/// Flags of `scimlab bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// SCIM base URL to load, e.g. http://127.0.0.1:8000/scim/v2 (plain http only)
    /// [default: the local engine at http://<--scim-addr>/scim/v2].
    #[arg(long)]
    target: Option<String>,
    /// Bearer token for the target [default: the key stored in --db, for the local engine].
    #[arg(
        long,
        env = "SCIMLAB_BENCH_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    token: Option<String>,
    #[command(flatten)]
    db: super::workspace_cmd::WorkspaceDb,
    /// Address of the local engine's SCIM listener (used without --target).
    #[arg(long, env = "SCIMLAB_SCIM_ADDR", default_value = DEFAULT_SCIM_ADDR)]
    scim_addr: SocketAddr,
    /// Users per phase (the cycle phase runs this many cycles).
    #[arg(short = 'n', long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    n: u64,
    /// Concurrent clients (each on its own kept-alive connection).
    #[arg(short = 'c', long, default_value_t = 8,
          value_parser = clap::value_parser!(u64).range(1..=512))]
    c: u64,
    /// Phases to run, comma-separated (patch, lookup, list and deactivate use the users create made).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "create,patch,lookup,list,deactivate,cycle"
    )]
    phases: Vec<Phase>,
    /// Print {"phases": [{"name", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors"}]}.
    #[arg(long)]
    json: bool,
    /// Seconds one request may take before it counts as an error.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// Run `scimlab bench`: 0 when no request failed, 1 when some did, 2 when it could not run.
pub async fn run(args: BenchArgs) -> ExitCode {
    match bench(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Where to send: the socket address, the Host header, the base path (no trailing `/`).
#[derive(Clone, Debug)]
struct Target {
    addr: String,
    host: String,
    base: String,
    auth: String,
}

fn parse_target(url: &str, token: &str) -> Result<Target> {
    let Some(rest) = url.strip_prefix("http://") else {
        bail!(
            "invalid --target '{url}': scimlab bench speaks plain http (loopback and lab endpoints): use http://host:port/scim/v2"
        );
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.is_empty() {
        bail!("invalid --target '{url}': no host: use http://host:port/scim/v2");
    }
    let addr = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Ok(Target {
        addr,
        host: authority.to_owned(),
        base: path.trim_end_matches('/').to_owned(),
        auth: format!("Bearer {token}"),
    })
}

async fn bench(args: BenchArgs) -> Result<bool> {
    let target = match &args.target {
        Some(url) => {
            let token = args.token.as_deref().context(
                "--token is required with --target: pass the bearer token the target expects",
            )?;
            parse_target(url, token)?
        }
        None => {
            let (db, slug) = args.db.resolve().await?;
            let token = match &args.token {
                Some(t) => t.clone(),
                None => super::simulate_cmd::stored_key(&db).await?,
            };
            parse_target(
                &format!("http://{}{}", args.scim_addr, slug.scim_base_path()),
                &token,
            )?
        }
    };
    // One connection first: a target that does not answer stops here, not in every phase.
    let mut probe = Client::connect(&target, Duration::from_secs(args.timeout))
        .await
        .with_context(|| {
            format!(
                "nothing answers at {} (is the target running?)",
                target.addr
            )
        })?;
    let answer = probe
        .send(
            "GET",
            &format!("{}/ServiceProviderConfig", target.base),
            None,
        )
        .await
        .with_context(|| format!("{} does not answer http", target.addr))?;
    if answer.status == 401 || answer.status == 403 {
        bail!(
            "the target refused the token ({}): pass the key it expects with --token",
            answer.status
        );
    }
    drop(probe);

    let run_id = format!(
        "{:x}",
        std::process::id() ^ (Instant::now().elapsed().subsec_nanos())
    );
    let n = args.n as usize;
    let c = args.c as usize;
    let timeout = Duration::from_secs(args.timeout);
    let mut created: Arc<Vec<Option<String>>> = Arc::new(Vec::new());
    let mut results = Vec::new();
    for phase in &args.phases {
        let ctx = PhaseCtx {
            target: target.clone(),
            run: run_id.clone(),
            n,
            created: created.clone(),
            timeout,
        };
        let (result, ids) = run_phase(*phase, ctx, c).await;
        if *phase == Phase::Create {
            created = Arc::new(ids);
        }
        if !args.json {
            print_row(&result);
        }
        results.push(result);
    }
    let ok = results.iter().all(|r| r.errors == 0);
    if args.json {
        let phases: Vec<serde_json::Value> = results
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name, "requests": r.requests, "rps": round2(r.rps),
                    "p50_ms": round2(r.p50_ms), "p95_ms": round2(r.p95_ms), "p99_ms": round2(r.p99_ms),
                    "errors": r.errors, "error_samples": r.samples,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"target": format!("http://{}{}", target.host, target.base), "n": n, "c": c, "phases": phases})
        );
    }
    Ok(ok)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What one phase measured.
struct PhaseResult {
    name: &'static str,
    requests: usize,
    rps: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    errors: usize,
    /// The first few distinct errors, e.g. `409 {"detail": …}`.
    samples: Vec<String>,
}

fn print_row(r: &PhaseResult) {
    println!(
        "{:<11} {:>8} requests {:>10.0} req/s   p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   {} errors",
        r.name, r.requests, r.rps, r.p50_ms, r.p95_ms, r.p99_ms, r.errors
    );
    for s in &r.samples {
        println!("            error: {s}");
    }
}

#[derive(Clone)]
struct PhaseCtx {
    target: Target,
    run: String,
    n: usize,
    created: Arc<Vec<Option<String>>>,
    timeout: Duration,
}

impl PhaseCtx {
    fn user_name(&self, kind: &str, i: usize) -> String {
        format!("bench-{}-{kind}-{i}@example.com", self.run)
    }
}

/// What one worker measured.
#[derive(Default)]
struct Tally {
    micros: Vec<u32>,
    errors: usize,
    samples: Vec<String>,
    ids: Vec<(usize, String)>,
}

impl Tally {
    fn record(&mut self, started: Instant, outcome: &Result<Answer>, expect: &[u16]) -> bool {
        self.micros
            .push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        let problem = match outcome {
            Ok(a) if expect.contains(&a.status) => return true,
            Ok(a) => format!(
                "{} {}",
                a.status,
                String::from_utf8_lossy(&a.body[..a.body.len().min(200)])
            ),
            Err(e) => format!("{e:#}"),
        };
        self.errors += 1;
        if self.samples.len() < 3 && !self.samples.contains(&problem) {
            self.samples.push(problem);
        }
        false
    }
}

async fn run_phase(phase: Phase, ctx: PhaseCtx, c: usize) -> (PhaseResult, Vec<Option<String>>) {
    let next = Arc::new(AtomicUsize::new(0));
    let units = match phase {
        Phase::List => ctx.n.div_ceil(100),
        _ => ctx.n,
    };
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..c.min(units.max(1)) {
        let ctx = ctx.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut client: Option<Client> = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= units {
                    break;
                }
                unit(phase, &ctx, i, &mut client, &mut tally).await;
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for w in workers {
        if let Ok(t) = w.await {
            all.micros.extend(t.micros);
            all.errors += t.errors;
            for s in t.samples {
                if all.samples.len() < 3 && !all.samples.contains(&s) {
                    all.samples.push(s);
                }
            }
            all.ids.extend(t.ids);
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    all.micros.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.micros.is_empty() {
            return 0.0;
        }
        let idx = ((all.micros.len() as f64 - 1.0) * p).round() as usize;
        f64::from(all.micros[idx.min(all.micros.len() - 1)]) / 1000.0
    };
    let mut ids = vec![None; if phase == Phase::Create { ctx.n } else { 0 }];
    for (i, id) in all.ids {
        if let Some(slot) = ids.get_mut(i) {
            *slot = Some(id);
        }
    }
    (
        PhaseResult {
            name: phase.name(),
            requests: all.micros.len(),
            rps: all.micros.len() as f64 / elapsed,
            p50_ms: pct(0.50),
            p95_ms: pct(0.95),
            p99_ms: pct(0.99),
            errors: all.errors,
            samples: all.samples,
        },
        ids,
    )
}

/// Send one request on the worker's connection (opened, or opened again, as needed).
async fn send(
    ctx: &PhaseCtx,
    client: &mut Option<Client>,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Answer> {
    if client.is_none() {
        *client = Some(Client::connect(&ctx.target, ctx.timeout).await?);
    }
    let Some(c) = client.as_mut() else {
        bail!("no connection");
    };
    let full = format!("{}{path}", ctx.target.base);
    let answer = c.send(method, &full, body).await;
    if answer.as_ref().map_or(true, |a| a.close) {
        *client = None;
    }
    answer
}

fn user_body(user_name: &str, i: usize) -> String {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": format!("ext-{i}-{user_name}"),
        "active": true,
        "displayName": format!("Bench User {i}"),
        "name": {"givenName": "Bench", "familyName": format!("User{i}")},
        "emails": [{"value": user_name, "type": "work", "primary": true}],
    })
    .to_string()
}

fn patch_body(path: &str, value: &serde_json::Value) -> String {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": path, "value": value}],
    })
    .to_string()
}

fn filter_path(user_name: &str) -> String {
    let encoded: String = user_name
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/Users?filter=userName%20eq%20%22{encoded}%22")
}

/// The `id` of a created resource, found in its JSON without parsing the rest.
fn created_id(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.get("id")?.as_str().map(str::to_owned)
}

async fn unit(
    phase: Phase,
    ctx: &PhaseCtx,
    i: usize,
    client: &mut Option<Client>,
    tally: &mut Tally,
) {
    let id = || ctx.created.get(i).cloned().flatten();
    match phase {
        Phase::Create => {
            let body = user_body(&ctx.user_name("u", i), i);
            let t = Instant::now();
            let a = send(ctx, client, "POST", "/Users", Some(&body)).await;
            if tally.record(t, &a, &[201])
                && let Some(id) = a.ok().and_then(|a| created_id(&a.body))
            {
                tally.ids.push((i, id));
            }
        }
        Phase::Patch | Phase::Deactivate => {
            let Some(id) = id() else {
                tally.record(
                    Instant::now(),
                    &Err(anyhow::anyhow!(
                        "user {i} was not created: run the create phase first"
                    )),
                    &[],
                );
                return;
            };
            let body = if phase == Phase::Patch {
                patch_body(
                    "displayName",
                    &serde_json::json!(format!("Bench User {i} (renamed)")),
                )
            } else {
                patch_body("active", &serde_json::json!(false))
            };
            let t = Instant::now();
            let a = send(ctx, client, "PATCH", &format!("/Users/{id}"), Some(&body)).await;
            tally.record(t, &a, &[200, 204]);
        }
        Phase::Lookup => {
            let t = Instant::now();
            let a = send(
                ctx,
                client,
                "GET",
                &filter_path(&ctx.user_name("u", i)),
                None,
            )
            .await;
            tally.record(t, &a, &[200]);
        }
        Phase::List => {
            let t = Instant::now();
            let path = format!("/Users?startIndex={}&count=100", i * 100 + 1);
            let a = send(ctx, client, "GET", &path, None).await;
            tally.record(t, &a, &[200]);
        }
        Phase::Cycle => {
            let name = ctx.user_name("cycle", i);
            let t = Instant::now();
            let a = send(ctx, client, "GET", &filter_path(&name), None).await;
            if !tally.record(t, &a, &[200]) {
                return;
            }
            let t = Instant::now();
            let a = send(ctx, client, "POST", "/Users", Some(&user_body(&name, i))).await;
            if !tally.record(t, &a, &[201]) {
                return;
            }
            let Some(id) = a.ok().and_then(|a| created_id(&a.body)) else {
                return;
            };
            let t = Instant::now();
            let a = send(ctx, client, "GET", &format!("/Users/{id}"), None).await;
            tally.record(t, &a, &[200]);
            let body = patch_body("displayName", &serde_json::json!(format!("Cycle {i}")));
            let t = Instant::now();
            let a = send(ctx, client, "PATCH", &format!("/Users/{id}"), Some(&body)).await;
            tally.record(t, &a, &[200, 204]);
            let body = patch_body("active", &serde_json::json!(false));
            let t = Instant::now();
            let a = send(ctx, client, "PATCH", &format!("/Users/{id}"), Some(&body)).await;
            tally.record(t, &a, &[200, 204]);
        }
    }
}

/// A response: its status, body, and whether the server closes the connection after it.
struct Answer {
    status: u16,
    body: Vec<u8>,
    close: bool,
}

/// One kept-alive HTTP/1.1 connection.
struct Client {
    io: BufReader<TcpStream>,
    host: String,
    auth: String,
    timeout: Duration,
    request: Vec<u8>,
}

impl Client {
    async fn connect(target: &Target, timeout: Duration) -> Result<Self> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(&target.addr))
            .await
            .context("connect timed out")?
            .with_context(|| format!("could not connect to {}", target.addr))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            io: BufReader::with_capacity(64 * 1024, stream),
            host: target.host.clone(),
            auth: target.auth.clone(),
            timeout,
            request: Vec::with_capacity(1024),
        })
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<&str>) -> Result<Answer> {
        tokio::time::timeout(self.timeout, self.exchange(method, path, body))
            .await
            .context("no answer within --timeout")?
    }

    async fn exchange(&mut self, method: &str, path: &str, body: Option<&str>) -> Result<Answer> {
        use std::io::Write as _;
        self.request.clear();
        write!(
            self.request,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nAccept: application/scim+json\r\nUser-Agent: scimlab-bench\r\n",
            self.host, self.auth
        )?;
        match body {
            Some(b) => write!(
                self.request,
                "Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            )?,
            None => self.request.extend_from_slice(b"\r\n"),
        }
        self.io.get_mut().write_all(&self.request).await?;
        // Status line and headers.
        let mut line = String::new();
        if self.io.read_line(&mut line).await? == 0 {
            bail!("the server closed the connection");
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("not an http status line: {}", line.trim()))?;
        let mut length: Option<usize> = None;
        let mut chunked = false;
        let mut close = line.starts_with("HTTP/1.0");
        loop {
            line.clear();
            if self.io.read_line(&mut line).await? == 0 {
                bail!("the server closed the connection in the headers");
            }
            let h = line.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().ok();
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.to_ascii_lowercase().contains("chunked");
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.eq_ignore_ascii_case("close");
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.io.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)
                    .context("a bad chunk size")?;
                if size == 0 {
                    // Trailers, then the blank line.
                    loop {
                        line.clear();
                        if self.io.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.io.read_exact(&mut body[start..]).await?;
                line.clear();
                self.io.read_line(&mut line).await?;
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            self.io.read_exact(&mut body).await?;
        } else if method != "HEAD" && status != 204 && status != 304 {
            // No length: the body runs to the end of the connection.
            self.io.read_to_end(&mut body).await?;
            close = true;
        }
        Ok(Answer {
            status,
            body,
            close,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_plain_http_with_a_base_path() {
        let t = parse_target("http://127.0.0.1:8000/scim/v2/", "k").unwrap();
        assert_eq!(
            (t.addr.as_str(), t.base.as_str(), t.auth.as_str()),
            ("127.0.0.1:8000", "/scim/v2", "Bearer k")
        );
        assert_eq!(parse_target("http://lab/scim", "k").unwrap().addr, "lab:80");
        assert!(parse_target("https://app.example.com/scim/v2", "k").is_err());
        assert!(parse_target("http:///scim", "k").is_err());
    }

    #[test]
    fn filters_are_encoded() {
        assert_eq!(
            filter_path("a+b@x.com"),
            "/Users?filter=userName%20eq%20%22a%2Bb%40x.com%22"
        );
    }
}
