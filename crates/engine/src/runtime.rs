//! Settings that change while the engine runs: strict mode and capture retention.
//!
//! They are read on every request (mode) and every capture flush (retention), so they are
//! atomics shared by the SCIM listener, the capture writer and the admin API (`PUT
//! /api/settings`), not values copied out of `EngineConfig` at start. Changes last for this
//! launch; `scimlab serve` flags and the desktop app's settings file set them at the next one.
//!
//! Imports `config` and `faults` (the rule set it shares) only.

use scimlab_scim::Mode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use ts_rs::TS;

pub use crate::config::{MAX_RETENTION, MIN_RETENTION};

/// The live settings (see the module docs).
#[derive(Debug)]
pub struct RuntimeSettings {
    strict: AtomicBool,
    retention: AtomicI64,
}

impl RuntimeSettings {
    /// Settings starting at `strict` and `retention` (`Engine::start` has checked it).
    pub fn new(strict: bool, retention: i64) -> Arc<Self> {
        Arc::new(Self {
            strict: AtomicBool::new(strict),
            retention: AtomicI64::new(retention),
        })
    }

    /// Apply what is given, after checking all of it: a refused value changes nothing.
    pub fn apply(&self, strict: Option<bool>, retention: Option<i64>) -> Result<(), String> {
        if let Some(r) = retention {
            self.set_retention(r)?;
        }
        if let Some(s) = strict {
            self.set_strict(s);
        }
        Ok(())
    }

    /// Whether the SCIM listener answers in strict RFC mode.
    pub fn strict(&self) -> bool {
        self.strict.load(Ordering::Relaxed)
    }

    /// The SCIM mode for the next request.
    pub fn mode(&self) -> Mode {
        if self.strict() {
            Mode::Strict
        } else {
            Mode::Tolerant
        }
    }

    /// Switch strict mode on or off (from the next request on).
    pub fn set_strict(&self, strict: bool) {
        self.strict.store(strict, Ordering::Relaxed);
    }

    /// Number of captured exchanges kept.
    pub fn retention(&self) -> i64 {
        self.retention.load(Ordering::Relaxed)
    }

    /// Change the retention (applied at the next capture flush). Out of range is an error
    /// naming the range.
    pub fn set_retention(&self, retention: i64) -> Result<(), String> {
        check_retention(retention)?;
        self.retention.store(retention, Ordering::Relaxed);
        Ok(())
    }
}

/// `Ok` when `retention` is within range; else the message naming the range.
pub fn check_retention(retention: i64) -> Result<(), String> {
    if (MIN_RETENTION..=MAX_RETENTION).contains(&retention) {
        Ok(())
    } else {
        Err(format!(
            "invalid retention {retention}: keep from {MIN_RETENTION} to {MAX_RETENTION} exchanges"
        ))
    }
}

/// `GET /api/settings`, `PUT /api/settings`: the engine's settings. `strict` and `retention`
/// change at once through the API; the addresses and limits are fixed for a launch
/// (`scimlab serve` flags, or the desktop app's Settings, which restarts the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngineSettings {
    /// Whether the SCIM listener answers in strict RFC mode (else tolerant: IdP quirks are
    /// accepted and labelled).
    pub strict: bool,
    /// Number of captured exchanges kept; the oldest are dropped first.
    #[ts(type = "number")]
    pub retention: i64,
    /// The address the SCIM listener is bound to.
    pub scim_addr: String,
    /// The address the admin listener is bound to (loopback).
    pub admin_addr: String,
    /// Largest SCIM request body accepted, in bytes.
    #[ts(type = "number")]
    pub body_limit: u64,
    /// Largest body stored per captured exchange, in bytes.
    #[ts(type = "number")]
    pub capture_body_cap: u64,
    /// The SQLite database file.
    pub db_path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_and_retention_change_in_place() {
        let s = RuntimeSettings::new(false, 100);
        assert_eq!(s.mode(), Mode::Tolerant);
        s.set_strict(true);
        assert_eq!(s.mode(), Mode::Strict);
        s.set_retention(5).unwrap();
        assert_eq!(s.retention(), 5);
        let e = s.set_retention(0).unwrap_err();
        assert!(
            e.contains("invalid retention 0") && e.contains("10000000"),
            "{e}"
        );
        assert_eq!(s.retention(), 5, "a refused value changes nothing");
    }
}

/// The fault rules in force, shared by the capture layer (which asks them on every
/// authenticated request) and the admin API (which lists and edits them). One mutex: a decision
/// never waits on I/O while holding it.
#[derive(Debug, Clone, Default)]
pub struct FaultBoard {
    set: Arc<std::sync::Mutex<crate::faults::FaultSet>>,
    /// Held by an admin edit from its change to its save, so saves land in order.
    edits: Arc<tokio::sync::Mutex<()>>,
}

impl FaultBoard {
    /// A board holding `set`.
    pub fn new(set: crate::faults::FaultSet) -> Self {
        Self {
            set: Arc::new(std::sync::Mutex::new(set)),
            edits: Arc::default(),
        }
    }

    /// Wait for the other admin edits to be saved; hold the guard until this one is.
    pub async fn edit(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.edits.lock().await
    }

    /// Run `f` on the rules (the lock is held only for `f`).
    pub fn with<T>(&self, f: impl FnOnce(&mut crate::faults::FaultSet) -> T) -> T {
        let mut set = self
            .set
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut set)
    }

    /// The rules with their counters.
    pub fn list(&self) -> Vec<crate::faults::FaultRuleView> {
        self.with(|s| s.list())
    }
}
