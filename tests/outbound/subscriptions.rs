//! Webhook subscriptions: creates, writes and deletes as JSON or XML; rotated secrets and 410.

use crate::support::receiver::{Received, Receiver};
use crate::support::{TestServer, ok};
use crate::{QUIET, WAIT, assert_signed, create, partner, server, wait_for_state};
use serde_json::json;
use weft_store::testing::backends;
use weft_webhook::signing::{self, Secret};

async fn order(server: &TestServer, partner: i64) -> i64 {
    let reply = server
        .call(
            "/api/create_data",
            "sale.order",
            json!({"payload": {"partner_id": {"id": partner}}}),
        )
        .await;
    ok(&reply)["id"].as_i64().expect("an id")
}

async fn method(server: &TestServer, id: i64, name: &str) {
    let reply = server
        .call(
            "/api/call_function",
            "sale.order",
            json!({"search_key": {"id": id}, "payload": {"method": name}}),
        )
        .await;
    ok(&reply);
}

fn at<'a>(received: &'a [Received], path: &str) -> Vec<&'a Received> {
    received.iter().filter(|r| r.path == path).collect()
}

#[tokio::test]
async fn subscriptions_tell_of_creates_writes_and_deletes_as_json_or_xml() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let on_create = create(
            &server,
            "/api/v1/subscriptions",
            json!({"name": "New orders", "model": "sale.order", "kind": "on_create",
                   "address": format!("{}/create", receiver.url), "language": "fr_FR",
                   "fields": ["name", "state", "partner_id"]}),
        )
        .await;
        create(
            &server,
            "/api/v1/subscriptions",
            json!({"name": "Confirmed", "model": "sale.order", "kind": "on_write", "format": "xml",
                   "address": format!("{}/write", receiver.url), "fields": "['state']",
                   "condition": "[('state', '=', 'sale')]"}),
        )
        .await;
        create(
            &server,
            "/api/v1/subscriptions",
            json!({"name": "Cancelled and gone", "model": "sale.order", "kind": "on_unlink",
                   "address": format!("{}/unlink", receiver.url), "condition": [["state", "=", "cancel"]]}),
        )
        .await;
        let acme = partner(&server, json!({"name": "ACME"})).await;
        let first = order(&server, acme).await;
        let got = receiver.wait_for(1, WAIT).await;
        let body = got[0].json();
        assert_eq!(got[0].path, "/create");
        assert_eq!(
            body["id"],
            got[0].header("webhook-id"),
            "the body carries the webhook-id"
        );
        assert_eq!(body["type"], "sale.order.on_create");
        assert_eq!(body["event"], "on_create");
        assert_eq!(body["res_id"], first);
        assert_eq!(body["language"], "fr_FR");
        assert_eq!(
            body["webhook"],
            json!({"id": on_create["id"], "name": "New orders"})
        );
        assert_eq!(
            body["data"],
            json!({"id": first, "name": "SO00001", "state": "draft", "partner_id": [acme, "ACME"]})
        );
        assert_eq!(body["labels"], json!({"state": "Devis"}));
        assert_signed(&got[0], on_create["secret"].as_str().unwrap());

        // A write of a field outside `fields`: nothing; confirming (state -> sale): XML.
        let reply = server
            .call(
                "/api/update_data",
                "sale.order",
                json!({"search_key": {"id": first}, "payload": {"note": "rush"}}),
            )
            .await;
        ok(&reply);
        method(&server, first, "action_confirm").await;
        let got = receiver.wait_for(2, WAIT).await;
        let xml = at(&got, "/write")[0];
        assert_eq!(xml.header("content-type"), "application/xml");
        assert!(
            xml.body.starts_with(&format!(
                r#"<notification id="{}" event="on_write" model="sale.order" res_id="{first}""#,
                xml.header("webhook-id")
            )),
            "{}",
            xml.body
        );
        assert!(
            xml.body.contains(
                r#"<field name="state" type="selection" label="Sales Order">sale</field>"#
            ),
            "{}",
            xml.body
        );
        assert!(!xml.body.contains("partner_id"), "only `fields`");

        // Deleting a draft order: the condition (cancelled) does not hold before; a cancelled one
        // is told as it was.
        let draft = order(&server, acme).await;
        let cancelled = order(&server, acme).await;
        method(&server, draft, "unlink").await;
        method(&server, cancelled, "action_cancel").await;
        method(&server, cancelled, "unlink").await;
        let got = receiver.wait_for(5, WAIT).await;
        let gone = at(&got, "/unlink");
        assert_eq!(gone.len(), 1, "{got:#?}");
        let body = gone[0].json();
        assert_eq!(body["event"], "on_unlink");
        assert_eq!(body["res_id"], cancelled);
        assert_eq!(body["data"]["state"], "cancel");
        assert_eq!(at(&got, "/create").len(), 3);
        assert_eq!(receiver.settle(QUIET).await.len(), 5);
    }
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one_and_410_retires_the_url() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::scripted(Box::new(|n| {
            if n < 2 {
                (200, "ok".into())
            } else {
                (410, "gone".into())
            }
        }))
        .await;
        let sub = create(
            &server,
            "/api/v1/subscriptions",
            json!({"name": "Partners", "model": "res.partner", "kind": "on_create", "address": receiver.url}),
        )
        .await;
        let id = sub["id"].as_i64().unwrap();
        let old = sub["secret"].as_str().unwrap().to_string();
        partner(&server, json!({"name": "One"})).await;
        let got = receiver.wait_for(1, WAIT).await;
        assert_signed(&got[0], &old);
        assert!(
            !got[0].header("webhook-signature").contains(' '),
            "one signature"
        );

        let (status, rotated) = server
            .admin(
                "POST",
                &format!("/api/v1/subscriptions/{id}/rotate-secret"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{rotated}");
        assert_eq!(rotated["previous_secret"], old.as_str());
        let new = rotated["secret"].as_str().unwrap().to_string();
        partner(&server, json!({"name": "Two"})).await;
        let got = receiver.wait_for(2, WAIT).await;
        let signatures: Vec<&str> = got[1].header("webhook-signature").split(' ').collect();
        assert_eq!(signatures.len(), 2, "new and old during the grace period");
        let r = &got[1];
        for (secret, signature) in [(&new, signatures[0]), (&old, signatures[1])] {
            let secret = Secret::parse(secret).unwrap();
            let ts = r.header("webhook-timestamp").parse().unwrap();
            let [_, _, (_, one)] =
                signing::headers(&[&secret], r.header("webhook-id"), ts, r.body.as_bytes());
            assert_eq!(one, signature);
        }

        // 410: the delivery ends dead, the URL is retired for this subscription, nothing more is queued.
        partner(&server, json!({"name": "Three"})).await;
        receiver.wait_for(3, WAIT).await;
        let dead = wait_for_state(&server, "dead").await;
        assert_eq!(dead["last_status"], 410);
        assert!(
            dead["last_error"].as_str().unwrap().contains("retired"),
            "{dead}"
        );
        partner(&server, json!({"name": "Four"})).await;
        assert_eq!(receiver.settle(QUIET).await.len(), 3);
        let (_, all) = server
            .admin(
                "GET",
                &format!("/api/v1/deliveries?source=subscription:{id}"),
                None,
            )
            .await;
        assert_eq!(all["items"].as_array().unwrap().len(), 3, "{all}");
        // Changing the subscription says the receiver is back: deliveries flow again.
        let (status, _) = server
            .admin(
                "PATCH",
                &format!("/api/v1/subscriptions/{id}"),
                Some(json!({"name": "Partners again"})),
            )
            .await;
        assert_eq!(status, 200);
        partner(&server, json!({"name": "Five"})).await;
        receiver.wait_for(4, WAIT).await;
    }
}
