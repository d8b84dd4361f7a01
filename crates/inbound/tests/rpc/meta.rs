//! `ir.model`, `ir.model.fields`, `ir.model.data`: the registry and the schema's data records.

use super::*;
use crate::common::test_registry;
use weft_store::testing::each_backend;

#[tokio::test]
async fn ir_model_lists_the_registry_models() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let partner = ok(&store, &env, "ir.model", "search_read", json!([[["model", "=", "res.partner"]], ["model", "name", "transient", "state"]]), json!({})).await;
        let id = partner[0]["id"].clone();
        assert_eq!(partner, json!([{"id": id, "model": "res.partner", "name": "Contact", "transient": false, "state": "base"}]));
        let again = ok(&store, &env, "ir.model", "search", json!([[["model", "=", "res.partner"]]]), json!({})).await;
        assert_eq!(again, json!([id]), "ids are stable");
        let n = ok(&store, &env, "ir.model", "search_count", json!([[]]), json!({})).await;
        assert_eq!(n, json!(store.registry().models().count()));
        let read = ok(&store, &env, "ir.model", "read", json!([[id], ["model"]]), json!({})).await;
        assert_eq!(read, json!([{"id": id, "model": "res.partner"}]));
        let available = ok(&store, &key(&["res.partner", "sale.order"]), "ir.model", "get_available_models", json!([]), json!({})).await;
        assert_eq!(available, json!([{"model": "res.partner", "display_name": "Contact"}, {"model": "sale.order", "display_name": "Sales Order"}]));
        let fields = ok(&store, &env, "ir.model", "fields_get", json!([]), json!({"attributes": ["type"]})).await;
        assert_eq!(fields["transient"], json!({"type": "boolean"}));
        let f = fault(&store, &env, "ir.model", "write", json!([[id], {}]), json!({})).await;
        assert_eq!(f.kind, FaultKind::AttributeError);
    })
    .await;
}

#[tokio::test]
async fn ir_model_fields_describes_fields() {
    each_backend(test_registry, async |store, _| {
        let rows = ok(&store, &su(), "ir.model.fields", "search_read",
            json!([[["model", "=", "sale.order"], ["name", "=", "partner_id"]]]),
            json!({"fields": ["model", "model_id", "name", "field_description", "ttype", "relation", "required", "readonly"]})).await;
        let model_id = ok(&store, &su(), "ir.model", "search", json!([[["model", "=", "sale.order"]]]), json!({})).await[0].clone();
        assert_eq!(rows, json!([{"id": rows[0]["id"], "model": "sale.order", "model_id": [model_id, "Sales Order"],
            "name": "partner_id", "field_description": "Customer", "ttype": "many2one", "relation": "res.partner",
            "required": true, "readonly": false}]));
        let through = ok(&store, &su(), "ir.model.fields", "search_count", json!([[["model_id.model", "=", "sale.order"]]]), json!({})).await;
        assert_eq!(through, json!(store.registry().model("sale.order").unwrap().fields().len()));
    })
    .await;
}

#[tokio::test]
async fn xml_ids_name_the_schemas_data_records_and_the_main_company() {
    each_backend(test_registry, async |store, _| {
        let env = user();
        let usd = ok(
            &store,
            &env,
            "ir.model.data",
            "check_object_reference",
            json!(["base", "USD"]),
            json!({}),
        )
        .await;
        assert_eq!(usd[0], json!("res.currency"));
        let usd_id = usd[1].as_i64().unwrap();
        let name = ok(
            &store,
            &env,
            "res.currency",
            "read",
            json!([[usd_id], ["name"]]),
            json!({}),
        )
        .await;
        assert_eq!(name[0]["name"], json!("USD"));
        let company = ok(
            &store,
            &env,
            "ir.model.data",
            "check_object_reference",
            json!(["base", "main_company"]),
            json!({}),
        )
        .await;
        assert_eq!(company, json!(["res.company", 1]));
        let id = ok(
            &store,
            &env,
            "ir.model.data",
            "xmlid_to_res_id",
            json!(["stock.picking_type_in"]),
            json!({}),
        )
        .await;
        assert!(id.is_i64(), "{id}");
        let none = ok(
            &store,
            &env,
            "ir.model.data",
            "xmlid_to_res_id",
            json!(["base.nope"]),
            json!({}),
        )
        .await;
        assert_eq!(none, json!(false));
        let f = fault(
            &store,
            &env,
            "ir.model.data",
            "xmlid_to_res_id",
            json!(["base.nope", true]),
            json!({}),
        )
        .await;
        assert_fault(
            &f,
            FaultKind::ValueError,
            "External ID not found in the system: base.nope",
        );
        let f = fault(
            &store,
            &env,
            "ir.model.data",
            "check_object_reference",
            json!(["base", "nope"]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "base.nope");
        let rows = ok(
            &store,
            &env,
            "ir.model.data",
            "search_read",
            json!([[["module", "=", "base"]], ["complete_name", "model"]]),
            json!({"order": "name"}),
        )
        .await;
        let names: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["complete_name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["base.EUR", "base.THB", "base.USD", "base.main_company"]
        );
    })
    .await;
}

#[tokio::test]
async fn another_companys_data_record_is_refused_as_reading_it() {
    each_backend(test_registry, async |store, _| {
        // A user of company 2 only may not read company 1.
        crate::common::create(&store, "res.company", json!({"name": "Second"})).await;
        let env = Env::user(7, 2, vec![2]);
        let f = fault(
            &store,
            &env,
            "ir.model.data",
            "check_object_reference",
            json!(["base", "main_company"]),
            json!({}),
        )
        .await;
        assert_eq!(f.kind, FaultKind::AccessError, "{f:?}");
        let rows = ok(
            &store,
            &env,
            "ir.model.data",
            "search_count",
            json!([[["model", "=", "res.company"]]]),
            json!({}),
        )
        .await;
        assert_eq!(rows, json!(0));
    })
    .await;
}

#[tokio::test]
async fn context_get_answers_a_key_limited_to_other_models() {
    each_backend(test_registry, async |store, _| {
        let env = key(&["res.partner"]);
        let context = ok(
            &store,
            &env,
            "res.users",
            "context_get",
            json!([]),
            json!({}),
        )
        .await;
        assert_eq!(context, json!({"lang": "en_US", "tz": "UTC", "uid": 7}));
        // Reading users is still refused to that key.
        let f = fault(
            &store,
            &env,
            "res.users",
            "read",
            json!([[7], ["name"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.users");
    })
    .await;
}
