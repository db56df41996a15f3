//! `scimlab workspace create|list|rename|delete|export|import` on the database files (the engine
//! need not run; a running one picks up created and imported workspaces on its next request or
//! list), and the `--workspace` flag the other commands share ([`WorkspaceDb`]).

use super::DbArg;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use scimlab_engine::config::DEFAULT_SCIM_ADDR;
use scimlab_engine::database::{Database, WorkspaceData};
use scimlab_engine::model::{WorkspaceRecord, WorkspaceSlug};
use scimlab_engine::store::Store;
use scimlab_engine::store::prelude::*;
use scimlab_engine::{auth, workspace};
use std::path::PathBuf;
use std::process::ExitCode;

/// `--db` and `--workspace`: which workspace's database a command reads.
#[derive(Args)]
pub(crate) struct WorkspaceDb {
    #[command(flatten)]
    pub(crate) db: DbArg,
    /// The workspace, by slug [default: default, the one at /scim/v2].
    #[arg(long, env = "SCIMLAB_WORKSPACE", value_name = "SLUG")]
    pub(crate) workspace: Option<String>,
}

impl WorkspaceDb {
    /// Where the workspace's data is, and its slug. Another workspace than `default` must be in
    /// the directory of an existing main database.
    pub(crate) async fn resolve(&self) -> Result<(WorkspaceData, WorkspaceSlug)> {
        let database = self.db.database()?;
        let slug = match self.workspace.as_deref() {
            None => return Ok((database.main(), WorkspaceSlug::default_slug())),
            Some(s) => WorkspaceSlug::parse(s)?,
        };
        if slug.is_default() {
            return Ok((database.main(), slug));
        }
        let record = find(&database, &slug).await?;
        Ok((database.workspace(&record.slug), record.slug))
    }
}

/// Open a workspace's existing store (never creates a SQLite file: an empty report would pass).
pub(crate) async fn open_existing(db: &WorkspaceData) -> Result<Store> {
    if let Some(path) = db.file().filter(|p| !p.exists()) {
        bail!(
            "no scimlab database at {}: pass --db with the database `scimlab serve` captured into (or --database-url)",
            path.display()
        );
    }
    Ok(db.open().await?)
}

/// The directory entry of `slug` in the main database.
async fn find(database: &Database, slug: &WorkspaceSlug) -> Result<WorkspaceRecord> {
    let all = directory(database).await?;
    all.into_iter().find(|w| w.slug == *slug).with_context(|| {
        format!(
            "no workspace '{slug}' in {}: list them with 'scimlab workspace list{}'",
            database.describe(),
            db_flag(database)
        )
    })
}

async fn directory(database: &Database) -> Result<Vec<WorkspaceRecord>> {
    if !database.may_exist() {
        bail!(
            "no scimlab database at {}: start `scimlab serve{}` once, or pass --db",
            database.describe(),
            db_flag(database)
        );
    }
    let store = database.main().open().await?;
    let all = store
        .read()
        .await
        .context("could not open a database connection")?
        .workspaces()
        .await
        .context("could not read the workspaces")?;
    store.close().await;
    Ok(all)
}

/// `scimlab workspace …`.
#[derive(Subcommand)]
pub enum WorkspaceAction {
    /// Create a workspace (its slug is NAME lower-cased, spaces as '-'), with its own key, at
    /// http://<scim addr>/w/<slug>/scim/v2.
    Create {
        /// Its name, e.g. "Contoso Entra".
        name: String,
        /// Start from a template: the IdP's profile and Connect instructions.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["entra-guide", "okta-guide"]))]
        template: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List the workspaces.
    List {
        /// Print a JSON array of {"slug", "name", "tenantUrl", "created", "template", "users", "groups", "exchanges"}.
        #[arg(long)]
        json: bool,
        /// The SCIM listener's address, for the tenant URLs.
        #[arg(long, env = "SCIMLAB_SCIM_ADDR", default_value = DEFAULT_SCIM_ADDR)]
        scim_addr: std::net::SocketAddr,
        #[command(flatten)]
        db: DbArg,
    },
    /// Rename a workspace (its slug, and so its tenant URL, stays).
    Rename {
        /// The workspace's slug.
        slug: String,
        /// The new name.
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Delete a workspace for good: its users, groups, exchanges and settings, and its database
    /// file. Stop `scimlab serve` first, or delete it from the UI while it runs.
    Delete {
        /// The workspace's slug.
        slug: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Export a workspace to one .scimlab file (a SQLite database without its SCIM key).
    Export {
        /// The workspace's slug.
        slug: String,
        /// The file to write (not overwritten when it exists).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        /// Replace names, emails and ids consistently (roles and shapes kept).
        #[arg(long)]
        pseudonymise: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Import a .scimlab file as a new workspace, with a new SCIM key.
    Import {
        /// The export file.
        file: PathBuf,
        /// Its name here [default: the name it was exported with].
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Run `scimlab workspace …`: 0 on success, 2 with the error on stderr.
pub async fn run(action: WorkspaceAction) -> ExitCode {
    match workspace_cmd(action).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Open (creating) the main database.
async fn main_store(db: DbArg) -> Result<(Database, Store)> {
    let database = db.database()?;
    let store = database.main().open().await?;
    Ok((database, store))
}

fn tenant_url(addr: &str, slug: &WorkspaceSlug) -> String {
    format!("http://{addr}{}", slug.scim_base_path())
}

async fn workspace_cmd(action: WorkspaceAction) -> Result<()> {
    match action {
        WorkspaceAction::Create { name, template, db } => {
            let (main, store) = main_store(db).await?;
            let record = workspace::new_record(&name, template.as_deref())?;
            let db = main.workspace(&record.slug);
            let registered = workspace::register(&store, &record, db.file()).await;
            store.close().await;
            registered?;
            // Its database and key now, so `token show --workspace` works before a serve.
            let ws = db.open().await?;
            let mut w = ws
                .write()
                .await
                .context("could not open a database connection")?;
            auth::load_or_create_key(&mut w).await?;
            w.commit().await.context("could not save the key")?;
            ws.close().await;
            println!("created workspace '{}' ({})", record.name, record.slug);
            println!(
                "tenant url: {}",
                tenant_url(DEFAULT_SCIM_ADDR, &record.slug)
            );
            println!(
                "its key:    scimlab token show --workspace {}{}",
                record.slug,
                db_flag(&main)
            );
            Ok(())
        }
        WorkspaceAction::List {
            json,
            scim_addr,
            db,
        } => {
            let main = db.database()?;
            let all = if main.may_exist() {
                directory(&main).await?
            } else {
                Vec::new()
            };
            let mut rows = Vec::new();
            for w in all {
                rows.push(listed(&main, &w, &scim_addr.to_string()).await);
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rows).context("could not render json")?
                );
            } else if rows.is_empty() {
                println!(
                    "no database at {} yet: `scimlab serve` makes it",
                    main.describe()
                );
            } else {
                for r in &rows {
                    println!(
                        "{:<24} {:<28} {:>6} users {:>8} exchanges  {}",
                        r["slug"].as_str().unwrap_or(""),
                        r["name"].as_str().unwrap_or(""),
                        r["users"],
                        r["exchanges"],
                        r["tenantUrl"].as_str().unwrap_or("")
                    );
                }
            }
            Ok(())
        }
        WorkspaceAction::Rename { slug, name, db } => {
            let (_, store) = main_store(db).await?;
            let slug = WorkspaceSlug::parse(&slug)?;
            let name = workspace::check_name(&name)?;
            let mut w = store
                .write()
                .await
                .context("could not open a database connection")?;
            let found = w.rename_workspace(&slug, &name).await?;
            w.commit().await?;
            store.close().await;
            if !found {
                bail!("no workspace '{slug}': list them with 'scimlab workspace list'");
            }
            println!("renamed '{slug}' to '{name}' (its tenant url is unchanged)");
            Ok(())
        }
        WorkspaceAction::Delete { slug, db } => {
            let main = db.database()?;
            let slug = WorkspaceSlug::parse(&slug)?;
            if slug.is_default() {
                bail!(
                    "the default workspace cannot be deleted (it is /scim/v2 and holds the directory): reset its data from the UI or DELETE /api/data"
                );
            }
            let record = find(&main, &slug).await?;
            let ws_db = main.workspace(&slug);
            let ws = open_existing(&ws_db).await.ok();
            let counts = match &ws {
                Some(ws) => counts(ws).await,
                None => (0, 0, 0),
            };
            let store = main.main().open().await?;
            let mut w = store
                .write()
                .await
                .context("could not open a database connection")?;
            w.delete_workspace(&slug).await?;
            w.commit().await?;
            store.close().await;
            match ws {
                Some(ws) => {
                    ws.close().await;
                    ws_db.remove(&ws).await?;
                }
                None => {
                    if let Some(path) = ws_db.file() {
                        workspace::remove_database_files(path)?;
                    }
                }
            }
            println!(
                "deleted workspace '{}' ({slug}): {} users, {} groups, {} exchanges erased with its data {}",
                record.name,
                counts.0,
                counts.1,
                counts.2,
                ws_db.describe()
            );
            Ok(())
        }
        WorkspaceAction::Export {
            slug,
            output,
            pseudonymise,
            db,
        } => {
            let main = db.database()?;
            let slug = WorkspaceSlug::parse(&slug)?;
            let record = find(&main, &slug).await?;
            let store = main.workspace(&slug).open().await?;
            let summary = workspace::export(&store, &record, &output, pseudonymise).await;
            store.close().await;
            let summary = summary?;
            println!(
                "exported workspace '{}' to {} ({} bytes{}); it holds no scim key",
                record.name,
                summary.file,
                summary.bytes,
                if pseudonymise {
                    format!(
                        ", {} names, emails and ids pseudonymised",
                        summary.pseudonyms
                    )
                } else {
                    String::new()
                }
            );
            Ok(())
        }
        WorkspaceAction::Import { file, name, db } => {
            let (main, store) = main_store(db).await?;
            let imported = workspace::install_import(&store, &main, &file, name.as_deref()).await;
            store.close().await;
            let record = imported?;
            println!(
                "imported {} as workspace '{}' ({})",
                file.display(),
                record.name,
                record.slug
            );
            println!(
                "tenant url: {}",
                tenant_url(DEFAULT_SCIM_ADDR, &record.slug)
            );
            println!(
                "its new key: scimlab token show --workspace {}{}",
                record.slug,
                db_flag(&main)
            );
            Ok(())
        }
    }
}

/// The flag to repeat in an advice: ` --db <path>` unless it is the default database; for
/// PostgreSQL ` --database-url …` unless `SCIMLAB_DATABASE_URL` carries it (never the password).
pub(crate) fn db_flag(database: &Database) -> String {
    match database {
        Database::Sqlite(main) => match scimlab_engine::config::default_db_path() {
            Some(d) if d == *main => String::new(),
            _ => format!(" --db {}", main.display()),
        },
        Database::Postgres(_) if std::env::var_os("SCIMLAB_DATABASE_URL").is_some() => {
            String::new()
        }
        Database::Postgres(_) => format!(" --database-url {}", database.describe()),
    }
}

/// Users, groups and exchanges of a workspace (zeros when unreadable).
async fn counts(store: &Store) -> (i64, i64, i64) {
    use scimlab_scim::ResourceKind;
    async {
        let mut r = store.read().await.ok()?;
        Some((
            r.count_resources(ResourceKind::User).await.ok()?,
            r.count_resources(ResourceKind::Group).await.ok()?,
            r.count_exchanges().await.ok()?,
        ))
    }
    .await
    .unwrap_or((0, 0, 0))
}

/// One row of `workspace list`.
async fn listed(main: &Database, w: &WorkspaceRecord, addr: &str) -> serde_json::Value {
    let (users, groups, exchanges) = match open_existing(&main.workspace(&w.slug)).await {
        Ok(store) => {
            let counted = counts(&store).await;
            store.close().await;
            counted
        }
        Err(_) => (0, 0, 0),
    };
    serde_json::json!({
        "slug": w.slug,
        "name": w.name,
        "tenantUrl": tenant_url(addr, &w.slug),
        "created": w.created,
        "template": w.template,
        "users": users,
        "groups": groups,
        "exchanges": exchanges,
    })
}
