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

use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Condition, Expr, SimpleExpr};

/// The previews as one text, exactly as the PostgreSQL index is on it (migration 000010), so the
/// planner uses the index. Terms hold no whitespace: none matches across the space between them.
const PREVIEWS: &str = "(request_preview || ' ' || response_preview)";

/// The condition "the previews hold every term of `q`"; None when `q` has no term.
pub(crate) fn matches(backend: DatabaseBackend, q: &str) -> Option<Condition> {
    let terms: Vec<&str> = q.split_whitespace().collect();
    if terms.is_empty() {
        return None;
    }
    let (indexed, scanned): (Vec<&str>, Vec<&str>) =
        terms.into_iter().partition(|term| indexable(term));
    let mut all = Condition::all();
    if backend == DatabaseBackend::Postgres {
        for term in indexed {
            all = all.add(Expr::cust_with_values(
                format!("{PREVIEWS} ILIKE $1"),
                [contains(term)],
            ));
        }
    } else if !indexed.is_empty() {
        all = all.add(Expr::cust_with_values(
            "id IN (SELECT rowid FROM weft_api_log_trigram WHERE weft_api_log_trigram MATCH ?)",
            [fts5_query(&indexed)],
        ));
    }
    for term in scanned {
        all = all.add(in_either_preview(backend, term));
    }
    Some(all)
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
/// The columns one by one, not `PREVIEWS`, so PostgreSQL never takes the trigram index for it.
fn in_either_preview(backend: DatabaseBackend, term: &str) -> SimpleExpr {
    let pattern = contains(term);
    match backend {
        // Backslash is PostgreSQL's LIKE escape by default.
        DatabaseBackend::Postgres => Expr::cust_with_values(
            "(request_preview ILIKE $1 OR response_preview ILIKE $1)",
            [pattern],
        ),
        // SQLite's LIKE folds ASCII case only; it has no escape until one is named.
        _ => Expr::cust_with_values(
            r"(request_preview LIKE ? ESCAPE '\' OR response_preview LIKE ? ESCAPE '\')",
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
        use sea_orm::sea_query::{Alias, Query, SqliteQueryBuilder};
        let condition = matches(DatabaseBackend::Sqlite, "SO00 4%").unwrap();
        let (sql, values) = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("weft_api_log"))
            .cond_where(condition)
            .build(SqliteQueryBuilder);
        assert!(
            sql.contains(r"LIKE ? ESCAPE '\' OR response_preview LIKE ? ESCAPE '\'"),
            "{sql}"
        );
        assert_eq!(values.0.len(), 3, "{sql}");
    }
}
