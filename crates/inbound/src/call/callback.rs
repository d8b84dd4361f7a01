//! `callback_url` (research §9, DESIGN.md §4): checked for shape when the call arrives (http or
//! https, a host, an optional port, no spaces or control characters; the server's SSRF guard
//! checks where it points), then stored in `weft_record_callback` for every record of the call's
//! model the call created or updated, in the call's transaction: one row per record, the newest
//! URL wins.

use super::error::{CallError, CallResult};
use super::path::Path;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, EntityTrait};
use serde_json::{Map, Value};
use std::net::Ipv6Addr;
use weft_outbound::targets::AllowedTargets;
use weft_store::Tx;
use weft_store::entity::record_callback;

const MAX_URL: usize = 2048;

/// `vals.callback_url`, checked; an absent, null or empty one is no callback.
pub(crate) fn parse(
    vals: &Map<String, Value>,
    allowed: &AllowedTargets,
) -> CallResult<Option<String>> {
    let path = Path::of("callback_url");
    match vals.get("callback_url") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => check_url(s)
            .and_then(|host| allowed.check_host(&host))
            .map(|()| Some(s.clone()))
            .map_err(|reason| CallError::invalid(&path, reason)),
        Some(_) => Err(CallError::invalid(&path, "expected a URL string")),
    }
}

/// Check the shape of `url` and return its host (an IPv6 address without brackets).
fn check_url(url: &str) -> Result<String, String> {
    if url.len() > MAX_URL {
        return Err(format!("is longer than {MAX_URL} characters"));
    }
    if let Some(c) = url.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "must not contain spaces or control characters (found '{}')",
            c.escape_default()
        ));
    }
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err("must be an http:// or https:// URL".into());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    check_host_port(host_port)
}

fn check_host_port(host_port: &str) -> Result<String, String> {
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let (address, after) = inner
            .split_once(']')
            .ok_or("has an unterminated IPv6 address")?;
        address
            .parse::<Ipv6Addr>()
            .map_err(|_| format!("'{address}' is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("has text after the IPv6 address")?,
            ),
        };
        (address, port)
    } else {
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        check_host_name(host)?;
        (host, port)
    };
    match port {
        Some(port) if !port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Err(format!("'{port}' is not a valid port"))
        }
        _ => Ok(host.to_string()),
    }
}

fn check_host_name(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("has no host".into());
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err(format!("'{host}' is not a valid host name"));
    }
    Ok(())
}

/// Remember `url` for each record (insert, or replace the URL of an existing row), in one statement.
pub(crate) async fn store(tx: &Tx, model: &str, ids: &[i64], url: &str) -> CallResult<()> {
    let now = chrono::Utc::now().naive_utc();
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() {
        return Ok(());
    }
    let rows = unique.into_iter().map(|id| record_callback::ActiveModel {
        id: ActiveValue::NotSet,
        res_model: ActiveValue::Set(model.to_string()),
        res_id: ActiveValue::Set(id),
        url: ActiveValue::Set(url.to_string()),
        write_date: ActiveValue::Set(now),
    });
    record_callback::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                record_callback::Column::ResModel,
                record_callback::Column::ResId,
            ])
            .update_columns([
                record_callback::Column::Url,
                record_callback::Column::WriteDate,
            ])
            .to_owned(),
        )
        .exec_without_returning(tx.connection())
        .await
        .map_err(|e| CallError::Internal(format!("storing a callback URL: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_callback_urls_are_refused_unless_allowed() {
        let vals = |url: &str| {
            serde_json::json!({"callback_url": url})
                .as_object()
                .unwrap()
                .clone()
        };
        let none = AllowedTargets::default();
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://[::1]/x",
            "http://localhost/x",
            "http://169.254.169.254/latest",
        ] {
            let err = parse(&vals(url), &none).unwrap_err();
            assert!(
                err.to_string().contains("WEFT_ALLOWED_TARGETS"),
                "{url}: {err}"
            );
        }
        assert!(
            parse(&vals("https://erp.example.com/hook"), &none)
                .unwrap()
                .is_some()
        );
        let allowed = AllowedTargets::parse("127.0.0.0/8").unwrap();
        assert!(
            parse(&vals("http://127.0.0.1:9000/hook"), &allowed)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn urls_are_checked_for_shape() {
        for ok in [
            "https://ext-system/webhook/so-status",
            "http://example.com:8080/a?b=c#d",
            "HTTPS://user:pw@example.com",
            "http://[::1]:9000/x",
            "http://10.0.0.1",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://example.com",
            "https://",
            "https:///path",
            "example.com/x",
            "https://exa mple.com",
            "https://example.com:99999",
            "https://example.com:x",
            "https://[zz]/",
            "https://ex\u{0}ample.com",
            "https://bad<host>/",
            "http://[::1]x/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
