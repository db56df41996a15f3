//! `EngineConfig`: everything the engine needs to start, in one typed struct, and every default
//! and limit of it.
//!
//! Layering is defaults → `SCIMLAB_*` environment → CLI flags; the CLI (clap, with `env`) does the
//! last two, the Tauri shell builds this struct from its app data dir. Secrets (the SCIM key)
//! are redacted in `Debug` so a config can be logged safely. A leaf: it imports nothing of the
//! crate; the modules that apply a setting import its default from here.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Default bind address of the SCIM listener.
pub const DEFAULT_SCIM_ADDR: &str = "127.0.0.1:8787";
/// Default bind address of the admin listener (loopback only).
pub const DEFAULT_ADMIN_ADDR: &str = "127.0.0.1:8788";
/// Default request body limit: 4 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;
/// Default page size of list responses when the client sends no `count`.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page a list response returns; a larger `count` is clamped to it.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Default cap on each stored body (bytes); larger bodies are stored truncated and say so.
pub const DEFAULT_BODY_CAP: usize = 256 * 1024;
/// Default number of authenticated exchanges kept; older ones are dropped first.
pub const DEFAULT_RETENTION: i64 = 100_000;
/// Default number of folds of rejected requests kept; older ones are dropped first (never an
/// authenticated exchange).
pub const DEFAULT_REJECTED_RETENTION: i64 = 10_000;
/// Smallest retention accepted (keep at least one exchange).
pub const MIN_RETENTION: i64 = 1;
/// Largest retention accepted (flags, the admin API, the desktop settings file).
pub const MAX_RETENTION: i64 = 10_000_000;
/// How long a graceful shutdown waits for in-flight requests before cutting clients off.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
/// Base path of the SCIM API.
pub const SCIM_BASE_PATH: &str = "/scim/v2";
/// Default time budget of a list request no index can answer (a scan of the resource type):
/// past it the answer is `503` with `Retry-After`, so such a request stays under a second.
pub const DEFAULT_SCAN_BUDGET: std::time::Duration = std::time::Duration::from_millis(800);

/// Default time for a request's head (request line and headers) to arrive, on both listeners.
pub const DEFAULT_HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Longest header read timeout accepted: a slow client holds a connection at most this long.
pub const MAX_HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Default time a kept-alive connection may idle between requests (and a request may go
/// without reading or writing a byte), on both listeners: longer than the 90 s tunnel agents
/// (cloudflared, Go's HTTP client) keep idle connections, so they close first.
pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// Default cap on connections open at once on the SCIM listener.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default cap per client on the SCIM listener: connections open per peer address and
/// requests in flight per client (the tunnel's forwarded address for a loopback peer).
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 64;
/// Default cap on a request's head (request line and headers), in bytes, on both listeners.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 32 * 1024;
/// Default cap on connections open at once on the admin listener (a UI and a few scripts).
pub const DEFAULT_ADMIN_MAX_CONNECTIONS: usize = 64;

/// Default cloudflared program (looked up on `PATH`); `SCIMLAB_CLOUDFLARED` in the CLI.
pub const DEFAULT_CLOUDFLARED: &str = "cloudflared";
/// Default address of ngrok's local API; `SCIMLAB_NGROK_API` in the CLI.
pub const DEFAULT_NGROK_API: &str = "http://127.0.0.1:4040/api/tunnels";
/// Default time cloudflared has to print its quick tunnel's URL before it is stopped.
pub const DEFAULT_TUNNEL_URL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Workspaces with at most this many users re-evaluate every user's mapping on the request
/// path when the profile changes; larger ones in the background while the views answer from the
/// previous results, saying they are updating.
pub const DEFAULT_MAPPING_INLINE_USERS: usize = 2_000;

/// The SCIM base URL on a bound address, e.g. `http://127.0.0.1:8787/scim/v2`.
pub fn scim_base_url(addr: SocketAddr) -> String {
    format!("http://{addr}{SCIM_BASE_PATH}")
}

/// Engine configuration.
#[derive(Clone)]
pub struct EngineConfig {
    /// SQLite database file; created with its parent directories when missing.
    pub db_path: PathBuf,
    /// A PostgreSQL database to keep the data in instead of `db_path` (`--database-url`).
    pub database_url: Option<String>,
    /// Bind address of the SCIM listener (port 0 picks a free port).
    pub scim_addr: SocketAddr,
    /// Use this SCIM API key instead of the stored one (it is then stored).
    pub scim_token: Option<String>,
    /// Answer per RFC 7644 instead of tolerating IdP quirks.
    pub strict: bool,
    /// A fault rules file (a JSON array of rules) that replaces the stored rules at start.
    pub faults_file: Option<PathBuf>,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub body_limit: usize,
    /// Bind address of the admin listener; must be loopback.
    pub admin_addr: SocketAddr,
    /// Admin token for this launch; a random one when `None`.
    pub admin_token: Option<String>,
    /// Largest body stored per captured exchange (bytes); larger ones are stored truncated.
    pub capture_body_cap: usize,
    /// Number of captured exchanges kept; the oldest are dropped first.
    pub retention: i64,
    /// Number of folds of rejected requests (no valid SCIM key) kept, apart from `retention`:
    /// the oldest folds are dropped first, never an authenticated exchange.
    pub rejected_retention: i64,
    /// How long a graceful shutdown waits for in-flight requests before cutting clients off.
    pub shutdown_grace: std::time::Duration,
    /// Browser origins, besides the admin page itself, allowed to call the admin API (CORS
    /// and the same-origin check for writes): the desktop webview's `tauri://localhost`.
    pub admin_allowed_origins: Vec<String>,
    /// A built UI (`ui/dist`, with `index.html`) to serve at `/` of the admin listener.
    pub ui_dir: Option<PathBuf>,
    /// How long a list request that no index answers may scan before it answers `503` with
    /// `Retry-After` (see `scim_api/list.rs`).
    pub scan_budget: std::time::Duration,
    /// Time for a request's head to arrive (from accept, or from the first byte of the next
    /// request on a kept-alive connection); at most [`MAX_HEADER_READ_TIMEOUT`]. Both listeners.
    pub header_read_timeout: std::time::Duration,
    /// Time a kept-alive connection may idle, or a request go without a byte read or written,
    /// before it is closed. Both listeners.
    pub idle_timeout: std::time::Duration,
    /// Connections open at once on the SCIM listener; more are answered `503` and closed.
    pub max_connections: usize,
    /// Per client on the SCIM listener: connections open per peer address (loopback peers,
    /// i.e. tunnel agents, exempt) and requests in flight per client (the forwarded client of
    /// a loopback peer; local programs naming none exempt); more get `503`.
    pub max_connections_per_client: usize,
    /// Largest request head (request line and headers) in bytes; more gets `431`. Both listeners.
    pub max_header_bytes: usize,
    /// Connections open at once on the admin listener.
    pub admin_max_connections: usize,
    /// The cloudflared program run for *Make it public*: a name looked up on `PATH` or a path.
    pub cloudflared: PathBuf,
    /// ngrok's local API, read for a tunnel the admin runs (`ngrok http <scim port>`).
    pub ngrok_api: String,
    /// How long cloudflared has to print its public URL before it is stopped.
    pub tunnel_url_timeout: std::time::Duration,
    /// Workspaces with at most this many users re-evaluate every user's mapping on the request
    /// path (a new profile, a reset); larger ones in the background
    /// ([`DEFAULT_MAPPING_INLINE_USERS`]).
    pub mapping_inline_users: usize,
    /// TLS on the admin listener (`--tls-cert`, `--tls-key`): required in team mode.
    pub tls: Option<crate::tls::TlsFiles>,
    /// Sign-in with the team's OpenID Connect provider (`--oidc-issuer`, …).
    pub oidc: Option<crate::oidc::OidcSettings>,
    /// The admin UI's address as people open it (`--public-url`, e.g.
    /// `https://scimlab.example.com:8788`): the sign-in's redirect URI is built on it. Unset:
    /// built on each request's `Host`.
    pub public_url: Option<String>,
}

impl EngineConfig {
    /// A configuration with defaults, storing its database at `db_path`.
    pub fn new(db_path: PathBuf) -> Self {
        Self {
            db_path,
            database_url: None,
            scim_addr: DEFAULT_SCIM_ADDR.parse().expect("default address is valid"),
            scim_token: None,
            strict: false,
            faults_file: None,
            body_limit: DEFAULT_BODY_LIMIT,
            admin_addr: DEFAULT_ADMIN_ADDR
                .parse()
                .expect("default address is valid"),
            admin_token: None,
            capture_body_cap: DEFAULT_BODY_CAP,
            retention: DEFAULT_RETENTION,
            rejected_retention: DEFAULT_REJECTED_RETENTION,
            shutdown_grace: SHUTDOWN_GRACE,
            admin_allowed_origins: Vec::new(),
            ui_dir: None,
            scan_budget: DEFAULT_SCAN_BUDGET,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            admin_max_connections: DEFAULT_ADMIN_MAX_CONNECTIONS,
            cloudflared: PathBuf::from(DEFAULT_CLOUDFLARED),
            ngrok_api: DEFAULT_NGROK_API.to_owned(),
            tunnel_url_timeout: DEFAULT_TUNNEL_URL_TIMEOUT,
            mapping_inline_users: DEFAULT_MAPPING_INLINE_USERS,
            tls: None,
            oidc: None,
            public_url: None,
        }
    }
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("db_path", &self.db_path)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<set; not shown>"),
            )
            .field("scim_addr", &self.scim_addr)
            .field(
                "scim_token",
                &self.scim_token.as_ref().map(|_| "<redacted>"),
            )
            .field("strict", &self.strict)
            .field("body_limit", &self.body_limit)
            .field("admin_addr", &self.admin_addr)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("capture_body_cap", &self.capture_body_cap)
            .field("retention", &self.retention)
            .field("rejected_retention", &self.rejected_retention)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("admin_allowed_origins", &self.admin_allowed_origins)
            .field("ui_dir", &self.ui_dir)
            .field("scan_budget", &self.scan_budget)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field("max_header_bytes", &self.max_header_bytes)
            .field("admin_max_connections", &self.admin_max_connections)
            .field("cloudflared", &self.cloudflared)
            .field("ngrok_api", &self.ngrok_api)
            .field("tunnel_url_timeout", &self.tunnel_url_timeout)
            .field("mapping_inline_users", &self.mapping_inline_users)
            .field("tls", &self.tls)
            .field("oidc", &self.oidc)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// The desktop app's webview origins (Linux and macOS, Windows). `scimlab serve` lets them call
/// its admin API (CORS, without cookies), so the desktop app can be a client of a team server
/// with a personal token; the token is still required.
pub const DESKTOP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

/// The default database location: `<OS data dir>/scimlab/scimlab.db`
/// (e.g. `~/.local/share/scimlab/scimlab.db` on Linux). `None` when no home directory is known.
pub fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "ScimLab", "scimlab")
        .map(|d| d.data_dir().join("scimlab.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_token() {
        let mut c = EngineConfig::new("x.db".into());
        c.scim_token = Some("super-secret-key".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("super-secret-key"));
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn workspace_paths_use_the_scim_base_path() {
        let slug = crate::model::WorkspaceSlug::parse("acme").unwrap();
        assert_eq!(
            slug.scim_base_path(),
            format!("/w/acme{}", super::SCIM_BASE_PATH)
        );
        assert_eq!(
            crate::model::WorkspaceSlug::default_slug().scim_base_path(),
            super::SCIM_BASE_PATH
        );
    }
}
