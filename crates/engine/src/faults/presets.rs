//! The ready-made fault rules the UI offers, each a rehearsal of one thing an app does to an
//! IdP (idp-traffic.md §9: what Entra ID and Okta do after errors).
//!
//! Owns their wording: a title, and one sentence saying what the IdP will see. Each preset is an
//! ordinary [`FaultRule`] (validated by the tests) that the admin adds like any other.

use super::rule::{FaultAction, FaultMatch, FaultRule};
use crate::model::{Idp, OperationKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A ready-made rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FaultPreset {
    /// Stable id, kebab-case (`entra-escrow`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// What the IdP will see, in one sentence.
    pub description: String,
    /// The rule it adds.
    pub rule: FaultRule,
}

fn rule(name: &str, r#match: FaultMatch, action: FaultAction) -> FaultRule {
    FaultRule {
        name: name.to_owned(),
        r#match,
        action,
        times: None,
        every: None,
        probability: None,
        seed: None,
        enabled: true,
    }
}

fn preset(id: &str, title: &str, description: &str, rule: FaultRule) -> FaultPreset {
    FaultPreset {
        id: id.to_owned(),
        title: title.to_owned(),
        description: description.to_owned(),
        rule,
    }
}

/// The six presets, in the order the UI shows them.
pub fn presets() -> Vec<FaultPreset> {
    let creates = FaultMatch {
        operation: Some(OperationKind::Create),
        ..FaultMatch::default()
    };
    vec![
        preset(
            "entra-escrow",
            "Entra escrow rehearsal",
            "Entra ID gets a 500 when it creates a user whose userName starts with escrow-, so you can watch it hold the user in escrow and retry on a later cycle.",
            rule(
                "Entra escrow rehearsal",
                FaultMatch {
                    idp: Some(Idp::Entra),
                    operation: Some(OperationKind::Create),
                    user_name: Some("escrow-*".to_owned()),
                    ..FaultMatch::default()
                },
                FaultAction {
                    status: Some(500),
                    detail: Some("rehearsed failure (ScimLab fault rule)".to_owned()),
                    ..FaultAction::default()
                },
            ),
        ),
        preset(
            "throttled-app",
            "Throttled app",
            "The IdP's next three requests are answered 429 Too Many Requests with Retry-After: 2, so you can see whether it waits before trying again.",
            FaultRule {
                times: Some(3),
                ..rule(
                    "Throttled app",
                    FaultMatch::default(),
                    FaultAction {
                        status: Some(429),
                        retry_after: Some(2),
                        detail: Some("too many requests (ScimLab fault rule)".to_owned()),
                        ..FaultAction::default()
                    },
                )
            },
        ),
        preset(
            "duplicate-user",
            "Duplicate user",
            "Every user create is answered 409 uniqueness, as if the userName were taken, so you can see whether the IdP matches the existing user or stops.",
            rule(
                "Duplicate user",
                creates.clone(),
                FaultAction {
                    status: Some(409),
                    scim_type: Some("uniqueness".to_owned()),
                    detail: Some("userName is already taken (ScimLab fault rule)".to_owned()),
                    ..FaultAction::default()
                },
            ),
        ),
        preset(
            "slow-app",
            "Slow app",
            "Every request is answered 3 seconds late, so you can see how the IdP copes with a slow app.",
            rule(
                "Slow app",
                FaultMatch::default(),
                FaultAction {
                    delay_ms: Some(3000),
                    ..FaultAction::default()
                },
            ),
        ),
        preset(
            "no-answer",
            "No answer",
            "Every user create gets no answer at all (the connection is closed), so you can see what the IdP does when it cannot know whether the user was created.",
            rule(
                "No answer",
                creates,
                FaultAction {
                    drop: true,
                    ..FaultAction::default()
                },
            ),
        ),
        preset(
            "strict-app",
            "Strict app",
            "Every request is answered as a strict SCIM app would, refusing the quirks ScimLab normally tolerates, so you can see which requests a strict app would fail.",
            rule(
                "Strict app",
                FaultMatch::default(),
                FaultAction {
                    strict: true,
                    ..FaultAction::default()
                },
            ),
        ),
    ]
}
