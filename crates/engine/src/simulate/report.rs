//! What a simulation reports: one [`StepResult`] per request, [`Progress`] while it runs, and a
//! [`SimulationSummary`] at the end — plus the plain-text table and summary the CLI prints.
//!
//! These types cross to the UI (admin API and events), so they derive `ts_rs::TS` and are
//! generated into `ui/src/generated/`.

use super::population::RoleCountsSent;
use super::verdict::Verdict;
use serde::Serialize;
use ts_rs::TS;

/// One request of the simulated IdP and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    /// 1-based position in the run.
    pub index: u32,
    /// The phase it belongs to (`test connection`, `create users`, …).
    pub phase: String,
    /// What the step does, e.g. `create ada.lovelace1@contoso.example`.
    pub name: String,
    /// HTTP method.
    pub method: String,
    /// Path relative to the base URL, with the query.
    pub path: String,
    /// Response status; `null` when no answer came (or the step was skipped).
    pub status: Option<u16>,
    /// Time to the full answer, in milliseconds (429 waits excluded).
    pub latency_ms: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// What the IdP expects, in a few words.
    pub expected: String,
    /// Why it failed or was skipped; a note on some passes.
    pub explanation: Option<String>,
    /// Retries after `429`.
    pub retries: u32,
    /// Time waited on `429`s, in milliseconds.
    #[ts(type = "number")]
    pub waited_ms: u64,
}

/// How far a run is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The phase running now.
    pub phase: String,
    /// Steps done.
    pub done: u32,
    /// Steps expected in all (an estimate: matches and failures change it).
    pub estimated_total: u32,
    /// Steps that passed.
    pub passed: u32,
    /// Steps that failed.
    pub failed: u32,
    /// Steps skipped.
    pub skipped: u32,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every step met the IdP's expectation.
    Passed,
    /// At least one step did not.
    Failed,
    /// Stopped by Ctrl-C (or the engine shutting down).
    Cancelled,
    /// Abandoned: the target could not be reached or refused the token.
    Aborted,
}

/// The end of a run, small enough for an event.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SimulationSummary {
    /// `entra`, `okta` or `import`.
    pub scenario: String,
    /// The dialect (`default`, `aadOptscim062020`, `aiw`, `oin`); `null` for `import`.
    pub dialect: Option<String>,
    /// How the IdP was configured: `guide`, `guide-literal` or `full`; `null` for `import`.
    pub setup: Option<String>,
    /// Where Entra sent `employeeType`: `top`, `enterprise` or `custom`; `null` for the others.
    pub employee_type_at: Option<String>,
    /// What the scenario deliberately did not send, and why (e.g. `guide-literal`: no
    /// deactivation ever reaches the app).
    pub notes: Vec<String>,
    /// The base URL driven (with its query, e.g. `?aadOptscim062020`).
    pub target: String,
    /// Simulated people.
    pub users: u32,
    /// The population's seed.
    #[ts(type = "number")]
    pub seed: u64,
    /// The roles the population was sent on create.
    pub roles: RoleCountsSent,
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
    /// Steps skipped because a step they needed failed.
    pub skipped: u32,
    /// `429` answers received.
    pub throttled: u32,
    /// Time waited on `429`s, in milliseconds.
    #[ts(type = "number")]
    pub waited_ms: u64,
    /// Wall-clock duration, in milliseconds.
    pub duration_ms: f64,
    /// Requests per second the run was limited to (`0`: no limit).
    pub rate: f64,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// The first failed steps (at most [`MAX_FAILURES_IN_SUMMARY`]).
    pub failures: Vec<StepResult>,
}

/// Failed steps carried in a summary (the full list is in the report).
pub const MAX_FAILURES_IN_SUMMARY: usize = 20;

/// One simulated person as the run left them, with the role the target app should end up with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SimulatedUser {
    /// The userName sent.
    pub user_name: String,
    /// The role value last sent; `null` when none was.
    pub role_sent: Option<String>,
    /// Where that value was sent: the attribute as a path (`role`, `Role`, `employeeType`,
    /// `urn:…:enterprise:2.0:User:employeeType`…); `null` when no role was sent.
    pub role_attribute: Option<String>,
    /// The role the app should give (`Member` unless `Admin` exactly was sent).
    pub expected_role: String,
    /// How ScimLab's mapping should show it: `mapped`, `defaulted`, `invalid` or `misnamed`.
    pub expected_status: String,
    /// Whether the scenario deleted it (Entra's hard delete).
    pub deleted: bool,
    /// Whether it ends active.
    pub active: bool,
}

/// Everything about a finished run: the summary, every step, the population.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SimulationReport {
    /// The summary.
    pub summary: SimulationSummary,
    /// Every step, in order.
    pub steps: Vec<StepResult>,
    /// The simulated people (empty for `import`).
    pub population: Vec<SimulatedUser>,
}

impl SimulationReport {
    /// Whether every step met the IdP's expectation (the CLI exits 0 only then).
    pub fn all_passed(&self) -> bool {
        self.summary.outcome == Outcome::Passed
    }
}

/// The table's header line.
pub fn table_header() -> String {
    format!(
        "{:>5}  {:<6}  {:<60}  {:>6}  {:>9}  {:<7}  {}",
        "#", "METHOD", "PATH", "STATUS", "LATENCY", "VERDICT", "STEP"
    )
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let head: String = s.chars().take(width.saturating_sub(1)).collect();
    format!("{head}…")
}

/// One step as table lines: the row, then its explanation indented (failures and notes).
pub fn table_row(s: &StepResult) -> String {
    let status = s.status.map_or_else(|| "-".to_owned(), |c| c.to_string());
    let latency = if s.verdict == Verdict::Skipped {
        "-".to_owned()
    } else {
        format!("{:.1} ms", s.latency_ms)
    };
    let mut out = format!(
        "{:>5}  {:<6}  {:<60}  {:>6}  {:>9}  {:<7}  {}",
        s.index,
        s.method,
        clip(&s.path, 60),
        status,
        latency,
        s.verdict.label(),
        s.name
    );
    if let Some(e) = &s.explanation {
        let lead = if s.verdict == Verdict::Pass {
            "note"
        } else {
            "why"
        };
        out.push_str(&format!("\n       {lead}: {e}"));
    }
    out
}

/// The closing summary, several lines.
pub fn summary_text(s: &SimulationSummary) -> String {
    let mut out = String::new();
    let how: Vec<String> = [
        s.dialect.clone(),
        s.setup.as_ref().map(|x| format!("setup {x}")),
        s.employee_type_at
            .as_ref()
            .map(|x| format!("employeeType at {x}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let dialect = if how.is_empty() {
        String::new()
    } else {
        format!(" ({})", how.join(", "))
    };
    out.push_str(&format!(
        "{}{dialect} against {}: {} steps, {} passed, {} failed, {} skipped in {:.2} s\n",
        s.scenario,
        s.target,
        s.steps,
        s.passed,
        s.failed,
        s.skipped,
        s.duration_ms / 1000.0
    ));
    if s.users > 0 {
        out.push_str(&format!(
            "population: {} users, seed {}; roles sent: {} Member, {} Admin, {} missing, {} invalid, {} under a wrong-case name\n",
            s.users,
            s.seed,
            s.roles.member,
            s.roles.admin,
            s.roles.missing,
            s.roles.invalid,
            s.roles.miscased
        ));
    }
    for n in &s.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    let rate = if s.rate > 0.0 {
        format!("{} requests/s", s.rate)
    } else {
        "no limit".to_owned()
    };
    out.push_str(&format!(
        "rate: {rate}; throttled (429): {} times, waited {:.1} s\n",
        s.throttled,
        s.waited_ms as f64 / 1000.0
    ));
    let verdict = match s.outcome {
        Outcome::Passed => "PASSED: every step met the idp's expectation".to_owned(),
        Outcome::Failed => format!(
            "FAILED: {} of {} steps did not meet the idp's expectation",
            s.failed + s.skipped,
            s.steps
        ),
        Outcome::Cancelled => "CANCELLED before the end".to_owned(),
        Outcome::Aborted => "ABORTED".to_owned(),
    };
    out.push_str(&verdict);
    if let Some(r) = &s.stop_reason {
        out.push_str(&format!(": {r}"));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(verdict: Verdict, explanation: Option<&str>) -> StepResult {
        StepResult {
            index: 3,
            phase: "create users".into(),
            name: "create ada@x".into(),
            method: "POST".into(),
            path: "/Users".into(),
            status: Some(500),
            latency_ms: 1.25,
            verdict,
            expected: "201".into(),
            explanation: explanation.map(str::to_owned),
            retries: 0,
            waited_ms: 0,
        }
    }

    #[test]
    fn rows_show_the_explanation_under_a_failure() {
        let row = table_row(&step(Verdict::Fail, Some("expected 201, got 500")));
        let mut lines = row.lines();
        let first = lines.next().unwrap();
        assert!(first.contains("POST") && first.contains("/Users") && first.contains("500"));
        assert!(
            first.contains("1.2 ms") || first.contains("1.3 ms"),
            "{first}"
        );
        assert!(first.ends_with("FAIL     create ada@x"), "{first}");
        assert_eq!(lines.next().unwrap().trim(), "why: expected 201, got 500");
        assert_eq!(table_row(&step(Verdict::Pass, None)).lines().count(), 1);
        let long = StepResult {
            path: "/".repeat(100),
            ..step(Verdict::Pass, None)
        };
        assert!(table_row(&long).contains('…'));
    }
}
