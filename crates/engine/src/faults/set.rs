//! The fault rules in force, in order, with their ids and counters: what the SCIM layer asks
//! on every request ([`FaultSet::decide`]) and what the admin API lists and edits.
//!
//! Owns the order of evaluation: rules are tried in list order and the **first** enabled rule
//! whose match holds and whose budget fires decides; a rule before it that matched without
//! firing has counted the match, a rule after it has not seen the request. Ids are assigned from
//! 1 in the order rules are added and never reused in a set's life (a replaced list gets new
//! ids), so an id in an old listing cannot name another rule.
//!
//! Plain data, `Send`, no lock inside: the owner decides how to share it (one `std::sync::Mutex`
//! is enough, since [`FaultSet::decide`] never waits). `decide` scans a `Vec` and allocates
//! only when a rule fires; an empty set returns at once.

use super::budget::Budget;
use super::glob::Glob;
use super::rule::{FaultAction, FaultMatch, FaultRule, FaultRuleError, same_name, validate_rules};
use crate::model::{Idp, OperationKind};
use serde::Serialize;
use ts_rs::TS;

/// What the SCIM layer knows of a request before answering it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFacts {
    /// The IdP detected for the request.
    pub idp: Idp,
    /// What the request is, when it can be told before answering.
    pub operation: Option<OperationKind>,
    /// The HTTP method.
    pub method: String,
    /// The path relative to the tenant URL's base, e.g. `/Users/abc`.
    pub path: String,
    /// The user's userName, from the body or the stored user.
    pub user_name: Option<String>,
    /// The group's displayName, from the body or the stored group.
    pub display_name: Option<String>,
}

/// A rule that fired on a request, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The rule's id in its set.
    pub rule_id: u64,
    /// The rule's name.
    pub rule_name: String,
    /// What to do to the request.
    pub action: FaultAction,
    /// The rule's budget is counted in the database, under this key (several instances on one
    /// PostgreSQL database: [`FaultSet::candidates`]); `None` when it is counted here.
    pub shared_budget: Option<String>,
}

/// A rule whose match holds on a request, for a decision on a budget counted in the database.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The rule's id in this set.
    pub id: u64,
    /// The key of its budget: the same on every instance that loaded the same rule (its name
    /// and content, `enabled` aside), new when the rule is edited.
    pub key: String,
    /// The rule.
    pub rule: FaultRule,
}

/// The key of `rule`'s shared budget (see [`Candidate::key`]): FNV-1a of its name, folded, and
/// its JSON without `enabled`.
fn budget_key(rule: &FaultRule) -> String {
    let mut value = serde_json::to_value(rule).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.remove("enabled");
    }
    let text = format!("{}\n{value}", rule.name.to_lowercase());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("rule:{hash:016x}")
}

/// A rule as listed by the admin API: its id, the rule, and its counters. Serialized only (the
/// API takes plain [`FaultRule`]s).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FaultRuleView {
    /// The rule's id in its set.
    #[ts(type = "number")]
    pub id: u64,
    /// The rule.
    #[serde(flatten)]
    pub rule: FaultRule,
    /// Requests it matched while enabled (since it was added or last replaced).
    #[ts(type = "number")]
    pub matches: u64,
    /// Times it fired.
    #[ts(type = "number")]
    pub hits: u64,
}

/// A rule's match, compiled (globs parsed, method upper-cased).
#[derive(Debug, Clone)]
struct CompiledMatch {
    idp: Option<Idp>,
    operation: Option<OperationKind>,
    method: Option<String>,
    path: Option<Glob>,
    user_name: Option<Glob>,
    display_name: Option<Glob>,
}

impl CompiledMatch {
    /// Compile a validated match (`None` if a glob does not compile, which validation refuses).
    fn new(m: &FaultMatch) -> Option<Self> {
        Some(Self {
            idp: m.idp,
            operation: m.operation,
            method: m.method.as_deref().map(str::to_ascii_uppercase),
            path: m.path.as_deref().map(Glob::path).transpose().ok()?,
            user_name: m.user_name.as_deref().map(Glob::name).transpose().ok()?,
            display_name: m.display_name.as_deref().map(Glob::name).transpose().ok()?,
        })
    }

    fn holds(&self, f: &RequestFacts) -> bool {
        let name = |glob: &Option<Glob>, value: &Option<String>| match glob {
            None => true,
            Some(g) => value.as_deref().is_some_and(|v| g.matches(v)),
        };
        self.idp.is_none_or(|i| i == f.idp)
            && self.operation.is_none_or(|o| f.operation == Some(o))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&f.method))
            && self.path.as_ref().is_none_or(|g| g.matches(&f.path))
            && name(&self.user_name, &f.user_name)
            && name(&self.display_name, &f.display_name)
    }
}

#[derive(Debug, Clone)]
struct Slot {
    id: u64,
    rule: FaultRule,
    compiled: CompiledMatch,
    budget: Budget,
}

impl Slot {
    fn view(&self) -> FaultRuleView {
        FaultRuleView {
            id: self.id,
            rule: self.rule.clone(),
            matches: self.budget.matches,
            hits: self.budget.hits,
        }
    }
}

/// The fault rules in force. See the module header for the order and the ids.
#[derive(Debug, Clone, Default)]
pub struct FaultSet {
    slots: Vec<Slot>,
    /// The last id given (0: none yet).
    last_id: u64,
}

impl FaultSet {
    /// An empty set: every request is served normally.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of `rules` (validated as one list: numbered messages, unique names).
    pub fn from_rules(rules: Vec<FaultRule>) -> Result<Self, FaultRuleError> {
        let mut set = Self::new();
        set.replace_all(rules)?;
        Ok(set)
    }

    /// Whether the set has no rule (the SCIM layer can skip building [`RequestFacts`]).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many rules the set has, enabled or not.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Every rule, in order, with its id and counters.
    pub fn list(&self) -> Vec<FaultRuleView> {
        self.slots.iter().map(Slot::view).collect()
    }

    /// One rule, by id.
    pub fn get(&self, id: u64) -> Option<FaultRuleView> {
        self.slots.iter().find(|s| s.id == id).map(Slot::view)
    }

    /// Validate and compile `rule` into a slot with id `id` and fresh counters.
    fn slot(id: u64, rule: FaultRule) -> Result<Slot, FaultRuleError> {
        rule.validate()?;
        let compiled = CompiledMatch::new(&rule.r#match).ok_or_else(|| {
            // Unreachable after validate(); kept as an error rather than a panic.
            FaultRuleError::Invalid {
                rule: None,
                name: Some(rule.name.clone()),
                field: "match".to_owned(),
                message: "match does not compile".to_owned(),
            }
        })?;
        Ok(Slot {
            id,
            budget: Budget::new(&rule),
            rule,
            compiled,
        })
    }

    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Validate `rule` and append it (last in order). Refused when another rule has its name.
    pub fn add(&mut self, rule: FaultRule) -> Result<FaultRuleView, FaultRuleError> {
        if self
            .slots
            .iter()
            .any(|s| same_name(&s.rule.name, &rule.name))
        {
            return Err(FaultRuleError::NameTaken(rule.name));
        }
        let slot = Self::slot(self.last_id + 1, rule)?;
        self.last_id = slot.id;
        let view = slot.view();
        self.slots.push(slot);
        Ok(view)
    }

    /// Replace the rule `id` in place (same position, same id) and reset its counters and
    /// generator.
    pub fn replace(&mut self, id: u64, rule: FaultRule) -> Result<FaultRuleView, FaultRuleError> {
        let at = self
            .slots
            .iter()
            .position(|s| s.id == id)
            .ok_or(FaultRuleError::UnknownId(id))?;
        if self
            .slots
            .iter()
            .any(|s| s.id != id && same_name(&s.rule.name, &rule.name))
        {
            return Err(FaultRuleError::NameTaken(rule.name));
        }
        let slot = Self::slot(id, rule)?;
        let view = slot.view();
        self.slots[at] = slot;
        Ok(view)
    }

    /// Whether an enabled rule matches on a userName or displayName (then the SCIM layer reads
    /// the stored resource a request names by id).
    pub fn matches_names(&self) -> bool {
        self.slots.iter().any(|s| {
            s.rule.enabled && (s.compiled.user_name.is_some() || s.compiled.display_name.is_some())
        })
    }

    /// Take back one firing of the rule `id` (it decided, but the action could not apply): its
    /// `times` budget is not spent.
    pub fn refund(&mut self, id: u64) {
        if let Some(slot) = self.slots.iter_mut().find(|s| s.id == id) {
            slot.budget.hits = slot.budget.hits.saturating_sub(1);
        }
    }

    /// Enable or disable the rule `id`, keeping its counters.
    pub fn set_enabled(&mut self, id: u64, enabled: bool) -> Result<FaultRuleView, FaultRuleError> {
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or(FaultRuleError::UnknownId(id))?;
        slot.rule.enabled = enabled;
        Ok(slot.view())
    }

    /// Remove the rule `id`; false when there is none.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.slots.len();
        self.slots.retain(|s| s.id != id);
        self.slots.len() != before
    }

    /// Replace every rule (a rules file loaded, an import): validated as one list, all or
    /// nothing; the new rules get new ids.
    pub fn replace_all(
        &mut self,
        rules: Vec<FaultRule>,
    ) -> Result<Vec<FaultRuleView>, FaultRuleError> {
        validate_rules(&rules)?;
        let mut slots = Vec::with_capacity(rules.len());
        for rule in rules {
            slots.push(Self::slot(0, rule)?);
        }
        for slot in &mut slots {
            slot.id = self.next_id();
        }
        self.slots = slots;
        Ok(self.list())
    }

    /// The enabled rules whose match holds on a request, in order, for a decision on budgets
    /// counted in the database (the capture layer's shared decision): nothing is counted here.
    pub fn candidates(&self, facts: &RequestFacts) -> Vec<Candidate> {
        self.slots
            .iter()
            .filter(|s| s.rule.enabled && s.compiled.holds(facts))
            .map(|s| Candidate {
                id: s.id,
                key: budget_key(&s.rule),
                rule: s.rule.clone(),
            })
            .collect()
    }

    /// Show the counters of rule `id` as the database counted them (every instance's matches
    /// and hits), or count one match here (`None`: a rule without a budget, which fires on it).
    pub fn note_counts(&mut self, id: u64, counted: Option<(u64, u64)>) {
        if let Some(slot) = self.slots.iter_mut().find(|s| s.id == id) {
            match counted {
                Some((matches, hits)) => {
                    slot.budget.matches = matches;
                    slot.budget.hits = hits;
                }
                None => {
                    slot.budget.matches = slot.budget.matches.saturating_add(1);
                    slot.budget.hits = slot.budget.hits.saturating_add(1);
                }
            }
        }
    }

    /// What rule `candidate` does, as a decision whose budget was counted under its key.
    pub fn decision(candidate: &Candidate, shared: bool) -> Decision {
        Decision {
            rule_id: candidate.id,
            rule_name: candidate.rule.name.clone(),
            action: candidate.rule.action.clone(),
            shared_budget: shared.then(|| candidate.key.clone()),
        }
    }

    /// The fault for a request: the first enabled rule, in order, whose match holds and whose
    /// budget fires. Every enabled rule tried whose match holds counts the match.
    pub fn decide(&mut self, facts: &RequestFacts) -> Option<Decision> {
        for slot in &mut self.slots {
            if !slot.rule.enabled || !slot.compiled.holds(facts) {
                continue;
            }
            if slot.budget.on_match(&slot.rule) {
                return Some(Decision {
                    rule_id: slot.id,
                    rule_name: slot.rule.name.clone(),
                    action: slot.rule.action.clone(),
                    shared_budget: None,
                });
            }
        }
        None
    }
}
