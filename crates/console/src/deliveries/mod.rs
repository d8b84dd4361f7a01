//! The Deliveries pages: the outbox as a filtered, keyset-paged list (`list`), one delivery with
//! its body, the headers a receiver sees (secrets masked) and its attempts (`detail`), and retries
//! of one delivery or of everything a filter shows, after a confirmation with the exact count
//! (`retry`). Everything goes through `weft_outbound::deliveries`, as `/api/v1/deliveries` does,
//! with the same checks of the filters.
//!
//! Here: the filters as the URL carries them, their checking, and what every page shows of a
//! delivery (a row of the list, the page that says why something was refused).

mod detail;
mod list;
mod retry;

pub use detail::detail_page;
pub use list::list_page;
pub use retry::{confirm, retry_all, retry_one};

use crate::frame::{Frame, When};
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use weft_outbound::deliveries::{Filter, STATES};
use weft_outbound::source::SourceKind;

/// The filters as the URL (or a confirmation's hidden fields) gives them: texts, so a page can
/// show again what was typed, and so a bad value gets a page naming it rather than a bare 400.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Wanted {
    pub state: String,
    pub source: String,
    pub model: String,
    pub res_id: String,
    /// The target URL, exactly (the Targets page links here).
    pub url: String,
}

/// A filter value this service cannot use: which field, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadFilter {
    pub field: &'static str,
    pub message: String,
}

impl Wanted {
    /// The filters among urlencoded `pairs` (a query string or a form); the first of a name wins,
    /// an empty value is no filter.
    pub fn from_pairs(text: &str) -> Wanted {
        let mut wanted = Wanted::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
            if seen.iter().any(|k| *k == key) {
                continue;
            }
            let slot = match key.as_ref() {
                "state" => &mut wanted.state,
                "source" => &mut wanted.source,
                "model" => &mut wanted.model,
                "res_id" => &mut wanted.res_id,
                "url" => &mut wanted.url,
                _ => continue,
            };
            *slot = value.trim().to_string();
            seen.push(key.into_owned());
        }
        wanted
    }

    /// The outbox's filter, checked as `/api/v1/deliveries` checks it, within the models the
    /// caller may see (`Caller::allowed_models`; None, every model, for a signed-in admin).
    pub fn filter(&self, allowed_models: &Option<Vec<String>>) -> Result<Filter, BadFilter> {
        let bad = |field, message: String| BadFilter { field, message };
        let state = some(&self.state);
        if let Some(s) = &state
            && !STATES.contains(&s.as_str())
        {
            return Err(bad(
                "state",
                format!("must be one of {}", STATES.join(", ")),
            ));
        }
        let source = some(&self.source)
            .map(|s| Filter::parse_source(&s).map_err(|e| bad("source", e)))
            .transpose()?;
        let model = some(&self.model);
        if let (Some(model), Some(allowed)) = (&model, allowed_models)
            && !allowed.contains(model)
        {
            return Err(bad(
                "model",
                format!("'{model}' is not a model this user may see"),
            ));
        }
        let res_id = some(&self.res_id)
            .map(|r| {
                r.parse::<i64>().map_err(|_| {
                    bad(
                        "res_id",
                        format!("'{r}' is not a record id (a whole number)"),
                    )
                })
            })
            .transpose()?;
        Ok(Filter {
            state,
            source,
            model,
            res_id,
            url: some(&self.url),
            models: allowed_models.clone(),
        })
    }

    /// The filters given, as `(name, value)`, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("state", self.state.as_str()),
            ("source", self.source.as_str()),
            ("model", self.model.as_str()),
            ("res_id", self.res_id.as_str()),
            ("url", self.url.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// The filters as a query string (no `?`), plus `extra` pairs.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs().into_iter().chain(extra.iter().copied()) {
            out.append_pair(k, v);
        }
        out.finish()
    }

    /// `/console/deliveries...` with these filters and `extra`.
    pub fn href(&self, path: &str, extra: &[(&str, &str)]) -> String {
        match self.query(extra) {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        }
    }

    /// How a person reads the filters: `state dead (the default), source rule:3`.
    pub fn describe(&self, default_dead: bool) -> String {
        let mut parts = Vec::new();
        match (self.state.as_str(), default_dead) {
            ("", true) => parts.push("state dead (the default)".to_string()),
            ("", false) => {}
            (s, _) => parts.push(format!("state {s}")),
        }
        if !self.source.is_empty() {
            parts.push(format!("source {}", self.source));
        }
        if !self.model.is_empty() {
            parts.push(format!("model {}", self.model));
        }
        if !self.res_id.is_empty() {
            parts.push(format!("record id {}", self.res_id));
        }
        if !self.url.is_empty() {
            parts.push(format!("target {}", weft_logstore::redact::text(&self.url)));
        }
        if parts.is_empty() {
            "no filter".into()
        } else {
            parts.join(", ")
        }
    }
}

fn some(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// A stored time (`YYYY-MM-DD HH:MM:SS`, UTC) as a page shows it.
pub(crate) fn when(value: &Value) -> Option<When> {
    let text = value.as_str()?;
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(When::of)
}

pub(crate) fn stored_time(value: &Value) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(value.as_str()?, "%Y-%m-%d %H:%M:%S").ok()
}

/// `rule:3` as its kind and id.
pub(crate) fn source_of(text: &str) -> Option<(SourceKind, i64)> {
    Filter::parse_source(text).ok()
}

/// Source names by kind and id (`deliveries::source_names`).
pub(crate) type Names = HashMap<(SourceKind, i64), String>;

/// A delivery's source as a person reads it: its name when known, and `rule 3`.
pub(crate) struct Source {
    pub name: Option<String>,
    pub label: String,
}

impl Source {
    pub fn of(text: &str, names: &Names) -> Source {
        match source_of(text) {
            Some((kind, id)) => Source {
                name: names.get(&(kind, id)).cloned(),
                label: format!("{} {id}", kind.as_str()),
            },
            None => Source {
                name: None,
                label: text.to_string(),
            },
        }
    }
}

/// The last answer or error of a delivery, in one line.
pub(crate) fn last_outcome(d: &Value) -> String {
    let status = d["last_status"].as_i64();
    let error = d["last_error"].as_str().filter(|e| !e.is_empty());
    match (status, error) {
        (Some(s), Some(e)) if e.contains(&s.to_string()) => e.to_string(),
        (Some(s), Some(e)) => format!("{s}: {e}"),
        (Some(s), None) => s.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => String::new(),
    }
}

/// Whether the Retry button belongs on a delivery: dead, done, or pending after a failure.
pub(crate) fn retryable(d: &Value) -> bool {
    match d["state"].as_str() {
        Some("dead" | "done") => true,
        Some("pending") => d["attempt_count"].as_i64().unwrap_or(0) > 0,
        _ => false,
    }
}

/// A page that says why nothing can be shown: an unknown delivery, a bad filter.
#[derive(Template, WebTemplate)]
#[template(path = "deliveries_problem.html")]
pub(crate) struct ProblemPage {
    pub frame: Frame,
    pub title: String,
    pub message: String,
    pub back: String,
}

pub(crate) fn problem(frame: Frame, status: StatusCode, title: &str, message: String) -> Response {
    ProblemPage {
        frame,
        title: title.to_string(),
        message,
        back: "/console/deliveries".into(),
    }
    .with_status(status)
    .into_response()
}

pub(crate) fn bad_filter(frame: Frame, bad: &BadFilter) -> Response {
    problem(
        frame,
        StatusCode::BAD_REQUEST,
        "This filter cannot be used",
        format!("{}: {}", bad.field, bad.message),
    )
}

pub(crate) fn not_found(frame: Frame, id: i64) -> Response {
    problem(
        frame,
        StatusCode::NOT_FOUND,
        "No such delivery",
        format!("Delivery {id} does not exist (it may have been purged after its retention)."),
    )
}

/// A store failure: logged; the page says only that.
pub(crate) fn failed(frame: Frame, error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "a deliveries page failed");
    problem(
        frame,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The outbox could not be read or changed (see the server log).".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_come_from_the_url_and_go_back_to_it() {
        let wanted =
            Wanted::from_pairs("state=dead&source=rule%3A3&model=&res_id=+12+&state=done&x=1");
        assert_eq!(wanted.state, "dead");
        assert_eq!(wanted.source, "rule:3");
        assert_eq!(wanted.model, "");
        assert_eq!(wanted.res_id, "12");
        assert_eq!(wanted.query(&[]), "state=dead&source=rule%3A3&res_id=12");
        assert_eq!(
            Wanted::default().href("/console/deliveries", &[]),
            "/console/deliveries"
        );
        assert_eq!(
            wanted.describe(true),
            "state dead, source rule:3, record id 12"
        );
        assert_eq!(Wanted::default().describe(true), "state dead (the default)");
        let filter = wanted.filter(&None).unwrap();
        assert_eq!(filter.state.as_deref(), Some("dead"));
        assert_eq!(filter.source, Some((SourceKind::Rule, 3)));
        assert_eq!(filter.res_id, Some(12));
    }

    #[test]
    fn a_bad_value_names_its_field() {
        for (query, field) in [
            ("state=gone", "state"),
            ("source=rule", "source"),
            ("source=hook:1", "source"),
            ("res_id=abc", "res_id"),
        ] {
            let bad = Wanted::from_pairs(query).filter(&None).unwrap_err();
            assert_eq!(bad.field, field, "{query}");
        }
    }
}
