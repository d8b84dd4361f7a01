//! What a hostile or careless client may try through the Odoo methods: another company's
//! records by every path, models outside its key, private methods, identity models, oversized
//! answers, and half-done writes.

use super::*;
use crate::common::{count, create, read, test_registry};
use weft_store::testing::each_backend;

#[tokio::test]
async fn another_companys_record_is_refused_by_every_method() {
    each_backend(test_registry, async |store, _| {
        let t = two_companies(&store).await;
        let env = user();
        let f = fault(
            &store,
            &env,
            "res.partner",
            "read",
            json!([[t.other], ["name"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "company");
        let f = fault(
            &store,
            &env,
            "res.partner",
            "write",
            json!([[t.other], {"name": "Mine now"}]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "company");
        let f = fault(
            &store,
            &env,
            "res.partner",
            "unlink",
            json!([[t.other]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "company");
        let f = fault(
            &store,
            &env,
            "res.partner",
            "copy",
            json!([t.other]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "company");
        // Nothing changed and nothing was copied.
        assert_eq!(
            read(&store, "res.partner", t.other).await["name"],
            json!("Other")
        );
        assert_eq!(count(&store, "res.partner").await, 2);
        // Searches do not see it, not even its name.
        let found = ok(
            &store,
            &env,
            "res.partner",
            "name_search",
            json!(["Oth"]),
            json!({}),
        )
        .await;
        assert_eq!(found, json!([]));
        let found = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[["name", "=", "Other"]]]),
            json!({}),
        )
        .await;
        assert_eq!(found, json!([]));
        let groups = ok(
            &store,
            &env,
            "res.partner",
            "read_group",
            json!([[], ["name"], ["name"]]),
            json!({}),
        )
        .await;
        assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
        assert_eq!(groups[0]["name"], json!("Mine"));
        // The other company's user sees it.
        let found = ok(
            &store,
            &both(),
            "res.partner",
            "search",
            json!([[["name", "=", "Other"]]]),
            json!({}),
        )
        .await;
        assert_eq!(found, json!([t.other]));
    })
    .await;
}

#[tokio::test]
async fn a_dotted_domain_does_not_reach_into_another_company() {
    each_backend(test_registry, async |store, _| {
        let t = two_companies(&store).await;
        // An order of company 1 that (through the superuser) points at company 2's partner.
        let order = create(
            &store,
            "sale.order",
            json!({"partner_id": t.other, "company_id": 1}),
        )
        .await;
        let domain = json!([[["partner_id.name", "=", "Other"]]]);
        let found = ok(
            &store,
            &user(),
            "sale.order",
            "search",
            domain.clone(),
            json!({}),
        )
        .await;
        assert_eq!(found, json!([]));
        let n = ok(
            &store,
            &user(),
            "sale.order",
            "search_count",
            domain.clone(),
            json!({}),
        )
        .await;
        assert_eq!(n, json!(0));
        let found = ok(&store, &both(), "sale.order", "search", domain, json!({})).await;
        assert_eq!(found, json!([order]));
    })
    .await;
}

#[tokio::test]
async fn x2many_commands_and_many2one_values_cannot_take_another_companys_record() {
    each_backend(test_registry, async |store, _| {
        let t = two_companies(&store).await;
        let env = user();
        for value in [
            json!([[4, t.other]]),
            json!([[6, 0, [t.other]]]),
            json!([t.other]),
        ] {
            let vals = json!({"child_ids": value});
            let f = fault(
                &store,
                &env,
                "res.partner",
                "write",
                json!([[t.mine], vals]),
                json!({}),
            )
            .await;
            assert_fault(&f, FaultKind::AccessError, "company you are not allowed");
            assert_eq!(
                read(&store, "res.partner", t.other).await["parent_id"],
                json!(false),
                "{value}"
            );
        }
        let orders = count(&store, "sale.order").await;
        let f = fault(
            &store,
            &env,
            "sale.order",
            "create",
            json!([{"partner_id": t.other}]),
            json!({}),
        )
        .await;
        // The store reports the many2one as a value of partner_id it refuses, naming why.
        assert_fault(&f, FaultKind::ValidationError, "partner_id");
        assert!(f.message.contains("not allowed"), "{f:?}");
        assert_eq!(count(&store, "sale.order").await, orders);
    })
    .await;
}

#[tokio::test]
async fn a_company_outside_the_callers_in_the_context_is_refused() {
    each_backend(test_registry, async |store, _| {
        let t = two_companies(&store).await;
        let context = json!({"context": {"allowed_company_ids": [2]}});
        let f = fault(
            &store,
            &user(),
            "res.partner",
            "search",
            json!([[]]),
            context.clone(),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "compan");
        // Narrowed to company 2 alone, the caller of both sees only its records.
        let found = ok(
            &store,
            &both(),
            "res.partner",
            "search",
            json!([[]]),
            context,
        )
        .await;
        assert_eq!(found, json!([t.other]));
        let created = ok(
            &store,
            &both(),
            "res.partner",
            "create",
            json!([{"name": "New"}]),
            json!({"context": {"allowed_company_ids": [2, 1]}}),
        )
        .await;
        let row = read(&store, "res.partner", created.as_i64().unwrap()).await;
        assert_eq!(
            row["company_id"][0],
            json!(2),
            "the first company is the current one: {row:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_key_limited_to_partners_sees_nothing_else() {
    each_backend(test_registry, async |store, _| {
        let env = key(&["res.partner"]);
        let f = fault(&store, &env, "sale.order", "search", json!([[]]), json!({})).await;
        assert_fault(&f, FaultKind::AccessError, "sale.order");
        let f = fault(
            &store,
            &env,
            "sale.order",
            "fields_get",
            json!([]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "sale.order");
        let f = fault(
            &store,
            &env,
            "sale.order",
            "default_get",
            json!([["state"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "sale.order");
        let rights = ok(
            &store,
            &env,
            "sale.order",
            "check_access_rights",
            json!(["read"]),
            json!({"raise_exception": false}),
        )
        .await;
        assert_eq!(rights, json!(false));
        let models = ok(
            &store,
            &env,
            "ir.model",
            "search_read",
            json!([[]]),
            json!({"fields": ["model"]}),
        )
        .await;
        let names: Vec<&str> = models
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["model"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["res.partner"]);
        let fields = ok(
            &store,
            &env,
            "ir.model.fields",
            "search_count",
            json!([[["model", "=", "sale.order"]]]),
            json!({}),
        )
        .await;
        assert_eq!(fields, json!(0));
        let f = fault(
            &store,
            &env,
            "ir.model.data",
            "check_object_reference",
            json!(["base", "USD"]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.currency");
        let f = fault(
            &store,
            &env,
            "ir.model.data",
            "xmlid_to_res_id",
            json!(["base.USD"]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.currency");
        let data = ok(
            &store,
            &env,
            "ir.model.data",
            "search_read",
            json!([[]]),
            json!({"fields": ["complete_name"]}),
        )
        .await;
        assert_eq!(data, json!([]));
        // A domain path into a model outside the key is refused too.
        let f = fault(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[["company_id.name", "=", "x"]]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.company");
    })
    .await;
}

#[tokio::test]
async fn private_methods_are_refused_before_anything_else() {
    each_backend(test_registry, async |store, _| {
        for (model, method) in [
            ("ir.model.data", "_xmlid_to_res_id"),
            ("res.partner", "_read_group_raw"),
            ("no.such.model", "_secret"),
        ] {
            let f = fault(&store, &su(), model, method, json!(["base.USD"]), json!({})).await;
            assert_eq!(f.kind, FaultKind::AccessError, "{method}");
            assert_eq!(
                f.message,
                format!("Private methods (such as {method}) cannot be called remotely.")
            );
        }
    })
    .await;
}

#[tokio::test]
async fn identity_models_are_not_written_as_data() {
    each_backend(test_registry, async |store, _| {
        let f = fault(
            &store,
            &user(),
            "res.users",
            "create",
            json!([{"name": "Eve", "login": "eve", "company_id": 1}]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.users");
        let f = fault(
            &store,
            &user(),
            "res.users",
            "write",
            json!([[7], {"name": "Root"}]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.users");
        let f = fault(
            &store,
            &user(),
            "res.company",
            "write",
            json!([[1], {"name": "Mine"}]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.company");
        let rights = ok(
            &store,
            &user(),
            "res.users",
            "check_access_rights",
            json!(["write", false]),
            json!({}),
        )
        .await;
        assert_eq!(rights, json!(false));
        let f = fault(
            &store,
            &user(),
            "res.users",
            "check_access_rights",
            json!(["create"]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::AccessError, "res.users");
    })
    .await;
}

#[tokio::test]
async fn a_failed_create_in_a_list_leaves_nothing() {
    each_backend(test_registry, async |store, _| {
        let before = count(&store, "res.partner").await;
        let list =
            json!([[{"name": "One"}, {"name": "Two"}, {"name": "Three", "company_type": "robot"}]]);
        let f = fault(&store, &su(), "res.partner", "create", list, json!({})).await;
        assert_fault(&f, FaultKind::ValidationError, "company_type");
        assert_eq!(count(&store, "res.partner").await, before);
        // The same list without the bad value creates all three, in order.
        let list = json!([[{"name": "One"}, {"name": "Two"}, {"name": "Three"}]]);
        let ids = ok(&store, &su(), "res.partner", "create", list, json!({})).await;
        assert_eq!(ids.as_array().unwrap().len(), 3);
        assert_eq!(count(&store, "res.partner").await, before + 3);
    })
    .await;
}

#[tokio::test]
async fn a_search_read_of_every_row_beyond_the_budget_is_refused_clearly() {
    each_backend(test_registry, async |store, _| {
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        for i in 0..10_001 {
            let vals = json!({"name": format!("tag {i}")});
            tx.create("res.partner.category", vals.as_object().unwrap())
                .await
                .unwrap();
        }
        tx.commit_only().await.unwrap();
        let f = fault(
            &store,
            &su(),
            "res.partner.category",
            "search_read",
            json!([[], []]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::UserError, "10000");
        let f = fault(
            &store,
            &su(),
            "res.partner.category",
            "search_read",
            json!([[]]),
            json!({"limit": 1_000_000}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "limit");
        // Paged, the same rows come back.
        let page = ok(
            &store,
            &su(),
            "res.partner.category",
            "search_read",
            json!([[], ["name"], 10_000, 5]),
            json!({}),
        )
        .await;
        assert_eq!(page.as_array().unwrap().len(), 1);
        let ids = ok(
            &store,
            &su(),
            "res.partner.category",
            "search",
            json!([[]]),
            json!({}),
        )
        .await;
        assert_eq!(ids.as_array().unwrap().len(), 10_001);
    })
    .await;
}

#[tokio::test]
async fn an_answer_over_the_byte_budget_is_refused() {
    each_backend(test_registry, async |store, _| {
        let big = "x".repeat(1 << 20);
        for i in 0..40 {
            create(
                &store,
                "res.partner",
                json!({"name": format!("P{i}"), "comment": big}),
            )
            .await;
        }
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search_read",
            json!([[], ["comment"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::UserError, "MiB");
        let few = ok(
            &store,
            &su(),
            "res.partner",
            "search_read",
            json!([[], ["comment"]]),
            json!({"limit": 2}),
        )
        .await;
        assert_eq!(few.as_array().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn deep_or_huge_arguments_are_refused_without_harm() {
    each_backend(test_registry, async |store, _| {
        let mut deep = json!(["name", "=", "x"]);
        for _ in 0..100 {
            deep = json!([deep]);
        }
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([deep]),
            json!({}),
        )
        .await;
        assert_eq!(f.kind, FaultKind::ValueError, "{f:?}");
        let wide: Vec<Value> = (0..2000)
            .flat_map(|_| [json!("|"), json!(["name", "=", "x"])])
            .chain([json!(["name", "=", "y"])])
            .collect();
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([wide]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "domain");
        let ids: Vec<i64> = (1..=20_000).collect();
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "read",
            json!([ids]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "ids");
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([[["name", "=", "a\u{0}b"]]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "NUL");
    })
    .await;
}
