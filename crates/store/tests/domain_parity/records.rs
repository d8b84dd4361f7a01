//! Records: generated from a seed, created through the store, read back as stored rows.

use super::*;

/// splitmix64: deterministic data without another dependency.
pub(super) struct Rng(u64);

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
pub(super) const PARTNER_NAMES: &[Option<&str>] = &[
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
pub(super) const REFS: &[Option<&str>] = &[
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
pub(super) const TAG_NAMES: &[Option<&str>] = &[
    Some("VIP"),
    Some("vip"),
    Some("Vip"),
    Some("old"),
    Some("Old"),
    Some("new_tag"),
    Some("new%tag"),
    None,
];
pub(super) const LABELS: &[Option<&str>] = &[
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
pub(super) const IMAGES: &[Option<&str>] = &[Some("aGk="), Some(""), None];
pub(super) const KINDS: &[Option<&str>] = &[Some("person"), Some("company"), Some("other"), None];
pub(super) const DATES: &[Option<&str>] = &[
    Some("2024-01-31"),
    Some("2024-02-01"),
    Some("2024-02-29"),
    Some("1990-05-01"),
    Some("2000-01-01"),
    None,
];
pub(super) const DATETIMES: &[Option<&str>] = &[
    Some("2024-01-31 00:00:00"),
    Some("2024-01-31 10:00:00"),
    Some("2024-01-31 23:59:59"),
    Some("2024-02-01 00:00:00"),
    Some("1999-12-31 23:59:59"),
    None,
];
pub(super) const SCORES: &[i64] = &[-5, -1, 0, 0, 1, 2, 3, 7, 42, 100];
pub(super) const SMALL_INTS: &[i64] = &[-1, 0, 1, 2, 5, 10];
pub(super) const BALANCES: &[f64] = &[-2.5, 0.0, 0.1, 0.5, 1.0, 3.25, 10.0, 1000.0];
pub(super) const AMOUNTS: &[f64] = &[-3.0, 0.0, 9.99, 10.0, 100.5];

pub(super) fn put_text(
    vals: &mut Map<String, Json>,
    key: &str,
    value: Option<&str>,
    rng: &mut Rng,
) {
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

pub(super) fn line_vals(rng: &mut Rng) -> Map<String, Json> {
    let mut vals = Map::new();
    if rng.chance(85) {
        vals.insert("qty".into(), json!(rng.pick(SMALL_INTS)));
    }
    put_text(&mut vals, "label", rng.pick(LABELS), rng);
    vals
}

pub(super) fn order_vals(rng: &mut Rng) -> Map<String, Json> {
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

pub(super) fn partner_vals(rng: &mut Rng, partners: &[i64], tags: &[i64]) -> Map<String, Json> {
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
pub(super) async fn create_dataset(store: &Store, index: usize, seed: u64) {
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
pub(super) struct Memory {
    pub(super) rows: BTreeMap<&'static str, BTreeMap<i64, Map<String, Json>>>,
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

pub(super) async fn load_memory(store: &Store) -> Memory {
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

pub(super) struct Dataset {
    pub(super) seed: u64,
    pub(super) memory: Memory,
    pub(super) store: Store,
    pub(super) _db: TestDb,
}

/// Text ordering (`<` on char fields) is bytewise in memory; PostgreSQL agrees only under a C
/// collation (the documented limit), so other collations leave text ordering out of the test.
pub(super) async fn bytewise_text_order(store: &Store, backend: Backend) -> bool {
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
