//! The log at a glance (the console's overview): calls per hour by type and state since a moment,
//! grouped in SQL, and the latest failed calls. Both read the `(state, create_date, log_type)`
//! index (migration `m20261203_000013_api_log_state_time`): one range a state, never the table.

use crate::LogError;
use crate::entity::api_log;
use chrono::NaiveDateTime;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

/// The states a log can be in (`Entry::state`).
pub const STATES: [&str; 2] = ["done", "failed"];

/// How many logs of one type and state were written in one hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourCount {
    /// The hour's start (UTC).
    pub hour: NaiveDateTime,
    /// `receive` or `send`.
    pub log_type: String,
    /// `done` or `failed`.
    pub state: String,
    pub count: i64,
}

/// Logs written since `since`, counted by hour (UTC, truncated), type and state; hours without
/// logs are left out. Dates are stored as `timestamp` on PostgreSQL and as `YYYY-MM-DD HH:MM:SS.f`
/// text on SQLite, so the hour is `date_trunc` there and the text's first 13 characters here.
pub async fn hourly(
    conn: &impl ConnectionTrait,
    since: NaiveDateTime,
) -> Result<Vec<HourCount>, LogError> {
    let backend = conn.get_database_backend();
    let (hour, since_param) = match backend {
        DatabaseBackend::Postgres => (
            "to_char(date_trunc('hour', create_date), 'YYYY-MM-DD HH24')",
            "$1",
        ),
        _ => ("substr(create_date, 1, 13)", "?"),
    };
    // `state IN (..)` names every state so the index's leading column is a set of ranges.
    let states = STATES.map(|s| format!("'{s}'")).join(", ");
    let sql = format!(
        "SELECT {hour} AS hour, log_type, state, COUNT(*) AS n FROM weft_api_log \
         WHERE state IN ({states}) AND create_date >= {since_param} \
         GROUP BY 1, log_type, state ORDER BY 1"
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [since.into()]))
        .await?;
    rows.iter()
        .map(|row| {
            let hour: String = row.try_get("", "hour")?;
            let hour = NaiveDateTime::parse_from_str(&format!("{hour}:00:00"), "%Y-%m-%d %H:%M:%S")
                .map_err(|e| LogError(format!("the hour '{hour}' of a log: {e}")))?;
            Ok(HourCount {
                hour,
                log_type: row.try_get("", "log_type")?,
                state: row.try_get("", "state")?,
                count: row.try_get("", "n")?,
            })
        })
        .collect()
}

/// The `limit` latest failed logs written since `since`, newest first (by time).
pub async fn latest_failed(
    conn: &impl ConnectionTrait,
    since: NaiveDateTime,
    limit: u64,
) -> Result<Vec<api_log::Model>, LogError> {
    use api_log::Column;
    Ok(api_log::Entity::find()
        .filter(Column::State.eq("failed"))
        .filter(Column::CreateDate.gte(since))
        .order_by_desc(Column::CreateDate)
        .limit(limit)
        .all(conn)
        .await?)
}
