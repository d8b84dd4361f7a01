//! Company isolation as a property (issue 13, DESIGN.md §14): for generated domains over dotted
//! paths, `any` and hierarchies, and for generated x2many commands, issued by a user of company A,
//! nothing of company B is returned, changed, or revealed through counts.
//!
//! Two databases are built alike: `full` holds company B's records (some pointing at A's shared
//! contact, one a child of it), `alone` is the same without them. A's search and count of every
//! generated domain must be the same on both: if B's records changed any answer, the answer
//! would reveal them. The commands run on a third copy of `full`; after each, B's records must be
//! as they were. On SQLite and, with `WEFT_TEST_POSTGRES_URL`, on PostgreSQL.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::testing::{TestDb, backends};
use weft_store::{Env, SearchOptions, Store};

const B: i64 = 2;

fn alice() -> Env {
    Env::user(1, 1, vec![1])
}

fn vals(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

/// The records both databases share (A's, shared ones), then B's when `with_b`. Ids of the first
/// part are the same on both.
async fn build(store: &Store, with_b: bool) {
    let mut tx = store.begin(&Env::superuser()).await.expect("begin");
    let create = async |tx: &mut weft_store::Tx, model: &str, v: Value| {
        tx.create(model, &vals(v)).await.expect("create")
    };
    assert_eq!(
        create(&mut tx, "res.company", json!({"name": "B"})).await,
        B
    );
    let red = create(&mut tx, "crm.tag", json!({"name": "red"})).await;
    let blue = create(&mut tx, "crm.tag", json!({"name": "blue"})).await;
    let alpha = create(
        &mut tx,
        "res.partner",
        json!({"name": "Alpha", "email": "a@x.example", "company_id": 1}),
    )
    .await;
    create(
        &mut tx,
        "res.partner",
        json!({"name": "Alpha kid", "parent_id": alpha, "company_id": 1}),
    )
    .await;
    let shared = create(
        &mut tx,
        "res.partner",
        json!({"name": "Shared", "email": "s@x.example"}),
    )
    .await;
    create(&mut tx, "sale.order", json!({"partner_id": alpha, "company_id": 1, "tag_ids": [[6, 0, [red]]],
        "order_line": [[0, 0, {"name": "desk", "price_unit": 10.0}], [0, 0, {"name": "chair", "price_unit": 20.0}]]})).await;
    create(
        &mut tx,
        "sale.order",
        json!({"partner_id": shared, "company_id": 1,
        "order_line": [[0, 0, {"name": "lamp", "price_unit": 5.0}]]}),
    )
    .await;
    if with_b {
        let beta = create(
            &mut tx,
            "res.partner",
            json!({"name": "Beta", "email": "b@x.example", "company_id": B}),
        )
        .await;
        create(
            &mut tx,
            "res.partner",
            json!({"name": "Beta kid", "parent_id": beta, "company_id": B}),
        )
        .await;
        create(
            &mut tx,
            "res.partner",
            json!({"name": "Beta under shared", "email": "bs@x.example",
            "parent_id": shared, "company_id": B}),
        )
        .await;
        create(&mut tx, "sale.order", json!({"partner_id": beta, "company_id": B, "tag_ids": [[6, 0, [red, blue]]],
            "order_line": [[0, 0, {"name": "secret", "price_unit": 99.0}], [0, 0, {"name": "desk", "price_unit": 10.0}]]})).await;
        create(
            &mut tx,
            "sale.order",
            json!({"partner_id": shared, "company_id": B,
            "order_line": [[0, 0, {"name": "lamp", "price_unit": 5.0}]]}),
        )
        .await;
    }
    tx.commit().await.expect("commit");
}

const MODELS: [&str; 3] = ["sale.order", "res.partner", "sale.order.line"];

/// Paths (with whether they end on a number) each model's leaves test.
fn paths(model: &str) -> &'static [(&'static str, bool)] {
    match model {
        "sale.order" => &[
            ("partner_id.name", false),
            ("partner_id.email", false),
            ("partner_id.parent_id.name", false),
            ("partner_id.child_ids.name", false),
            ("partner_id.child_ids.email", false),
            ("order_line.price_unit", true),
            ("order_line.name", false),
            ("tag_ids.name", false),
            ("partner_id", false),
        ],
        "res.partner" => &[
            ("name", false),
            ("email", false),
            ("parent_id.name", false),
            ("child_ids.name", false),
            ("child_ids.email", false),
            ("company_id.name", false),
            ("parent_id.child_ids.name", false),
            ("company_id", true),
        ],
        _ => &[
            ("price_unit", true),
            ("name", false),
            ("order_id.partner_id.name", false),
            ("order_id.partner_id.email", false),
            ("order_id.tag_ids.name", false),
            ("order_id.partner_id.child_ids.name", false),
        ],
    }
}

/// Relations `any` may follow from each model, with the model they reach.
fn relations(model: &str) -> &'static [(&'static str, &'static str)] {
    match model {
        "sale.order" => &[
            ("partner_id", "res.partner"),
            ("order_line", "sale.order.line"),
        ],
        "res.partner" => &[("child_ids", "res.partner"), ("parent_id", "res.partner")],
        _ => &[("order_id", "sale.order")],
    }
}

fn leaf(model: &'static str) -> BoxedStrategy<Value> {
    let texts = prop::sample::select(vec![
        "Alpha",
        "Beta",
        "Beta kid",
        "Beta under shared",
        "Shared",
        "b@x.example",
        "bs@x.example",
        "red",
        "blue",
        "secret",
        "desk",
        "%eta%",
        "B%",
        "B",
    ]);
    let numbers = prop::sample::select(vec![5.0, 10.0, 20.0, 99.0, 2.0, 1.0]);
    let text_ops = prop::sample::select(vec![
        "=",
        "!=",
        "like",
        "ilike",
        "not ilike",
        "=like",
        "in",
        "not in",
    ]);
    let number_ops = prop::sample::select(vec!["=", "!=", ">", "<", ">=", "in", "not in"]);
    (
        prop::sample::select(paths(model).to_vec()),
        text_ops,
        number_ops,
        texts.clone(),
        texts,
        numbers,
    )
        .prop_map(
            |((path, numeric), text_op, number_op, text, other, number)| {
                let (op, value) = if numeric {
                    (number_op, json!(number))
                } else {
                    (text_op, json!(text))
                };
                let value = if op.ends_with("in") {
                    if numeric {
                        json!([value, 2.0])
                    } else {
                        json!([value, other])
                    }
                } else {
                    value
                };
                json!([path, op, value])
            },
        )
        .boxed()
}

/// A domain on `model`: leaves, `any`/`not any`, `child_of`, joined by `&`, `|` and `!`.
fn domain(model: &'static str, depth: u32) -> BoxedStrategy<Value> {
    let leaves = leaf(model);
    if depth == 0 {
        return leaves.prop_map(|l| json!([l])).boxed();
    }
    let nested = (
        prop::sample::select(relations(model).to_vec()),
        any::<bool>(),
        0..2u32,
    )
        .prop_flat_map(move |((field, comodel), negated, inner)| {
            domain(comodel, inner.min(depth - 1))
                .prop_map(move |sub| json!([[field, if negated { "not any" } else { "any" }, sub]]))
        });
    let hierarchy = (1..12i64, any::<bool>()).prop_map(move |(id, child)| {
        let field = if model == "res.partner" {
            "id"
        } else if model == "sale.order" {
            "partner_id"
        } else {
            "order_id"
        };
        json!([[field, if child { "child_of" } else { "parent_of" }, id]])
    });
    let simple = prop_oneof![4 => leaves.prop_map(|l| json!([l])), 2 => nested, 1 => hierarchy];
    (
        simple.clone(),
        simple,
        prop::sample::select(vec!["&", "|", "!", ""]),
    )
        .prop_map(|(a, b, op)| {
            let mut out = Vec::new();
            match op {
                "!" => {
                    out.push(json!("!"));
                    out.extend(a.as_array().unwrap().iter().cloned());
                }
                "" => out.extend(a.as_array().unwrap().iter().cloned()),
                _ => {
                    out.push(json!(op));
                    out.push(wrap(&a));
                    out.push(wrap(&b));
                }
            }
            Value::Array(out)
        })
        .boxed()
}

/// One term of a prefix domain: a single leaf as it is, several under `&`.
fn wrap(domain: &Value) -> Value {
    let items = domain.as_array().unwrap();
    if items.len() == 1 {
        items[0].clone()
    } else {
        json!(
            ["&"]
                .into_iter()
                .map(Value::from)
                .chain(items.iter().cloned())
                .collect::<Vec<_>>()
        )
    }
}

async fn answer(store: &Store, model: &str, domain: &Domain) -> Result<(Vec<i64>, u64), String> {
    let tx = store
        .begin_read(&alice())
        .await
        .map_err(|e| e.to_string())?;
    let ids = tx
        .search(model, domain, &SearchOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let count = tx
        .count(model, domain, false)
        .await
        .map_err(|e| e.to_string())?;
    Ok((ids, count))
}

#[test]
fn a_user_of_company_a_learns_nothing_of_company_b_from_any_domain() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for backend in backends() {
        let (full_db, alone_db, full, alone) = rt.block_on(async {
            let full_db = TestDb::new(backend).await;
            let alone_db = TestDb::new(backend).await;
            let full = full_db.store(Registry::demo()).await;
            let alone = alone_db.store(Registry::demo()).await;
            build(&full, true).await;
            build(&alone, false).await;
            (full_db, alone_db, full, alone)
        });
        let strategy = prop::sample::select(MODELS.to_vec())
            .prop_flat_map(|model| domain(model, 2).prop_map(move |d| (model, d)));
        let mut runner = TestRunner::new(Config {
            cases: 400,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |(model, json)| {
                let domain = Domain::parse_json(&json)
                    .map_err(|e| TestCaseError::fail(format!("{json}: {e}")))?;
                let (with_b, without_b) = rt.block_on(async {
                    (
                        answer(&full, model, &domain).await,
                        answer(&alone, model, &domain).await,
                    )
                });
                prop_assert_eq!(&with_b, &without_b, "{:?} {} {}", backend, model, json);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        drop((full, alone, full_db, alone_db));
    }
}

/// B's records as a superuser reads them: partners, orders and lines of company B.
async fn company_b(store: &Store) -> Vec<Map<String, Value>> {
    let tx = store.begin_read(&Env::superuser()).await.expect("begin");
    let mut rows = Vec::new();
    for (model, domain) in [
        ("res.partner", json!([["company_id", "=", B]])),
        ("sale.order", json!([["company_id", "=", B]])),
        ("sale.order.line", json!([["order_id.company_id", "=", B]])),
    ] {
        let domain = Domain::parse_json(&domain).unwrap();
        let options = SearchOptions {
            include_archived: true,
            ..SearchOptions::default()
        };
        let ids = tx.search(model, &domain, &options).await.expect("search");
        let mut read = tx.read(model, &ids, &[]).await.expect("read");
        // Tags and the shared contact are shared records: A may rename (or delete a tag), which
        // B's records then show. A relation is compared by the id it points at, not its name.
        read.iter_mut().for_each(|row| {
            row.remove("tag_ids");
            for value in row.values_mut() {
                if let Some(
                    [
                        id @ serde_json::Value::Number(_),
                        serde_json::Value::String(_),
                    ],
                ) = value.as_array().map(Vec::as_slice)
                {
                    *value = id.clone();
                }
            }
        });
        rows.extend(read);
    }
    rows
}

#[test]
fn no_x2many_command_of_a_user_of_company_a_changes_company_b() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for backend in backends() {
        let (db, store, before) = rt.block_on(async {
            let db = TestDb::new(backend).await;
            let store = db.store(Registry::demo()).await;
            build(&store, true).await;
            let before = company_b(&store).await;
            (db, store, before)
        });
        // Ids 1..=12 cover every record of each model here, A's and B's alike: partners 1-3 are
        // A's and the shared contact, 4-6 B's (6 a child of the shared contact); orders 1-2 and
        // lines 1-3 are A's, the rest B's.
        let id = 1..=12i64;
        let command = prop_oneof![
            id.clone().prop_map(|i| json!([4, i])),
            id.clone().prop_map(|i| json!([3, i])),
            id.clone().prop_map(|i| json!([2, i])),
            id.clone().prop_map(|i| json!([1, i, {"name": "pwned"}])),
            prop::collection::vec(id.clone(), 0..4).prop_map(|ids| json!([6, 0, ids])),
            Just(json!([5])),
        ];
        let target = prop::sample::select(vec![
            ("sale.order", 1i64, "order_line"),
            ("sale.order", 2, "order_line"),
            ("sale.order", 1, "tag_ids"),
            ("res.partner", 1, "child_ids"),
            ("res.partner", 3, "child_ids"),
            ("res.partner", 3, "category_id"),
        ]);
        let strategy = (target, prop::collection::vec(command, 1..3));
        let mut runner = TestRunner::new(Config {
            cases: 150,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |((model, id, field), commands)| {
                let after = rt.block_on(async {
                    let mut tx = store.begin(&alice()).await.expect("begin");
                    let written = tx
                        .write(model, &[id], &vals(json!({field: commands})))
                        .await;
                    match written {
                        Ok(()) => tx.commit_only().await.expect("commit"),
                        Err(_) => tx.rollback().await.expect("rollback"),
                    }
                    company_b(&store).await
                });
                prop_assert_eq!(
                    &after,
                    &before,
                    "{:?} {} {} {} {:?}",
                    backend,
                    model,
                    id,
                    field,
                    commands
                );
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        drop((store, db));
    }
}
