//! The stored columns of records as this transaction last read or wrote them, so the same
//! transaction does not read them again: the lookup of an `update_data` holds the before rows of
//! its write, the write's `RETURNING` holds the after rows that hooks match and render.
//!
//! Only whole rows (every stored column) are kept, and only the plain paths keep them: a search for
//! a write (`FOR UPDATE` on PostgreSQL), the main UPDATE of a write (`RETURNING`), and on SQLite,
//! where the writer's turn keeps every other writer out, a full read. A row read on PostgreSQL
//! without a lock is not kept: another transaction may commit a change to it. Unlink (with its
//! `ondelete`), x2many commands and every failed operation forget them all, so a kept row is the
//! row as this transaction would read it now.

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

    #[tokio::test]
    async fn a_read_of_some_columns_is_not_kept_as_a_whole_row() {
        each_backend(Registry::demo, async |store, _| {
            let env = Env::superuser();
            let mut tx = store.begin(&env).await.unwrap();
            let jane = tx
                .create(
                    "res.partner",
                    &vals(json!({"name": "Jane", "customer_rank": 3})),
                )
                .await
                .unwrap();
            // As many names as the model has columns, but one column repeated.
            let columns = tx
                .registry()
                .model("res.partner")
                .unwrap()
                .columns()
                .count();
            tx.read("res.partner", &[jane], &vec!["name"; columns])
                .await
                .unwrap();
            assert!(matches(&tx, "res.partner", "[('customer_rank', '=', 3)]", jane).await);
            let rows = tx.stored_rows("res.partner", &[jane]).await.unwrap();
            assert_eq!(rows[&jane]["customer_rank"], json!(3));
            tx.rollback().await.unwrap();
        })
        .await;
    }

    /// On PostgreSQL, a row kept from a search for a write is locked: another transaction's write
    /// waits for this one, so the kept row stays what the database holds.
    #[tokio::test]
    async fn rows_found_for_a_write_are_locked_on_postgres() {
        each_backend(Registry::demo, async |store, backend| {
            if backend != crate::testing::Backend::Postgres {
                return;
            }
            let env = Env::superuser();
            let mut tx = store.begin(&env).await.unwrap();
            let jane = tx
                .create("res.partner", &vals(json!({"name": "Jane"})))
                .await
                .unwrap();
            tx.commit().await.unwrap();

            let tx = store.begin(&env).await.unwrap();
            let found = domain(&format!("[('id', '=', {jane})]"));
            tx.search_for_write("res.partner", &found, &SearchOptions::default())
                .await
                .unwrap();
            let other = store.clone();
            let meanwhile = tokio::spawn(async move {
                let mut tx = other.begin(&Env::superuser()).await.unwrap();
                let rank = vals(json!({"customer_rank": 7}));
                tx.write("res.partner", &[jane], &rank).await.unwrap();
                tx.commit().await.unwrap();
            });
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            assert!(
                !meanwhile.is_finished(),
                "the other write waits for the lock"
            );
            assert!(!matches(&tx, "res.partner", "[('customer_rank', '=', 7)]", jane).await);
            tx.commit().await.unwrap();
            meanwhile.await.unwrap();
            let tx = store.begin(&env).await.unwrap();
            assert!(matches(&tx, "res.partner", "[('customer_rank', '=', 7)]", jane).await);
            tx.rollback().await.unwrap();
        })
        .await;
    }
}
