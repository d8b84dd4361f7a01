//! Change hooks: an error rolls everything back; hooks see the records before and after a write.

use crate::{count, create, vals};
use serde_json::json;
use std::sync::Arc;
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::testing::each_backend;
use weft_store::{ChangeHook, ChangeSet, Env, HookError, HookState, SearchOptions, StoreError, Tx};

/// A hook that refuses any sale order: its error must undo everything in the transaction.
struct RefuseOrders;

#[async_trait::async_trait]
impl ChangeHook for RefuseOrders {
    async fn after(
        &self,
        _tx: &Tx,
        changes: &ChangeSet,
        _state: HookState,
    ) -> Result<(), HookError> {
        if changes.of_model("sale.order").next().is_some() {
            return Err(HookError("orders are refused".into()));
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_hook_error_rolls_everything_back() {
    each_backend(Registry::demo, async |store, _| {
        store.register_hook(Arc::new(RefuseOrders));
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let partner = tx
            .create(
                "res.partner",
                &vals(json!({"name": "Kept only if committed"})),
            )
            .await
            .unwrap();
        let err = tx
            .create(
                "sale.order",
                &vals(json!({"partner_id": partner, "order_line": [[0, 0, {"name": "x"}]]})),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Hook(ref m) if m == "orders are refused"),
            "{err}"
        );
        assert!(tx.commit().await.is_err());
        assert_eq!(count(&store, "res.partner").await, 0);
        assert_eq!(count(&store, "sale.order").await, 0);
        assert_eq!(count(&store, "sale.order.line").await, 0);
    })
    .await;
}

/// Records which touched orders were confirmed before the write and after it, the way outbound
/// transition rules will: one search per side, restricted to the touched ids.
#[derive(Default)]
struct ConfirmedTransitions {
    seen: std::sync::Mutex<Vec<(Vec<i64>, Vec<i64>)>>,
}

#[async_trait::async_trait]
impl ChangeHook for ConfirmedTransitions {
    async fn before(&self, tx: &Tx, touched: &weft_store::Touched) -> Result<HookState, HookError> {
        if touched.model != "sale.order" {
            return Ok(None);
        }
        let ids = confirmed(tx, &touched.ids).await?;
        Ok(Some(Box::new((touched.ids.clone(), ids))))
    }

    async fn after(&self, tx: &Tx, changes: &ChangeSet, state: HookState) -> Result<(), HookError> {
        let Some(state) = state else { return Ok(()) };
        let (touched, before) = *state
            .downcast::<(Vec<i64>, Vec<i64>)>()
            .expect("our own state");
        let touched = if touched.is_empty() {
            changes.of_model("sale.order").map(|c| c.id).collect()
        } else {
            touched
        };
        let after = confirmed(tx, &touched).await?;
        self.seen.lock().unwrap().push((before, after));
        Ok(())
    }
}

async fn confirmed(tx: &Tx, ids: &[i64]) -> Result<Vec<i64>, HookError> {
    let domain = Domain::parse_json(&json!([["id", "in", ids], ["state", "=", "sale"]])).unwrap();
    let options = SearchOptions {
        order: Some("id"),
        ..Default::default()
    };
    tx.search("sale.order", &domain, &options)
        .await
        .map_err(|e| HookError(e.to_string()))
}

#[tokio::test]
async fn hooks_see_the_records_before_and_after_the_write() {
    each_backend(Registry::demo, async |store, _| {
        let hook = Arc::new(ConfirmedTransitions::default());
        store.register_hook(hook.clone());
        let partner = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let draft = create(&store, "sale.order", json!({"partner_id": partner})).await;
        let sold = create(
            &store,
            "sale.order",
            json!({"partner_id": partner, "state": "sale"}),
        )
        .await;
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.write(
            "sale.order",
            &[draft, sold],
            &vals(json!({"state": "sale"})),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let seen = hook.seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            vec![
                (vec![], vec![]),
                (vec![], vec![sold]),
                (vec![sold], vec![draft, sold])
            ]
        );
    })
    .await;
}
