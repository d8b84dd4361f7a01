//! Inbound hooks against a hostile caller of their URL (DESIGN.md §8, §14 "Hooks"): a payload value
//! is a value, never an Odoo command list or a raw id (x2many commands that rename, delete or link
//! records, a many2one id of another company's record), and a hook acts as its owner, with the
//! owner's companies, never as superuser. Each test sends the attack, asserts the refusal (422
//! naming the action, field and payload path, or 403 for a hook whose owner left) and reads the
//! records back with the admin key (and another company's key) to show nothing changed.

use crate::support::{TestServer, ok};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// Create a hook with the admin key; its reply.
async fn hook(server: &TestServer, body: Value) -> Value {
    let (status, created) = server
        .admin("POST", "/api/v1/inbound-hooks", Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The hook's URL on this server (`WEFT_PUBLIC_URL` is not set, so the reply's is the same).
fn hook_url(server: &TestServer, hook: &Value) -> String {
    let url = hook["url"].as_str().expect("a hook url");
    let (_, secret) = url.rsplit_once("/web/hook/").expect("a hook url");
    format!("{}/web/hook/{secret}", server.url)
}

/// POST `body` to the hook's URL: status and JSON reply.
async fn post(server: &TestServer, hook: &Value, body: &Value) -> (u16, Value) {
    let response = server
        .client
        .post(hook_url(server, hook))
        .json(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The attack is refused with a 422 whose message names each of `names`.
async fn refused(server: &TestServer, hook: &Value, body: Value, names: &[&str]) {
    let (status, reply) = post(server, hook, &body).await;
    assert_eq!(status, 422, "{body} -> {reply}");
    let message = reply["message"].as_str().unwrap_or_default();
    for name in names {
        assert!(
            message.contains(name),
            "{body} -> {message} (expected {name})"
        );
    }
}

/// Records of `model` matching `domain`, read with `key`.
async fn read_as(
    server: &TestServer,
    key: &str,
    model: &str,
    domain: Value,
    fields: Value,
) -> Value {
    let reply = server
        .call_with(
            "/api/search_data",
            model,
            json!({"payload": {"search_domain": domain, "search_field": fields}}),
            &[("x-api-key", key)],
        )
        .await;
    ok(&reply).clone()
}

async fn read(server: &TestServer, model: &str, domain: Value, fields: Value) -> Value {
    read_as(server, crate::support::ADMIN_KEY, model, domain, fields).await
}

/// Create a record with `key`; its id.
async fn create_as(server: &TestServer, key: &str, model: &str, payload: Value) -> i64 {
    let reply = server
        .call_with(
            "/api/create_data",
            model,
            json!({"payload": payload}),
            &[("x-api-key", key)],
        )
        .await;
    ok(&reply)["id"].as_i64().expect("an id")
}

/// A second company, and the key of an integration user of it: the other tenant. The company is
/// made through `/api/v1/companies` where the service has that route, else as data with the
/// admin key (the only way before it).
async fn other_company(server: &TestServer) -> (i64, String) {
    let (status, created) = server
        .admin(
            "POST",
            "/api/v1/companies",
            Some(json!({"name": "Other Co"})),
        )
        .await;
    let company = match status {
        201 => created["id"].as_i64().expect("a company id"),
        404 | 405 => {
            let admin = crate::support::ADMIN_KEY;
            create_as(server, admin, "res.company", json!({"name": "Other Co"})).await
        }
        _ => panic!("POST /api/v1/companies: {status} {created}"),
    };
    let (status, user) = server
        .admin(
            "POST",
            "/api/v1/users",
            Some(json!({"login": "other", "role": "integration", "company_id": company})),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    let (status, key) = server
        .admin(
            "POST",
            "/api/v1/api-keys",
            Some(json!({"user_id": user["id"], "name": "other"})),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    (company, key["key"].as_str().expect("a key").to_string())
}

#[tokio::test]
async fn x2many_commands_and_ids_in_a_payload_value_are_refused_and_names_link() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let admin = crate::support::ADMIN_KEY;
        let vip = create_as(&server, admin, "crm.tag", json!({"name": "VIP"})).await;
        let old = create_as(&server, admin, "crm.tag", json!({"name": "Old"})).await;
        let keep = create_as(&server, admin, "crm.tag", json!({"name": "Keep"})).await;
        let partner = create_as(&server, admin, "res.partner", json!({"name": "ACME"})).await;
        let order = create_as(
            &server,
            admin,
            "sale.order",
            json!({"partner_id": {"id": partner}, "tag_ids": [[6, 0, [old]]]}),
        )
        .await;
        let tagger = hook(
            &server,
            json!({"name": "Tag the order", "model": "sale.order", "target": {"by": "model_id"},
                   "actions": [{"type": "update", "values": {"tag_ids": {"$payload": "tags"}}}]}),
        )
        .await;
        let tags_of_order = || async {
            read(
                &server,
                "sale.order",
                json!([["id", "=", order]]),
                json!(["tag_ids{name}"]),
            )
            .await[0]["tag_ids"]
                .clone()
        };
        let before_order = tags_of_order().await;
        let before_tags = read(&server, "crm.tag", json!([]), json!(["id", "name"])).await;
        assert_eq!(before_tags.as_array().unwrap().len(), 3, "{before_tags}");

        for attack in [
            json!([[2, old]]),                                // delete a tag
            json!([[1, old, {"name": "pwned"}]]),             // rename a tag
            json!([[6, 0, [vip, keep]]]),                     // replace the links by raw ids
            json!([[4, vip]]),                                // link a raw id
            json!([[3, old]]),                                // unlink
            json!([[5]]),                                     // unlink all
            json!([[0, 0, {"name": "Made up"}]]),             // create a tag
            json!([vip, keep]),                               // bare ids
            json!({"mode": "add", "records": [{"id": vip}]}), // a lookup object
            json!("VIP"), // a single name is not a list of names
        ] {
            let body = json!({"_model": "sale.order", "_id": order, "tags": attack});
            refused(&server, &tagger, body, &["actions[0]", "tag_ids", "'tags"]).await;
        }
        assert_eq!(
            tags_of_order().await,
            before_order,
            "the order's tags are unchanged"
        );
        assert_eq!(
            read(&server, "crm.tag", json!([]), json!(["id", "name"])).await,
            before_tags,
            "no tag renamed, deleted or made"
        );

        // A name the comodel does not hold is refused too, naming it; nothing changes.
        let body = json!({"_model": "sale.order", "_id": order, "tags": ["VIP", "Nope"]});
        refused(&server, &tagger, body, &["actions[0]", "tag_ids", "Nope"]).await;
        assert_eq!(tags_of_order().await, before_order);

        // Names are what a payload value holds: they replace the order's tags.
        let body = json!({"_model": "sale.order", "_id": order, "tags": ["VIP", "Keep"]});
        let (status, reply) = post(&server, &tagger, &body).await;
        assert_eq!((status, reply), (200, json!({"status": "ok"})));
        let names: Vec<Value> = tags_of_order()
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(names, [json!("Keep"), json!("VIP")]);
        assert_eq!(
            read(&server, "crm.tag", json!([]), json!(["id", "name"])).await,
            before_tags
        );
    }
}

#[tokio::test]
async fn a_many2one_payload_value_is_a_name_seen_by_the_owner_never_an_id() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let admin = crate::support::ADMIN_KEY;
        let (_, other) = other_company(&server).await;
        let rival = create_as(&server, &other, "res.partner", json!({"name": "Rival"})).await;
        create_as(&server, admin, "res.partner", json!({"name": "ACME"})).await;
        let new_order = hook(
            &server,
            json!({"name": "New order", "model": "sale.order", "target": {"by": "none"},
                   "actions": [{"type": "create",
                                "values": {"partner_id": {"$payload": "customer"},
                                           "note": {"$payload": "note"}}}]}),
        )
        .await;

        for attack in [
            json!(rival),             // another company's partner, by id
            json!(rival.to_string()), // the same id as text: a name, and no partner has it
            json!("Rival"),           // its name: invisible to the hook's owner
            json!({"id": rival}),     // a lookup object
            json!({"name": "Rival"}),
            json!([rival]),
            json!([[4, rival]]),
            json!(true),
        ] {
            let body = json!({"customer": attack, "note": "pwned"});
            refused(
                &server,
                &new_order,
                body,
                &["actions[0]", "partner_id", "'customer"],
            )
            .await;
        }
        // A query string's values are text: `customer=<id>` is a name too, never the id.
        let response = server
            .client
            .get(format!(
                "{}?customer={rival}&note=pwned",
                hook_url(&server, &new_order)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        let orders = read(&server, "sale.order", json!([]), json!(["id"])).await;
        assert_eq!(orders, json!([]), "no order was made");
        let theirs = read_as(&server, &other, "sale.order", json!([]), json!(["id"])).await;
        assert_eq!(theirs, json!([]), "nor in the other company");

        // A name the owner sees: the order is made, for that partner.
        let body = json!({"customer": "ACME", "note": "fine"});
        let (status, reply) = post(&server, &new_order, &body).await;
        assert_eq!((status, reply), (200, json!({"status": "ok"})));
        let orders = read(
            &server,
            "sale.order",
            json!([]),
            json!(["partner_id{name}", "note"]),
        )
        .await;
        assert_eq!(orders[0]["partner_id"][0]["name"], "ACME", "{orders}");
        assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");

        // Where the hook's author wrote the lookup field, the payload fills its value: still a
        // single value, looked up in the owner's companies.
        let by_ref = hook(
            &server,
            json!({"name": "Order by customer ref", "model": "sale.order", "target": {"by": "none"},
                   "actions": [{"type": "create",
                                "values": {"partner_id": {"name": {"$payload": "customer.name"}}}}]}),
        )
        .await;
        refused(
            &server,
            &by_ref,
            json!({"customer": {"name": "Rival"}}),
            &["partner_id", "Rival"],
        )
        .await;
        refused(
            &server,
            &by_ref,
            json!({"customer": {"name": ["ACME", "Rival"]}}),
            &["partner_id.name", "'customer.name"],
        )
        .await;
        let orders = read(&server, "sale.order", json!([]), json!(["id"])).await;
        assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");
    }
}

#[tokio::test]
async fn a_hook_acts_as_its_owner_and_reaches_no_other_company() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let admin = crate::support::ADMIN_KEY;
        let (_, other) = other_company(&server).await;
        let rival = create_as(&server, &other, "res.partner", json!({"name": "Rival"})).await;
        let theirs = create_as(
            &server,
            &other,
            "sale.order",
            json!({"partner_id": {"id": rival}}),
        )
        .await;
        let partner = create_as(&server, admin, "res.partner", json!({"name": "ACME"})).await;
        let ours = create_as(
            &server,
            admin,
            "sale.order",
            json!({"partner_id": {"id": partner}}),
        )
        .await;
        let (status, clerk) = server
            .admin(
                "POST",
                "/api/v1/users",
                Some(json!({"login": "clerk", "role": "integration"})),
            )
            .await;
        assert_eq!(status, 201, "{clerk}");
        let clerk = clerk["id"].as_i64().unwrap();

        // The owner must be an active user.
        let definition = json!({"name": "Note", "model": "sale.order", "target": {"by": "model_id"},
                                "actions": [{"type": "update", "values": {"note": {"$payload": "note"}}}]});
        let mut bad = definition.clone();
        bad["owner_id"] = json!(999_999);
        let (status, reply) = server
            .admin("POST", "/api/v1/inbound-hooks", Some(bad))
            .await;
        assert_eq!(status, 422, "{reply}");
        assert!(reply.to_string().contains("owner_id"), "{reply}");
        let mut owned = definition.clone();
        owned["owner_id"] = json!(clerk);
        let note = hook(&server, owned).await;
        assert_eq!(note["owner_id"], json!(clerk), "{note}");

        // The other company's order is out of the owner's reach: refused, and unchanged.
        let body = json!({"_model": "sale.order", "_id": theirs, "note": "pwned"});
        refused(&server, &note, body, &["actions[0]"]).await;
        let seen = read_as(
            &server,
            &other,
            "sale.order",
            json!([["id", "=", theirs]]),
            json!(["note"]),
        )
        .await;
        assert_eq!(seen[0]["note"], json!(false), "{seen}");
        // A search target sees only the owner's companies too.
        let by_name = hook(
            &server,
            json!({"name": "Note by name", "model": "sale.order", "owner_id": clerk,
                   "target": {"by": "search", "key": {"partner_id": {"$payload": "customer"}}},
                   "actions": [{"type": "update", "values": {"note": {"$payload": "note"}}}]}),
        )
        .await;
        for customer in [json!("Rival"), json!(rival)] {
            let body = json!({"customer": customer, "note": "pwned"});
            refused(&server, &by_name, body, &["target.key"]).await;
        }
        let seen = read_as(
            &server,
            &other,
            "sale.order",
            json!([["id", "=", theirs]]),
            json!(["note"]),
        )
        .await;
        assert_eq!(seen[0]["note"], json!(false), "{seen}");

        // Its own company's order: the hook works, as the owner (who is stamped on the change).
        let body = json!({"_model": "sale.order", "_id": ours, "note": "ok"});
        let (status, reply) = post(&server, &note, &body).await;
        assert_eq!((status, reply), (200, json!({"status": "ok"})));
        let (status, reply) = post(
            &server,
            &by_name,
            &json!({"customer": "ACME", "note": "by name"}),
        )
        .await;
        assert_eq!((status, reply), (200, json!({"status": "ok"})));
        let seen = read(
            &server,
            "sale.order",
            json!([["id", "=", ours]]),
            json!(["note", "write_uid"]),
        )
        .await;
        assert_eq!(seen[0]["note"], "by name", "{seen}");
        assert_eq!(
            seen[0]["write_uid"][0],
            json!(clerk),
            "written as the owner: {seen}"
        );

        // The owner deactivated (through `/api/v1/users/{id}` where the service has that route,
        // else as data with the admin key): the hook answers 403 and does nothing.
        let user = format!("/api/v1/users/{clerk}");
        let off = json!({"active": false});
        let (status, reply) = server.admin("PATCH", &user, Some(off.clone())).await;
        match status {
            200 => {}
            404 | 405 => {
                let vals = json!({"search_key": {"id": clerk}, "payload": off});
                ok(&server.call("/api/update_data", "res.users", vals).await);
            }
            _ => panic!("PATCH {user}: {status} {reply}"),
        }
        let body = json!({"_model": "sale.order", "_id": ours, "note": "after"});
        let (status, reply) = post(&server, &note, &body).await;
        assert_eq!(status, 403, "{reply}");
        assert!(
            reply["message"].as_str().unwrap().contains("owner"),
            "{reply}"
        );
        let seen = read(
            &server,
            "sale.order",
            json!([["id", "=", ours]]),
            json!(["note"]),
        )
        .await;
        assert_eq!(seen[0]["note"], "by name", "{seen}");
        // And it cannot be handed to an inactive user; an admin can switch it off all the same.
        let id = note["id"].as_i64().unwrap();
        let path = format!("/api/v1/inbound-hooks/{id}");
        let (status, reply) = server
            .admin("PATCH", &path, Some(json!({"owner_id": clerk})))
            .await;
        assert_eq!(status, 422, "{reply}");
        let (status, reply) = server
            .admin("PATCH", &path, Some(json!({"active": false})))
            .await;
        assert_eq!(status, 200, "{reply}");
    }
}
