//! The public URL of the SCIM listener: a cloudflared quick tunnel ScimLab runs and watches, or
//! an ngrok tunnel the admin runs (read from ngrok's local API, not managed).
//!
//! Entra ID and Okta run in the cloud and cannot reach 127.0.0.1, so the admin needs a public
//! HTTPS address for the SCIM port — only the SCIM port: the admin listener is never tunnelled.
//! [`TunnelManager`] owns the one [`TunnelState`] of a launch and at most one `cloudflared`
//! child (`cloudflared.rs`: spawn, read the URL from its stderr, watch it). The child is killed
//! on stop, on [`TunnelManager::shutdown`] (called by `EngineHandle::shutdown`) and, as a
//! backstop, when its handle is dropped (`kill_on_drop`), so no cloudflared outlives the engine.
//!
//! A quick tunnel that ends is **not** restarted: a new one gets a new URL, and the IdP would
//! keep calling the dead one. The state says `stopped` with the reason; starting again is the
//! admin's choice, and the new state names the URL it replaces (`previousUrl`).
//!
//! Imports only `config` (defaults). Changes are announced through the `on_change` callback
//! given at construction (the engine publishes them as `tunnel.changed`), so `events` may import
//! this module's types without a cycle.

mod cloudflared;
mod ngrok;

use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use ts_rs::TS;

pub use cloudflared::public_url_in;
pub use ngrok::matching_tunnel;

/// Where the tunnel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TunnelStatus {
    /// No tunnel (never started, or stopped by the admin).
    Off,
    /// cloudflared runs; its public URL is not known yet.
    Starting,
    /// cloudflared runs and its public URL is known.
    Running,
    /// cloudflared ended on its own or never printed a URL; `detail` says why. Its URL is dead.
    Stopped,
    /// A tunnel ScimLab does not manage (ngrok) points at the SCIM port.
    External,
    /// Neither cloudflared nor a running ngrok was found; `detail` says how to install them.
    Unavailable,
}

/// Which program provides the tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TunnelProvider {
    /// A cloudflared quick tunnel run by ScimLab.
    Cloudflared,
    /// An ngrok tunnel run by the admin.
    Ngrok,
}

/// The public URL of the SCIM listener as `GET /api/endpoint` and `tunnel.changed` tell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TunnelState {
    /// Where the tunnel is.
    pub status: TunnelStatus,
    /// The program behind it (`null` when off or unavailable).
    pub provider: Option<TunnelProvider>,
    /// The tunnel's public origin, e.g. `https://random-words.trycloudflare.com` (running or
    /// external only).
    pub public_url: Option<String>,
    /// What the IdP is given: the public origin and `/scim/v2` (running or external only).
    pub tenant_url: Option<String>,
    /// One sentence: what happened and what to do (the exit code and cloudflared's last line
    /// when it stopped; the install advice when unavailable).
    pub detail: Option<String>,
    /// When ScimLab started this cloudflared (RFC 3339).
    pub started_at: Option<String>,
    /// The public URL of an earlier tunnel of this launch the IdP may still be given: set when
    /// a tunnel stopped (its URL is dead) and when a new one runs on a different URL (update the
    /// Tenant URL in Entra ID / Okta).
    pub previous_url: Option<String>,
}

impl TunnelState {
    /// No tunnel.
    pub fn off() -> Self {
        Self {
            status: TunnelStatus::Off,
            provider: None,
            public_url: None,
            tenant_url: None,
            detail: None,
            started_at: None,
            previous_url: None,
        }
    }
}

/// Refusals of [`TunnelManager::start`] and [`TunnelManager::stop`] (the admin API answers 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TunnelError {
    /// A tunnel is already starting or running.
    #[error(
        "a tunnel is already {0}: stop it first (DELETE /api/endpoint/tunnel), knowing a new quick tunnel gets a new URL"
    )]
    AlreadyRunning(&'static str),
    /// The tunnel is ngrok's, run outside ScimLab.
    #[error("scimlab does not manage the ngrok tunnel: stop ngrok where you started it")]
    NotManaged,
}

/// What the manager needs to know (from `EngineConfig` and the bound SCIM address).
#[derive(Debug, Clone)]
pub struct TunnelSettings {
    /// The cloudflared program: a name looked up on `PATH` or a path.
    pub cloudflared: PathBuf,
    /// ngrok's local API (`/api/tunnels`).
    pub ngrok_api: String,
    /// How long cloudflared has to print its public URL before it is stopped.
    pub url_timeout: Duration,
    /// The SCIM listener's port (the only port ever tunnelled).
    pub scim_port: u16,
}

/// Called with the new state on every change, in order.
pub type OnChange = Arc<dyn Fn(&TunnelState) + Send + Sync>;

/// The tunnel of one engine launch. Cloning shares it.
#[derive(Clone)]
pub struct TunnelManager {
    inner: Arc<Inner>,
}

struct Inner {
    settings: TunnelSettings,
    on_change: OnChange,
    // A std mutex: held only to read or swap the state, never across an await. State changes
    // and their announcements happen under it, so events arrive in the order of the changes.
    current: Mutex<Current>,
}

struct Current {
    state: TunnelState,
    /// Bumped by every start and stop: a watcher task only writes the state of its own run.
    generation: u64,
    run: Option<Run>,
    /// The last public URL seen in this launch (for `previous_url`).
    last_url: Option<String>,
}

/// A cloudflared child being watched.
struct Run {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
    pid: Option<u32>,
}

impl std::fmt::Debug for TunnelManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TunnelManager")
            .field("settings", &self.inner.settings)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// `https://host` → `https://host/scim/v2`.
fn tenant_of(public_url: &str) -> String {
    format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        crate::config::SCIM_BASE_PATH
    )
}

impl TunnelManager {
    /// A manager with no tunnel; `on_change` hears every later state.
    pub fn new(settings: TunnelSettings, on_change: OnChange) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                on_change,
                current: Mutex::new(Current {
                    state: TunnelState::off(),
                    generation: 0,
                    run: None,
                    last_url: None,
                }),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        self.inner
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The state now.
    pub fn state(&self) -> TunnelState {
        self.lock().state.clone()
    }

    /// The process id of the cloudflared being watched, if any (for tests and logs).
    pub fn pid(&self) -> Option<u32> {
        self.lock().run.as_ref().and_then(|r| r.pid)
    }

    /// Set the state (when `generation` is still current) and announce it.
    fn set(&self, generation: u64, f: impl FnOnce(&mut Current) -> TunnelState) -> bool {
        let mut cur = self.lock();
        if cur.generation != generation {
            return false;
        }
        let next = f(&mut cur);
        if next != cur.state {
            cur.state = next;
            (self.inner.on_change)(&cur.state);
        }
        true
    }

    /// Start a cloudflared quick tunnel to the SCIM port. When cloudflared is not installed,
    /// look for an ngrok tunnel to the SCIM port instead (`external`), else say how to install
    /// either (`unavailable`). Answers the state reached at once (`starting` when cloudflared
    /// runs; `running` follows as an event).
    pub async fn start(&self) -> Result<TunnelState, TunnelError> {
        let generation = {
            let mut cur = self.lock();
            match cur.state.status {
                TunnelStatus::Starting => return Err(TunnelError::AlreadyRunning("starting")),
                TunnelStatus::Running => return Err(TunnelError::AlreadyRunning("running")),
                _ => {}
            }
            cur.generation += 1;
            let generation = cur.generation;
            match cloudflared::spawn(&self.inner.settings) {
                Ok(child) => {
                    let (stop, stop_rx) = oneshot::channel();
                    let pid = child.id();
                    let previous_url = cur.last_url.clone();
                    let state = TunnelState {
                        status: TunnelStatus::Starting,
                        provider: Some(TunnelProvider::Cloudflared),
                        public_url: None,
                        tenant_url: None,
                        detail: Some(format!(
                            "cloudflared is asking Cloudflare for a quick tunnel to 127.0.0.1:{}",
                            self.inner.settings.scim_port
                        )),
                        started_at: Some(
                            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        ),
                        previous_url,
                    };
                    cur.state = state.clone();
                    (self.inner.on_change)(&cur.state);
                    let task = tokio::spawn(cloudflared::watch(
                        self.clone(),
                        generation,
                        child,
                        stop_rx,
                        self.inner.settings.url_timeout,
                    ));
                    cur.run = Some(Run { stop, task, pid });
                    tracing::info!(?pid, "cloudflared started");
                    return Ok(state);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => generation,
                Err(e) => {
                    let program = self.inner.settings.cloudflared.display().to_string();
                    let state = TunnelState {
                        status: TunnelStatus::Stopped,
                        provider: Some(TunnelProvider::Cloudflared),
                        detail: Some(format!(
                            "could not start cloudflared ({program}): {e}: check that it is executable, or set SCIMLAB_CLOUDFLARED to another cloudflared"
                        )),
                        previous_url: cur.last_url.clone(),
                        ..TunnelState::off()
                    };
                    cur.state = state.clone();
                    (self.inner.on_change)(&cur.state);
                    return Ok(state);
                }
            }
        };
        // cloudflared is not installed: an ngrok the admin runs, or the install advice.
        let found = ngrok::probe(&self.inner.settings).await;
        let state = self.external_or_unavailable(found);
        self.set(generation, |_| state.clone());
        Ok(self.state())
    }

    fn external_or_unavailable(&self, found: Option<String>) -> TunnelState {
        let s = &self.inner.settings;
        match found {
            Some(url) => TunnelState {
                status: TunnelStatus::External,
                provider: Some(TunnelProvider::Ngrok),
                tenant_url: Some(tenant_of(&url)),
                detail: Some(format!(
                    "ngrok forwards {url} to the scim port {}; scimlab does not manage it (stop it where you started it)",
                    s.scim_port
                )),
                public_url: Some(url),
                ..TunnelState::off()
            },
            None => TunnelState {
                status: TunnelStatus::Unavailable,
                detail: Some(format!(
                    "cloudflared is not installed ('{}' is not on PATH; set SCIMLAB_CLOUDFLARED to its path) and no ngrok tunnel to port {port} was found at {api}: \
                     install cloudflared (Debian/Ubuntu: download cloudflared-linux-amd64.deb from https://github.com/cloudflare/cloudflared/releases/latest and run `sudo dpkg -i cloudflared-linux-amd64.deb`), \
                     or run `ngrok http {port}`",
                    s.cloudflared.display(),
                    port = s.scim_port,
                    api = s.ngrok_api,
                )),
                ..TunnelState::off()
            },
        }
    }

    /// When ScimLab runs no cloudflared (off, external, unavailable), look at ngrok's local API
    /// again: a tunnel the admin started by hand shows up as `external`, one that went away
    /// turns `external` back to `off`. Called by `GET /api/endpoint`.
    pub async fn refresh_external(&self) -> TunnelState {
        let (generation, status) = {
            let cur = self.lock();
            (cur.generation, cur.state.status)
        };
        if !matches!(
            status,
            TunnelStatus::Off | TunnelStatus::External | TunnelStatus::Unavailable
        ) {
            return self.state();
        }
        let found = ngrok::probe(&self.inner.settings).await;
        self.set(generation, |cur| match (found, cur.state.status) {
            (Some(url), _) => self.external_or_unavailable(Some(url)),
            (None, TunnelStatus::External) => TunnelState::off(),
            (None, _) => cur.state.clone(),
        });
        self.state()
    }

    /// Stop the cloudflared ScimLab runs and wait until it is gone (`off`); dismiss a
    /// `stopped` or `unavailable` state. An ngrok tunnel is not ScimLab's to stop.
    pub async fn stop(&self) -> Result<TunnelState, TunnelError> {
        let run = {
            let mut cur = self.lock();
            if cur.state.status == TunnelStatus::External {
                return Err(TunnelError::NotManaged);
            }
            cur.generation += 1;
            let previous_url = cur
                .state
                .public_url
                .clone()
                .or_else(|| cur.state.previous_url.clone());
            let run = cur.run.take();
            let next = TunnelState {
                previous_url,
                ..TunnelState::off()
            };
            if next != cur.state {
                cur.state = next;
                (self.inner.on_change)(&cur.state);
            }
            run
        };
        if let Some(run) = run {
            Self::end(run).await;
            tracing::info!("cloudflared stopped");
        }
        Ok(self.state())
    }

    /// Stop the watcher of `run` and wait for it: it kills the child and reaps it.
    async fn end(run: Run) {
        let _ = run.stop.send(());
        let mut task = run.task;
        if tokio::time::timeout(Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            // Aborting drops the child, and `kill_on_drop` kills it.
            task.abort();
        }
    }

    /// Kill cloudflared, if running, and wait for it (engine shutdown). Announces nothing.
    pub async fn shutdown(&self) {
        let run = {
            let mut cur = self.lock();
            cur.generation += 1;
            cur.run.take()
        };
        if let Some(run) = run {
            Self::end(run).await;
        }
    }

    /// The watcher found the public URL: `running`.
    fn found_url(&self, generation: u64, url: String) {
        self.set(generation, |cur| {
            let changed = cur.last_url.as_ref().filter(|old| **old != url).cloned();
            cur.last_url = Some(url.clone());
            let detail = match &changed {
                Some(old) => format!(
                    "the public URL changed (it was {old}): update the Tenant URL in Entra ID / Okta to {}",
                    tenant_of(&url)
                ),
                None => format!(
                    "cloudflared forwards {url} to the scim port {}; a quick tunnel gets a new URL each time it starts",
                    self.inner.settings.scim_port
                ),
            };
            TunnelState {
                status: TunnelStatus::Running,
                provider: Some(TunnelProvider::Cloudflared),
                tenant_url: Some(tenant_of(&url)),
                public_url: Some(url),
                detail: Some(detail),
                started_at: cur.state.started_at.clone(),
                previous_url: changed,
            }
        });
    }

    /// The watcher saw cloudflared end, or gave up on it: `stopped` with `detail`.
    fn stopped(&self, generation: u64, detail: String) {
        self.set(generation, |cur| {
            cur.run = None;
            TunnelState {
                status: TunnelStatus::Stopped,
                provider: Some(TunnelProvider::Cloudflared),
                detail: Some(detail),
                previous_url: cur
                    .state
                    .public_url
                    .clone()
                    .or_else(|| cur.state.previous_url.clone()),
                ..TunnelState::off()
            }
        });
    }
}

#[cfg(test)]
mod tests;
