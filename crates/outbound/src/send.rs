//! One attempt of one delivery: sign it with its source's secrets, POST it (no redirects, the
//! source's timeout), and say what came of it. 2xx delivers; 410 retires the URL for the source;
//! anything else fails and may be retried (after `Retry-After` when the receiver gives one).
//!
//! The URL is read once, by the guard (`check_url`), and the `Url` it returns is what is sent. A
//! rule's `Authorization` goes only to the hosts the rule names; when it is withheld, the attempt
//! says so in its note.

use crate::catalog::SourceSettings;
use crate::source::SourceKind;
use std::time::{Duration, Instant};
use weft_webhook::signing;
use weft_webhook::targets::AllowedTargets;

/// How much of a receiver's answer is read and kept.
const MAX_RESPONSE: usize = 64 * 1024;

/// A delivery this dispatcher holds the lease of.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    /// The claim's token (`lease_owner`): outcomes are stored only while the row carries it.
    pub token: i64,
    /// When the lease runs out (the row may then be claimed again).
    pub lease_expires: Instant,
    pub msg_id: String,
    pub kind: SourceKind,
    pub source_id: i64,
    pub model: String,
    pub res_id: i64,
    pub url: String,
    pub content_type: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered {
        status: u16,
    },
    Failed {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
    /// 410 Gone: the receiver wants no more from this source at this URL.
    Gone,
}

/// What one POST gave.
pub struct Answer {
    pub outcome: Outcome,
    pub response: Vec<u8>,
    pub duration: Duration,
    /// Kept on the attempt row: what this attempt did differently (a withheld credential).
    pub note: Option<String>,
}

pub async fn post(
    client: &reqwest::Client,
    allowed: &AllowedTargets,
    delivery: &Claimed,
    source: &SourceSettings,
    timeout: Duration,
) -> Answer {
    let started = Instant::now();
    // Address literals never reach the resolver: the guard sees them here.
    let url = match allowed.check_url(&delivery.url) {
        Ok(url) => url,
        Err(reason) => return failed(started, None, format!("refused: the URL {reason}"), None),
    };
    let (headers, note) = headers(
        source,
        &url,
        &delivery.msg_id,
        &delivery.content_type,
        delivery.body.as_bytes(),
        chrono::Utc::now().naive_utc(),
    );
    let mut request = client
        .post(url)
        .timeout(timeout)
        .body(delivery.body.clone());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let answer = match request.send().await {
        Err(e) => failed(started, None, describe(&e, timeout), None),
        Ok(mut response) => {
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            let mut body = Vec::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                body.extend_from_slice(&chunk[..chunk.len().min(MAX_RESPONSE - body.len())]);
                if body.len() >= MAX_RESPONSE {
                    break;
                }
            }
            let outcome = match status {
                200..=299 => Outcome::Delivered { status },
                410 => Outcome::Gone,
                _ => Outcome::Failed {
                    status: Some(status),
                    error: format!("the receiver answered {status}"),
                    retry_after,
                },
            };
            Answer {
                outcome,
                response: body,
                duration: started.elapsed(),
                note: None,
            }
        }
    };
    Answer { note, ..answer }
}

/// The headers an attempt sends at `now` (the HTTP client adds `host`, `content-length` and
/// `accept` itself), in order: `content-type`, the Standard Webhooks `webhook-id`,
/// `webhook-timestamp` and `webhook-signature`, and a rule's `authorization` when `url`'s host may
/// have it; else the note that says it was withheld. The console shows what this returns.
pub(crate) fn headers(
    source: &SourceSettings,
    url: &reqwest::Url,
    msg_id: &str,
    content_type: &str,
    body: &[u8],
    now: chrono::NaiveDateTime,
) -> (Vec<(&'static str, String)>, Option<String>) {
    let (authorization, note) = match &source.auth_header {
        Some(auth) if source.auth_hosts.allows(url) => (Some(auth), None),
        Some(_) => (
            None,
            Some(format!(
                "Authorization withheld: {} is not the rule's URL host nor in its allowed_callback_hosts",
                url.host_str().unwrap_or_default()
            )),
        ),
        None => (None, None),
    };
    let secrets = source.signing.secrets(now);
    let mut headers = vec![("content-type", content_type.to_string())];
    headers.extend(signing::headers(
        &secrets,
        msg_id,
        now.and_utc().timestamp(),
        body,
    ));
    if let Some(auth) = authorization {
        headers.push(("authorization", auth.clone()));
    }
    (headers, note)
}

fn failed(
    started: Instant,
    status: Option<u16>,
    error: String,
    retry_after: Option<Duration>,
) -> Answer {
    Answer {
        outcome: Outcome::Failed {
            status,
            // reqwest's errors, and the guard's reasons, may quote the URL and its credentials.
            error: weft_logstore::redact::text(&error).into_owned(),
            retry_after,
        },
        response: Vec::new(),
        duration: started.elapsed(),
        note: None,
    }
}

/// A one-line reason: timeouts and refused connections say so plainly.
fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs_f64());
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `Retry-After` in seconds (the HTTP-date form is rare for webhooks and read as absent).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
