//! One IdP's window of newest exchanges, as the checklist reads them
//! (`ExchangeStore::recent_exchanges(idp, CHECKLIST_EXCHANGES)`), kept instead of read whole on
//! every checklist: reading and parsing 5 000 exchanges with their bodies costs more than the
//! whole checklist may take.
//!
//! The capture log changes in three ways only, and each is followed exactly: new exchanges
//! (ids only grow: read what is newer than the window's newest), deleted ones (retention and the
//! reset delete the oldest of a class first: drop what is below its class's floor, then refill
//! from older rows if the window fell short), and folds of rejected requests that grew (their
//! counts, read from an index: the grown ones are read again). With the exchanges the window
//! keeps what the checklist would otherwise parse from their bodies each time: the attribute
//! paths of every write ([`WrittenPaths`]) and of each user's newest create. It keeps each
//! exchange without what no checklist rule reads ([`slim`]: the resource before and after, the
//! header lists), which is most of an exchange's memory.

use super::users::{Lists, UserIndex};
use crate::checks::{FastMap, UserFacts, WrittenPaths, attribute_paths};
use crate::model::{Exchange, Idp, OperationKind};
use crate::store::prelude::*;
use crate::store::{Conn, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// One IdP's newest exchanges and what the checklist reads of them.
#[derive(Debug)]
pub struct TrafficWindow {
    idp: Idp,
    limit: usize,
    loaded: bool,
    /// Oldest first, at most `limit`.
    exchanges: Vec<Exchange>,
    written: WrittenPaths,
    /// The attribute paths of each successful create's body, by exchange id.
    create_paths: HashMap<i64, Arc<[String]>>,
    /// The newest create's paths per user id (what the checklist swaps in).
    creates: FastMap<String, Arc<[String]>>,
    /// A user's facts with its create's paths swapped in, by row key, kept while its facts
    /// (held here, so never another user's at the same address) and its create stay the same.
    swapped: FastMap<i64, (Arc<UserFacts>, Arc<UserFacts>)>,
    lists: Lists,
}

impl TrafficWindow {
    /// An empty window of `idp`'s newest `limit` exchanges (filled on the first refresh).
    pub fn new(idp: Idp, limit: usize) -> Self {
        Self {
            idp,
            limit,
            loaded: false,
            exchanges: Vec::new(),
            written: WrittenPaths::default(),
            create_paths: HashMap::new(),
            creates: FastMap::default(),
            swapped: FastMap::default(),
            lists: Lists::default(),
        }
    }

    /// The exchanges, oldest first.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// The attribute paths of the writes among them.
    pub fn written(&self) -> &WrittenPaths {
        &self.written
    }

    /// The checklist's users: each of `index`'s users' facts, judged on what its create carried
    /// while the create is in the window (as `report::score_checklist` reads the captured
    /// create body). Users are matched by row key, so only the window's creates are looked up
    /// by id.
    pub fn facts_of(&mut self, index: &UserIndex) -> Vec<Arc<UserFacts>> {
        let entries = index.entries();
        if self.creates.is_empty() {
            return entries.iter().map(|e| e.facts.clone()).collect();
        }
        let by_pk: FastMap<i64, Arc<[String]>> = self
            .creates
            .iter()
            .filter_map(|(id, paths)| index.pk_of(id).map(|pk| (pk, paths.clone())))
            .collect();
        self.swapped.retain(|pk, _| by_pk.contains_key(pk));
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let f = &e.facts;
            let Some(sent) = by_pk.get(&e.pk) else {
                out.push(f.clone());
                continue;
            };
            if Arc::ptr_eq(sent, &f.attributes_sent) {
                out.push(f.clone());
                continue;
            }
            match self.swapped.get(&e.pk) {
                Some((base, swapped))
                    if Arc::ptr_eq(base, f) && Arc::ptr_eq(&swapped.attributes_sent, sent) =>
                {
                    out.push(swapped.clone());
                }
                _ => {
                    let swapped = Arc::new(UserFacts {
                        attributes_sent: sent.clone(),
                        ..(**f).clone()
                    });
                    self.swapped.insert(e.pk, (f.clone(), swapped.clone()));
                    out.push(swapped);
                }
            }
        }
        out
    }

    /// Bring the window up to date with the store.
    pub async fn refresh(&mut self, conn: &mut Conn) -> Result<(), StoreError> {
        let limit = i64::try_from(self.limit).unwrap_or(i64::MAX);
        if !self.loaded {
            let all = conn.recent_exchanges(self.idp, limit).await?;
            self.exchanges.clear();
            self.written = WrittenPaths::default();
            self.create_paths.clear();
            self.admit(all, false);
            self.loaded = true;
            self.index_creates();
            return Ok(());
        }
        let mut changed = false;
        // Deleted: everything below its class's floor.
        let floors = conn.exchange_floors().await?;
        let before = self.exchanges.len();
        let kept = |e: &Exchange| {
            let floor = if e.summary.is_fold() {
                floors.rejected
            } else {
                floors.authenticated
            };
            floor.is_some_and(|f| e.summary.id >= f)
        };
        let (keep, gone): (Vec<Exchange>, Vec<Exchange>) = std::mem::take(&mut self.exchanges)
            .into_iter()
            .partition(kept);
        self.exchanges = keep;
        for e in &gone {
            self.forget(e.summary.id);
        }
        changed |= self.exchanges.len() != before;
        // Grown folds: read again.
        if let Some(first) = self.exchanges.first().map(|e| e.summary.id)
            && self.exchanges.iter().any(|e| e.summary.is_fold())
        {
            let counts: HashMap<i64, i64> = conn
                .fold_counts(self.idp, first)
                .await?
                .into_iter()
                .collect();
            for slot in &mut self.exchanges {
                let s = &slot.summary;
                let Some(held) = s.fold_count else { continue };
                if counts.get(&s.id).is_some_and(|now| *now != i64::from(held))
                    && let Some(fresh) = conn.exchange(s.id).await?
                {
                    *slot = slim(fresh);
                    changed = true;
                }
            }
        }
        // New: what is newer than the newest kept.
        let newest = self.exchanges.last().map(|e| e.summary.id);
        let new = conn
            .recent_exchanges_between(self.idp, newest, None, limit)
            .await?;
        changed |= !new.is_empty();
        self.admit(new, false);
        let excess = self.exchanges.len().saturating_sub(self.limit);
        if excess > 0 {
            let dropped: Vec<i64> = self
                .exchanges
                .drain(..excess)
                .map(|e| e.summary.id)
                .collect();
            for id in dropped {
                self.forget(id);
            }
        }
        // Short after deletions: older rows move up into the window.
        if self.exchanges.len() < self.limit {
            let oldest = self.exchanges.first().map(|e| e.summary.id);
            let room = i64::try_from(self.limit - self.exchanges.len()).unwrap_or(0);
            let older = match oldest {
                Some(id) => {
                    conn.recent_exchanges_between(self.idp, None, Some(id), room)
                        .await?
                }
                // Empty: the newest read above found nothing either.
                None => Vec::new(),
            };
            changed |= !older.is_empty();
            self.admit(older, true);
        }
        if changed {
            self.index_creates();
        }
        Ok(())
    }

    /// Take `batch` (oldest first) in at the new end, or at the old end when `front`.
    fn admit(&mut self, batch: Vec<Exchange>, front: bool) {
        let batch: Vec<Exchange> = batch.into_iter().map(slim).collect();
        for e in &batch {
            self.written.insert(e);
            let s = &e.summary;
            if s.operation == OperationKind::Create
                && s.status == 201
                && s.resource_id.is_some()
                && let Some(body) = e
                    .request_body
                    .as_deref()
                    .and_then(|b| serde_json::from_str(b).ok())
            {
                let paths = self.lists.intern(attribute_paths(&body));
                self.create_paths.insert(s.id, paths);
            }
        }
        if front {
            let mut all = batch;
            all.append(&mut self.exchanges);
            self.exchanges = all;
        } else {
            self.exchanges.extend(batch);
        }
    }

    fn forget(&mut self, id: i64) {
        self.written.remove(id);
        self.create_paths.remove(&id);
    }

    /// Each user's newest create in the window (later creates of an id win, as a map collected
    /// from the oldest first keeps the last).
    fn index_creates(&mut self) {
        self.creates.clear();
        for e in &self.exchanges {
            if let (Some(paths), Some(id)) = (
                self.create_paths.get(&e.summary.id),
                e.summary.resource_id.as_deref(),
            ) {
                self.creates.insert(id.to_owned(), paths.clone());
            }
        }

        if self.lists.len() > 1024 {
            self.lists.forget_unused();
        }
    }
}

/// `e` without the resource before and after and the header lists: no checklist rule reads
/// them (the key's outcome is in `auth`). A rule that starts reading them must keep them here.
pub fn slim(mut e: Exchange) -> Exchange {
    e.before = None;
    e.after = None;
    e.request_headers = Vec::new();
    e.response_headers = Vec::new();
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::ex;
    use crate::store::Store;
    use serde_json::json;

    use crate::store::testing::insert_exchanges as insert;

    fn create(idp: Idp, user: &str, body: &serde_json::Value) -> Exchange {
        let mut e = ex(0, idp, "POST", "/scim/v2/Users", 201, OperationKind::Create);
        e.summary.resource_id = Some(user.into());
        e.request_body = Some(body.to_string());
        e
    }

    fn fold(idp: Idp) -> Exchange {
        let mut e = ex(
            0,
            idp,
            "GET",
            "/scim/v2/Users",
            401,
            OperationKind::Rejected,
        );
        e.summary.fold_count = Some(1);
        e
    }

    /// The window equals a fresh read of the same limit.
    async fn same_as_fresh(store: &Store, w: &mut TrafficWindow) {
        let mut conn = store.read().await.unwrap();
        w.refresh(&mut conn).await.unwrap();
        let fresh = conn
            .recent_exchanges(w.idp, i64::try_from(w.limit).unwrap())
            .await
            .unwrap();
        let slimmed: Vec<Exchange> = fresh.iter().cloned().map(slim).collect();
        assert_eq!(w.exchanges(), slimmed.as_slice());
        let mut newest: HashMap<String, Vec<String>> = HashMap::new();
        for e in &fresh {
            if e.summary.operation == OperationKind::Create && e.summary.status == 201 {
                let body = serde_json::from_str(e.request_body.as_deref().unwrap()).unwrap();
                newest.insert(
                    e.summary.resource_id.clone().unwrap(),
                    attribute_paths(&body),
                );
            }
        }
        let kept: HashMap<String, Vec<String>> = w
            .creates
            .iter()
            .map(|(k, v)| (k.clone(), v.to_vec()))
            .collect();
        assert_eq!(kept, newest);
    }

    #[tokio::test]
    async fn the_window_follows_inserts_retention_folds_and_the_reset() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).await.unwrap();
        let mut w = TrafficWindow::new(Idp::Entra, 4);
        same_as_fresh(&store, &mut w).await;
        insert(
            &store,
            &[
                create(Idp::Entra, "u1", &json!({"userName": "a"})),
                create(Idp::Okta, "u2", &json!({"userName": "b"})),
                fold(Idp::Entra),
            ],
            100,
        )
        .await;
        same_as_fresh(&store, &mut w).await;
        // More than the window holds: the oldest leave it; a later create of u1 wins.
        insert(
            &store,
            &[
                create(
                    Idp::Entra,
                    "u3",
                    &json!({"userName": "c", "displayName": "C"}),
                ),
                create(Idp::Entra, "u1", &json!({"userName": "a", "title": "T"})),
                ex(
                    0,
                    Idp::Entra,
                    "GET",
                    "/scim/v2/Users",
                    200,
                    OperationKind::ImportPage,
                ),
            ],
            100,
        )
        .await;
        same_as_fresh(&store, &mut w).await;
        assert_eq!(w.creates.get("u1").unwrap().len(), 2, "{:?}", w.creates);
        // A fold in the window grows.
        let first_fold = w
            .exchanges()
            .iter()
            .find(|e| e.summary.is_fold())
            .map(|e| e.summary.id)
            .unwrap();
        let mut tx = store.write().await.unwrap();
        tx.add_to_fold(first_fold, 3, "2026-01-01T00:00:09.000Z")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        same_as_fresh(&store, &mut w).await;
        // Retention deletes authenticated rows below the newest; folds stay, and the window
        // refills from nothing older.
        insert(
            &store,
            &[ex(
                0,
                Idp::Okta,
                "GET",
                "/scim/v2/Users",
                200,
                OperationKind::ImportPage,
            )],
            1,
        )
        .await;
        same_as_fresh(&store, &mut w).await;
        // The folds' own retention drops the older fold out of the middle; older rows refill.
        for _ in 0..3 {
            insert(
                &store,
                &[ex(
                    0,
                    Idp::Entra,
                    "GET",
                    "/scim/v2/Users",
                    200,
                    OperationKind::ImportPage,
                )],
                100,
            )
            .await;
        }
        let mut tx = store.write().await.unwrap();
        tx.prune_folds(1).await.unwrap();
        tx.commit().await.unwrap();
        same_as_fresh(&store, &mut w).await;
        // A reset empties it; ids go on growing after it.
        let mut tx = store.write().await.unwrap();
        tx.reset_all().await.unwrap();
        tx.commit().await.unwrap();
        same_as_fresh(&store, &mut w).await;
        assert!(w.exchanges().is_empty());
        insert(
            &store,
            &[create(Idp::Entra, "u9", &json!({"userName": "z"}))],
            100,
        )
        .await;
        same_as_fresh(&store, &mut w).await;
        assert!(!w.creates.is_empty());
        assert!(w.written().paths_of(w.exchanges()[0].summary.id).is_some());
    }
}
