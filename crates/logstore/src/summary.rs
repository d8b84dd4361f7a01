//! The log at a glance (the console's overview): calls per hour by type and state, counted in SQL,
//! and the latest failed calls. Both read the `(state, log_type, create_date)` index (migration
//! `m20261203_000013_api_log_state_time`): each figure is one range of it, never the table.

use crate::entity::api_log;
use crate::{LogError, LogType};
use chrono::{Duration, NaiveDateTime};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

/// The states a log can be in (`Entry::state`).
pub const STATES: [&str; 2] = ["done", "failed"];
const TYPES: [LogType; 2] = [LogType::Receive, LogType::Send];

/// How many logs of one type and state were written in one hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourCount {
    /// The hour's start.
    pub hour: NaiveDateTime,
    /// `receive` or `send`.
    pub log_type: String,
    /// `done` or `failed`.
    pub state: String,
    pub count: i64,
}

/// The logs of `hours` hours from `start` (an hour's start, UTC), counted by hour, type and state:
/// a row for each (zeros included), in order of hour, then state, then type.
///
/// The hours are bound as `[start, end)` pairs (`timestamp` on PostgreSQL, `YYYY-MM-DD HH:MM:SS.f`
/// text on SQLite, which compares as the time it is), and each count is a correlated `COUNT(*)`
/// over one range of the index: no sort, unlike a `GROUP BY` of an hour expression.
pub async fn hourly(
    conn: &impl ConnectionTrait,
    start: NaiveDateTime,
    hours: u32,
) -> Result<Vec<HourCount>, LogError> {
    let backend = conn.get_database_backend();
    let mut values = Vec::with_capacity(hours as usize * 2);
    let mut rows = Vec::with_capacity(hours as usize);
    for i in 0..hours as i64 {
        let (from, to) = (values.len() + 1, values.len() + 2);
        let param = |n: usize| match backend {
            DatabaseBackend::Postgres => format!("${n}::timestamp"),
            _ => format!("?{n}"),
        };
        rows.push(format!("({i}, {}, {})", param(from), param(to)));
        values.push((start + Duration::hours(i)).into());
        values.push((start + Duration::hours(i + 1)).into());
    }
    let kinds: Vec<String> = STATES
        .iter()
        .flat_map(|s| TYPES.map(|t| format!("('{s}', '{}')", t.as_str())))
        .collect();
    let sql = format!(
        "WITH hours (i, since, until) AS (VALUES {}), kinds (state, log_type) AS (VALUES {}) \
         SELECT h.i AS i, k.state AS state, k.log_type AS log_type, \
         (SELECT COUNT(*) FROM weft_api_log l WHERE l.state = k.state AND l.log_type = k.log_type \
         AND l.create_date >= h.since AND l.create_date < h.until) AS n \
         FROM hours h CROSS JOIN kinds k ORDER BY h.i, k.state, k.log_type",
        rows.join(", "),
        kinds.join(", ")
    );
    let found = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    found
        .iter()
        .map(|row| {
            let i: i64 = match backend {
                DatabaseBackend::Postgres => row.try_get::<i32>("", "i")?.into(),
                _ => row.try_get("", "i")?,
            };
            Ok(HourCount {
                hour: start + Duration::hours(i),
                log_type: row.try_get("", "log_type")?,
                state: row.try_get("", "state")?,
                count: row.try_get("", "n")?,
            })
        })
        .collect()
}

/// The `limit` latest failed logs written since `since`, newest first (by time): the end of the
/// index range of each type, merged.
pub async fn latest_failed(
    conn: &impl ConnectionTrait,
    since: NaiveDateTime,
    limit: u64,
) -> Result<Vec<api_log::Model>, LogError> {
    use api_log::Column;
    let mut out = Vec::new();
    for log_type in TYPES {
        out.extend(
            api_log::Entity::find()
                .filter(Column::State.eq("failed"))
                .filter(Column::LogType.eq(log_type.as_str()))
                .filter(Column::CreateDate.gte(since))
                .order_by_desc(Column::CreateDate)
                .limit(limit)
                .all(conn)
                .await?,
        );
    }
    out.sort_by(|a, b| b.create_date.cmp(&a.create_date).then(b.id.cmp(&a.id)));
    out.truncate(limit as usize);
    Ok(out)
}
