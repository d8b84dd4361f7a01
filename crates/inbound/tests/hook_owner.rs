//! An inbound hook runs as its owner (DESIGN.md §8, §14 "Hooks"), at the store level on SQLite
//! and PostgreSQL: with the owner's companies, so another company's records are out of reach (by
//! `_id`, by a search target, by a many2one name), and not at all once the owner is deactivated or
//! removed (403, nothing changed). The companies are made by the superuser, as `weft migrate` and
//! the admin API do, so this holds whatever route the admin API offers for them. A hook made by an
//! admin key limited to some models touches no other model.

mod common;

use common::*;
use serde_json::{Value, json};
use weft_inbound::call::CallSettings;
use weft_inbound::hook::run::{self, Payload, Reply};
use weft_inbound::hook::stored::{self, entity::Model as Hook};
use weft_inbound::identity::{self, Role};
use weft_registry::Registry;
use weft_store::testing::each_backend;
use weft_store::{Env, Store};

/// A hook on `model` owned by `owner`, made by an unlimited admin key.
async fn hook(store: &Store, owner: i64, definition: Value) -> Hook {
    limited_hook(store, owner, None, definition).await
}

/// A hook made by an admin key limited to `models`.
async fn limited_hook(
    store: &Store,
    owner: i64,
    models: Option<&[String]>,
    definition: Value,
) -> Hook {
    let author = stored::Author { uid: owner, models };
    stored::create(store, &obj(definition), &author)
        .await
        .unwrap()
}

async fn call(store: &Store, hook: &Hook, payload: Value) -> Reply {
    let sent = Payload { value: &payload };
    run::run(store, &CallSettings::default(), hook, &sent, None).await
}

fn refused(reply: &Reply, says: &str) {
    assert!(
        matches!(reply, Reply::Refused(m) if m.contains(says)),
        "{reply:?} (expected a 422 saying {says})"
    );
}

#[tokio::test]
async fn a_hook_reaches_only_its_owners_companies() {
    each_backend(Registry::demo, async |store, _| {
        let other = create(&store, "res.company", json!({"name": "Other Co"})).await;
        let rival = create(
            &store,
            "res.partner",
            json!({"name": "Rival", "company_id": other}),
        )
        .await;
        let theirs = create(
            &store,
            "sale.order",
            json!({"partner_id": rival, "company_id": other}),
        )
        .await;
        let acme = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let ours = create(&store, "sale.order", json!({"partner_id": acme})).await;
        let clerk = identity::create_user(&store, "clerk", "Clerk", None, Role::Integration, 1)
            .await
            .unwrap();

        // By `_id`: the other company's order is not found by the owner; unchanged.
        let note = hook(
            &store,
            clerk,
            json!({"name": "Note", "model": "sale.order", "target": {"by": "model_id"},
                   "actions": [{"type": "update", "values": {"note": {"$payload": "note"}}}]}),
        )
        .await;
        let reply = call(&store, &note, json!({"_model": "sale.order", "_id": theirs, "note": "x"})).await;
        refused(&reply, "actions[0]");
        assert_eq!(read(&store, "sale.order", theirs).await["note"], json!(false));

        // By a search target: the owner's companies only, and a payload id is a name.
        let by_customer = hook(
            &store,
            clerk,
            json!({"name": "By customer", "model": "sale.order",
                   "target": {"by": "search", "key": {"partner_id": {"$payload": "customer"}}},
                   "actions": [{"type": "update", "values": {"note": {"$payload": "note"}}}]}),
        )
        .await;
        for customer in [json!("Rival"), json!(rival)] {
            let reply = call(&store, &by_customer, json!({"customer": customer, "note": "x"})).await;
            refused(&reply, "target.key");
        }
        assert_eq!(read(&store, "sale.order", theirs).await["note"], json!(false));

        // A many2one name of the other company's partner, or its id: not found; nothing made.
        let new_order = hook(
            &store,
            clerk,
            json!({"name": "New order", "model": "sale.order", "target": {"by": "none"},
                   "actions": [{"type": "create", "values": {"partner_id": {"$payload": "customer"}}}]}),
        )
        .await;
        for customer in [json!("Rival"), json!(rival), json!({"id": rival})] {
            let reply = call(&store, &new_order, json!({"customer": customer})).await;
            refused(&reply, "partner_id");
        }
        assert_eq!(count(&store, "sale.order").await, 2);

        // The owner's own company: each works, written as the owner.
        let reply = call(&store, &by_customer, json!({"customer": "ACME", "note": "ok"})).await;
        assert_eq!(reply, Reply::Ok);
        let row = read(&store, "sale.order", ours).await;
        assert_eq!(row["note"], "ok");
        assert_eq!(row["write_uid"][0], json!(clerk), "{row:?}");
        assert_eq!(call(&store, &new_order, json!({"customer": "ACME"})).await, Reply::Ok);
        assert_eq!(count(&store, "sale.order").await, 3);
    })
    .await;
}

#[tokio::test]
async fn a_hook_without_an_active_owner_answers_403_and_changes_nothing() {
    each_backend(Registry::demo, async |store, _| {
        let owner = identity::create_user(&store, "owner", "Owner", None, Role::Integration, 1)
            .await
            .unwrap();
        let contact = hook(
            &store,
            owner,
            json!({"name": "New contact", "model": "res.partner", "target": {"by": "none"},
                   "actions": [{"type": "create", "required": ["name"],
                                "values": {"name": {"$payload": "name"}}}]}),
        )
        .await;
        assert_eq!(
            call(&store, &contact, json!({"name": "Runs"})).await,
            Reply::Ok
        );
        assert_eq!(count(&store, "res.partner").await, 1);

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.write("res.users", &[owner], &obj(json!({"active": false})))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let inactive = call(&store, &contact, json!({"name": "Inactive"})).await;
        assert!(
            matches!(&inactive, Reply::Forbidden(m) if m.contains("inactive")),
            "{inactive:?}"
        );
        // Whatever the payload: the owner is checked first.
        let empty = call(&store, &contact, json!({})).await;
        assert_eq!(empty.status(), 403, "{empty:?}");

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.unlink("res.users", &[owner]).await.unwrap();
        tx.commit().await.unwrap();
        let removed = call(&store, &contact, json!({"name": "Removed"})).await;
        assert_eq!(removed.status(), 403, "{removed:?}");
        assert_eq!(count(&store, "res.partner").await, 1, "nothing was created");
    })
    .await;
}

#[tokio::test]
async fn a_hook_made_by_a_limited_key_touches_only_that_keys_models() {
    each_backend(Registry::demo, async |store, _| {
        let owner = identity::create_user(&store, "owner", "Owner", None, Role::Admin, 1)
            .await
            .unwrap();
        let acme = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let orders = ["sale.order".to_string()];
        // The hook's own model, and an action that creates a partner or looks one up.
        let contact = limited_hook(
            &store,
            owner,
            Some(&orders),
            json!({"name": "Contact", "model": "sale.order", "target": {"by": "none"},
                   "actions": [{"type": "create", "model": "res.partner",
                                "values": {"name": {"$payload": "name"}}}]}),
        )
        .await;
        refused(&call(&store, &contact, json!({"name": "Sneaky"})).await, "res.partner");
        let order = limited_hook(
            &store,
            owner,
            Some(&orders),
            json!({"name": "Order", "model": "sale.order", "target": {"by": "none"},
                   "actions": [{"type": "create", "values": {"partner_id": {"$payload": "customer"}}}]}),
        )
        .await;
        refused(&call(&store, &order, json!({"customer": "ACME"})).await, "res.partner");
        assert_eq!(count(&store, "res.partner").await, 1, "no partner made");
        assert_eq!(count(&store, "sale.order").await, 0, "no order made");
        // The same order with the customer given by id (a many2one's display is allowed).
        let by_id = limited_hook(
            &store,
            owner,
            Some(&orders),
            json!({"name": "By id", "model": "sale.order", "target": {"by": "none"},
                   "actions": [{"type": "create", "values": {"partner_id": acme}}]}),
        )
        .await;
        assert_eq!(call(&store, &by_id, json!({})).await, Reply::Ok);
    })
    .await;
}
