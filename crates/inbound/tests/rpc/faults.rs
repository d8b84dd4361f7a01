//! Odoo's `call_kw` rules and the faults each mistake is reported as.

use super::*;
use crate::common::{count, test_registry};
use weft_store::testing::each_backend;

#[tokio::test]
async fn unknown_models_methods_and_arguments_are_python_errors() {
    each_backend(test_registry, async |store, _| {
        let f = fault(&store, &su(), "no.model", "search", json!([[]]), json!({})).await;
        assert_eq!(
            (f.kind, f.message.as_str()),
            (FaultKind::UserError, "Object no.model doesn't exist")
        );
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "frobnicate",
            json!([]),
            json!({}),
        )
        .await;
        assert_eq!(
            (f.kind, f.message.as_str()),
            (
                FaultKind::AttributeError,
                "The method 'frobnicate' does not exist on the model 'res.partner'"
            )
        );
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([[]]),
            json!({"limt": 1}),
        )
        .await;
        assert_eq!(
            (f.kind, f.message.as_str()),
            (
                FaultKind::TypeError,
                "search() got an unexpected keyword argument 'limt'"
            )
        );
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([[], 0, 1, "name", false, 9]),
            json!({}),
        )
        .await;
        assert_fault(
            &f,
            FaultKind::TypeError,
            "positional arguments but 7 were given",
        );
        let f = fault(&store, &su(), "res.partner", "write", json!([]), json!({})).await;
        assert_fault(&f, FaultKind::TypeError, "'ids'");
        let f = fault(&store, &su(), "res.partner", "create", json!([]), json!({})).await;
        assert_fault(&f, FaultKind::TypeError, "'vals_list'");
        // The same method on a model without it (declared on sale.order only).
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "action_confirm",
            json!([[1]]),
            json!({}),
        )
        .await;
        assert_eq!(f.kind, FaultKind::AttributeError);
    })
    .await;
}

#[tokio::test]
async fn bad_values_name_the_argument_or_the_field() {
    each_backend(test_registry, async |store, _| {
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([[["nope", "=", 1]]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "nope");
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([[]]),
            json!({"order": "name; drop table"}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "order");
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "search",
            json!([[]]),
            json!({"limit": "ten"}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "limit");
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "read",
            json!([[1], ["nope"]]),
            json!({}),
        )
        .await;
        assert_fault(
            &f,
            FaultKind::ValueError,
            "Invalid field 'nope' on model 'res.partner'",
        );
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "create",
            json!([{"nope": 1, "name": "x"}]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "nope");
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "create",
            json!([{"email": "x@y"}]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValidationError, "name");
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "create",
            json!([{"partner_id": 999_999}]),
            json!({}),
        )
        .await;
        assert!(
            matches!(f.kind, FaultKind::ValidationError | FaultKind::MissingError),
            "{f:?}"
        );
        assert!(f.message.contains("partner_id"), "{f:?}");
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "write",
            json!([[999_999], {"name": "x"}]),
            json!({}),
        )
        .await;
        assert_fault(
            &f,
            FaultKind::MissingError,
            "Record does not exist or has been deleted.",
        );
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "unlink",
            json!([["one"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "ids");
        let f = fault(
            &store,
            &su(),
            "res.partner",
            "check_access_rights",
            json!(["steal"]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "operation");
        assert_eq!(count(&store, "res.partner").await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_declared_method_checks_its_requirement_and_rolls_back() {
    each_backend(test_registry, async |store, _| {
        let partner = crate::common::create(&store, "res.partner", json!({"name": "ACME"})).await;
        let order = crate::common::create(
            &store,
            "sale.order",
            json!({"partner_id": partner, "state": "done"}),
        )
        .await;
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "action_confirm",
            json!([[order]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValidationError, "requirement");
        assert_eq!(
            crate::common::read(&store, "sale.order", order).await["state"],
            json!("done")
        );
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "action_confirm",
            json!([[999]]),
            json!({}),
        )
        .await;
        assert_eq!(f.kind, FaultKind::MissingError, "{f:?}");
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "action_confirm",
            json!([[order], "extra"]),
            json!({}),
        )
        .await;
        assert_eq!(f.kind, FaultKind::TypeError, "{f:?}");
        // The declared unlink keeps its requirement: a locked order stays.
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "unlink",
            json!([[order]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValidationError, "requirement");
        assert_eq!(count(&store, "sale.order").await, 1);
    })
    .await;
}
