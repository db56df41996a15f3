//! The IdP simulator: ScimLab acting as Microsoft Entra ID or Okta, replaying their provisioning
//! traffic against any SCIM base URL (the local engine by default) and judging every answer the
//! way the IdP would.
//!
//! Owns: the scenarios ([`entra`], [`okta`], [`import`]) — faithful request sequences with the
//! IdP's headers, bodies, casing and order of calls, from `shared/reference/idp-traffic.md`;
//! the deterministic [`population`]; the [`runner`] (reqwest, rate limit, 429 + `Retry-After`,
//! timeouts, cancellation); the [`verdict`] rules; the [`report`] types and text.
//!
//! Must not: touch the store or the SCIM handlers directly (it only speaks HTTP, so it judges
//! the local engine exactly as it would judge a stranger's endpoint); import Tauri; print
//! (callers — the CLI, the admin API — decide what to show through the step callback).
//!
//! # Decisions
//!
//! - **Sequential**: one request at a time, like one IdP provisioning job. `--rate` (requests a
//!   second, evenly spaced) defaults to [`DEFAULT_REMOTE_RATE`] for a remote target and to no
//!   limit for the local engine; `0` means no limit.
//! - **429**: the whole run pauses for `Retry-After` (Entra "suspends all provisioning activities
//!   for the time period indicated") and retries that request, bounded by
//!   [`RetryPolicy`](runner::RetryPolicy) (3 retries, 30 s at most per wait by default).
//! - **Timeout**: [`DEFAULT_TIMEOUT`] per request (Okta waits 60 s; a rehearsal should not).
//! - **Matches**: a lookup that finds the user is a match, as in the IdP: Entra PATCHes it, Okta
//!   pushes its profile with a PUT. Re-running a scenario against the same endpoint therefore
//!   works (and shows the match path).
//! - **Entra's User-Agent** is not documented anywhere; the simulator sends
//!   [`ENTRA_USER_AGENT`], which says what it is and names Microsoft so ScimLab's capture labels
//!   it Entra. Okta's is the documented `Okta SCIM Client 1.0.0`. `Accept-Encoding` is not sent
//!   (the client does not decompress).
//! - **Setups** ([`Setup`]): what the admin configured in the IdP. `guide` (the default) sends
//!   exactly what the target app's guide (`shared/reference/target-app-guide.md`) produces —
//!   Okta: `schemas`, `userName`, `active` and the Profile Editor attributes `email`, `name` (a
//!   *string*) and `role` at the top level, no password; Entra: `userName`, `active`,
//!   `displayName`, the work email and `employeeType`. `guide-literal` follows the Entra step
//!   "remove every mapping except userName" to the letter, which also removes
//!   `IsSoftDeleted → active`: no `active` anywhere and no soft delete or reactivation is ever
//!   sent (for Okta it equals `guide`: deactivation is a provisioning action there, not a
//!   mapping). `full` sends the IdPs' richer default payloads (name objects, enterprise
//!   extension, password, `meta`, `roles: []`…).
//! - **Where Entra's `employeeType` lands** ([`EmployeeTypeAt`]): the guide does not say which
//!   target attribute the admin picks, so all three are simulated: the top level, the
//!   enterprise extension, or a custom extension (the default, as Entra sends custom
//!   attributes: [`GUIDE_EXTENSION`] for the guide setups, [`ROLE_EXTENSION`] for `full`,
//!   without listing it in `schemas`). Updates use the matching path.
//! - **Role slips** are kept in every setup (see [`population`]): invalid values, a missing
//!   role, and the role under a wrong-case name (`Role`, `EmployeeType`). A missing role is left
//!   out of the body entirely (both IdPs skip null attributes).

pub mod entra;
pub mod import;
pub mod okta;
pub mod population;
pub mod report;
pub mod runner;
pub mod verdict;

pub use population::{Population, RoleMix, RoleValue};
pub use report::{
    Outcome, Progress, SimulatedUser, SimulationReport, SimulationSummary, StepResult,
};
pub use runner::{OnStep, RetryPolicy, Target};
pub use verdict::Verdict;

use reqwest::header::{HeaderMap, HeaderValue};
use runner::{Run, RunConfig, Stop};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::watch;
use ts_rs::TS;

/// Requests a second against a remote target unless `--rate` says otherwise.
pub const DEFAULT_REMOTE_RATE: f64 = 10.0;
/// Per-request timeout unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// People simulated unless `--users` says otherwise.
pub const DEFAULT_USERS: usize = 10;
/// The most people one run simulates (every step is kept for the report: ~50 000 people is
/// a few hundred thousand steps).
pub const MAX_USERS: usize = 50_000;
/// The population seed unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 1;
/// The User-Agent of the simulated Entra ID (the real one is undocumented).
pub const ENTRA_USER_AGENT: &str = concat!(
    "ScimLab-Simulator/",
    env!("CARGO_PKG_VERSION"),
    " (replaying Microsoft Entra ID provisioning)"
);
/// Okta's documented User-Agent.
pub const OKTA_USER_AGENT: &str = "Okta SCIM Client 1.0.0";
/// The custom extension the simulated Entra app sends `employeeType` (the role) in with
/// `--setup full`.
pub const ROLE_EXTENSION: &str = "urn:ietf:params:scim:schemas:extension:ScimLab:2.0:User";
/// The custom extension an admin following the target app's guide adds `employeeType` to
/// (`--setup guide --employee-type-at custom`).
pub const GUIDE_EXTENSION: &str = "urn:ietf:params:scim:schemas:extension:testmail:2.0:User";
/// Entra's opt-in flag for its RFC-compliant PATCH dialect, as a query on the Tenant URL.
pub const AAD_FLAG: &str = "aadOptscim062020";

/// A simulation scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Entra ID provisioning cycles: probe, match, create, update, soft delete, reactivation,
    /// hard delete, groups.
    Entra,
    /// Okta: connector test, match, create, updates, (de)activation, push groups.
    Okta,
    /// Okta's import: paging through every user and group with `count=100` (read-only).
    Import,
}

impl Scenario {
    /// `entra`, `okta`, `import`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entra => "entra",
            Self::Okta => "okta",
            Self::Import => "import",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scenario {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, SimError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "entra" => Ok(Self::Entra),
            "okta" => Ok(Self::Okta),
            "import" => Ok(Self::Import),
            _ => Err(SimError::Scenario(s.to_owned())),
        }
    }
}

/// How the IdP writes its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum Dialect {
    /// Entra's default: capitalised ops, `"False"` as a string, member removal by value list.
    #[serde(rename = "default")]
    Default,
    /// Entra with `?aadOptscim062020`: lowercase ops, real booleans, path-less replace with
    /// dotted keys, member removal by filter.
    #[serde(rename = "aadOptscim062020")]
    AadOptscim062020,
    /// Okta App Integration Wizard app: GET then PUT for every user and group change.
    #[serde(rename = "aiw")]
    Aiw,
    /// Okta OIN template app: PUT for profiles, path-less PATCH for (de)activation, PATCH for
    /// group membership.
    #[serde(rename = "oin")]
    Oin,
}

impl Dialect {
    /// The spelling used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::AadOptscim062020 => AAD_FLAG,
            Self::Aiw => "aiw",
            Self::Oin => "oin",
        }
    }

    /// The dialects of `scenario`, the default first.
    pub fn of(scenario: Scenario) -> &'static [Dialect] {
        match scenario {
            Scenario::Entra => &[Self::Default, Self::AadOptscim062020],
            Scenario::Okta => &[Self::Aiw, Self::Oin],
            Scenario::Import => &[],
        }
    }

    /// Parse `s` as a dialect of `scenario` (case-insensitive).
    pub fn parse(scenario: Scenario, s: &str) -> Result<Self, SimError> {
        Self::of(scenario)
            .iter()
            .copied()
            .find(|d| d.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SimError::Dialect {
                scenario,
                given: s.to_owned(),
            })
    }
}

/// How the simulated admin configured the IdP's attribute mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Setup {
    /// Exactly what the target app's guide configures (the default).
    #[default]
    Guide,
    /// The guide followed to the letter: Entra's "remove every mapping except userName" also
    /// removes `IsSoftDeleted → active` (no `active`, no deactivation). Okta: as `guide`.
    GuideLiteral,
    /// The IdPs' richer default payloads (what the scenarios sent before the guide setups).
    Full,
}

impl Setup {
    /// Every setup, the default first.
    pub const ALL: [Setup; 3] = [Self::Guide, Self::GuideLiteral, Self::Full];

    /// `guide`, `guide-literal`, `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guide => "guide",
            Self::GuideLiteral => "guide-literal",
            Self::Full => "full",
        }
    }

    /// Whether the payloads are the guide's (`guide`, `guide-literal`).
    pub fn is_guide(self) -> bool {
        self != Self::Full
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Setup {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, SimError> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SimError::Setup(s.to_owned()))
    }
}

/// Where Entra sends `employeeType` (the role): it depends on the target attribute the admin
/// picks, which the guide does not show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmployeeTypeAt {
    /// `"employeeType": "Admin"` at the top level of the user (a plain attribute).
    Top,
    /// In `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` (listed in `schemas`).
    Enterprise,
    /// In a custom extension, not listed in `schemas` (Entra's custom attribute; the default).
    #[default]
    Custom,
}

impl EmployeeTypeAt {
    /// Every placement.
    pub const ALL: [EmployeeTypeAt; 3] = [Self::Top, Self::Enterprise, Self::Custom];

    /// `top`, `enterprise`, `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Top => "top",
            Self::Enterprise => "enterprise",
            Self::Custom => "custom",
        }
    }
}

impl fmt::Display for EmployeeTypeAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EmployeeTypeAt {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, SimError> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SimError::EmployeeTypeAt(s.to_owned()))
    }
}

/// A simulation that cannot start, naming the bad value and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Unknown scenario.
    #[error("unknown scenario '{0}': use entra, okta or import")]
    Scenario(String),
    /// A dialect the scenario does not have.
    #[error("unknown dialect '{given}' for {scenario}: {}", dialect_help(*.scenario))]
    Dialect {
        /// The scenario.
        scenario: Scenario,
        /// What was given.
        given: String,
    },
    /// Unknown setup.
    #[error("unknown setup '{0}': use guide, guide-literal or full")]
    Setup(String),
    /// Unknown placement of `employeeType`.
    #[error("unknown employee type placement '{0}': use top, enterprise or custom")]
    EmployeeTypeAt(String),
    /// A setup for a scenario that sends no users.
    #[error("setup does not apply to import (it only reads): leave it out")]
    SetupForImport,
    /// A placement of `employeeType` for a scenario other than Entra.
    #[error("employee-type-at is for entra: {scenario} does not send employeeType, leave it out")]
    EmployeeTypeAtNotEntra {
        /// The scenario.
        scenario: Scenario,
    },
    /// The dialect contradicts the target URL's `?aadOptscim062020`.
    #[error(
        "the target url carries ?{AAD_FLAG}, which makes entra use that dialect: drop --dialect default or remove the flag from the url"
    )]
    DialectConflict,
    /// A bad target URL.
    #[error(
        "invalid target url '{url}': {why}; use the scim base url, e.g. https://app.example.com/scim/v2"
    )]
    Url {
        /// What was given.
        url: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A token that cannot go in a header.
    #[error("invalid token: {0}; pass the scim api key of the target with --token")]
    Token(&'static str),
    /// Users out of range.
    #[error("invalid number of users {0}: use 1 to {MAX_USERS}")]
    Users(usize),
    /// Rate not a positive number.
    #[error("invalid rate {0}: use at least 0.001 requests per second, or 0 for no limit")]
    Rate(f64),
    /// Timeout zero.
    #[error("invalid timeout: use at least 1 second")]
    Timeout,
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] runner::ClientError),
}

fn dialect_help(scenario: Scenario) -> String {
    let names: Vec<&str> = Dialect::of(scenario).iter().map(|d| d.as_str()).collect();
    if names.is_empty() {
        format!("{scenario} has no dialects, leave --dialect out")
    } else {
        format!("use {}", names.join(" or "))
    }
}

/// Everything a run needs besides the target.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The scenario.
    pub scenario: Scenario,
    /// The dialect (`None`: the scenario's default, or the target URL's flag).
    pub dialect: Option<Dialect>,
    /// How the IdP is configured (`None`: [`Setup::Guide`]; must be `None` for `import`).
    pub setup: Option<Setup>,
    /// Where Entra sends `employeeType` (`None`: [`EmployeeTypeAt::Custom`]; Entra only).
    pub employee_type_at: Option<EmployeeTypeAt>,
    /// Number of simulated people (ignored by `import`).
    pub users: usize,
    /// Population seed.
    pub seed: u64,
    /// Role mix of the population.
    pub roles: RoleMix,
    /// Requests a second (0: no limit).
    pub rate: f64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// 429 policy.
    pub retry: RetryPolicy,
    /// Added to the reason when the first request cannot connect.
    pub unreachable_hint: Option<String>,
}

impl SimOptions {
    /// Defaults for `scenario` against a remote target.
    pub fn new(scenario: Scenario) -> Self {
        Self {
            scenario,
            dialect: None,
            setup: None,
            employee_type_at: None,
            users: DEFAULT_USERS,
            seed: DEFAULT_SEED,
            roles: RoleMix::default(),
            rate: DEFAULT_REMOTE_RATE,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            unreachable_hint: None,
        }
    }

    /// Check the options before a run (the run checks them too): the first bad one, named,
    /// with the fix.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.scenario != Scenario::Import && !(1..=MAX_USERS).contains(&self.users) {
            return Err(SimError::Users(self.users));
        }
        // 0 means no limit; anything else must be a rate a clock can space (at least one
        // request every 1000 s).
        if !(self.rate == 0.0 || (self.rate >= 0.001 && self.rate.is_finite())) {
            return Err(SimError::Rate(self.rate));
        }
        if self.timeout < Duration::from_secs(1) {
            return Err(SimError::Timeout);
        }
        if self.scenario == Scenario::Import && self.setup.is_some() {
            return Err(SimError::SetupForImport);
        }
        if self.scenario != Scenario::Entra && self.employee_type_at.is_some() {
            return Err(SimError::EmployeeTypeAtNotEntra {
                scenario: self.scenario,
            });
        }
        Ok(())
    }

    /// The setup in force (`None` for `import`).
    pub fn setup_in_force(&self) -> Option<Setup> {
        (self.scenario != Scenario::Import).then(|| self.setup.unwrap_or_default())
    }

    /// Where Entra's `employeeType` goes (`None` unless the scenario is Entra).
    pub fn employee_type_in_force(&self) -> Option<EmployeeTypeAt> {
        (self.scenario == Scenario::Entra).then(|| self.employee_type_at.unwrap_or_default())
    }
}

/// Parse a target: an `http(s)` SCIM base URL (a query such as `?aadOptscim062020` is kept and
/// sent on every request) and the token to send as `Authorization: Bearer <token>`.
pub fn target(url: &str, token: &str) -> Result<Target, SimError> {
    let bad = |why| SimError::Url {
        url: url.to_owned(),
        why,
    };
    let trimmed = url.trim();
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or_else(|| bad("it must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("it has no host"));
    }
    if trimmed.contains('#') || trimmed.chars().any(char::is_whitespace) {
        return Err(bad("it contains '#' or whitespace"));
    }
    let (base, query) = match trimmed.split_once('?') {
        Some((b, q)) => (b, Some(q.to_owned()).filter(|q| !q.is_empty())),
        None => (trimmed, None),
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(SimError::Token("it is empty"));
    }
    if HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
        return Err(SimError::Token(
            "it contains characters a header cannot carry",
        ));
    }
    Ok(Target {
        base_url: base.trim_end_matches('/').to_owned(),
        base_query: query,
        token: token.to_owned(),
    })
}

fn has_aad_flag(t: &Target) -> bool {
    t.base_query.as_deref().is_some_and(|q| {
        q.split('&').any(|p| {
            p.split('=')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case(AAD_FLAG))
        })
    })
}

/// The dialect in force, with the target adjusted for it (Entra's flag added to the URL).
fn resolve(
    options: &SimOptions,
    mut target: Target,
) -> Result<(Option<Dialect>, Target), SimError> {
    let dialect = match (options.scenario, options.dialect) {
        (Scenario::Import, None) => None,
        (Scenario::Import, Some(d)) => {
            return Err(SimError::Dialect {
                scenario: Scenario::Import,
                given: d.as_str().to_owned(),
            });
        }
        (s, Some(d)) if !Dialect::of(s).contains(&d) => {
            return Err(SimError::Dialect {
                scenario: s,
                given: d.as_str().to_owned(),
            });
        }
        (Scenario::Entra, Some(Dialect::Default)) if has_aad_flag(&target) => {
            return Err(SimError::DialectConflict);
        }
        (Scenario::Entra, None) if has_aad_flag(&target) => Some(Dialect::AadOptscim062020),
        (s, d) => Some(d.unwrap_or(Dialect::of(s)[0])),
    };
    if dialect == Some(Dialect::AadOptscim062020) && !has_aad_flag(&target) {
        target.base_query = Some(match target.base_query {
            Some(q) => format!("{AAD_FLAG}&{q}"),
            None => AAD_FLAG.to_owned(),
        });
    }
    Ok((dialect, target))
}

fn headers(scenario: Scenario) -> (HeaderMap, &'static str) {
    let mut h = HeaderMap::new();
    let accept = HeaderValue::from_static("application/scim+json");
    h.insert(reqwest::header::ACCEPT, accept);
    match scenario {
        Scenario::Entra => {
            h.insert(
                reqwest::header::USER_AGENT,
                HeaderValue::from_static(ENTRA_USER_AGENT),
            );
            (h, "application/scim+json")
        }
        Scenario::Okta | Scenario::Import => {
            h.insert(
                reqwest::header::USER_AGENT,
                HeaderValue::from_static(OKTA_USER_AGENT),
            );
            h.insert(
                reqwest::header::ACCEPT_CHARSET,
                HeaderValue::from_static("utf-8"),
            );
            (h, "application/scim+json; charset=utf-8")
        }
    }
}

/// Run `options.scenario` against `target`. Every step is passed to `on_step` as it completes;
/// the run stops between steps (and during a wait or a request) once `cancel` turns `true`.
pub async fn run(
    options: &SimOptions,
    target: Target,
    cancel: watch::Receiver<bool>,
    on_step: &mut OnStep<'_>,
) -> Result<SimulationReport, SimError> {
    options.validate()?;
    let (dialect, target) = resolve(options, target)?;
    let population = match options.scenario {
        Scenario::Import => Population::generate(0, options.seed, options.roles),
        _ => Population::generate(options.users, options.seed, options.roles),
    };
    let setup = options.setup_in_force().unwrap_or_default();
    let entra_setup = entra::Config {
        setup,
        employee_type_at: options.employee_type_in_force().unwrap_or_default(),
    };
    let estimated_total = match (options.scenario, dialect) {
        (Scenario::Entra, Some(d)) => entra::estimate(&population, d, setup),
        (Scenario::Okta, Some(d)) => okta::estimate(&population, d),
        _ => import::estimate(),
    };
    let (headers, content_type) = headers(options.scenario);
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let started = tokio::time::Instant::now();
    let display_target = target.display();
    let judge = match options.scenario {
        Scenario::Entra => verdict::Judge::Entra,
        _ => verdict::Judge::Okta,
    };
    let mut run = Run::new(
        RunConfig {
            target,
            headers,
            content_type,
            judge,
            rate: options.rate,
            timeout: options.timeout,
            retry: options.retry,
            unreachable_hint: options.unreachable_hint.clone(),
            estimated_total,
        },
        cancel,
        on_step,
    )?;
    let users = match (options.scenario, dialect) {
        (Scenario::Entra, Some(d)) => {
            entra::run(&mut run, &population, d, entra_setup).await;
            entra::expected_users(&population, entra_setup)
        }
        (Scenario::Okta, Some(d)) => {
            okta::run(&mut run, &population, d, setup).await;
            okta::expected_users(&population, setup)
        }
        _ => {
            import::run(&mut run).await;
            Vec::new()
        }
    };
    run.stopped();
    let count = |v: Verdict| run.steps.iter().filter(|s| s.verdict == v).count() as u32;
    let (passed, failed, skipped) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Skipped),
    );
    let (outcome, stop_reason) = match &run.stop {
        Some(Stop::Cancelled) => (Outcome::Cancelled, Some("cancelled (ctrl-c)".to_owned())),
        Some(Stop::Aborted(why)) => (Outcome::Aborted, Some(why.clone())),
        None if failed + skipped == 0 => (Outcome::Passed, None),
        None => (Outcome::Failed, None),
    };
    let summary = SimulationSummary {
        scenario: options.scenario.as_str().to_owned(),
        dialect: dialect.map(|d| d.as_str().to_owned()),
        setup: options.setup_in_force().map(|s| s.as_str().to_owned()),
        employee_type_at: options
            .employee_type_in_force()
            .map(|e| e.as_str().to_owned()),
        notes: std::mem::take(&mut run.notes),
        target: display_target,
        users: population.people.len() as u32,
        seed: options.seed,
        roles: population.role_counts(),
        outcome,
        stop_reason,
        steps: run.steps.len() as u32,
        passed,
        failed,
        skipped,
        throttled: run.throttled,
        waited_ms: run.waited.as_millis() as u64,
        duration_ms: (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
        rate: options.rate,
        started_at,
        failures: run
            .steps
            .iter()
            .filter(|s| s.verdict == Verdict::Fail)
            .take(report::MAX_FAILURES_IN_SUMMARY)
            .cloned()
            .collect(),
    };
    Ok(SimulationReport {
        summary,
        steps: std::mem::take(&mut run.steps),
        population: users,
    })
}

/// `filter=<attr> eq "<value>"` as Entra encodes it (`+` for spaces: `userName+eq+%22…%22`).
pub(crate) fn entra_filter(attr: &str, value: &str) -> String {
    let f = format!("{attr} eq \"{value}\"");
    format!(
        "filter={}",
        form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>()
    )
}

/// `filter=<attr> eq "<value>"` as Okta encodes it (`%20` for spaces).
pub(crate) fn okta_filter(attr: &str, value: &str) -> String {
    // byte_serialize writes a space as '+' and a literal '+' as %2B, so every '+' is a space.
    entra_filter(attr, value).replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_a_clock_cannot_space_are_refused() {
        for bad in [1e-20, -1.0, f64::NAN, f64::INFINITY] {
            let e = SimError::Rate(bad).to_string();
            assert!(e.contains("0.001"), "{e}");
            let opts = SimOptions {
                rate: bad,
                ..SimOptions::new(Scenario::Entra)
            };
            assert!(opts.validate().is_err(), "{bad}");
        }
        for good in [0.0, 0.001, 10.0] {
            let opts = SimOptions {
                rate: good,
                ..SimOptions::new(Scenario::Entra)
            };
            assert!(opts.validate().is_ok(), "{good}");
        }
    }

    #[test]
    fn targets_parse_and_bad_ones_say_how_to_fix_them() {
        let t = target("https://app.example.com/scim/v2/?aadOptscim062020", "k3y").unwrap();
        assert_eq!(t.base_url, "https://app.example.com/scim/v2");
        assert_eq!(t.base_query.as_deref(), Some("aadOptscim062020"));
        let e = target("app.example.com/scim", "k").unwrap_err().to_string();
        assert!(e.contains("must start with http:// or https://"), "{e}");
        assert!(e.contains("'app.example.com/scim'"), "{e}");
        let e = target("https://x/scim", " ").unwrap_err().to_string();
        assert!(e.contains("--token"), "{e}");
        assert!(target("https:///scim", "k").is_err());
    }

    #[test]
    fn dialects_parse_per_scenario_and_follow_the_url_flag() {
        assert_eq!(
            Dialect::parse(Scenario::Entra, "AADOPTSCIM062020").unwrap(),
            Dialect::AadOptscim062020
        );
        let e = Dialect::parse(Scenario::Okta, "default")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "unknown dialect 'default' for okta: use aiw or oin");
        let e = Dialect::parse(Scenario::Import, "aiw")
            .unwrap_err()
            .to_string();
        assert!(e.contains("import has no dialects"), "{e}");

        let plain = target("http://127.0.0.1:1/scim/v2", "k").unwrap();
        let flagged = target("http://127.0.0.1:1/scim/v2?aadOptscim062020", "k").unwrap();
        let mut o = SimOptions::new(Scenario::Entra);
        let (d, t) = resolve(&o, plain.clone()).unwrap();
        assert_eq!((d, t.base_query), (Some(Dialect::Default), None));
        let (d, _) = resolve(&o, flagged.clone()).unwrap();
        assert_eq!(d, Some(Dialect::AadOptscim062020));
        o.dialect = Some(Dialect::AadOptscim062020);
        let (_, t) = resolve(&o, plain.clone()).unwrap();
        assert_eq!(t.base_query.as_deref(), Some(AAD_FLAG));
        o.dialect = Some(Dialect::Default);
        assert!(matches!(
            resolve(&o, flagged),
            Err(SimError::DialectConflict)
        ));
        let okta = SimOptions::new(Scenario::Okta);
        assert_eq!(resolve(&okta, plain.clone()).unwrap().0, Some(Dialect::Aiw));
        let import = SimOptions::new(Scenario::Import);
        assert_eq!(resolve(&import, plain).unwrap().0, None);
    }

    #[test]
    fn filters_are_encoded_as_each_idp_does() {
        assert_eq!(
            entra_filter("userName", "a b@x.com"),
            "filter=userName+eq+%22a+b%40x.com%22"
        );
        assert_eq!(
            okta_filter("userName", "a+b@x.com"),
            "filter=userName%20eq%20%22a%2Bb%40x.com%22"
        );
    }

    #[test]
    fn setups_and_placements_parse_and_apply_only_where_they_mean_something() {
        assert_eq!(
            "Guide-Literal".parse::<Setup>().unwrap(),
            Setup::GuideLiteral
        );
        assert_eq!(" full".parse::<Setup>().unwrap(), Setup::Full);
        assert_eq!(
            "literal".parse::<Setup>().unwrap_err().to_string(),
            "unknown setup 'literal': use guide, guide-literal or full"
        );
        assert_eq!(
            "TOP".parse::<EmployeeTypeAt>().unwrap(),
            EmployeeTypeAt::Top
        );
        assert!(
            "core"
                .parse::<EmployeeTypeAt>()
                .unwrap_err()
                .to_string()
                .contains("use top, enterprise or custom")
        );
        // The defaults: guide, and employeeType in a custom extension (Entra only).
        let entra = SimOptions::new(Scenario::Entra);
        assert_eq!(entra.setup_in_force(), Some(Setup::Guide));
        assert_eq!(entra.employee_type_in_force(), Some(EmployeeTypeAt::Custom));
        let okta = SimOptions::new(Scenario::Okta);
        assert_eq!(okta.employee_type_in_force(), None);
        assert_eq!(SimOptions::new(Scenario::Import).setup_in_force(), None);
        let mut o = SimOptions::new(Scenario::Okta);
        o.employee_type_at = Some(EmployeeTypeAt::Top);
        let e = o.validate().unwrap_err().to_string();
        assert_eq!(
            e,
            "employee-type-at is for entra: okta does not send employeeType, leave it out"
        );
        let mut i = SimOptions::new(Scenario::Import);
        i.setup = Some(Setup::Full);
        assert!(
            i.validate()
                .unwrap_err()
                .to_string()
                .contains("setup does not apply to import")
        );
    }

    #[test]
    fn options_are_validated() {
        let mut o = SimOptions::new(Scenario::Okta);
        o.users = 0;
        assert_eq!(
            o.validate().unwrap_err().to_string(),
            "invalid number of users 0: use 1 to 50000"
        );
        o.users = 5;
        o.rate = -1.0;
        assert!(
            o.validate()
                .unwrap_err()
                .to_string()
                .contains("0 for no limit")
        );
        let mut i = SimOptions::new(Scenario::Import);
        i.users = 0;
        assert!(i.validate().is_ok(), "import ignores users");
    }
}
