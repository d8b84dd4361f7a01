//! Inbound hooks over real HTTP (DESIGN.md §8, seed 004), on SQLite and PostgreSQL: the two use
//! cases of the Odoo Studio documentation as written, a hook's change firing an outbound rule to a
//! real receiver, and the calls that must change nothing: a refused payload, a failed later
//! action, an unknown or rotated secret, and bad, stale or replayed signatures.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::receiver::Receiver;
use support::{TestServer, ok};
use weft_store::testing::{Backend, backends};
use weft_webhook::signing::{self, Secret};

async fn server(backend: Backend) -> TestServer {
    TestServer::start_with(backend, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")]).await
}

/// Create a hook; its reply (with `url` and `signing_secret`).
async fn hook(server: &TestServer, body: Value) -> Value {
    let (status, created) = server
        .admin("POST", "/api/v1/inbound-hooks", Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The hook URL's path (the reply's `url` is this server's: `WEFT_PUBLIC_URL` is not set).
fn path(hook: &Value) -> String {
    let url = hook["url"].as_str().expect("a url");
    let (base, secret) = url.rsplit_once("/web/hook/").expect("a hook url");
    assert!(!base.ends_with(":0"), "the bound port, not 0: {url}");
    format!("/web/hook/{secret}")
}

/// POST `body` to a hook path with `headers`: status and JSON reply.
async fn post(
    server: &TestServer,
    path: &str,
    body: &str,
    headers: &[(&str, String)],
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        request = request.header(*k, v);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// POST `body` to a hook path: a 422 whose message holds `says`; the message.
async fn refused(server: &TestServer, path: &str, body: Value, says: &str) -> String {
    let (status, reply) = post(server, path, &body.to_string(), &[]).await;
    assert_eq!(status, 422, "{reply}");
    let message = reply["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains(says), "{reply}");
    message
}

async fn read(server: &TestServer, model: &str, domain: Value, fields: Value) -> Value {
    let reply = server
        .call(
            "/api/search_data",
            model,
            json!({"payload": {"search_domain": domain, "search_field": fields}}),
        )
        .await;
    ok(&reply).clone()
}

#[tokio::test]
async fn the_sales_order_currency_is_set_to_usd_by_model_and_id() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let (status, _) = server
            .admin(
                "POST",
                "/api/v1/outbound-rules",
                Some(json!({"name": "USD orders", "model": "sale.order",
                            "trigger_domain": [["currency_id.name", "=", "USD"]],
                            "endpoint_source": "static",
                            "endpoint_url": format!("{}/usd", receiver.url)})),
            )
            .await;
        assert_eq!(status, 201);
        let currency = hook(
            &server,
            json!({"name": "SO currency to USD", "model": "sale.order", "target": {"by": "model_id"},
                   "actions": [{"type": "update", "values": {"currency_id": {"name": "USD"}}}]}),
        )
        .await;
        let partner = ok(&server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "ACME"}}),
            )
            .await)["id"]
            .clone();
        let order = ok(&server
            .call(
                "/api/create_data",
                "sale.order",
                json!({"payload": {"partner_id": {"id": partner}, "currency_id": {"name": "EUR"}}}),
            )
            .await)["id"]
            .as_i64()
            .unwrap();

        // As Odoo sends it: `_model` and `_id`, the id as a string.
        let body = json!({"_model": "sale.order", "_id": order.to_string()}).to_string();
        let (status, reply) = post(&server, &path(&currency), &body, &[]).await;
        assert_eq!((status, reply), (200, json!({"status": "ok"})));
        let orders = read(
            &server,
            "sale.order",
            json!([["id", "=", order]]),
            json!(["currency_id{name}"]),
        )
        .await;
        assert_eq!(orders[0]["currency_id"][0]["name"], "USD", "{orders}");
        // The hook's change fired the outbound rule like any other change.
        let got = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(got[0].json(), json!({"id": order}));

        // The wrong model, or no such record: 422, naming the problem.
        let wrong = json!({"_model": "res.partner", "_id": order});
        refused(&server, &path(&currency), wrong, "_model").await;
        let missing = json!({"_model": "sale.order", "_id": 999999});
        refused(&server, &path(&currency), missing, "999999").await;
        // Not JSON at all: 400.
        let (status, _) = post(&server, &path(&currency), "{not json", &[]).await;
        assert_eq!(status, 400);
    }
}

#[tokio::test]
async fn a_contact_is_created_from_name_email_and_phone_or_refused_naming_what_is_missing() {
    for backend in backends() {
        let server = server(backend).await;
        let contact = hook(
            &server,
            json!({"name": "New contact", "model": "res.partner", "target": {"by": "none"},
                   "log_calls": true,
                   "actions": [{"type": "create", "required": ["name", "email"],
                                "values": {"name": {"$payload": "name"}, "email": {"$payload": "email"},
                                           "phone": {"$payload": "phone"}, "company_type": "person",
                                           "customer_rank": 1}}]}),
        )
        .await;
        let body = json!({"name": "Jane Doe", "email": "jane@example.com", "phone": "+1 555 0100"});
        let (status, reply) = post(&server, &path(&contact), &body.to_string(), &[]).await;
        assert_eq!((status, reply), (200, json!({"status": "ok"})));
        let found = read(
            &server,
            "res.partner",
            json!([["email", "=", "jane@example.com"]]),
            json!(["name", "phone", "company_type", "customer_rank"]),
        )
        .await;
        assert_eq!(found[0]["name"], "Jane Doe");
        assert_eq!(found[0]["phone"], "+1 555 0100");
        assert_eq!(found[0]["company_type"], "person");
        assert_eq!(found[0]["customer_rank"], 1);

        // Without a phone: created all the same (the phone is left empty).
        let body = json!({"name": "Joe", "email": "joe@example.com"});
        let (status, _) = post(&server, &path(&contact), &body.to_string(), &[]).await;
        assert_eq!(status, 200);

        // Without email, or without both: 422 naming each missing value; nothing created.
        for (body, names) in [
            (json!({"name": "No Mail"}), vec!["email"]),
            (json!({"phone": "1"}), vec!["name", "email"]),
        ] {
            let message = refused(&server, &path(&contact), body, "which this hook requires").await;
            for name in names {
                assert!(message.contains(name), "{message}");
            }
        }
        let all = read(&server, "res.partner", json!([]), json!(["name"])).await;
        assert_eq!(all.as_array().unwrap().len(), 2, "{all}");

        // A query string works too (a GET), each value a string converted by field type.
        let response = reqwest::get(format!(
            "{}{}?name=Ann%20Lee&email=ann%40example.com",
            server.url,
            path(&contact)
        ))
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        let ann = read(
            &server,
            "res.partner",
            json!([["email", "=", "ann@example.com"]]),
            json!(["name"]),
        )
        .await;
        assert_eq!(ann[0]["name"], "Ann Lee");

        // `log_calls`: a `receive` log per call, under the route, never the secret.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let hooked = |logs: &Value| -> Vec<Value> {
            let items = logs["items"].as_array().cloned().unwrap_or_default();
            items
                .into_iter()
                .filter(|l| l["function_name"] == "New contact")
                .collect()
        };
        let items = loop {
            let (_, logs) = server
                .admin("GET", "/api/v1/logs?log_type=receive", None)
                .await;
            let items = hooked(&logs);
            if items.len() >= 5 || std::time::Instant::now() > deadline {
                break items;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let logs = Value::from(items.clone());
        assert_eq!(items.len(), 5, "{logs}");
        assert_eq!(
            items[0]["request_preview"],
            json!({"email": "ann@example.com", "name": "Ann Lee"}).to_string(),
            "a GET logs the query it was given"
        );
        assert!(
            items.iter().all(|l| l["route"] == "/web/hook/{secret}"),
            "{logs}"
        );
        assert_eq!(
            items.iter().filter(|l| l["state"] == "done").count(),
            3,
            "{logs}"
        );
        let secret = path(&contact).rsplit('/').next().unwrap().to_string();
        assert!(
            !logs.to_string().contains(&secret),
            "the secret is never logged"
        );
    }
}

#[tokio::test]
async fn a_failed_action_rolls_back_the_ones_before_it() {
    for backend in backends() {
        let server = server(backend).await;
        let two = hook(
            &server,
            json!({"name": "Two steps", "model": "res.partner", "target": {"by": "none"},
                   "actions": [{"type": "create", "values": {"name": {"$payload": "name"}}},
                               {"type": "create", "values": {"name": {"$payload": "name"},
                                                             "parent_id": {"ref": {"$payload": "parent"}}}}]}),
        )
        .await;
        let body = json!({"name": "Orphan", "parent": "NO-SUCH-REF"});
        let message = refused(&server, &path(&two), body, "parent_id").await;
        assert!(message.starts_with("actions[1]"), "{message}");
        assert!(message.contains("parent_id"), "{message}");
        let all = read(&server, "res.partner", json!([]), json!(["name"])).await;
        assert_eq!(all, json!([]), "the first action's record was rolled back");
    }
}

#[tokio::test]
async fn unknown_rotated_unsigned_stale_and_replayed_calls_change_nothing() {
    for backend in backends() {
        let server = server(backend).await;
        let signed = hook(
            &server,
            json!({"name": "Signed", "model": "res.partner", "target": {"by": "none"},
                   "require_signature": true,
                   "actions": [{"type": "create", "values": {"name": {"$payload": "name"}}}]}),
        )
        .await;
        let secret = Secret::parse(signed["signing_secret"].as_str().unwrap()).unwrap();
        let sign = |id: &str, at: i64, body: &str| -> Vec<(&'static str, String)> {
            signing::headers(&[&secret], id, at, body.as_bytes()).to_vec()
        };
        let now = chrono::Utc::now().timestamp();
        let body = json!({"name": "Signed Sam"}).to_string();
        let hook_path = path(&signed);

        // Unknown secret: 404, as Odoo answers.
        let (status, reply) = post(
            &server,
            "/web/hook/unknown",
            &body,
            &sign("msg_1", now, &body),
        )
        .await;
        assert_eq!((status, reply), (404, json!({"status": "error"})));
        // No signature, a wrong one, a stale one: 401.
        let (status, _) = post(&server, &hook_path, &body, &[]).await;
        assert_eq!(status, 401);
        let other = json!({"name": "Someone else"}).to_string();
        let (status, _) = post(&server, &hook_path, &body, &sign("msg_2", now, &other)).await;
        assert_eq!(status, 401, "a signature of another body");
        let stale = now - 16 * 60;
        let (status, reply) = post(&server, &hook_path, &body, &sign("msg_3", stale, &body)).await;
        assert_eq!(status, 401, "{reply}");
        assert!(
            reply["message"].as_str().unwrap().contains("15 minutes"),
            "{reply}"
        );

        // Signed and fresh: accepted once; the same webhook-id again is a replay.
        let headers = sign("msg_4", now, &body);
        let (status, _) = post(&server, &hook_path, &body, &headers).await;
        assert_eq!(status, 200);
        let (status, reply) = post(&server, &hook_path, &body, &headers).await;
        assert_eq!(status, 401, "{reply}");
        assert!(
            reply["message"].as_str().unwrap().contains("replayed"),
            "{reply}"
        );

        // A query string is not signed: a signed hook refuses it, and an unsigned body of any kind.
        let response = reqwest::Client::new()
            .get(format!("{}{hook_path}?name=Sneaky", server.url))
            .headers(
                sign("msg_7", now, "")
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
                    .collect(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let (status, _) = post(&server, &hook_path, "not json", &[]).await;
        assert_eq!(status, 401);
        // Listed and read back: the URL, never the signing secret.
        let (status, list) = server.admin("GET", "/api/v1/inbound-hooks", None).await;
        assert_eq!(status, 200);
        assert_eq!(list["items"][0]["url"], signed["url"], "{list}");
        assert!(list["items"][0].get("signing_secret").is_none(), "{list}");
        let (status, one) = server
            .admin(
                "GET",
                &format!("/api/v1/inbound-hooks/{}", signed["id"]),
                None,
            )
            .await;
        assert_eq!((status, &one["name"]), (200, &json!("Signed")));
        assert!(one.get("signing_secret").is_none(), "{one}");
        // The signing secret can be read again by an admin.
        let id = signed["id"].as_i64().unwrap();
        let (status, again) = server
            .admin(
                "GET",
                &format!("/api/v1/inbound-hooks/{id}/signing-secret"),
                None,
            )
            .await;
        assert_eq!(
            (status, &again["signing_secret"]),
            (200, &signed["signing_secret"])
        );

        // Rotated: the old URL is gone at once, the new one works.
        let (status, rotated) = server
            .admin("POST", &format!("/api/v1/inbound-hooks/{id}/rotate"), None)
            .await;
        assert_eq!(status, 200, "{rotated}");
        assert_ne!(rotated["url"], signed["url"]);
        let (status, _) = post(&server, &hook_path, &body, &sign("msg_5", now, &body)).await;
        assert_eq!(status, 404);
        let (status, _) = post(&server, &path(&rotated), &body, &sign("msg_6", now, &body)).await;
        assert_eq!(status, 200);
        // Switched off: 404, as for an unknown secret.
        let (status, _) = server
            .admin(
                "PATCH",
                &format!("/api/v1/inbound-hooks/{id}"),
                Some(json!({"active": false})),
            )
            .await;
        assert_eq!(status, 200);
        let (status, reply) =
            post(&server, &path(&rotated), &body, &sign("msg_8", now, &body)).await;
        assert_eq!((status, reply), (404, json!({"status": "error"})));

        // Only the two accepted calls created anything.
        let all = read(&server, "res.partner", json!([]), json!(["name"])).await;
        assert_eq!(all.as_array().unwrap().len(), 2, "{all}");

        // A bad definition is refused when saved, naming where it is wrong.
        let (status, reply) = server
            .admin(
                "POST",
                "/api/v1/inbound-hooks",
                Some(
                    json!({"name": "Bad", "model": "res.partner", "target": {"by": "none"},
                            "actions": [{"type": "update", "values": {"name": "x"}}]}),
                ),
            )
            .await;
        assert_eq!(status, 422, "{reply}");
        assert!(reply.to_string().contains("actions[0].type"), "{reply}");
    }
}

#[tokio::test]
async fn a_search_target_and_a_call_action_confirm_the_customers_order() {
    for backend in backends() {
        let server = server(backend).await;
        let confirm = hook(
            &server,
            json!({"name": "Confirm", "model": "sale.order",
                   "target": {"by": "search", "key": {"name": {"$payload": "order.ref"}}},
                   "actions": [{"type": "update", "values": {"note": {"$payload": "order.note"}}},
                               {"type": "call", "method": "action_confirm"}]}),
        )
        .await;
        let partner = ok(&server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "ACME"}}),
            )
            .await)["id"]
            .clone();
        for reference in ["PO-1", "PO-2"] {
            let reply = server
                .call(
                    "/api/create_data",
                    "sale.order",
                    json!({"payload": {"partner_id": {"id": partner}, "name": reference}}),
                )
                .await;
            ok(&reply);
        }
        let body = json!({"order": {"ref": "PO-2", "note": "ship fast"}}).to_string();
        let (status, reply) = post(&server, &path(&confirm), &body, &[]).await;
        assert_eq!((status, reply), (200, json!({"status": "ok"})));
        let orders = read(
            &server,
            "sale.order",
            json!([]),
            json!(["name", "state", "note"]),
        )
        .await;
        let by_ref = |r: &str| {
            orders
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["name"] == r)
                .cloned()
                .unwrap()
        };
        assert_eq!(by_ref("PO-2")["state"], "sale", "{orders}");
        assert_eq!(by_ref("PO-2")["note"], "ship fast", "{orders}");
        assert_eq!(by_ref("PO-1")["state"], "draft", "{orders}");

        // Confirmed already: the method's `require` refuses, and the note written before it in
        // the same call is rolled back.
        let again = json!({"order": {"ref": "PO-2", "note": "again"}});
        let message = refused(&server, &path(&confirm), again, "action_confirm").await;
        assert!(message.starts_with("actions[1]"), "{message}");
        let orders = read(
            &server,
            "sale.order",
            json!([["name", "=", "PO-2"]]),
            json!(["note"]),
        )
        .await;
        assert_eq!(orders[0]["note"], "ship fast");
        // No such order, no value to search with, or more than one order: 422, nothing changed.
        for (body, says) in [
            (json!({"order": {"ref": "PO-9"}}), "no sale.order matches"),
            (json!({"order": {"note": "x"}}), "target.key.name"),
            (json!({"order": {"ref": null}}), "target.key.name"),
        ] {
            refused(&server, &path(&confirm), body, says).await;
        }
        let by_partner = hook(
            &server,
            json!({"name": "By partner", "model": "sale.order",
                   "target": {"by": "search", "key": {"partner_id": {"$payload": "partner"}}},
                   "actions": [{"type": "update", "values": {"note": "bulk"}}]}),
        )
        .await;
        // A payload value compared with a relation is a name, never an id.
        let body = json!({"partner": "ACME"});
        refused(&server, &path(&by_partner), body, "2 records").await;
        let body = json!({"partner": partner});
        refused(&server, &path(&by_partner), body, "no sale.order matches").await;
        let notes = read(
            &server,
            "sale.order",
            json!([["note", "=", "bulk"]]),
            json!(["id"]),
        )
        .await;
        assert_eq!(notes, json!([]));
    }
}

#[tokio::test]
async fn a_get_takes_the_query_string_with_values_converted_by_field_type() {
    for backend in backends() {
        let server = server(backend).await;
        let ranked = hook(
            &server,
            json!({"name": "Ranked", "model": "res.partner", "target": {"by": "none"},
                   "actions": [{"type": "create",
                                "values": {"name": {"$payload": "name"}, "customer_rank": {"$payload": "rank"},
                                           "active": {"$payload": "active"}}}]}),
        )
        .await;
        let response = reqwest::get(format!(
            "{}{}?name=Query+Partner&rank=3&active=1",
            server.url,
            path(&ranked)
        ))
        .await
        .unwrap();
        let status = response.status().as_u16();
        assert_eq!(status, 200, "{}", response.text().await.unwrap());
        let found = read(
            &server,
            "res.partner",
            json!([["name", "=", "Query Partner"]]),
            json!(["customer_rank", "active"]),
        )
        .await;
        assert_eq!(found[0]["customer_rank"], 3, "{found}");
        assert_eq!(found[0]["active"], true, "{found}");
        let response = reqwest::get(format!(
            "{}{}?name=Bad&rank=three",
            server.url,
            path(&ranked)
        ))
        .await
        .unwrap();
        assert_eq!(response.status(), 422);
        let reply: Value = response.json().await.unwrap();
        assert!(
            reply["message"].as_str().unwrap().contains("customer_rank"),
            "{reply}"
        );
    }
}
