//! scimlab-engine: everything ScimLab does with I/O, and nothing that needs a window.
//!
//! [`Engine::start`] opens the SQLite store (migrations, WAL), loads or creates the SCIM API key,
//! binds the SCIM listener and serves until [`EngineHandle::shutdown`]. The headless `scimlab`
//! binary and the Tauri shell (`src-tauri`) both go through it; tests start it on `127.0.0.1:0`.
//! This crate never imports Tauri (`cargo tree -p scimlab-engine -i tauri` prints nothing).
#![warn(missing_docs)]

pub mod access;
pub mod admin_api;
pub mod auth;
pub mod capture;
pub mod checks;
pub mod client;
pub mod config;
pub mod database;
pub mod diagnosis;
pub mod events;
pub mod faults;
pub mod host;
pub mod listen;
pub mod mapping;
pub mod materialised;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod oidc;
pub mod pseudonym;
pub mod relay;
pub mod replay;
pub mod report;
pub mod results;
pub mod runtime;
pub mod scim_api;
pub mod simulate;
pub mod store;
pub mod timeline;
pub mod tls;
pub mod tunnel;
pub mod wire;
pub mod workspace;

pub use config::EngineConfig;

use events::EventBus;
use scim_api::ScimState;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Startup failures, each naming what to fix.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The database could not be opened or migrated.
    #[error(
        "could not open the database at {path} (set --db or SCIMLAB_DB to another file): {source}"
    )]
    Store {
        /// The database path.
        path: String,
        /// The cause.
        source: store::StoreError,
    },
    /// The PostgreSQL database could not be reached, or its schema made or migrated.
    #[error(
        "could not use the postgresql database at {url} (check --database-url / SCIMLAB_DATABASE_URL: the server must be reachable and the user allowed to create a schema): {source}"
    )]
    Postgres {
        /// The database's URL, without its password.
        url: String,
        /// The cause.
        source: store::StoreError,
    },
    /// The database directory could not be created.
    #[error(
        "could not create the directory {path} for the database (set --db or SCIMLAB_DB): {source}"
    )]
    CreateDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The SCIM API key could not be loaded, created or set.
    #[error(transparent)]
    Key(#[from] auth::KeyError),
    /// The fault rules file could not be read or does not validate.
    #[error("fault rules file {path}: {message}")]
    Faults {
        /// The file.
        path: String,
        /// What is wrong, naming the rule and the field.
        message: String,
    },
    /// Team mode (the admin listener off loopback) without what it needs.
    #[error(
        "the admin listener on {addr} would be reachable from other machines, which needs {missing}; to keep it on this machine, use 127.0.0.1:<port> for --admin-addr / SCIMLAB_ADMIN_ADDR"
    )]
    TeamModeIncomplete {
        /// The address given.
        addr: SocketAddr,
        /// What is missing, and how to give it.
        missing: String,
    },
    /// The TLS certificate or key cannot be used.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// The sign-in provider's settings are wrong.
    #[error("sign-in with an identity provider: {0}")]
    SignIn(#[from] oidc::OidcError),
    /// The retention is out of range (it would otherwise be clamped and drop captured traffic).
    #[error(
        "invalid retention {retention}: keep from {} to {} exchanges (--retention / SCIMLAB_RETENTION, or retention in the desktop app's settings)",
        runtime::MIN_RETENTION,
        runtime::MAX_RETENTION
    )]
    InvalidRetention {
        /// The retention given.
        retention: i64,
    },
    /// The SCIM address is taken (another ScimLab, or another program on that port).
    #[error(
        "the scim address {addr} is already in use (another scimlab or another program listens there): choose another with --scim-addr / SCIMLAB_SCIM_ADDR{}",
        suggestion.map(|s| format!(", e.g. {s}")).unwrap_or_default()
    )]
    ScimAddrInUse {
        /// The address asked for.
        addr: SocketAddr,
        /// A free address on the same interface, when one was found nearby.
        suggestion: Option<SocketAddr>,
    },
    /// A connection limit is out of range.
    #[error("invalid {what} {value}: {expected} ({flag} / {env})")]
    InvalidLimit {
        /// The limit, in words.
        what: &'static str,
        /// The value given.
        value: String,
        /// The range accepted.
        expected: &'static str,
        /// The `scimlab serve` flag that sets it.
        flag: &'static str,
        /// The environment variable that sets it.
        env: &'static str,
    },
    /// A listener could not bind.
    #[error(
        "could not listen on {addr} (choose a free address with --scim-addr / SCIMLAB_SCIM_ADDR or --admin-addr / SCIMLAB_ADMIN_ADDR): {source}"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// Create `dir` and any missing parent `0700` on Unix (readable by this user only): ScimLab's
/// data directories hold the SCIM key and people's data. An existing directory keeps its mode.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Open the store at `path`, creating its directory with [`create_private_dir`].
pub async fn open_store(path: &std::path::Path) -> Result<Store, EngineError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|source| EngineError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Store::open(path)
        .await
        .map_err(|source| EngineError::Store {
            path: path.display().to_string(),
            source,
        })
}

/// A free address on `addr`'s interface with a port just above it (up to 200 ports on),
/// skipping `avoid`; `None` when none is free. Used to offer another SCIM port when the asked
/// one is taken. The port is free when checked; nothing reserves it.
pub fn free_addr_near(addr: SocketAddr, avoid: &[u16]) -> Option<SocketAddr> {
    let start = addr.port().max(1024);
    (1..=200u16)
        .filter_map(|d| start.checked_add(d))
        .filter(|p| !avoid.contains(p))
        .map(|p| SocketAddr::new(addr.ip(), p))
        .find(|candidate| std::net::TcpListener::bind(candidate).is_ok())
}

pub use config::SHUTDOWN_GRACE;

/// The engine (a namespace for [`Engine::start`]).
pub struct Engine;

/// A running engine: both listeners, the capture writer and the event bus.
pub struct EngineHandle {
    /// The address the SCIM listener is bound to (the real port when 0 was asked for).
    pub scim_addr: SocketAddr,
    /// The address of the admin listener (loopback unless in team mode).
    pub admin_addr: SocketAddr,
    /// The store, for callers that read it directly (CLI, tests).
    pub store: Store,
    /// The event bus (the Tauri shell forwards it; tests subscribe to it).
    pub events: EventBus,
    key: Arc<auth::KeyCache>,
    admin_token: Arc<String>,
    shutdown: watch::Sender<bool>,
    servers: Vec<JoinHandle<std::io::Result<()>>>,
    /// The event relay between instances on one PostgreSQL database (`relay.rs`; none on SQLite).
    relay: Vec<JoinHandle<()>>,
    shutdown_grace: std::time::Duration,
    tunnel: tunnel::TunnelManager,
    workspaces: workspace::Workspaces,
    /// Keeps what the workspace opener shares alive while the engine runs.
    _shared: Arc<Shared>,
}

/// The connection limits in `config`, checked; what is wrong names its flag and variable.
fn check_limits(config: &EngineConfig) -> Result<(), EngineError> {
    let invalid = |what, value: String, expected, flag, env| EngineError::InvalidLimit {
        what,
        value,
        expected,
        flag,
        env,
    };
    let t = config.header_read_timeout;
    if t.is_zero() || t > config::MAX_HEADER_READ_TIMEOUT {
        return Err(invalid(
            "header read timeout",
            format!("{t:?}"),
            "from 1 to 30 seconds",
            "--header-read-timeout",
            "SCIMLAB_HEADER_READ_TIMEOUT",
        ));
    }
    if config.idle_timeout.is_zero() {
        return Err(invalid(
            "idle timeout",
            format!("{:?}", config.idle_timeout),
            "at least 1 second",
            "--idle-timeout",
            "SCIMLAB_IDLE_TIMEOUT",
        ));
    }
    for (n, what, flag, env) in [
        (
            config.max_connections,
            "connection limit",
            "--max-connections",
            "SCIMLAB_MAX_CONNECTIONS",
        ),
        (
            config.max_connections_per_client,
            "per-client connection limit",
            "--max-connections-per-client",
            "SCIMLAB_MAX_CONNECTIONS_PER_CLIENT",
        ),
        (
            config.admin_max_connections,
            "admin connection limit",
            "EngineConfig::admin_max_connections",
            "no variable",
        ),
    ] {
        if n == 0 {
            return Err(invalid(what, n.to_string(), "at least 1", flag, env));
        }
    }
    if !(1024..=256 * 1024).contains(&config.max_header_bytes) {
        return Err(invalid(
            "header size limit",
            config.max_header_bytes.to_string(),
            "from 1024 to 262144 bytes",
            "--max-header-bytes",
            "SCIMLAB_MAX_HEADER_BYTES",
        ));
    }
    Ok(())
}

/// The fault rules to start with: the `--faults` file's (which then replace the stored ones),
/// else the stored ones. A bad file refuses the start; stored rules that no longer validate (an
/// older or newer ScimLab wrote them) are dropped with a warning.
async fn load_fault_rules(
    store: &Store,
    config: &EngineConfig,
) -> Result<faults::FaultSet, EngineError> {
    let store_error = |source| EngineError::Store {
        path: database::Database::of(config).describe(),
        source,
    };
    if let Some(path) = &config.faults_file {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::Faults {
            path: shown.clone(),
            message: format!("cannot be read ({e}): check the path"),
        })?;
        let rules = faults::parse_rules(&text).map_err(|e| EngineError::Faults {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let set = faults::FaultSet::from_rules(rules.clone()).map_err(|e| EngineError::Faults {
            path: shown,
            message: e.to_string(),
        })?;
        admin_api::faults::save(store, &rules)
            .await
            .map_err(store_error)?;
        return Ok(set);
    }
    let stored = admin_api::faults::load(store).await.map_err(store_error)?;
    Ok(faults::FaultSet::from_rules(stored).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "stored fault rules no longer validate; starting without them");
        faults::FaultSet::new()
    }))
}

/// What every workspace's runtime shares: the launch's limits, the admin listener's fixed
/// parts, the one tunnel and the registry itself.
struct Shared {
    body_limit: usize,
    capture_body_cap: usize,
    rejected_retention: i64,
    scan_budget: std::time::Duration,
    mapping_inline_users: usize,
    events: EventBus,
    admin_token: Arc<String>,
    access: access::TokenCache,
    fixed: Arc<admin_api::FixedSettings>,
    allowed_origins: Arc<Vec<String>>,
    ui_dir: Option<Arc<std::path::PathBuf>>,
    shutdown: watch::Receiver<bool>,
    tunnel: tunnel::TunnelManager,
    workspaces: workspace::Workspaces,
    team: Arc<admin_api::sign_in::TeamAccess>,
}

/// Whether any personal admin token is live (a way to sign in to a team server).
async fn has_personal_tokens(store: &Store) -> Result<bool, EngineError> {
    use store::prelude::*;
    let store_error = |source| EngineError::Store {
        path: "the main database".into(),
        source,
    };
    let mut r = store.read().await.map_err(store_error)?;
    let users = r.admin_users().await.map_err(store_error)?;
    Ok(users.iter().any(|u| u.revoked.is_none()))
}

/// Settings rows of a workspace other than `default` (the default's come from the launch's
/// flags, as before workspaces).
pub const STRICT_SETTING: &str = "runtime.strict";
/// See [`STRICT_SETTING`].
pub const RETENTION_SETTING: &str = "runtime.retention";

/// Build a workspace's runtime on its open store: its capture writer, SCIM router and admin API.
fn build_runtime(
    shared: &Shared,
    record: model::WorkspaceRecord,
    db: database::WorkspaceData,
    store: Store,
    key: String,
    settings: Arc<runtime::RuntimeSettings>,
    rules: faults::FaultSet,
) -> Arc<workspace::WorkspaceRuntime> {
    let events = shared.events.for_workspace(&record.slug);
    let key = Arc::new(auth::KeyCache::new(key));
    let faults = runtime::FaultBoard::new(rules);
    let (closing, closing_rx) = watch::channel(false);
    let (sink, writer) = capture::writer::spawn(
        store.clone(),
        events.clone(),
        settings.clone(),
        shared.rejected_retention,
        closing_rx,
    );
    let state = ScimState {
        store: store.clone(),
        key: key.clone(),
        settings: settings.clone(),
        body_limit: shared.body_limit,
        scans: scim_api::ScanGate::new(shared.scan_budget),
    };
    // Capture is the outermost layer of a workspace's SCIM routes: it sees every request,
    // including the ones the router refuses, and hands the router the key's outcome.
    let metrics = Arc::new(metrics::ScimMetrics::default());
    let capture_state = capture::CaptureState {
        capture: capture::Capture::new(
            sink,
            shared.body_limit,
            shared.capture_body_cap,
            faults.clone(),
            events.clone(),
            store.clone(),
            metrics.clone(),
        ),
        store: store.clone(),
        key: key.clone(),
    };
    let scim = scim_api::router(state).layer(axum::middleware::from_fn_with_state(
        capture_state,
        capture::record,
    ));
    let progress_bus = events.clone();
    let materialised = materialised::Materialised::new(
        store.clone(),
        format!(
            "http://{}{}",
            shared.fixed.scim_addr,
            record.slug.scim_base_path()
        ),
        shared.mapping_inline_users,
        Arc::new(move |p: materialised::Progress| {
            progress_bus.publish(events::EngineEvent::MappingProgress {
                profile_id: p.profile_id,
                evaluated: p.evaluated,
                total: p.total,
                done: p.done,
            });
        }),
    );
    materialised.start();
    let admin_state = admin_api::AdminState {
        store: store.clone(),
        events: events.clone(),
        key: key.clone(),
        admin_token: shared.admin_token.clone(),
        access: shared.access.clone(),
        settings: settings.clone(),
        fixed: shared.fixed.clone(),
        allowed_origins: shared.allowed_origins.clone(),
        ui_dir: shared.ui_dir.clone(),
        shutdown: shared.shutdown.clone(),
        simulations: Default::default(),
        materialised,
        faults: faults.clone(),
        replays: Default::default(),
        tunnel: shared.tunnel.clone(),
        workspace: record.slug.clone(),
        workspaces: shared.workspaces.clone(),
        team: shared.team.clone(),
    };
    let board = faults;
    let admin = if record.slug.is_default() {
        admin_api::router(admin_state)
    } else {
        admin_api::workspace_router(admin_state)
    };
    workspace::WorkspaceRuntime::new(workspace::RuntimeParts {
        record,
        db,
        store,
        key,
        settings,
        events,
        faults: board,
        scim,
        metrics,
        admin,
        closing,
        writer,
    })
}

/// Open a workspace other than `default` from its directory entry: its own database file (made
/// when missing), its key (made when missing), its stored strict mode, retention and fault rules.
async fn open_other(
    shared: &Shared,
    record: model::WorkspaceRecord,
) -> Result<Arc<workspace::WorkspaceRuntime>, EngineError> {
    let db = shared.workspaces.database().workspace(&record.slug);
    let store = db.open().await?;
    let store_error = |source| EngineError::Store {
        path: db.describe(),
        source,
    };
    let mut w = store.write().await.map_err(store_error)?;
    let key = auth::load_or_create_key(&mut w).await?;
    if let Some(profile) = record
        .template
        .as_deref()
        .and_then(workspace::template_profile)
    {
        use store::prelude::*;
        if w.setting(TEMPLATE_APPLIED)
            .await
            .map_err(store_error)?
            .is_none()
        {
            w.set_active_profile(profile).await.map_err(store_error)?;
            w.set_setting(TEMPLATE_APPLIED, "1")
                .await
                .map_err(store_error)?;
        }
    }
    let (strict, retention) = {
        use store::prelude::*;
        let strict = w.setting(STRICT_SETTING).await.map_err(store_error)?;
        let retention = w.setting(RETENTION_SETTING).await.map_err(store_error)?;
        (
            strict.as_deref() == Some("true"),
            retention
                .and_then(|r| r.parse::<i64>().ok())
                .filter(|r| runtime::check_retention(*r).is_ok())
                .unwrap_or(config::DEFAULT_RETENTION),
        )
    };
    w.commit().await.map_err(store_error)?;
    let stored = admin_api::faults::load(&store).await.map_err(store_error)?;
    let rules = faults::FaultSet::from_rules(stored).unwrap_or_else(|e| {
        tracing::warn!(workspace = %record.slug, error = %e, "stored fault rules no longer validate; starting without them");
        faults::FaultSet::new()
    });
    let settings = runtime::RuntimeSettings::new(strict, retention);
    Ok(build_runtime(
        shared, record, db, store, key, settings, rules,
    ))
}

/// What the relay does when another instance changed a workspace's fault rules: read them
/// again from the database into that workspace's board (when they differ from the ones in
/// force), which publishes them to this instance's UIs. The registry is set once the engine
/// has built it.
fn reload_faults_of(registry: Arc<OnceLock<workspace::Workspaces>>) -> relay::OnFaults {
    Arc::new(move |slug: String| {
        let Some(runtime) = registry.get().and_then(|w| w.get(&slug)) else {
            return;
        };
        tokio::spawn(async move {
            let stored = match admin_api::faults::load(&runtime.store).await {
                Ok(rules) => rules,
                Err(e) => {
                    tracing::warn!(workspace = %slug, error = %e, "could not read the fault rules another instance changed");
                    return;
                }
            };
            let _one_at_a_time = runtime.faults.edit().await;
            let current: Vec<faults::FaultRule> =
                runtime.faults.list().into_iter().map(|v| v.rule).collect();
            if stored == current {
                return;
            }
            match runtime.faults.with(|s| s.replace_all(stored)) {
                Ok(rules) => runtime
                    .events
                    .publish(events::EngineEvent::FaultsChanged { rules }),
                Err(e) => {
                    tracing::warn!(workspace = %slug, error = %e, "the fault rules another instance saved do not validate here");
                }
            }
        });
    })
}

/// Settings row: a workspace's template was applied (its profile chosen) once.
const TEMPLATE_APPLIED: &str = "workspace.template_applied";

impl Engine {
    /// Open the store, prepare the keys, bind both listeners and start serving.
    pub async fn start(config: EngineConfig) -> Result<EngineHandle, EngineError> {
        let tls = config.tls.as_ref().map(tls::server_config).transpose()?;
        let provider = config.oidc.clone().map(oidc::Provider::new).transpose()?;
        let open_to_network = !config.admin_addr.ip().is_loopback();
        if open_to_network && tls.is_none() {
            return Err(EngineError::TeamModeIncomplete {
                addr: config.admin_addr,
                missing: "tls: give the certificate and key files with --tls-cert FILE --tls-key FILE (PEM)".into(),
            });
        }
        if runtime::check_retention(config.retention).is_err() {
            return Err(EngineError::InvalidRetention {
                retention: config.retention,
            });
        }
        check_limits(&config)?;
        let database = database::Database::of(&config);
        let store = database.main().open().await?;
        let store_error = |source| EngineError::Store {
            path: database.describe(),
            source,
        };
        let key = {
            let mut tx = store.write().await.map_err(store_error)?;
            let key = match &config.scim_token {
                Some(k) => {
                    auth::set_key(&mut tx, k).await?;
                    k.clone()
                }
                None => auth::load_or_create_key(&mut tx).await?,
            };
            tx.commit().await.map_err(store_error)?;
            key
        };
        let rules = load_fault_rules(&store, &config).await?;
        let directory = {
            use store::prelude::*;
            let mut r = store.read().await.map_err(store_error)?;
            r.workspaces().await.map_err(store_error)?
        };
        if open_to_network && provider.is_none() && !has_personal_tokens(&store).await? {
            return Err(EngineError::TeamModeIncomplete {
                addr: config.admin_addr,
                missing: "a way for people to sign in: an identity provider (--oidc-issuer URL --oidc-client-id ID --allow-sign-in domain:example.com=viewer) or a personal token ('scimlab admin-user add NAME --role owner')".into(),
            });
        }
        if let Some(provider) = provider.clone() {
            // Learn the provider now, so a wrong issuer shows in the log at start, not at the
            // first sign-in (which fetches it again after a failure).
            tokio::spawn(async move {
                if let Err(e) = provider.discovery().await {
                    tracing::warn!(error = %e, "the sign-in provider is not reachable yet; sign-in will retry it");
                }
            });
        }
        let admin_token = match &config.admin_token {
            Some(t) => {
                auth::validate_key(t)?;
                t.clone()
            }
            None => auth::generate_key().map_err(auth::KeyError::from)?,
        };
        let admin_token = Arc::new(admin_token);
        let events = EventBus::default();
        let settings = runtime::RuntimeSettings::new(config.strict, config.retention);
        let bind = |addr: SocketAddr| async move {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| EngineError::Bind { addr, source })?;
            let local = l
                .local_addr()
                .map_err(|source| EngineError::Bind { addr, source })?;
            Ok::<_, EngineError>((l, local))
        };
        let (scim_listener, scim_addr) = match bind(config.scim_addr).await {
            Err(EngineError::Bind { addr, source })
                if source.kind() == std::io::ErrorKind::AddrInUse =>
            {
                return Err(EngineError::ScimAddrInUse {
                    addr,
                    suggestion: free_addr_near(addr, &[config.admin_addr.port()]),
                });
            }
            other => other?,
        };
        let (admin_listener, admin_addr) = bind(config.admin_addr).await?;
        let (shutdown, rx) = watch::channel(false);
        // Several instances on one PostgreSQL database: live events reach each other's UIs.
        let relay_faults: Arc<OnceLock<workspace::Workspaces>> = Arc::default();
        let relay = relay::start(
            &store,
            &events,
            reload_faults_of(relay_faults.clone()),
            rx.clone(),
        )
        .unwrap_or_default();
        // The public URL of the SCIM port (never the admin port); every change is announced.
        let tunnel = {
            let events = events.clone();
            tunnel::TunnelManager::new(
                tunnel::TunnelSettings {
                    cloudflared: config.cloudflared.clone(),
                    ngrok_api: config.ngrok_api.clone(),
                    url_timeout: config.tunnel_url_timeout,
                    scim_port: scim_addr.port(),
                },
                Arc::new(move |state: &tunnel::TunnelState| {
                    events.publish(events::EngineEvent::TunnelChanged {
                        tunnel: state.clone(),
                    });
                }),
            )
        };
        let workspaces = workspace::Workspaces::new(
            store.clone(),
            database.clone(),
            events.clone(),
            config.shutdown_grace,
        );
        let _ = relay_faults.set(workspaces.clone());
        let shared = Arc::new(Shared {
            body_limit: config.body_limit,
            capture_body_cap: config.capture_body_cap,
            rejected_retention: config.rejected_retention,
            scan_budget: config.scan_budget,
            mapping_inline_users: config.mapping_inline_users,
            events: events.clone(),
            admin_token: admin_token.clone(),
            access: access::TokenCache::default(),
            fixed: Arc::new(admin_api::FixedSettings {
                scim_addr,
                admin_addr,
                body_limit: config.body_limit,
                capture_body_cap: config.capture_body_cap,
                db_path: database.describe(),
            }),
            allowed_origins: Arc::new(config.admin_allowed_origins.clone()),
            ui_dir: config.ui_dir.clone().map(Arc::new),
            shutdown: rx.clone(),
            tunnel: tunnel.clone(),
            workspaces: workspaces.clone(),
            team: Arc::new(admin_api::sign_in::TeamAccess {
                provider,
                tls: tls.is_some(),
                public_url: config.public_url.clone(),
            }),
        });
        let default_record = directory
            .iter()
            .find(|w| w.slug.is_default())
            .cloned()
            .unwrap_or_else(|| model::WorkspaceRecord {
                slug: model::WorkspaceSlug::default_slug(),
                name: "Default".into(),
                created: wire::now(),
                template: None,
            });
        let default = build_runtime(
            &shared,
            default_record,
            database.main(),
            store.clone(),
            key,
            settings,
            rules,
        );
        workspaces.insert(default.clone());
        {
            // The registry keeps the opener; the opener holds the registry only weakly, so
            // the two do not keep each other alive after shutdown.
            let weak = Arc::downgrade(&shared);
            workspaces.set_opener(Arc::new(move |record| {
                let shared = weak.upgrade();
                Box::pin(async move {
                    let shared = shared.ok_or("the engine is shutting down")?;
                    open_other(&shared, record).await.map_err(|e| e.to_string())
                })
            }));
        }
        for record in directory.into_iter().filter(|w| !w.slug.is_default()) {
            let slug = record.slug.clone();
            match open_other(&shared, record).await {
                Ok(runtime) => workspaces.insert(runtime),
                Err(e) => {
                    tracing::warn!(workspace = %slug, error = %e, "could not open a workspace; it is not served");
                }
            }
        }
        // Each listener has its own connection budget, so a flood of the SCIM port (which a
        // tunnel exposes) leaves the admin listener reachable.
        let scim_limits = listen::Limits {
            name: "scim",
            header_read_timeout: config.header_read_timeout,
            idle_timeout: config.idle_timeout,
            max_connections: config.max_connections,
            per_client: Some(config.max_connections_per_client),
            max_header_bytes: config.max_header_bytes,
            error_style: listen::ErrorStyle::Scim,
            tls: None,
        };
        let admin_limits = listen::Limits {
            name: "admin",
            max_connections: config.admin_max_connections,
            // Reachable from other machines: one client may not hold every admin connection.
            per_client: tls.is_some().then_some(
                config
                    .max_connections_per_client
                    .min(config.admin_max_connections / 2)
                    .max(1),
            ),
            error_style: listen::ErrorStyle::Admin,
            tls: tls.clone(),
            ..scim_limits
        };
        tokio::spawn(memory::keep_giving_back(rx.clone()));
        let servers = vec![
            tokio::spawn(listen::serve(
                scim_listener,
                workspace::scim_router(workspaces.clone()),
                scim_limits,
                rx.clone(),
            )),
            tokio::spawn(listen::serve(
                admin_listener,
                default.admin.clone(),
                admin_limits,
                rx,
            )),
        ];
        tracing::info!(%scim_addr, %admin_addr, strict = config.strict, "scimlab engine started");
        Ok(EngineHandle {
            scim_addr,
            admin_addr,
            store,
            events,
            key: default.key.clone(),
            admin_token,
            shutdown,
            servers,
            relay,
            shutdown_grace: config.shutdown_grace,
            tunnel,
            workspaces,
            _shared: shared,
        })
    }
}

impl EngineHandle {
    /// The SCIM base URL on the bound address, e.g. `http://127.0.0.1:8787/scim/v2`.
    pub fn scim_base_url(&self) -> String {
        config::scim_base_url(self.scim_addr)
    }

    /// The admin base URL, e.g. `http://127.0.0.1:8788`.
    pub fn admin_base_url(&self) -> String {
        format!("{}://{}", self.admin_scheme(), self.admin_addr)
    }

    /// `https` when the admin listener has TLS, else `http`.
    pub fn admin_scheme(&self) -> &'static str {
        if self._shared.team.tls {
            "https"
        } else {
            "http"
        }
    }

    /// The URL that logs a browser in to the admin listener (sets its cookie). Contains the
    /// admin token: print it only to the local user.
    pub fn admin_login_url(&self) -> String {
        format!("{}/?token={}", self.admin_base_url(), self.admin_token)
    }

    /// The current SCIM API key (for the CLI and tests; never log it).
    pub fn scim_key(&self) -> String {
        self.key.get()
    }

    /// The admin token of this launch (for the CLI, the Tauri shell and tests; never log it).
    pub fn admin_token(&self) -> String {
        self.admin_token.as_str().to_owned()
    }

    /// The workspaces this engine serves (the `default` one is [`Self::store`]'s).
    pub fn workspaces(&self) -> &workspace::Workspaces {
        &self.workspaces
    }

    /// The public URL of the SCIM listener: start, stop or read the tunnel (`scimlab serve
    /// --tunnel cloudflared` starts it here; the admin API shares the same manager).
    pub fn tunnel(&self) -> &tunnel::TunnelManager {
        &self.tunnel
    }

    /// Stop the tunnel (cloudflared is killed and reaped), stop accepting connections, finish
    /// in-flight requests, write every captured exchange, close the database.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.tunnel.shutdown().await;
        let _ = self.shutdown.send(true);
        let mut result = Ok(());
        // In-flight requests get a grace period; a client that stalls past it (a half-sent
        // body, a connection held open) is cut off so the process can exit.
        let grace = self.shutdown_grace;
        let deadline = tokio::time::Instant::now() + grace;
        for mut task in self.servers {
            let r = match tokio::time::timeout_at(deadline, &mut task).await {
                Ok(joined) => joined.unwrap_or_else(|e| Err(std::io::Error::other(e))),
                Err(_) => {
                    task.abort();
                    tracing::warn!("a client was still connected after {grace:?}; cut off");
                    Ok(())
                }
            };
            if result.is_ok() {
                result = r;
            }
        }
        // The relay's tasks end on the shutdown signal (sent above).
        for task in self.relay {
            let _ = tokio::time::timeout(grace, task).await;
        }
        // Every workspace's writer writes what is queued and ends; their databases close.
        self.workspaces.close_all().await;
        self.store.close().await;
        result
    }
}
