//! ScimLab's desktop shell (Tauri v2). Glue only: it builds the engine's configuration from the
//! app data directory, starts the engine in-process, hands the UI the admin URL and token
//! through one command (`connection`), saves exports through the native dialog, shows in the
//! tray and the window title whether the endpoint listens (or which team server the window
//! shows, when connected to one), and stops the engine cleanly on quit.
//! Everything ScimLab knows lives in `scimlab-engine` and the UI.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod engine_slot;
mod settings;
mod team_server;

use engine_slot::EngineSlot;
use scimlab_engine::host::{ConnectionState, ListenSettings, LoopbackSignIn, TeamServer};
use std::sync::{Arc, Mutex};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, RunEvent, State};
use tauri_plugin_dialog::DialogExt;

/// The save dialog's title (the desktop end-to-end test looks for this window).
const SAVE_DIALOG_TITLE: &str = "Save the ScimLab export";

/// The tray's status line, kept to update its text after a restart.
struct TrayStatus(MenuItem<tauri::Wry>);

/// The team server the window shows instead of this computer's engine, if any.
struct TeamSlot {
    file: std::path::PathBuf,
    server: Mutex<Option<TeamServer>>,
}

impl TeamSlot {
    fn get(&self) -> Option<TeamServer> {
        self.server
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
    fn set(&self, server: Option<TeamServer>) {
        *self
            .server
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = server;
    }
}

/// `connection`: where the admin API is and the token for it (the team server's when connected
/// to one), or why the engine is not running.
#[tauri::command]
async fn connection(
    slot: State<'_, Arc<EngineSlot>>,
    team: State<'_, TeamSlot>,
) -> Result<ConnectionState, String> {
    if let Some(server) = team.get() {
        return Ok(ConnectionState::team(&server));
    }
    Ok(slot.state().await)
}

/// `connect_team_server`: show a team server (checked by the UI first) instead of this
/// computer's engine, and remember it.
#[tauri::command]
async fn connect_team_server(
    app: AppHandle,
    slot: State<'_, Arc<EngineSlot>>,
    team: State<'_, TeamSlot>,
    url: String,
    token: String,
) -> Result<ConnectionState, String> {
    let server = TeamServer::new(&url, &token)?;
    team_server::save(&team.file, &server).map_err(|e| {
        format!(
            "could not remember the team server in {}: {e}",
            team.file.display()
        )
    })?;
    team.set(Some(server.clone()));
    show_status(&app, &slot).await;
    Ok(ConnectionState::team(&server))
}

/// `sign_in_in_browser`: sign in to the team server at `server` in the system browser (the
/// team's identity provider), coming back to a loopback address of this app with a code; the
/// UI holds the PKCE verifier and trades the code for a session token.
#[tauri::command]
async fn sign_in_in_browser(
    server: String,
    code_challenge: String,
    state: String,
) -> Result<LoopbackSignIn, String> {
    scimlab_engine::host::browser_sign_in(&server, &code_challenge, &state, open_in_browser).await
}

/// Open `url` in the system's browser.
fn open_in_browser(url: &str) -> Result<(), String> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let mut opener = command
        .arg(url)
        .spawn()
        .map_err(|e| format!("could not open the browser ({e}): open {url} yourself"))?;
    // Reaped when it exits (xdg-open returns once the browser has the URL).
    std::thread::spawn(move || opener.wait());
    Ok(())
}

/// `disconnect_team_server`: forget the team server; the window shows this computer's engine.
#[tauri::command]
async fn disconnect_team_server(
    app: AppHandle,
    slot: State<'_, Arc<EngineSlot>>,
    team: State<'_, TeamSlot>,
) -> Result<ConnectionState, String> {
    team_server::forget(&team.file).map_err(|e| {
        format!(
            "could not forget the team server ({}): {e}",
            team.file.display()
        )
    })?;
    team.set(None);
    show_status(&app, &slot).await;
    Ok(slot.state().await)
}

/// `restart_engine`: apply listen settings (kept in desktop.json when the engine starts).
#[tauri::command]
async fn restart_engine(
    app: AppHandle,
    slot: State<'_, Arc<EngineSlot>>,
    settings: ListenSettings,
) -> Result<ConnectionState, String> {
    let state = slot.restart(&settings).await;
    show_status(&app, &slot).await;
    Ok(state)
}

/// Ask where to save with the native dialog; `None` when the user cancelled.
async fn pick_save_path(
    app: AppHandle,
    suggested_name: String,
) -> Result<Option<std::path::PathBuf>, String> {
    let picked = tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title(SAVE_DIALOG_TITLE)
            .set_file_name(&suggested_name)
            .blocking_save_file()
    })
    .await
    .map_err(|e| format!("the save dialog failed: {e}"))?;
    picked
        .map(|p| p.into_path().map_err(|e| format!("cannot save there: {e}")))
        .transpose()
}

/// `save_file`: ask where to save with the native dialog and write `contents` there. Returns
/// the path, or `None` when the user cancelled.
#[tauri::command]
async fn save_file(
    app: AppHandle,
    suggested_name: String,
    contents: String,
) -> Result<Option<String>, String> {
    let Some(path) = pick_save_path(app, suggested_name).await? else {
        return Ok(None);
    };
    std::fs::write(&path, contents)
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    Ok(Some(path.display().to_string()))
}

/// `export_workspace`: ask where to save with the native dialog, then write workspace `slug` there
/// as a `.scimlab` file (the engine writes it: no bytes cross the IPC). Returns the path, or
/// `None` when the user cancelled.
#[tauri::command]
async fn export_workspace(
    app: AppHandle,
    slot: State<'_, Arc<EngineSlot>>,
    slug: String,
    pseudonymise: bool,
    suggested_name: String,
) -> Result<Option<String>, String> {
    let Some(path) = pick_save_path(app, suggested_name).await? else {
        return Ok(None);
    };
    // The dialog asked before replacing a file; the export never overwrites, so clear the way.
    if path.exists() {
        std::fs::remove_file(&path)
            .map_err(|e| format!("could not replace {}: {e}", path.display()))?;
    }
    slot.export_workspace(&slug, &path, pseudonymise).await?;
    Ok(Some(path.display().to_string()))
}

/// `settings_file`: where the desktop settings are kept (shown in Settings).
#[tauri::command]
async fn settings_file(slot: State<'_, Arc<EngineSlot>>) -> Result<Option<String>, String> {
    Ok(Some(slot.settings_file().display().to_string()))
}

/// Put the endpoint status (or the team server shown) in the window title and the tray.
async fn show_status(app: &AppHandle, slot: &EngineSlot) {
    let status = slot.status().await;
    let team = app.try_state::<TeamSlot>().and_then(|t| t.get());
    if let Some(w) = app.get_webview_window("main") {
        let title = match (&team, status.port) {
            (Some(server), _) => format!("ScimLab — team server {}", server.url),
            (None, Some(port)) => format!("ScimLab — SCIM endpoint on :{port}"),
            (None, None) => "ScimLab — endpoint not listening".to_owned(),
        };
        let _ = w.set_title(&title);
    }
    if let Some(tray) = app.try_state::<TrayStatus>() {
        let line = match &team {
            Some(server) => format!("Team server {}", server.url),
            None => status.line,
        };
        let _ = tray.0.set_text(&line);
    }
}

/// The tray: the endpoint status (not clickable), show the window, quit.
fn build_tray(app: &tauri::App) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Endpoint starting…", false, None::<&str>)?;
    let show = MenuItem::with_id(app, "show", "Show ScimLab", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit ScimLab", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&status, &show, &quit])?;
    let mut tray = TrayIconBuilder::with_id("scimlab")
        .tooltip("ScimLab")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.show();
                    let _ = w.set_focus();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    app.manage(TrayStatus(status));
    Ok(())
}

/// The app data directory: `SCIMLAB_DESKTOP_DATA_DIR` (tests, portable use) or the OS's.
fn data_dir(app: &tauri::App) -> anyhow::Result<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("SCIMLAB_DESKTOP_DATA_DIR") {
        return Ok(dir.into());
    }
    Ok(app.path().app_data_dir()?)
}

/// mimalloc, not glibc's malloc, as `scimlab` (why: crates/engine/src/memory.rs).
#[global_allocator]
static ALLOCATOR: scimlab_engine::memory::Allocator = scimlab_engine::memory::Allocator;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            connection,
            connect_team_server,
            disconnect_team_server,
            sign_in_in_browser,
            restart_engine,
            save_file,
            export_workspace,
            settings_file
        ])
        .setup(|app| {
            let dir = data_dir(app)?;
            // 0700: it holds the database (the SCIM key, people's data) and desktop.json.
            scimlab_engine::create_private_dir(&dir)?;
            let team_file = team_server::path(&dir);
            app.manage(TeamSlot {
                server: Mutex::new(team_server::load(&team_file)),
                file: team_file,
            });
            let slot = Arc::new(EngineSlot::new(dir));
            app.manage(slot.clone());
            // A missing tray host (no StatusNotifier) is not a reason to fail.
            if let Err(e) = build_tray(app) {
                tracing::warn!(error = %e, "no tray icon");
            }
            let handle = app.handle().clone();
            tauri::async_runtime::block_on(async move {
                slot.restart(&ListenSettings::default()).await;
                show_status(&handle, &slot).await;
            });
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            let slot = app.state::<Arc<EngineSlot>>().inner().clone();
            tauri::async_runtime::block_on(async move { slot.stop().await });
        }
    });
    Ok(())
}
