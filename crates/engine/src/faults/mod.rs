//! Fault rules (issue 14): make the local SCIM endpoint fail on purpose — answer an error, wait,
//! drop the connection, commit a write and still answer an error, or answer as a strict app —
//! for chosen requests, so an admin can rehearse what Entra ID or Okta does when an app
//! misbehaves, and read afterwards what the IdP did.
//!
//! # Layout
//!
//! - [`rule`]: a rule as written (match, action, budget), its validation, rules-file parsing.
//! - [`glob`]: the `*`/`?` globs of `path`, `userName` and `displayName`.
//! - [`budget`]: `times` / `every` / `probability` at run time, with a seeded SplitMix64.
//! - [`set`]: the rules in force, with ids and counters, and the per-request decision.
//! - [`presets`]: the six ready-made rules the UI offers.
//! - [`reaction`]: what the IdP did after a fault, in one sentence.
//!
//! Pure and synchronous: no I/O, no clock, no lock. The SCIM layer owns a [`FaultSet`] (behind
//! a mutex of its choosing), asks [`FaultSet::decide`] on each request and carries out the
//! [`FaultAction`]; the admin API edits the set and lists it. Imports `model` only (the layering
//! test holds it to that), so it can be tested, and reused, without the server.

pub mod budget;
pub mod glob;
pub mod presets;
pub mod reaction;
pub mod rule;
pub mod set;

pub use budget::DEFAULT_SEED;
pub use budget::fires_on_match;
pub use glob::{Glob, GlobError};
pub use presets::{FaultPreset, presets};
pub use reaction::{Reaction, ReactionKind, reaction};
pub use rule::{FaultAction, FaultMatch, FaultRule, FaultRuleError, parse_rules, validate_rules};
pub use set::{Candidate, Decision, FaultRuleView, FaultSet, RequestFacts};

#[cfg(test)]
mod tests;
