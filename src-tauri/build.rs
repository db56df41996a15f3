//! Tauri's build step: embeds the config and the access control list. The app's own commands
//! get generated `allow-<command>` permissions, so capabilities/default.json can grant exactly
//! the ones the UI uses.
fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "connection",
            "restart_engine",
            "save_file",
            "export_workspace",
            "settings_file",
            "connect_team_server",
            "disconnect_team_server",
            "sign_in_in_browser",
        ]),
    ))
    .expect("tauri build step failed");
}
