//! Signing in to the console: a form for a login and a password (admins only), the console's own
//! cookie (apart from Odoo's `session_id`), idle and absolute expiry, sign-out. The `Admin`
//! extractor lets a page run only for a signed-in admin and sends anyone else to the form.
//!
//! The cookie carries a random 256-bit token; the table keeps its SHA-256. The CSRF token of a
//! session is derived from the cookie's token, so it needs no storage and cannot be guessed
//! without the cookie (which scripts cannot read: `HttpOnly`).

use crate::Console;
use crate::frame::{Frame, Nav, see_other};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Duration, NaiveDateTime, Utc};
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response, handler};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ExprTrait, QueryFilter, Set};
use serde::Deserialize;
use weft_inbound::identity::{self, Caller, Role, random_hex, sha256_hex};
use weft_inbound::password::Passwords;
use weft_store::StoreError;
use weft_store::entity::console_session;

/// A session ends after this long without a page, or this long after sign-in, whichever first.
const IDLE: Duration = Duration::hours(12);
const ABSOLUTE: Duration = Duration::days(7);
/// `last_seen_at` is written at most this often, so reading pages does not keep the writer busy.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A signed-in admin, and the CSRF token of the session.
pub struct Admin {
    pub caller: Caller,
    pub csrf: String,
}

impl Admin {
    /// The frame of a page of `nav`.
    pub fn frame(&self, nav: Nav) -> Frame {
        Frame {
            login: self.caller.login.clone(),
            csrf: self.csrf.clone(),
            nav,
        }
    }
}

impl<'a> FromRequest<'a> for Admin {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Admin> {
        let console = req.data::<Console>().expect("the console's data");
        match signed_in(console, req).await {
            Ok(Some(admin)) => Ok(admin),
            Ok(None) => Err(poem::Error::from_response(sign_in_first(req))),
            Err(e) => {
                tracing::error!(error = %e, "reading a console session failed");
                Err(poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))
            }
        }
    }
}

/// The cookie's name: `__Host-` prefixed over https (bound to this host, path `/`, `Secure`).
pub fn cookie_name(console: &Console) -> &'static str {
    if console.secure() {
        "__Host-weft_console"
    } else {
        "weft_console"
    }
}

/// The session token the request's cookie carries.
pub fn token(console: &Console, req: &Request) -> Option<String> {
    let name = cookie_name(console);
    req.headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The CSRF token of the session whose cookie carries `token`.
pub fn csrf_of(token: &str) -> String {
    sha256_hex(format!("weft-console-csrf:{token}").as_bytes())
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// The admin signed in to the console, for the OAuth authorize steps of `/restapi` (which run
/// as the signed-in user, as Synconics' do).
pub async fn signed_in_caller(
    console: &Console,
    req: &Request,
) -> Result<Option<Caller>, StoreError> {
    Ok(signed_in(console, req).await?.map(|admin| admin.caller))
}

/// The admin whose live session the request's cookie names.
async fn signed_in(console: &Console, req: &Request) -> Result<Option<Admin>, StoreError> {
    let Some(token) = token(console, req) else {
        return Ok(None);
    };
    let store = &console.store;
    let found = console_session::Entity::find_by_id(sha256_hex(token.as_bytes()))
        .one(store.connection())
        .await?;
    let now = now();
    let Some(session) = found.filter(|s| s.expires_at > now && s.last_seen_at + IDLE > now) else {
        return Ok(None);
    };
    // Deactivated, or no longer an admin: the session is worth nothing.
    let Some(caller) = identity::caller_of(store, session.user_id, None).await? else {
        return Ok(None);
    };
    if caller.role != Role::Admin {
        return Ok(None);
    }
    if session.last_seen_at + TOUCH_EVERY < now {
        let sid = session.sid_sha256.clone();
        let mut touched: console_session::ActiveModel = session.into();
        touched.last_seen_at = Set(now);
        if let Err(e) = touched.update(store.writer()).await {
            tracing::warn!(error = %e, %sid, "could not stamp a console session's use");
        }
    }
    Ok(Some(Admin {
        caller,
        csrf: csrf_of(&token),
    }))
}

/// Where a request without a live session goes: the sign-in form, then back here. htmx follows
/// `HX-Redirect` itself; a plain request gets a redirect.
fn sign_in_first(req: &Request) -> Response {
    let back = req
        .original_uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/console");
    let location = format!("/console/login?next={}", encode(back));
    if req.headers().contains_key("hx-request") {
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header("HX-Redirect", location)
            .finish();
    }
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("Location", location)
        .finish()
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The OAuth authorize steps, which send a person without a session here and want them back.
const AUTHORIZE_PATHS: [&str; 3] = [
    "/restapi/1.0/common/oauth2/authorize?",
    "/restapi/1.0/common/oauth1/authorize?",
    "/oauth2/authorize?",
];

/// A local console address (or an OAuth authorize step) to return to: anything else (another host, `//evil`, a scheme) is
/// replaced by the overview, so the form cannot be made to send a person elsewhere.
fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if (n == "/console"
                || n.starts_with("/console/")
                || n.starts_with("/console?")
                || AUTHORIZE_PATHS.iter().any(|p| n.starts_with(p)))
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/console".into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    login: String,
    error: Option<String>,
}

/// After a sign-in that an OAuth authorize step asked for: on to it.
#[derive(Template, WebTemplate)]
#[template(path = "login_continue.html")]
struct ContinuePage {
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /console/login`: the form (or the console, when already signed in).
#[handler]
pub async fn form(req: &Request, console: Data<&Console>) -> Response {
    let next = local_next(
        req.params::<NextQuery>()
            .ok()
            .and_then(|q| q.next)
            .as_deref(),
    );
    if let Ok(Some(_)) = signed_in(&console, req).await {
        return see_other(&next);
    }
    LoginPage {
        next,
        login: String::new(),
        error: None,
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct Credentials {
    login: String,
    password: String,
    next: Option<String>,
}

/// `POST /console/login`: check the password, within the failed-login limits; an admin gets a
/// new session (a fresh token at every sign-in), anyone else the form again with the reason.
#[handler]
pub async fn sign_in(
    req: &Request,
    console: Data<&Console>,
    credentials: Form<Credentials>,
) -> Response {
    let Credentials {
        login,
        password,
        next,
    } = credentials.0;
    let next = local_next(next.as_deref());
    let again = |status: StatusCode, error: &str| {
        LoginPage {
            next: next.clone(),
            login: login.clone(),
            error: Some(error.to_string()),
        }
        .with_status(status)
        .into_response()
    };
    let limiter = &console.login_limiter;
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let address = limiter.client_address(peer, forwarded);
    let attempt = match limiter.attempt(address, &login) {
        Ok(attempt) => attempt,
        Err(seconds) => {
            let message = format!(
                "Too many failed sign-ins for this login or from this address: try again in {seconds} s."
            );
            let mut response = again(StatusCode::TOO_MANY_REQUESTS, &message);
            response
                .headers_mut()
                .insert("retry-after", seconds.to_string().parse().expect("digits"));
            return response;
        }
    };
    let store = &console.store;
    let caller =
        match identity::caller_by_password(store, Passwords::shared(), &login, &password).await {
            Ok(Some(caller)) => caller,
            Ok(None) => return again(StatusCode::UNAUTHORIZED, "Wrong login or password."),
            Err(e) => {
                limiter.succeeded(attempt);
                tracing::error!(error = %e, "console sign-in failed");
                return again(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The sign-in could not be checked (see the server log).",
                );
            }
        };
    // The password was right: the attempt does not count against the login.
    limiter.succeeded(attempt);
    if caller.role != Role::Admin {
        return again(
            StatusCode::FORBIDDEN,
            "This user has the integration role: the console is for admins. Integrations use their API key.",
        );
    }
    match open(store, caller.uid).await {
        Ok(token) => {
            let mut response = if AUTHORIZE_PATHS.iter().any(|p| next.starts_with(p)) {
                // An OAuth authorize step redirects on to the app's own site: as the redirect of
                // this form's POST, the page's `form-action 'self'` would stop it. A navigation
                // of its own (this page's refresh) is not a form's.
                ContinuePage { next: next.clone() }.into_response()
            } else {
                see_other(&next)
            };
            let cookie = cookie(&console, &token, ABSOLUTE.num_seconds());
            response
                .headers_mut()
                .insert("set-cookie", cookie.parse().expect("a cookie"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "opening a console session failed");
            again(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The session could not be opened (see the server log).",
            )
        }
    }
}

/// `POST /console/logout`: the session ends here and now.
#[handler]
pub async fn sign_out(req: &Request, console: Data<&Console>) -> Response {
    if let Some(token) = token(&console, req) {
        let gone = console_session::Entity::delete_by_id(sha256_hex(token.as_bytes()))
            .exec(console.store.writer())
            .await;
        if let Err(e) = gone {
            tracing::error!(error = %e, "closing a console session failed");
        }
    }
    let mut response = see_other("/console/login");
    let cookie = cookie(&console, "", 0);
    response
        .headers_mut()
        .insert("set-cookie", cookie.parse().expect("a cookie"));
    response
}

/// A new session of user `uid`: its token.
async fn open(store: &weft_store::Store, uid: i64) -> Result<String, StoreError> {
    let token = random_hex(32);
    let now = now();
    console_session::ActiveModel {
        sid_sha256: Set(sha256_hex(token.as_bytes())),
        user_id: Set(uid),
        create_date: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + ABSOLUTE),
    }
    .insert(store.writer())
    .await?;
    Ok(token)
}

/// Delete the console sessions that ended (they are refused anyway; this keeps the table small).
pub async fn purge_expired(store: &weft_store::Store) -> Result<u64, StoreError> {
    let now = now();
    let deleted = console_session::Entity::delete_many()
        .filter(
            console_session::Column::ExpiresAt
                .lte(now)
                .or(console_session::Column::LastSeenAt.lte(now - IDLE)),
        )
        .exec(store.writer())
        .await?;
    Ok(deleted.rows_affected)
}

fn cookie(console: &Console, value: &str, max_age: i64) -> String {
    let name = cookie_name(console);
    let secure = if console.secure() { "; Secure" } else { "" };
    format!("{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

#[cfg(test)]
mod tests {
    use super::local_next;

    #[test]
    fn only_console_addresses_are_returned_to() {
        assert_eq!(local_next(Some("/console/logs?q=x")), "/console/logs?q=x");
        for elsewhere in [
            "https://evil.example/",
            "//evil.example",
            "/consolex/../x",
            "/other",
            "/console\\@evil",
        ] {
            assert_eq!(local_next(Some(elsewhere)), "/console", "{elsewhere}");
        }
        assert_eq!(local_next(None), "/console");
    }
}
