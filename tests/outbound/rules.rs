//! Outbound rules: transition and matching-write triggers, record callback URLs, retries and dead
//! deliveries sent again, rolled-back calls.

use crate::support::ok;
use crate::support::receiver::Receiver;
use crate::{QUIET, WAIT, assert_signed, create, partner, server, update, wait_for_state};
use serde_json::{Value, json};
use weft_store::testing::backends;

#[tokio::test]
async fn a_transition_rule_fires_once_when_a_record_comes_to_match() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let rule = create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Companies", "model": "res.partner",
                   "trigger_domain": "[('company_type', '=', 'company')]",
                   "endpoint_source": "static", "endpoint_url": format!("{}/companies", receiver.url),
                   "auth_header": "Bearer s3cret"}),
        )
        .await;
        assert_eq!(rule["mode"], "transition");
        assert_eq!(
            rule["auth_header"], "Bearer ***",
            "the credential is never shown"
        );
        let secret = rule["secret"].as_str().unwrap().to_string();

        // Created matching: counts (Weft's transition); created not matching: nothing.
        let acme = partner(&server, json!({"name": "ACME", "company_type": "company"})).await;
        let bob = partner(&server, json!({"name": "Bob"})).await;
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].json(), json!({"id": acme}));
        assert_eq!(got[0].path, "/companies");
        assert_eq!(got[0].header("authorization"), "Bearer s3cret");
        assert_eq!(got[0].header("content-type"), "application/json");
        assert_signed(&got[0], &secret);

        // Written into the domain: fires; written again while matching, or elsewhere: nothing.
        update(&server, bob, json!({"company_type": "company"})).await;
        let got = receiver.wait_for(2, WAIT).await;
        assert_eq!(got[1].json(), json!({"id": bob}));
        update(&server, bob, json!({"company_type": "company"})).await;
        update(&server, bob, json!({"phone": "123"})).await;
        // Out and in again: fires again.
        update(&server, acme, json!({"company_type": "person"})).await;
        update(&server, acme, json!({"company_type": "company"})).await;
        let got = receiver.wait_for(3, WAIT).await;
        assert_eq!(got[2].json(), json!({"id": acme}));
        assert_eq!(
            receiver.settle(QUIET).await.len(),
            3,
            "{:?}",
            receiver.received()
        );

        // Every attempt is a `send` log and a delivery with its attempt.
        let (_, logs) = server
            .admin("GET", "/api/v1/logs?log_type=send", None)
            .await;
        assert_eq!(logs["items"].as_array().unwrap().len(), 3, "{logs}");
        assert_eq!(logs["items"][0]["function_name"], "Companies");
        assert_eq!(logs["items"][0]["state"], "done");
        let (_, deliveries) = server
            .admin("GET", "/api/v1/deliveries?state=done", None)
            .await;
        let first = &deliveries["items"][2];
        assert_eq!(first["res_id"], acme);
        assert_eq!(first["source"], format!("rule:{}", rule["id"]));
        let (_, one) = server
            .admin("GET", &format!("/api/v1/deliveries/{}", first["id"]), None)
            .await;
        assert_eq!(one["attempts"][0]["status"], 200, "{one}");
        assert_eq!(one["body"], json!({"id": acme}).to_string());
    }
}

/// A domain on a related record cannot be answered from the written row alone: before and after
/// are then decided by searches, with the same outcome as a domain on the row itself.
#[tokio::test]
async fn a_transition_rule_on_a_related_field_fires_when_the_relation_comes_to_match() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "ACME contacts", "model": "res.partner",
                   "trigger_domain": [["parent_id.name", "=", "ACME"]],
                   "endpoint_source": "static", "endpoint_url": format!("{}/contacts", receiver.url)}),
        )
        .await;
        let acme = partner(&server, json!({"name": "ACME", "company_type": "company"})).await;
        let other = partner(&server, json!({"name": "Other", "company_type": "company"})).await;
        let jane = partner(&server, json!({"name": "Jane", "parent_id": other})).await;
        let joe = partner(&server, json!({"name": "Joe", "parent_id": acme})).await;
        update(&server, jane, json!({"parent_id": acme})).await;
        update(&server, jane, json!({"phone": "123"})).await;
        let got = receiver.settle(QUIET).await;
        let ids: Vec<Value> = got.iter().map(|r| r.json()["id"].clone()).collect();
        assert_eq!(
            ids,
            vec![json!(joe), json!(jane)],
            "{:?}",
            receiver.received()
        );
    }
}

/// Lines written through their order's x2many commands are not the records the write was called
/// on; their before rows still tell whether they came to match.
#[tokio::test]
async fn a_transition_rule_fires_for_lines_written_through_their_order() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Bulk lines", "model": "sale.order.line",
                   "trigger_domain": [["product_uom_qty", ">", 5]],
                   "endpoint_source": "static", "endpoint_url": format!("{}/lines", receiver.url)}),
        )
        .await;
        let acme = partner(&server, json!({"name": "ACME"})).await;
        let desk = server
            .call(
                "/api/create_data",
                "product.product",
                json!({"payload": {"name": "Desk", "default_code": "DESK"}}),
            )
            .await;
        ok(&desk);
        let reply = server
            .call(
                "/api/create_data",
                "sale.order",
                json!({"payload": {"partner_id": {"id": acme}, "order_line": [
                    {"product_id": {"default_code": "DESK"}, "product_uom_qty": 1},
                    {"product_id": {"default_code": "DESK"}, "product_uom_qty": 9}]}}),
            )
            .await;
        let order = ok(&reply)["id"].as_i64().unwrap();
        let reply = server
            .call(
                "/api/search_data",
                "sale.order.line",
                json!({"payload": {"search_field": ["product_uom_qty"],
                                   "search_domain": [["order_id", "=", order]], "order": "id"}}),
            )
            .await;
        let lines = ok(&reply).as_array().unwrap().clone();
        let (small, big) = (lines[0]["id"].clone(), lines[1]["id"].clone());
        // Created matching: the big line fires at once.
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].json(), json!({"id": big}));
        // Both lines written through the order: only the one that comes to match fires.
        let reply = server
            .call(
                "/api/update_data",
                "sale.order",
                json!({"search_key": {"id": order}, "payload": {"order_line": [
                    [1, small, {"product_uom_qty": 6}], [1, big, {"product_uom_qty": 10}]]}}),
            )
            .await;
        ok(&reply);
        let got = receiver.settle(QUIET).await;
        let ids: Vec<Value> = got.iter().map(|r| r.json()["id"].clone()).collect();
        assert_eq!(ids, vec![big, small], "{:?}", receiver.received());
    }
}

#[tokio::test]
async fn a_matching_write_rule_fires_on_every_write_of_a_domain_field() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Legacy", "model": "res.partner", "mode": "matching_write",
                   "trigger_domain": [["company_type", "=", "company"], ["customer_rank", ">", 0]],
                   "endpoint_source": "static", "endpoint_url": receiver.url}),
        )
        .await;
        // ecosoft: never on create; a write naming a domain field that leaves it matching fires,
        // even with the same value; the whole domain must hold (test 07).
        let id = partner(
            &server,
            json!({"name": "A", "company_type": "company", "customer_rank": 1}),
        )
        .await;
        update(&server, id, json!({"company_type": "company"})).await;
        update(&server, id, json!({"company_type": "company"})).await;
        update(&server, id, json!({"phone": "1"})).await;
        update(&server, id, json!({"customer_rank": 0})).await;
        let got = receiver.wait_for(2, WAIT).await;
        assert!(got.iter().all(|r| r.json() == json!({"id": id})));
        assert_eq!(receiver.settle(QUIET).await.len(), 2);
    }
}

#[tokio::test]
async fn a_record_rule_posts_to_the_records_callback_url_or_logs_why_not() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Back to sender", "model": "res.partner",
                   "trigger_domain": [["ref", "!=", false]],
                   "payload_fields": {"code": "{ref}", "data": {"id": "{id}", "kind": "{company_type:label}"}, "app": "Weft"}}),
        )
        .await;
        let with_url = partner(
            &server,
            json!({"name": "A", "ref": "R1", "callback_url": format!("{}/cb/a", receiver.url)}),
        )
        .await;
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].path, "/cb/a");
        assert_eq!(
            got[0].json(),
            json!({"code": "R1", "data": {"id": with_url, "kind": "Individual"}, "app": "Weft"})
        );
        // No URL anywhere: nothing sent, a failed send log says why.
        let without = partner(&server, json!({"name": "B", "ref": "R2"})).await;
        assert_eq!(receiver.settle(QUIET).await.len(), 1);
        let (_, logs) = server
            .admin(
                "GET",
                &format!("/api/v1/logs?log_type=send&state=failed&res_id={without}"),
                None,
            )
            .await;
        let log = &logs["items"][0];
        assert!(
            log["response_preview"]
                .as_str()
                .unwrap()
                .contains("no callback_url"),
            "{logs}"
        );
    }
}

#[tokio::test]
async fn a_failing_receiver_is_retried_and_a_dead_delivery_can_be_sent_again() {
    for backend in backends() {
        let server = server(backend).await;
        // 500 to the first three calls, then 200.
        let flaky = Receiver::scripted(Box::new(|n| {
            if n < 3 {
                (500, "down".into())
            } else {
                (200, "ok".into())
            }
        }))
        .await;
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Flaky", "model": "res.partner", "trigger_domain": [["ref", "=", "F"]],
                   "endpoint_source": "static", "endpoint_url": flaky.url}),
        )
        .await;
        let id = partner(&server, json!({"name": "F", "ref": "F"})).await;
        let got = flaky.wait_for(4, WAIT).await;
        assert!(got.iter().all(|r| r.json() == json!({"id": id})));
        assert!(
            got.windows(2)
                .all(|w| w[0].header("webhook-id") == w[1].header("webhook-id")),
            "one delivery, one id"
        );
        let delivery = wait_for_state(&server, "done").await;
        assert_eq!(delivery["attempt_count"], 4, "{delivery}");

        // A receiver that never answers well: dead after the last retry (1 + max_retries).
        let down = Receiver::scripted(Box::new(|n| {
            if n < 3 {
                (503, "no".into())
            } else {
                (200, "back".into())
            }
        }))
        .await;
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Down", "model": "res.partner", "trigger_domain": [["ref", "=", "D"]],
                   "endpoint_source": "static", "endpoint_url": down.url, "max_retries": 2}),
        )
        .await;
        partner(&server, json!({"name": "D", "ref": "D"})).await;
        down.wait_for(3, WAIT).await;
        let dead = wait_for_state(&server, "dead").await;
        assert_eq!(dead["attempt_count"], 3);
        assert_eq!(dead["last_status"], 503);
        assert_eq!(
            down.settle(QUIET).await.len(),
            3,
            "no attempt after the last retry"
        );
        // Back up: a retry through the API sends it once.
        let (status, _) = server
            .admin(
                "POST",
                &format!("/api/v1/deliveries/{}/retry", dead["id"]),
                None,
            )
            .await;
        assert_eq!(status, 202);
        down.wait_for(4, WAIT).await;
        assert_eq!(down.settle(QUIET).await.len(), 4);
    }
}

#[tokio::test]
async fn a_rolled_back_call_sends_nothing() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "All", "model": "res.partner", "trigger_domain": [],
                   "endpoint_source": "static", "endpoint_url": receiver.url}),
        )
        .await;
        // The partner is created, then its line fails: the whole call rolls back.
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Ghost", "parent_id": {"id": 999999}}}),
            )
            .await;
        assert_eq!(reply["result"]["error"]["code"], "not_found", "{reply}");
        assert!(receiver.settle(QUIET).await.is_empty());
        let (_, all) = server.admin("GET", "/api/v1/deliveries", None).await;
        assert_eq!(all["items"], json!([]));
    }
}
