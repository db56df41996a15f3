//! Metrics for monitoring, in Prometheus' text format (`GET /metrics` on the admin listener).
//!
//! A server someone else's IdP provisions into for days is watched by a monitoring system, not a
//! person: requests by outcome, their latency, how full the capture queue is, and database
//! errors. [`ScimMetrics`] counts one workspace's SCIM requests (the capture layer observes every
//! request, answered or rejected); database errors at either listener are counted process-wide
//! ([`note_database_error`]); [`render`] writes every workspace's series, labelled by slug.
//! Counters are atomics: observing a request costs a few relaxed additions.
//!
//! A leaf: imports nothing of the engine (what it cannot see, the capture queue, it asks through
//! a probe the workspace's builder gives it).

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds (`+Inf` is implied).
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How a SCIM request ended, for `scimlab_scim_requests_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered 1xx–2xx.
    Success,
    /// Answered 3xx (`304 Not Modified` to a conditional GET).
    Redirect,
    /// Answered 4xx after the key matched (bad filter, conflict, unknown id…).
    ClientError,
    /// Answered 5xx (a fault rule's error, a busy database, a failure).
    ServerError,
    /// Refused before the handler: no key, a wrong key, an unknown workspace.
    Rejected,
}

impl Outcome {
    const ALL: [Outcome; 5] = [
        Outcome::Success,
        Outcome::Redirect,
        Outcome::ClientError,
        Outcome::ServerError,
        Outcome::Rejected,
    ];

    /// The outcome of an authenticated request answered `status`.
    pub fn of_status(status: u16) -> Self {
        match status {
            0..=299 => Outcome::Success,
            300..=399 => Outcome::Redirect,
            400..=499 => Outcome::ClientError,
            _ => Outcome::ServerError,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Outcome::Success => "2xx",
            Outcome::Redirect => "3xx",
            Outcome::ClientError => "4xx",
            Outcome::ServerError => "5xx",
            Outcome::Rejected => "rejected",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Reads how many captured exchanges wait for the writer.
pub type QueueProbe = Box<dyn Fn() -> usize + Send + Sync>;

/// One workspace's SCIM listener counters.
#[derive(Default)]
pub struct ScimMetrics {
    outcomes: [AtomicU64; 5],
    /// Authenticated requests per latency bucket (not cumulative; [`render`] sums them).
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    latency_micros: AtomicU64,
    queue: OnceLock<QueueProbe>,
}

impl std::fmt::Debug for ScimMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimMetrics")
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

impl ScimMetrics {
    /// Count a request that ended as `outcome` after `latency` (rejected requests are counted,
    /// not timed: a flood of them must not drown the latency of the IdP's).
    pub fn observe(&self, outcome: Outcome, latency: Duration) {
        self.outcomes[outcome.index()].fetch_add(1, Ordering::Relaxed);
        if outcome == Outcome::Rejected {
            return;
        }
        let seconds = latency.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Say how to read the capture queue's depth (once; later calls are ignored).
    pub fn probe_queue(&self, probe: QueueProbe) {
        let _ = self.queue.set(probe);
    }

    /// Every request counted so far.
    pub fn requests(&self) -> u64 {
        self.outcomes
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }
}

/// Database errors answered by a listener, process-wide: `[scim busy, scim failure, admin busy,
/// admin failure]`.
static DATABASE_ERRORS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// Which listener answered a database error.
#[derive(Debug, Clone, Copy)]
pub enum Listener {
    /// The SCIM port.
    Scim,
    /// The admin API.
    Admin,
}

/// Count a database error one of the listeners answered (`busy`: it answered `503`; else `500`).
pub fn note_database_error(listener: Listener, busy: bool) {
    let at = match listener {
        Listener::Scim => 0,
        Listener::Admin => 2,
    } + usize::from(!busy);
    DATABASE_ERRORS[at].fetch_add(1, Ordering::Relaxed);
}

/// One workspace's series for [`render`].
pub struct Sample<'a> {
    /// Its slug (the `workspace` label).
    pub workspace: &'a str,
    /// Its counters.
    pub metrics: &'a ScimMetrics,
    /// Exchanges stored in its database (`None` when it could not be read).
    pub stored_exchanges: Option<i64>,
    /// Its database answered (a read succeeded just now).
    pub database_up: bool,
}

/// The text exposition (version 0.0.4) of every workspace's series and the process's.
pub fn render(version: &str, samples: &[Sample<'_>]) -> String {
    let mut out = String::with_capacity(4096);
    let family = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
    };
    family(
        &mut out,
        "scimlab_build_info",
        "gauge",
        "The running ScimLab's version.",
    );
    let _ = writeln!(
        out,
        "scimlab_build_info{{version=\"{}\"}} 1",
        escape(version)
    );

    family(
        &mut out,
        "scimlab_scim_requests_total",
        "counter",
        "SCIM requests by outcome (rejected: no key, a wrong key or an unknown workspace).",
    );
    for s in samples {
        let ws = escape(s.workspace);
        for outcome in Outcome::ALL {
            let n = s.metrics.outcomes[outcome.index()].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "scimlab_scim_requests_total{{workspace=\"{ws}\",outcome=\"{}\"}} {n}",
                outcome.label()
            );
        }
    }

    family(
        &mut out,
        "scimlab_scim_request_duration_seconds",
        "histogram",
        "Time from a SCIM request's arrival to its answer (authenticated requests; a write's answer includes committing its evidence).",
    );
    for s in samples {
        let ws = escape(s.workspace);
        let mut cumulative = 0u64;
        for (i, n) in s.metrics.buckets.iter().enumerate() {
            cumulative += n.load(Ordering::Relaxed);
            let le = LATENCY_BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
            let _ = writeln!(
                out,
                "scimlab_scim_request_duration_seconds_bucket{{workspace=\"{ws}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let sum = s.metrics.latency_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "scimlab_scim_request_duration_seconds_sum{{workspace=\"{ws}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "scimlab_scim_request_duration_seconds_count{{workspace=\"{ws}\"}} {cumulative}"
        );
    }

    family(
        &mut out,
        "scimlab_capture_queue",
        "gauge",
        "Captured exchanges waiting for the capture writer.",
    );
    for s in samples {
        if let Some(probe) = s.metrics.queue.get() {
            let _ = writeln!(
                out,
                "scimlab_capture_queue{{workspace=\"{}\"}} {}",
                escape(s.workspace),
                probe()
            );
        }
    }

    family(
        &mut out,
        "scimlab_exchanges_stored",
        "gauge",
        "Exchanges in the workspace's database (bounded by the retention).",
    );
    for s in samples {
        if let Some(n) = s.stored_exchanges {
            let _ = writeln!(
                out,
                "scimlab_exchanges_stored{{workspace=\"{}\"}} {n}",
                escape(s.workspace)
            );
        }
    }

    family(
        &mut out,
        "scimlab_database_up",
        "gauge",
        "1 when the workspace's database answered a read just now.",
    );
    for s in samples {
        let _ = writeln!(
            out,
            "scimlab_database_up{{workspace=\"{}\"}} {}",
            escape(s.workspace),
            u8::from(s.database_up)
        );
    }

    family(
        &mut out,
        "scimlab_database_errors_total",
        "counter",
        "Database errors a listener answered (busy: the database was busy, restarting or unreachable, answered 503, with Retry-After on the SCIM port; failure: any other, answered 500).",
    );
    for (at, (listener, kind)) in [
        ("scim", "busy"),
        ("scim", "failure"),
        ("admin", "busy"),
        ("admin", "failure"),
    ]
    .into_iter()
    .enumerate()
    {
        let n = DATABASE_ERRORS[at].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "scimlab_database_errors_total{{listener=\"{listener}\",kind=\"{kind}\"}} {n}"
        );
    }
    out
}

/// A label value as the exposition format wants it (`\`, `"` and newlines escaped).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix} in\n{text}"))
    }

    #[test]
    fn requests_are_counted_by_outcome_and_timed_into_cumulative_buckets() {
        let m = ScimMetrics::default();
        m.observe(Outcome::of_status(201), Duration::from_micros(800));
        m.observe(Outcome::of_status(200), Duration::from_millis(3));
        m.observe(Outcome::of_status(409), Duration::from_millis(30));
        m.observe(Outcome::of_status(503), Duration::from_secs(9));
        m.observe(Outcome::Rejected, Duration::from_secs(1));
        m.probe_queue(Box::new(|| 7));
        let text = render(
            "1.2.3",
            &[Sample {
                workspace: "contoso \"eu\"",
                metrics: &m,
                stored_exchanges: Some(42),
                database_up: true,
            }],
        );
        let ws = r#"workspace="contoso \"eu\"""#;
        for (outcome, n) in [
            ("2xx", 2),
            ("3xx", 0),
            ("4xx", 1),
            ("5xx", 1),
            ("rejected", 1),
        ] {
            assert_eq!(
                line(
                    &text,
                    &format!("scimlab_scim_requests_total{{{ws},outcome=\"{outcome}\"}}")
                ),
                format!("scimlab_scim_requests_total{{{ws},outcome=\"{outcome}\"}} {n}")
            );
        }
        let bucket = |le: &str| {
            let l = line(
                &text,
                &format!("scimlab_scim_request_duration_seconds_bucket{{{ws},le=\"{le}\"}}"),
            );
            l.rsplit(' ').next().unwrap().parse::<u64>().unwrap()
        };
        assert_eq!(bucket("0.001"), 1);
        assert_eq!(bucket("0.005"), 2);
        assert_eq!(bucket("0.05"), 3);
        assert_eq!(bucket("5"), 3);
        assert_eq!(bucket("+Inf"), 4, "the rejected request is not timed");
        assert!(line(&text, "scimlab_scim_request_duration_seconds_count").ends_with(" 4"));
        let sum: f64 = line(&text, "scimlab_scim_request_duration_seconds_sum")
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((sum - 9.0338).abs() < 1e-6, "{sum}");
        assert!(line(&text, "scimlab_capture_queue{").ends_with(" 7"));
        assert!(line(&text, "scimlab_exchanges_stored{").ends_with(" 42"));
        assert!(line(&text, "scimlab_database_up{").ends_with(" 1"));
        assert_eq!(
            line(&text, "scimlab_build_info"),
            "scimlab_build_info{version=\"1.2.3\"} 1"
        );
        // Every family is declared once, before its series.
        for name in [
            "scimlab_scim_requests_total",
            "scimlab_scim_request_duration_seconds",
            "scimlab_database_errors_total",
        ] {
            assert_eq!(
                text.matches(&format!("# TYPE {name} ")).count(),
                1,
                "{name}"
            );
        }
    }

    #[test]
    fn database_errors_are_counted_by_listener_and_kind() {
        let read = |series: &str| -> u64 {
            let text = render("v", &[]);
            line(&text, series)
                .rsplit(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        let busy = "scimlab_database_errors_total{listener=\"scim\",kind=\"busy\"}";
        let admin = "scimlab_database_errors_total{listener=\"admin\",kind=\"failure\"}";
        let (busy_before, admin_before) = (read(busy), read(admin));
        note_database_error(Listener::Scim, true);
        note_database_error(Listener::Admin, false);
        note_database_error(Listener::Admin, false);
        // Process-wide: other tests may add, never take away.
        assert!(read(busy) > busy_before);
        assert!(read(admin) >= admin_before + 2);
    }
}
