//! The dispatcher's writes run through the store's change hooks (what outbound rules and
//! subscriptions are), in the same transaction: a hook sees each write, and a hook's refusal
//! rolls the whole call back.

use super::*;
use crate::common::{count, create, read, test_registry};
use std::sync::{Arc, Mutex};
use weft_store::testing::each_backend;
use weft_store::{ChangeHook, ChangeKind, ChangeSet, HookError, HookState, Tx};

/// Notes every change it sees; refuses a partner named "Boom".
#[derive(Default)]
struct Watcher {
    seen: Mutex<Vec<(String, i64, ChangeKind)>>,
}

#[async_trait::async_trait]
impl ChangeHook for Watcher {
    async fn after(
        &self,
        _tx: &Tx,
        changes: &ChangeSet,
        _state: HookState,
    ) -> Result<(), HookError> {
        for change in &changes.changes {
            let name = change
                .after
                .as_ref()
                .and_then(|row| row.get("name"))
                .cloned();
            if change.model == "res.partner" && name == Some(json!("Boom")) {
                return Err(HookError("Boom is refused".into()));
            }
            let mut seen = self.seen.lock().unwrap();
            seen.push((change.model.clone(), change.id, change.kind));
        }
        Ok(())
    }
}

#[tokio::test]
async fn hooks_see_rpc_writes_and_a_refusal_rolls_the_call_back() {
    each_backend(test_registry, async |store, _| {
        let watcher = Arc::new(Watcher::default());
        store.register_hook(watcher.clone());
        let id = create(&store, "res.partner", json!({"name": "ACME"})).await;
        watcher.seen.lock().unwrap().clear();
        ok(
            &store,
            &su(),
            "res.partner",
            "write",
            json!([[id], {"email": "a@b.c"}]),
            json!({}),
        )
        .await;
        assert_eq!(
            watcher.seen.lock().unwrap().clone(),
            vec![("res.partner".to_string(), id, ChangeKind::Updated)]
        );
        let before = count(&store, "res.partner").await;
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "create",
            json!([[{"name": "Fine"}, {"name": "Boom"}]]),
            json!({}),
        )
        .await;
        assert_eq!(f.kind, FaultKind::Internal, "{f:?}");
        assert!(
            !f.message.contains("Boom"),
            "the hook's detail stays in the log: {f:?}"
        );
        assert_eq!(count(&store, "res.partner").await, before);
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "write",
            json!([[id], {"name": "Boom"}]),
            json!({}),
        )
        .await;
        assert_eq!(f.kind, FaultKind::Internal, "{f:?}");
        assert_eq!(read(&store, "res.partner", id).await["name"], json!("ACME"));
    })
    .await;
}
