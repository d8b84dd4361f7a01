//! The web console under `/console` (DESIGN.md §11): server-rendered askama pages, htmx and one
//! small script, all compiled into the binary. Pages call the same service functions as
//! `/api/v1` (the log store, the outbox), never HTTP to this server, so the console can do nothing
//! the API cannot.
//!
//! - `session`: sign-in with a password (admins only), the console's own cookie, sign-out.
//! - `guard`: the security headers on every page, and the origin and CSRF checks on every request
//!   that changes something.
//! - `frame`: what every page shows around its content (navigation, the signed-in user).
//! - one module a page: `overview`, `logs`, `deliveries`, `targets`.

mod assets;
mod chart;
mod deliveries;
mod frame;
mod guard;
mod json;
mod logs;
mod overview;
mod session;
mod targets;

pub use session::purge_expired as purge_expired_sessions;

use poem::{Endpoint, EndpointExt, Route, get, post};
use std::sync::Arc;
use tokio::sync::Notify;
use weft_inbound::ratelimit::LoginLimiter;
use weft_logstore::LogWriter;
use weft_store::Store;

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
        .around(guard::protect)
        .data(console)
}
