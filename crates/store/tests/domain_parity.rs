//! Domain parity: for generated domains over generated records, the SQL search (the reference) and
//! the in-memory evaluator (`BoundDomain::matches`) select exactly the same ids, on SQLite and, when
//! `WEFT_TEST_POSTGRES_URL` is set, on PostgreSQL (DESIGN.md §5, research §1). The schema covers
//! every field kind the domain language treats differently; the records come from fixed seeds and
//! small value pools (case variants, NULLs, LIKE wildcards and escapes, hierarchies with cycles,
//! archived rows); the domains come from proptest (every operator, dotted paths, nested `any`,
//! `&`/`|`/`!`, constants, `active` terms), at least 2,000 cases per back end. Every generated
//! domain must also survive its JSON and Python-literal text forms. Text is ASCII: SQLite's
//! LOWER() folds ASCII only (the documented limit). `PROPTEST_CASES` above 2,000 runs more cases.

use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::{Map, Value as Json, json};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::time::Instant;
use weft_domain::{BindOptions, Domain, Records};
use weft_registry::Registry;
use weft_store::testing::{Backend, TestDb, backends};
use weft_store::{Env, SearchOptions, Store, StoreError};

const PARTNER: &str = "t.partner";
const ORDER: &str = "t.order";
const LINE: &str = "t.line";
const TAG: &str = "t.tag";
const MODELS: [&str; 4] = [PARTNER, ORDER, LINE, TAG];

/// `t.order` has no `name`, so its rec_name is `id` (name searches match the id's text).
const SCHEMA: &str = r#"
[models."t.tag"]
description = "Tag"
[models."t.tag".fields]
name = { type = "char" }
active = { type = "boolean", default = true }

[models."t.partner"]
description = "Partner"
[models."t.partner".fields]
name = { type = "char" }
ref = { type = "char" }
score = { type = "integer" }
balance = { type = "float" }
is_company = { type = "boolean" }
birthday = { type = "date" }
seen_at = { type = "datetime" }
kind = { type = "selection", selection = [["person", "Person"], ["company", "Company"], ["other", "Other"]] }
image = { type = "binary" }
data = { type = "json" }
active = { type = "boolean", default = true }
parent_id = { type = "many2one", comodel = "t.partner", ondelete = "set null" }
child_ids = { type = "one2many", comodel = "t.partner", inverse = "parent_id" }
tag_ids = { type = "many2many", comodel = "t.tag", relation = "t_partner_tag_rel", column1 = "partner_id", column2 = "tag_id" }
order_ids = { type = "one2many", comodel = "t.order", inverse = "partner_id" }

[models."t.order"]
description = "Order"
[models."t.order".fields]
partner_id = { type = "many2one", comodel = "t.partner", ondelete = "set null" }
amount = { type = "float" }
priority = { type = "integer" }
line_ids = { type = "one2many", comodel = "t.line", inverse = "order_id" }

[models."t.line"]
description = "Line"
rec_name = "label"
[models."t.line".fields]
order_id = { type = "many2one", comodel = "t.order", ondelete = "cascade" }
qty = { type = "integer" }
label = { type = "char" }
"#;

/// Generated cases per back end.
const CASES: u32 = 2000;
/// One database per seed; each case picks one.
const DATASET_SEEDS: [u64; 6] = [11, 23, 37, 41, 59, 67];
/// How deep `any` sub-domains nest (dotted paths add their own relations).
const ANY_DEPTH: usize = 2;

// ---------------------------------------------------------------------------------------------
// Records: generated from a seed, created through the store, read back as stored rows.

/// splitmix64: deterministic data without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

// Stored values; `None` is left out or written as `false`, `""` is stored as NULL.
const PARTNER_NAMES: &[Option<&str>] = &[
    Some("Azure"),
    Some("azure"),
    Some("AZURE"),
    Some("Azure Interior"),
    Some("Deco Addict"),
    Some("deco addict"),
    Some("50% off"),
    Some("50 off"),
    Some("a_b"),
    Some("axb"),
    Some("a\\b"),
    Some("back\\slash"),
    Some("O'Brien"),
    Some(" Azure"),
    Some("x"),
    Some("Zed"),
    Some(""),
    None,
];
const REFS: &[Option<&str>] = &[
    Some("AZ"),
    Some("az"),
    Some("DA"),
    Some("A%"),
    Some("A_"),
    Some("1"),
    Some("42"),
    Some("-1"),
    Some(""),
    None,
];
const TAG_NAMES: &[Option<&str>] = &[
    Some("VIP"),
    Some("vip"),
    Some("Vip"),
    Some("old"),
    Some("Old"),
    Some("new_tag"),
    Some("new%tag"),
    None,
];
const LABELS: &[Option<&str>] = &[
    Some("Desk"),
    Some("desk"),
    Some("DESK"),
    Some("Chair"),
    Some("50% chair"),
    Some("a_b"),
    Some("a\\b"),
    Some(""),
    None,
];
const IMAGES: &[Option<&str>] = &[Some("aGk="), Some(""), None];
const KINDS: &[Option<&str>] = &[Some("person"), Some("company"), Some("other"), None];
const DATES: &[Option<&str>] = &[
    Some("2024-01-31"),
    Some("2024-02-01"),
    Some("2024-02-29"),
    Some("1990-05-01"),
    Some("2000-01-01"),
    None,
];
const DATETIMES: &[Option<&str>] = &[
    Some("2024-01-31 00:00:00"),
    Some("2024-01-31 10:00:00"),
    Some("2024-01-31 23:59:59"),
    Some("2024-02-01 00:00:00"),
    Some("1999-12-31 23:59:59"),
    None,
];
const SCORES: &[i64] = &[-5, -1, 0, 0, 1, 2, 3, 7, 42, 100];
const SMALL_INTS: &[i64] = &[-1, 0, 1, 2, 5, 10];
const BALANCES: &[f64] = &[-2.5, 0.0, 0.1, 0.5, 1.0, 3.25, 10.0, 1000.0];
const AMOUNTS: &[f64] = &[-3.0, 0.0, 9.99, 10.0, 100.5];

fn put_text(vals: &mut Map<String, Json>, key: &str, value: Option<&str>, rng: &mut Rng) {
    match value {
        Some(text) => {
            vals.insert(key.into(), json!(text));
        }
        None if rng.chance(50) => {
            vals.insert(key.into(), json!(false));
        }
        None => {}
    }
}

fn line_vals(rng: &mut Rng) -> Map<String, Json> {
    let mut vals = Map::new();
    if rng.chance(85) {
        vals.insert("qty".into(), json!(rng.pick(SMALL_INTS)));
    }
    put_text(&mut vals, "label", rng.pick(LABELS), rng);
    vals
}

fn order_vals(rng: &mut Rng) -> Map<String, Json> {
    let mut vals = Map::new();
    if rng.chance(85) {
        vals.insert("amount".into(), json!(rng.pick(AMOUNTS)));
    }
    if rng.chance(85) {
        vals.insert("priority".into(), json!(rng.pick(SMALL_INTS)));
    }
    let lines: Vec<Json> = (0..rng.below(4))
        .map(|_| json!([0, 0, line_vals(rng)]))
        .collect();
    if !lines.is_empty() {
        vals.insert("line_ids".into(), Json::Array(lines));
    }
    vals
}

fn partner_vals(rng: &mut Rng, partners: &[i64], tags: &[i64]) -> Map<String, Json> {
    let mut vals = Map::new();
    put_text(&mut vals, "name", rng.pick(PARTNER_NAMES), rng);
    put_text(&mut vals, "ref", rng.pick(REFS), rng);
    if rng.chance(85) {
        vals.insert("score".into(), json!(rng.pick(SCORES)));
    }
    if rng.chance(85) {
        vals.insert("balance".into(), json!(rng.pick(BALANCES)));
    }
    if rng.chance(80) {
        vals.insert("is_company".into(), json!(rng.chance(40)));
    }
    put_text(&mut vals, "birthday", rng.pick(DATES), rng);
    put_text(&mut vals, "seen_at", rng.pick(DATETIMES), rng);
    put_text(&mut vals, "kind", rng.pick(KINDS), rng);
    put_text(&mut vals, "image", rng.pick(IMAGES), rng);
    match rng.below(6) {
        0 => vals.insert("data".into(), json!({"k": 1})),
        1 => vals.insert("data".into(), json!([])),
        2 => vals.insert("data".into(), json!(0)),
        3 => vals.insert("data".into(), json!("x")),
        4 => vals.insert("data".into(), json!(false)),
        _ => None,
    };
    if rng.chance(20) {
        vals.insert("active".into(), json!(false));
    } else if rng.chance(30) {
        vals.insert("active".into(), json!(true));
    }
    if !partners.is_empty() && rng.chance(55) {
        vals.insert("parent_id".into(), json!(rng.pick(partners)));
    } else if rng.chance(20) {
        vals.insert("parent_id".into(), json!(false));
    }
    let mut chosen: Vec<i64> = (0..rng.below(4)).map(|_| rng.pick(tags)).collect();
    chosen.sort_unstable();
    chosen.dedup();
    if !chosen.is_empty() || rng.chance(30) {
        vals.insert("tag_ids".into(), json!([[6, 0, chosen]]));
    }
    let orders: Vec<Json> = (0..rng.below(4))
        .map(|_| json!([0, 0, order_vals(rng)]))
        .collect();
    if !orders.is_empty() {
        vals.insert("order_ids".into(), Json::Array(orders));
    }
    vals
}

/// Tags, 30–60 partners (with orders and lines), orders without a partner, lines without an order,
/// and a parent cycle in some datasets (written afterwards: create cannot make one).
async fn create_dataset(store: &Store, index: usize, seed: u64) {
    let mut rng = Rng(seed);
    let mut tx = store.begin(&Env::superuser()).await.expect("begin");
    let mut tags = Vec::new();
    for _ in 0..rng.between(5, 8) {
        let mut vals = Map::new();
        put_text(&mut vals, "name", rng.pick(TAG_NAMES), &mut rng);
        if rng.chance(25) {
            vals.insert("active".into(), json!(false));
        }
        tags.push(tx.create(TAG, &vals).await.expect("create tag"));
    }
    let mut partners = Vec::new();
    for _ in 0..rng.between(30, 60) {
        let vals = partner_vals(&mut rng, &partners, &tags);
        partners.push(tx.create(PARTNER, &vals).await.expect("create partner"));
    }
    for _ in 0..rng.between(2, 5) {
        let vals = order_vals(&mut rng);
        tx.create(ORDER, &vals).await.expect("create order");
    }
    for _ in 0..rng.between(1, 3) {
        let vals = line_vals(&mut rng);
        tx.create(LINE, &vals).await.expect("create line");
    }
    let set_parent = |child: i64, parent: i64| {
        let mut vals = Map::new();
        vals.insert("parent_id".into(), json!(parent));
        (child, vals)
    };
    if index.is_multiple_of(2) {
        let a = rng.pick(&partners);
        let b = loop {
            let b = rng.pick(&partners);
            if b != a {
                break b;
            }
        };
        for (child, vals) in [set_parent(a, b), set_parent(b, a)] {
            tx.write(PARTNER, &[child], &vals)
                .await
                .expect("write cycle");
        }
    }
    if index == 3 {
        let a = rng.pick(&partners);
        let (child, vals) = set_parent(a, a);
        tx.write(PARTNER, &[child], &vals)
            .await
            .expect("write self-loop");
    }
    tx.commit().await.expect("commit dataset");
}

/// Every stored row of every model, as the evaluator reads them.
#[derive(Default)]
struct Memory {
    rows: BTreeMap<&'static str, BTreeMap<i64, Map<String, Json>>>,
}

impl Records for Memory {
    fn row(&self, model: &str, id: i64) -> Option<&Map<String, Json>> {
        self.rows.get(model)?.get(&id)
    }

    fn ids(&self, model: &str) -> Vec<i64> {
        self.rows
            .get(model)
            .map(|rows| rows.keys().copied().collect())
            .unwrap_or_default()
    }
}

async fn load_memory(store: &Store) -> Memory {
    let tx = store
        .begin_read(&Env::superuser())
        .await
        .expect("begin read");
    let mut memory = Memory::default();
    let everything = SearchOptions {
        include_archived: true,
        ..SearchOptions::default()
    };
    for model in MODELS {
        let ids = tx
            .search(model, &Domain::all(), &everything)
            .await
            .expect("all ids");
        let rows = tx.stored_rows(model, &ids).await.expect("stored rows");
        assert_eq!(rows.len(), ids.len(), "{model}: a row for every id");
        memory.rows.insert(model, rows.into_iter().collect());
    }
    tx.rollback().await.expect("rollback");
    memory
}

struct Dataset {
    seed: u64,
    memory: Memory,
    store: Store,
    _db: TestDb,
}

/// Text ordering (`<` on char fields) is bytewise in memory; PostgreSQL agrees only under a C
/// collation (the documented limit), so other collations leave text ordering out of the test.
async fn bytewise_text_order(store: &Store, backend: Backend) -> bool {
    use sea_orm::ConnectionTrait;
    if backend == Backend::Sqlite {
        return true;
    }
    let sql =
        "SELECT CAST(datcollate AS TEXT) AS c FROM pg_database WHERE datname = current_database()";
    let row = store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(store.backend(), sql))
        .await
        .expect("read the collation")
        .expect("the current database");
    let collation: String = row.try_get("", "c").expect("collation text");
    let bytewise = matches!(collation.as_str(), "C" | "POSIX" | "C.UTF-8" | "C.utf8");
    if !bytewise {
        eprintln!(
            "domain parity: database collation {collation:?} is not bytewise; text ordering left out"
        );
    }
    bytewise
}

// ---------------------------------------------------------------------------------------------
// Domains: paths on every field kind, every operator, values from per-type pools.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Id,
    Char,
    Selection,
    Int,
    Float,
    Bool,
    Date,
    Datetime,
    /// Binary and JSON: only `= False` / `!= False`.
    Opaque,
    Many2one(&'static str),
    X2many(&'static str),
}

impl Kind {
    fn comodel(self) -> Option<&'static str> {
        match self {
            Kind::Many2one(c) | Kind::X2many(c) => Some(c),
            _ => None,
        }
    }

    /// The like family applies to text, integers, dates and (by name) relations.
    fn likes(self) -> bool {
        !matches!(self, Kind::Float | Kind::Bool | Kind::Opaque)
    }
}

fn fields(model: &str) -> &'static [(&'static str, Kind)] {
    use Kind::*;
    match model {
        PARTNER => &[
            ("id", Id),
            ("name", Char),
            ("ref", Char),
            ("score", Int),
            ("balance", Float),
            ("is_company", Bool),
            ("birthday", Date),
            ("seen_at", Datetime),
            ("kind", Selection),
            ("image", Opaque),
            ("data", Opaque),
            ("active", Bool),
            ("parent_id", Many2one(PARTNER)),
            ("child_ids", X2many(PARTNER)),
            ("tag_ids", X2many(TAG)),
            ("order_ids", X2many(ORDER)),
        ],
        ORDER => &[
            ("id", Id),
            ("partner_id", Many2one(PARTNER)),
            ("amount", Float),
            ("priority", Int),
            ("line_ids", X2many(LINE)),
        ],
        LINE => &[
            ("id", Id),
            ("order_id", Many2one(ORDER)),
            ("qty", Int),
            ("label", Char),
        ],
        TAG => &[("id", Id), ("name", Char), ("active", Bool)],
        _ => &[],
    }
}

/// Paths from `model` crossing exactly `hops` relations: (path, model of the last field, kind).
fn paths(model: &'static str, hops: usize) -> Vec<(String, &'static str, Kind)> {
    if hops == 0 {
        return fields(model)
            .iter()
            .map(|(name, kind)| (name.to_string(), model, *kind))
            .collect();
    }
    let mut out = Vec::new();
    for (name, kind) in fields(model) {
        if let Some(comodel) = kind.comodel() {
            for (rest, owner, last) in paths(comodel, hops - 1) {
                out.push((format!("{name}.{rest}"), owner, last));
            }
        }
    }
    out
}

/// `child_of` / `parent_of` need `t.partner`'s hierarchy: its `id`, or a relation to it.
fn hierarchical(owner: &str, kind: Kind) -> bool {
    match kind {
        Kind::Id => owner == PARTNER,
        _ => kind.comodel() == Some(PARTNER),
    }
}

fn pool(items: Vec<Json>) -> BoxedStrategy<Json> {
    prop::sample::select(items).boxed()
}

fn texts() -> Vec<Json> {
    [
        "Azure",
        "azure",
        "AZURE",
        "Azure Interior",
        "Deco Addict",
        "deco addict",
        "50% off",
        "a_b",
        "axb",
        "a\\b",
        "O'Brien",
        " Azure",
        "x",
        "Zed",
        "zur",
        "ZUR",
        "deco",
        "%",
        "_",
        "\\",
        "\\%",
        "\\_",
        "\\\\",
        "a\\_b",
        "50\\%",
        "%off",
        "Az%",
        "_zure",
        "a%b",
        "",
        "'",
        "nomatch",
        "VIP",
        "vip",
        "old",
        "new\\_tag",
        "Desk",
        "desk",
        "chair",
        "AZ",
        "A\\%",
        "1",
        "4",
    ]
    .into_iter()
    .map(Json::from)
    .collect()
}

fn ints() -> Vec<Json> {
    [-5, -1, 0, 1, 2, 3, 7, 10, 42, 100, 999]
        .into_iter()
        .map(Json::from)
        .collect()
}

/// Ids that exist in every dataset, ids that may not, and ones that never do.
fn ids() -> Vec<Json> {
    [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 999, -1]
        .into_iter()
        .map(Json::from)
        .collect()
}

/// What a relation is compared with by name: its comodel's rec_name (the id's text for orders).
fn names(comodel: &str) -> Vec<Json> {
    if comodel == ORDER {
        return ["1", "2", "3", "12", "99"]
            .into_iter()
            .map(Json::from)
            .collect();
    }
    texts()
}

fn scalar(kind: Kind) -> BoxedStrategy<Json> {
    match kind {
        Kind::Char => prop_oneof![8 => pool(texts()), 1 => pool(ints())].boxed(),
        Kind::Selection => pool(
            ["person", "company", "other", "nope", "PERSON", "comp", ""]
                .into_iter()
                .map(Json::from)
                .collect(),
        ),
        Kind::Int => prop_oneof![
            8 => pool(ints()),
            1 => pool(vec![json!("3"), json!(" 7 "), json!(2.0), json!("-1"), json!(2.5)]),
        ]
        .boxed(),
        Kind::Float => pool(vec![
            json!(-2.5),
            json!(0.0),
            json!(0.1),
            json!(0.3),
            json!(0.5),
            json!(1),
            json!(3.25),
            json!(9.99),
            json!(10),
            json!(100.5),
            json!(1000.0),
            json!(-3),
            json!("10"),
        ]),
        Kind::Bool => pool(vec![
            json!(true),
            json!(false),
            json!(null),
            json!(1),
            json!(0),
        ]),
        Kind::Date => pool(
            [
                "2024-01-31",
                "2024-02-01",
                "2024-02-29",
                "1990-05-01",
                "2000-01-01",
                "2024-01-30",
                "2100-01-01",
            ]
            .into_iter()
            .map(Json::from)
            .collect(),
        ),
        Kind::Datetime => pool(
            [
                "2024-01-31 00:00:00",
                "2024-01-31 10:00:00",
                "2024-01-31 23:59:59",
                "2024-02-01 00:00:00",
                "1999-12-31 23:59:59",
                "2024-01-31",
                "2024-02-01",
                "1999-12-31",
                "2024-01-31 10:00",
            ]
            .into_iter()
            .map(Json::from)
            .collect(),
        ),
        Kind::Id => pool(ids()),
        Kind::Opaque => unset(),
        Kind::Many2one(comodel) | Kind::X2many(comodel) => {
            prop_oneof![3 => pool(ids()), 2 => pool(names(comodel))].boxed()
        }
    }
}

fn like_value(kind: Kind) -> BoxedStrategy<Json> {
    match kind {
        Kind::Int | Kind::Id => pool(vec![
            json!("1"),
            json!("-"),
            json!("0"),
            json!("4"),
            json!("2%"),
            json!("_"),
            json!(42),
            json!(1),
        ]),
        Kind::Date | Kind::Datetime => pool(
            [
                "2024",
                "-01-",
                "01-31",
                "23:59",
                "00:00:00",
                " ",
                "2024-01-31",
                "1999%12",
                "_",
            ]
            .into_iter()
            .map(Json::from)
            .collect(),
        ),
        Kind::Many2one(comodel) | Kind::X2many(comodel) => pool(names(comodel)),
        _ => pool(texts()),
    }
}

fn unset() -> BoxedStrategy<Json> {
    pool(vec![json!(false), json!(null)])
}

fn with_ops(ops: &'static [&'static str], values: BoxedStrategy<Json>) -> BoxedStrategy<Json> {
    (prop::sample::select(ops), values)
        .prop_map(|(op, value)| json!([op, value]))
        .boxed()
}

/// `[operator, value]` for a field of `kind` on `owner`; `sub` generates `any` sub-domains.
fn operator_and_value(
    owner: &'static str,
    kind: Kind,
    sub: Option<BoxedStrategy<Json>>,
    text_order: bool,
) -> BoxedStrategy<Json> {
    if kind == Kind::Opaque {
        return with_ops(&["=", "!=", "<>", "=?"], unset());
    }
    let value = scalar(kind);
    let maybe_unset = prop_oneof![6 => value.clone(), 1 => unset()].boxed();
    let list_of = |items: BoxedStrategy<Json>| {
        prop::collection::vec(prop_oneof![6 => items, 1 => unset()], 0..4).prop_map(Json::Array)
    };
    // A relation takes a list of ids or a list of names, never both.
    let list = match kind.comodel() {
        Some(comodel) => prop_oneof![list_of(pool(ids())), list_of(pool(names(comodel)))].boxed(),
        None => list_of(value.clone()).boxed(),
    };
    // A lone value after `in` is read by Odoo only as a bool (`=`), by an x2many (a one-element
    // list) or by a many2one as a name; anywhere else it is refused (weft-domain's refusals.rs).
    let lone = match kind {
        Kind::Bool => Some(pool(vec![json!(true), json!(false)])),
        Kind::X2many(_) => Some(value.clone()),
        Kind::Many2one(comodel) => Some(pool(names(comodel))),
        _ => None,
    };
    let members = match lone {
        Some(lone) => prop_oneof![5 => list.clone(), 1 => lone].boxed(),
        None => list.clone(),
    };
    let mut options: Vec<(u32, BoxedStrategy<Json>)> = vec![
        (6, with_ops(&["=", "!=", "<>", "=?"], maybe_unset.clone())),
        (4, with_ops(&["in", "not in", "NOT IN"], members)),
        (1, with_ops(&["=", "!="], list)),
    ];
    if text_order || !matches!(kind, Kind::Char | Kind::Selection) {
        options.push((3, with_ops(&["<", "<=", ">", ">="], maybe_unset)));
    }
    if kind.likes() {
        let pattern = prop_oneof![6 => like_value(kind), 1 => unset()].boxed();
        let ops = &[
            "like",
            "not like",
            "ilike",
            "not ilike",
            "=like",
            "=ilike",
            "ILIKE",
        ];
        options.push((4, with_ops(ops, pattern)));
    }
    if hierarchical(owner, kind) {
        let roots = prop_oneof![
            3 => pool(ids()),
            2 => prop::collection::vec(pool(ids()), 0..4).prop_map(Json::Array),
            2 => pool(texts()),
            1 => prop::collection::vec(pool(texts()), 1..3).prop_map(Json::Array),
            // False and 0 mean "no root"; None is refused, as upstream's `list(None)` raises.
            1 => pool(vec![json!(false), json!(0)]),
        ]
        .boxed();
        options.push((3, with_ops(&["child_of", "parent_of"], roots)));
    }
    if let Some(sub) = sub {
        options.push((4, with_ops(&["any", "not any"], sub)));
    }
    Union::new_weighted(options).boxed()
}

/// One term on `model`: a field (most often), or a path through one or two relations.
fn term(
    model: &'static str,
    subdomains: &BTreeMap<&'static str, BoxedStrategy<Json>>,
    text_order: bool,
) -> BoxedStrategy<Json> {
    let mut groups: Vec<(u32, BoxedStrategy<Json>)> = Vec::new();
    for (hops, weight) in [(0, 12), (1, 5), (2, 2)] {
        let options: Vec<(u32, BoxedStrategy<Json>)> = paths(model, hops)
            .into_iter()
            .map(|(path, owner, kind)| {
                let sub = kind.comodel().and_then(|c| subdomains.get(c).cloned());
                let rest = operator_and_value(owner, kind, sub, text_order);
                let leaf = (Just(path), rest)
                    .prop_map(|(path, rest)| json!([path, rest[0], rest[1]]))
                    .boxed();
                (1, leaf)
            })
            .collect();
        if !options.is_empty() {
            groups.push((weight, Union::new_weighted(options).boxed()));
        }
    }
    Union::new_weighted(groups).boxed()
}

#[derive(Debug, Clone)]
enum Tree {
    Leaf(Json),
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
}

/// Prefix notation: `n` children of `&` / `|` take `n - 1` operators in front.
fn flatten(tree: &Tree, out: &mut Vec<Json>) {
    match tree {
        Tree::Leaf(leaf) => out.push(leaf.clone()),
        Tree::And(children) | Tree::Or(children) => {
            let op = if matches!(tree, Tree::And(_)) {
                "&"
            } else {
                "|"
            };
            out.extend((1..children.len()).map(|_| json!(op)));
            for child in children {
                flatten(child, out);
            }
        }
        Tree::Not(inner) => {
            out.push(json!("!"));
            flatten(inner, out);
        }
    }
}

/// A domain on `model` as JSON: trees side by side (implicit `&`), each of terms, TRUE_LEAF and
/// FALSE_LEAF under `&`, `|` and `!`.
fn domain(
    model: &'static str,
    subdomains: &BTreeMap<&'static str, BoxedStrategy<Json>>,
    top: bool,
    text_order: bool,
) -> BoxedStrategy<Json> {
    let leaf = prop_oneof![
        30 => term(model, subdomains, text_order).prop_map(Tree::Leaf),
        1 => Just(Tree::Leaf(json!([1, "=", 1]))),
        1 => Just(Tree::Leaf(json!([0, "=", 1]))),
    ];
    let (depth, size) = if top { (3, 10) } else { (2, 4) };
    let tree = leaf
        .prop_recursive(depth, size, 3, |inner| {
            prop_oneof![
                2 => prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::And),
                2 => prop::collection::vec(inner.clone(), 2..4).prop_map(Tree::Or),
                1 => inner.prop_map(|t| Tree::Not(Box::new(t))),
            ]
        })
        .boxed();
    let trees = if top {
        prop_oneof![
            1 => Just(Vec::new()),
            12 => prop::collection::vec(tree, 1..4),
        ]
        .boxed()
    } else {
        prop::collection::vec(tree, 0..3).boxed()
    };
    trees
        .prop_map(|trees| {
            let mut out = Vec::new();
            for tree in &trees {
                flatten(tree, &mut out);
            }
            Json::Array(out)
        })
        .boxed()
}

/// (dataset index, root model, domain JSON).
fn cases(text_order: bool) -> impl Strategy<Value = (usize, &'static str, Json)> {
    let mut level: BTreeMap<&'static str, BoxedStrategy<Json>> = BTreeMap::new();
    for depth in 0..=ANY_DEPTH {
        level = MODELS
            .iter()
            .map(|m| (*m, domain(m, &level, depth == ANY_DEPTH, text_order)))
            .collect();
    }
    let rooted = |model: &'static str| level[model].clone().prop_map(move |d| (model, d));
    let roots = prop_oneof![
        5 => rooted(PARTNER),
        2 => rooted(ORDER),
        2 => rooted(LINE),
        1 => rooted(TAG),
    ];
    (0..DATASET_SEEDS.len(), roots).prop_map(|(index, (model, json))| (index, model, json))
}

// ---------------------------------------------------------------------------------------------
// The check.

#[derive(Default)]
struct Stats {
    cases: Cell<u64>,
    bound: Cell<u64>,
    matched: Cell<u64>,
    nonempty: Cell<u64>,
    partial: Cell<u64>,
}

fn bump(cell: &Cell<u64>, by: u64) {
    cell.set(cell.get() + by);
}

fn check_case(
    rt: &tokio::runtime::Runtime,
    backend: Backend,
    set: &Dataset,
    model: &str,
    json: &Json,
    stats: &Stats,
) -> Result<(), TestCaseError> {
    bump(&stats.cases, 1);
    let domain = Domain::parse_json(json)
        .map_err(|e| TestCaseError::fail(format!("generated domain {json} does not parse: {e}")))?;
    let text = domain.to_string();
    match Domain::parse_text(&text) {
        Ok(back) if back == domain => {}
        other => {
            return Err(TestCaseError::fail(format!(
                "text form does not round-trip\n  json: {json}\n  text: {text}\n  back: {other:?}"
            )));
        }
    }
    prop_assert_eq!(
        Domain::parse_json(&domain.to_json()).ok(),
        Some(domain.clone()),
        "JSON form does not round-trip: {}",
        json
    );

    let registry = set.store.registry();
    let options = BindOptions { active_test: true };
    let Ok(bound) = domain.bind(registry.as_ref(), model, &options) else {
        return Ok(());
    };
    bump(&stats.bound, 1);

    let sql = rt.block_on(async {
        let tx = set.store.begin_read(&Env::superuser()).await?;
        let found = tx.search(model, &domain, &SearchOptions::default()).await;
        tx.rollback().await?;
        found
    });
    let mut sql = sql.map_err(|e: StoreError| {
        TestCaseError::fail(format!(
            "{backend:?} search failed on a domain that binds: {e}\n  model: {model}\n  json: {json}\n  text: {text}"
        ))
    })?;
    sql.sort_unstable();
    let all = set.memory.ids(model);
    let memory: Vec<i64> = all
        .iter()
        .copied()
        .filter(|id| bound.matches(&set.memory, *id))
        .collect();
    if sql != memory {
        let rows: Vec<String> = all
            .iter()
            .filter(|id| sql.contains(id) != memory.contains(id))
            .take(12)
            .map(|id| {
                let side = if sql.contains(id) {
                    "SQL only"
                } else {
                    "memory only"
                };
                let row = set.memory.row(model, *id).cloned().unwrap_or_default();
                format!("    {id} ({side}): {}", Json::Object(row))
            })
            .collect();
        return Err(TestCaseError::fail(format!(
            "SQL and memory disagree on {backend:?}, dataset seed {}, model {model}\n  json: {json}\n  \
             text: {text}\n  sql:    {sql:?}\n  memory: {memory:?}\n  differing rows:\n{}",
            set.seed,
            rows.join("\n")
        )));
    }
    bump(&stats.matched, sql.len() as u64);
    if !sql.is_empty() {
        bump(&stats.nonempty, 1);
        if sql.len() < all.len() {
            bump(&stats.partial, 1);
        }
    }
    Ok(())
}

fn run_parity(backend: Backend) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    let (datasets, text_order) = rt.block_on(async {
        let mut datasets = Vec::new();
        for (index, seed) in DATASET_SEEDS.into_iter().enumerate() {
            let db = TestDb::new(backend).await;
            let store = db
                .store(Registry::from_toml(SCHEMA).expect("test schema"))
                .await;
            create_dataset(&store, index, seed).await;
            let memory = load_memory(&store).await;
            datasets.push(Dataset {
                seed,
                memory,
                store,
                _db: db,
            });
        }
        let text_order = bytewise_text_order(&datasets[0].store, backend).await;
        (datasets, text_order)
    });
    check_datasets(&datasets);
    let built = started.elapsed();

    let strategy = cases(text_order);
    let mut runner = TestRunner::new(Config {
        cases: Config::default().cases.max(CASES),
        failure_persistence: None,
        ..Config::default()
    });
    let stats = Stats::default();
    let result = runner.run(&strategy, |(index, model, json)| {
        check_case(&rt, backend, &datasets[index], model, &json, &stats)
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (index, model, json))) => panic!(
            "{reason}\nminimal case: dataset {index} (seed {}), model {model}, domain {json}",
            DATASET_SEEDS[index]
        ),
        Err(TestError::Abort(reason)) => panic!("proptest aborted: {reason}"),
    }

    let (cases, bound) = (stats.cases.get(), stats.bound.get());
    let rows: usize = datasets
        .iter()
        .flat_map(|d| d.memory.rows.values())
        .map(BTreeMap::len)
        .sum();
    eprintln!(
        "domain parity on {backend:?}: {cases} cases, {bound} bound ({}%), {} ids matched, \
         {} non-empty and {} partial results; {} datasets ({rows} rows) built in {:.1} s, cases in {:.1} s",
        bound * 100 / cases.max(1),
        stats.matched.get(),
        stats.nonempty.get(),
        stats.partial.get(),
        datasets.len(),
        built.as_secs_f64(),
        (started.elapsed() - built).as_secs_f64(),
    );
    assert!(cases >= u64::from(CASES), "only {cases} cases ran");
    assert!(
        bound * 100 >= cases * 80,
        "only {bound} of {cases} generated domains bound: the generator drifted from the schema"
    );
    assert!(
        stats.nonempty.get() * 100 >= bound * 30 && stats.partial.get() * 100 >= bound * 20,
        "too few domains select something ({} non-empty, {} partial of {bound}): the test would prove little",
        stats.nonempty.get(),
        stats.partial.get()
    );

    rt.block_on(async {
        for set in datasets {
            set.store.close().await.ok();
        }
    });
}

/// The generated data has what the test is about: NULLs, case variants, archived rows, hierarchies,
/// cycles, orphans and x2many links.
fn check_datasets(datasets: &[Dataset]) {
    let rows = |model| {
        datasets
            .iter()
            .flat_map(move |d| d.memory.rows[model].values())
    };
    let partners = || rows(PARTNER);
    let count = |it: &mut dyn Iterator<Item = bool>| it.filter(|b| *b).count();
    assert!(count(&mut partners().map(|r| r["name"].is_null())) > 0);
    assert!(count(&mut partners().map(|r| r["name"] == json!("azure"))) > 0);
    assert!(count(&mut partners().map(|r| r["name"] == json!("AZURE"))) > 0);
    assert!(count(&mut partners().map(|r| r["active"] == json!(false))) > 0);
    assert!(count(&mut partners().map(|r| r["birthday"].is_null())) > 0);
    assert!(count(&mut partners().map(|r| r["data"].is_null())) > 0);
    assert!(count(&mut partners().map(|r| r["data"] == json!([]))) > 0);
    assert!(count(&mut partners().map(|r| r["image"] == json!(""))) > 0);
    assert!(count(&mut partners().map(|r| r["parent_id"].is_i64())) > 10);
    assert!(count(&mut partners().map(|r| r["tag_ids"] != json!([]))) > 10);
    assert!(count(&mut rows(ORDER).map(|r| r["partner_id"].is_null())) > 0);
    assert!(count(&mut rows(ORDER).map(|r| r["line_ids"] != json!([]))) > 10);
    assert!(count(&mut rows(LINE).map(|r| r["order_id"].is_null())) > 0);
    assert!(count(&mut rows(TAG).map(|r| r["active"] == json!(false))) > 0);
    let cycles = datasets
        .iter()
        .filter(|d| {
            let parents = &d.memory.rows[PARTNER];
            parents.iter().any(|(id, row)| {
                let parent = row["parent_id"].as_i64();
                parent == Some(*id)
                    || parent
                        .and_then(|p| parents.get(&p))
                        .is_some_and(|p| p["parent_id"].as_i64() == Some(*id))
            })
        })
        .count();
    assert!(cycles >= 2, "parent cycles in {cycles} datasets");
}

#[test]
fn sql_and_memory_select_the_same_ids_on_sqlite() {
    run_parity(Backend::Sqlite);
}

#[test]
fn sql_and_memory_select_the_same_ids_on_postgres() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("domain parity on PostgreSQL skipped: WEFT_TEST_POSTGRES_URL is not set");
        return;
    }
    run_parity(Backend::Postgres);
}
