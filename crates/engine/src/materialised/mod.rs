//! What the admin views read, kept up to date instead of computed per request: every user's
//! mapping result under the profile in force ([`users`]), each IdP's window of newest
//! exchanges ([`traffic`]) and the timeline's outlines of the newest exchanges ([`timeline`]),
//! per workspace (each workspace's `AdminState` holds its own [`Materialised`]).
//!
//! How the results stay equal to a fresh evaluation of every user:
//! - **Writes**: the store keeps a change feed of the users whose mapping inputs changed
//!   (`MappingStore::user_changes`, written in the write's own transaction). A view reads the
//!   feed from where the results are current and evaluates only those users again — a write,
//!   then a read, costs the changed users, not the population.
//! - **The profile** (chosen, or the chosen one edited or deleted) changes every result: a read
//!   that finds the results under another profile's rules starts a background re-evaluation
//!   (pages of users, `mapping.progress` events through the [`ProgressFn`]) and answers from
//!   the previous results with `updating: true` until the new ones replace them. The same when
//!   the feed is too far ahead to follow (more than [`INLINE_CHANGES`] changes, or forgotten).
//!   Small workspaces (at most `inline_users`) are re-evaluated on the spot instead.
//! - **First read**: the results are built when the workspace opens ([`Materialised::start`]);
//!   a view asked before they exist waits for them.
//!
//! Imports `checks`, `mapping`, `model`, `report` (the user facts), `results` (the profile in
//! force), `scim_api::render` (users as the SCIM listener renders them), `store` and `timeline`.
//! (`EngineConfig::mapping_inline_users` sets the small workspaces' size.)

mod timeline;
mod traffic;
mod users;

pub use users::{Entry, Lists, UserIndex, evaluate_rows};

use crate::checks::{self, CheckInput, Checklist, Prepared};
use crate::mapping::{CompiledProfile, RoleSummary};
use crate::model::Idp;
use crate::store::prelude::*;
use crate::store::{Conn, Store, StoreError};
use scimlab_scim::ResourceKind;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};
use timeline::TimelineWindow;
use tokio::sync::MutexGuard;
use traffic::TrafficWindow;

/// Changed users evaluated on the request path; more start a background re-evaluation.
pub const INLINE_CHANGES: i64 = 2_000;
/// Users read and evaluated per step of a whole evaluation (a few milliseconds of work
/// between yields, so requests on the same worker are not held up).
const PAGE: i64 = 250;
/// Changed users read per step when catching up.
const CATCH_UP: i64 = 5_000;
/// Progress events at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Where a re-evaluation stands, told through the [`ProgressFn`] (the engine publishes it as
/// `mapping.progress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The profile users are re-evaluated under.
    pub profile_id: String,
    /// Users evaluated so far.
    pub evaluated: u32,
    /// Users to evaluate.
    pub total: u32,
    /// The new results are in place (or the run ended): views answer from them.
    pub done: bool,
}

/// Receives [`Progress`].
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// A view's answer and whether the results behind it are being re-evaluated (then it is the
/// previous results' answer).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading<T> {
    /// The answer.
    pub value: T,
    /// A re-evaluation is under way.
    pub updating: bool,
}

/// Where the materialised results stand (`GET /api/mapping`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The profile the results are under.
    pub profile_id: String,
    /// Users with a result.
    pub users: usize,
    /// A re-evaluation is under way.
    pub updating: bool,
    /// Users evaluated by the re-evaluation under way (or the last one).
    pub evaluated: u32,
    /// Users it evaluates.
    pub total: u32,
}

/// One workspace's materialised views. Cloning shares them.
#[derive(Clone)]
pub struct Materialised(Arc<Inner>);

impl std::fmt::Debug for Materialised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Materialised")
            .field("base_url", &self.0.base_url)
            .finish_non_exhaustive()
    }
}

struct Inner {
    store: Store,
    /// The workspace's SCIM base URL (users render with their `meta.location`).
    base_url: String,
    inline_users: usize,
    progress: ProgressFn,
    index: tokio::sync::Mutex<Option<UserIndex>>,
    job: std::sync::Mutex<Job>,
    /// Each IdP's newest exchanges.
    entra: tokio::sync::Mutex<TrafficWindow>,
    okta: tokio::sync::Mutex<TrafficWindow>,
    other: tokio::sync::Mutex<TrafficWindow>,
    /// The newest exchanges' outlines (filled by [`Materialised::start`], or by the first
    /// `timeline` read if that comes first).
    timeline: tokio::sync::Mutex<TimelineWindow>,
}

/// The background re-evaluation.
#[derive(Debug, Default)]
struct Job {
    running: bool,
    /// Asked to start over (the profile or the data changed under it).
    restart: bool,
    evaluated: u32,
    total: u32,
}

impl Materialised {
    /// The views of the workspace whose store is `store` and whose SCIM base URL is `base_url`;
    /// workspaces with at most `inline_users` users are re-evaluated on the request path.
    pub fn new(store: Store, base_url: String, inline_users: usize, progress: ProgressFn) -> Self {
        let window = |idp| {
            tokio::sync::Mutex::new(TrafficWindow::new(
                idp,
                usize::try_from(crate::report::CHECKLIST_EXCHANGES).unwrap_or(5_000),
            ))
        };
        Self(Arc::new(Inner {
            store,
            base_url,
            inline_users,
            progress,
            index: tokio::sync::Mutex::new(None),
            job: std::sync::Mutex::new(Job::default()),
            entra: window(Idp::Entra),
            okta: window(Idp::Okta),
            other: window(Idp::Other),
            timeline: tokio::sync::Mutex::new(TimelineWindow::new(
                usize::try_from(crate::timeline::TIMELINE_EXCHANGES).unwrap_or(100_000),
            )),
        }))
    }

    /// Build the results (and score each IdP's checklist once, filling its window, and read the
    /// timeline's window) now, in the background: the first view waits for what is not ready
    /// yet.
    pub fn start(&self) {
        // The timeline's window on its own (about 80 ms at 1 000 000 exchanges), so that a
        // first Traffic screen does not wait for the users' results to be built first.
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.timeline().await {
                tracing::warn!(error = %e, "could not read the newest exchanges' outlines");
            }
        });
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.current().await {
                tracing::warn!(error = %e, "could not evaluate the users' mappings");
                return;
            }
            // Each IdP's checklist once: it fills the IdP's window and the facts its creates
            // swap in (the first call did that while someone waited, about 60 ms more at
            // 100 000 users).
            for idp in [Idp::Entra, Idp::Okta] {
                if let Err(e) = this.checklist(idp).await {
                    tracing::warn!(error = %e, "could not read the newest exchanges");
                    return;
                }
            }
            // Building the results of every user left the peak's freed pages behind.
            crate::memory::give_back();
        });
    }

    /// The profile or the data changed wholesale (a profile chosen, saved or deleted; a
    /// reset): start over a re-evaluation under way, and bring the results up to date now.
    pub fn nudge(&self) {
        {
            let mut job = self.0.job.lock().unwrap_or_else(PoisonError::into_inner);
            if job.running {
                job.restart = true;
            }
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.current().await {
                tracing::warn!(error = %e, "could not evaluate the users' mappings");
            }
        });
    }

    /// Users per role and per status over every user.
    pub async fn roles(&self) -> Result<Reading<RoleSummary>, StoreError> {
        let (index, updating) = self.current().await?;
        let value = match index.as_ref() {
            Some(i) => i.summary(),
            None => crate::mapping::summarise(&[]),
        };
        Ok(Reading { value, updating })
    }

    /// `idp`'s checklist, scored as `report::score_checklist` scores it.
    pub async fn checklist(&self, idp: Idp) -> Result<Reading<Checklist>, StoreError> {
        // The window's lock, then the results' (never the other way round).
        let mut window = match idp {
            Idp::Entra => &self.0.entra,
            Idp::Okta => &self.0.okta,
            Idp::Other => &self.0.other,
        }
        .lock()
        .await;
        {
            let mut conn = self.0.store.read().await?;
            window.refresh(&mut conn).await?;
        }
        // The users (in creation order), and — by position, found through the index instead
        // of by reading every user — the ones this IdP created and the ones its exchanges name.
        let (users, mine, named, updating) = {
            let (index, updating) = self.current().await?;
            match index.as_ref() {
                Some(i) => {
                    let users = window.facts_of(i);
                    let entries = i.entries();
                    let mine: Vec<usize> = (0..entries.len())
                        .filter(|&n| entries[n].created_by == idp)
                        .collect();
                    let named: Vec<(usize, usize)> = window
                        .exchanges()
                        .iter()
                        .enumerate()
                        .filter_map(|(x, e)| {
                            let pk = i.pk_of(e.summary.resource_id.as_deref()?)?;
                            let n = entries.binary_search_by_key(&pk, |e| e.pk).ok()?;
                            (entries[n].created_by == idp).then_some((n, x))
                        })
                        .collect();
                    (users, mine, named, updating)
                }
                None => (Vec::new(), Vec::new(), Vec::new(), updating),
            }
        };
        let exchanges = window.exchanges();
        let prepared = Prepared::known(
            mine.iter()
                .filter_map(|&n| users.get(n))
                .map(|u| &**u)
                .collect(),
            named
                .iter()
                .filter_map(|&(n, x)| Some((&**users.get(n)?, exchanges.get(x)?))),
        );
        let value = checks::evaluate_prepared(
            &CheckInput::new(idp, exchanges, &users).with_written(window.written()),
            &prepared,
        );
        Ok(Reading { value, updating })
    }

    /// The timeline of the newest [`crate::timeline::TIMELINE_EXCHANGES`] exchanges, as
    /// [`crate::timeline::build`] over a fresh read of them answers (every exchange committed
    /// before the call counted).
    pub async fn timeline(&self) -> Result<crate::timeline::Timeline, StoreError> {
        // The lock first: calls waiting for it (behind the first fill) hold no connection.
        let mut window = self.0.timeline.lock().await;
        let first = !window.loaded();
        {
            let mut conn = self.0.store.read().await?;
            window.refresh(&mut conn).await?;
        }
        if first {
            // The first fill read every outline of the window at once; its text is freed.
            crate::memory::give_back();
        }
        Ok(window.timeline())
    }

    /// Where the results stand.
    pub async fn state(&self) -> Result<State, StoreError> {
        let (index, updating) = self.current().await?;
        let (evaluated, total) = {
            let job = self.0.job.lock().unwrap_or_else(PoisonError::into_inner);
            (job.evaluated, job.total)
        };
        Ok(State {
            profile_id: index
                .as_ref()
                .map(|i| i.profile.id().to_owned())
                .unwrap_or_default(),
            users: index.as_ref().map_or(0, |i| i.entries().len()),
            updating,
            evaluated,
            total,
        })
    }

    /// A page of the results (`offset`, at most `limit`), in creation order, and how many there
    /// are.
    pub async fn entries(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<Reading<(usize, Vec<Entry>)>, StoreError> {
        let (index, updating) = self.current().await?;
        let all = index.as_ref().map_or(&[][..], |i| i.entries());
        let page = all.iter().skip(offset).take(limit).cloned().collect();
        Ok(Reading {
            value: (all.len(), page),
            updating,
        })
    }

    /// The results, brought up to date with the store as far as the request path may, and
    /// whether they are being re-evaluated.
    async fn current(&self) -> Result<(MutexGuard<'_, Option<UserIndex>>, bool), StoreError> {
        let inner = &*self.0;
        // The lock first: views waiting for it hold no connection of the store's few.
        let mut guard = inner.index.lock().await;
        let mut conn = inner.store.read().await?;
        let (profile, key) = crate::results::active_profile_keyed(&mut conn).await?;
        if guard.is_none() {
            *guard = build(inner, &mut conn, profile, key, None).await?;
            let updating = self.job_running();
            return Ok((guard, updating));
        }
        let mut stale = false;
        if let Some(index) = guard.as_mut() {
            let changes = conn.user_changes(index.cursor, INLINE_CHANGES).await?;
            let behind = changes.forgotten || !changes.complete;
            if !behind {
                apply(&mut conn, index, &changes.pks, &inner.base_url).await?;
                index.cursor = changes.through;
            }
            stale = behind || index.key != key;
            if stale {
                let users = conn.count_resources(ResourceKind::User).await?;
                if usize::try_from(users).unwrap_or(usize::MAX) <= inner.inline_users {
                    if let Some(built) = build(inner, &mut conn, profile, key, None).await? {
                        *index = built;
                        stale = false;
                    }
                } else {
                    self.start_job();
                }
            }
        }
        let updating = stale || self.job_running();
        Ok((guard, updating))
    }

    fn job_running(&self) -> bool {
        self.0
            .job
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .running
    }

    /// Start the background re-evaluation unless it runs.
    fn start_job(&self) {
        {
            let mut job = self.0.job.lock().unwrap_or_else(PoisonError::into_inner);
            if job.running {
                return;
            }
            *job = Job {
                running: true,
                ..Job::default()
            };
        }
        let this = self.clone();
        tokio::spawn(async move {
            let ended = this.run_job().await;
            let profile_id = match &ended {
                Ok(id) => id.clone(),
                Err(e) => {
                    tracing::warn!(error = %e, "re-evaluating the users' mappings failed");
                    String::new()
                }
            };
            let (evaluated, total) = {
                let mut job = this.0.job.lock().unwrap_or_else(PoisonError::into_inner);
                job.running = false;
                (job.evaluated, job.total)
            };
            // The previous results and the pages read to replace them are freed.
            crate::memory::give_back();
            (this.0.progress)(Progress {
                profile_id,
                evaluated,
                total,
                done: true,
            });
        });
    }

    /// Evaluate every user under the profile in force, catch up with the writes made
    /// meanwhile, and put the new results in place; start over when asked to or when the
    /// profile changed meanwhile. Returns the profile's id.
    async fn run_job(&self) -> Result<String, StoreError> {
        let inner = &*self.0;
        'again: loop {
            {
                let mut job = inner.job.lock().unwrap_or_else(PoisonError::into_inner);
                job.restart = false;
            }
            let mut conn = inner.store.read().await?;
            let (profile, key) = crate::results::active_profile_keyed(&mut conn).await?;
            let profile_id = profile.id().to_owned();
            let mut last_event = Instant::now();
            let report = |evaluated: u32, total: u32| {
                {
                    let mut job = inner.job.lock().unwrap_or_else(PoisonError::into_inner);
                    job.evaluated = evaluated;
                    job.total = total;
                }
                if last_event.elapsed() >= PROGRESS_EVERY || evaluated == 0 {
                    last_event = Instant::now();
                    (inner.progress)(Progress {
                        profile_id: profile_id.clone(),
                        evaluated,
                        total,
                        done: false,
                    });
                }
            };
            let mut report = report;
            let Some(mut built) = build(inner, &mut conn, profile, key, Some(&mut report)).await?
            else {
                continue 'again;
            };
            // Far behind after a long evaluation: catch up without holding the results.
            if !catch_up(inner, &mut conn, &mut built).await? {
                continue 'again;
            }
            drop(conn);
            let mut guard = inner.index.lock().await;
            let mut conn = inner.store.read().await?;
            if !catch_up(inner, &mut conn, &mut built).await? {
                continue 'again;
            }
            let (_, now) = crate::results::active_profile_keyed(&mut conn).await?;
            if now != built.key {
                continue 'again;
            }
            *guard = Some(built);
            // Not running before the results are released: a view that sees them sees the end.
            inner
                .job
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .running = false;
            return Ok(profile_id);
        }
    }
}

/// Follow the feed from `index`'s cursor to its end; `false` when it forgot changes (start
/// over).
async fn catch_up(
    inner: &Inner,
    conn: &mut Conn,
    index: &mut UserIndex,
) -> Result<bool, StoreError> {
    loop {
        let changes = conn.user_changes(index.cursor, CATCH_UP).await?;
        if changes.forgotten {
            return Ok(false);
        }
        apply(conn, index, &changes.pks, &inner.base_url).await?;
        index.cursor = changes.through;
        if changes.complete {
            return Ok(true);
        }
    }
}

/// Evaluate every user under `profile`, in pages, reporting progress; `None` when the store is
/// closing, or when asked to start over meanwhile (only with `report`: a background run).
async fn build(
    inner: &Inner,
    conn: &mut Conn,
    profile: CompiledProfile,
    key: String,
    mut report: Option<&mut (dyn FnMut(u32, u32) + Send)>,
) -> Result<Option<UserIndex>, StoreError> {
    // From here on every write is in the feed after `cursor`, so reading users after it
    // misses nothing a catch-up will not bring.
    let cursor = conn.latest_user_change().await?;
    let total = conn.count_resources(ResourceKind::User).await?;
    let total_u32 = u32::try_from(total).unwrap_or(u32::MAX);
    let creators = conn.user_creators().await?;
    let mut lists = Lists::default();
    let mut entries = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut after = 0;
    if let Some(r) = report.as_mut() {
        r(0, total_u32);
    }
    loop {
        if inner.store.is_closed() {
            // Shutting down: the store waits for this connection.
            return Ok(None);
        }
        if report.is_some() {
            let restart = inner
                .job
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .restart;
            if restart {
                return Ok(None);
            }
        }
        let rows = conn
            .resources_after(ResourceKind::User, after, PAGE)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.pk;
        let related = conn.related_members(&rows).await?;
        entries.extend(evaluate_rows(
            &profile,
            &rows,
            related,
            &creators,
            &inner.base_url,
            &mut lists,
        ));
        if let Some(r) = report.as_mut() {
            r(u32::try_from(entries.len()).unwrap_or(u32::MAX), total_u32);
        }
        tokio::task::yield_now().await;
    }
    Ok(Some(UserIndex::new(
        Arc::new(profile),
        key,
        cursor,
        entries,
        lists,
    )))
}

/// Evaluate the users with row keys `pks` again (a user no longer stored leaves the results).
async fn apply(
    conn: &mut Conn,
    index: &mut UserIndex,
    pks: &[i64],
    base_url: &str,
) -> Result<(), StoreError> {
    for chunk in pks.chunks(500) {
        let rows = conn.resources_by_pks(ResourceKind::User, chunk).await?;
        let related = conn.related_members(&rows).await?;
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let creators = conn.creators_of(&ids).await?;
        let profile = index.profile.clone();
        let entries = evaluate_rows(
            &profile,
            &rows,
            related,
            &creators,
            base_url,
            &mut index.lists,
        );
        let evaluated: std::collections::HashSet<i64> = entries.iter().map(|e| e.pk).collect();
        for pk in chunk {
            if !evaluated.contains(pk) {
                index.remove(*pk);
            }
        }
        for e in entries {
            index.upsert(e);
        }
        if pks.len() > 500 {
            tokio::task::yield_now().await;
        }
    }
    if index.lists.len() > 1024 {
        index.lists.forget_unused();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::checks::testkit::ex;
    use crate::model::OperationKind;

    #[tokio::test]
    async fn start_fills_the_timeline_before_anyone_asks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let batch: Vec<_> = (0..3)
            .map(|i| {
                ex(
                    0,
                    Idp::Entra,
                    "GET",
                    &format!("/scim/v2/Users/u{i}"),
                    404,
                    OperationKind::Read,
                )
            })
            .collect();
        crate::store::testing::insert_exchanges(&store, &batch, 100).await;
        let views = Materialised::new(store, "http://x/scim/v2".into(), 100, Arc::new(|_| {}));
        assert!(!views.0.timeline.lock().await.loaded());
        views.start();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !views.0.timeline.lock().await.loaded() {
            assert!(Instant::now() < deadline, "start never filled the timeline");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Filled with what was stored, and answered from the window.
        let fresh = views.timeline().await.unwrap();
        assert_eq!(fresh, views.0.timeline.lock().await.timeline());
        assert!(!fresh.buckets.is_empty(), "{fresh:?}");
    }
}
