//! The API log over real HTTP (DESIGN.md §7, §11), on SQLite and PostgreSQL: what a call leaves,
//! previews and payloads, failures, per-route switches, paging, and that no secret is ever kept.

mod support;

use serde_json::{Value, json};
use support::{ADMIN_KEY, TestServer, ok};
use weft_store::testing::backends;

const SECRETS: [&str; 3] = [
    "pa55-w0rd-in-payload",
    "t0ken-deep-inside",
    "sekrit-at-the-top",
];

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = server
        .client
        .get(format!("{}/api/v1{path}", server.url))
        .header("x-api-key", ADMIN_KEY)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every log, newest first, walking the cursor with small pages.
async fn all_logs(server: &TestServer) -> Vec<Value> {
    let mut logs = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/logs?limit=3&cursor={c}"),
            None => "/logs?limit=3".to_string(),
        };
        let (status, page) = get(server, &path).await;
        assert_eq!(status, 200, "{page}");
        logs.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return logs,
        }
    }
}

async fn set_parameter(server: &TestServer, key: &str, value: &str) {
    let response = server
        .client
        .put(format!("{}/api/v1/parameters/{key}", server.url))
        .header("x-api-key", ADMIN_KEY)
        .json(&json!({"value": value}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn every_call_leaves_a_log_with_previews_payloads_and_no_secret() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        // A long call: a 3,000-character name, and secrets at three depths.
        let long_name = "N".repeat(3000);
        let long = json!({"jsonrpc": "2.0", "id": 1, "params": {
            "model": "res.partner", "token": SECRETS[2],
            "vals": {"payload": {"name": long_name, "comment": "ok"}},
            "context": {"password": SECRETS[0], "deep": [{"Token": SECRETS[1]}]}}});
        let reply = server
            .post_raw(
                "/api/create_data",
                long.to_string().into_bytes(),
                &[("x-api-key", ADMIN_KEY)],
            )
            .await;
        let partner = ok(&reply)["id"].as_i64().unwrap();
        // A short call, and a failed one: an unknown product in the third line.
        server
            .call(
                "/api/search_data",
                "product.product",
                json!({"search_field": ["name"], "limit": 1}),
            )
            .await;
        let order = json!({"payload": {"partner_id": partner, "order_line": [
            {"product_id": {"default_code": "NOPE"}}]}});
        let failed = server.call("/api/create_data", "sale.order", order).await;
        assert_eq!(failed["result"]["is_success"], json!(false));

        let logs = all_logs(&server).await;
        assert_eq!(logs.len(), 3, "{logs:#?}");
        let ids: Vec<i64> = logs.iter().map(|l| l["id"].as_i64().unwrap()).collect();
        assert!(
            ids.windows(2).all(|w| w[0] > w[1]),
            "newest first, each once: {ids:?}"
        );
        let (failed_log, search_log, long_log) = (&logs[0], &logs[1], &logs[2]);

        assert_eq!(long_log["route"], json!("/api/create_data"));
        assert_eq!(long_log["state"], json!("done"));
        assert_eq!(
            (long_log["res_model"].clone(), long_log["res_id"].clone()),
            (json!("res.partner"), json!(partner))
        );
        let preview = long_log["request_preview"].as_str().unwrap();
        assert_eq!(preview.chars().count(), 2004);
        assert!(preview.ends_with(" ..."));
        assert_eq!(long_log["has_payload"], json!(true));
        let (status, payload) = get(&server, &format!("/logs/{}/payload", ids[2])).await;
        assert_eq!(status, 200);
        let mut sent = long.clone();
        sent["params"]["token"] = json!("***");
        sent["params"]["context"]["password"] = json!("***");
        sent["params"]["context"]["deep"][0]["Token"] = json!("***");
        assert_eq!(payload["request"], sent);
        assert_eq!(
            long_log["request_size"],
            json!(sent.to_string().chars().count())
        );
        assert_eq!(payload["response"]["is_success"], json!(true));

        assert_eq!(search_log["function_name"], json!("search_data"));
        assert_eq!(search_log["has_payload"], json!(false));
        assert_eq!(
            get(&server, &format!("/logs/{}/payload", ids[1])).await.0,
            404
        );

        assert_eq!(failed_log["state"], json!("failed"));
        let response = failed_log["response_preview"].as_str().unwrap();
        assert!(response.contains("order_line[0].product_id"), "{response}");
        let (status, one) = get(&server, &format!("/logs/{}", ids[0])).await;
        assert_eq!((status, &one), (200, failed_log));
        let (status, only_failed) = get(&server, "/logs?state=failed&model=sale.order").await;
        assert_eq!(status, 200);
        assert_eq!(only_failed["items"].as_array().unwrap().len(), 1);

        // No secret anywhere: fields, previews, payloads; nor the API key sent in a header.
        let mut everything = serde_json::to_string(&logs).unwrap();
        for id in &ids {
            everything.push_str(
                &get(&server, &format!("/logs/{id}/payload"))
                    .await
                    .1
                    .to_string(),
            );
        }
        for secret in SECRETS.iter().chain([&ADMIN_KEY]) {
            assert!(!everything.contains(secret), "{secret} reached a log");
        }

        // A route's log switched off leaves no row.
        set_parameter(&server, "webhook.search_data_log", "false").await;
        server
            .call(
                "/api/search_data",
                "product.product",
                json!({"search_field": ["name"]}),
            )
            .await;
        assert_eq!(all_logs(&server).await.len(), 3);
        set_parameter(&server, "webhook.search_data_log", "true").await;
        server
            .call(
                "/api/search_data",
                "product.product",
                json!({"search_field": ["name"]}),
            )
            .await;
        assert_eq!(all_logs(&server).await.len(), 4);
        eprintln!("ran on {backend:?}");
    }
}

#[tokio::test]
async fn the_log_routes_refuse_bad_filters_and_non_admins() {
    let server = TestServer::start(backends()[0]).await;
    assert_eq!(get(&server, "/logs?limit=0").await.0, 400);
    assert_eq!(get(&server, "/logs?since=yesterday").await.0, 400);
    assert_eq!(get(&server, "/logs?cursor=abc").await.0, 400);
    assert_eq!(get(&server, "/logs/999").await.0, 404);
    let anonymous = server
        .client
        .get(format!("{}/api/v1/logs", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn q_finds_fragments_of_the_previews_at_once_and_never_a_secret() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        for name in ["Zanzibar Spice Traders", "Acme Widgets", "Zanzibar Ferries"] {
            let vals = json!({"payload": {"name": name}, "password": SECRETS[0]});
            server.call("/api/create_data", "res.partner", vals).await;
        }
        // Found as soon as the calls were answered: no indexer to wait for.
        let found = get(&server, "/logs?q=zanzibar").await.1;
        assert_eq!(found["items"].as_array().map(Vec::len), Some(2), "{found}");
        // A fragment inside a word, in any case, as Odoo's ilike finds it.
        let inside = get(&server, "/logs?q=NZIB").await.1;
        assert_eq!(
            inside["items"].as_array().map(Vec::len),
            Some(2),
            "{inside}"
        );
        let fragments = get(&server, "/logs?q=anzi%20pice%20Tr").await.1;
        assert_eq!(
            fragments["items"].as_array().unwrap().len(),
            1,
            "{fragments}"
        );
        let both = get(&server, "/logs?q=Zanzibar%20spice").await.1;
        assert_eq!(both["items"].as_array().unwrap().len(), 1, "{both}");
        let (status, none) = get(&server, &format!("/logs?q={}", SECRETS[0])).await;
        assert_eq!((status, none["items"].as_array().unwrap().len()), (200, 0));
        for odd in ["%22", "NEAR(x*", "a%20OR%20b", "%2A", "-"] {
            let (status, reply) = get(&server, &format!("/logs?q={odd}")).await;
            assert_eq!(status, 200, "q={odd}: {reply}");
        }
        eprintln!("ran on {backend:?}");
    }
}
