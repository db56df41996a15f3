//! The background runs started from the admin API (simulations, replays): kept in memory per
//! launch, newest last, at most a few of them, one running at a time. A std mutex, held only to
//! copy or replace small values, never across an await.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// What the registry needs of a run's status.
pub trait RunStatus: Clone {
    /// The run's id.
    fn id(&self) -> &str;
    /// Whether it is still going.
    fn running(&self) -> bool;
}

/// The runs of one kind.
#[derive(Clone)]
pub struct RunRegistry<S> {
    inner: Arc<Mutex<VecDeque<S>>>,
}

impl<S> Default for RunRegistry<S> {
    fn default() -> Self {
        Self {
            inner: Arc::default(),
        }
    }
}

impl<S> std::fmt::Debug for RunRegistry<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunRegistry")
    }
}

impl<S: RunStatus> RunRegistry<S> {
    fn with<T>(&self, f: impl FnOnce(&mut VecDeque<S>) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Add `status` as the newest run, keeping the last `kept`; `Err(id)` of the run still going
    /// (nothing added).
    pub fn start(&self, status: S, kept: usize) -> Result<(), String> {
        self.with(|runs| {
            if let Some(r) = runs.iter().find(|r| r.running()) {
                return Err(r.id().to_owned());
            }
            runs.push_back(status);
            while runs.len() > kept {
                runs.pop_front();
            }
            Ok(())
        })
    }

    /// Change the run `id`, if it is still kept.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut S)) {
        self.with(|runs| {
            if let Some(s) = runs.iter_mut().find(|s| s.id() == id) {
                f(s);
            }
        });
    }

    /// The run `id`, as it is now.
    pub fn get(&self, id: &str) -> Option<S> {
        self.with(|runs| runs.iter().find(|r| r.id() == id).cloned())
    }
}
