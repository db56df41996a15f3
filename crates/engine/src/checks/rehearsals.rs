//! `faults.reactions`: what the IdP did after each rehearsed fault (a fault rule's answer) —
//! retried, looked the user up first, carried on with the user a failed create had written,
//! gave up — and whether it waited as `Retry-After` asked. Shown only once a rule has answered
//! this IdP (a checklist without rehearsals has no such line).
//!
//! Faulted exchanges are ScimLab's doing, not the setup's, so the other rules (`answers.ok`, the
//! dialect items) leave them out; this item is where they count. It passes when the IdP reacted
//! as a provisioning client should and warns when it retried sooner than `Retry-After` asked or
//! gave up on a write: the app must then expect the same in production.

use super::traffic::{count, list};
use super::{Check, CheckInput, CheckItem};
use crate::faults::{ReactionKind, reaction};
use crate::model::{Exchange, ExchangeSummary};

/// Later requests read to tell what the IdP did after one fault.
const FOLLOWING: usize = 500;

const CHECK: Check = Check::new(
    "faults.reactions",
    "how the IdP reacted to rehearsed faults",
);

/// Whether `e` was answered by a fault rule.
pub(crate) fn rehearsed(e: &Exchange) -> bool {
    e.summary.fault.is_some()
}

/// The item, or `None` when no fault rule answered this IdP.
pub(super) fn reactions(input: &CheckInput<'_>) -> Option<CheckItem> {
    let traffic: Vec<&Exchange> = input.traffic().collect();
    let faulted: Vec<(usize, &Exchange)> = traffic
        .iter()
        .enumerate()
        .filter(|(_, e)| rehearsed(e))
        .map(|(i, e)| (i, *e))
        .collect();
    if faulted.is_empty() {
        return None;
    }
    let mut sentences = Vec::new();
    let mut impatient = Vec::new();
    let mut gave_up = Vec::new();
    // One copy of the summaries; each fault reads at most FOLLOWING of them after it.
    let summaries: Vec<ExchangeSummary> = traffic.iter().map(|x| x.summary.clone()).collect();
    for (i, e) in &faulted {
        let end = (i + 1 + FOLLOWING).min(summaries.len());
        let following = &summaries[i + 1..end];
        let retry_after = e.summary.fault.as_ref().and_then(|f| f.retry_after);
        let r = reaction(&e.summary, retry_after, following);
        if r.honoured_retry_after == Some(false) {
            impatient.push(e.summary.id);
        }
        if r.kind == ReactionKind::GaveUp && super::answers::is_write(e.summary.operation) {
            gave_up.push(e.summary.id);
        }
        sentences.push(r.sentence);
    }
    let who = super::idp_name(input.idp);
    let summary = format!(
        "{} answered by a fault rule: {}",
        count(faulted.len(), "request", "requests"),
        list(&sentences, 4)
    );
    let evidence = faulted.iter().map(|(_, e)| e.summary.id);
    Some(if !impatient.is_empty() {
        CHECK.warn(
            summary,
            evidence,
            format!(
                "{who} retried sooner than Retry-After asked: if the app throttles in production, expect it to be hit again at once (answer 429 with a Retry-After it honours, or absorb the retries)"
            ),
        )
    } else if !gave_up.is_empty() {
        CHECK.warn(
            summary,
            evidence,
            format!(
                "{who} did not retry a failed write: the user stays as it was in the app until the next change or a restart of provisioning; make the app's errors temporary (5xx, 429) only when a retry can succeed"
            ),
        )
    } else {
        CHECK.pass(summary, evidence)
    })
}
