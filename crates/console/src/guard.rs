//! What protects every console page: strict security headers on every response, and on every
//! request that changes something an origin check (`Sec-Fetch-Site`, else `Origin` against
//! `Host`) and the session's CSRF token (the `X-CSRF-Token` header htmx sends, or the form's
//! `csrf` field), compared in constant time. The sign-in form has no session yet: it gets the
//! origin check only (with `SameSite=Strict` on the cookie, that is what stops a login CSRF).

use crate::Console;
use crate::session::{csrf_of, token};
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use std::sync::Arc;
use weft_webhook::signing::constant_time_eq;

/// No inline script or style, no eval, nothing from elsewhere, never in a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The largest form the CSRF check reads to find the token.
const MAX_FORM: usize = 1 << 20;

pub async fn protect<E: Endpoint>(next: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut response = match changes {
        true => match check(&mut req).await {
            Ok(()) => respond(next, req).await,
            Err(refusal) => refused(refusal),
        },
        false => respond(next, req).await,
    };
    secure(&mut response);
    Ok(response)
}

async fn respond<E: Endpoint>(next: Arc<E>, req: Request) -> Response {
    match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Why a request that changes something was refused.
#[derive(Debug, PartialEq)]
enum Refusal {
    CrossSite,
    Token,
}

async fn check(req: &mut Request) -> Result<(), Refusal> {
    if !same_origin(req) {
        return Err(Refusal::CrossSite);
    }
    let console = req.data::<Console>().expect("the console's data").clone();
    // No session: nothing to forge; the page itself sends the caller to sign in.
    let Some(session) = token(&console, req) else {
        return Ok(());
    };
    // Inside the nest the path is `/login` (poem strips `/console`); only the sign-in form.
    if req.uri().path() == "/login" {
        return Ok(());
    }
    let expected = csrf_of(&session);
    let given = match req.headers().get("x-csrf-token") {
        Some(v) => v.to_str().unwrap_or_default().to_string(),
        None => form_token(req).await.unwrap_or_default(),
    };
    match constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        true => Ok(()),
        false => Err(Refusal::Token),
    }
}

/// `Sec-Fetch-Site` when the browser sends it; else the `Origin` host against `Host`; a request
/// with neither comes from no browser page (and still needs the token).
fn same_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| url::Url::parse(o).ok())
        .map(|u| match u.port() {
            Some(port) => format!("{}:{port}", u.host_str().unwrap_or_default()),
            None => u.host_str().unwrap_or_default().to_string(),
        });
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The `csrf` field of a urlencoded form; the body is put back for the handler.
async fn form_token(req: &mut Request) -> Option<String> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    let bytes = req.take_body().into_bytes_limit(MAX_FORM).await.ok()?;
    let found = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    req.set_body(bytes);
    found
}

fn refused(refusal: Refusal) -> Response {
    let message = match refusal {
        Refusal::CrossSite => {
            "This request came from another site: the console accepts changes only from its own pages."
        }
        Refusal::Token => {
            "This request did not carry this session's CSRF token: reload the page and try again."
        }
    };
    (StatusCode::FORBIDDEN, message).into_response()
}

/// The headers of every console response; pages (not static files) are never cached.
fn secure(response: &mut Response) {
    let headers = response.headers_mut();
    let fixed = [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ),
        ("cross-origin-opener-policy", "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
