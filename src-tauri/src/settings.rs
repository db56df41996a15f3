//! The desktop app's own settings file (`<app data>/desktop.json`): the SCIM address, strict
//! mode and retention to start the engine with. The engine keeps its data in `scimlab.db`
//! beside it. A missing or unreadable file means defaults (and a warning), never a crash.
//! Two writers share the file (a restart with new listen settings, and the task keeping what
//! the UI changed at runtime): each change is a read-merge-write under one lock ([`update`]),
//! written to a temporary file and renamed over, so neither loses the other's fields and a
//! crash mid-write leaves the old file. The file is `0600` on Unix, like the database beside it.

use scimlab_engine::host::ListenSettings;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Serialises [`update`]s: held only for the read-merge-write, never across an await.
static FILE_LOCK: Mutex<()> = Mutex::new(());

/// The settings file in `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("desktop.json")
}

/// Read the settings (defaults when the file is missing or unreadable).
pub fn load(file: &Path) -> ListenSettings {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!(file = %file.display(), error = %e, "ignoring an unreadable settings file");
            ListenSettings::default()
        }),
        Err(_) => ListenSettings::default(),
    }
}

/// `base` with the fields `update` sets.
pub fn merge(base: &ListenSettings, update: &ListenSettings) -> ListenSettings {
    ListenSettings {
        scim_addr: update.scim_addr.clone().or_else(|| base.scim_addr.clone()),
        strict: update.strict.or(base.strict),
        retention: update.retention.or(base.retention),
    }
}

/// Write the settings (the directory exists: the engine's database lives there): to a
/// temporary file beside it, then renamed over it.
pub fn save(file: &Path, settings: &ListenSettings) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(settings).map_err(std::io::Error::other)?;
    write_private(file, &text)
}

/// Write `text` to `file`, readable by this user only: to a temporary file beside it, then
/// renamed over it (a crash mid-write leaves the old file).
pub fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    let tmp = file.with_extension("json.tmp");
    // A leftover temporary file would keep its mode: start afresh, readable by this user only.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&tmp)?, text.as_bytes())?;
    std::fs::rename(&tmp, file)
}

/// Apply the fields `update` sets to the file as it is now, under the file lock; the
/// settings written.
pub fn update(file: &Path, update: &ListenSettings) -> std::io::Result<ListenSettings> {
    let _guard = FILE_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let merged = merge(&load(file), update);
    save(file, &merged)?;
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_survive_a_round_trip_and_merge_field_by_field() {
        let dir = std::env::temp_dir().join(format!("scimlab-desktop-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = path(&dir);
        assert_eq!(
            load(&file),
            ListenSettings::default(),
            "missing file: defaults"
        );
        let base = ListenSettings {
            scim_addr: Some("127.0.0.1:9000".into()),
            strict: Some(true),
            retention: None,
        };
        save(&file, &base).unwrap();
        assert_eq!(load(&file), base);
        let merged = merge(
            &base,
            &ListenSettings {
                retention: Some(50),
                ..ListenSettings::default()
            },
        );
        assert_eq!(merged.scim_addr.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(merged.strict, Some(true));
        assert_eq!(merged.retention, Some(50));
        std::fs::write(&file, "{not json").unwrap();
        assert_eq!(
            load(&file),
            ListenSettings::default(),
            "unreadable: defaults"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_updates_keep_each_other_s_fields() {
        let dir = tempfile_dir("concurrent");
        let file = path(&dir);
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let file = file.clone();
                std::thread::spawn(move || {
                    let u = if i % 2 == 0 {
                        ListenSettings {
                            scim_addr: Some("127.0.0.1:9000".into()),
                            ..ListenSettings::default()
                        }
                    } else {
                        ListenSettings {
                            retention: Some(77),
                            ..ListenSettings::default()
                        }
                    };
                    for _ in 0..50 {
                        update(&file, &u).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let kept = load(&file);
        assert_eq!(kept.scim_addr.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(kept.retention, Some(77));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_settings_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile_dir("mode");
        let file = path(&dir);
        // Even over a leftover temporary file that others could read.
        std::fs::write(file.with_extension("json.tmp"), "{}").unwrap();
        update(&file, &ListenSettings::default()).unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("scimlab-desktop-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
