//! Folding of rejected requests: repeated rejections become one stored exchange with a count.
//!
//! A request without a valid SCIM key costs the engine almost nothing to answer, but storing each
//! one would let anyone on the internet fill the disk and the Traffic screen. So rejections are
//! *folded* by [`FoldKey`] — the client (see `crate::client`), its User-Agent and the reason —
//! into one exchange: the first request of a fold is captured (cut to a few KiB) and stored, every
//! later one only adds to the fold's count and moves its last time. The first is the evidence a
//! support engineer needs ("Entra sent a key ending in `abcd`"); the count says how often.
//!
//! The [`FoldTable`] lives in memory, shared by the capture middleware (which counts) and the
//! capture writer (which knows the stored row of each fold and writes the counts in its
//! batches). It is bounded: at most [`MAX_FOLDS`] folds, keys holding at most
//! [`MAX_USER_AGENT`] bytes of User-Agent; when full, the least recently hit quarter is
//! forgotten (their next rejection starts a new fold). A fold also ends when the same client and
//! User-Agent authenticate successfully, so a key that breaks again later shows up as a new
//! exchange *after* the successful ones (the checklist reads the latest outcome).
//!
//! Concurrency: one `std::sync::Mutex`, held for a hash lookup and never across an `.await`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;

/// Most folds remembered at once.
pub const MAX_FOLDS: usize = 4096;
/// Bytes of User-Agent kept in a fold key (and in the IdP cache's keys); longer ones are cut on
/// a character boundary, so two agents differing only past this point fold together.
pub const MAX_USER_AGENT: usize = 256;
/// Most first requests of new folds queued for the writer at once (each holds a few KiB); past
/// it a rejection that would start a fold is not captured (and counted as dropped).
pub const MAX_FIRSTS_QUEUED: usize = 256;

/// Why a request was rejected; part of the fold key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No `Authorization` header (401).
    MissingKey,
    /// A scheme other than Bearer (401).
    WrongScheme,
    /// A key that is not this endpoint's (401).
    WrongKey,
    /// Another workspace's key (401): folded apart, so its hint is kept.
    OtherWorkspaceKey,
    /// A tenant URL naming a workspace that does not exist (401, as a wrong key).
    UnknownWorkspace,
    /// No such endpoint, sent without a valid key (404).
    NotFound,
    /// The endpoint does not take that method, sent without a valid key (405).
    MethodNotAllowed,
    /// Any other refusal of a request without a valid key.
    Other,
}

impl Reason {
    /// Every reason (to end all folds of one client and User-Agent).
    pub const ALL: [Reason; 8] = [
        Reason::MissingKey,
        Reason::WrongScheme,
        Reason::WrongKey,
        Reason::OtherWorkspaceKey,
        Reason::UnknownWorkspace,
        Reason::NotFound,
        Reason::MethodNotAllowed,
        Reason::Other,
    ];
}

/// What folds rejected requests together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FoldKey {
    /// The client (the tunnel's forwarded address for a loopback peer).
    pub client: IpAddr,
    /// The User-Agent, cut to [`MAX_USER_AGENT`] bytes ("" when none).
    pub user_agent: Box<str>,
    /// Why it was rejected.
    pub reason: Reason,
}

/// `s` cut to at most `max` bytes on a character boundary.
pub fn cut(s: &str, max: usize) -> &str {
    &s[..s.floor_char_boundary(max)]
}

impl FoldKey {
    /// The key of a rejection from `client` with `user_agent` for `reason`.
    pub fn new(client: IpAddr, user_agent: &str, reason: Reason) -> Self {
        Self {
            client,
            user_agent: cut(user_agent, MAX_USER_AGENT).into(),
            reason,
        }
    }
}

#[derive(Debug)]
struct Slot {
    /// Identity of this fold (a key forgotten and seen again gets a new one).
    fold: u64,
    /// The stored row, once the writer has inserted the first request.
    row: Option<i64>,
    /// Requests counted since the writer last took them.
    pending: u32,
    /// Time of the latest of them.
    last_at: Option<String>,
    /// When the fold was last hit (a counter, for eviction).
    touched: u64,
}

/// What [`FoldTable::hit`] did with a rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A new fold: capture this request as its first and send it to the writer.
    New(u64),
    /// Counted into an existing fold: nothing to capture.
    Counted,
}

/// Counts the writer takes for one fold: `(key, fold, row, more requests, latest time)`.
pub type Pending = (FoldKey, u64, i64, u32, String);

/// The folds in memory (see the module docs).
#[derive(Debug, Default)]
pub struct FoldTable {
    slots: HashMap<FoldKey, Slot>,
    /// Folds ended (by a success, or evicted) whose counts are not written yet: no rejection is
    /// counted into them any more, but what they counted is not lost. At most [`MAX_FOLDS`].
    retired: Vec<(FoldKey, Slot)>,
    next: u64,
    tick: u64,
}

impl FoldTable {
    /// Number of folds remembered.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no fold is remembered.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Count a rejection with `key` at `at`, or open a new fold for it.
    pub fn hit(&mut self, key: FoldKey, at: &str) -> Hit {
        self.tick += 1;
        if let Some(slot) = self.slots.get_mut(&key) {
            slot.pending = slot.pending.saturating_add(1);
            slot.last_at = Some(at.to_owned());
            slot.touched = self.tick;
            return Hit::Counted;
        }
        if self.slots.len() >= MAX_FOLDS {
            self.evict();
        }
        self.next += 1;
        self.slots.insert(
            key,
            Slot {
                fold: self.next,
                row: None,
                pending: 0,
                last_at: None,
                touched: self.tick,
            },
        );
        Hit::New(self.next)
    }

    /// Forget the least recently hit quarter (amortised O(1) per new fold).
    fn evict(&mut self) {
        let mut ticks: Vec<u64> = self.slots.values().map(|s| s.touched).collect();
        let quarter = ticks.len() / 4;
        let (_, &mut cutoff, _) = ticks.select_nth_unstable(quarter);
        let old: Vec<FoldKey> = self
            .slots
            .iter()
            .filter(|(_, s)| s.touched <= cutoff)
            .map(|(k, _)| k.clone())
            .collect();
        for key in old {
            self.retire(key);
        }
    }

    /// End the fold of `key`: later rejections start a new one; counts not yet written are
    /// kept for the writer.
    fn retire(&mut self, key: FoldKey) {
        if let Some(slot) = self.slots.remove(&key)
            && slot.pending > 0
        {
            self.push_retired(key, slot);
        }
    }

    /// Forget every fold (a reset deleted their rows).
    pub fn clear(&mut self) {
        self.slots.clear();
        self.retired.clear();
    }

    /// Forget fold `fold` (its first request could not be queued, or its row is gone).
    pub fn forget(&mut self, key: &FoldKey, fold: u64) {
        if self.slots.get(key).is_some_and(|s| s.fold == fold) {
            self.slots.remove(key);
        }
        self.retired.retain(|(_, s)| s.fold != fold);
    }

    /// End every fold of `client` with `user_agent`: it has just authenticated, so its next
    /// rejection is news and starts a new exchange.
    pub fn end_client(&mut self, client: IpAddr, user_agent: &str) {
        if self.slots.is_empty() {
            return;
        }
        let mut key = FoldKey::new(client, user_agent, Reason::Other);
        for reason in Reason::ALL {
            key.reason = reason;
            self.retire(key.clone());
        }
    }

    /// The writer stored the first request of `fold` as `row`.
    pub fn stored(&mut self, key: &FoldKey, fold: u64, row: i64) {
        let retired = self.retired.iter_mut().map(|(_, s)| s);
        if let Some(slot) = self
            .slots
            .get_mut(key)
            .into_iter()
            .chain(retired)
            .find(|s| s.fold == fold)
        {
            slot.row = Some(row);
        }
    }

    /// Take the counts not yet written, for folds whose row is stored (the others keep theirs
    /// until it is).
    pub fn take_pending(&mut self) -> Vec<Pending> {
        let mut out = Vec::new();
        let retired = self.retired.iter_mut().map(|(k, s)| (&*k, s));
        for (key, slot) in self.slots.iter_mut().chain(retired) {
            if let (Some(row), true) = (slot.row, slot.pending > 0) {
                let last = slot.last_at.take().unwrap_or_default();
                out.push((key.clone(), slot.fold, row, slot.pending, last));
                slot.pending = 0;
            }
        }
        self.retired.retain(|(_, s)| s.pending > 0);
        out
    }

    /// Give back counts taken by [`Self::take_pending`] that could not be written.
    pub fn restore(&mut self, taken: Vec<Pending>) {
        for (key, fold, row, more, last) in taken {
            let live = self.slots.get(&key).is_some_and(|s| s.fold == fold);
            if !live && !self.retired.iter().any(|(_, s)| s.fold == fold) {
                // Retired, and taken whole: back among the retired.
                self.push_retired(
                    key.clone(),
                    Slot {
                        fold,
                        row: Some(row),
                        pending: 0,
                        last_at: None,
                        touched: 0,
                    },
                );
            }
            let slot = if live {
                self.slots.get_mut(&key)
            } else {
                self.retired
                    .iter_mut()
                    .map(|(_, s)| s)
                    .find(|s| s.fold == fold)
            };
            if let Some(slot) = slot {
                slot.pending = slot.pending.saturating_add(more);
                if slot.last_at.as_ref().is_none_or(|l| *l < last) {
                    slot.last_at = Some(last);
                }
            }
        }
    }

    fn push_retired(&mut self, key: FoldKey, slot: Slot) {
        if self.retired.len() >= MAX_FOLDS {
            self.retired.remove(0);
        }
        self.retired.push((key, slot));
    }
}

/// The fold table and what the capture layer and the writer share about it.
#[derive(Debug, Default)]
pub struct Folds {
    table: Mutex<FoldTable>,
    /// Wakes the writer when counts are waiting.
    pub(super) wake: Notify,
    /// First requests queued for the writer and not yet taken by it.
    pub(super) firsts_queued: AtomicUsize,
    /// Rejections not captured because the queue was full (logged by the writer).
    pub(super) dropped: AtomicU64,
}

impl Folds {
    /// The table, locked (never held across an `.await`).
    pub fn lock(&self) -> MutexGuard<'_, FoldTable> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserve room for one more first request in the writer's queue.
    pub(super) fn reserve_first(&self) -> bool {
        self.firsts_queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_FIRSTS_QUEUED).then_some(n + 1)
            })
            .is_ok()
    }

    /// A first request left the queue (taken by the writer, or never sent).
    pub(super) fn release_first(&self) {
        self.firsts_queued.fetch_sub(1, Ordering::AcqRel);
    }

    /// Note a rejection that could not be captured.
    pub(super) fn note_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ip: &str, ua: &str, reason: Reason) -> FoldKey {
        FoldKey::new(ip.parse().unwrap(), ua, reason)
    }

    #[test]
    fn repeats_are_counted_into_one_fold_and_taken_once_stored() {
        let mut t = FoldTable::default();
        let k = key("203.0.113.7", "curl/8", Reason::WrongKey);
        let Hit::New(fold) = t.hit(k.clone(), "t0") else {
            panic!("first is new")
        };
        assert_eq!(t.hit(k.clone(), "t1"), Hit::Counted);
        assert_eq!(t.hit(k.clone(), "t2"), Hit::Counted);
        assert!(
            t.take_pending().is_empty(),
            "nothing to write before the row exists"
        );
        t.stored(&k, fold, 42);
        let taken = t.take_pending();
        assert_eq!(taken, vec![(k.clone(), fold, 42, 2, "t2".to_owned())]);
        assert!(t.take_pending().is_empty(), "taken once");
        t.restore(taken);
        assert_eq!(t.take_pending()[0].3, 2, "given back when the write failed");
        // Another reason, user-agent or client is another fold.
        assert!(matches!(
            t.hit(key("203.0.113.7", "curl/8", Reason::MissingKey), "t3"),
            Hit::New(_)
        ));
        assert!(matches!(
            t.hit(key("203.0.113.7", "curl/9", Reason::WrongKey), "t3"),
            Hit::New(_)
        ));
        assert!(matches!(
            t.hit(key("203.0.113.8", "curl/8", Reason::WrongKey), "t3"),
            Hit::New(_)
        ));
    }

    #[test]
    fn the_table_and_its_keys_stay_bounded() {
        let mut t = FoldTable::default();
        let long = "é".repeat(1000);
        let k = key("198.51.100.1", &long, Reason::WrongKey);
        assert!(k.user_agent.len() <= MAX_USER_AGENT);
        assert!(long.starts_with(&*k.user_agent));
        for i in 0..(MAX_FOLDS * 3) {
            t.hit(
                key("198.51.100.1", &format!("agent {i}"), Reason::WrongKey),
                "t",
            );
            assert!(t.len() <= MAX_FOLDS);
        }
        // A fold hit often survives eviction.
        let mut t = FoldTable::default();
        let hot = key("198.51.100.2", "entra", Reason::WrongKey);
        let Hit::New(fold) = t.hit(hot.clone(), "t") else {
            panic!()
        };
        for i in 0..(MAX_FOLDS * 2) {
            t.hit(
                key("198.51.100.3", &format!("a{i}"), Reason::MissingKey),
                "t",
            );
            if i % 100 == 0 {
                assert_eq!(t.hit(hot.clone(), "t"), Hit::Counted);
            }
        }
        t.stored(&hot, fold, 7);
        assert_eq!(t.take_pending().iter().find(|p| p.0 == hot).unwrap().2, 7);
    }

    #[test]
    fn authenticating_ends_the_clients_folds_and_forgetting_is_per_fold() {
        let mut t = FoldTable::default();
        let k = key("203.0.113.7", "Azure", Reason::WrongKey);
        let Hit::New(first) = t.hit(k.clone(), "t") else {
            panic!()
        };
        t.end_client("203.0.113.7".parse().unwrap(), "Azure");
        let Hit::New(second) = t.hit(k.clone(), "t") else {
            panic!("a new fold after a success")
        };
        assert_ne!(first, second);
        t.forget(&k, first);
        assert_eq!(
            t.hit(k.clone(), "t"),
            Hit::Counted,
            "an old fold id forgets nothing"
        );
        t.forget(&k, second);
        assert!(t.is_empty());
    }

    #[test]
    fn counts_of_an_ended_fold_are_still_written() {
        let mut t = FoldTable::default();
        let k = key("203.0.113.7", "Azure", Reason::WrongKey);
        let Hit::New(fold) = t.hit(k.clone(), "t0") else {
            panic!()
        };
        t.hit(k.clone(), "t1");
        t.hit(k.clone(), "t2");
        // The client authenticates before the writer stored the first request.
        t.end_client("203.0.113.7".parse().unwrap(), "Azure");
        assert!(matches!(t.hit(k.clone(), "t3"), Hit::New(_)), "a new fold");
        assert!(t.take_pending().is_empty(), "not stored yet");
        t.stored(&k, fold, 11);
        let taken = t.take_pending();
        assert_eq!(taken, vec![(k.clone(), fold, 11, 2, "t2".to_owned())]);
        t.restore(taken);
        assert_eq!(t.take_pending().len(), 1, "given back after a failed write");
        assert!(t.take_pending().is_empty(), "and then gone");
    }

    #[test]
    fn the_queue_of_first_requests_is_bounded() {
        let f = Folds::default();
        for _ in 0..MAX_FIRSTS_QUEUED {
            assert!(f.reserve_first());
        }
        assert!(!f.reserve_first());
        f.release_first();
        assert!(f.reserve_first());
    }
}
