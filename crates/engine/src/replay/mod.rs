//! Replay: send exchanges captured here to another SCIM app (a customer's staging app, a
//! colleague's ScimLab) in their original order, as the IdP sent them, and judge every answer.
//!
//! - [`select`] reads the exchanges a [`ReplaySelection`] names from the store (authenticated
//!   ones only, oldest first): an IdP, one user's whole timeline, a time or id range, writes only,
//!   or exact ids (the UI's selection).
//! - [`run`] sends them through the simulator's client (`simulate::runner`: rate limit,
//!   `Retry-After` handling, the token kept out of every message) with each request's own
//!   headers, after [`rewrite`]: ScimLab's resource ids become the target's (learned from its
//!   answers to the replayed creates and lookups), redacted passwords become generated ones.
//!   Each answer is judged by [`plan`]: the IdP's expectation (the simulator's verdicts and
//!   wording), the same outcome where ScimLab refused, the attributes read back against
//!   ScimLab's answer; a step a fault rule answered originally is judged by the IdP's
//!   expectation alone, and says so.
//!
//! Imports `store` (the selection), `simulate` (client and verdicts) and `model`.

pub mod plan;
pub mod rewrite;

use crate::model::{Exchange, Idp, OperationKind};
use crate::simulate::report::StepResult;
use crate::simulate::runner::{ClientError, Request, Run, RunConfig, Stop};
use crate::simulate::{Outcome, Progress, RetryPolicy, Target, Verdict};
use crate::store::exchanges::ExchangeRange;
use crate::store::prelude::*;
use crate::store::resources::IndexHint;
use crate::store::{Conn, StoreError};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use scimlab_scim::ResourceKind;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::watch;
use ts_rs::TS;

/// Most exchanges one replay sends.
pub const MAX_REPLAY: i64 = 100_000;

/// Operations that change the app's data (`--writes-only`).
pub const WRITES: &[OperationKind] = &[
    OperationKind::Create,
    OperationKind::Update,
    OperationKind::Deactivate,
    OperationKind::Reactivate,
    OperationKind::Delete,
    OperationKind::GroupCreate,
    OperationKind::GroupUpdate,
    OperationKind::GroupMembership,
    OperationKind::GroupDelete,
];

/// Which captured exchanges to replay. Empty: everything captured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplaySelection {
    /// Only this IdP's requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub idp: Option<Idp>,
    /// One user's whole timeline, by userName (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user: Option<String>,
    /// From this time on (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub since: Option<String>,
    /// Up to this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub until: Option<String>,
    /// From this exchange id on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub from_id: Option<i64>,
    /// Up to this exchange id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub to_id: Option<i64>,
    /// Only requests that change data (creates, updates, (de)activations, deletes, groups).
    #[serde(default)]
    pub writes_only: bool,
    /// Exactly these exchanges (the UI's selection).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, type = "Array<number>")]
    pub ids: Vec<i64>,
}

/// How a replay runs.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Requests per second (0: no limit).
    pub rate: f64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// 429 handling.
    pub retry: RetryPolicy,
    /// Rewrite and list the requests without sending them.
    pub dry_run: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        Self {
            rate: 0.0,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            dry_run: false,
        }
    }
}

/// One replayed exchange and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplayStep {
    /// The request as sent (path relative to the target's base) and its verdict.
    #[serde(flatten)]
    pub step: StepResult,
    /// The captured exchange.
    #[ts(type = "number")]
    pub exchange_id: i64,
    /// What ScimLab answered it (`0`: no answer).
    pub original_status: u16,
    /// The fault rule that answered it here, if one did (then only the IdP's expectation
    /// judges the target's answer).
    pub original_fault: Option<String>,
    /// What was rewritten, in words.
    pub rewritten: Vec<String>,
    /// What could not be rewritten (sent as captured, or not sent), in words.
    pub not_rewritten: Vec<String>,
}

/// The end of a replay.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplaySummary {
    /// The target's base URL.
    pub target: String,
    /// What was selected.
    pub selection: ReplaySelection,
    /// Exchanges selected.
    pub selected: u32,
    /// Whether it was a dry run (nothing sent).
    pub dry_run: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it was cancelled or abandoned.
    pub stop_reason: Option<String>,
    /// Steps recorded.
    pub steps: u32,
    /// Steps that passed.
    pub passed: u32,
    /// Steps that failed.
    pub failed: u32,
    /// Steps not sent: a dry run's, a write a fault refused here (the faithful replay), or what
    /// could not be sent (an id with no counterpart, a body cut at capture or not json; these
    /// fail the replay).
    pub skipped: u32,
    /// `429` answers received.
    pub throttled: u32,
    /// Time waited on `429`s, in milliseconds.
    #[ts(type = "number")]
    pub waited_ms: u64,
    /// Wall-clock duration, in milliseconds.
    pub duration_ms: f64,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// Ids of the target learned (ScimLab's → the target's).
    pub ids_mapped: u32,
    /// The first failed steps (at most 20).
    pub failures: Vec<ReplayStep>,
}

/// A finished replay.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReplayReport {
    /// The summary.
    pub summary: ReplaySummary,
    /// Every step, in order.
    pub steps: Vec<ReplayStep>,
}

impl ReplayReport {
    /// Whether every step passed (the CLI exits 0 only then).
    pub fn all_passed(&self) -> bool {
        self.summary.outcome == Outcome::Passed
    }
}

/// Why a replay could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The selection names something wrong.
    #[error("{0}")]
    Selection(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The http client could not be built.
    #[error(transparent)]
    Client(#[from] ClientError),
}

fn stamp(field: &str, value: &str) -> Result<String, ReplayError> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .map_err(|e| {
            ReplayError::Selection(format!(
                "{field} '{value}' is not an rfc 3339 time ({e}): write it like 2026-12-06T14:00:00Z"
            ))
        })
}

/// The exchanges `sel` names, oldest first.
pub async fn select(conn: &mut Conn, sel: &ReplaySelection) -> Result<Vec<Exchange>, ReplayError> {
    let mut range = ExchangeRange {
        idp: sel.idp,
        since: sel
            .since
            .as_deref()
            .map(|t| stamp("since", t))
            .transpose()?,
        until: sel
            .until
            .as_deref()
            .map(|t| stamp("until", t))
            .transpose()?,
        from_id: sel.from_id,
        to_id: sel.to_id,
        ids: sel.ids.clone(),
        operations: if sel.writes_only {
            WRITES.to_vec()
        } else {
            Vec::new()
        },
        limit: MAX_REPLAY,
        ..ExchangeRange::default()
    };
    if let Some(name) = sel.user.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        let found = conn
            .lookup_resources(ResourceKind::User, &IndexHint::Name(name.to_owned()))
            .await?;
        // A deleted user is still in the capture log by its id: find it there.
        let mut ids: Vec<String> = found.into_iter().map(|r| r.id.into_string()).collect();
        if ids.is_empty() {
            ids = conn
                .exchanges_in_range(&ExchangeRange {
                    resource_names: vec![name.to_owned()],
                    limit: MAX_REPLAY,
                    ..ExchangeRange::default()
                })
                .await?
                .into_iter()
                .filter_map(|e| e.summary.resource_id)
                .collect();
            ids.sort();
            ids.dedup();
        }
        range.resource_ids = ids;
        range.resource_names = vec![name.to_owned()];
    }
    Ok(conn.exchanges_in_range(&range).await?)
}

/// What sees each step as it completes (with the progress so far).
pub type OnReplayStep<'a> = dyn FnMut(&ReplayStep, &Progress) + Send + 'a;

fn header_map(pairs: &[(String, String)]) -> (HeaderMap, String) {
    let mut map = HeaderMap::new();
    let mut content_type = "application/scim+json".to_owned();
    for (k, v) in pairs {
        if k.eq_ignore_ascii_case("content-type") {
            v.clone_into(&mut content_type);
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            map.append(name, value);
        }
    }
    (map, content_type)
}

/// The id in `/Users/{id}` / `/Groups/{id}`, if the path has one.
fn path_id(path: &str) -> Option<String> {
    let relative = rewrite::relative_path(path)?;
    let mut parts = relative.split('/').skip(1);
    let kind = parts.next()?;
    let id = parts.next()?;
    (matches!(kind, "Users" | "Groups") && id != ".search").then(|| id.to_owned())
}

/// ScimLab's id that the target's answer to `e` can be mapped from: a create's id, or the one
/// resource a match lookup found here.
fn learnable_id(e: &Exchange) -> Option<String> {
    let s = &e.summary;
    match s.operation {
        OperationKind::Create | OperationKind::GroupCreate => {
            plan::answered_id(e.response_body.as_deref()).or_else(|| s.resource_id.clone())
        }
        OperationKind::MatchLookup => plan::answered_id(e.response_body.as_deref()),
        _ => None,
    }
}

/// Find the resource `e` is about on the target by its name (`userName eq` / `displayName eq`),
/// as a recorded step; its id there, if exactly one answered.
async fn find_on_target(run: &mut Run<'_>, e: &Exchange) -> Option<String> {
    let s = &e.summary;
    let name = s.resource_name.clone()?;
    let (endpoint, attr) = if s.path.contains("/Groups") {
        ("Groups", "displayName")
    } else {
        ("Users", "userName")
    };
    let filter = format!(
        "{attr} eq \"{}\"",
        name.replace('\\', "\\\\").replace('"', "\\\"")
    );
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", &filter)
        .finish();
    let sent = run
        .step(Request {
            name: format!(
                "#{} find {name} on the target (created outside the selection)",
                s.id
            ),
            method: "GET",
            path: format!("/{endpoint}?{query}"),
            body: None,
            expect: crate::simulate::verdict::Expect::Lookup {
                attr,
                value: name.clone(),
            },
            hint: None,
        })
        .await?;
    match sent.found {
        Some(crate::simulate::verdict::Found::One(id, _)) => Some(id),
        _ => None,
    }
}

/// The target as shown in reports, events and logs: its query's values hidden (a function key
/// such as `?code=…` is a secret), a bare flag such as `?aadOptscim062020` kept.
pub fn shown_target(target: &Target) -> String {
    match &target.base_query {
        Some(q) if q.contains('=') => format!("{}?[query hidden]", target.base_url),
        Some(q) => format!("{}?{q}", target.base_url),
        None => target.base_url.clone(),
    }
}

fn new_password() -> String {
    let mut bytes = [0u8; 24];
    // getrandom only fails without an OS random source; a fixed password is then still valid.
    let _ = getrandom::fill(&mut bytes);
    rewrite::password_from(&bytes)
}

/// Replay `exchanges` (oldest first) against `target`. Every step is passed to `on_step` as it
/// completes; the run stops between steps once `cancel` turns `true`.
pub async fn run(
    options: &ReplayOptions,
    selection: ReplaySelection,
    exchanges: Vec<Exchange>,
    target: Target,
    cancel: watch::Receiver<bool>,
    on_step: &mut OnReplayStep<'_>,
) -> Result<ReplayReport, ReplayError> {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let started = tokio::time::Instant::now();
    let display_target = shown_target(&target);
    let selected = exchanges.len() as u32;
    let mut steps: Vec<ReplayStep> = Vec::new();
    // The runner calls back with its StepResult; the replay's own record is built after.
    let mut noop = |_: &StepResult, _: &Progress| {};
    let mut run = Run::new(
        RunConfig {
            target,
            headers: HeaderMap::new(),
            content_type: "application/scim+json",
            judge: crate::simulate::verdict::Judge::Okta,
            rate: options.rate,
            timeout: options.timeout,
            retry: options.retry,
            unreachable_hint: None,
            estimated_total: selected,
        },
        cancel,
        &mut noop,
    )?;
    let mut ids = rewrite::IdMap::default();
    let mut unsendable = 0u32;
    for e in &exchanges {
        if run.stopped() {
            break;
        }
        let s = &e.summary;
        run.phase(&format!("{} · {}", s.idp.as_str(), s.operation.noun().1));
        let before = run.steps.len();
        let mut rewritten = rewrite::rewrite(
            &s.path,
            &s.query,
            e.request_body.as_deref(),
            &ids,
            &mut new_password,
        );
        let planned_first = plan::plan(e, None);
        // An id the selection never mapped (its create is outside it): find the resource on the
        // target by its name, as the IdP itself would.
        if rewritten.unsendable.is_some()
            && planned_first.skip.is_none()
            && !options.dry_run
            && let Some(found) = find_on_target(&mut run, e).await
        {
            if let Some(ours) = path_id(&s.path) {
                ids.learn_if_new(&ours, &found);
            }
            rewritten = rewrite::rewrite(
                &s.path,
                &s.query,
                e.request_body.as_deref(),
                &ids,
                &mut new_password,
            );
        }
        let read_id = rewritten
            .path
            .split('?')
            .next()
            .and_then(|p| p.split('/').nth(2))
            .map(str::to_owned);
        let planned = plan::plan(e, read_id.as_deref());
        let (headers, dropped) = rewrite::headers(&e.request_headers);
        let mut not_rewritten = rewritten.missing.clone();
        not_rewritten.extend(dropped);
        let body_unreadable = e
            .request_body
            .as_deref()
            .is_some_and(|b| !b.trim().is_empty())
            && rewritten.body.is_none();
        let blocked = planned
            .skip
            .clone()
            .or_else(|| {
                rewritten
                    .unsendable
                    .clone()
                    .map(|u| format!("not sent: {u}"))
            })
            .or_else(|| {
                body_unreadable.then(|| {
                    "not sent: its body is not json, so it cannot be rewritten (ids, passwords)"
                        .to_owned()
                })
            });
        if blocked.is_some() && !planned.skip_is_faithful {
            unsendable += 1;
        }
        let skip = blocked.or_else(|| {
            options
                .dry_run
                .then(|| format!("dry run: would send {} {}", s.method, rewritten.path))
        });
        if let Some(why) = skip {
            run.skip(planned.name.clone(), &s.method, rewritten.path.clone(), why);
            // A dry run learns a placeholder for what a create or a lookup would map.
            if options.dry_run
                && let Some(ours) = learnable_id(e)
            {
                ids.learn_if_new(&ours, &format!("target-id-of-{}", s.id));
            }
        } else {
            let (map, content_type) = header_map(&headers);
            run.set_headers(map, &content_type);
            run.set_judge(planned.judge);
            let original_body = e.response_body.clone();
            let compare = (200..300).contains(&s.status) && s.fault.is_none();
            let sent = run
                .step_checked(
                    Request {
                        name: planned.name.clone(),
                        method: &s.method,
                        path: rewritten.path.clone(),
                        body: rewritten.body.clone(),
                        expect: planned.expect.clone(),
                        hint: planned.hint.as_deref(),
                    },
                    |answer| {
                        compare
                            .then(|| plan::read_back_difference(original_body.as_deref(), answer))
                            .flatten()
                    },
                )
                .await;
            // Learn the target's ids: from a create's answer, or from a match lookup's single
            // result (never from a list that happens to hold one resource).
            if let Some(sent) = &sent
                && sent.status.is_some_and(|c| (200..300).contains(&c))
                && let Some(ours) = learnable_id(e)
            {
                match s.operation {
                    OperationKind::Create | OperationKind::GroupCreate => {
                        if let Some(theirs) = sent.id() {
                            ids.learn(&ours, &theirs);
                        }
                    }
                    _ => {
                        if let Some(crate::simulate::verdict::Found::One(theirs, _)) = &sent.found {
                            ids.learn_if_new(&ours, theirs);
                        }
                    }
                }
            }
        }
        if let Some(step) = run.steps.get(before..) {
            for (k, step) in step.iter().cloned().enumerate() {
                let mut step = step;
                let last = before + k + 1 == run.steps.len();
                if last
                    && step.verdict != Verdict::Skipped
                    && let Some(rule) = &planned.fault_rule
                {
                    let note = format!(
                        "ScimLab answered this with fault rule \"{rule}\"; judged by what the idp expects alone"
                    );
                    step.explanation = Some(match step.explanation {
                        Some(x) => format!("{note}; {x}"),
                        None => note,
                    });
                }
                let replayed = ReplayStep {
                    step,
                    exchange_id: s.id,
                    original_status: s.status,
                    original_fault: planned.fault_rule.clone().filter(|_| last),
                    rewritten: if last {
                        rewritten.changes.clone()
                    } else {
                        Vec::new()
                    },
                    not_rewritten: if last {
                        not_rewritten.clone()
                    } else {
                        Vec::new()
                    },
                };
                on_step(&replayed, &run.progress());
                steps.push(replayed);
            }
        }
    }
    run.stopped();
    let count = |v: Verdict| steps.iter().filter(|s| s.step.verdict == v).count() as u32;
    let (passed, failed, skipped) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Skipped),
    );
    let (outcome, stop_reason) = match &run.stop {
        Some(Stop::Cancelled) => (Outcome::Cancelled, Some("cancelled".to_owned())),
        Some(Stop::Aborted(why)) => (Outcome::Aborted, Some(why.clone())),
        None if failed == 0 && unsendable == 0 => (Outcome::Passed, None),
        None => (Outcome::Failed, None),
    };
    let summary = ReplaySummary {
        target: display_target,
        selection,
        selected,
        dry_run: options.dry_run,
        outcome,
        stop_reason,
        steps: steps.len() as u32,
        passed,
        failed,
        skipped,
        throttled: run.throttled,
        waited_ms: run.waited.as_millis() as u64,
        duration_ms: (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
        started_at,
        ids_mapped: ids.len() as u32,
        failures: steps
            .iter()
            .filter(|s| s.step.verdict == Verdict::Fail)
            .take(crate::simulate::report::MAX_FAILURES_IN_SUMMARY)
            .cloned()
            .collect(),
    };
    Ok(ReplayReport { summary, steps })
}
