//! scimlab-engine: everything ScimLab does with I/O, and nothing that needs a window.
//!
//! [`Engine::start`] opens the SQLite store (migrations, WAL), loads or creates the SCIM API key,
//! binds the SCIM listener and serves until [`EngineHandle::shutdown`]. The headless `scimlab`
//! binary and (later) the Tauri shell both go through it; tests start it on `127.0.0.1:0`.
//! This crate never imports Tauri (`cargo tree -p scimlab-engine -i tauri` prints nothing).
#![warn(missing_docs)]

pub mod auth;
pub mod config;
pub mod scim_api;
pub mod store;

pub use config::EngineConfig;

use scim_api::ScimState;
use scimlab_scim::Mode;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use store::Store;
use tokio::sync::oneshot;
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
    /// The SCIM listener could not bind.
    #[error(
        "could not listen on {addr} (set --scim-addr or SCIMLAB_SCIM_ADDR to a free address): {source}"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// Open the store at `path`, creating its directory.
pub async fn open_store(path: &std::path::Path) -> Result<Store, EngineError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| EngineError::CreateDir {
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

/// The engine (a namespace for [`Engine::start`]).
pub struct Engine;

/// A running engine.
pub struct EngineHandle {
    /// The address the SCIM listener is bound to (the real port when 0 was asked for).
    pub scim_addr: SocketAddr,
    /// The store, for callers that read it directly (CLI, tests, the admin API later).
    pub store: Store,
    key: Arc<RwLock<String>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Engine {
    /// Open the store, prepare the key, bind the SCIM listener and start serving.
    pub async fn start(config: EngineConfig) -> Result<EngineHandle, EngineError> {
        let store = open_store(&config.db_path).await?;
        let key = {
            let mut conn = store
                .write
                .acquire()
                .await
                .map_err(|e| EngineError::Store {
                    path: config.db_path.display().to_string(),
                    source: e.into(),
                })?;
            match &config.scim_token {
                Some(k) => {
                    auth::set_key(&mut conn, k).await?;
                    k.clone()
                }
                None => auth::load_or_create_key(&mut conn).await?,
            }
        };
        let key = Arc::new(RwLock::new(key));
        let state = ScimState {
            store: store.clone(),
            key: key.clone(),
            mode: if config.strict {
                Mode::Strict
            } else {
                Mode::Tolerant
            },
            body_limit: config.body_limit,
        };
        let listener = tokio::net::TcpListener::bind(config.scim_addr)
            .await
            .map_err(|source| EngineError::Bind {
                addr: config.scim_addr,
                source,
            })?;
        let scim_addr = listener.local_addr().map_err(|source| EngineError::Bind {
            addr: config.scim_addr,
            source,
        })?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = scim_api::router(state).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        tracing::info!(%scim_addr, strict = config.strict, "scim listener started");
        Ok(EngineHandle {
            scim_addr,
            store,
            key,
            shutdown: Some(tx),
            task,
        })
    }
}

impl EngineHandle {
    /// The SCIM base URL on the bound address, e.g. `http://127.0.0.1:8787/scim/v2`.
    pub fn scim_base_url(&self) -> String {
        format!("http://{}{}", self.scim_addr, config::SCIM_BASE_PATH)
    }

    /// The current SCIM API key (for the CLI and tests; never log it).
    pub fn scim_key(&self) -> String {
        self.key
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Stop accepting connections, finish in-flight requests, close the database.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let result = (&mut self.task)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        self.store.close().await;
        result
    }
}
