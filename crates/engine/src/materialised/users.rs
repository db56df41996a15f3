//! The materialised mapping results of one workspace: one compact [`Entry`] per stored user
//! (its effective role, the status of each target field, and the facts the checklist reads),
//! in creation order, under one compiled profile, with the change-feed position they are
//! current to.
//!
//! Users are evaluated exactly as the fresh path evaluates them (`report::all_users`,
//! `results::evaluate_users`, `report::score_checklist`): rendered as the SCIM listener renders
//! them (with `groups`), read through the profile with the IdP that created them. Users with the
//! same attribute paths share one list ([`Lists`]), which keeps 100 000 entries small and lets
//! the checklist rules judge a shared list once.

use crate::checks::{FastMap, UserFacts, attribute_paths};
use crate::mapping::{self, CompiledProfile, FieldStatus, Role, RoleSummary, TargetField};
use crate::model::Idp;
use crate::scim_api::render::render;
use crate::store::resources::StoredResource;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One user's materialised result.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its row key (creation order).
    pub pk: i64,
    /// The IdP that created it (as its facts say; kept here too, so a checklist picks its
    /// IdP's users without reading every user's facts).
    pub created_by: Idp,
    /// The role it gets in the target app.
    pub role: Role,
    /// The status of each target field, in [`TargetField::ALL`] order (`None`: the result had
    /// no such field).
    pub statuses: [Option<FieldStatus>; 4],
    /// What the checklist knows of it (its attributes: the user's own; a checklist swaps in
    /// its create's while the create is captured).
    pub facts: Arc<UserFacts>,
}

impl Entry {
    /// The entry of a rendered user and its mapping result; `None` without an `id`.
    pub fn new(
        pk: i64,
        user: &Value,
        creator: Idp,
        result: &mapping::MappingResult,
        lists: &mut Lists,
    ) -> Option<Self> {
        let sent = lists.intern(attribute_paths(user));
        let facts = crate::report::user_facts(user, creator, result, sent)?;
        Some(Self {
            pk,
            created_by: creator,
            role: result.effective_role,
            statuses: TargetField::ALL.map(|f| result.field(f).map(|r| r.status)),
            facts: Arc::new(facts),
        })
    }
}

/// Shared attribute-path lists: equal lists become one `Arc`. Bounded: past [`MAX_LISTS`]
/// distinct lists a new one is kept unshared, and lists no entry holds any more are dropped
/// from time to time ([`Lists::forget_unused`]).
#[derive(Debug, Default)]
pub struct Lists(HashSet<Arc<[String]>>);

/// Distinct lists shared at most.
pub const MAX_LISTS: usize = 4096;

impl Lists {
    /// The shared list equal to `paths`.
    pub fn intern(&mut self, paths: Vec<String>) -> Arc<[String]> {
        if let Some(shared) = self.0.get(paths.as_slice()) {
            return shared.clone();
        }
        let list: Arc<[String]> = paths.into();
        if self.0.len() < MAX_LISTS {
            self.0.insert(list.clone());
        }
        list
    }

    /// Drop the lists only this set still holds.
    pub fn forget_unused(&mut self) {
        self.0.retain(|l| Arc::strong_count(l) > 1);
    }

    /// How many lists are shared.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Evaluate stored user rows: render each with its `groups` (`related`, by SCIM id, as
/// `related_members` gives them), read it through `profile` with its creator (`creators`, by
/// SCIM id, as `user_creators` tells it; absent: `other`).
pub fn evaluate_rows(
    profile: &CompiledProfile,
    rows: &[StoredResource],
    mut related: HashMap<String, Vec<Value>>,
    creators: &HashMap<String, String>,
    base_url: &str,
    lists: &mut Lists,
) -> Vec<Entry> {
    rows.iter()
        .filter_map(|r| {
            let user = render(
                r,
                Some(related.remove(r.id.as_str()).unwrap_or_default()),
                base_url,
            );
            let creator = creators
                .get(r.id.as_str())
                .map_or(Idp::Other, |s| Idp::parse(s));
            let result = mapping::evaluate(profile, &user, creator);
            Entry::new(r.pk, &user, creator, &result, lists)
        })
        .collect()
}

/// Every user's entry under one profile, in creation order.
#[derive(Debug)]
pub struct UserIndex {
    /// The profile the entries were evaluated under.
    pub profile: Arc<CompiledProfile>,
    /// What identifies that profile's rules (see `super::profile_key`).
    pub key: String,
    /// The change feed position the entries are current to.
    pub cursor: i64,
    entries: Vec<Entry>,
    /// Each user's row key by SCIM id.
    by_id: FastMap<Box<str>, i64>,
    /// The shared attribute lists.
    pub lists: Lists,
}

impl UserIndex {
    /// An index of `entries` (in creation order).
    pub fn new(
        profile: Arc<CompiledProfile>,
        key: String,
        cursor: i64,
        mut entries: Vec<Entry>,
        lists: Lists,
    ) -> Self {
        entries.sort_by_key(|e| e.pk);
        entries.dedup_by_key(|e| e.pk);
        let by_id = entries
            .iter()
            .map(|e| (Box::from(e.facts.id.as_str()), e.pk))
            .collect();
        Self {
            profile,
            key,
            cursor,
            entries,
            by_id,
            lists,
        }
    }

    /// The row key of the user with SCIM id `id`, if it has an entry.
    pub fn pk_of(&self, id: &str) -> Option<i64> {
        self.by_id.get(id).copied()
    }

    /// The entries, in creation order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Put `entry` in its place (replacing the user's old one).
    pub fn upsert(&mut self, entry: Entry) {
        if !self.by_id.contains_key(entry.facts.id.as_str()) {
            self.by_id
                .insert(Box::from(entry.facts.id.as_str()), entry.pk);
        }
        match self.entries.binary_search_by_key(&entry.pk, |e| e.pk) {
            Ok(at) => self.entries[at] = entry,
            Err(at) => self.entries.insert(at, entry),
        }
    }

    /// Drop the user with row key `pk`, if it has an entry.
    pub fn remove(&mut self, pk: i64) {
        if let Ok(at) = self.entries.binary_search_by_key(&pk, |e| e.pk) {
            let gone = self.entries.remove(at);
            self.by_id.remove(gone.facts.id.as_str());
        }
    }

    /// Users per role and per status, as `mapping::summarise` counts the same results.
    pub fn summary(&self) -> RoleSummary {
        let mut counts = [[0u32; 6]; 4];
        let (mut member, mut admin) = (0u32, 0u32);
        for e in &self.entries {
            match e.role {
                Role::Member => member = member.saturating_add(1),
                Role::Admin => admin = admin.saturating_add(1),
            }
            for (field, status) in e.statuses.iter().enumerate() {
                if let Some(s) = status {
                    let slot = &mut counts[field][status_slot(*s)];
                    *slot = slot.saturating_add(1);
                }
            }
        }
        let by_field = TargetField::ALL
            .iter()
            .zip(counts)
            .map(|(&field, c)| mapping::FieldStatusCounts {
                field,
                counts: mapping::StatusCounts {
                    mapped: c[0],
                    defaulted: c[1],
                    missing: c[2],
                    invalid: c[3],
                    ambiguous: c[4],
                    misnamed: c[5],
                },
            })
            .collect::<Vec<_>>();
        let by_status = by_field
            .iter()
            .find(|c| c.field == TargetField::Role)
            .map(|c| c.counts)
            .unwrap_or_default();
        RoleSummary {
            total: u32::try_from(self.entries.len()).unwrap_or(u32::MAX),
            by_role: mapping::RoleCounts { member, admin },
            by_status,
            by_field,
        }
    }

    /// Every user's checklist facts, in creation order (shared, not copied).
    pub fn facts(&self) -> Vec<Arc<UserFacts>> {
        self.entries.iter().map(|e| e.facts.clone()).collect()
    }
}

/// A status's place in [`FieldStatus::ALL`].
fn status_slot(status: FieldStatus) -> usize {
    FieldStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{AUTO_PROFILE_ID, builtin_profile, summarise};
    use serde_json::json;

    fn row(pk: i64, attributes: &Value) -> StoredResource {
        StoredResource {
            pk,
            kind: scimlab_scim::ResourceKind::User,
            id: format!("u{pk}").into(),
            attributes: attributes.as_object().cloned().unwrap_or_default(),
            version: 1,
            created: "2026-01-01T00:00:00.000Z".into(),
            last_modified: "2026-01-01T00:00:00.000Z".into(),
            unreadable: None,
        }
    }

    fn users() -> Vec<StoredResource> {
        let custom = "urn:ietf:params:scim:schemas:extension:ScimLab:2.0:User";
        vec![
            row(
                1,
                &json!({"userName": "a@x", "displayName": "A", custom: {"employeeType": "Admin"}}),
            ),
            row(
                2,
                &json!({"userName": "b@x", "role": "admin", "email": "b@x"}),
            ),
            row(3, &json!({"userName": "c@x", "Role": "Member"})),
            row(
                4,
                &json!({"userName": "d@x", "displayName": "D", custom: {"employeeType": "Admin"}}),
            ),
        ]
    }

    #[test]
    fn the_summary_counts_what_summarise_counts() {
        let profile = builtin_profile(AUTO_PROFILE_ID).unwrap().compile().unwrap();
        let creators: HashMap<String, String> =
            [("u2".to_owned(), "okta".to_owned())].into_iter().collect();
        let rows = users();
        let mut lists = Lists::default();
        let entries = evaluate_rows(
            &profile,
            &rows,
            HashMap::new(),
            &creators,
            "http://x",
            &mut lists,
        );
        let index = UserIndex::new(Arc::new(profile.clone()), "k".into(), 0, entries, lists);
        let fresh: Vec<_> = rows
            .iter()
            .map(|r| {
                let user = render(r, Some(Vec::new()), "http://x");
                let creator = creators
                    .get(r.id.as_str())
                    .map_or(Idp::Other, |s| Idp::parse(s));
                mapping::evaluate(&profile, &user, creator)
            })
            .collect();
        assert_eq!(index.summary(), summarise(&fresh));
        assert_eq!(
            index.summary().by_status.invalid,
            1,
            "{:?}",
            index.summary()
        );
        // Users 1 and 4 carry the same paths: one shared list.
        let facts = index.facts();
        assert!(Arc::ptr_eq(
            &facts[0].attributes_sent,
            &facts[3].attributes_sent
        ));
        assert_eq!(facts[1].created_by, Idp::Okta);
    }

    #[test]
    fn entries_stay_in_creation_order_and_leave_when_removed() {
        let profile = builtin_profile(AUTO_PROFILE_ID).unwrap().compile().unwrap();
        let mut lists = Lists::default();
        let rows = users();
        let entries = evaluate_rows(
            &profile,
            &rows,
            HashMap::new(),
            &HashMap::new(),
            "http://x",
            &mut lists,
        );
        let mut index = UserIndex::new(Arc::new(profile), "k".into(), 0, Vec::new(), lists);
        for e in entries.into_iter().rev() {
            index.upsert(e);
        }
        assert_eq!(
            index.entries().iter().map(|e| e.pk).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        let mut again = index.entries()[1].clone();
        again.role = Role::Admin;
        index.upsert(again);
        assert_eq!(index.entries().len(), 4);
        assert_eq!(index.entries()[1].role, Role::Admin);
        assert_eq!(index.pk_of("u3"), Some(3));
        index.remove(3);
        index.remove(99);
        assert_eq!(index.pk_of("u3"), None);
        assert_eq!(index.pk_of("u4"), Some(4));
        assert_eq!(
            index.entries().iter().map(|e| e.pk).collect::<Vec<_>>(),
            [1, 2, 4]
        );
        assert_eq!(index.summary().total, 3);
    }

    #[test]
    fn lists_are_shared_and_bounded() {
        let mut lists = Lists::default();
        let a = lists.intern(vec!["userName".into()]);
        let b = lists.intern(vec!["userName".into()]);
        assert!(Arc::ptr_eq(&a, &b));
        drop((a, b));
        lists.forget_unused();
        assert_eq!(lists.len(), 0);
        for i in 0..MAX_LISTS + 10 {
            let _kept = lists.intern(vec![format!("a{i}")]);
        }
        assert_eq!(lists.len(), MAX_LISTS);
    }
}
