//! `weft`: the command line of the Weft integration hub.

mod config;
mod telemetry;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::{Settings, load_schema};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use weft_store::Store;

#[derive(Parser)]
#[command(
    name = "weft",
    version,
    about = "An integration hub that speaks the APIs external systems use with Odoo"
)]
struct Cli {
    /// Settings file (default: weft.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or update the system tables.
    Migrate,
    /// Check or apply a schema file.
    Schema {
        #[command(subcommand)]
        action: SchemaAction,
    },
}

#[derive(Subcommand)]
enum SchemaAction {
    /// Check a schema file and list every problem in it.
    Check { file: PathBuf },
    /// Create the tables, columns and indexes a schema declares (default: WEFT_SCHEMA or the demo schema)
    /// and load its data records.
    Apply {
        file: Option<PathBuf>,
        /// Accept destructive changes (dropped or retyped fields and models lose their data).
        #[arg(long)]
        force: bool,
        /// Only print what would change.
        #[arg(long)]
        dry_run: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log);
    match cli.command {
        Command::Migrate => {
            Store::migrate(&settings.connect_settings()?).await?;
            println!("system tables are up to date");
        }
        Command::Schema {
            action: SchemaAction::Check { file },
        } => {
            let registry = load_schema(&file)?;
            let models = registry.models().filter(|m| !m.builtin).count();
            let fields: usize = registry
                .models()
                .filter(|m| !m.builtin)
                .map(|m| m.fields().iter().filter(|f| !f.system).count())
                .sum();
            println!(
                "{}: ok ({models} models, {fields} fields, {} data records)",
                file.display(),
                registry.records().len()
            );
        }
        Command::Schema {
            action:
                SchemaAction::Apply {
                    file,
                    force,
                    dry_run,
                },
        } => {
            let registry = Arc::new(settings.registry(file.as_deref())?);
            let store = Store::open(&settings.connect_settings()?, registry)
                .await
                .context("opening the database")?;
            let plan = if dry_run {
                store.plan_schema().await?
            } else {
                store.apply_schema(force).await?
            };
            if plan.steps.is_empty() {
                println!("schema is up to date");
            }
            for step in &plan.steps {
                println!("{}{step}", if dry_run { "would " } else { "" });
            }
            store.close().await?;
        }
    }
    Ok(())
}
