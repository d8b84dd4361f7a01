//! Many write transactions at once, as the service runs them: on a SQLite file they share group
//! commits (a savepoint each), on PostgreSQL they run side by side. Whatever a transaction does,
//! the others keep exactly their own work, and a commit that returned is visible to every reader.

use serde_json::{Map, Value, json};
use std::sync::Arc;
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::testing::each_backend;
use weft_store::{Env, SearchOptions, Store};

fn vals(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

/// The names of the partners a fresh read transaction sees.
async fn names(store: &Store) -> Vec<String> {
    let tx = store.begin_read(&Env::superuser()).await.unwrap();
    let ids = tx
        .search("res.partner", &Domain::all(), &SearchOptions::default())
        .await
        .unwrap();
    let mut names: Vec<String> = tx
        .read("res.partner", &ids, &["name"])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// How transaction `i` ends.
#[derive(Clone, Copy)]
enum Ending {
    Commit,
    Rollback,
    /// Dropped without a word, as when a request is cancelled.
    Drop,
    /// A failed operation, then commit (which refuses and rolls back).
    Fail,
}

fn ending(i: usize) -> Ending {
    match i % 7 {
        1 => Ending::Rollback,
        3 => Ending::Drop,
        5 => Ending::Fail,
        _ => Ending::Commit,
    }
}

async fn write(store: Store, i: usize) -> bool {
    let mut tx = store.begin(&Env::superuser()).await.unwrap();
    let name = format!("P{i:03}");
    tx.create("res.partner", &vals(json!({"name": name})))
        .await
        .unwrap();
    // Give the others a chance to queue behind this turn.
    tokio::task::yield_now().await;
    match ending(i) {
        Ending::Commit => {
            tx.commit().await.unwrap();
            // Committed means readable, by a connection other than the writer's.
            assert!(names(&store).await.contains(&name), "{name} not visible");
            true
        }
        Ending::Rollback => {
            tx.rollback().await.unwrap();
            false
        }
        Ending::Drop => {
            drop(tx);
            false
        }
        Ending::Fail => {
            tx.create("res.partner", &vals(json!({"nope": 1})))
                .await
                .unwrap_err();
            tx.commit().await.unwrap_err();
            false
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_transaction_keeps_exactly_its_own_work() {
    each_backend(Registry::demo, async |store, _| {
        let tasks: Vec<_> = (0..70)
            .map(|i| tokio::spawn(write(store.clone(), i)))
            .collect();
        let mut expected = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            if tokio::time::timeout(std::time::Duration::from_secs(30), task)
                .await
                .expect("a writer hung")
                .unwrap()
            {
                expected.push(format!("P{i:03}"));
            }
        }
        assert_eq!(expected.len(), 40);
        assert_eq!(names(&store).await, expected);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_transaction_does_not_hold_up_the_next_writer() {
    each_backend(Registry::demo, async |store, _| {
        let store = Arc::new(store);
        for round in 0..20 {
            let mut tx = store.begin(&Env::superuser()).await.unwrap();
            tx.create(
                "res.partner",
                &vals(json!({"name": format!("gone {round}")})),
            )
            .await
            .unwrap();
            drop(tx);
            // A write outside any transaction needs the writer's connection back.
            tokio::time::timeout(
                std::time::Duration::from_secs(10),
                store.set_parameter("webhook.preview_limit", &format!("{}", 100 + round)),
            )
            .await
            .expect("the writer's connection was not given back")
            .unwrap();
            let mut tx = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                store.begin(&Env::superuser()),
            )
            .await
            .expect("the writer was not handed on")
            .unwrap();
            tx.create(
                "res.partner",
                &vals(json!({"name": format!("kept {round:02}")})),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let names = names(&store).await;
        assert_eq!(names.len(), 20);
        assert!(names.iter().all(|n| n.starts_with("kept")), "{names:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_stops_waiting_for_its_turn_costs_the_others_nothing() {
    each_backend(Registry::demo, async |store, _| {
        for round in 0..100u64 {
            let mut first = store.begin(&Env::superuser()).await.unwrap();
            let name = format!("kept {round:03}");
            first
                .create("res.partner", &vals(json!({"name": name})))
                .await
                .unwrap();
            let committing = tokio::spawn(first.commit());
            // A second writer gives up at a different point of its begin each round (a timeout,
            // a client that went away); whatever it got is dropped.
            let impatient = std::time::Duration::from_micros(round % 40 * 10);
            let _ = tokio::time::timeout(impatient, store.begin(&Env::superuser())).await;
            tokio::time::timeout(std::time::Duration::from_secs(10), committing)
                .await
                .expect("the first writer hung")
                .unwrap()
                .unwrap();
            assert!(names(&store).await.contains(&name), "{name} was lost");
        }
        assert_eq!(names(&store).await.len(), 100);
    })
    .await;
}
