//! The setup checklist: the admin's IdP configuration scored against the vendor guide, from the
//! observed traffic itself.
//!
//! Owns the rules and their verdicts and nothing else. Input is a [`CheckInput`]: which IdP's
//! checklist, the captured exchanges (oldest first, whole and redacted) and a few facts per
//! stored user ([`UserFacts`], filled by the caller from the store and the mapping results).
//! Output is a [`Checklist`] of [`CheckItem`]s, each `pass` / `warn` / `fail` / `not-yet-seen`
//! with the exchange ids it rests on and, for `warn` and `fail`, the fix in the admin's own terms
//! (which portal screen, which setting).
//!
//! Pure on purpose: no I/O, no clock, no store, and no dependency on the mapping module (the
//! caller turns mapping results into [`UserFacts`]). Every rule is therefore unit-tested from
//! hand-built Entra ID and Okta exchanges shaped like `shared/reference/idp-traffic.md` and the
//! target app's guide (`shared/reference/target-app-guide.md`), whose setup — and its usual
//! slips — the items score: only the guide's attributes, names spelt as the guide spells them,
//! the role on creates and updates, Okta's Sync Password off and External namespace set,
//! Entra's soft-delete mapping kept.
//!
//! Rules are small `fn(&CheckInput) -> CheckItem`s grouped by file — [`connection`] (Test
//! Connection), [`auth`] (the Authorization header), [`attributes`] (what creates carry, the
//! Okta password and custom attributes), [`names`] (attribute-name case), [`roles`] (role
//! present and valid), [`lifecycle`] (updates, deactivation, Entra's `active` mapping) and
//! [`dialect`] (Entra's PATCH dialect, Okta's update mode) — and registered in [`ENTRA_RULES`]
//! and [`OKTA_RULES`]: adding a rule is one function plus one line. A status is always derived
//! from evidence: `not-yet-seen` until the traffic a rule judges has happened.

mod answers;
mod attributes;
mod auth;
mod connection;
mod dialect;
mod lifecycle;
mod names;
mod prepared;
mod rehearsals;
mod roles;
#[cfg(test)]
pub(crate) mod testkit;
mod traffic;

pub use prepared::{Prepared, WrittenPaths};
pub use traffic::{FastHasher, FastMap, attribute_paths};

use crate::model::{Exchange, Idp, OperationKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use ts_rs::TS;

/// The most exchange ids one item cites (the most recent ones are kept).
pub const MAX_EVIDENCE: usize = 20;

/// What a rule concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// The setup does what the vendor guide asks (or, for informational rules, what was seen).
    Pass,
    /// It works, but differs from the guide or carries a risk worth a look.
    Warn,
    /// It is broken: the IdP's requests fail or miss what the guide requires.
    Fail,
    /// The traffic this rule judges has not happened yet.
    NotYetSeen,
}

/// One checklist line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckItem {
    /// Stable id, e.g. `auth.header` (the UI and exports key on it; never rename one).
    pub id: String,
    /// What is checked, e.g. `authorization header accepted`.
    pub title: String,
    /// The verdict.
    pub status: CheckStatus,
    /// What was observed, in one or two lowercase sentences.
    pub summary: String,
    /// Ids of the exchanges the verdict rests on, oldest first (at most [`MAX_EVIDENCE`]).
    #[ts(type = "number[]")]
    pub evidence: Vec<i64>,
    /// How to fix it in the IdP's portal; present for `warn` and `fail`.
    pub fix: Option<String>,
}

/// How many items ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChecklistScore {
    /// Items that pass.
    pub pass: u32,
    /// Items that warn.
    pub warn: u32,
    /// Items that fail.
    pub fail: u32,
    /// Items whose traffic has not been seen yet.
    pub not_yet_seen: u32,
}

/// The checklist of one IdP (`GET /api/checklist?idp=entra|okta`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Checklist {
    /// Whose setup was scored.
    pub idp: Idp,
    /// One item per rule, in the rule list's order.
    pub items: Vec<CheckItem>,
    /// Counts per status.
    pub score: ChecklistScore,
}

/// What the checklist needs to know about one stored user. The caller fills it from the store
/// and the mapping results; the rules never look anything up themselves.
///
/// Shared, not copied: the checklist input holds `Arc<UserFacts>` (the materialised mapping
/// results keep one per user and a checklist borrows them all), and users with the same
/// attributes share one [`UserFacts::attributes_sent`] list, which rules judge once per list.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFacts {
    /// SCIM id (matches [`crate::model::ExchangeSummary::resource_id`]).
    pub id: String,
    /// The user's userName.
    pub user_name: String,
    /// The IdP whose create made the user (the create exchange's IdP).
    pub created_by: Idp,
    /// Attribute paths with a value in the create body, spelt as [`attribute_paths`] spells
    /// them (`attribute_paths(&create_body)`); equal lists may be one shared list.
    pub attributes_sent: Arc<[String]>,
    /// The role value as it arrived, wherever the mapping found it; `None` when none arrived.
    pub role_raw: Option<Value>,
    /// `false` when a role value arrived that is not exactly `Member` or `Admin` (no value,
    /// which defaults to `Member`, is valid).
    pub role_valid: bool,
}

/// Everything a rule reads. Made with [`CheckInput::new`] (and [`CheckInput::with_written`]
/// when the caller keeps the writes' paths).
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    /// Whose checklist: [`Idp::Entra`] or [`Idp::Okta`] ([`Idp::Other`] has no checklist).
    pub idp: Idp,
    /// Captured exchanges, oldest first, whole and redacted (all IdPs; rules pick their own).
    pub exchanges: &'a [Exchange],
    /// Stored users (all IdPs; rules pick the ones [`UserFacts::created_by`] this IdP).
    pub users: &'a [Arc<UserFacts>],
    /// The attribute paths of `exchanges`' writes, when the caller keeps them across
    /// checklists ([`WrittenPaths`]); `None`: rules read them from the bodies as they go.
    pub written: Option<&'a WrittenPaths>,
    /// What the rules share, worked out by [`evaluate`]; `None` when a rule is called alone.
    prepared: Option<&'a Prepared<'a>>,
}

impl<'a> CheckInput<'a> {
    /// The input of `idp`'s checklist.
    pub fn new(idp: Idp, exchanges: &'a [Exchange], users: &'a [Arc<UserFacts>]) -> Self {
        Self {
            idp,
            exchanges,
            users,
            written: None,
            prepared: None,
        }
    }

    /// The same input, with the writes' paths kept by the caller.
    pub fn with_written(self, written: &'a WrittenPaths) -> Self {
        Self {
            written: Some(written),
            ..self
        }
    }

    /// The exchanges the checklist's IdP sent, oldest first.
    pub(crate) fn traffic(&self) -> impl Iterator<Item = &'a Exchange> + use<'a> {
        let idp = self.idp;
        self.exchanges.iter().filter(move |e| e.summary.idp == idp)
    }

    /// The checklist IdP's exchanges of one of `ops`, oldest first.
    pub(crate) fn of_kind(&self, ops: &[OperationKind]) -> Vec<&'a Exchange> {
        self.traffic()
            .filter(|e| ops.contains(&e.summary.operation))
            .collect()
    }

    /// The attribute paths the write `ex` carried (kept ones when the caller keeps them).
    pub(crate) fn written_paths(&self, ex: &Exchange) -> Arc<[String]> {
        self.written
            .and_then(|w| w.paths_of(ex.summary.id))
            .unwrap_or_else(|| traffic::written_paths(ex).into())
    }

    /// [`CheckInput::written_paths`] of each of `writes`, in order.
    pub(crate) fn written_of(&self, writes: &[&Exchange]) -> Vec<Arc<[String]>> {
        writes.iter().map(|ex| self.written_paths(ex)).collect()
    }

    /// The users the checklist's IdP created.
    pub(crate) fn idp_users(&self) -> Vec<&'a UserFacts> {
        match self.prepared {
            Some(p) => p.idp_users.clone(),
            None => self
                .users
                .iter()
                .map(|u| &**u)
                .filter(|u| u.created_by == self.idp)
                .collect(),
        }
    }

    /// The successful exchanges (of every IdP in the input) that touched `u`, a user of
    /// [`CheckInput::idp_users`], oldest first.
    pub(crate) fn touching(&self, u: &UserFacts) -> Vec<&'a Exchange> {
        match self.prepared {
            Some(p) => p.touching(u).to_vec(),
            None => self
                .exchanges
                .iter()
                .filter(|e| {
                    traffic::succeeded(e) && e.summary.resource_id.as_deref() == Some(u.id.as_str())
                })
                .collect(),
        }
    }

    /// Ids of the successful exchanges of one of `ops` that touched `u` (a user of
    /// [`CheckInput::idp_users`]), oldest first.
    pub(crate) fn user_exchanges(&self, u: &UserFacts, ops: &[OperationKind]) -> Vec<i64> {
        let pick = |e: &&&Exchange| ops.contains(&e.summary.operation);
        match self.prepared {
            Some(p) => p
                .touching(u)
                .iter()
                .filter(pick)
                .map(|e| e.summary.id)
                .collect(),
            None => self
                .touching(u)
                .iter()
                .filter(pick)
                .map(|e| e.summary.id)
                .collect(),
        }
    }
}

/// A rule: reads the input, returns its item.
pub type Rule = fn(&CheckInput<'_>) -> CheckItem;

/// The Entra ID checklist, in display order.
pub const ENTRA_RULES: &[Rule] = &[
    connection::test_connection,
    auth::auth_header,
    answers::answered_ok,
    attributes::required_attributes,
    attributes::extra_attributes,
    names::name_case,
    roles::role_present,
    roles::role_values,
    lifecycle::entra_active_mapped,
    lifecycle::profile_updates,
    lifecycle::deactivation,
    dialect::entra_patch_dialect,
];

/// The Okta checklist, in display order.
pub const OKTA_RULES: &[Rule] = &[
    connection::test_connection,
    auth::auth_header,
    answers::answered_ok,
    attributes::required_attributes,
    attributes::extra_attributes,
    names::name_case,
    attributes::okta_custom_attributes,
    roles::role_present,
    roles::role_values,
    attributes::okta_password,
    lifecycle::profile_updates,
    lifecycle::deactivation,
    dialect::okta_update_mode,
];

/// The rules of `idp`'s checklist (none for [`Idp::Other`]: no vendor guide to score against).
pub fn rules(idp: Idp) -> &'static [Rule] {
    match idp {
        Idp::Entra => ENTRA_RULES,
        Idp::Okta => OKTA_RULES,
        Idp::Other => &[],
    }
}

/// Score `input.idp`'s setup: run every rule of its list, count the statuses.
pub fn evaluate(input: &CheckInput<'_>) -> Checklist {
    evaluate_prepared(input, &Prepared::of(input))
}

/// [`evaluate`] with what the rules share given by the caller ([`Prepared::known`]).
pub fn evaluate_prepared<'a>(input: &CheckInput<'a>, prepared: &Prepared<'a>) -> Checklist {
    let input = &CheckInput {
        prepared: Some(prepared),
        ..*input
    };
    let mut items = run(input, rules(input.idp), prepared.idp_users.len());
    // Only once a fault rule has answered this IdP.
    if !rules(input.idp).is_empty() {
        items.extend(rehearsals::reactions(input));
    }
    let mut score = ChecklistScore::default();
    for item in &items {
        let slot = match item.status {
            CheckStatus::Pass => &mut score.pass,
            CheckStatus::Warn => &mut score.warn,
            CheckStatus::Fail => &mut score.fail,
            CheckStatus::NotYetSeen => &mut score.not_yet_seen,
        };
        *slot += 1;
    }
    Checklist {
        idp: input.idp,
        items,
        score,
    }
}

/// Users from which a checklist's rules run on two threads (each rule reads every user).
const PARALLEL_USERS: usize = 10_000;

/// Run `rules` in order; with many users, half of them on a second thread.
fn run(input: &CheckInput<'_>, rules: &[Rule], users: usize) -> Vec<CheckItem> {
    let two = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    if users < PARALLEL_USERS || !two || rules.len() < 2 {
        return rules.iter().map(|rule| rule(input)).collect();
    }
    // Every other rule each, so the heavy ones (attributes, names, roles) spread.
    let (odd, even) = std::thread::scope(|s| {
        let odd = s.spawn(|| {
            rules
                .iter()
                .skip(1)
                .step_by(2)
                .map(|rule| rule(input))
                .collect::<Vec<_>>()
        });
        let even: Vec<CheckItem> = rules.iter().step_by(2).map(|rule| rule(input)).collect();
        (odd.join(), even)
    });
    let Ok(odd) = odd else {
        // The other thread panicked (a bug in a rule): score on this one, as before threads.
        return rules.iter().map(|rule| rule(input)).collect();
    };
    let mut out = Vec::with_capacity(rules.len());
    let mut odd = odd.into_iter();
    for item in even {
        out.push(item);
        out.extend(odd.next());
    }
    out
}

/// A rule's stable id and title; builds its items so every item of a rule looks alike.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Check {
    id: &'static str,
    title: &'static str,
}

impl Check {
    /// A rule named `id`, shown as `title`.
    pub(crate) const fn new(id: &'static str, title: &'static str) -> Self {
        Self { id, title }
    }

    fn item(
        self,
        status: CheckStatus,
        summary: String,
        evidence: impl IntoIterator<Item = i64>,
        fix: Option<String>,
    ) -> CheckItem {
        let mut evidence: Vec<i64> = evidence.into_iter().collect();
        evidence.sort_unstable();
        evidence.dedup();
        let cut = evidence.len().saturating_sub(MAX_EVIDENCE);
        evidence.drain(..cut);
        CheckItem {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            status,
            summary,
            evidence,
            fix,
        }
    }

    /// A passing item.
    pub(crate) fn pass(
        self,
        summary: impl Into<String>,
        evidence: impl IntoIterator<Item = i64>,
    ) -> CheckItem {
        self.item(CheckStatus::Pass, summary.into(), evidence, None)
    }

    /// A warning, with its fix.
    pub(crate) fn warn(
        self,
        summary: impl Into<String>,
        evidence: impl IntoIterator<Item = i64>,
        fix: impl Into<String>,
    ) -> CheckItem {
        self.item(
            CheckStatus::Warn,
            summary.into(),
            evidence,
            Some(fix.into()),
        )
    }

    /// A failure, with its fix.
    pub(crate) fn fail(
        self,
        summary: impl Into<String>,
        evidence: impl IntoIterator<Item = i64>,
        fix: impl Into<String>,
    ) -> CheckItem {
        self.item(
            CheckStatus::Fail,
            summary.into(),
            evidence,
            Some(fix.into()),
        )
    }

    /// Nothing to judge yet; the summary says what would produce the traffic.
    pub(crate) fn not_yet_seen(self, summary: impl Into<String>) -> CheckItem {
        self.item(CheckStatus::NotYetSeen, summary.into(), [], None)
    }
}

/// Where Entra's attribute mappings are edited, as the start of a fix (continued by a verb).
pub(crate) const ENTRA_MAPPINGS: &str = "in the enterprise application open Provisioning → Mappings → Provision Microsoft Entra ID Users and";

/// The IdP in a sentence, as its maker writes it: `Entra ID`, `Okta`.
pub(crate) fn idp_name(idp: Idp) -> &'static str {
    match idp {
        Idp::Entra => "Entra ID",
        Idp::Okta => "Okta",
        Idp::Other => "another client",
    }
}

#[cfg(test)]
mod tests;
