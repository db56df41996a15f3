//! The picture of provisioning: requests per time bucket by outcome, and the IdP's cycles.
//!
//! Owns the detection of cycles from captured traffic, so Traffic can say "cycle at 14:02 — 37
//! creates, 3 updates, 2 failed" instead of showing 42 rows. Pure: it reads [`Outline`] rows
//! (id, time, IdP, operation, status, fold count: what the store keeps per exchange) and no I/O.
//!
//! A *cycle* is a run of one IdP's requests with no pause longer than [`CYCLE_GAP_SECS`]
//! between two of them. Entra ID's provisioning service works in cycles (an initial one, then an
//! incremental one about every 40 minutes, each a burst of match lookups and writes), Okta pushes
//! each change as it happens (a burst per push); either way the burst is what the admin thinks of
//! as "what the IdP just did". A run made only of connection probes is the IdP's connection test.
//!
//! The build reads [`Point`]s (an outline in 32 bytes, its time as integers) in time order, in
//! one pass ([`build_ordered`]): a kept window of the newest exchanges holds them so, and
//! [`build`] turns any rows into them and sorts them first.
//!
//! Imports `model` only.

use crate::model::{Idp, OperationKind};
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Most exchanges a timeline pictures (the newest ones).
pub const TIMELINE_EXCHANGES: i64 = 100_000;
/// Longest pause inside one cycle (seconds). Entra sends a cycle's requests back to back
/// (a few per second per user); Okta a push's within seconds.
pub const CYCLE_GAP_SECS: i64 = 90;
/// Most buckets a timeline has (the bucket width grows to keep within it).
pub const MAX_BUCKETS: i64 = 120;
/// Bucket widths tried, in minutes, smallest first.
const WIDTHS: [i64; 10] = [1, 2, 5, 10, 15, 30, 60, 120, 360, 1440];

/// What the timeline reads of one stored exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// Exchange id.
    pub id: i64,
    /// Arrival time.
    pub at: DateTime<Utc>,
    /// Detected IdP.
    pub idp: Idp,
    /// Operation kind.
    pub operation: OperationKind,
    /// Status answered.
    pub status: u16,
    /// Requests this row stands for (a fold of rejected requests: more than one).
    pub requests: i64,
    /// Whether it is a fold of requests refused for want of a valid key.
    pub rejected: bool,
}

/// Requests of one time bucket, by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineBucket {
    /// Start of the bucket (RFC 3339, UTC).
    pub at: String,
    /// Answered 2xx or 3xx.
    pub ok: u32,
    /// Answered 4xx with the key accepted (invalid requests, strict refusals, conflicts…).
    pub client_error: u32,
    /// Answered 5xx.
    pub server_error: u32,
    /// Refused for want of a valid key, or at a wrong URL without one (401, 404, 405).
    pub refused: u32,
}

/// What a detected cycle was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum CycleKind {
    /// An Entra ID provisioning cycle (initial, incremental or on demand).
    Cycle,
    /// An Okta push (a create, a profile push, a deactivation…).
    Push,
    /// Only connection probes: the IdP's connection test.
    ConnectionTest,
    /// A burst of requests from another client.
    Burst,
}

/// Requests of one operation within a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OperationCount {
    /// The operation.
    pub operation: OperationKind,
    /// Requests of it.
    pub count: u32,
    /// Of which failed (status 400 or more).
    pub failed: u32,
}

/// One detected cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    /// Whose.
    pub idp: Idp,
    /// What it was.
    pub kind: CycleKind,
    /// First request (RFC 3339, UTC).
    pub start: String,
    /// Last request (RFC 3339, UTC).
    pub end: String,
    /// Requests in it.
    pub requests: u32,
    /// Of which failed (status 400 or more).
    pub failed: u32,
    /// Per operation, most requests first.
    pub operations: Vec<OperationCount>,
    /// Id of its first exchange.
    #[ts(type = "number")]
    pub first_id: i64,
    /// Id of its last exchange.
    #[ts(type = "number")]
    pub last_id: i64,
    /// In words, e.g. "37 creates, 3 updates, 2 failed".
    pub summary: String,
}

/// `GET /api/timeline`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    /// Width of each bucket, in minutes.
    pub bucket_minutes: u32,
    /// Consecutive buckets from the first exchange to the last (empty ones included).
    pub buckets: Vec<TimelineBucket>,
    /// Detected cycles, oldest first.
    pub cycles: Vec<Cycle>,
    /// Exchanges read (the newest ones, when there were more than the read limit).
    pub exchanges: u32,
}

/// Build the timeline of `rows` (any order).
pub fn build(rows: &[Outline]) -> Timeline {
    let mut points: Vec<Point> = rows.iter().map(Point::from).collect();
    points.sort_by_key(Point::key);
    build_ordered(&points)
}

/// An [`Outline`] as a kept window of the newest exchanges holds it: 32 bytes instead of 40,
/// its time as whole seconds since the epoch and nanoseconds (exactly the outline's), so that
/// ordering, bucketing and the pauses between requests are integer arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    id: i64,
    secs: i64,
    /// Below 1 000 000 000, except in a leap second (as chrono keeps it).
    nanos: u32,
    /// Requests counted in its bucket: the outline's, at least 1, at most `u32::MAX`.
    requests: u32,
    status: u16,
    idp: Idp,
    operation: OperationKind,
    rejected: bool,
}

impl From<&Outline> for Point {
    fn from(o: &Outline) -> Self {
        Self {
            id: o.id,
            secs: o.at.timestamp(),
            nanos: o.at.timestamp_subsec_nanos(),
            requests: requests(o.requests),
            status: o.status,
            idp: o.idp,
            operation: o.operation,
            rejected: o.rejected,
        }
    }
}

impl Point {
    /// Exchange id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Whether it is a fold of refused requests.
    pub fn rejected(&self) -> bool {
        self.rejected
    }

    /// Detected IdP.
    pub fn idp(&self) -> Idp {
        self.idp
    }

    /// Its place in a timeline: by time, then id ([`build_ordered`] reads points in this order).
    pub fn key(&self) -> (i64, u32, i64) {
        (self.secs, self.nanos, self.id)
    }

    /// A fold's requests, counted again (a fold's outline changes in nothing else).
    pub fn set_requests(&mut self, requests_now: i64) {
        self.requests = requests(requests_now);
    }

    fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.secs, self.nanos).unwrap_or_default()
    }

    fn leap(&self) -> bool {
        self.nanos >= 1_000_000_000
    }
}

/// What a bucket counts of a row standing for `n` requests.
fn requests(n: i64) -> u32 {
    u32::try_from(n.max(1)).unwrap_or(u32::MAX)
}

/// Whole seconds from `earlier` to `later` as chrono counts them (`(later - earlier)
/// .num_seconds()`), `later` not before `earlier` in time order.
#[inline]
fn seconds_between(earlier: &Point, later: &Point) -> i64 {
    if earlier.leap() || later.leap() {
        // chrono's leap-second arithmetic (a stored "…:60" time; the capture never writes one).
        return (later.at() - earlier.at()).num_seconds();
    }
    later.secs - earlier.secs - i64::from(later.nanos < earlier.nanos)
}

/// [`build`] over `points` already in timeline order ([`Point::key`], ascending), as a window
/// keeps them: one pass, no sorting, no per-row allocation.
pub fn build_ordered(points: &[Point]) -> Timeline {
    debug_assert!(points.is_sorted_by_key(Point::key));
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Timeline {
            bucket_minutes: 1,
            ..Timeline::default()
        };
    };
    let (first_at, last_at) = (first.at(), last.at());
    let span_minutes = (last_at - first_at).num_minutes() + 1;
    let width = WIDTHS
        .into_iter()
        .find(|w| span_minutes / w < MAX_BUCKETS)
        .unwrap_or(1440);
    let step = Duration::minutes(width);
    let start_at = first_at.duration_trunc(step).unwrap_or(first_at);
    let count = usize::try_from((last_at - start_at).num_minutes() / width + 1).unwrap_or(1);
    let mut buckets: Vec<TimelineBucket> = (0..count)
        .map(|i| TimelineBucket {
            at: rfc3339(start_at + step * i32::try_from(i).unwrap_or(0)),
            ..TimelineBucket::default()
        })
        .collect();
    let start = Point {
        secs: start_at.timestamp(),
        nanos: start_at.timestamp_subsec_nanos(),
        ..*first
    };
    // `(r.at - start).num_minutes() / width`, as one division (whole seconds over a bucket's),
    // and none while the points stay in the bucket of the one before.
    let bucket_secs = 60 * width;
    let (mut i, mut from, mut to) = (0, 0, 0);
    for r in points {
        let secs = seconds_between(&start, r);
        if !(from..to).contains(&secs) {
            i = usize::try_from(secs / bucket_secs).unwrap_or(0);
            from = secs - secs.rem_euclid(bucket_secs);
            to = if secs < 0 { from } else { from + bucket_secs };
        }
        let Some(b) = buckets.get_mut(i.min(count - 1)) else {
            continue;
        };
        let slot = if r.rejected || r.status == 401 {
            &mut b.refused
        } else if r.status >= 500 || r.status == crate::model::NO_ANSWER {
            &mut b.server_error
        } else if r.status >= 400 {
            &mut b.client_error
        } else {
            &mut b.ok
        };
        *slot = slot.saturating_add(r.requests);
    }
    Timeline {
        bucket_minutes: u32::try_from(width).unwrap_or(1),
        buckets,
        cycles: cycles(points),
        exchanges: u32::try_from(points.len()).unwrap_or(u32::MAX),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One IdP's run of requests as it is read: its ends, its length and its operations (in the
/// order they first came).
struct Run<'a> {
    first: &'a Point,
    last: &'a Point,
    rows: usize,
    ops: Vec<OperationCount>,
    /// Where each operation (by discriminant) is in `ops`, plus one (0: not yet).
    slots: [u8; OperationKind::ALL.len()],
}

impl<'a> Run<'a> {
    fn new(r: &'a Point) -> Self {
        let mut run = Self {
            first: r,
            last: r,
            rows: 0,
            ops: Vec::new(),
            slots: [0; OperationKind::ALL.len()],
        };
        run.push(r);
        run
    }

    fn push(&mut self, r: &'a Point) {
        self.last = r;
        self.rows += 1;
        let failed = u32::from(r.status >= 400 || r.status == crate::model::NO_ANSWER);
        let slot = &mut self.slots[r.operation as usize];
        match self.ops.get_mut(usize::from(*slot).wrapping_sub(1)) {
            Some(o) => {
                o.count += 1;
                o.failed += failed;
            }
            None => {
                self.ops.push(OperationCount {
                    operation: r.operation,
                    count: 1,
                    failed,
                });
                *slot = u8::try_from(self.ops.len()).unwrap_or(u8::MAX);
            }
        }
    }
}

/// Runs of one IdP's authenticated requests without a pause over [`CYCLE_GAP_SECS`] (points in
/// time order). Refused folds are not part of any cycle: they are not the IdP's provisioning.
fn cycles(points: &[Point]) -> Vec<Cycle> {
    // Open runs by IdP, in the order of their stored spelling (entra, okta, other).
    let mut open: [Option<Run<'_>>; 3] = [None, None, None];
    let mut out: Vec<Cycle> = Vec::new();
    for r in points.iter().filter(|r| !r.rejected) {
        let slot = &mut open[match r.idp {
            Idp::Entra => 0,
            Idp::Okta => 1,
            Idp::Other => 2,
        }];
        match slot {
            Some(run) if seconds_between(run.last, r) <= CYCLE_GAP_SECS => run.push(r),
            _ => {
                if let Some(done) = slot.replace(Run::new(r)) {
                    out.push(cycle(done));
                }
            }
        }
    }
    out.extend(open.into_iter().flatten().map(cycle));
    out.sort_by(|a, b| a.start.cmp(&b.start).then(a.first_id.cmp(&b.first_id)));
    out
}

fn cycle(run: Run<'_>) -> Cycle {
    let Run {
        first,
        last,
        rows,
        mut ops,
        ..
    } = run;
    ops.sort_by_key(|o| std::cmp::Reverse(o.count));
    let idp = first.idp;
    let only_probes = ops.iter().all(|o| {
        matches!(
            o.operation,
            OperationKind::ConnectionProbe | OperationKind::Discovery
        )
    });
    let kind = match idp {
        _ if only_probes => CycleKind::ConnectionTest,
        Idp::Entra => CycleKind::Cycle,
        Idp::Okta => CycleKind::Push,
        Idp::Other => CycleKind::Burst,
    };
    let failed: u32 = ops.iter().map(|o| o.failed).sum();
    let mut words: Vec<String> = ops
        .iter()
        .map(|o| plural(o.count, o.operation.noun()))
        .collect();
    if failed > 0 {
        words.push(format!("{failed} failed"));
    }
    Cycle {
        idp,
        kind,
        start: rfc3339(first.at()),
        end: rfc3339(last.at()),
        requests: u32::try_from(rows).unwrap_or(u32::MAX),
        failed,
        operations: ops,
        first_id: first.id,
        last_id: last.id,
        summary: words.join(", "),
    }
}

fn plural(n: u32, (one, many): (&str, &str)) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
        base + Duration::seconds(secs)
    }

    fn row(id: i64, t: DateTime<Utc>, idp: Idp, op: OperationKind, status: u16) -> Outline {
        Outline {
            id,
            at: t,
            idp,
            operation: op,
            status,
            requests: 1,
            rejected: false,
        }
    }

    fn base() -> DateTime<Utc> {
        "2026-12-06T14:00:00Z".parse().unwrap()
    }

    /// Entra's sequence (idp-traffic.md): Test Connection, then an initial cycle of lookups and
    /// creates a minute later, then an incremental cycle 40 minutes on with updates and one
    /// failing create; interleaved with an Okta push between the two.
    fn recorded() -> Vec<Outline> {
        use OperationKind::*;
        let b = base();
        let mut rows = vec![row(1, at(b, 0), Idp::Entra, ConnectionProbe, 200)];
        let mut id = 2;
        let mut t = 120;
        for _ in 0..5 {
            rows.push(row(id, at(b, t), Idp::Entra, MatchLookup, 200));
            rows.push(row(id + 1, at(b, t + 1), Idp::Entra, Create, 201));
            id += 2;
            t += 2;
        }
        // An Okta push at 14:20: lookup, create, read.
        for (i, op) in [MatchLookup, Create, Read].into_iter().enumerate() {
            rows.push(row(id, at(b, 1200 + i as i64), Idp::Okta, op, 200));
            id += 1;
        }
        // Entra's incremental cycle at 14:42.
        t = 2520;
        for _ in 0..3 {
            rows.push(row(id, at(b, t), Idp::Entra, Update, 200));
            id += 1;
            t += 1;
        }
        rows.push(row(id, at(b, t), Idp::Entra, Create, 400));
        // A flood of refused requests (a fold) in between.
        rows.push(Outline {
            requests: 40,
            rejected: true,
            ..row(id + 1, at(b, 1800), Idp::Other, Rejected, 401)
        });
        rows
    }

    /// The build before [`Point`] and [`build_ordered`], kept verbatim as the reference.
    mod reference {
        use super::super::*;
        use std::collections::BTreeMap;

        /// Chrono per row, a sort of references, a vector per run: what the build over points
        /// must answer, to the byte.
        pub(super) fn build(rows: &[Outline]) -> Timeline {
            let mut rows: Vec<&Outline> = rows.iter().collect();
            rows.sort_by_key(|r| (r.at, r.id));
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                return Timeline {
                    bucket_minutes: 1,
                    ..Timeline::default()
                };
            };
            let span_minutes = (last.at - first.at).num_minutes() + 1;
            let width = WIDTHS
                .into_iter()
                .find(|w| span_minutes / w < MAX_BUCKETS)
                .unwrap_or(1440);
            let step = Duration::minutes(width);
            let start = first.at.duration_trunc(step).unwrap_or(first.at);
            let count = usize::try_from((last.at - start).num_minutes() / width + 1).unwrap_or(1);
            let mut buckets: Vec<TimelineBucket> = (0..count)
                .map(|i| TimelineBucket {
                    at: rfc3339(start + step * i32::try_from(i).unwrap_or(0)),
                    ..TimelineBucket::default()
                })
                .collect();
            for r in &rows {
                let i = usize::try_from((r.at - start).num_minutes() / width).unwrap_or(0);
                let Some(b) = buckets.get_mut(i.min(count - 1)) else {
                    continue;
                };
                let n = u32::try_from(r.requests.max(1)).unwrap_or(u32::MAX);
                let slot = if r.rejected || r.status == 401 {
                    &mut b.refused
                } else if r.status >= 500 || r.status == crate::model::NO_ANSWER {
                    &mut b.server_error
                } else if r.status >= 400 {
                    &mut b.client_error
                } else {
                    &mut b.ok
                };
                *slot = slot.saturating_add(n);
            }
            Timeline {
                bucket_minutes: u32::try_from(width).unwrap_or(1),
                buckets,
                cycles: cycles(&rows),
                exchanges: u32::try_from(rows.len()).unwrap_or(u32::MAX),
            }
        }

        fn rfc3339(t: DateTime<Utc>) -> String {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        }

        /// Runs of one IdP's authenticated requests without a pause over [`CYCLE_GAP_SECS`] (rows in
        /// time order). Refused folds are not part of any cycle: they are not the IdP's provisioning.
        fn cycles(rows: &[&Outline]) -> Vec<Cycle> {
            let mut open: BTreeMap<&'static str, Vec<&Outline>> = BTreeMap::new();
            let mut done: Vec<Vec<&Outline>> = Vec::new();
            for r in rows.iter().filter(|r| !r.rejected) {
                let run = open.entry(r.idp.as_str()).or_default();
                if run
                    .last()
                    .is_some_and(|prev| (r.at - prev.at).num_seconds() > CYCLE_GAP_SECS)
                {
                    done.push(std::mem::take(run));
                }
                run.push(r);
            }
            done.extend(open.into_values().filter(|r| !r.is_empty()));
            let mut out: Vec<Cycle> = done.iter().map(|run| cycle(run)).collect();
            out.sort_by(|a, b| a.start.cmp(&b.start).then(a.first_id.cmp(&b.first_id)));
            out
        }

        fn cycle(run: &[&Outline]) -> Cycle {
            let mut ops: Vec<OperationCount> = Vec::new();
            for r in run {
                let failed = u32::from(r.status >= 400 || r.status == crate::model::NO_ANSWER);
                match ops.iter_mut().find(|o| o.operation == r.operation) {
                    Some(o) => {
                        o.count += 1;
                        o.failed += failed;
                    }
                    None => ops.push(OperationCount {
                        operation: r.operation,
                        count: 1,
                        failed,
                    }),
                }
            }
            ops.sort_by_key(|o| std::cmp::Reverse(o.count));
            let idp = run[0].idp;
            let only_probes = ops.iter().all(|o| {
                matches!(
                    o.operation,
                    OperationKind::ConnectionProbe | OperationKind::Discovery
                )
            });
            let kind = match idp {
                _ if only_probes => CycleKind::ConnectionTest,
                Idp::Entra => CycleKind::Cycle,
                Idp::Okta => CycleKind::Push,
                Idp::Other => CycleKind::Burst,
            };
            let failed: u32 = ops.iter().map(|o| o.failed).sum();
            let mut words: Vec<String> = ops
                .iter()
                .map(|o| plural(o.count, o.operation.noun()))
                .collect();
            if failed > 0 {
                words.push(format!("{failed} failed"));
            }
            Cycle {
                idp,
                kind,
                start: rfc3339(run[0].at),
                end: rfc3339(run[run.len() - 1].at),
                requests: u32::try_from(run.len()).unwrap_or(u32::MAX),
                failed,
                operations: ops,
                first_id: run[0].id,
                last_id: run[run.len() - 1].id,
                summary: words.join(", "),
            }
        }
    }

    /// A small deterministic generator (xorshift), so that a failure replays.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> i64 {
            i64::try_from(self.next() % n).unwrap()
        }
    }

    /// Random rows in every shape a stored row can take: times apart by milliseconds to days
    /// (pauses just under, at and over a cycle's gap; out of id order; sub-millisecond and
    /// leap-second times; before 1970), every IdP, operation and outcome, folds of any size.
    fn random_rows(rng: &mut Rng, n: usize) -> Vec<Outline> {
        let base: DateTime<Utc> = if rng.below(4) == 0 {
            "1969-12-31T23:20:00.250Z".parse().unwrap()
        } else {
            "2026-12-06T23:58:00Z".parse().unwrap()
        };
        let mut t = base;
        let mut rows = Vec::with_capacity(n);
        let statuses = [200, 201, 204, 304, 400, 401, 404, 409, 429, 500, 503, 0];
        for id in 0..n {
            let step_ms = match rng.below(10) {
                0 => 0,
                1 => 89_999 + rng.below(3),
                2 => 90_000 + rng.below(2_000),
                3 => rng.below(4 * 3_600_000),
                4 => -rng.below(5_000),
                _ => rng.below(3_000),
            };
            t += Duration::milliseconds(step_ms);
            let mut at = t;
            if rng.below(8) == 0 {
                at += Duration::nanoseconds(rng.below(1_000_000));
            }
            if rng.below(40) == 0 {
                // A leap second, as chrono parses "…T23:59:60.5Z".
                let day = at.date_naive();
                let leap = chrono::NaiveTime::from_hms_nano_opt(
                    23,
                    59,
                    59,
                    1_000_000_000 + u32::try_from(rng.below(999_999_999)).unwrap(),
                )
                .unwrap();
                at = day.and_time(leap).and_utc();
            }
            let rejected = rng.below(12) == 0;
            let operation = if rejected {
                OperationKind::Rejected
            } else {
                OperationKind::ALL[usize::try_from(rng.below(15)).unwrap()]
            };
            rows.push(Outline {
                id: i64::try_from(id).unwrap() * 3 + rng.below(3),
                at,
                idp: Idp::ALL[usize::try_from(rng.below(3)).unwrap()],
                operation,
                status: if rejected {
                    401
                } else {
                    statuses[usize::try_from(rng.below(12)).unwrap()]
                },
                requests: if rejected {
                    [1, 2, 40, i64::from(u32::MAX) + 7][usize::try_from(rng.below(4)).unwrap()]
                } else {
                    1
                },
                rejected,
            });
        }
        // Any order: the build sorts.
        for i in (1..rows.len()).rev() {
            rows.swap(
                i,
                usize::try_from(rng.below(u64::try_from(i).unwrap() + 1)).unwrap(),
            );
        }
        rows
    }

    #[test]
    fn the_build_answers_what_the_reference_answers() {
        let mut rng = Rng(0x5eed_cafe_f00d_0001);
        for round in 0..400 {
            let n = match round % 4 {
                0 => usize::try_from(rng.below(5)).unwrap(),
                1 => usize::try_from(rng.below(60)).unwrap(),
                _ => usize::try_from(rng.below(600)).unwrap(),
            };
            let rows = random_rows(&mut rng, n);
            assert_eq!(
                build(&rows),
                reference::build(&rows),
                "round {round}: {rows:?}"
            );
        }
        assert_eq!(build(&recorded()), reference::build(&recorded()));
    }

    #[test]
    fn a_point_is_32_bytes_and_keeps_its_outline_time() {
        assert_eq!(std::mem::size_of::<Point>(), 32);
        let mut rng = Rng(7);
        for o in random_rows(&mut rng, 500) {
            assert_eq!(Point::from(&o).at(), o.at);
        }
    }

    #[test]
    fn entra_and_okta_cycles_are_told_apart_and_summarised() {
        let t = build(&recorded());
        let kinds: Vec<(Idp, CycleKind)> = t.cycles.iter().map(|c| (c.idp, c.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (Idp::Entra, CycleKind::ConnectionTest),
                (Idp::Entra, CycleKind::Cycle),
                (Idp::Okta, CycleKind::Push),
                (Idp::Entra, CycleKind::Cycle),
            ]
        );
        assert_eq!(t.cycles[1].summary, "5 match lookups, 5 creates");
        assert_eq!(t.cycles[1].start, "2026-12-06T14:02:00.000Z");
        assert_eq!(t.cycles[3].summary, "3 updates, 1 create, 1 failed");
        assert_eq!(t.cycles[3].failed, 1);
        assert_eq!(t.cycles[2].summary, "1 match lookup, 1 create, 1 read");
    }

    #[test]
    fn buckets_cover_the_span_by_outcome_and_widen_for_long_spans() {
        let t = build(&recorded());
        // 14:00 to 14:42: one-minute buckets, dense.
        assert_eq!(t.bucket_minutes, 1);
        assert_eq!(t.buckets.len(), 43);
        let sum = |f: fn(&TimelineBucket) -> u32| t.buckets.iter().map(f).sum::<u32>();
        assert_eq!(sum(|b| b.ok), 1 + 10 + 3 + 3);
        assert_eq!(sum(|b| b.client_error), 1);
        assert_eq!(sum(|b| b.refused), 40);
        assert_eq!(t.buckets[30].refused, 40);
        // A day of traffic fits in at most MAX_BUCKETS buckets.
        let b = base();
        let day: Vec<Outline> = (0..200)
            .map(|i| row(i, at(b, i * 430), Idp::Entra, OperationKind::Update, 200))
            .collect();
        let t = build(&day);
        assert!(t.buckets.len() as i64 <= MAX_BUCKETS, "{}", t.buckets.len());
        assert_eq!(t.bucket_minutes, 15);
        assert_eq!(t.buckets.iter().map(|b| b.ok).sum::<u32>(), 200);
        // Each request 430 s apart: no two share a cycle.
        assert_eq!(t.cycles.len(), 200);
    }

    #[test]
    fn nothing_captured_is_an_empty_timeline() {
        let t = build(&[]);
        assert!(t.buckets.is_empty() && t.cycles.is_empty());
    }
}
