//! Template rendering on both backends, case by case against ecosoft's documented behaviour, and
//! the HTML-to-text conversion.

use super::html::html_to_text;
use super::render::{ids_of, render};
use serde_json::{Map, Value, json};
use weft_registry::Registry;
use weft_store::testing::each_backend;
use weft_store::{Env, Store, StoreError, Tx};

fn obj(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

async fn create(store: &Store, model: &str, vals: Value) -> i64 {
    let mut tx = store.begin(&Env::superuser()).await.expect("begin");
    let id = tx.create(model, &obj(vals)).await.expect("create");
    tx.commit().await.expect("commit");
    id
}

async fn rendered(store: &Store, model: &str, id: i64, template: Value, lang: &str) -> Value {
    let tx = store.begin(&Env::superuser()).await.expect("begin");
    let out = render(&tx, model, id, &obj(template), lang).await;
    tx.rollback().await.expect("rollback");
    out.expect("render")
}

/// The records every test reads: two tags, a company with both and an HTML note, its contact
/// with one tag, a partner with none, and two orders (one line; two lines).
struct Fixtures {
    tag_a: i64,
    tag_b: i64,
    company: i64,
    contact: i64,
    solo: i64,
    order: i64,
    order_lines: Vec<i64>,
    big_order: i64,
}

async fn fixtures(store: &Store) -> Fixtures {
    let tag_a = create(store, "res.partner.category", json!({"name": "A"})).await;
    let tag_b = create(store, "res.partner.category", json!({"name": "B"})).await;
    let company = create(
        store,
        "res.partner",
        json!({"name": "ABC Co.", "company_type": "company",
               "category_id": [[6, 0, [tag_a, tag_b]]],
               "comment": "<p>Hello <b>world</b></p>"}),
    )
    .await;
    let contact = create(
        store,
        "res.partner",
        json!({"name": "Bob", "parent_id": company, "category_id": [[6, 0, [tag_a]]]}),
    )
    .await;
    let solo = create(store, "res.partner", json!({"name": "Solo"})).await;
    let product_a = create(store, "product.product", json!({"name": "Product A"})).await;
    let product_b = create(store, "product.product", json!({"name": "Product B"})).await;
    let order = create(
        store,
        "sale.order",
        json!({"name": "SO001", "partner_id": company, "state": "sale",
               "date_order": "2026-11-22 09:30:00",
               "order_line": [[0, 0, {"product_id": product_a, "product_uom_qty": 2}]]}),
    )
    .await;
    let big_order = create(
        store,
        "sale.order",
        json!({"name": "SO002", "partner_id": contact,
               "order_line": [[0, 0, {"product_id": product_a, "product_uom_qty": 2}],
                              [0, 0, {"product_id": product_b, "product_uom_qty": 3.5}]]}),
    )
    .await;
    let tx = store.begin(&Env::superuser()).await.expect("begin");
    let rows = tx.stored_rows("sale.order", &[order]).await.expect("read");
    let order_lines = ids_of(&rows[&order]["order_line"]);
    tx.rollback().await.expect("rollback");
    Fixtures {
        tag_a,
        tag_b,
        company,
        contact,
        solo,
        order,
        order_lines,
        big_order,
    }
}

#[tokio::test]
async fn the_research_example_renders_as_documented() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let template = json!({"request_code": "{name}",
            "data": {"id": "{id}", "state": "{state:label}",
            "partner": "{partner_id.name}",
            "order_line": [{"product": "{product_id.name}", "qty": "{product_uom_qty}"}]}});
        assert_eq!(
            rendered(&store, "sale.order", f.order, template, "en_US").await,
            json!({"request_code": "SO001", "data": {"id": f.order, "state": "Sales Order",
                "partner": "ABC Co.", "order_line": [{"product": "Product A", "qty": 2.0}]}})
        );
    })
    .await;
}

/// Ecosoft case 13, and what is not a template: longer strings, method calls (case 20 and 21
/// as amended: `{@...}` stays literal), broken braces, non-string scalars.
#[tokio::test]
async fn case_13_fields_and_everything_else_sent_as_is() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let template = json!({"request_code": "{name}", "app": "MyApp",
            "data": {"id": "{id}", "state": "{state}"},
            "padded": "  {name} ", "sentence": "SO {name}", "echo": "{@_webhook_echo}",
            "echo_args": "{@_webhook_echo(one, two)}", "unlink": "{@unlink}",
            "missing": "{@_webhook_missing}", "open": "{name", "no_format": "{name:}",
            "empty": "{}", "two": "{name}{id}", "spaced": "{ name }",
            "count": 3, "ratio": 1.5, "flag": true, "nothing": null});
        let mut expected = template.clone();
        expected["request_code"] = json!("SO001");
        expected["data"] = json!({"id": f.order, "state": "sale"});
        expected["padded"] = json!("SO001");
        assert_eq!(
            rendered(&store, "sale.order", f.order, template, "en_US").await,
            expected
        );
    })
    .await;
}

/// Case 14 as amended: a many2one renders its id, an empty one `false`; unknown fields `null`.
#[tokio::test]
async fn case_14_paths_read_fields_many2one_ids_and_unknown_fields_null() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let template = json!({"name": "{name}", "company": "{parent_id.name}",
            "parent": "{parent_id}", "grandparent": "{parent_id.parent_id}",
            "grandparent_name": "{parent_id.parent_id.name}", "email": "{email}",
            "rank": "{customer_rank}", "active": "{active}", "id": "{id}",
            "tags": "{category_id}", "children": "{child_ids}",
            "siblings": "{parent_id.child_ids}", "unknown": "{nope}",
            "unknown_related": "{parent_id.nope}", "past_a_scalar": "{name.upper}",
            "empty_segment": "{parent_id..name}", "plain": "just text"});
        assert_eq!(
            rendered(&store, "res.partner", f.contact, template, "en_US").await,
            json!({"name": "Bob", "company": "ABC Co.", "parent": f.company,
                "grandparent": false, "grandparent_name": false, "email": false, "rank": 0,
                "active": true, "id": f.contact, "tags": [f.tag_a], "children": [],
                "siblings": [f.contact], "unknown": null, "unknown_related": null,
                "past_a_scalar": null, "empty_segment": null, "plain": "just text"})
        );
        let order = json!({"partner": "{partner_id}", "lines": "{order_line}"});
        assert_eq!(
            rendered(&store, "sale.order", f.order, order, "en_US").await,
            json!({"partner": f.company, "lines": f.order_lines})
        );
    })
    .await;
}

/// Cases 14c and 17: a plain path dies on a multi-record x2many (`null`), goes through a
/// single one, reads `false` past an empty one; a formatted path maps across all of them.
#[tokio::test]
async fn case_14c_17_x2many_on_the_way_plain_and_mapped() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let template = json!({"plain": "{category_id.name}", "join": "{category_id.name:join}",
            "unknown_format": "{category_id.name:shout}", "ids": "{category_id:join}",
            "one_id": "{category_id:raw}"});
        assert_eq!(
            rendered(&store, "res.partner", f.company, template.clone(), "en_US").await,
            json!({"plain": null, "join": "A, B", "unknown_format": "A, B",
                "ids": format!("{}, {}", f.tag_a, f.tag_b),
                "one_id": format!("{}, {}", f.tag_a, f.tag_b)})
        );
        assert_eq!(
            rendered(&store, "res.partner", f.contact, template.clone(), "en_US").await,
            json!({"plain": "A", "join": "A", "unknown_format": "A",
                "ids": f.tag_a.to_string(), "one_id": f.tag_a})
        );
        assert_eq!(
            rendered(&store, "res.partner", f.solo, template, "en_US").await,
            json!({"plain": false, "join": "", "unknown_format": "", "ids": "", "one_id": ""})
        );
        let lines = json!({"products": "{order_line.product_id.name:join}",
            "product": "{order_line.product_id.name}", "bad": "{order_line.nope:join}",
            "past_a_scalar": "{order_line.name.x:join}"});
        assert_eq!(
            rendered(&store, "sale.order", f.big_order, lines, "en_US").await,
            json!({"products": "Product A, Product B", "product": null, "bad": null,
                "past_a_scalar": null})
        );
    })
    .await;
}

/// Cases 14d and 14e: a one-item list under an x2many key repeats per related record; under any
/// other key, or with more items, it is resolved item by item against the record itself.
#[tokio::test]
async fn case_14d_14e_one_item_lists() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let template = json!({"category_id": [{"cat_name": "{name}", "cat_id": "{id}"}],
            " category_id ": ["{name}"], "custom_tag": [{"tag": "{name}"}],
            "email": ["{name}"], "child_ids": ["{name}", "{id}"], "nested": [["{name}"]]});
        assert_eq!(
            rendered(&store, "res.partner", f.company, template.clone(), "en_US").await,
            json!({"category_id": [{"cat_name": "A", "cat_id": f.tag_a},
                                   {"cat_name": "B", "cat_id": f.tag_b}],
                " category_id ": ["A", "B"], "custom_tag": [{"tag": "ABC Co."}],
                "email": ["ABC Co."], "child_ids": ["ABC Co.", f.company],
                "nested": [["ABC Co."]]})
        );
        let solo = rendered(&store, "res.partner", f.solo, template, "en_US").await;
        assert_eq!(solo["category_id"], json!([]));
        let order = json!({"order_line": [{"product": "{product_id.name}",
            "order": "{order_id.name}",
            "customer_tags": "{order_id.partner_id.category_id.name:join}"}]});
        assert_eq!(
            rendered(&store, "sale.order", f.big_order, order, "en_US").await,
            json!({"order_line": [
                {"product": "Product A", "order": "SO002", "customer_tags": "A"},
                {"product": "Product B", "order": "SO002", "customer_tags": "A"}]})
        );
    })
    .await;
}

/// Case 16: `:label` gives the selection label in the language asked (declared label when it
/// has no translation); the plain form the key; `:label` on another type `null`.
#[tokio::test]
async fn case_16_labels_are_translated_and_only_for_selections() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let template = json!({"label": "{company_type:label}", "key": "{company_type}",
            "children": "{child_ids.company_type:label}", "not_selection": "{name:label}",
            "relational": "{category_id:label}"});
        let expected = |label: &str, child: &str| {
            json!({"label": label, "key": "company", "children": child,
                "not_selection": null, "relational": null})
        };
        let company =
            async |lang| rendered(&store, "res.partner", f.company, template.clone(), lang).await;
        assert_eq!(company("fr_FR").await, expected("Société", "Particulier"));
        assert_eq!(company("en_US").await, expected("Company", "Individual"));
        assert_eq!(company("de_DE").await, expected("Company", "Individual"));
        let state = json!({"state": "{state:label}"});
        assert_eq!(
            rendered(&store, "sale.order", f.order, state, "fr_FR").await,
            json!({"state": "Bon de commande"})
        );
    })
    .await;
}

/// Cases 18 and 19: `:date` keeps the date of a datetime or date, `:text` turns HTML into
/// Odoo's plain text, and an empty value gives `""`.
#[tokio::test]
async fn case_18_19_dates_and_text() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let tx = store.begin(&Env::superuser()).await.expect("begin");
        let rows = tx
            .stored_rows("res.partner", &[f.company])
            .await
            .expect("read");
        tx.rollback().await.expect("rollback");
        let created = rows[&f.company]["create_date"]
            .as_str()
            .expect("a create_date")
            .to_string();
        let template = json!({"text": "{comment:text}", "created": "{create_date:date}",
            "not_a_date": "{name:date}"});
        assert_eq!(
            rendered(&store, "res.partner", f.company, template.clone(), "en_US").await,
            json!({"text": "Hello *world*", "created": &created[..10], "not_a_date": null})
        );
        let contact = rendered(&store, "res.partner", f.contact, template, "en_US").await;
        assert_eq!(contact["text"], json!(""));
        let order = json!({"date": "{date_order:date}", "raw": "{date_order}",
            "joined": "{date_order:join}", "lines": "{order_line.product_id.name:date}"});
        assert_eq!(
            rendered(&store, "sale.order", f.order, order, "en_US").await,
            json!({"date": "2026-11-22", "raw": "2026-11-22 09:30:00",
                "joined": "2026-11-22 09:30:00", "lines": null})
        );
    })
    .await;
}

/// Case 22: formatted templates resolve wherever they are nested.
#[tokio::test]
async fn case_22_formats_nested_in_objects_and_lines() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let template = json!({"data": {"meta": {"state": "{state:label}",
            "lines": {"order_line": [{"state": "{order_id.state:label}",
                "tags": {"of_customer": "{order_id.partner_id.category_id.name:join}"}}]}}}});
        assert_eq!(
            rendered(&store, "sale.order", f.order, template, "fr_FR").await,
            json!({"data": {"meta": {"state": "Bon de commande", "lines": {"order_line": [
                {"state": "Bon de commande", "tags": {"of_customer": "A, B"}}]}}}})
        );
    })
    .await;
}

/// Joined values print as Python would; `false` and 0 are values, not blanks.
#[tokio::test]
async fn joined_values_print_as_python_and_keep_false_and_zero() {
    each_backend(Registry::demo, async |store, _| {
        let f = fixtures(&store).await;
        let old = json!({"name": "Old", "active": false});
        let archived = create(&store, "res.partner", old).await;
        let partner = json!({"active_join": "{active:join}", "active": "{active:x}",
            "rank_join": "{customer_rank:join}", "rank": "{customer_rank:x}"});
        assert_eq!(
            rendered(&store, "res.partner", archived, partner.clone(), "en_US").await,
            json!({"active_join": "False", "active": false, "rank_join": "0", "rank": 0})
        );
        let tags = json!({"active": "{category_id.active:join}"});
        assert_eq!(
            rendered(&store, "res.partner", f.company, tags, "en_US").await,
            json!({"active": "True, True"})
        );
        let order = json!({"qty": "{order_line.product_uom_qty:join}",
            "qty_plain": "{order_line.product_uom_qty}",
            "qty_raw": "{order_line.product_uom_qty:x}"});
        assert_eq!(
            rendered(&store, "sale.order", f.big_order, order, "en_US").await,
            json!({"qty": "2.0, 3.5", "qty_plain": null, "qty_raw": "2.0, 3.5"})
        );
        let line = json!({"qty": "{product_uom_qty:join}", "qty_raw": "{product_uom_qty:x}"});
        assert_eq!(
            rendered(&store, "sale.order.line", f.order_lines[0], line, "en_US").await,
            json!({"qty": "2.0", "qty_raw": 2.0})
        );
    })
    .await;
}

#[tokio::test]
async fn a_missing_record_or_model_is_an_error() {
    each_backend(Registry::demo, async |store, _| {
        let tx = store.begin(&Env::superuser()).await.expect("begin");
        let template = obj(json!({"name": "{name}"}));
        let missing = render(&tx, "res.partner", 999_999, &template, "en_US").await;
        assert!(
            matches!(missing, Err(StoreError::NotFound { .. })),
            "{missing:?}"
        );
        let unknown = render(&tx, "no.such.model", 1, &template, "en_US").await;
        assert!(
            matches!(unknown, Err(StoreError::UnknownModel(_))),
            "{unknown:?}"
        );
        tx.rollback().await.expect("rollback");
    })
    .await;
}

#[test]
fn html_becomes_plain_text_as_odoo_does() {
    assert_eq!(html_to_text("<p>Hello <b>world</b></p>"), "Hello *world*");
    assert_eq!(html_to_text("  "), "");
    assert_eq!(
        html_to_text(
            "<h1>Title</h1><p>One<br/>Two &amp; <em>three</em></p><p>x&nbsp;&lt;y&gt;</p>"
        ),
        "**Title** One\nTwo & /three/\nx\u{a0}<y>"
    );
    assert_eq!(
        html_to_text("<p>See <a href=\"https://a.example/?q=1&amp;r=2\">site</a> now</p>"),
        "See site [1] now\n\n[1] https://a.example/?q=1&r=2"
    );
    assert_eq!(
        html_to_text("<b class=\"x\">bold</b> 1 < 2 &bogus; &#39;"),
        "bold* 1 < 2 &bogus; '"
    );
    assert_eq!(html_to_text("<p>unclosed <b"), "unclosed <b");
}

/// The caller renders from a change hook, whose futures must be `Send`.
#[allow(dead_code)]
fn render_is_send(tx: &Tx, template: &Map<String, Value>) {
    fn send<T: Send>(_: T) {}
    send(render(tx, "res.partner", 1, template, "en_US"));
}
