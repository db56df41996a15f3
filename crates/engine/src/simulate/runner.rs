//! The runner: sends each step like the IdP would, judges the answer, records the result.
//!
//! One request at a time (an IdP provisioning job is sequential), through:
//! - a **rate limiter**: at most `--rate` requests a second, evenly spaced (0 = no limit);
//! - **429 handling** like Entra's: on `429` the whole run pauses for `Retry-After` (seconds or
//!   an HTTP date; without one, 1 s, 2 s, 4 s…) and retries the same request, at most
//!   `max_retries` times and never waiting longer than `max_wait` at once — past either bound the
//!   step fails and says why ([`RetryPolicy::decide`]);
//! - a **per-request timeout** (the body included);
//! - **cancellation**: a `watch` channel turned `true` (Ctrl-C, engine shutdown) ends the run
//!   between steps, and also interrupts a request or a `Retry-After` wait in progress.
//!
//! Connection failures are steps that fail; the run is abandoned when the very first request
//! cannot connect, or after [`MAX_TRANSPORT_FAILURES`] in a row, since every later step would
//! fail the same way.

use super::report::{Progress, StepResult};
use super::verdict::{self, Answer, Expect, Found, Judge, Verdict};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;
use tokio::time::Instant;

/// Consecutive requests that could not connect (or timed out) before the run is abandoned.
pub const MAX_TRANSPORT_FAILURES: u32 = 3;
/// Largest response body read; a bigger one fails the step (a misbehaving target must not
/// exhaust memory).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// How the runner treats `429 Too Many Requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of one request after a 429 before the step fails.
    pub max_retries: u32,
    /// Longest single wait; a `Retry-After` asking for more fails the step at once.
    pub max_wait: Duration,
    /// First wait when the 429 has no usable `Retry-After` (doubled on each retry).
    pub default_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
            default_wait: Duration::from_secs(1),
        }
    }
}

/// What to do after a 429.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryDecision {
    /// Pause everything for this long, then send the request again.
    Wait(Duration),
    /// Stop retrying; the step fails with this explanation.
    GiveUp(String),
}

/// `Retry-After` as a duration from `now`: delta-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`; a past date is zero). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let at = SystemTime::from(at.with_timezone(&chrono::Utc));
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

impl RetryPolicy {
    /// The decision after the `retries`-th retry got a 429 too (0 for the first 429).
    pub fn decide(
        &self,
        retries: u32,
        retry_after: Option<&str>,
        now: SystemTime,
    ) -> RetryDecision {
        if retries >= self.max_retries {
            return RetryDecision::GiveUp(format!(
                "still 429 after {retries} {} (the simulator allows --max-retries {}); entra suspends provisioning for the retry-after period, and a job that keeps getting 429 is quarantined",
                if retries == 1 { "retry" } else { "retries" },
                self.max_retries
            ));
        }
        let asked = retry_after.and_then(|v| parse_retry_after(v, now));
        match asked {
            Some(d) if d > self.max_wait => RetryDecision::GiveUp(format!(
                "429 with retry-after {} s, more than the {} s the simulator waits at once (--max-retry-wait); the idp would pause that long",
                d.as_secs(),
                self.max_wait.as_secs()
            )),
            Some(d) => RetryDecision::Wait(d),
            None => {
                let backoff = self
                    .default_wait
                    .saturating_mul(2u32.saturating_pow(retries))
                    .min(self.max_wait);
                RetryDecision::Wait(backoff)
            }
        }
    }
}

/// Evenly spaced requests: at most `rate` a second (`0` or less: no limit).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    interval: Option<Duration>,
    next: Option<Instant>,
}

impl RateLimiter {
    /// A limiter for `rate` requests a second.
    pub fn new(rate: f64) -> Self {
        let interval =
            (rate > 0.0 && rate.is_finite()).then(|| Duration::from_secs_f64(1.0 / rate));
        Self {
            interval,
            next: None,
        }
    }

    /// Reserve the next slot; how long to wait before sending at `now`.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let at = match self.next {
            Some(n) if n > now => n,
            _ => now,
        };
        if let Some(i) = self.interval {
            self.next = Some(at + i);
        } else if self.next.is_some_and(|n| n <= now) {
            self.next = None;
        }
        at - now
    }

    /// Hold every request until `until` (a 429's pause applies to the whole run).
    pub fn pause_until(&mut self, until: Instant) {
        if self.next.is_none_or(|n| n < until) {
            self.next = Some(until);
        }
    }
}

/// Where the requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The SCIM base URL without a trailing `/` or query, e.g. `https://app.example/scim/v2`.
    pub base_url: String,
    /// A query string on the base URL (Entra's `aadOptscim062020` flag), sent on every request.
    pub base_query: Option<String>,
    /// The bearer token.
    pub token: String,
}

impl Target {
    /// The full URL for `path` (relative to the base, with its own query), with the base
    /// query in front of the path's.
    pub fn url(&self, path: &str) -> String {
        let (p, q) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let query = match (self.base_query.as_deref(), q) {
            (Some(b), Some(q)) => format!("?{b}&{q}"),
            (Some(b), None) => format!("?{b}"),
            (None, Some(q)) => format!("?{q}"),
            (None, None) => String::new(),
        };
        format!("{}{p}{query}", self.base_url)
    }

    /// The base URL as the IdP admin pastes it (with its query).
    pub fn display(&self) -> String {
        match &self.base_query {
            Some(q) => format!("{}?{q}", self.base_url),
            None => self.base_url.clone(),
        }
    }
}

/// Why the run ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Cancelled (Ctrl-C or engine shutdown).
    Cancelled,
    /// Abandoned: every later step would fail the same way.
    Aborted(String),
}

/// One answer kept for the scenario (after the verdict).
#[derive(Debug, Clone)]
pub struct Sent {
    /// Whether the step passed.
    pub passed: bool,
    /// The status, `None` when no answer came.
    pub status: Option<u16>,
    /// The parsed body.
    pub json: Option<Value>,
    /// What a lookup found (lookups only, when they passed).
    pub found: Option<Found>,
}

impl Sent {
    /// The `id` of the resource in the body.
    pub fn id(&self) -> Option<String> {
        verdict::resource_id(self.json.as_ref())
    }
}

/// The callback that sees each step as it completes.
pub type OnStep<'a> = dyn FnMut(&StepResult, &Progress) + Send + 'a;

/// What a step sends.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Short name shown in the table, e.g. `create ada.lovelace1@contoso.example`.
    pub name: String,
    /// HTTP method.
    pub method: &'a str,
    /// Path relative to the base URL, with its query.
    pub path: String,
    /// JSON body.
    pub body: Option<Value>,
    /// What the IdP expects back.
    pub expect: Expect,
    /// What to say when a 4xx is probably caused by a quirk of this request.
    pub hint: Option<&'a str>,
}

/// The longest pause a `Retry-After` can cause, whatever `--max-retry-wait` says.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// A run in progress: the client, the pacing, the results so far.
pub struct Run<'a> {
    client: reqwest::Client,
    target: Target,
    headers: HeaderMap,
    content_type: String,
    judge: Judge,
    limiter: RateLimiter,
    policy: RetryPolicy,
    timeout: Duration,
    cancel: watch::Receiver<bool>,
    unreachable_hint: Option<String>,
    on_step: &'a mut OnStep<'a>,
    phase: String,
    /// Every step so far.
    pub steps: Vec<StepResult>,
    /// The estimated number of steps (for progress).
    pub estimated_total: u32,
    /// Why the run ended early, if it did.
    pub stop: Option<Stop>,
    transport_failures: u32,
    /// 429 answers received.
    pub throttled: u32,
    /// Total time spent waiting on 429s.
    pub waited: Duration,
    /// What the scenario chose not to send, and why (e.g. no deactivation in Entra's
    /// `guide-literal` setup); carried to the summary.
    pub notes: Vec<String>,
}

/// Everything [`Run::new`] needs.
pub struct RunConfig {
    /// The target.
    pub target: Target,
    /// Headers the IdP sends on every request (User-Agent, Accept…).
    pub headers: HeaderMap,
    /// Content type of request bodies.
    pub content_type: &'static str,
    /// Whose expectations apply.
    pub judge: Judge,
    /// Requests per second (0: no limit).
    pub rate: f64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// 429 policy.
    pub retry: RetryPolicy,
    /// Said when the first request cannot connect (e.g. "start `scimlab serve`").
    pub unreachable_hint: Option<String>,
    /// Estimated steps.
    pub estimated_total: u32,
}

/// The client could not be built (TLS backend initialisation).
#[derive(Debug, thiserror::Error)]
#[error("could not set up the http client: {0}")]
pub struct ClientError(String);

async fn cancelled(rx: &mut watch::Receiver<bool>) {
    while !*rx.borrow_and_update() {
        if rx.changed().await.is_err() {
            // The sender is gone: nobody can cancel any more.
            std::future::pending::<()>().await;
        }
    }
}

/// The response as read: status, content type, body (capped at [`MAX_BODY`]).
struct Raw {
    /// From sending to the last byte of the body (rate-limit and 429 waits excluded).
    latency: Duration,
    status: u16,
    retry_after: Option<String>,
    content_type: Option<String>,
    text: String,
}

enum SendError {
    Cancelled,
    Timeout,
    Connect(String),
    Other(String),
}

impl<'a> Run<'a> {
    /// A run with `config`, cancelled when `cancel` turns `true`.
    pub fn new(
        config: RunConfig,
        cancel: watch::Receiver<bool>,
        on_step: &'a mut OnStep<'a>,
    ) -> Result<Self, ClientError> {
        let mut headers = config.headers;
        if let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {}", config.target.token)) {
            v.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .timeout(config.timeout)
            .build()
            .map_err(|e| ClientError(e.to_string()))?;
        Ok(Self {
            client,
            target: config.target,
            headers,
            content_type: config.content_type.to_owned(),
            judge: config.judge,
            limiter: RateLimiter::new(config.rate),
            policy: config.retry,
            timeout: config.timeout,
            cancel,
            unreachable_hint: config.unreachable_hint,
            on_step,
            phase: String::new(),
            steps: Vec::new(),
            estimated_total: config.estimated_total,
            stop: None,
            transport_failures: 0,
            throttled: 0,
            waited: Duration::ZERO,
            notes: Vec::new(),
        })
    }

    /// Judge the next steps as `judge` would (a replay mixes Entra ID's and Okta's requests).
    pub fn set_judge(&mut self, judge: Judge) {
        self.judge = judge;
    }

    /// Send the next requests with `headers` (the `Authorization` of the target is kept) and
    /// bodies as `content_type` (a replay sends each request with the headers it arrived with).
    pub fn set_headers(&mut self, mut headers: HeaderMap, content_type: &str) {
        if let Some(auth) = self.headers.get(reqwest::header::AUTHORIZATION) {
            headers.insert(reqwest::header::AUTHORIZATION, auth.clone());
        }
        self.headers = headers;
        content_type.clone_into(&mut self.content_type);
    }

    /// Start a phase (`test connection`, `create users`…), shown in progress and the table.
    pub fn phase(&mut self, name: &str) {
        name.clone_into(&mut self.phase);
    }

    /// Whether the run has ended early (cancelled or abandoned).
    pub fn stopped(&mut self) -> bool {
        if self.stop.is_none() && *self.cancel.borrow() {
            self.stop = Some(Stop::Cancelled);
        }
        self.stop.is_some()
    }

    /// Abandon the run with `reason`.
    pub fn abort(&mut self, reason: String) {
        if self.stop.is_none() {
            self.stop = Some(Stop::Aborted(reason));
        }
    }

    /// The progress so far.
    pub fn progress(&self) -> Progress {
        let count = |v: Verdict| self.steps.iter().filter(|s| s.verdict == v).count() as u32;
        Progress {
            phase: self.phase.clone(),
            done: self.steps.len() as u32,
            estimated_total: self.estimated_total.max(self.steps.len() as u32),
            passed: count(Verdict::Pass),
            failed: count(Verdict::Fail),
            skipped: count(Verdict::Skipped),
        }
    }

    fn record(&mut self, step: StepResult) {
        self.steps.push(step);
        let progress = self.progress();
        if let Some(last) = self.steps.last() {
            (self.on_step)(last, &progress);
        }
    }

    /// Record a step that is not sent because `why` (an earlier step it needs failed).
    pub fn skip(&mut self, name: String, method: &str, path: String, why: String) {
        if self.stopped() {
            return;
        }
        let step = StepResult {
            index: self.steps.len() as u32 + 1,
            phase: self.phase.clone(),
            name,
            method: method.to_owned(),
            path,
            status: None,
            latency_ms: 0.0,
            verdict: Verdict::Skipped,
            expected: String::new(),
            explanation: Some(why),
            retries: 0,
            waited_ms: 0,
        };
        self.record(step);
    }

    async fn send_once(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Raw, SendError> {
        let wait = self.limiter.reserve(Instant::now());
        let mut cancel = self.cancel.clone();
        if !wait.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = cancelled(&mut cancel) => return Err(SendError::Cancelled),
            }
        }
        let m = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| SendError::Other(e.to_string()))?;
        let mut req = self
            .client
            .request(m, self.target.url(path))
            .headers(self.headers.clone());
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, self.content_type.as_str())
                .body(b.to_string());
        }
        let sent_at = Instant::now();
        let fut = async {
            let mut resp = req.send().await?;
            let status = resp.status().as_u16();
            let header = |name: reqwest::header::HeaderName| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let retry_after = header(reqwest::header::RETRY_AFTER);
            let content_type = header(reqwest::header::CONTENT_TYPE);
            let mut bytes = Vec::new();
            let mut too_big = false;
            while let Some(chunk) = resp.chunk().await? {
                if bytes.len() + chunk.len() > MAX_BODY {
                    too_big = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>((status, retry_after, content_type, bytes, too_big))
        };
        let result = tokio::select! {
            r = fut => r,
            () = cancelled(&mut cancel) => return Err(SendError::Cancelled),
        };
        match result {
            Ok((_, _, _, _, true)) => Err(SendError::Other(format!(
                "the response body is larger than {} MiB",
                MAX_BODY / (1024 * 1024)
            ))),
            Ok((status, retry_after, content_type, bytes, false)) => Ok(Raw {
                latency: sent_at.elapsed(),
                status,
                retry_after,
                content_type,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            }),
            Err(e) if e.is_timeout() => Err(SendError::Timeout),
            Err(e) if e.is_connect() => Err(SendError::Connect(error_chain(&e))),
            Err(e) => Err(SendError::Other(error_chain(&e))),
        }
    }

    /// Send one step (retrying 429s per the policy), judge it, record it. `None` when the run
    /// has stopped (cancelled or abandoned) and the step was not recorded.
    pub async fn step(&mut self, req: Request<'_>) -> Option<Sent> {
        self.step_checked(req, |_| None).await
    }

    /// [`step`](Self::step) with one more rule: when the answer passed its expectation,
    /// `check` sees the parsed body and may fail the step with an explanation (used for rules
    /// that span several steps, such as stable paging).
    pub async fn step_checked(
        &mut self,
        req: Request<'_>,
        check: impl FnOnce(Option<&Value>) -> Option<String>,
    ) -> Option<Sent> {
        if self.stopped() {
            return None;
        }
        let mut retries = 0u32;
        let mut waited = Duration::ZERO;
        let mut give_up: Option<String> = None;
        let raw = loop {
            let attempt = Instant::now();
            match self
                .send_once(req.method, &req.path, req.body.as_ref())
                .await
            {
                Err(SendError::Cancelled) => {
                    self.stop = Some(Stop::Cancelled);
                    return None;
                }
                Err(e) => {
                    self.transport_failures += 1;
                    let first = self.steps.is_empty();
                    let why = match e {
                        SendError::Timeout => format!(
                            "no answer within {} s (--timeout; okta itself waits 60 s): the idp counts the request as failed and retries later",
                            self.timeout.as_secs_f64()
                        ),
                        SendError::Connect(m) => {
                            format!("could not connect to {}: {m}", self.target.base_url)
                        }
                        SendError::Other(m) => format!("the request failed: {m}"),
                        SendError::Cancelled => String::new(),
                    };
                    let step = self.result(
                        &req,
                        None,
                        attempt.elapsed(),
                        Verdict::Fail,
                        Some(why.clone()),
                        retries,
                        waited,
                    );
                    self.record(step);
                    if first || self.transport_failures >= MAX_TRANSPORT_FAILURES {
                        let reason = match (&self.unreachable_hint, first) {
                            (Some(h), true) => format!("{h} ({why})"),
                            (None, true) => {
                                format!("the first request failed, so every step would: {why}")
                            }
                            (_, false) => format!(
                                "{MAX_TRANSPORT_FAILURES} requests in a row got no answer, stopping: {why}"
                            ),
                        };
                        self.abort(reason);
                    }
                    return Some(Sent {
                        passed: false,
                        status: None,
                        json: None,
                        found: None,
                    });
                }
                Ok(raw) if raw.status == 429 => {
                    self.throttled += 1;
                    match self
                        .policy
                        .decide(retries, raw.retry_after.as_deref(), SystemTime::now())
                    {
                        RetryDecision::Wait(d) => {
                            retries += 1;
                            waited += d;
                            self.waited += d;
                            self.limiter.pause_until(
                                Instant::now()
                                    .checked_add(d)
                                    .unwrap_or_else(|| Instant::now() + MAX_PAUSE),
                            );
                        }
                        RetryDecision::GiveUp(why) => {
                            give_up = Some(why);
                            break raw;
                        }
                    }
                }
                Ok(raw) => break raw,
            }
        };
        self.transport_failures = 0;
        // An endpoint may echo the request (Authorization included) in an error body; the
        // explanations quote bodies, so the token never reaches the table, --json or events.
        let mut raw = raw;
        if !self.target.token.is_empty() && raw.text.contains(&self.target.token) {
            raw.text = raw.text.replace(&self.target.token, "[redacted token]");
        }
        let json: Option<Value> = serde_json::from_str(&raw.text).ok();
        let answer = Answer {
            status: raw.status,
            json: json.as_ref(),
            text: &raw.text,
            content_type: raw.content_type.as_deref(),
        };
        let (mut judgement, found) = match &req.expect {
            Expect::Lookup { attr, value } => {
                match verdict::judge_lookup(self.judge, &req.expect, &answer, req.hint, attr, value)
                {
                    Ok((j, f)) => (j, Some(f)),
                    Err(j) => (j, None),
                }
            }
            e => (verdict::judge(self.judge, e, &answer, req.hint), None),
        };
        if let Some(why) = give_up {
            judgement.verdict = Verdict::Fail;
            judgement.explanation = Some(why);
        } else if judgement.verdict == Verdict::Pass
            && let Some(why) = check(json.as_ref())
        {
            judgement.verdict = Verdict::Fail;
            judgement.explanation = Some(why);
        }
        if retries > 0 && judgement.verdict == Verdict::Pass {
            let note = format!(
                "throttled: got 429 {retries}× and waited {:.1} s as retry-after asked, then it went through",
                waited.as_secs_f64()
            );
            judgement.explanation = Some(match judgement.explanation {
                Some(e) => format!("{note}; {e}"),
                None => note,
            });
        }
        let passed = judgement.verdict == Verdict::Pass;
        let step = self.result(
            &req,
            Some(raw.status),
            raw.latency,
            judgement.verdict,
            judgement.explanation,
            retries,
            waited,
        );
        self.record(step);
        Some(Sent {
            passed,
            status: Some(raw.status),
            json,
            found,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn result(
        &self,
        req: &Request<'_>,
        status: Option<u16>,
        latency: Duration,
        verdict: Verdict,
        explanation: Option<String>,
        retries: u32,
        waited: Duration,
    ) -> StepResult {
        StepResult {
            index: self.steps.len() as u32 + 1,
            phase: self.phase.clone(),
            name: req.name.clone(),
            method: req.method.to_owned(),
            path: req.path.clone(),
            status,
            latency_ms: (latency.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
            verdict,
            expected: req.expect.describe(),
            explanation,
            retries,
            waited_ms: waited.as_millis() as u64,
        }
    }
}

/// An error's sources, joined: reqwest's top-level message only repeats the url, its sources
/// say what happened (`tcp connect error: Connection refused`).
fn error_chain(e: &dyn std::error::Error) -> String {
    let Some(first) = e.source() else {
        return e.to_string();
    };
    let mut out = first.to_string();
    let mut source = first.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
            default_wait: Duration::from_secs(1),
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 07:27:50 GMT
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn the_429_policy_waits_as_asked_backs_off_and_gives_up_within_bounds() {
        let now = SystemTime::UNIX_EPOCH;
        let p = policy();
        assert_eq!(
            p.decide(0, Some("3"), now),
            RetryDecision::Wait(Duration::from_secs(3))
        );
        // No Retry-After: 1 s, 2 s, 4 s.
        assert_eq!(
            p.decide(0, None, now),
            RetryDecision::Wait(Duration::from_secs(1))
        );
        assert_eq!(
            p.decide(2, Some("garbage"), now),
            RetryDecision::Wait(Duration::from_secs(4))
        );
        let RetryDecision::GiveUp(why) = p.decide(3, Some("1"), now) else {
            panic!("gives up after max_retries");
        };
        assert!(why.contains("still 429 after 3 retries"), "{why}");
        assert!(why.contains("--max-retries 3"), "{why}");
        let RetryDecision::GiveUp(why) = p.decide(0, Some("3600"), now) else {
            panic!("a wait above max_wait is not honoured");
        };
        assert!(
            why.contains("retry-after 3600 s") && why.contains("--max-retry-wait"),
            "{why}"
        );
        let capped = RetryPolicy {
            max_retries: 10,
            ..p
        };
        assert_eq!(
            capped.decide(8, None, now),
            RetryDecision::Wait(Duration::from_secs(30))
        );
    }

    #[test]
    fn the_rate_limiter_spaces_requests_and_honours_pauses() {
        let t0 = Instant::now();
        let mut l = RateLimiter::new(10.0);
        assert_eq!(l.reserve(t0), Duration::ZERO);
        assert_eq!(l.reserve(t0), Duration::from_millis(100));
        assert_eq!(l.reserve(t0), Duration::from_millis(200));
        // Idle time is not banked: after a long gap the next request goes at once.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(l.reserve(later), Duration::ZERO);
        l.pause_until(later + Duration::from_secs(2));
        assert_eq!(l.reserve(later), Duration::from_secs(2));
        let mut unlimited = RateLimiter::new(0.0);
        assert_eq!(unlimited.reserve(t0), Duration::ZERO);
        assert_eq!(unlimited.reserve(t0), Duration::ZERO);
        unlimited.pause_until(t0 + Duration::from_secs(1));
        assert_eq!(unlimited.reserve(t0), Duration::from_secs(1));
        assert_eq!(
            unlimited.reserve(t0 + Duration::from_secs(1)),
            Duration::ZERO
        );
    }

    #[test]
    fn urls_carry_the_base_query_first() {
        let t = Target {
            base_url: "https://app.example/scim/v2".into(),
            base_query: Some("aadOptscim062020".into()),
            token: "k".into(),
        };
        assert_eq!(
            t.url("/Users"),
            "https://app.example/scim/v2/Users?aadOptscim062020"
        );
        assert_eq!(
            t.url("/Users?filter=x"),
            "https://app.example/scim/v2/Users?aadOptscim062020&filter=x"
        );
        assert_eq!(t.display(), "https://app.example/scim/v2?aadOptscim062020");
        let plain = Target {
            base_query: None,
            ..t
        };
        assert_eq!(
            plain.url("/Users?a=1"),
            "https://app.example/scim/v2/Users?a=1"
        );
    }
}
