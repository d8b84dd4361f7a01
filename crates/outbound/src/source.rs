//! What outbound rules and webhook subscriptions have in common: what kind of source a delivery
//! came from, its signing secrets (the previous one keeps signing for a day after a rotation), its
//! own timeout and retries, and the secret a new source is given. The error type of their admin
//! operations and the checked reading of what the admin routes receive are `weft_store::admin`'s
//! (inbound hooks share them), re-exported here under the names outbound has always used.

use chrono::NaiveDateTime;
pub use weft_store::admin::{
    ConfigError as SourceError, Input, invalid, model, now, odoo_datetime,
};
use weft_webhook::signing::Secret;

/// How long the replaced secret still signs after a rotation (DESIGN.md §6).
pub const ROTATION_GRACE: chrono::Duration = chrono::Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Rule,
    Subscription,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Rule => "rule",
            SourceKind::Subscription => "subscription",
        }
    }

    pub fn parse(text: &str) -> Option<SourceKind> {
        match text {
            "rule" => Some(SourceKind::Rule),
            "subscription" => Some(SourceKind::Subscription),
            _ => None,
        }
    }
}

/// A source's secrets: the current one, and during a rotation the one it replaced.
#[derive(Debug, Clone)]
pub struct Signing {
    pub current: Secret,
    pub previous: Option<(Secret, NaiveDateTime)>,
}

impl Signing {
    pub fn from_columns(
        secret: &str,
        previous: Option<&str>,
        until: Option<NaiveDateTime>,
    ) -> Result<Signing, String> {
        let current = Secret::parse(secret).map_err(|e| e.to_string())?;
        let previous = match (previous, until) {
            (Some(p), Some(until)) => Some((Secret::parse(p).map_err(|e| e.to_string())?, until)),
            _ => None,
        };
        Ok(Signing { current, previous })
    }

    /// The secrets that sign at `now`.
    pub fn secrets(&self, now: NaiveDateTime) -> Vec<&Secret> {
        let mut out = vec![&self.current];
        if let Some((previous, until)) = &self.previous
            && *until > now
        {
            out.push(previous);
        }
        out
    }
}

/// A source's own delivery settings; None takes `webhook.timeout` / `webhook.retry`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub timeout_s: Option<u32>,
    pub max_retries: Option<u32>,
}

impl Limits {
    pub fn from_columns(timeout_s: Option<i32>, max_retries: Option<i32>) -> Limits {
        Limits {
            timeout_s: timeout_s.and_then(|t| u32::try_from(t).ok()),
            max_retries: max_retries.and_then(|r| u32::try_from(r).ok()),
        }
    }
}

/// A new secret (`whsec_...`) the client chose, or a generated one.
pub fn secret(input: &Input) -> Result<String, SourceError> {
    match input.text("secret")? {
        Some(s) => Secret::parse(&s)
            .map(|s| s.to_string())
            .map_err(|e| invalid("secret", e.to_string())),
        None => Ok(Secret::generate().to_string()),
    }
}

/// Give a source a new secret; the current one becomes the previous one and keeps signing for
/// `ROTATION_GRACE`. One statement, so two rotations at once cannot lose a secret.
pub async fn rotate_secret(
    store: &weft_store::Store,
    kind: SourceKind,
    id: i64,
) -> Result<(), SourceError> {
    let table = match kind {
        SourceKind::Rule => "weft_outbound_rule",
        SourceKind::Subscription => "weft_subscription",
    };
    let now = now();
    let sql = crate::dispatcher::placeholders(
        store.backend(),
        &format!(
            "UPDATE {table} SET previous_secret = secret, secret = $1, previous_secret_until = $2, \
             write_date = $3 WHERE id = $4"
        ),
    );
    let values: [sea_orm::Value; 4] = [
        Secret::generate().to_string().into(),
        (now + ROTATION_GRACE).into(),
        now.into(),
        id.into(),
    ];
    let statement = sea_orm::Statement::from_sql_and_values(store.backend(), sql, values);
    use sea_orm::ConnectionTrait;
    let result = store.writer().execute_raw(statement).await?;
    if result.rows_affected() == 0 {
        let what = match kind {
            SourceKind::Rule => "outbound rule",
            SourceKind::Subscription => "webhook",
        };
        return Err(SourceError::NotFound(what, id));
    }
    Ok(())
}

/// Forget the URLs this source's receivers retired with 410: changing a source is how an
/// integrator says its receiver is back.
pub async fn unretire(
    conn: &impl sea_orm::ConnectionTrait,
    kind: SourceKind,
    id: i64,
) -> Result<(), SourceError> {
    let backend = conn.get_database_backend();
    let sql = crate::dispatcher::placeholders(
        backend,
        "DELETE FROM weft_retired_url WHERE source_kind = $1 AND source_id = $2",
    );
    let statement =
        sea_orm::Statement::from_sql_and_values(backend, sql, [kind.as_str().into(), id.into()]);
    conn.execute_raw(statement).await?;
    Ok(())
}
