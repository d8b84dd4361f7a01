//! The stored columns of records as this transaction last read or wrote them, so the same
//! transaction does not read them again: the lookup of an `update_data` holds the before rows of
//! its write, the write's `RETURNING` holds the after rows that hooks match and render.
//!
//! Only whole rows (every stored column) are kept, and only the plain paths keep them: a search for
//! a write, a full read, the main UPDATE of a write. Every other write (unlink and its `ondelete`,
//! x2many commands, sequences, data records) and every failed operation forgets them all, so a
//! kept row is never older than the database.

use crate::changeset::Row;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub(crate) struct CurrentRows(Mutex<HashMap<(String, i64), Row>>);

impl CurrentRows {
    /// The kept rows of `ids` (whole: every stored column), and the ids not kept.
    pub(crate) fn take_known(&self, model: &str, ids: &[i64]) -> (HashMap<i64, Row>, Vec<i64>) {
        let rows = self.0.lock().expect("current rows lock");
        let mut found = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        for &id in ids {
            match rows.get(&(model.to_string(), id)) {
                Some(row) => {
                    found.insert(id, row.clone());
                }
                None => missing.push(id),
            }
        }
        (found, missing)
    }

    /// Keep whole rows of `model` as they now are in the database.
    pub(crate) fn remember<'r>(&self, model: &str, rows: impl IntoIterator<Item = (i64, &'r Row)>) {
        let mut kept = self.0.lock().expect("current rows lock");
        for (id, row) in rows {
            kept.insert((model.to_string(), id), row.clone());
        }
    }

    pub(crate) fn forget(&self, model: &str, ids: &[i64]) {
        let mut kept = self.0.lock().expect("current rows lock");
        for id in ids {
            kept.remove(&(model.to_string(), *id));
        }
    }

    pub(crate) fn forget_all(&self) {
        self.0.lock().expect("current rows lock").clear();
    }
}

#[cfg(test)]
mod tests {
    //! The kept rows against the database they stand for: after each kind of write, what
    //! `Tx::matching` answers from them and what a read returns are what a fresh query sees.

    use crate::testing::each_backend;
    use crate::{ChangeHook, ChangeSet, Env, HookError, HookState, SearchOptions, Tx};
    use serde_json::{Map, Value, json};
    use std::sync::Arc;
    use weft_domain::Domain;
    use weft_registry::Registry;

    /// A hook that only makes the store return after rows from its UPDATEs.
    struct Listening;

    #[async_trait::async_trait]
    impl ChangeHook for Listening {
        fn watches(&self, _model: &str) -> bool {
            false
        }

        async fn after(&self, _: &Tx, _: &ChangeSet, _: HookState) -> Result<(), HookError> {
            Ok(())
        }
    }

    fn vals(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object").clone()
    }

    fn domain(text: &str) -> Domain {
        Domain::parse_text(text).expect("a domain")
    }

    /// `matching` (from the kept rows when there are some), checked against a search of the
    /// database.
    async fn matches(tx: &Tx, model: &str, text: &str, id: i64) -> bool {
        let kept = tx.current.take_known(model, &[id]).1.is_empty();
        let answer = tx.matching(model, &domain(text), &[id]).await.unwrap();
        let fresh = tx
            .search(
                model,
                &domain(&format!("[('id', '=', {id})]")).and(domain(text)),
                &SearchOptions {
                    include_archived: true,
                    ..SearchOptions::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(answer, fresh, "{model} {id} {text} (kept: {kept})");
        !answer.is_empty()
    }

    #[tokio::test]
    async fn kept_rows_follow_writes_deletes_and_x2many_commands() {
        each_backend(Registry::demo, async |store, _| {
            store.register_hook(Arc::new(Listening));
            let env = Env::superuser();
            let mut tx = store.begin(&env).await.unwrap();
            let company = tx
                .create("res.partner", &vals(json!({"name": "ACME"})))
                .await
                .unwrap();
            let contact = tx
                .create(
                    "res.partner",
                    &vals(json!({"name": "Jane", "parent_id": company})),
                )
                .await
                .unwrap();
            tx.commit().await.unwrap();

            let mut tx = store.begin(&env).await.unwrap();
            let found = tx
                .search_for_write(
                    "res.partner",
                    &domain(&format!("[('id', 'in', [{company}, {contact}])]")),
                    &SearchOptions::default(),
                )
                .await
                .unwrap();
            assert_eq!(found.len(), 2);
            assert!(tx.current.take_known("res.partner", &found).1.is_empty());
            assert!(!matches(&tx, "res.partner", "[('customer_rank', '>', 0)]", contact).await);

            // The UPDATE's RETURNING replaces the kept row.
            tx.write(
                "res.partner",
                &[contact],
                &vals(json!({"customer_rank": 3})),
            )
            .await
            .unwrap();
            assert!(
                tx.current
                    .take_known("res.partner", &[contact])
                    .1
                    .is_empty()
            );
            assert!(matches(&tx, "res.partner", "[('customer_rank', '=', 3)]", contact).await);

            // An x2many command writes the contact by another path: nothing is kept after it.
            tx.write(
                "res.partner",
                &[company],
                &vals(json!({"child_ids": [[1, contact, {"name": "Jane Doe"}]]})),
            )
            .await
            .unwrap();
            let rows = tx.stored_rows("res.partner", &[contact]).await.unwrap();
            assert_eq!(rows[&contact]["name"], json!("Jane Doe"));
            assert!(matches(&tx, "res.partner", "[('name', '=', 'Jane Doe')]", contact).await);

            // Deleting the company sets the contact's parent_id to null (ondelete set null).
            tx.unlink("res.partner", &[company]).await.unwrap();
            assert!(
                tx.current
                    .take_known("res.partner", &[company])
                    .0
                    .is_empty()
            );
            assert!(matches(&tx, "res.partner", "[('parent_id', '=', False)]", contact).await);
            let rows = tx
                .stored_rows("res.partner", &[company, contact])
                .await
                .unwrap();
            assert!(
                !rows.contains_key(&company),
                "the deleted company is not read back"
            );
            assert_eq!(rows[&contact]["parent_id"], Value::Null);

            // A failed operation forgets everything: what it half wrote is not trusted.
            tx.search_for_write("res.partner", &Domain::all(), &SearchOptions::default())
                .await
                .unwrap();
            let nameless = vals(json!({"name": null}));
            assert!(
                tx.write("res.partner", &[contact], &nameless)
                    .await
                    .is_err()
            );
            assert!(
                !tx.current
                    .take_known("res.partner", &[contact])
                    .1
                    .is_empty()
            );
            tx.rollback().await.unwrap();
        })
        .await;
    }
}
