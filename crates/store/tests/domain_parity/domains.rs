//! Domains: paths on every field kind, every operator, values from per-type pools.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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

pub(super) fn fields(model: &str) -> &'static [(&'static str, Kind)] {
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
pub(super) fn paths(model: &'static str, hops: usize) -> Vec<(String, &'static str, Kind)> {
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
pub(super) fn hierarchical(owner: &str, kind: Kind) -> bool {
    match kind {
        Kind::Id => owner == PARTNER,
        _ => kind.comodel() == Some(PARTNER),
    }
}

pub(super) fn pool(items: Vec<Json>) -> BoxedStrategy<Json> {
    prop::sample::select(items).boxed()
}

pub(super) fn texts() -> Vec<Json> {
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

pub(super) fn ints() -> Vec<Json> {
    [-5, -1, 0, 1, 2, 3, 7, 10, 42, 100, 999]
        .into_iter()
        .map(Json::from)
        .collect()
}

/// Ids that exist in every dataset, ids that may not, and ones that never do.
pub(super) fn ids() -> Vec<Json> {
    [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 999, -1]
        .into_iter()
        .map(Json::from)
        .collect()
}

/// What a relation is compared with by name: its comodel's rec_name (the id's text for orders).
pub(super) fn names(comodel: &str) -> Vec<Json> {
    if comodel == ORDER {
        return ["1", "2", "3", "12", "99"]
            .into_iter()
            .map(Json::from)
            .collect();
    }
    texts()
}

pub(super) fn scalar(kind: Kind) -> BoxedStrategy<Json> {
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

pub(super) fn like_value(kind: Kind) -> BoxedStrategy<Json> {
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

pub(super) fn unset() -> BoxedStrategy<Json> {
    pool(vec![json!(false), json!(null)])
}

pub(super) fn with_ops(
    ops: &'static [&'static str],
    values: BoxedStrategy<Json>,
) -> BoxedStrategy<Json> {
    (prop::sample::select(ops), values)
        .prop_map(|(op, value)| json!([op, value]))
        .boxed()
}

/// `[operator, value]` for a field of `kind` on `owner`; `sub` generates `any` sub-domains.
pub(super) fn operator_and_value(
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
pub(super) fn term(
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
pub(super) enum Tree {
    Leaf(Json),
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
}

/// Prefix notation: `n` children of `&` / `|` take `n - 1` operators in front.
pub(super) fn flatten(tree: &Tree, out: &mut Vec<Json>) {
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
pub(super) fn domain(
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
pub(super) fn cases(text_order: bool) -> impl Strategy<Value = (usize, &'static str, Json)> {
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
