//! `run` and `try_run` on a real store: what a call changes, and what a refused call does not.
use super::*;
use weft_registry::Registry;
use weft_store::testing::each_backend;

/// The partner's phone as stored now.
async fn phone(store: &Store, id: i64) -> Value {
    let tx = store.begin(&Env::superuser()).await.unwrap();
    let rows = tx.stored_rows("res.partner", &[id]).await.unwrap();
    let phone = rows[&id]["phone"].clone();
    tx.rollback().await.unwrap();
    phone
}

/// Try it runs a call as `run` does and shows what it changed; without `keep` nothing stays,
/// with it the change is committed; a refused call changes nothing either way.
#[tokio::test]
async fn a_tried_call_shows_its_changes_and_keeps_them_only_when_asked() {
    use super::super::stored;
    use crate::identity::Role;
    each_backend(Registry::demo, async |store, _| {
        let admin = identity::create_user(&store, "admin", "Admin", None, Role::Admin, 1)
            .await
            .unwrap();
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let vals = json!({"name": "Ada", "phone": "111"});
        let partner = tx
            .create("res.partner", vals.as_object().unwrap())
            .await
            .unwrap();
        tx.commit_only().await.unwrap();
        let definition = json!({"name": "Phone", "model": "res.partner",
            "target": {"by": "model_id"},
            "actions": [{"type": "update", "values": {"phone": {"$payload": "phone"}}}]});
        let author = stored::Author {
            uid: admin,
            models: None,
        };
        let hook = stored::create(&store, definition.as_object().unwrap(), &author)
            .await
            .unwrap();
        let settings = CallSettings::default();
        let body = json!({"_model": "res.partner", "_id": partner, "phone": "222"});
        let sent = Payload { value: &body };

        let tried = try_run(&store, &settings, &hook, &sent, None, false).await;
        assert_eq!(tried.reply, Reply::Ok);
        assert!(!tried.kept);
        let change = tried
            .changes
            .iter()
            .find(|c| c.model == "res.partner" && c.id == partner)
            .expect("the partner's change");
        assert_eq!(change.kind, ChangeKind::Updated);
        assert_eq!(change.before.as_ref().unwrap()["phone"], "111");
        assert_eq!(change.after.as_ref().unwrap()["phone"], "222");
        assert_eq!(phone(&store, partner).await, "111", "rolled back");

        let kept = try_run(&store, &settings, &hook, &sent, None, true).await;
        assert_eq!(kept.reply, Reply::Ok);
        assert!(kept.kept);
        assert_eq!(phone(&store, partner).await, "222", "kept");

        let wrong = json!({"_model": "res.partner", "_id": partner + 1000, "phone": "333"});
        let refused = try_run(
            &store,
            &settings,
            &hook,
            &Payload { value: &wrong },
            None,
            true,
        )
        .await;
        assert_eq!(refused.reply.status(), 422, "{:?}", refused.reply);
        assert!(refused.changes.is_empty() && !refused.kept);
        assert_eq!(phone(&store, partner).await, "222");
    })
    .await;
}

/// A webhook-id is refused for as long as its timestamp is inside the window, however long
/// ago it was received: one signed 14 minutes ahead stays kept past 15 minutes of receipt.
#[tokio::test]
async fn webhook_ids_are_kept_until_their_timestamp_leaves_the_window() {
    each_backend(Registry::demo, async |store, _| {
        let now = Utc::now().timestamp();
        let ahead = Verified {
            id: "msg_ahead",
            timestamp: now + 14 * 60,
        };
        let old = Verified {
            id: "msg_old",
            timestamp: now - 20 * 60,
        };
        assert!(remember(store.writer(), 1, &ahead).await.unwrap());
        assert!(!remember(store.writer(), 1, &ahead).await.unwrap());
        assert!(
            remember(store.writer(), 2, &ahead).await.unwrap(),
            "per hook"
        );
        assert!(remember(store.writer(), 1, &old).await.unwrap());
        forget_expired(&store).await;
        assert!(
            !remember(store.writer(), 1, &ahead).await.unwrap(),
            "still inside its window"
        );
        assert!(
            remember(store.writer(), 1, &old).await.unwrap(),
            "its window has passed: forgotten"
        );
    })
    .await;
}
