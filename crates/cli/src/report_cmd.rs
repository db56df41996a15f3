//! `scimlab report` and `scimlab export har`: the hand-over files, read from a ScimLab database
//! (the one `scimlab serve` captured into; it may be running).
//!
//! `report` exits 0 when no checklist item fails, 1 when one does (a pipeline can gate on it),
//! 2 when it cannot run (no database, a file it cannot write). `export har` exits 0 or 2.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use scimlab_engine::admin_api::export;
use scimlab_engine::model::Idp;
use scimlab_engine::report::{self, ReportFormat};
use scimlab_engine::store::Store;
use scimlab_engine::store::exchanges::ExchangeQuery;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Flags of `scimlab report`.
#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    db: super::workspace_cmd::WorkspaceDb,
    /// Only this IdP's checklist (scored even without traffic) [default: every IdP that sent
    /// traffic]. Users, roles and failing requests cover the whole endpoint either way.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["entra", "okta"]))]
    idp: Option<String>,
    /// html: one self-contained, printable file for the customer; md: the checklists in
    /// Markdown; json: everything the HTML shows, as data.
    #[arg(long, default_value = "html",
          value_parser = clap::builder::PossibleValuesParser::new(["html", "md", "json"]))]
    format: String,
    /// Write to FILE; `-` (or no -o) prints to stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `scimlab export …`.
#[derive(Subcommand)]
pub enum ExportWhat {
    /// The captured traffic as a HAR 1.2 file (what Traffic's Export makes): headers with the
    /// authorization cut to scheme + last 4, passwords redacted.
    Har(HarArgs),
}

/// Flags of `scimlab export har`.
#[derive(Args)]
pub struct HarArgs {
    #[command(flatten)]
    db: super::workspace_cmd::WorkspaceDb,
    /// Write to FILE; `-` (or no -o) prints to stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Run `scimlab report`; errors are printed here, so `main` only maps the exit code.
pub async fn run_report(args: ReportArgs) -> ExitCode {
    match report_cmd(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Run `scimlab export`.
pub async fn run_export(what: ExportWhat) -> ExitCode {
    let ExportWhat::Har(args) = what;
    match har_cmd(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The existing database named by `--db` (never creates one: an empty report would pass).
async fn open_existing(
    db: super::workspace_cmd::WorkspaceDb,
) -> Result<(scimlab_engine::database::WorkspaceData, Store)> {
    let (db, _) = db.resolve().await?;
    let store = super::workspace_cmd::open_existing(&db).await?;
    Ok((db, store))
}

/// Write `text` to `output` (stdout for `-` or none).
fn write_out(output: Option<&Path>, text: &str) -> Result<()> {
    match output.filter(|p| p.as_os_str() != "-") {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("could not write {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("could not write to stdout")
        }
    }
}

async fn report_cmd(args: ReportArgs) -> Result<ExitCode> {
    let format = ReportFormat::parse(&args.format)
        .with_context(|| format!("invalid --format '{}': use html, md or json", args.format))?;
    let idp = args.idp.as_deref().map(str::parse::<Idp>).transpose()?;
    let (_, store) = open_existing(args.db).await?;
    let when = report::now_label();
    let data = {
        let mut conn = store
            .read()
            .await
            .context("could not open a database connection")?;
        report::gather(&mut conn, idp, None, &when)
            .await
            .context("could not read the report from the database")?
    };
    store.close().await;
    write_out(args.output.as_deref(), &report::render(&data, format))?;
    if data.checklists.is_empty() {
        eprintln!("note: no Entra ID or Okta traffic captured yet: no checklist was scored");
    }
    let failing: Vec<String> = data
        .checklists
        .iter()
        .flat_map(|c| {
            c.items
                .iter()
                .filter(|i| i.status == scimlab_engine::checks::CheckStatus::Fail)
                .map(move |i| format!("{} {}", c.idp.as_str(), i.id))
        })
        .collect();
    if failing.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("failing checklist items: {}", failing.join(", "));
        Ok(ExitCode::from(1))
    }
}

async fn har_cmd(args: HarArgs) -> Result<()> {
    let (_, store) = open_existing(args.db).await?;
    let (items, cut) = {
        let mut conn = store
            .read()
            .await
            .context("could not open a database connection")?;
        export::collect(
            &mut conn,
            ExchangeQuery {
                limit: export::MAX_EXPORT,
                ..ExchangeQuery::default()
            },
            export::MAX_EXPORT_BODY_BYTES,
        )
        .await
        .context("could not read the captured traffic")?
    };
    store.close().await;
    // Offline the listener's address is not known; the default is what `serve` binds.
    let origin = format!("http://{}", scimlab_engine::config::DEFAULT_SCIM_ADDR);
    let doc = export::document(&items, &origin);
    let text = serde_json::to_string_pretty(&doc).context("could not serialize the har")?;
    write_out(args.output.as_deref(), &text)?;
    if cut {
        eprintln!(
            "note: stopped after the newest {} exchanges: their bodies reached {} MiB",
            items.len(),
            export::MAX_EXPORT_BODY_BYTES / (1024 * 1024)
        );
    }
    Ok(())
}
