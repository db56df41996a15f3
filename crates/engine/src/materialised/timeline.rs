//! The timeline's window: the outlines of the newest exchanges (every IdP's, folds of refused
//! requests included) that `GET /api/timeline` pictures, kept instead of read whole on every
//! call: at 1 000 000 stored exchanges, reading the newest 100 000 outlines took about 0.1 s a
//! call, and Traffic asks again while traffic arrives.
//!
//! It follows the capture log as the checklist's traffic windows do ([`super::traffic`]): new
//! exchanges (ids only grow: read what is newer than the newest read), deleted ones (retention
//! and the reset delete the oldest of a class first: drop what is below its class's floor, then
//! refill from older rows if the window fell short), and folds of rejected requests that grew
//! (their counts, read from the `exchanges_folds` index, set in place: a fold's outline changes
//! in nothing else). Its answer is [`crate::timeline::build`] over a fresh read of the newest
//! outlines, whatever happened in between.
//!
//! Frugal: each row is a [`Point`] (32 bytes: 3.2 MB for 100 000), kept in timeline order (time,
//! then id) so that a build is one pass ([`crate::timeline::build_ordered`]) with no sort and no
//! per-row allocation. New rows merge in at the end (where their times nearly always are); the
//! oldest leave by id.

use crate::model::Idp;
use crate::store::outlines::OutlineRow;
use crate::store::prelude::*;
use crate::store::{Conn, StoreError};
use crate::timeline::{Point, Timeline};
use std::collections::BinaryHeap;

/// The newest `limit` exchanges' outlines, as the timeline reads them.
#[derive(Debug)]
pub struct TimelineWindow {
    limit: usize,
    loaded: bool,
    /// The held rows whose time parses, in timeline order ([`Point::key`]).
    points: Vec<Point>,
    /// Held rows whose time does not parse, as `(id, rejected)`: left off the timeline as a
    /// fresh read leaves them, but counted among the newest rows (almost always none).
    unplaced: Vec<(i64, bool)>,
    /// The newest id read: later refreshes read what is newer (ids never come back, also
    /// across a reset).
    newest: Option<i64>,
    /// Held rows were deleted and the window has not refilled since: older rows may belong in
    /// it (kept across refreshes, so that one that failed half-way refills on the next).
    refill: bool,
}

impl TimelineWindow {
    /// An empty window of the newest `limit` exchanges (filled on the first refresh).
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            loaded: false,
            points: Vec::new(),
            unplaced: Vec::new(),
            newest: None,
            refill: false,
        }
    }

    /// Whether the first refresh filled it.
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// The timeline of the held rows.
    pub fn timeline(&self) -> Timeline {
        crate::timeline::build_ordered(&self.points)
    }

    fn held(&self) -> usize {
        self.points.len() + self.unplaced.len()
    }

    /// Bring the window up to date with the store.
    pub async fn refresh(&mut self, conn: &mut Conn) -> Result<(), StoreError> {
        let limit = i64::try_from(self.limit).unwrap_or(i64::MAX);
        if !self.loaded {
            let rows = conn.exchange_outlines_between(None, None, limit).await?;
            self.points = Vec::new();
            self.unplaced.clear();
            self.newest = None;
            self.refill = false;
            self.admit(rows);
            self.loaded = true;
            return Ok(());
        }
        // Deleted: everything below its class's floor.
        let floors = conn.exchange_floors().await?;
        let kept = |id: i64, rejected: bool| {
            let floor = if rejected {
                floors.rejected
            } else {
                floors.authenticated
            };
            floor.is_some_and(|f| id >= f)
        };
        let before = self.held();
        self.points.retain(|p| kept(p.id(), p.rejected()));
        self.unplaced.retain(|&(id, rejected)| kept(id, rejected));
        self.refill |= self.held() < before;
        // Grown folds: their counts now.
        self.follow_folds(conn).await?;
        // New: what is newer than the newest read; the oldest held make room for it.
        let new = conn
            .exchange_outlines_between(self.newest, None, limit)
            .await?;
        let excess = (self.held() + new.len()).saturating_sub(self.limit);
        self.drop_oldest(excess);
        self.admit(new);
        // Short after deletions: older rows move up into the window (without deletions nothing
        // older than the oldest held is missing: the window was filled from the top).
        if self.refill && self.held() < self.limit {
            let oldest = self
                .points
                .iter()
                .map(Point::id)
                .chain(self.unplaced.iter().map(|u| u.0))
                .min();
            let room = i64::try_from(self.limit - self.held()).unwrap_or(0);
            // Empty: the newest rows are what there is (none newer than the newest read).
            let older = conn.exchange_outlines_between(None, oldest, room).await?;
            self.admit(older);
        }
        self.refill = false;
        if self.points.capacity() > 2 * self.points.len() + 1024 {
            // After a reset or a retention cut: do not keep the old peak.
            self.points
                .shrink_to(self.points.len() + self.points.len() / 4);
        }
        Ok(())
    }

    /// Set the held folds' request counts to the stored ones (counts only grow).
    async fn follow_folds(&mut self, conn: &mut Conn) -> Result<(), StoreError> {
        // The oldest held fold of each IdP: its folds from there on are the ones held.
        let mut from: [Option<i64>; 3] = [None; 3];
        for p in self.points.iter().filter(|p| p.rejected()) {
            let slot = &mut from[match p.idp() {
                Idp::Entra => 0,
                Idp::Okta => 1,
                Idp::Other => 2,
            }];
            *slot = Some(slot.map_or(p.id(), |f| f.min(p.id())));
        }
        let mut counts: Vec<(i64, i64)> = Vec::new();
        for (idp, from) in [Idp::Entra, Idp::Okta, Idp::Other].into_iter().zip(from) {
            if let Some(from) = from {
                counts.extend(conn.fold_counts(idp, from).await?);
            }
        }
        if counts.is_empty() {
            return Ok(());
        }
        counts.sort_unstable();
        for p in self.points.iter_mut().filter(|p| p.rejected()) {
            if let Ok(i) = counts.binary_search_by_key(&p.id(), |c| c.0) {
                p.set_requests(counts[i].1);
            }
        }
        Ok(())
    }

    /// Let the `n` oldest held rows (by id) go.
    fn drop_oldest(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        if n >= self.held() {
            self.points.clear();
            self.unplaced.clear();
            return;
        }
        // The n smallest ids, the largest of them on top: the cut.
        let mut smallest: BinaryHeap<i64> = BinaryHeap::with_capacity(n);
        for id in self
            .points
            .iter()
            .map(Point::id)
            .chain(self.unplaced.iter().map(|u| u.0))
        {
            if smallest.len() < n {
                smallest.push(id);
            } else if let Some(mut top) = smallest.peek_mut()
                && id < *top
            {
                *top = id;
            }
        }
        let Some(cut) = smallest.peek().copied() else {
            return;
        };
        self.points.retain(|p| p.id() > cut);
        self.unplaced.retain(|u| u.0 > cut);
    }

    /// Take `rows` (any order) in: each point at its place in timeline order.
    fn admit(&mut self, rows: Vec<OutlineRow>) {
        let mut batch: Vec<Point> = Vec::with_capacity(rows.len());
        for r in rows {
            self.newest = self.newest.max(Some(r.id));
            match r.outline {
                Some(o) => batch.push(Point::from(&o)),
                None => self.unplaced.push((r.id, r.rejected)),
            }
        }
        batch.sort_unstable_by_key(Point::key);
        let Some(first) = batch.first().map(Point::key) else {
            return;
        };
        if self.points.is_empty() {
            self.points = batch;
            return;
        }
        // Only the held points after the batch's first move: usually none (new rows are the
        // newest in time too), so the batch is appended.
        let at = self.points.partition_point(|p| p.key() < first);
        let tail = self.points.split_off(at);
        let needed = self.points.len() + tail.len() + batch.len();
        if needed > self.points.capacity() {
            // Grow as a vector does, but never past the window's size.
            let to = needed.max((2 * self.points.capacity()).min(self.limit));
            self.points.reserve_exact(to - self.points.len());
        }
        let (mut a, mut b) = (tail.into_iter().peekable(), batch.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.key() <= y.key() => a.next(),
                (_, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            self.points.extend(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::ex;
    use crate::model::{Exchange, OperationKind};
    use crate::store::Store;

    use crate::store::testing::insert_exchanges as insert;

    /// An exchange of `idp` answered `status`, at second `secs` of a day (millisecond `ms`).
    fn at(idp: Idp, status: u16, op: OperationKind, secs: i64, ms: i64) -> Exchange {
        let mut e = ex(0, idp, "GET", "/scim/v2/Users", status, op);
        let t = chrono::DateTime::parse_from_rfc3339("2026-12-06T08:00:00Z").unwrap()
            + chrono::Duration::seconds(secs)
            + chrono::Duration::milliseconds(ms);
        e.summary.at = t
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        e
    }

    fn fold(idp: Idp, secs: i64) -> Exchange {
        let mut e = at(idp, 401, OperationKind::Rejected, secs, 0);
        e.summary.fold_count = Some(1);
        e
    }

    /// The window's timeline equals the build over a fresh read of the newest outlines.
    async fn same_as_fresh(store: &Store, w: &mut TimelineWindow) -> Timeline {
        let mut conn = store.read().await.unwrap();
        w.refresh(&mut conn).await.unwrap();
        let fresh = conn
            .exchange_outlines(i64::try_from(w.limit).unwrap())
            .await
            .unwrap();
        let expected = crate::timeline::build(&fresh);
        let got = w.timeline();
        assert_eq!(got, expected);
        assert!(w.points.is_sorted_by_key(Point::key));
        assert!(w.held() <= w.limit);
        got
    }

    #[tokio::test]
    async fn the_window_follows_inserts_folds_retention_and_the_reset() {
        use OperationKind::*;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let mut w = TimelineWindow::new(6);
        let t = same_as_fresh(&store, &mut w).await;
        assert!(t.buckets.is_empty());
        // A first cycle, a fold among it; fewer rows than the window holds.
        insert(
            &store,
            &[
                at(Idp::Entra, 200, ConnectionProbe, 0, 0),
                at(Idp::Entra, 201, Create, 60, 0),
                fold(Idp::Other, 61),
                at(Idp::Entra, 201, Create, 62, 500),
            ],
            100,
        )
        .await;
        let t = same_as_fresh(&store, &mut w).await;
        assert_eq!(t.exchanges, 4);
        // More than it holds, out of time order (the capture writes a batch in the order
        // requests ended): the oldest leave by id, the new ones merge in by time.
        insert(
            &store,
            &[
                at(Idp::Okta, 200, MatchLookup, 400, 0),
                at(Idp::Okta, 201, Create, 300, 0),
                at(Idp::Entra, 400, Update, 62, 100),
            ],
            100,
        )
        .await;
        same_as_fresh(&store, &mut w).await;
        // A row whose time does not parse: counted in the window, off the timeline.
        let mut bad = at(Idp::Okta, 200, Read, 500, 0);
        bad.summary.at = "not a time".into();
        insert(&store, &[bad], 100).await;
        same_as_fresh(&store, &mut w).await;
        assert_eq!(w.unplaced.len(), 1);
        // The fold grows (as repeated refusals are counted into it).
        let fold_id = w.points.iter().find(|p| p.rejected()).unwrap().id();
        for more in [3, 40] {
            let mut tx = store.write().await.unwrap();
            tx.add_to_fold(fold_id, more, "2026-12-06T08:09:00.000Z")
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let t = same_as_fresh(&store, &mut w).await;
            assert!(t.buckets.iter().any(|b| b.refused > 1), "{t:?}");
        }
        // Many more than the window between two reads: it is the newest alone.
        let burst: Vec<Exchange> = (0..9)
            .map(|i| at(Idp::Entra, 200, Update, 600 + i, 0))
            .collect();
        insert(&store, &burst, 100).await;
        same_as_fresh(&store, &mut w).await;
        // A fold older than the window, then retention cuts the authenticated rows to 2: the
        // window falls short and refills from older rows (the folds below it).
        let mut tx = store.write().await.unwrap();
        tx.reset_all().await.unwrap();
        tx.commit().await.unwrap();
        insert(
            &store,
            &[
                fold(Idp::Okta, 700),
                fold(Idp::Entra, 701),
                at(Idp::Entra, 200, Read, 702, 0),
            ],
            100,
        )
        .await;
        let more: Vec<Exchange> = (0..6)
            .map(|i| at(Idp::Okta, 204, Deactivate, 800 + i * 100, 0))
            .collect();
        insert(&store, &more, 100).await;
        let t = same_as_fresh(&store, &mut w).await;
        assert_eq!(t.exchanges, 6);
        insert(&store, &[at(Idp::Okta, 200, Read, 1500, 0)], 2).await;
        let t = same_as_fresh(&store, &mut w).await;
        assert_eq!(t.exchanges, 4, "two authenticated rows and the two folds");
        // The folds' own retention.
        let mut tx = store.write().await.unwrap();
        tx.prune_folds(1).await.unwrap();
        tx.commit().await.unwrap();
        same_as_fresh(&store, &mut w).await;
        // A reset empties it; ids go on growing after it.
        let mut tx = store.write().await.unwrap();
        tx.reset_all().await.unwrap();
        tx.commit().await.unwrap();
        let t = same_as_fresh(&store, &mut w).await;
        assert!(t.buckets.is_empty() && w.held() == 0);
        insert(&store, &[at(Idp::Entra, 201, Create, 2000, 0)], 100).await;
        let t = same_as_fresh(&store, &mut w).await;
        assert_eq!(t.exchanges, 1);
    }

    /// Random sequences of every kind of change, each followed by a read.
    #[tokio::test]
    async fn random_changes_keep_it_equal_to_a_fresh_read() {
        use OperationKind::*;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("r.db")).await.unwrap();
        let mut w = TimelineWindow::new(25);
        let mut seed: u64 = 0x0dd_ba11;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            i64::try_from(seed % n).unwrap()
        };
        let ops = [
            Create,
            Update,
            Read,
            MatchLookup,
            Deactivate,
            ConnectionProbe,
        ];
        let mut clock = 0;
        for step in 0..120 {
            match rnd(10) {
                0 => {
                    let mut tx = store.write().await.unwrap();
                    let folds = tx
                        .fold_counts(Idp::ALL[usize::try_from(rnd(3)).unwrap()], 0)
                        .await
                        .unwrap();
                    if let Some((id, _)) = folds.first() {
                        tx.add_to_fold(*id, 2, "2026-12-06T09:00:00.000Z")
                            .await
                            .unwrap();
                    }
                    tx.commit().await.unwrap();
                }
                1 if step % 40 == 39 => {
                    let mut tx = store.write().await.unwrap();
                    tx.reset_all().await.unwrap();
                    tx.commit().await.unwrap();
                }
                2 => {
                    let mut tx = store.write().await.unwrap();
                    tx.prune_folds(rnd(6)).await.unwrap();
                    tx.commit().await.unwrap();
                }
                _ => {
                    let n = rnd(12) + 1;
                    let batch: Vec<Exchange> = (0..n)
                        .map(|_| {
                            clock += rnd(200);
                            let idp = Idp::ALL[usize::try_from(rnd(3)).unwrap()];
                            if rnd(6) == 0 {
                                fold(idp, clock)
                            } else {
                                let op = ops[usize::try_from(rnd(6)).unwrap()];
                                let status = [200, 201, 400, 500][usize::try_from(rnd(4)).unwrap()];
                                // Some end before earlier ones.
                                at(idp, status, op, clock - rnd(3) * 40, rnd(1000))
                            }
                        })
                        .collect();
                    insert(&store, &batch, 10 + rnd(30)).await;
                }
            }
            same_as_fresh(&store, &mut w).await;
        }
    }
}
