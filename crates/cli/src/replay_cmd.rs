//! `scimlab replay --target URL --token KEY`: send exchanges captured in a ScimLab database to
//! another SCIM endpoint, in their original order, as the IdP sent them, and judge every answer
//! (see the engine's `replay` module for the rewriting and the verdicts).
//!
//! The table, `--json`, the progress line, Ctrl-C and the exit codes are `simulate`'s: 0 every
//! step passed; 1 at least one did not (or the target could not be reached); 2 the replay could
//! not start (bad flag, no database, an unknown user); 130 cancelled.

use super::simulate_cmd::{Printer, cancel_on_ctrl_c, exit_code};
use anyhow::{Context, Result, bail};
use clap::Args;
use scimlab_engine::model::Idp;
use scimlab_engine::replay::{self, ReplayOptions, ReplaySelection, ReplayStep};
use scimlab_engine::simulate::{self, Progress, RetryPolicy, report};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// Flags of `scimlab replay`.
#[derive(Args)]
pub struct ReplayArgs {
    /// SCIM base URL to send to, e.g. https://staging.example.com/scim/v2.
    #[arg(long)]
    target: String,
    /// Bearer token the target expects.
    #[arg(
        long,
        env = "SCIMLAB_REPLAY_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    token: String,
    #[command(flatten)]
    db: super::workspace_cmd::WorkspaceDb,
    /// Only this IdP's requests.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["entra", "okta", "other"]))]
    idp: Option<String>,
    /// One user's whole timeline, by userName.
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// From this time on (RFC 3339, e.g. 2026-12-06T14:00:00Z).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Up to this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// From this exchange id on (the # in Traffic).
    #[arg(long, value_name = "ID")]
    from_id: Option<i64>,
    /// Up to this exchange id.
    #[arg(long, value_name = "ID")]
    to_id: Option<i64>,
    /// Only requests that change data (creates, updates, (de)activations, deletes, groups).
    #[arg(long)]
    writes_only: bool,
    /// Rewrite and list what would be sent, without sending anything.
    #[arg(long)]
    dry_run: bool,
    /// Most requests per second; 0 = no limit.
    #[arg(long, default_value_t = simulate::DEFAULT_REMOTE_RATE)]
    rate: f64,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Retries of one request after a 429 before the step fails.
    #[arg(long, default_value_t = 3)]
    max_retries: u32,
    /// Longest wait in seconds on a 429's Retry-After; a longer one fails the step.
    #[arg(long, default_value_t = 30)]
    max_retry_wait: u64,
    /// Print only the final report as JSON (summary and every step).
    #[arg(long)]
    json: bool,
}

/// Run the command; errors are printed here, so `main` only maps the exit code.
pub async fn run(args: ReplayArgs) -> ExitCode {
    match replay_cmd(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn replay_cmd(args: ReplayArgs) -> Result<ExitCode> {
    let target = simulate::target(&args.target, &args.token)?;
    let (db, _) = args.db.resolve().await?;
    let selection = ReplaySelection {
        idp: args.idp.as_deref().map(|i| i.parse::<Idp>()).transpose()?,
        user: args.user.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        from_id: args.from_id,
        to_id: args.to_id,
        writes_only: args.writes_only,
        ids: Vec::new(),
    };
    let store = super::workspace_cmd::open_existing(&db).await?;
    let exchanges = {
        let mut conn = store
            .read()
            .await
            .context("could not open a database connection")?;
        replay::select(&mut conn, &selection).await?
    };
    store.close().await;
    if exchanges.is_empty() {
        bail!(
            "nothing to replay: no captured exchange in {} matches the selection",
            db.describe()
        );
    }
    if let Some(user) = &selection.user
        && !exchanges.iter().any(|e| {
            e.summary
                .resource_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(user))
        })
    {
        eprintln!("note: no exchange names {user} itself; replaying what touched its id");
    }
    let options = ReplayOptions {
        rate: args.rate,
        timeout: Duration::from_secs(args.timeout),
        retry: RetryPolicy {
            max_retries: args.max_retries,
            max_wait: Duration::from_secs(args.max_retry_wait),
            ..RetryPolicy::default()
        },
        dry_run: args.dry_run,
    };
    let cancel = cancel_on_ctrl_c();
    let mut printer = Printer {
        table: !args.json,
        progress: std::io::stderr().is_terminal(),
        shown: false,
        last: None,
        label: "replay".to_owned(),
    };
    if !args.json {
        println!(
            "replaying {} exchanges from {} against {}{}",
            exchanges.len(),
            db.describe(),
            target.display(),
            if args.dry_run {
                " (dry run: nothing is sent)"
            } else {
                ""
            }
        );
        println!("{}", report::table_header());
    }
    let mut on_step = |s: &ReplayStep, p: &Progress| printer.step(&s.step, p);
    let report = replay::run(&options, selection, exchanges, target, cancel, &mut on_step).await?;
    printer.clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let s = &report.summary;
        println!();
        for f in s.failures.iter().take(report::MAX_FAILURES_IN_SUMMARY) {
            println!(
                "  #{} (exchange {}) {} {}: {}",
                f.step.index,
                f.exchange_id,
                f.step.method,
                f.step.path,
                f.step.explanation.as_deref().unwrap_or("")
            );
        }
        let not_rewritten: usize = report.steps.iter().map(|s| s.not_rewritten.len()).sum();
        println!(
            "replay {}: {} steps, {} passed, {} failed, {} not sent; {} ids mapped to the target's; {} things not rewritten{}",
            match s.outcome {
                simulate::Outcome::Passed => "passed",
                simulate::Outcome::Failed => "failed",
                simulate::Outcome::Cancelled => "cancelled",
                simulate::Outcome::Aborted => "abandoned",
            },
            s.steps,
            s.passed,
            s.failed,
            s.skipped,
            s.ids_mapped,
            not_rewritten,
            s.stop_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
    }
    Ok(exit_code(report.summary.outcome))
}
