//! `q`: Odoo's `ilike` over the previews (migration `m20261201_000010_api_log_trigram`). Every
//! whitespace-separated term must appear, case-insensitively, inside the request or the response
//! preview: `SO00` finds `SO0042`, `acme.ex` an email, `rad` `Trading`.
//!
//! A term with three letters or digits in a row is looked up in the trigram index (SQLite FTS5
//! `trigram`, PostgreSQL `pg_trgm` GIN), which is kept in the transaction that stores a log. Any
//! other term (`42`, `@`, `é`) has no trigram an index could serve: it filters the rows the indexed
//! terms found, or, when no term is indexed, the logs read newest first until the page is full (as
//! fast as a plain page when the term is common; bounded by the other filters when it is rare).
//!
//! Client text only ever travels as a bound value: quoted so nothing in it is FTS5 syntax, and with
//! `%`, `_` and `\` escaped so nothing in it is a LIKE wildcard.

use crate::LogError;
use crate::entity::api_log;
use sea_orm::sea_query::{Alias, Asterisk, Condition, Expr, Order, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, TransactionSession, TransactionTrait,
};

/// The previews as one text, exactly as the PostgreSQL index is on it (migration 000010), so the
/// planner uses the index. Terms hold no whitespace: none matches across the space between them.
const PREVIEWS: &str = "(request_preview || ' ' || response_preview)";
/// SQLite's FTS5 trigram table over the previews; its rowid is the log's id.
const FTS: &str = "weft_api_log_trigram";

/// `query` narrowed to the logs whose previews hold every term of `q` (when it has one), newest
/// first. `before` is the page's cursor, already a filter of `query`. On PostgreSQL a `q` with an
/// indexed term goes to `postgres_newest` instead (`postgres_two_steps`).
pub(crate) fn newest_matching(
    query: Select<api_log::Entity>,
    backend: DatabaseBackend,
    q: Option<&str>,
    before: Option<i64>,
) -> Select<api_log::Entity> {
    let (indexed, scanned) = split_terms(q.unwrap_or_default());
    let query = query.filter(unindexed(backend, &scanned));
    if indexed.is_empty() {
        return query.order_by_desc(api_log::Column::Id);
    }
    fts5_newest(query, &indexed, before)
}

/// The terms of `q`: those a trigram index serves, and the others.
fn split_terms(q: &str) -> (Vec<&str>, Vec<&str>) {
    q.split_whitespace().partition(|term| indexable(term))
}

/// Every term no index serves, each checked on the row itself.
fn unindexed(backend: DatabaseBackend, scanned: &[&str]) -> Condition {
    scanned.iter().fold(Condition::all(), |all, term| {
        all.add(in_either_preview(backend, term))
    })
}

/// The indexed terms as PostgreSQL's trigram index serves them: `ILIKE` on `PREVIEWS`.
fn indexed_on_postgres(indexed: &[&str]) -> Condition {
    let mut all = Condition::all();
    for term in indexed {
        all = all.add(Expr::cust_with_values(
            format!("{PREVIEWS} ILIKE $1"),
            [contains(term)],
        ));
    }
    all
}

/// PostgreSQL: how many of the newest logs the other filters select are checked one by one for
/// `q` before the trigram index is asked for the older ones.
const WINDOW: u64 = 10_000;

/// PostgreSQL's page for a `q` with an indexed term, in two steps that do not rest on the planner's
/// guess of how many logs a pattern matches. It guesses about the same 1-3 % for every term, and
/// for a code 1 log in 1,000 holds it walked the id index backwards through 50,000 logs (250-330
/// ms, the p99 of the 1,000,000-log bench) where the trigram index answers in 40 ms:
/// 1. the newest `WINDOW` logs of the other filters, each checked, newest first: a common term fills
///    the page here, after a few hundred rows;
/// 2. when it did not, the term is rare among them: the older logs through the trigram index, with
///    plain index scans (the backwards walk) switched off for that query.
pub(crate) async fn postgres_newest(
    conn: &(impl ConnectionTrait + TransactionTrait),
    filtered: Select<api_log::Entity>,
    q: &str,
    want: u64,
) -> Result<Vec<api_log::Model>, LogError> {
    use api_log::Column::Id;
    let (indexed, scanned) = split_terms(q);
    let matching =
        indexed_on_postgres(&indexed).add(unindexed(DatabaseBackend::Postgres, &scanned));
    let tx = conn.begin().await?;
    // Each statement planned for its own values, not a generic plan blind to the pattern.
    tx.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
        .await?;
    // The window as a subquery under the table's own name: the conditions name its columns.
    let window = filtered
        .clone()
        .order_by_desc(Id)
        .limit(WINDOW)
        .into_query();
    let recent = Query::select()
        .column(Asterisk)
        .from_subquery(window, Alias::new("weft_api_log"))
        .cond_where(matching.clone())
        .order_by(Id, Order::Desc)
        .limit(want)
        .to_owned();
    let statement = DatabaseBackend::Postgres.build(&recent);
    let mut rows = api_log::Entity::find()
        .from_raw_sql(statement)
        .all(&tx)
        .await?;
    if (rows.len() as u64) < want {
        let oldest_in_window: Option<i64> = filtered
            .clone()
            .select_only()
            .column(Id)
            .order_by_desc(Id)
            .offset(WINDOW - 1)
            .limit(1)
            .into_tuple()
            .one(&tx)
            .await?;
        if let Some(oldest) = oldest_in_window {
            tx.execute_unprepared("SET LOCAL enable_indexscan = off")
                .await?;
            let older = filtered
                .filter(Id.lt(oldest))
                .filter(matching)
                .order_by_desc(Id)
                .limit(want - rows.len() as u64)
                .all(&tx)
                .await?;
            rows.extend(older);
        }
    }
    tx.commit().await?;
    Ok(rows)
}

/// Whether the page is `postgres_newest`'s: PostgreSQL, and `q` has a term its trigram index serves.
pub(crate) fn postgres_two_steps(backend: DatabaseBackend, q: Option<&str>) -> bool {
    backend == DatabaseBackend::Postgres && q.is_some_and(|q| q.split_whitespace().any(indexable))
}

/// SQLite: the trigram table joined and read newest first, so FTS5 stops at the end of the page
/// (`id IN (SELECT rowid .. MATCH ..)` found every match first: 370 ms for a fragment 1 log in 8
/// holds over 1,000,000 logs, against 30 ms this way). The cursor is given to FTS5 as a rowid bound.
fn fts5_newest(
    mut query: Select<api_log::Entity>,
    indexed: &[&str],
    before: Option<i64>,
) -> Select<api_log::Entity> {
    let select = QueryTrait::query(&mut query);
    select
        .inner_join(
            Alias::new(FTS),
            Expr::cust(format!("{FTS}.rowid = weft_api_log.id")),
        )
        .and_where(Expr::cust_with_values(
            format!("{FTS} MATCH ?"),
            [fts5_query(indexed)],
        ));
    if let Some(before) = before {
        select.and_where(Expr::cust_with_values(format!("{FTS}.rowid < ?"), [before]));
    }
    select.order_by_expr(Expr::cust(format!("{FTS}.rowid")), Order::Desc);
    query
}

/// Whether the trigram indexes can serve `term`: it has three ASCII letters or digits in a row.
/// `pg_trgm` makes trigrams of words (letters and digits) only, so a term of punctuation would
/// read its whole index; letters beyond ASCII may not be word characters in the database's locale.
fn indexable(term: &str) -> bool {
    let mut run = 0;
    term.chars().any(|c| {
        run = if c.is_ascii_alphanumeric() {
            run + 1
        } else {
            0
        };
        run >= 3
    })
}

/// A term no index serves, checked on the row itself: in the request or in the response preview.
/// The columns one by one, not `PREVIEWS`, so PostgreSQL never takes the trigram index for it;
/// named with their table, as SQLite's trigram table has columns of the same names.
fn in_either_preview(backend: DatabaseBackend, term: &str) -> SimpleExpr {
    let pattern = contains(term);
    match backend {
        // Backslash is PostgreSQL's LIKE escape by default.
        DatabaseBackend::Postgres => Expr::cust_with_values(
            "(weft_api_log.request_preview ILIKE $1 OR weft_api_log.response_preview ILIKE $1)",
            [pattern],
        ),
        // SQLite's LIKE folds ASCII case only; it has no escape until one is named.
        _ => Expr::cust_with_values(
            r"(weft_api_log.request_preview LIKE ? ESCAPE '\' OR weft_api_log.response_preview LIKE ? ESCAPE '\')",
            [pattern.clone(), pattern],
        ),
    }
}

/// `50%_off` -> `%50\%\_off%`: the LIKE pattern of "contains `term`", every wildcard literal.
fn contains(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `["ACME", "S\"O1"]` -> `"ACME" "S""O1"`: each term an FTS5 string, so nothing in `q` is FTS5
/// syntax. With the trigram tokenizer a string matches where it appears inside a value.
fn fts5_query(terms: &[&str]) -> String {
    terms
        .iter()
        .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_quoted_so_nothing_is_fts5_syntax() {
        assert_eq!(fts5_query(&["ACME", "SO001"]), r#""ACME" "SO001""#);
        assert_eq!(
            fts5_query(&[r#"a"b"#, "OR", "NEAR(x*"]),
            r#""a""b" "OR" "NEAR(x*""#
        );
    }

    #[test]
    fn like_wildcards_in_a_term_are_literal() {
        assert_eq!(contains("50%_off"), r"%50\%\_off%");
        assert_eq!(contains(r"C:\tmp"), r"%C:\\tmp%");
        assert_eq!(contains("SO00"), "%SO00%");
    }

    #[test]
    fn a_term_is_indexed_when_it_has_three_letters_or_digits_in_a_row() {
        for term in ["SO00", "abc", "a@bcd.", "Müller"] {
            assert!(indexable(term), "{term}");
        }
        for term in ["42", "@", "a.b.c", "%%%", "ééé", "Mü"] {
            assert!(!indexable(term), "{term}");
        }
    }

    #[test]
    fn the_escape_clause_reaches_sqlite_intact() {
        use sea_orm::EntityTrait;
        let query = api_log::Entity::find();
        let sql = newest_matching(query, DatabaseBackend::Sqlite, Some("SO00 4%"), Some(9))
            .build(DatabaseBackend::Sqlite);
        assert!(
            sql.sql
                .contains(r"LIKE ? ESCAPE '\' OR weft_api_log.response_preview LIKE ? ESCAPE '\'"),
            "{}",
            sql.sql
        );
        assert!(
            sql.sql.contains("weft_api_log_trigram MATCH ?"),
            "{}",
            sql.sql
        );
        assert_eq!(sql.values.map(|v| v.0.len()), Some(4), "{}", sql.sql);
    }
}
