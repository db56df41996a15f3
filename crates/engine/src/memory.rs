//! The process's allocator, and giving freed memory back to the system.
//!
//! The binaries (`scimlab`, the desktop app) allocate with mimalloc ([`Allocator`], their
//! `#[global_allocator]`): with glibc's malloc a list page of 100 users spent about 30% of its
//! CPU in the allocator (arenas shared by threads, consolidation of large frees), and writes
//! about 10%. SQLite allocates with glibc's malloc either way (C code).
//!
//! Both allocators keep freed memory for reuse, so after a burst — the mapping results of
//! 100 000 users built when a workspace opens, a checklist over a large window — the process
//! would stay resident at its peak although nothing uses those pages (at 1 000 000 exchanges:
//! 174 MiB after the first reads, 125 MiB once trimmed). mimalloc purges what it freed only when
//! it allocates again, so an idle engine never would. [`give_back`] returns both at quiet points
//! (a build finished, the capture writer idle), and [`keep_giving_back`] every
//! [`GIVE_BACK_EVERY`] (after large admin reads). mimalloc is built without transparent huge
//! pages (`no_thp`): they held about 30 MiB more at that size.
//!
//! The engine's only `unsafe` blocks (`scripts/check-layering.sh` fails on any elsewhere). A
//! leaf: imports nothing of the engine.

/// The allocator of ScimLab's binaries: `#[global_allocator] static A: Allocator = Allocator;`.
pub use mimalloc::MiMalloc as Allocator;

/// Ask the allocators to return their free pages to the system. Call it after a burst, not on a
/// hot path: glibc walks and locks each arena in turn, and mimalloc purges every arena.
pub fn give_back() {
    // SAFETY: `mi_collect` takes no pointer; it frees the calling thread's empty pages and
    // purges mimalloc's arenas, under mimalloc's own locks; any thread may call it at any time
    // (and it does nothing harmful where mimalloc is not the global allocator).
    #[expect(unsafe_code, reason = "mimalloc's mi_collect has no safe binding")]
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    trim_glibc();
}

/// glibc's free pages (SQLite's allocations). Elsewhere than glibc (musl, macOS, Windows) there
/// is nothing to do: those allocators return large blocks themselves.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_glibc() {
    // SAFETY: `malloc_trim` takes no pointer and only rearranges glibc's own free lists, which
    // it locks while it runs; any thread may call it at any time.
    #[expect(unsafe_code, reason = "glibc's malloc_trim has no safe binding")]
    let released = unsafe { libc::malloc_trim(0) } == 1;
    tracing::debug!(released, "gave freed memory back to the system");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_glibc() {}

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
