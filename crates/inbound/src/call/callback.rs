//! `callback_url` (research §9, DESIGN.md §4): checked when the call arrives
//! (`AllowedTargets::check_url`: read as the HTTP client reads it, its shape and where it points),
//! then stored in `weft_record_callback` for every record of the call's model the call created or
//! updated, in the call's transaction: one row per record, the newest URL wins. It is checked
//! again before each delivery to it.

use super::error::{CallError, CallResult};
use super::path::Path;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, EntityTrait};
use serde_json::{Map, Value};
use weft_store::Tx;
use weft_store::entity::record_callback;
use weft_webhook::targets::AllowedTargets;

/// `vals.callback_url`, checked; an absent, null or empty one is no callback.
pub(crate) fn parse(
    vals: &Map<String, Value>,
    allowed: &AllowedTargets,
) -> CallResult<Option<String>> {
    let path = Path::of("callback_url");
    match vals.get("callback_url") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => allowed
            .check_url(s)
            .map(|_| Some(s.clone()))
            .map_err(|reason| CallError::invalid(&path, reason)),
        Some(_) => Err(CallError::invalid(&path, "expected a URL string")),
    }
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
}
