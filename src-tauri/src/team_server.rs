//! The team server the desktop app is connected to, remembered across launches in
//! `<app data>/team-server.json` (`0600`: it holds a personal admin token, as the database
//! beside it holds the SCIM key). Connected, the window shows that server's screens instead of
//! this computer's engine (which keeps running); disconnecting forgets the file. What a team
//! server address and token must be is the engine's `host::TeamServer`.

use scimlab_engine::host::TeamServer;
use std::path::{Path, PathBuf};

/// The file in `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("team-server.json")
}

/// The remembered team server, if any (an unreadable file is ignored, with a warning).
pub fn load(file: &Path) -> Option<TeamServer> {
    let text = std::fs::read_to_string(file).ok()?;
    match serde_json::from_str::<TeamServer>(&text) {
        Ok(s) => TeamServer::new(&s.url, &s.token).ok(),
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "ignoring an unreadable team server file");
            None
        }
    }
}

/// Remember `server`.
pub fn save(file: &Path, server: &TeamServer) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(server).map_err(std::io::Error::other)?;
    crate::settings::write_private(file, &text)
}

/// Forget the team server.
pub fn forget(file: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_server_is_remembered_privately_and_forgotten() {
        let dir = std::env::temp_dir().join(format!("scimlab-team-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = path(&dir);
        assert_eq!(load(&file), None);
        let token = format!("slp_{}_{}", "a".repeat(12), "b".repeat(64));
        let server = TeamServer::new("https://scimlab.example.com:8788", &token).unwrap();
        save(&file, &server).unwrap();
        assert_eq!(load(&file), Some(server));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        forget(&file).unwrap();
        forget(&file).unwrap();
        assert_eq!(load(&file), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
