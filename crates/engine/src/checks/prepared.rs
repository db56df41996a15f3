//! What several rules of one checklist read, worked out once by [`super::evaluate`] instead of
//! by each rule: the users the IdP created and each one's successful exchanges. At 100 000 users
//! a pass over every user is milliseconds of memory reads, so rules share one.
//!
//! Also the attribute paths of writes ([`WrittenPaths`]), which a caller may keep across
//! checklists: equal lists are shared, so rules judge each distinct list once.

use super::UserFacts;
use super::traffic::{self, FastMap, succeeded};
use crate::model::{Exchange, OperationKind};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The users one checklist judges and their exchanges: worked out by [`super::evaluate`], or
/// given by a caller that knows them already ([`Prepared::known`], for
/// [`super::evaluate_prepared`]).
#[derive(Debug)]
pub struct Prepared<'a> {
    /// The users the checklist's IdP created, in the input's order.
    pub(crate) idp_users: Vec<&'a UserFacts>,
    /// The successful exchanges (every IdP's in the input) that touched each of `idp_users`,
    /// oldest first, by the user's address; users without any are absent.
    touched: FastMap<usize, Vec<&'a Exchange>>,
}

/// A user's address: the key of [`Prepared::touched`] (no read of the user itself).
fn address(u: &UserFacts) -> usize {
    std::ptr::from_ref(u) as usize
}

impl<'a> Prepared<'a> {
    /// Work out what `input`'s rules share.
    pub(crate) fn of(input: &super::CheckInput<'a>) -> Self {
        let idp_users: Vec<&'a UserFacts> = input
            .users
            .iter()
            .map(|u| &**u)
            .filter(|u| u.created_by == input.idp)
            .collect();
        let mut by_id: FastMap<&'a str, Vec<&'a Exchange>> = FastMap::default();
        for e in input.exchanges {
            if let Some(id) = e.summary.resource_id.as_deref()
                && succeeded(e)
            {
                by_id.entry(id).or_default().push(e);
            }
        }
        let mut touched = FastMap::default();
        if !by_id.is_empty() {
            for u in &idp_users {
                if let Some(list) = by_id.get(u.id.as_str()) {
                    touched.insert(address(u), list.clone());
                }
            }
        }
        Self { idp_users, touched }
    }

    /// What a caller that keeps its users indexed knows: the users the checklist's IdP created,
    /// in the input's order, and each exchange of the input that names one of them (as
    /// `(user, exchange)`, oldest exchange first). Must be what [`Prepared::of`] would work out;
    /// the unsuccessful exchanges are left out here.
    pub fn known(
        idp_users: Vec<&'a UserFacts>,
        touched: impl IntoIterator<Item = (&'a UserFacts, &'a Exchange)>,
    ) -> Self {
        let mut map: FastMap<usize, Vec<&'a Exchange>> = FastMap::default();
        for (u, e) in touched {
            if succeeded(e) {
                map.entry(address(u)).or_default().push(e);
            }
        }
        Self {
            idp_users,
            touched: map,
        }
    }

    /// The successful exchanges that touched `u` (one of `idp_users`), oldest first.
    pub(crate) fn touching(&self, u: &UserFacts) -> &[&'a Exchange] {
        self.touched.get(&address(u)).map_or(&[], Vec::as_slice)
    }
}

/// The attribute paths each user write carried (what a create, update or PATCH body names),
/// read from its body once and kept: several rules ask for them, and the admin views keep them
/// beside the exchanges they keep, so a checklist does not parse thousands of bodies again.
/// Equal lists are one shared list.
#[derive(Debug, Clone, Default)]
pub struct WrittenPaths {
    by_exchange: HashMap<i64, Arc<[String]>>,
    lists: HashSet<Arc<[String]>>,
}

/// Distinct lists shared at most (a new one past it is kept unshared).
const MAX_SHARED: usize = 4096;

impl WrittenPaths {
    /// The writes whose paths are kept.
    const WRITES: [OperationKind; 4] = [
        OperationKind::Create,
        OperationKind::Update,
        OperationKind::Deactivate,
        OperationKind::Reactivate,
    ];

    /// Keep the paths of `ex` when it is a user write.
    pub fn insert(&mut self, ex: &Exchange) {
        if !Self::WRITES.contains(&ex.summary.operation) {
            return;
        }
        let paths = traffic::written_paths(ex);
        let list = match self.lists.get(paths.as_slice()) {
            Some(shared) => shared.clone(),
            None => {
                let list: Arc<[String]> = paths.into();
                if self.lists.len() < MAX_SHARED {
                    self.lists.insert(list.clone());
                }
                list
            }
        };
        self.by_exchange.insert(ex.summary.id, list);
    }

    /// Forget exchange `id` (and, now and then, the lists no exchange holds).
    pub fn remove(&mut self, id: i64) {
        self.by_exchange.remove(&id);
        if self.lists.len() >= MAX_SHARED / 2 && self.by_exchange.len() < self.lists.len() {
            self.lists.retain(|l| Arc::strong_count(l) > 1);
        }
    }

    /// The kept paths of exchange `id`.
    pub fn paths_of(&self, id: i64) -> Option<Arc<[String]>> {
        self.by_exchange.get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{entra_create, entra_user_body, facts};
    use crate::model::Idp;

    #[test]
    fn equal_write_paths_are_one_list() {
        let a = entra_create(1, "u1", &entra_user_body("a@x", Some("Admin")));
        let b = entra_create(2, "u2", &entra_user_body("b@x", Some("Member")));
        let mut w = WrittenPaths::default();
        w.insert(&a);
        w.insert(&b);
        let (pa, pb) = (w.paths_of(1).unwrap(), w.paths_of(2).unwrap());
        assert!(Arc::ptr_eq(&pa, &pb), "{pa:?}");
        assert_eq!(pa.to_vec(), traffic::written_paths(&a));
        w.remove(1);
        assert!(w.paths_of(1).is_none());
    }

    #[test]
    fn prepared_users_are_the_idps_with_their_successful_exchanges() {
        let body = entra_user_body("a@x", None);
        let users = vec![
            facts("u1", "a@x", Idp::Entra, &body, None),
            facts("u2", "b@x", Idp::Okta, &body, None),
            facts("u3", "c@x", Idp::Entra, &body, None),
        ];
        let exchanges = vec![entra_create(7, "u1", &body), entra_create(8, "u2", &body)];
        let input = super::super::CheckInput::new(Idp::Entra, &exchanges, &users);
        let p = Prepared::of(&input);
        assert_eq!(
            p.idp_users
                .iter()
                .map(|u| u.id.as_str())
                .collect::<Vec<_>>(),
            ["u1", "u3"]
        );
        assert_eq!(
            p.touching(p.idp_users[0])
                .iter()
                .map(|e| e.summary.id)
                .collect::<Vec<_>>(),
            [7]
        );
        assert!(p.touching(p.idp_users[1]).is_empty());
        let known = Prepared::known(vec![&*users[0], &*users[2]], [(&*users[0], &exchanges[0])]);
        assert_eq!(known.idp_users.len(), 2);
        assert_eq!(known.touching(&users[0]).len(), 1);
        assert_eq!(
            crate::checks::evaluate_prepared(&input, &known),
            crate::checks::evaluate(&input),
            "the same checklist"
        );
    }
}
