//! `scimlab admin-user add|list|revoke`: personal admin tokens for scripts and people (issue 18),
//! written to the main database (the engine need not run; a running one, and every instance on
//! the same PostgreSQL database, reads them on each request, so a revoke takes effect at once).

use super::DbArg;
use anyhow::{Result, bail};
use clap::Subcommand;
use scimlab_engine::access::{self, Role};
use scimlab_engine::store::prelude::*;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(crate) enum AdminUserAction {
    /// Add an admin user and print its personal token, once (only a hash of it is kept).
    Add {
        /// A name for the person or script (letters, digits, '.', '_', '-', '@').
        name: String,
        /// What the token may do: viewer (read), operator (also simulate, replay, faults,
        /// reset), owner (also keys and workspaces).
        #[arg(long, value_parser = ["viewer", "operator", "owner"])]
        role: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// List the admin users (never their tokens).
    List {
        /// Print a JSON array of {"name", "role", "created", "revoked"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke an admin user's token: refused at once by every running ScimLab on this database.
    Revoke {
        /// The admin user's name.
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Run an `admin-user` command: exit 0, or 2 with the error on stderr.
pub async fn run(action: AdminUserAction) -> ExitCode {
    match admin_user(action).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn admin_user(action: AdminUserAction) -> Result<()> {
    match action {
        AdminUserAction::Add { name, role, db } => {
            let role: Role = role.parse()?;
            let store = db.database()?.main().open().await?;
            let (row, token) = access::new_token(&name, role, &scimlab_engine::wire::now())?;
            let added = async {
                let mut w = store.write().await?;
                w.insert_admin_user(&row).await?;
                w.commit().await
            }
            .await;
            store.close().await;
            if let Err(e) = added {
                if matches!(e, scimlab_engine::store::StoreError::Conflict { .. }) {
                    bail!(
                        "an admin user named '{name}' exists already: revoke it first ('scimlab admin-user revoke {name}') or choose another name"
                    );
                }
                return Err(e.into());
            }
            eprintln!(
                "added admin user '{name}' ({role}); its token, shown only now (send it as 'Authorization: Bearer <token>'):"
            );
            println!("{token}");
            Ok(())
        }
        AdminUserAction::List { json, db } => {
            let store = db.database()?.main().open().await?;
            let users = async { store.read().await?.admin_users().await }.await;
            store.close().await;
            let users = users?;
            if json {
                let list: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "name": u.name, "role": u.role, "created": u.created, "revoked": u.revoked,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
                return Ok(());
            }
            if users.is_empty() {
                println!(
                    "no admin users: add one with 'scimlab admin-user add NAME --role viewer|operator|owner'"
                );
            }
            for u in users {
                let state = match &u.revoked {
                    Some(at) => format!("revoked {at}"),
                    None => "active".to_owned(),
                };
                println!("{:<24} {:<8} added {}  {state}", u.name, u.role, u.created);
            }
            Ok(())
        }
        AdminUserAction::Revoke { name, db } => {
            let store = db.database()?.main().open().await?;
            let revoked = async {
                let mut w = store.write().await?;
                let done = w
                    .revoke_admin_user(&name, &scimlab_engine::wire::now())
                    .await?;
                w.commit().await?;
                Ok::<_, scimlab_engine::store::StoreError>(done)
            }
            .await;
            store.close().await;
            if !revoked? {
                bail!(
                    "no active admin user named '{name}': list them with 'scimlab admin-user list'"
                );
            }
            println!("revoked admin user '{name}': its token is refused from now on");
            Ok(())
        }
    }
}
