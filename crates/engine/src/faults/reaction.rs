//! What the IdP did after a fault: the point of a rehearsal. Did it retry, look the user up
//! first, wait as Retry-After asked, or give up?
//!
//! Owns the reading of the traffic that followed a faulted exchange, and the one sentence that
//! tells it (`Entra ID retried the create 41 s later and got 201.`). Pure: it reads the faulted
//! [`ExchangeSummary`], the `Retry-After` the fault answered, and the later exchanges from the
//! same IdP, oldest first; the caller filters by IdP and decides how far to look.
//!
//! Which later exchanges are about the faulted user (or group): one with the same resource id
//! (stored, or in its path), the same name (stored, or the value of a `filter=… eq "…"` lookup,
//! ignoring case). A later exchange that names no resource at all (a create refused 409 carries
//! none) counts when it repeats the faulted request (same method, path and operation) right
//! after one that is about the user: the lookup-then-create both IdPs send, or an immediate
//! retry. A faulted exchange that itself names no user (the SCIM layer could not say whose
//! create failed) has only one clue left: the first later request of the same method, path and
//! operation is taken as its retry, and the sentence says so. The caller gets better answers by
//! filling `resource_name` of the faulted summary with the userName the fault matched.
//!
//! Times come from the exchanges' `at` (arrival, milliseconds); a retry's wait is counted from
//! when the fault was answered (`at` + `latency_ms`), as Retry-After is.

use crate::model::{ExchangeSummary, Idp, OperationKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Timestamps have millisecond resolution and the answer's time is estimated from the latency:
/// a retry this much early still honours Retry-After.
const RETRY_AFTER_SLACK_MS: i64 = 50;
/// Entra ID's incremental cycle, roughly (idp-traffic.md §10): a failed user is retried on a
/// later cycle, so "did not retry" is not final before one has passed.
const ENTRA_CYCLE_MS: i64 = 40 * 60 * 1000;

/// What the IdP did after a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ReactionKind {
    /// It sent the same operation for the same user again.
    Retried,
    /// It looked the user up (a filter lookup or a read), then sent the operation again.
    LookedUpThenRetried,
    /// After a failed create, it looked the user up, found the user (the create had been
    /// written after all) and carried on with that user instead of creating it again.
    MatchedExisting,
    /// Later traffic arrived, and none of it retried the operation.
    GaveUp,
    /// Nothing arrived from this IdP after the fault (yet).
    NoTrafficYet,
}

/// What the IdP did after a fault, told in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Reaction {
    /// What it did.
    pub kind: ReactionKind,
    /// Milliseconds from the fault's answer to the IdP's next request about the user (the
    /// lookup when it looked up first, else the retry); null when it did not come back.
    #[ts(type = "number | null")]
    pub retried_after_ms: Option<i64>,
    /// Whether it waited at least the Retry-After asked for; null without a Retry-After or
    /// without a return.
    pub honoured_retry_after: Option<bool>,
    /// The reaction in plain words, e.g. `Entra ID retried the create 41 s later and got 201.`
    pub sentence: String,
}

/// "Entra ID", "Okta" or "the client".
fn who(idp: Idp) -> &'static str {
    match idp {
        Idp::Entra => "Entra ID",
        Idp::Okta => "Okta",
        Idp::Other => "the client",
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

fn article(word: &str) -> &'static str {
    // "a userName", "a unique …" but "an update", "an externalId".
    if word.starts_with(['a', 'e', 'i', 'o'])
        || (word.starts_with('u') && !word.starts_with("us") && !word.starts_with("uni"))
    {
        "an"
    } else {
        "a"
    }
}

/// A duration for people: `0.4 s`, `2.1 s`, `41 s`, `38 min`, `2.5 h`.
fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    #[allow(clippy::cast_precision_loss)]
    let secs = ms as f64 / 1000.0;
    if ms < 10_000 {
        format!("{secs:.1} s")
    } else if ms < 120_000 {
        format!("{secs:.0} s")
    } else if ms < 7_200_000 {
        format!("{:.0} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 time.
fn epoch_ms(at: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// When the fault was answered: arrival plus latency.
fn answered_ms(ex: &ExchangeSummary) -> Option<i64> {
    // Latencies are milliseconds well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let latency = ex.latency_ms.max(0.0).round() as i64;
    epoch_ms(&ex.at).map(|t| t + latency)
}

/// The id in a resource path (`/scim/v2/Users/abc` → `abc`).
fn id_in_path(path: &str) -> Option<&str> {
    let mut segments = path.trim_end_matches('/').rsplit('/');
    let id = segments.next()?;
    let endpoint = segments.next()?;
    (matches!(endpoint, "Users" | "Groups") && !id.is_empty()).then_some(id)
}

/// The attribute and value of a `filter=<attr> eq <value>` query, decoded and unquoted.
fn filter_eq(query: &str) -> Option<(String, String)> {
    let filter = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("filter"))?
        .1;
    let filter = filter.trim();
    let (attr, rest) = filter.split_once(char::is_whitespace)?;
    let (op, value) = rest.trim_start().split_once(char::is_whitespace)?;
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    Some((attr.to_owned(), value.to_owned()))
}

/// Whether two names are the same ignoring case (SCIM userName and displayName are
/// case-insensitive).
fn same_text(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// Who the faulted exchange was about.
struct Target<'a> {
    faulted: &'a ExchangeSummary,
    id: Option<&'a str>,
    name: Option<&'a str>,
}

impl<'a> Target<'a> {
    fn of(faulted: &'a ExchangeSummary) -> Self {
        Self {
            faulted,
            id: faulted
                .resource_id
                .as_deref()
                .or_else(|| id_in_path(&faulted.path)),
            name: faulted.resource_name.as_deref(),
        }
    }

    fn names_nobody(&self) -> bool {
        self.id.is_none() && self.name.is_none()
    }

    /// Whether `ex` names the target's id or name.
    fn named_by(&self, ex: &ExchangeSummary) -> bool {
        let id = ex.resource_id.as_deref().or_else(|| id_in_path(&ex.path));
        let same_id = self.id.is_some() && id == self.id;
        let same_name = self.name.is_some_and(|n| {
            ex.resource_name.as_deref().is_some_and(|r| same_text(r, n))
                || filter_eq(&ex.query).is_some_and(|(_, v)| same_text(&v, n))
        });
        same_id || same_name
    }

    /// Whether `ex` names no resource at all.
    fn anonymous(ex: &ExchangeSummary) -> bool {
        ex.resource_id.is_none()
            && ex.resource_name.is_none()
            && id_in_path(&ex.path).is_none()
            && filter_eq(&ex.query).is_none()
    }

    /// Whether `ex` is the faulted request again (same method, path and operation).
    fn repeats(&self, ex: &ExchangeSummary) -> bool {
        ex.operation == self.faulted.operation
            && ex.method.eq_ignore_ascii_case(&self.faulted.method)
            && ex.path == self.faulted.path
    }

    /// Whether `ex` retries the faulted operation (given that it is about the target).
    fn retries(&self, ex: &ExchangeSummary) -> bool {
        ex.operation == self.faulted.operation
            || (ex.method.eq_ignore_ascii_case(&self.faulted.method)
                && ex.path == self.faulted.path)
    }

    /// The later exchanges about the target, in order (see the module header).
    fn about(&self, following: &'a [ExchangeSummary]) -> Vec<&'a ExchangeSummary> {
        if self.names_nobody() {
            return following
                .iter()
                .filter(|ex| !ex.is_fold())
                .find(|ex| self.repeats(ex))
                .into_iter()
                .collect();
        }
        let mut out = Vec::new();
        let mut previous_about = true;
        for ex in following.iter().filter(|ex| !ex.is_fold()) {
            let about =
                self.named_by(ex) || (previous_about && Self::anonymous(ex) && self.repeats(ex));
            if about {
                out.push(ex);
            }
            previous_about = about;
        }
        out
    }
}

fn is_lookup(op: OperationKind) -> bool {
    matches!(op, OperationKind::MatchLookup | OperationKind::Read)
}

/// "a userName lookup", "an externalId lookup", "a read of the user".
fn lookup_words(ex: &ExchangeSummary, thing: &str) -> String {
    if ex.operation == OperationKind::Read {
        return format!("a read of the {thing}");
    }
    match filter_eq(&ex.query) {
        Some((attr, _)) => format!("{} {attr} lookup", article(&attr.to_lowercase())),
        None => "a lookup".to_owned(),
    }
}

/// What a lookup found.
fn finding(lookup: &ExchangeSummary, faulted: &ExchangeSummary, thing: &str) -> String {
    let op = faulted.operation.noun().0;
    if lookup.status >= 400 && lookup.status != 404 {
        format!("the lookup failed ({})", lookup.status)
    } else if lookup.resource_id.is_some() && lookup.status < 300 {
        if faulted.resource_id.is_some() && lookup.resource_id == faulted.resource_id {
            format!("it found the {thing} the failed {op} had written")
        } else {
            format!("it found the {thing}")
        }
    } else {
        format!("it found no {thing}")
    }
}

/// What the IdP did after `faulted` (answered with `retry_after` seconds of Retry-After, if
/// any), read from `following`: the later exchanges from the same IdP, oldest first.
pub fn reaction(
    faulted: &ExchangeSummary,
    retry_after: Option<u32>,
    following: &[ExchangeSummary],
) -> Reaction {
    let idp = who(faulted.idp);
    let op = faulted.operation.noun().0;
    let is_group = faulted.resource_type == Some(scimlab_scim::ResourceKind::Group)
        || faulted.operation.as_str().starts_with("group-");
    let thing = if is_group { "group" } else { "user" };
    let answered = answered_ms(faulted);
    let since = |ex: &ExchangeSummary| Some(epoch_ms(&ex.at)? - answered?);
    let entra_later_cycle = || {
        let waited = following.last().and_then(since).unwrap_or(0);
        if faulted.idp == Idp::Entra && waited < ENTRA_CYCLE_MS {
            " Entra ID retries failed users on a later cycle, about 40 minutes apart: look again after its next cycle."
        } else {
            ""
        }
    };

    if following.is_empty() {
        return Reaction {
            kind: ReactionKind::NoTrafficYet,
            retried_after_ms: None,
            honoured_retry_after: None,
            sentence: format!(
                "{} has sent nothing since the failed {op}.{}",
                capitalized(idp),
                entra_later_cycle()
            ),
        };
    }

    let target = Target::of(faulted);
    let about = target.about(following);
    let retry_at = about.iter().position(|ex| target.retries(ex));
    let lookup = about[..retry_at.unwrap_or(about.len())]
        .iter()
        .find(|ex| is_lookup(ex.operation) && !is_lookup(faulted.operation))
        .copied();
    let wait_ms = retry_after.map(|s| i64::from(s) * 1000);
    let honoured = |gap: Option<i64>| Some(gap? + RETRY_AFTER_SLACK_MS >= wait_ms?);
    let retry_after_note = |h: Option<bool>| match (h, retry_after) {
        (Some(true), Some(s)) => {
            format!(" It waited the {s} s the answer asked for (Retry-After honoured).")
        }
        (Some(false), Some(s)) => {
            format!(" The answer asked it to wait {s} s (Retry-After not honoured).")
        }
        _ => String::new(),
    };
    let guess = if target.names_nobody() {
        format!(
            " (The failed {op} named no {thing}, so the first later {op} is taken as its retry.)"
        )
    } else {
        String::new()
    };

    if let Some(r) = retry_at {
        let retry = about[r];
        let retries: Vec<&&ExchangeSummary> =
            about[r..].iter().filter(|ex| target.retries(ex)).collect();
        let last = retries.last().map_or(retry, |ex| **ex);
        let tries = if retries.len() > 1 {
            format!(
                " It tried {} times in all; the last got {}.",
                retries.len(),
                last.status
            )
        } else {
            String::new()
        };
        let written = if faulted.operation == OperationKind::Create
            && faulted.status >= 500
            && retry.status == 409
        {
            format!(": the {thing} was already there, written by the create it took for failed")
        } else {
            String::new()
        };
        let first_contact = lookup.unwrap_or(retry);
        let gap = since(first_contact);
        let h = if retry_after.is_some() {
            honoured(gap)
        } else {
            None
        };
        let (kind, sentence) = match lookup {
            None => {
                let head = match (h, retry_after) {
                    (Some(false), Some(s)) => format!(
                        "{} retried the {op} after {} although the answer asked it to wait {s} s (Retry-After not honoured), and got {}{written}.",
                        capitalized(idp),
                        gap.map_or_else(|| "a while".to_owned(), duration),
                        retry.status
                    ),
                    (Some(true), Some(s)) => format!(
                        "{} waited {} as the answer asked (Retry-After: {s} s), then retried the {op} and got {}{written}.",
                        capitalized(idp),
                        gap.map_or_else(|| "a while".to_owned(), duration),
                        retry.status
                    ),
                    _ => format!(
                        "{} retried the {op} {} and got {}{written}.",
                        capitalized(idp),
                        gap.map_or_else(
                            || "later".to_owned(),
                            |g| format!("{} later", duration(g))
                        ),
                        retry.status
                    ),
                };
                (ReactionKind::Retried, format!("{head}{tries}{guess}"))
            }
            Some(l) => (
                ReactionKind::LookedUpThenRetried,
                format!(
                    "{} sent {} before retrying the {op} (after {}): {}; the retried {op} got {}{written}.{}{tries}",
                    capitalized(idp),
                    lookup_words(l, thing),
                    gap.map_or_else(|| "a while".to_owned(), duration),
                    finding(l, faulted, thing),
                    retry.status,
                    retry_after_note(h)
                ),
            ),
        };
        return Reaction {
            kind,
            retried_after_ms: gap,
            honoured_retry_after: h,
            sentence,
        };
    }

    // No retry. A create whose lookup found the user: the IdP matched it instead.
    if faulted.operation == OperationKind::Create
        && let Some(l) = lookup.filter(|l| l.resource_id.is_some() && l.status < 300)
    {
        let gap = since(l);
        let h = if retry_after.is_some() {
            honoured(gap)
        } else {
            None
        };
        let lookup_pos = about
            .iter()
            .position(|ex| std::ptr::eq(*ex, l))
            .unwrap_or(0);
        let next = about[lookup_pos + 1..]
            .iter()
            .find(|ex| !is_lookup(ex.operation))
            .map(|ex| {
                let noun = ex.operation.noun().0;
                format!(
                    ", sending {} {noun} next (answered {})",
                    article(noun),
                    ex.status
                )
            })
            .unwrap_or_default();
        return Reaction {
            kind: ReactionKind::MatchedExisting,
            retried_after_ms: gap,
            honoured_retry_after: h,
            sentence: format!(
                "{} did not retry the create: {} {} later found the {thing}{}, and it carried on with that {thing}{next}.{}",
                capitalized(idp),
                lookup_words(l, thing),
                gap.map_or_else(|| "a while".to_owned(), duration),
                if l.resource_id == faulted.resource_id {
                    " the failed create had written"
                } else {
                    ""
                },
                retry_after_note(h)
            ),
        };
    }

    let n = following.len();
    let requests = if n == 1 { "request" } else { "requests" };
    let sentence = if about.is_empty() {
        format!(
            "{} did not retry: {n} later {requests}, none for this {thing}.{}",
            capitalized(idp),
            entra_later_cycle()
        )
    } else {
        format!(
            "{} did not retry the {op}: {n} later {requests}, {} for this {thing}, none of them {} {op}.{}",
            capitalized(idp),
            about.len(),
            article(op),
            entra_later_cycle()
        )
    };
    Reaction {
        kind: ReactionKind::GaveUp,
        retried_after_ms: None,
        honoured_retry_after: None,
        sentence,
    }
}
