//! `weft`: the command line of the Weft integration hub.

mod admin;
mod admin_identity;
mod admin_oauth;
mod api;
mod app;
mod body_limit;
mod config;
mod hooks;
mod idempotency;
mod logs;
mod metrics;
mod odoo;
mod outbound;
mod restapi;
mod rpc;
mod schema;
mod serve;
mod state;
mod telemetry;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::{Settings, load_schema};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use weft_inbound::identity::{self, Role};
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
    /// Serve HTTP (WEFT_LISTEN, default 127.0.0.1:8069) on the configured database and schema,
    /// and send outbound deliveries.
    Serve {
        /// Serve the API only and send no deliveries (other instances on the same PostgreSQL
        /// database send them).
        #[arg(long)]
        no_dispatcher: bool,
    },
    /// Create or update the system tables.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Manage users.
    Users {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        action: KeyAction,
    },
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

#[derive(Subcommand)]
enum UserAction {
    /// Create a user (password from WEFT_NEW_PASSWORD, so it stays out of the shell history).
    Create {
        login: String,
        #[arg(long)]
        name: Option<String>,
        /// admin or integration
        #[arg(long, default_value = "integration")]
        role: String,
        #[arg(long, default_value_t = 1)]
        company: i64,
        #[arg(long, env = "WEFT_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Set a user's password, the one that signs in to the console: WEFT_NEW_PASSWORD, or a
    /// new random one, printed once. Ends the user's sessions.
    Password {
        login: String,
        #[arg(long, env = "WEFT_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Create an API key for a user; the key is printed once.
    Create {
        /// The user's login.
        login: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Limit the key to these models (repeat the flag).
        #[arg(long = "model")]
        models: Vec<String>,
        /// Days until the key expires.
        #[arg(long)]
        days: Option<i64>,
    },
    /// List API keys (never their secrets).
    List,
    /// Revoke an API key by id.
    Revoke { id: i64 },
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
        Command::Serve { no_dispatcher } => serve::serve(&settings, !no_dispatcher).await?,
        Command::Openapi => println!("{}", openapi_spec(&settings).await?),
        Command::Users { action } => users(&settings, action).await?,
        Command::Keys { action } => keys(&settings, action).await?,
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

async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let registry = Arc::new(settings.registry(None)?);
    let store = Store::open(&settings.connect_settings()?, registry)
        .await
        .context("opening the database")?;
    store
        .apply_schema(false)
        .await
        .context("applying the schema")?;
    Ok(store)
}

/// The spec does not depend on the data: build it over an empty in-memory database.
async fn openapi_spec(settings: &Settings) -> anyhow::Result<String> {
    let store = Store::open(
        &weft_store::ConnectSettings::new("sqlite::memory:"),
        Arc::new(weft_registry::Registry::builtin()),
    )
    .await?;
    let state = state::AppState::new(store, settings.public_url(), 0).await?;
    Ok(app::openapi(state).spec())
}

async fn users(settings: &Settings, action: UserAction) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    match action {
        UserAction::Create {
            login,
            name,
            role,
            company,
            password,
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("role must be admin or integration, not '{role}'"))?;
            let uid = identity::create_user(
                &store,
                &login,
                name.as_deref().unwrap_or(&login),
                password.as_deref(),
                role,
                company,
            )
            .await?;
            println!("created user {login} (id {uid}, role {})", role.as_str());
            if role == Role::Admin && password.is_none() {
                println!(
                    "to sign in to the console, give it a password: weft users password {login}"
                );
            }
        }
        UserAction::Password { login, password } => {
            let uid = user_id(&store, &login).await?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| identity::random_hex(12));
            let change = weft_inbound::accounts::UserChange {
                password: Some(password.clone()),
                ..Default::default()
            };
            // A new password ends the user's sessions, the console's too.
            weft_inbound::accounts::update_user(&store, uid, change).await?;
            if generated {
                println!("new password for {login} (shown once, keep it safe):\n  {password}");
            } else {
                println!("password of {login} set from WEFT_NEW_PASSWORD");
            }
        }
    }
    Ok(())
}

async fn keys(settings: &Settings, action: KeyAction) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    match action {
        KeyAction::Create {
            login,
            name,
            models,
            days,
        } => {
            let uid = user_id(&store, &login).await?;
            let expires = days.map(|d| chrono::Utc::now().naive_utc() + chrono::Duration::days(d));
            let models = (!models.is_empty()).then_some(models);
            let key = identity::create_api_key(&store, uid, &name, models, expires, None).await?;
            println!(
                "API key {} for {login} (shown once, keep it safe):\n  {}",
                key.id, key.key
            );
        }
        KeyAction::List => {
            for key in identity::list_api_keys(&store).await? {
                let state = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let models = key
                    .allowed_models
                    .map_or("all models".to_string(), |m| m.to_string());
                let used = key.last_used_at.map_or("never used".to_string(), |at| {
                    format!("last used {}", at.format("%Y-%m-%d %H:%M:%S"))
                });
                println!(
                    "{}\tweft_{}_…\tuser {}\t{}\t{state}\t{models}\t{used}",
                    key.id, key.prefix, key.user_id, key.name
                );
            }
        }
        KeyAction::Revoke { id } => {
            anyhow::ensure!(
                identity::revoke_api_key(&store, id).await?,
                "no API key {id}"
            );
            println!("revoked API key {id}");
        }
    }
    Ok(())
}

async fn user_id(store: &Store, login: &str) -> anyhow::Result<i64> {
    let tx = store.begin_read(&weft_store::Env::superuser()).await?;
    let domain = weft_domain::Domain::parse_json(&serde_json::json!([["login", "=", login]]))?;
    let options = weft_store::SearchOptions {
        include_archived: true,
        ..Default::default()
    };
    tx.search("res.users", &domain, &options)
        .await?
        .first()
        .copied()
        .with_context(|| format!("no user '{login}'"))
}
