//! `weft serve`: open the database, bring the system tables and the schema up to date, make the
//! bootstrap admin on a fresh database, then serve HTTP until SIGINT/SIGTERM.

use crate::app;
use crate::config::Settings;
use crate::state::AppState;
use anyhow::Context;
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use std::sync::Arc;
use weft_inbound::identity::{self, Role};
use weft_inbound::ratelimit::LoginLimiter;
use weft_outbound::dispatcher::{Dispatcher, DispatcherHandle, DispatcherSettings};
use weft_store::Store;

pub async fn serve(settings: &Settings, dispatch: bool) -> anyhow::Result<()> {
    let registry = Arc::new(settings.registry(None)?);
    let store = Store::open(&settings.connect_settings()?, registry)
        .await
        .context("opening the database")?;
    let plan = store
        .apply_schema(false)
        .await
        .context("applying the schema")?;
    for step in &plan.steps {
        tracing::debug!("schema: {step}");
    }
    if !plan.steps.is_empty() {
        tracing::info!(changes = plan.steps.len(), "schema applied");
    }
    bootstrap_admin(&store, settings.admin_api_key.as_deref()).await?;
    crate::metrics::recorder();
    let mut state =
        AppState::new(store.clone(), settings.public_url(), settings.rate_limit).await?;
    state.allowed_targets = settings.allowed_targets()?;
    state.database_name = settings.database_name.clone();
    state.login_limiter = Arc::new(LoginLimiter::new(settings.login_limits()));
    state.follow_announcements();
    state.purge_old_logs();
    let dispatcher = dispatch
        .then(|| start_dispatcher(&state, settings))
        .transpose()?;
    state.circuits = dispatcher.as_ref().map(DispatcherHandle::circuits);
    let logs = state.logs.clone();
    let listener = TcpListener::bind(settings.listen.clone());
    let acceptor = listener
        .into_acceptor()
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let address = acceptor
        .local_addr()
        .first()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // Tests and scripts read this line to find the port when WEFT_LISTEN ends in :0.
    println!(
        "weft listening on {}",
        address.trim_start_matches("socket://")
    );
    tracing::info!(%address, "serving");
    // Unset, the public URL is this address as bound (a port of 0 is known only now): hook URLs
    // and `web.base.url` name it.
    if settings.public_url.is_none() {
        state.public_url = format!("http://{}", address.trim_start_matches("socket://"));
    }
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            app::app(state, settings.max_body),
            shutdown_signal(),
            Some(std::time::Duration::from_secs(10)),
        )
        .await?;
    // Requests in flight to receivers finish and their outcomes are stored.
    if let Some(dispatcher) = dispatcher {
        dispatcher.stop().await;
    }
    // Calls answered before the stop have their logs stored.
    logs.flush().await;
    store.close().await?;
    Ok(())
}

fn start_dispatcher(state: &AppState, settings: &Settings) -> anyhow::Result<DispatcherHandle> {
    let dispatch_settings = DispatcherSettings {
        schedule: settings.retry_schedule()?,
        allowed: state.allowed_targets.clone(),
        ..DispatcherSettings::default()
    };
    let defaults_of = state.clone();
    let handle = Dispatcher::start(
        state.store.clone(),
        state.sources.clone(),
        state.logs.clone(),
        state.outbox_wake.clone(),
        dispatch_settings,
        Arc::new(move || defaults_of.delivery_defaults()),
    )
    .context("starting the dispatcher")?;
    Ok(handle)
}

/// On an empty database: an `admin` user with the admin role and one API key, printed once
/// (or `WEFT_ADMIN_API_KEY`, which is not printed).
async fn bootstrap_admin(store: &Store, admin_key: Option<&str>) -> anyhow::Result<()> {
    if identity::user_count(store).await? > 0 {
        return Ok(());
    }
    let uid = identity::create_user(
        store,
        "admin",
        "Administrator",
        None,
        Role::Admin,
        weft_store::env::MAIN_COMPANY,
    )
    .await?;
    let key =
        identity::create_api_key(store, uid, "bootstrap admin key", None, None, admin_key).await?;
    if admin_key.is_none() {
        println!(
            "created user 'admin' with this API key (shown once, keep it safe):\n  {}",
            key.key
        );
    } else {
        println!("created user 'admin' with the API key from WEFT_ADMIN_API_KEY");
    }
    println!(
        "to sign in to the console (/console), give 'admin' a password: weft users password admin"
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
