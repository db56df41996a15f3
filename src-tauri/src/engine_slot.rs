//! The engine the window shows: started in-process on Tauri's async runtime from the app data
//! directory and the settings file, restarted on other listen settings, stopped on quit.
//! A start that fails (most often: the SCIM port is taken) is kept as a `ConnectionState` the
//! UI turns into a "use another port" screen, instead of the app crashing.

use scimlab_engine::host::{ConnectionState, ListenSettings};
use scimlab_engine::{Engine, EngineConfig, EngineHandle};
use std::path::PathBuf;
use tokio::sync::Mutex;

/// Webview origins allowed to call the admin API (Linux/macOS, Windows; the Vite dev server
/// only in debug builds, for `tauri dev`).
fn webview_origins() -> Vec<String> {
    let mut origins: Vec<String> = scimlab_engine::config::DESKTOP_ORIGINS
        .map(str::to_owned)
        .to_vec();
    if cfg!(debug_assertions) {
        origins.push("http://localhost:5173".to_owned());
    }
    origins
}

/// Strict mode and retention changed in the UI (`PUT /api/settings`) apply at once in the
/// engine; write them to the settings file too, so the next launch starts with them. The task
/// ends with the engine (its event bus closes).
fn keep_runtime_settings(handle: &EngineHandle, file: PathBuf) {
    let mut events = handle.events.subscribe();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                // The desktop's settings file holds the default workspace's; the others keep
                // theirs in their own database.
                Ok(scimlab_engine::events::Tagged {
                    workspace,
                    event: scimlab_engine::events::EngineEvent::SettingsChanged { settings },
                    ..
                }) if &*workspace == scimlab_engine::model::DEFAULT_WORKSPACE => {
                    let changed = ListenSettings {
                        scim_addr: None,
                        strict: Some(settings.strict),
                        retention: Some(settings.retention),
                    };
                    if let Err(e) = crate::settings::update(&file, &changed) {
                        tracing::warn!(file = %file.display(), error = %e, "could not save the settings");
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// The engine slot, shared by the commands, the tray and the exit handler.
pub struct EngineSlot {
    data_dir: PathBuf,
    running: Mutex<Option<EngineHandle>>,
    state: Mutex<ConnectionState>,
}

/// What the window title and the tray show about the endpoint.
pub struct Status {
    /// `listening on 127.0.0.1:8787`, or why not.
    pub line: String,
    /// The SCIM port, when listening.
    pub port: Option<u16>,
}

impl EngineSlot {
    /// A slot over `data_dir` (holds `scimlab.db` and `desktop.json`), not yet started.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            running: Mutex::new(None),
            state: Mutex::new(ConnectionState::other(
                "the engine has not started yet",
                None,
            )),
        }
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        crate::settings::path(&self.data_dir)
    }

    fn config(&self, s: &ListenSettings, asked: Option<&str>) -> Result<EngineConfig, String> {
        let mut config = EngineConfig::new(self.data_dir.join("scimlab.db"));
        // An address the user just asked for wins; then SCIMLAB_SCIM_ADDR (tests, scripts);
        // then the settings file.
        let addr = asked
            .map(str::to_owned)
            .or_else(|| std::env::var("SCIMLAB_SCIM_ADDR").ok())
            .or_else(|| s.scim_addr.clone());
        if let Some(a) = addr {
            config.scim_addr = a.trim().parse().map_err(|_| {
                format!("invalid scim address '{a}': use ip:port, e.g. 127.0.0.1:8787")
            })?;
        }
        // The admin listener is private to this window: any free loopback port.
        config.admin_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        config.strict = s.strict.unwrap_or(false);
        if let Some(r) = s.retention {
            config.retention = r;
        }
        config.admin_allowed_origins = webview_origins();
        Ok(config)
    }

    /// Stop the running engine (if any) and start one with `update` applied to the settings
    /// file (saved only when the engine starts, so a port that fails is not remembered).
    pub async fn restart(&self, update: &ListenSettings) -> ConnectionState {
        let file = self.settings_file();
        let mut running = self.running.lock().await;
        if let Some(old) = running.take()
            && let Err(e) = old.shutdown().await
        {
            tracing::warn!(error = %e, "the previous engine did not stop cleanly");
        }
        // Read under the lock, once the previous engine stopped: what a restart just before
        // this one (or the UI at runtime) saved is in the file by now.
        let settings = crate::settings::merge(&crate::settings::load(&file), update);
        let state = match self.config(&settings, update.scim_addr.as_deref()) {
            Err(message) => ConnectionState::other(message, settings.scim_addr.clone()),
            Ok(config) => match Engine::start(config).await {
                Ok(handle) => {
                    if *update != ListenSettings::default()
                        && let Err(e) = crate::settings::update(&file, update)
                    {
                        tracing::warn!(file = %file.display(), error = %e, "could not save the settings");
                    }
                    let state = ConnectionState::running(&handle);
                    keep_runtime_settings(&handle, file.clone());
                    *running = Some(handle);
                    state
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the engine did not start");
                    ConnectionState::failed(&e)
                }
            },
        };
        *self.state.lock().await = state.clone();
        state
    }

    /// The current state (what the `connection` command answers).
    pub async fn state(&self) -> ConnectionState {
        self.state.lock().await.clone()
    }

    /// What the title and the tray show.
    pub async fn status(&self) -> Status {
        match self.running.lock().await.as_ref() {
            Some(h) => Status {
                line: format!("Endpoint listening on {}", h.scim_addr),
                port: Some(h.scim_addr.port()),
            },
            None => Status {
                line: "Endpoint not listening (see the window)".into(),
                port: None,
            },
        }
    }

    /// Export workspace `slug` of the running engine to `dest` (a `.scimlab` file, no key).
    pub async fn export_workspace(
        &self,
        slug: &str,
        dest: &std::path::Path,
        pseudonymise: bool,
    ) -> Result<scimlab_engine::workspace::ExportSummary, String> {
        let running = self.running.lock().await;
        let handle = running
            .as_ref()
            .ok_or("the engine is not running: start it, then export again")?;
        let workspace = handle
            .workspaces()
            .get(slug)
            .ok_or_else(|| format!("no workspace '{slug}': choose one from the list"))?;
        scimlab_engine::workspace::export(&workspace.store, &workspace.record(), dest, pseudonymise)
            .await
            .map_err(|e| e.to_string())
    }

    /// Stop the engine: in-flight requests finish, captured exchanges are written.
    pub async fn stop(&self) {
        if let Some(h) = self.running.lock().await.take()
            && let Err(e) = h.shutdown().await
        {
            tracing::warn!(error = %e, "the engine did not stop cleanly");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_to_back_restarts_keep_both_changes_in_the_settings_file() {
        let dir = std::env::temp_dir().join(format!("scimlab-desktop-slot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let slot = EngineSlot::new(dir.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let first = ListenSettings {
                scim_addr: Some("127.0.0.1:0".into()),
                retention: Some(500),
                ..ListenSettings::default()
            };
            let second = ListenSettings {
                scim_addr: Some("127.0.0.1:0".into()),
                strict: Some(true),
                ..ListenSettings::default()
            };
            // The second waits for the first; it must not apply a file it read before then.
            let (a, b) = tokio::join!(slot.restart(&first), slot.restart(&second));
            assert!(matches!(a, ConnectionState::Running { .. }), "{a:?}");
            assert!(matches!(b, ConnectionState::Running { .. }), "{b:?}");
            let kept = crate::settings::load(&slot.settings_file());
            assert_eq!(kept.retention, Some(500), "{kept:?}");
            assert_eq!(kept.strict, Some(true), "{kept:?}");
            slot.stop().await;
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
