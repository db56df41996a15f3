//! `scimlab simulate entra|okta|import`: the IdP simulator on the command line.
//!
//! Without `--target` it drives the local engine at `http://<--scim-addr>/scim/v2` with the key
//! stored in `--db` (the same database `scimlab serve` uses), and says so clearly when nothing
//! listens there. Steps are printed as a table as they complete (stdout), with a progress line
//! on stderr when stderr is a terminal; `--json` prints only the final report. Ctrl-C stops the
//! run cleanly (the summary of what ran is still printed).
//!
//! Exit codes: 0 every step met the IdP's expectation; 1 at least one did not (or the run was
//! abandoned because the target could not be reached); 2 the run could not start (bad flag, no
//! database); 130 cancelled with Ctrl-C.

use anyhow::{Context, Result, bail};
use clap::Args;
use scimlab_engine::auth;
use scimlab_engine::config::DEFAULT_SCIM_ADDR;
use scimlab_engine::simulate::population::DEFAULT_ROLE_MIX;
use scimlab_engine::simulate::{
    self, DEFAULT_REMOTE_RATE, DEFAULT_SEED, DEFAULT_USERS, Dialect, EmployeeTypeAt, Outcome,
    Progress, RetryPolicy, RoleMix, Scenario, Setup, SimOptions, StepResult, report,
};
use scimlab_engine::store::prelude::*;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Flags of `scimlab simulate`.
#[derive(Args)]
pub struct SimulateArgs {
    /// The IdP traffic to replay.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(["entra", "okta", "import"]))]
    scenario: String,
    /// SCIM base URL to drive, e.g. https://app.example.com/scim/v2 (Entra's ?aadOptscim062020
    /// may be appended) [default: the local engine at http://<--scim-addr>/scim/v2].
    #[arg(long)]
    target: Option<String>,
    /// Bearer token for the target (required with --target) [default: the key stored in --db].
    #[arg(
        long,
        env = "SCIMLAB_SIM_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    token: Option<String>,
    #[command(flatten)]
    db: super::workspace_cmd::WorkspaceDb,
    /// Address of the local engine's SCIM listener (used without --target).
    #[arg(long, env = "SCIMLAB_SCIM_ADDR", default_value = DEFAULT_SCIM_ADDR)]
    scim_addr: SocketAddr,
    /// entra: default | aadOptscim062020; okta: aiw | oin [default: default / aiw].
    #[arg(long)]
    dialect: Option<String>,
    /// How the admin configured the IdP's attribute mappings. guide: exactly what the target
    /// app's guide sets up (okta: userName, active and the profile editor attributes email,
    /// name - a string - and role, no password; entra: userName, active, displayName, the work
    /// email and employeeType). guide-literal: entra's "remove every mapping except userName"
    /// to the letter, which also removes IsSoftDeleted -> active: no active is sent and no
    /// deactivation ever is (okta: the same as guide). full: the IdPs' richer default payloads
    /// (name objects, enterprise extension, password…) [default: guide; not for import].
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["guide", "guide-literal", "full"]))]
    setup: Option<String>,
    /// entra only: where employeeType (the role) lands. top: "employeeType" at the top level of
    /// the user; enterprise: in the enterprise extension; custom: in a custom extension
    /// (urn:ietf:params:scim:schemas:extension:testmail:2.0:User with the guide setups) not
    /// listed in schemas, as entra sends custom attributes [default: custom].
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["top", "enterprise", "custom"]))]
    employee_type_at: Option<String>,
    /// Number of simulated people (ignored by import).
    #[arg(long, default_value_t = DEFAULT_USERS)]
    users: usize,
    /// Seed of the generated people: the same seed gives the same people, roles and choices.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Role mix as weights; missing = no role attribute, invalid = a value other than
    /// Member/Admin (admin, Admin , Owner…), miscased = Admin sent under the attribute name in
    /// the wrong case (Role, EmployeeType).
    #[arg(long, default_value = DEFAULT_ROLE_MIX)]
    roles: RoleMix,
    /// Most requests per second; 0 = no limit [default: 10 with --target, no limit locally].
    #[arg(long)]
    rate: Option<f64>,
    /// Seconds to wait for each answer (Okta itself waits 60).
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Retries of one request after a 429 before the step fails.
    #[arg(long, default_value_t = 3)]
    max_retries: u32,
    /// Longest wait in seconds on a 429's Retry-After; a longer one fails the step.
    #[arg(long, default_value_t = 30)]
    max_retry_wait: u64,
    /// Print only the final report as JSON (summary, every step, the population).
    #[arg(long)]
    json: bool,
}

/// A receiver that turns `true` on Ctrl-C. The handler is installed before this returns, so a
/// Ctrl-C from then on always stops the run cleanly (as `serve` does).
pub(crate) fn cancel_on_ctrl_c() -> tokio::sync::watch::Receiver<bool> {
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
    let early = futures_util::FutureExt::now_or_never(ctrl_c.as_mut());
    tokio::spawn(async move {
        let pressed = match early {
            Some(r) => r.is_ok(),
            None => ctrl_c.await.is_ok(),
        };
        if pressed {
            let _ = cancel_tx.send(true);
        }
    });
    cancel_rx
}

/// The exit code for how a run ended (see the module docs).
pub(crate) fn exit_code(outcome: Outcome) -> ExitCode {
    match outcome {
        Outcome::Passed => ExitCode::SUCCESS,
        Outcome::Cancelled => ExitCode::from(130),
        Outcome::Failed | Outcome::Aborted => ExitCode::from(1),
    }
}

/// Run the command; errors are printed here, so `main` only maps the exit code.
pub async fn run(args: SimulateArgs) -> ExitCode {
    match simulate_cmd(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The stored SCIM key of the workspace at `db`, without creating anything.
pub(crate) async fn stored_key(db: &scimlab_engine::database::WorkspaceData) -> Result<String> {
    if let Some(path) = db.file().filter(|p| !p.exists()) {
        bail!(
            "no scimlab database at {}: start the engine with `scimlab serve --db {}` first, or pass --target URL --token KEY",
            path.display(),
            path.display()
        );
    }
    let store = db.open().await?;
    let mut conn = store
        .read()
        .await
        .context("could not open a database connection")?;
    let key = conn
        .setting(auth::KEY_SETTING)
        .await
        .context("could not read the scim api key")?;
    drop(conn);
    store.close().await;
    key.with_context(|| {
        format!(
            "the database at {} holds no scim api key yet: start `scimlab serve` on it once, or pass --token",
            db.describe()
        )
    })
}

/// Prints rows and the progress line; progress only when stderr is a terminal.
/// The table on stdout (one row per step as it completes) and a progress line on stderr when
/// it is a terminal; shared by `simulate` and `replay`.
pub(crate) struct Printer {
    pub(crate) table: bool,
    pub(crate) progress: bool,
    pub(crate) shown: bool,
    pub(crate) last: Option<Instant>,
    pub(crate) label: String,
}

impl Printer {
    pub(crate) fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            self.shown = false;
        }
    }

    pub(crate) fn step(&mut self, step: &StepResult, progress: &Progress) {
        if self.table {
            self.clear();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", report::table_row(step));
        }
        if self.progress
            && self
                .last
                .is_none_or(|t| t.elapsed() >= Duration::from_millis(100))
        {
            self.clear();
            let width = 24usize;
            let total = progress.estimated_total.max(1) as usize;
            let filled = (progress.done as usize * width / total).min(width);
            eprint!(
                "{} [{}{}] {}/{} steps · {} · {} failed",
                self.label,
                "=".repeat(filled),
                " ".repeat(width - filled),
                progress.done,
                progress.estimated_total,
                progress.phase,
                progress.failed + progress.skipped
            );
            let _ = std::io::stderr().flush();
            self.shown = true;
            self.last = Some(Instant::now());
        }
    }
}

async fn simulate_cmd(args: SimulateArgs) -> Result<ExitCode> {
    let scenario: Scenario = args.scenario.parse()?;
    let mut options = SimOptions::new(scenario);
    options.dialect = args
        .dialect
        .as_deref()
        .map(|d| Dialect::parse(scenario, d))
        .transpose()?;
    options.setup = args.setup.as_deref().map(str::parse::<Setup>).transpose()?;
    options.employee_type_at = args
        .employee_type_at
        .as_deref()
        .map(str::parse::<EmployeeTypeAt>)
        .transpose()?;
    options.users = args.users;
    options.seed = args.seed;
    options.roles = args.roles;
    options.timeout = Duration::from_secs(args.timeout);
    options.retry = RetryPolicy {
        max_retries: args.max_retries,
        max_wait: Duration::from_secs(args.max_retry_wait),
        ..RetryPolicy::default()
    };
    options.validate()?;
    let target = match &args.target {
        Some(url) => {
            let token = args.token.as_deref().context(
                "--token is required with --target: pass the scim api key (bearer token) the target expects",
            )?;
            options.rate = args.rate.unwrap_or(DEFAULT_REMOTE_RATE);
            simulate::target(url, token)?
        }
        None => {
            let (db, slug) = args.db.resolve().await?;
            let url = format!("http://{}{}", args.scim_addr, slug.scim_base_path());
            let token = match &args.token {
                Some(t) => t.clone(),
                None => stored_key(&db).await?,
            };
            options.rate = args.rate.unwrap_or(0.0);
            options.unreachable_hint = Some(format!(
                "nothing answers at {url}: start the engine with `scimlab serve` (same --db), or pass --target URL --token KEY"
            ));
            simulate::target(&url, &token)?
        }
    };

    let cancel_rx = cancel_on_ctrl_c();

    let mut printer = Printer {
        table: !args.json,
        progress: std::io::stderr().is_terminal(),
        shown: false,
        last: None,
        label: scenario.to_string(),
    };
    if !args.json {
        let users = match (options.setup_in_force(), options.employee_type_in_force()) {
            (None, _) => String::new(),
            (Some(setup), at) => format!(
                ", setup {setup}{}, {} users, seed {}",
                at.map_or_else(String::new, |a| format!(", employeeType at {a}")),
                options.users,
                options.seed
            ),
        };
        println!("simulating {scenario} against {}{users}", target.display());
        println!("{}", report::table_header());
    }
    let mut on_step = |s: &StepResult, p: &Progress| printer.step(s, p);
    let report = simulate::run(&options, target, cancel_rx, &mut on_step).await?;
    printer.clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let failures: Vec<&StepResult> = report
            .steps
            .iter()
            .filter(|s| s.verdict != simulate::Verdict::Pass)
            .collect();
        // Repeated at the end when the table is long enough to have scrolled them away.
        if !failures.is_empty() && report.steps.len() > 30 {
            println!();
            println!("steps that did not meet the idp's expectation:");
            for s in failures.iter().take(report::MAX_FAILURES_IN_SUMMARY) {
                println!(
                    "  #{} {} {} ({}): {}",
                    s.index,
                    s.method,
                    s.path,
                    s.name,
                    s.explanation.as_deref().unwrap_or("")
                );
            }
            if failures.len() > report::MAX_FAILURES_IN_SUMMARY {
                println!(
                    "  … and {} more (see the table above, or --json)",
                    failures.len() - report::MAX_FAILURES_IN_SUMMARY
                );
            }
        }
        println!();
        print!("{}", report::summary_text(&report.summary));
    }
    Ok(exit_code(report.summary.outcome))
}
