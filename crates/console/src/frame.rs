//! What every page shows around its content: the navigation with the current page marked, the
//! signed-in user, the CSRF token htmx sends; and how a time is shown (relative, with the exact
//! UTC time on hover and in the markup for the script that keeps it fresh).

use chrono::{NaiveDateTime, Utc};
use poem::http::StatusCode;
use poem::{IntoResponse, Response};

/// The console's pages, as the navigation names them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Nav {
    Overview,
    Logs,
    Deliveries,
    Targets,
    OutboundRules,
    Subscriptions,
    InboundHooks,
    ApiKeys,
    OAuthApps,
    Users,
    Parameters,
    Models,
}

impl Nav {
    pub fn as_str(self) -> &'static str {
        match self {
            Nav::Overview => "overview",
            Nav::Logs => "logs",
            Nav::Deliveries => "deliveries",
            Nav::Targets => "targets",
            Nav::OutboundRules => "outbound-rules",
            Nav::Subscriptions => "subscriptions",
            Nav::InboundHooks => "inbound-hooks",
            Nav::ApiKeys => "api-keys",
            Nav::OAuthApps => "oauth-apps",
            Nav::Users => "users",
            Nav::Parameters => "parameters",
            Nav::Models => "models",
        }
    }
}

/// The frame of one page (`base.html` reads it as `frame`).
pub struct Frame {
    pub login: String,
    pub csrf: String,
    pub nav: Nav,
}

impl Frame {
    /// `aria-current` for the navigation link of `page`: `page` when it is this one.
    pub fn current(&self, page: &str) -> &'static str {
        if self.nav.as_str() == page {
            "page"
        } else {
            "false"
        }
    }
}

/// `303 See Other` to `location`: where a form's post leads (the browser GETs it).
pub fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("Location", location)
        .finish()
}

/// Something that failed: logged, and a page that says so without the detail.
pub fn failed(what: &str, error: &str) -> Response {
    tracing::error!(error = %error, "{what} failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("{what} failed (see the server log)."),
    )
        .into_response()
}

/// A moment as a page shows it: `<time datetime=iso title=absolute>relative</time>`.
pub struct When {
    pub iso: String,
    pub absolute: String,
    pub relative: String,
}

impl When {
    pub fn of(at: NaiveDateTime) -> When {
        When::at(at, Utc::now().naive_utc())
    }

    fn at(at: NaiveDateTime, now: NaiveDateTime) -> When {
        When {
            iso: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            absolute: at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            relative: relative(now - at),
        }
    }
}

/// `12 s ago`, `3 min ago`, `5 h ago`, `2 d ago`; `in 4 min` for the future.
fn relative(age: chrono::Duration) -> String {
    let (seconds, future) = match age.num_seconds() {
        s if s < 0 => (-s, true),
        s => (s, false),
    };
    let amount = match seconds {
        0..=59 => format!("{seconds} s"),
        60..=3_599 => format!("{} min", seconds / 60),
        3_600..=86_399 => format!("{} h", seconds / 3_600),
        _ => format!("{} d", seconds / 86_400),
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_a_person_says_them() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let when = When::at(now - chrono::Duration::seconds(190), now);
        assert_eq!(when.relative, "3 min ago");
        assert_eq!(when.iso, "2026-12-01T09:56:50Z");
        assert_eq!(when.absolute, "2026-12-01 09:56:50 UTC");
        let later = When::at(now + chrono::Duration::hours(5), now);
        assert_eq!(later.relative, "in 5 h");
        assert_eq!(When::at(now, now).relative, "0 s ago");
    }
}
