//! Every argument by name, as JSON-2 sends them (`ids`, `vals_list`, `vals`, `domain`, ...).

use super::*;
use crate::common::{read, test_registry};
use weft_store::testing::each_backend;

#[tokio::test]
async fn methods_take_all_their_arguments_by_name() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let ids = ok(&store, &env, "res.partner", "create", json!([]), json!({"vals_list": [{"name": "ACME"}, {"name": "Bolt"}]})).await;
        let (acme, bolt) = (ids[0].as_i64().unwrap(), ids[1].as_i64().unwrap());
        let rows = ok(&store, &env, "res.partner", "read", json!([]), json!({"ids": [bolt], "fields": ["name"]})).await;
        assert_eq!(rows, json!([{"id": bolt, "name": "Bolt"}]));
        ok(&store, &env, "res.partner", "write", json!([]), json!({"ids": [acme], "vals": {"email": "a@b.c"}})).await;
        assert_eq!(read(&store, "res.partner", acme).await["email"], json!("a@b.c"));
        let found = ok(&store, &env, "res.partner", "name_search", json!([]), json!({"name": "o", "domain": [["id", "=", bolt]], "limit": 5})).await;
        assert_eq!(found, json!([[bolt, "Bolt"]]));
        let found = ok(&store, &env, "res.partner", "search_read", json!([]), json!({"domain": [["name", "=", "ACME"]], "fields": ["email"], "context": {"lang": "en_US"}})).await;
        assert_eq!(found, json!([{"id": acme, "email": "a@b.c"}]));
        let order = ok(&store, &env, "sale.order", "create", json!([]), json!({"vals_list": {"partner_id": acme}})).await;
        let confirmed = ok(&store, &env, "sale.order", "action_confirm", json!([]), json!({"ids": [order]})).await;
        assert_eq!(confirmed, json!(true));
        let f = fault(&store, &env, "res.partner", "read", json!([[acme]]), json!({"ids": [acme]})).await;
        assert_fault(&f, FaultKind::TypeError, "multiple values for argument 'ids'");
        ok(&store, &env, "res.partner", "unlink", json!([]), json!({"ids": [bolt]})).await;
        let left = ok(&store, &env, "res.partner", "search_count", json!([]), json!({"domain": []})).await;
        assert_eq!(left, json!(1));
    })
    .await;
}
