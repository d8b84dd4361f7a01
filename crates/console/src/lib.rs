//! The web console under `/console` (DESIGN.md §11): server-rendered askama pages, htmx and one
//! small script, all compiled into the binary. Pages call the same service functions as
//! `/api/v1` (the log store, the outbox), never HTTP to this server, so the console can do nothing
//! the API cannot.
//!
//! - `session`: sign-in with a password (admins only), the console's own cookie, sign-out.
//! - `guard`: the security headers on every page, and the origin and CSRF checks on every request
//!   that changes something.
//! - `frame`: what every page shows around its content (navigation, the signed-in user).
//! - `form`: how a configuration form is read as its API object, and the API's errors shown at
//!   their fields.
//! - one module a page: `overview`, `logs`, `deliveries`, `targets` (watching), then
//!   `outbound_rules`, `subscriptions`, `inbound_hooks`, `api_keys`, `oauth_apps`, `users`, `parameters`,
//!   `models` (configuring).

mod api_keys;
mod assets;
mod chart;
mod deliveries;
mod form;
mod frame;
mod guard;
mod inbound_hooks;
mod json;
mod logs;
mod models;
mod oauth_apps;
mod outbound_rules;
mod overview;
mod parameters;
mod session;
pub use session::signed_in_caller;
mod subscriptions;
mod targets;
mod users;

pub use session::purge_expired as purge_expired_sessions;

use poem::{Endpoint, EndpointExt, Route, get, post};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;
use weft_inbound::auth::KeyCache;
use weft_inbound::ratelimit::LoginLimiter;
use weft_logstore::LogWriter;
use weft_outbound::catalog::Sources;
use weft_store::Store;
use weft_store::parameters::Parameters;
use weft_webhook::targets::AllowedTargets;

/// What the console's pages read and change: the server's own parts, shared.
#[derive(Clone)]
pub struct Console {
    pub store: Store,
    /// Flushed before a log page is read, so a call just answered is on it.
    pub logs: LogWriter,
    /// Signalled after a retry, so this instance's dispatcher sends at once.
    pub outbox_wake: Arc<Notify>,
    /// The failed-login limits `/web/session/authenticate` uses, shared with sign-in.
    pub login_limiter: Arc<LoginLimiter>,
    /// `WEFT_PUBLIC_URL`: over https the cookie is `Secure` and `__Host-` prefixed.
    pub public_url: String,
    /// This instance's dispatcher's per-URL circuits (the Targets page shows their state); None
    /// when it runs no dispatcher (`--no-dispatcher`).
    pub circuits: Option<Arc<weft_outbound::circuit::Circuits>>,
    /// The outbound rules and subscriptions in memory: `Sources::changed` after a save.
    pub sources: Arc<Sources>,
    /// `WEFT_ALLOWED_TARGETS`: what a rule's or subscription's URL may point at.
    pub allowed_targets: AllowedTargets,
    /// The API key cache: cleared when a key is revoked or a user changed.
    pub keys: Arc<KeyCache>,
    /// This instance's parameters, read again after a change here.
    pub parameters: Arc<RwLock<Parameters>>,
}

impl Console {
    /// Served over https: the cookie is sent only there.
    pub fn secure(&self) -> bool {
        self.public_url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }
}

/// Every console route, to be nested at `/console`.
pub fn routes(console: Console) -> impl Endpoint {
    Route::new()
        .at("/", get(overview::page))
        .at("/login", get(session::form).post(session::sign_in))
        .at("/logout", post(session::sign_out))
        .at("/deliveries", get(deliveries::list_page))
        .at(
            "/deliveries/retry",
            get(deliveries::confirm).post(deliveries::retry_all),
        )
        .at("/deliveries/:id", get(deliveries::detail_page))
        .at("/deliveries/:id/retry", post(deliveries::retry_one))
        .nest("/static", assets::files())
        .nest("/logs", logs::routes())
        .nest("/targets", targets::routes())
        .nest("/outbound-rules", outbound_rules::routes())
        .nest("/subscriptions", subscriptions::routes())
        .nest("/inbound-hooks", inbound_hooks::routes())
        .nest("/api-keys", api_keys::routes())
        .nest("/oauth-apps", oauth_apps::routes())
        .nest("/users", users::routes())
        .nest("/parameters", parameters::routes())
        .nest("/models", models::routes())
        .around(guard::protect)
        .data(console)
}
