//! Giving freed memory back to the system.
//!
//! glibc keeps what a thread freed in that thread's arena for reuse, so after a burst — the
//! mapping results of 100 000 users built when a workspace opens, a checklist over a large
//! window — the process stays resident at its peak although nothing uses those pages: at
//! 1 000 000 exchanges the engine held 174 MiB after its first reads, 125 MiB once trimmed.
//! [`give_back`] asks for them back at quiet points (a build finished, the capture writer idle),
//! and [`keep_giving_back`] every [`GIVE_BACK_EVERY`] (after large admin reads).
//!
//! The engine's one `unsafe` block (`scripts/check-layering.sh` fails on any other). A leaf:
//! imports nothing of the engine.

/// Ask the allocator to return the free pages of every arena to the system. Call it after a
/// burst, not on a hot path: glibc walks and locks each arena in turn. Elsewhere than glibc
/// (musl, macOS, Windows) it does nothing: those allocators return large blocks themselves.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back() {
    // SAFETY: `malloc_trim` takes no pointer and only rearranges glibc's own free lists, which
    // it locks while it runs; any thread may call it at any time.
    #[expect(unsafe_code, reason = "glibc's malloc_trim has no safe binding")]
    let released = unsafe { libc::malloc_trim(0) } == 1;
    tracing::debug!(released, "gave freed memory back to the system");
}

/// How often [`keep_giving_back`] gives freed memory back.
pub const GIVE_BACK_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Give freed memory back every [`GIVE_BACK_EVERY`] until `closing` turns `true` (or its
/// sender is gone). A walk over the arenas takes about a millisecond.
pub async fn keep_giving_back(mut closing: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(GIVE_BACK_EVERY) => give_back(),
            changed = closing.changed() => {
                if changed.is_err() || *closing.borrow() {
                    return;
                }
            }
        }
    }
}

/// Elsewhere than glibc: nothing to do.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back() {}

#[cfg(test)]
mod tests {
    #[test]
    fn giving_back_after_a_burst_keeps_live_memory_intact() {
        let live: Vec<Vec<u8>> = (0..64).map(|i| vec![i as u8; 4096]).collect();
        let freed: Vec<Vec<u8>> = (0..4096).map(|_| vec![7u8; 16 * 1024]).collect();
        drop(freed);
        super::give_back();
        assert!(
            live.iter()
                .enumerate()
                .all(|(i, v)| v.iter().all(|b| *b == i as u8))
        );
    }
}
