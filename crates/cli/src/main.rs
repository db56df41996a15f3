//! `scimlab`: the headless command line. `serve` runs the SCIM endpoint and the admin listener until Ctrl-C or SIGTERM;
//! `token show|rotate` manage the SCIM API key; `simulate` replays Entra ID or Okta provisioning
//! against a SCIM endpoint (the local one by default); `replay` resends captured exchanges;
//! `report` and `export har` write the hand-over files. Its own crate, so the desktop app never
//! builds clap; the only place that uses `anyhow`.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use scimlab_engine::capture::{DEFAULT_BODY_CAP, DEFAULT_REJECTED_RETENTION, DEFAULT_RETENTION};
use scimlab_engine::config::{
    DEFAULT_ADMIN_ADDR, DEFAULT_BODY_LIMIT, DEFAULT_CLOUDFLARED, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
    DEFAULT_MAX_HEADER_BYTES, DEFAULT_NGROK_API, DEFAULT_SCIM_ADDR, default_db_path,
};
use scimlab_engine::database::Database;
use scimlab_engine::{Engine, EngineConfig, auth};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

mod admin_user_cmd;
mod bench_cmd;
mod replay_cmd;
mod report_cmd;
mod simulate_cmd;
mod workspace_cmd;

/// ScimLab: a local SCIM 2.0 endpoint to rehearse Entra ID and Okta provisioning.
#[derive(Parser)]
#[command(name = "scimlab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the SCIM endpoint and the private admin listener until Ctrl-C or SIGTERM.
    Serve(Box<ServeArgs>),
    /// Show or rotate the SCIM API key.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Act as Entra ID or Okta: replay their provisioning against a SCIM endpoint and judge
    /// every answer. Exit code 0 only when every step met the IdP's expectation.
    Simulate(simulate_cmd::SimulateArgs),
    /// Send exchanges captured here to another SCIM endpoint, in their original order, with
    /// ids rewritten to the target's, and judge every answer. Exit code 0 only when every step
    /// passed.
    Replay(replay_cmd::ReplayArgs),
    /// Write the hand-over report (checklists, roles, users' mappings, failing requests) from
    /// the database. Exit code 1 when a checklist item fails, 0 when none does, 2 when it
    /// cannot run.
    Report(report_cmd::ReportArgs),
    /// Export what ScimLab captured, e.g. `export har -o traffic.har`.
    Export {
        #[command(subcommand)]
        what: report_cmd::ExportWhat,
    },
    /// Load a SCIM endpoint with the phases of IdP provisioning (create, PATCH, lookup, list,
    /// deactivate, an Entra cycle) and report req/s, p50/p95/p99 and errors per phase. Exit code 0
    /// when no request failed.
    Bench(bench_cmd::BenchArgs),
    /// One workspace per customer: create, list, rename, delete, export, import.
    Workspace {
        #[command(subcommand)]
        action: workspace_cmd::WorkspaceAction,
    },
    /// Personal admin tokens with a role (viewer, operator, owner): add, list, revoke.
    AdminUser {
        #[command(subcommand)]
        action: admin_user_cmd::AdminUserAction,
    },
}

#[derive(Args)]
pub(crate) struct DbArg {
    /// SQLite database file [default: the OS data directory, e.g. ~/.local/share/scimlab/scimlab.db].
    #[arg(long, env = "SCIMLAB_DB")]
    pub(crate) db: Option<PathBuf>,
    /// Keep the data in this PostgreSQL database instead of a SQLite file (then --db is not
    /// used), e.g. postgres://scimlab:PASSWORD@127.0.0.1:5432/scimlab; each workspace is a schema.
    #[arg(
        long,
        env = "SCIMLAB_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) database_url: Option<String>,
}

impl DbArg {
    /// Where the data is: `--database-url`, else `--db`, else the OS data directory's file.
    pub(crate) fn database(&self) -> Result<Database> {
        match self
            .database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            Some(url) => Ok(Database::Postgres(url.trim().to_owned())),
            None => Ok(Database::Sqlite(resolve_db(self.db.clone())?)),
        }
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArg,
    /// Address of the SCIM listener; use 0.0.0.0:8787 to accept connections from the LAN.
    #[arg(long, env = "SCIMLAB_SCIM_ADDR", default_value = DEFAULT_SCIM_ADDR)]
    scim_addr: SocketAddr,
    /// Use this SCIM API key (at least 16 printable characters) instead of the stored one.
    #[arg(
        long,
        env = "SCIMLAB_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    token: Option<String>,
    /// Answer per RFC 7644 instead of accepting IdP quirks (what a strict production app would do).
    #[arg(long, env = "SCIMLAB_STRICT", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    strict: bool,
    /// Fault rules to rehearse a misbehaving app: a JSON array of rules (see the README's
    /// "Faults"). They replace the stored rules; a file that does not validate stops the start.
    #[arg(long, env = "SCIMLAB_FAULTS", value_name = "RULES.json")]
    faults: Option<PathBuf>,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "SCIMLAB_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Seconds a request's head (request line and headers) may take to arrive; slower
    /// connections are closed. Both listeners.
    #[arg(long, env = "SCIMLAB_HEADER_READ_TIMEOUT", value_name = "SECS",
          default_value_t = DEFAULT_HEADER_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=30))]
    header_read_timeout: u64,
    /// Seconds a kept-alive connection may idle between requests (or a request go without a
    /// byte read or written) before it is closed. Both listeners.
    #[arg(long, env = "SCIMLAB_IDLE_TIMEOUT", value_name = "SECS",
          default_value_t = DEFAULT_IDLE_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    idle_timeout: u64,
    /// Connections open at once on the SCIM listener; more are answered 503 with Retry-After.
    #[arg(long, env = "SCIMLAB_MAX_CONNECTIONS", value_name = "N",
          default_value_t = DEFAULT_MAX_CONNECTIONS as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_connections: u32,
    /// Per client on the SCIM listener: connections open per address and requests in flight
    /// (behind a tunnel, per forwarded client address); more get 503 with Retry-After.
    #[arg(long, env = "SCIMLAB_MAX_CONNECTIONS_PER_CLIENT", value_name = "N",
          default_value_t = DEFAULT_MAX_CONNECTIONS_PER_CLIENT as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_connections_per_client: u32,
    /// Largest request head (request line and headers), in bytes; more gets 431. Both listeners.
    #[arg(long, env = "SCIMLAB_MAX_HEADER_BYTES", value_name = "BYTES",
          default_value_t = DEFAULT_MAX_HEADER_BYTES as u32,
          value_parser = clap::value_parser!(u32).range(1024..=262_144))]
    max_header_bytes: u32,
    /// Address of the admin listener (API and UI); never tunnel it. Off loopback (team mode,
    /// e.g. 0.0.0.0:8788) it needs --tls-cert and --tls-key, and a way to sign in: an identity
    /// provider (--oidc-issuer) or personal tokens (`scimlab admin-user add`).
    #[arg(long, env = "SCIMLAB_ADMIN_ADDR", default_value = DEFAULT_ADMIN_ADDR)]
    admin_addr: SocketAddr,
    /// TLS certificate chain for the admin listener (PEM, the server's certificate first).
    #[arg(
        long,
        env = "SCIMLAB_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// TLS private key for the admin listener (PEM, unencrypted).
    #[arg(
        long,
        env = "SCIMLAB_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// The admin UI's address as your team opens it (e.g. https://scimlab.example.com:8788):
    /// the sign-in's redirect URI is <URL>/auth/callback. Unset: taken from each request's Host.
    #[arg(long, env = "SCIMLAB_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// Sign-in with your OpenID Connect provider: its issuer, exactly as its discovery document
    /// says (Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0; Okta:
    /// https://<org>.okta.com or https://<org>.okta.com/oauth2/default).
    #[arg(
        long,
        env = "SCIMLAB_OIDC_ISSUER",
        value_name = "URL",
        requires = "oidc_client_id"
    )]
    oidc_issuer: Option<String>,
    /// The application (client) id registered at the provider.
    #[arg(
        long,
        env = "SCIMLAB_OIDC_CLIENT_ID",
        value_name = "ID",
        requires = "oidc_issuer"
    )]
    oidc_client_id: Option<String>,
    /// The client secret of that registration (prefer the variable: a flag shows in `ps`).
    #[arg(
        long,
        env = "SCIMLAB_OIDC_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    oidc_client_secret: Option<String>,
    /// Scopes asked for, space-separated (add `groups` on Okta to get the groups claim).
    #[arg(long, env = "SCIMLAB_OIDC_SCOPES", value_name = "SCOPES", default_value = scimlab_engine::oidc::DEFAULT_SCOPES)]
    oidc_scopes: String,
    /// The ID token claim listing the person's groups (for group:… rules).
    #[arg(long, env = "SCIMLAB_OIDC_GROUPS_CLAIM", value_name = "CLAIM", default_value = scimlab_engine::oidc::DEFAULT_GROUPS_CLAIM)]
    oidc_groups_claim: String,
    /// Who may sign in with the provider, and as what: KIND:VALUE=ROLE with KIND email, domain
    /// or group and ROLE viewer, operator or owner (repeat it; the highest match wins).
    #[arg(long = "allow-sign-in", env = "SCIMLAB_ALLOW_SIGN_IN", value_name = "RULE",
          value_delimiter = ',', value_parser = clap::value_parser!(scimlab_engine::oidc::SignInRule))]
    allow_sign_in: Vec<scimlab_engine::oidc::SignInRule>,
    /// Count `preferred_username`/`upn` as the email for --allow-sign-in rules when the provider
    /// sends no verified email (on by itself for an Entra ID issuer, where it is the UPN the
    /// tenant's admins set; elsewhere a user may choose it).
    #[arg(long, env = "SCIMLAB_OIDC_TRUST_UPN", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    oidc_trust_upn: bool,
    /// Hours a sign-in lasts.
    #[arg(long, env = "SCIMLAB_SESSION_HOURS", value_name = "HOURS", default_value_t = 8,
          value_parser = clap::value_parser!(u64).range(1..=720))]
    session_hours: u64,
    /// Serve the ScimLab UI in the browser at the admin address, from DIR (a built `ui/dist`);
    /// `--ui` alone finds ui/dist of this checkout (from the binary's path, then the current directory).
    #[arg(long, env = "SCIMLAB_UI_DIR", value_name = "DIR", num_args = 0..=1, default_missing_value = "auto")]
    ui: Option<PathBuf>,
    /// Use this admin token (at least 16 printable characters) instead of a new random one per launch.
    #[arg(
        long,
        env = "SCIMLAB_ADMIN_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    admin_token: Option<String>,
    /// Largest body stored per captured exchange, in bytes; larger bodies are stored truncated.
    #[arg(long, env = "SCIMLAB_CAPTURE_BODY_CAP", default_value_t = DEFAULT_BODY_CAP)]
    capture_body_cap: usize,
    /// Number of captured exchanges kept; the oldest are dropped first.
    #[arg(long, env = "SCIMLAB_RETENTION", default_value_t = DEFAULT_RETENTION,
          value_parser = clap::value_parser!(i64).range(scimlab_engine::runtime::MIN_RETENTION..=scimlab_engine::runtime::MAX_RETENTION))]
    retention: i64,
    /// Number of folds of rejected requests (sent without a valid SCIM key; repeats from one
    /// client counted into one) kept apart from --retention; the oldest are dropped first.
    #[arg(long, env = "SCIMLAB_REJECTED_RETENTION", default_value_t = DEFAULT_REJECTED_RETENTION,
          value_parser = clap::value_parser!(i64).range(scimlab_engine::runtime::MIN_RETENTION..=scimlab_engine::runtime::MAX_RETENTION))]
    rejected_retention: i64,
    /// Time an unindexed filter scan (or an in-memory sort) may take, in milliseconds,
    /// waiting included; past it the answer is 503 with Retry-After.
    #[arg(long, env = "SCIMLAB_SCAN_BUDGET_MS", default_value_t = scimlab_engine::config::DEFAULT_SCAN_BUDGET.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    scan_budget_ms: u64,
    /// Make the SCIM port public with a tunnel once the listeners are up (only the SCIM port,
    /// never the admin port): prints the public tenant URL when known, and loudly when the
    /// tunnel stops (it is not restarted: a new quick tunnel has a new URL).
    #[arg(long, env = "SCIMLAB_TUNNEL", value_enum, value_name = "PROVIDER")]
    tunnel: Option<TunnelChoice>,
    /// The cloudflared program to run (a name on PATH or a path).
    #[arg(long, env = "SCIMLAB_CLOUDFLARED", value_name = "PROGRAM", default_value = DEFAULT_CLOUDFLARED)]
    cloudflared: PathBuf,
    /// ngrok's local API, read when cloudflared is not installed (a tunnel you run with
    /// `ngrok http <scim port>`).
    #[arg(long, env = "SCIMLAB_NGROK_API", value_name = "URL", default_value = DEFAULT_NGROK_API)]
    ngrok_api: String,
}

/// Tunnels `serve --tunnel` can start.
#[derive(Clone, Copy, clap::ValueEnum)]
enum TunnelChoice {
    /// A cloudflared quick tunnel (https://<random>.trycloudflare.com); without cloudflared, an
    /// ngrok tunnel already running to the SCIM port is used.
    Cloudflared,
}

#[derive(Subcommand)]
enum TokenAction {
    /// Print the SCIM API key alone on stdout (creating one if none exists yet).
    Show(workspace_cmd::WorkspaceDb),
    /// Replace the SCIM API key with a new random one and print it.
    Rotate(workspace_cmd::WorkspaceDb),
}

pub(crate) fn resolve_db(arg: Option<PathBuf>) -> Result<PathBuf> {
    arg.or_else(default_db_path)
        .context("no home directory to put the database in: pass --db PATH or set SCIMLAB_DB")
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCIMLAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// mimalloc, not glibc's malloc (why: crates/engine/src/memory.rs).
#[global_allocator]
static ALLOCATOR: scimlab_engine::memory::Allocator = scimlab_engine::memory::Allocator;

#[tokio::main]
async fn main() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(*args).await.map(|()| ExitCode::SUCCESS),
        Command::Token { action } => token(action).await.map(|()| ExitCode::SUCCESS),
        Command::Simulate(args) => Ok(simulate_cmd::run(args).await),
        Command::Replay(args) => Ok(replay_cmd::run(args).await),
        Command::Report(args) => Ok(report_cmd::run_report(args).await),
        Command::Export { what } => Ok(report_cmd::run_export(what).await),
        Command::Workspace { action } => Ok(workspace_cmd::run(action).await),
        Command::AdminUser { action } => Ok(admin_user_cmd::run(action).await),
        Command::Bench(args) => Ok(bench_cmd::run(args).await),
    }
}

/// The UI directory for `--ui`: the one given, or `ui/dist` beside this checkout. It must hold
/// a built `index.html`.
fn find_ui_dir(given: PathBuf) -> Result<PathBuf> {
    let build_hint =
        "build it with `npm --prefix ui ci && npm --prefix ui run build` (or `make ui`)";
    if given.as_os_str() != "auto" {
        if given.join("index.html").is_file() {
            return Ok(given);
        }
        anyhow::bail!(
            "no built ui in {}: --ui needs a directory with index.html; {build_hint}",
            given.display()
        );
    }
    // target/<profile>/scimlab → the checkout's ui/dist; then ./ui/dist.
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe()
        && let Some(root) = exe
            .parent()
            .and_then(|p| p.parent())
            .and_then(|p| p.parent())
    {
        candidates.push(root.join("ui/dist"));
    }
    candidates.push(PathBuf::from("ui/dist"));
    candidates
        .iter()
        .find(|c| c.join("index.html").is_file())
        .cloned()
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no built ui found (looked in {}): {build_hint}, or pass --ui <dir>",
                candidates
                    .iter()
                    .map(|c| c.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

async fn serve(args: ServeArgs) -> Result<()> {
    init_tracing();
    let database = args.db.database()?;
    let mut config = EngineConfig::new(match &database {
        Database::Sqlite(path) => path.clone(),
        Database::Postgres(_) => PathBuf::new(),
    });
    if let Database::Postgres(url) = &database {
        config.database_url = Some(url.clone());
    }
    config.scim_addr = args.scim_addr;
    config.scim_token = args.token;
    config.strict = args.strict;
    config.faults_file = args.faults;
    config.body_limit = args.body_limit;
    config.header_read_timeout = std::time::Duration::from_secs(args.header_read_timeout);
    config.idle_timeout = std::time::Duration::from_secs(args.idle_timeout);
    config.max_connections = args.max_connections as usize;
    config.max_connections_per_client = args.max_connections_per_client as usize;
    config.max_header_bytes = args.max_header_bytes as usize;
    config.admin_addr = args.admin_addr;
    config.admin_token = args.admin_token;
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        config.tls = Some(scimlab_engine::tls::TlsFiles { cert, key });
    }
    config.public_url = args.public_url;
    // The desktop app as a client of this server (it sends a personal token).
    config.admin_allowed_origins = scimlab_engine::config::DESKTOP_ORIGINS
        .map(str::to_owned)
        .to_vec();
    if let (Some(issuer), Some(client_id)) = (args.oidc_issuer, args.oidc_client_id) {
        let mut oidc = scimlab_engine::oidc::OidcSettings::new(issuer, client_id);
        oidc.client_secret = args.oidc_client_secret;
        oidc.scopes = args.oidc_scopes;
        oidc.groups_claim = args.oidc_groups_claim;
        oidc.rules = args.allow_sign_in;
        oidc.session_lifetime = std::time::Duration::from_secs(args.session_hours * 3600);
        oidc.trust_upn |= args.oidc_trust_upn;
        config.oidc = Some(oidc);
    } else if !args.allow_sign_in.is_empty() {
        anyhow::bail!(
            "--allow-sign-in needs an identity provider: add --oidc-issuer URL --oidc-client-id ID"
        );
    }
    let signs_in = config.oidc.is_some();
    let public_url = config.public_url.clone();
    config.capture_body_cap = args.capture_body_cap;
    config.retention = args.retention;
    config.rejected_retention = args.rejected_retention;
    config.scan_budget = std::time::Duration::from_millis(args.scan_budget_ms);
    config.ui_dir = args.ui.map(find_ui_dir).transpose()?;
    config.cloudflared = args.cloudflared;
    config.ngrok_api = args.ngrok_api;
    let served_ui = config.ui_dir.is_some();
    // One line, the cause included (the engine's errors name the bad value and the fix).
    let engine = Engine::start(config)
        .await
        .map_err(|e| anyhow::anyhow!("scimlab could not start: {e}"))?;
    // Listen for Ctrl-C and SIGTERM before the banner says to press it: a signal that arrived
    // before its handler would kill the process without a clean stop.
    let mut signals = StopSignals::install().context("could not listen for ctrl-c or sigterm")?;
    let url = engine.scim_base_url();
    println!(
        "ScimLab SCIM endpoint is running{}",
        if args.strict {
            " (strict RFC mode)"
        } else {
            ""
        }
    );
    println!();
    println!("  Tenant URL / SCIM connector base URL:  {url}");
    // The binary's own path, so the hint works when it runs from `make serve` (not on PATH).
    let me = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "scimlab".to_owned());
    println!(
        "  Secret Token / API token:              run `{me} token show{}`",
        workspace_cmd::db_flag(&database)
    );
    println!(
        "  Database:                              {}",
        database.describe()
    );
    println!();
    // The only place the admin token is shown: this terminal, the local user's. Under systemd
    // (`JOURNAL_STREAM` set) this output is kept in the journal, which secrets never reach:
    // the operator set the token in the service's environment file instead.
    let label = if served_ui {
        "Admin UI (open in a browser):"
    } else {
        "Admin UI / API:"
    };
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        println!(
            "  {label:<39}{}/ (the admin token: SCIMLAB_ADMIN_TOKEN in the service's environment file; never logged)",
            engine.admin_base_url()
        );
    } else {
        println!("  {label:<39}{}", engine.admin_login_url());
    }
    if signs_in {
        let at = public_url.unwrap_or_else(|| engine.admin_base_url());
        println!(
            "  Team sign-in:                          {}/ (with your identity provider)",
            at.trim_end_matches('/')
        );
    }
    println!();
    if args.tunnel.is_some() {
        // Subscribed before the start, so no change is missed; printed as they come.
        tokio::spawn(print_tunnel_changes(engine.events.subscribe()));
        engine
            .tunnel()
            .start()
            .await
            .context("could not start the tunnel")?;
    } else {
        println!("Entra ID and Okta cannot reach 127.0.0.1: expose the port with a tunnel");
        println!(
            "(`--tunnel cloudflared`, or `ngrok http {}`) and use https://<tunnel-host>/scim/v2 as the URL.",
            engine.scim_addr.port()
        );
    }
    println!("Press Ctrl-C to stop.");
    let why = signals.next().await;
    eprintln!(
        "stopping ({why}): finishing in-flight requests (at most {} s; press Ctrl-C again to quit now)",
        scimlab_engine::SHUTDOWN_GRACE.as_secs()
    );
    tokio::spawn(async move {
        let again = signals.next().await;
        eprintln!("second {again}: quitting without waiting");
        std::process::exit(130);
    });
    engine
        .shutdown()
        .await
        .context("the scim listener failed while stopping")?;
    Ok(())
}

/// Print every change of the tunnel: the public tenant URL when known, loudly (on stderr) when
/// it changed, stopped or cannot start.
async fn print_tunnel_changes(
    mut events: tokio::sync::broadcast::Receiver<scimlab_engine::events::Tagged>,
) {
    use scimlab_engine::events::EngineEvent;
    use scimlab_engine::tunnel::TunnelStatus;
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let state = match events.recv().await {
            Ok(scimlab_engine::events::Tagged {
                event: EngineEvent::TunnelChanged { tunnel },
                ..
            }) => tunnel,
            Ok(_) | Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let detail = state.detail.as_deref().unwrap_or("");
        let tenant = state.tenant_url.as_deref().unwrap_or("");
        match state.status {
            TunnelStatus::Starting => {
                println!("Starting a cloudflared quick tunnel to the SCIM port…");
            }
            TunnelStatus::Running => {
                println!();
                println!("  Public tenant URL (cloudflared):        {tenant}");
                println!(
                    "  Paste it into Entra ID (Tenant URL) or Okta (SCIM connector base URL)."
                );
                println!();
                if let Some(old) = &state.previous_url {
                    eprintln!(
                        "!! the public URL changed (it was {old}): update the Tenant URL in Entra ID / Okta to {tenant}"
                    );
                }
            }
            TunnelStatus::External => {
                println!();
                println!("  Public tenant URL (ngrok, not managed): {tenant}");
                println!();
            }
            TunnelStatus::Stopped => {
                eprintln!("!! the tunnel stopped: {detail}");
                if let Some(old) = &state.previous_url {
                    eprintln!(
                        "!! {old} no longer reaches ScimLab: Entra ID / Okta provisioning fails until you start a tunnel again and update the Tenant URL"
                    );
                }
            }
            TunnelStatus::Unavailable => eprintln!("!! no tunnel: {detail}"),
            TunnelStatus::Off => {}
        }
    }
}

/// The signals that stop `serve` gracefully: Ctrl-C (SIGINT) and, on Unix, SIGTERM (what
/// `kill`, systemd and container runtimes send). Handlers are installed by [`Self::install`].
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next stop signal, named for the log.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "ctrl-c",
                _ = self.terminate.recv() => "sigterm",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "ctrl-c"
        }
    }
}

async fn token(action: TokenAction) -> Result<()> {
    let (db, rotate) = match action {
        TokenAction::Show(db) => (db, false),
        TokenAction::Rotate(db) => (db, true),
    };
    let (db, _) = db.resolve().await?;
    let store = db.open().await?;
    let mut tx = store
        .write()
        .await
        .context("could not open a database connection")?;
    let key = if rotate {
        auth::rotate_key(&mut tx).await?
    } else {
        auth::load_or_create_key(&mut tx).await?
    };
    tx.commit()
        .await
        .context("could not save the scim api key")?;
    store.close().await;
    println!("{key}");
    if rotate {
        eprintln!(
            "the old key no longer works (a running `scimlab serve` picks up the new key at once)"
        );
    }
    Ok(())
}
