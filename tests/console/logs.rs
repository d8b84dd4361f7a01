//! The API Logs pages: the list with its badges, filters that narrow it and stay in its links,
//! keyset paging, bad filter values named; a log's detail with its previews, the Full Log and
//! its download only when there is one, payloads always escaped; unknown logs, and strangers.

use crate::support::receiver::Receiver;
use crate::support::{TestServer, ok};
use crate::{Console, Page, no_redirects};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::backends;

/// The ids of the log rows a list page shows, in order.
fn rows(page: &Page) -> Vec<i64> {
    page.text
        .split("<tr data-href=\"/console/logs/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The address of the link whose text is `label`, as a browser reads it.
fn link(page: &Page, label: &str) -> Option<String> {
    let end = page.text.find(&format!(">{label}</a>"))?;
    let before = &page.text[..end];
    let start = before.rfind("href=\"")? + "href=\"".len();
    let href = &before[start..];
    Some(href[..href.find('"')?].replace("&#38;", "&"))
}

#[tokio::test]
async fn the_api_logs_list_filters_pages_and_opens_every_call() {
    for backend in backends() {
        let server = TestServer::start(backend).await;

        // Not signed in: the list, a detail and a download lead to the sign-in form.
        let stranger = no_redirects();
        for path in ["/console/logs?state=failed", "/console/logs/1/full.json"] {
            let answer = stranger
                .get(format!("{}{path}", server.url))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 303, "{path}");
            let location = answer.headers()["location"].to_str().unwrap();
            assert!(
                location.starts_with("/console/login?next=%2Fconsole%2Flogs"),
                "{location}"
            );
        }

        let console = Console::admin(&server, "ops").await;
        let empty = console.get("/console/logs").await;
        assert_eq!(empty.status, 200, "{}", empty.text);
        assert!(empty.text.contains("No calls logged yet"), "{}", empty.text);

        // Four calls: a big one (its Full Log is kept) with a script in it, a small one, a
        // search, and one that fails.
        let name = format!("<script>alert(1)</script>{}", "N".repeat(3000));
        let big = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": name, "comment": "big"}}),
            )
            .await;
        let partner = ok(&big)["id"].as_i64().unwrap();
        let small = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Small Co"}}),
            )
            .await;
        ok(&small);
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

        let list = console.get("/console/logs").await;
        assert_eq!(list.status, 200, "{}", list.text);
        let ids = rows(&list);
        assert_eq!(ids.len(), 4, "{}", list.text);
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
        let (failed_id, search_id, big_id) = (ids[0], ids[1], ids[3]);
        assert_eq!(
            list.text
                .matches("<span class=\"badge failed\">failed</span>")
                .count(),
            1
        );
        assert_eq!(
            list.text
                .matches("<span class=\"badge done\">done</span>")
                .count(),
            3
        );
        assert_eq!(
            list.text
                .matches("<span class=\"badge receive\">receive</span>")
                .count(),
            4
        );
        assert_eq!(
            list.text.matches("title=\"The Full Log is kept\"").count(),
            1
        );
        for id in &ids {
            assert!(
                list.text
                    .contains(&format!("<a href=\"/console/logs/{id}\"")),
                "{id}"
            );
        }
        assert!(list.text.contains("/api/search_data") && list.text.contains("sale.order"));
        assert!(list.text.contains("<time datetime=\"") && list.text.contains(" UTC\">"));
        assert!(
            !list.text.contains("<script>alert(1)"),
            "a payload shown raw"
        );
        assert!(
            list.text.contains("&#60;script&#62;alert(1)"),
            "{}",
            list.text
        );
        assert!(
            list.text
                .contains("<input id=\"f-q\" name=\"q\" type=\"search\"")
        );

        // Each filter narrows the list and is shown back in the form.
        let only_failed = console.get("/console/logs?state=failed").await;
        assert_eq!(rows(&only_failed), vec![failed_id]);
        assert!(
            only_failed
                .text
                .contains("<option value=\"failed\" selected>")
        );
        let sent = console.get("/console/logs?type=send").await;
        assert!(rows(&sent).is_empty());
        assert!(
            sent.text.contains("No log matches these filters"),
            "{}",
            sent.text
        );
        assert!(sent.text.contains("<option value=\"send\" selected>"));
        let orders = console.get("/console/logs?model=sale.order").await;
        assert_eq!(rows(&orders), vec![failed_id]);
        let by_route = console
            .get("/console/logs?route=%2Fapi%2Fsearch_data")
            .await;
        assert_eq!(rows(&by_route), vec![search_id]);
        let found = console.get("/console/logs?q=NOPE").await;
        assert_eq!(rows(&found), vec![failed_id]);
        assert!(found.text.contains("value=\"NOPE\""));
        let recent = console.get("/console/logs?period=1h&state=done").await;
        assert_eq!(rows(&recent).len(), 3);
        let future = console.get("/console/logs?since=2999-01-01T00%3A00").await;
        assert!(rows(&future).is_empty());

        // The record link of a row opens the logs of that record.
        let record = format!("/console/logs?model=res.partner&res_id={partner}");
        assert_eq!(
            link(&list, &format!("res.partner #{partner}")),
            Some(record.clone())
        );
        assert_eq!(rows(&console.get(&record).await), vec![big_id]);

        // Paging: a small page, the Older link keeps every filter, Newest goes back.
        let first = console.get("/console/logs?state=done&limit=2").await;
        assert_eq!(rows(&first), ids[1..3].to_vec());
        assert!(link(&first, "Newest").is_none());
        let older = link(&first, "Older").expect("an Older link");
        assert!(
            older.starts_with("/console/logs?state=done&limit=2&cursor="),
            "{older}"
        );
        let second = console.get(&older).await;
        assert_eq!(rows(&second), vec![big_id]);
        assert!(link(&second, "Older").is_none(), "the last page");
        assert_eq!(
            link(&second, "Newest").as_deref(),
            Some("/console/logs?state=done&limit=2")
        );

        // Bad values: the page, with a message naming the field.
        for (query, field) in [
            ("res_id=abc", "Record id"),
            ("since=yesterday", "Since"),
            ("type=sent", "Type"),
            ("limit=501", "Page size"),
            ("cursor=x", "Cursor"),
        ] {
            let bad = console.get(&format!("/console/logs?{query}")).await;
            assert_eq!(bad.status, 400, "{query}");
            assert!(
                bad.text.contains("role=\"alert\">") && bad.text.contains(field),
                "{}",
                bad.text
            );
            assert!(
                bad.text.contains("<form class=\"filters\""),
                "the form is still there"
            );
        }

        // The big call: every property, a cut request preview as text, the response folded,
        // the Full Log; the record's deliveries.
        let detail = console.get(&format!("/console/logs/{big_id}")).await;
        assert_eq!(detail.status, 200, "{}", detail.text);
        for shown in [
            "<span class=\"badge receive\">receive</span>",
            "<span class=\"badge done\">done</span>",
            "/api/create_data",
            "create_data",
            &format!("res.partner #{partner}"),
            "<pre id=\"request-view\">",
            "<div class=\"json\" id=\"response-view\"",
            "<details open><summary>",
            "data-copy-target=\"response-view\"",
            "data-fold-target=\"response-view\" data-fold=\"close\"",
            "The Full Log has the whole of it",
        ] {
            assert!(detail.text.contains(shown), "{shown}: {}", detail.text);
        }
        assert_eq!(
            link(&detail, "Full Log").as_deref(),
            Some(&*format!("/console/logs/{big_id}/full"))
        );
        assert!(!detail.text.contains("<script>alert(1)"));
        assert!(detail.text.contains("&#60;script&#62;alert(1)"));
        assert!(
            detail.text.contains(&format!(
                "href=\"/console/deliveries?model=res.partner&#38;res_id={partner}\""
            )),
            "{}",
            detail.text
        );

        // The search: whole previews, so no Full Log, and both sides fold.
        let whole = console.get(&format!("/console/logs/{search_id}")).await;
        assert_eq!(whole.status, 200);
        assert!(
            whole
                .text
                .contains("<div class=\"json\" id=\"request-view\"")
        );
        assert!(
            whole
                .text
                .contains("<div class=\"json\" id=\"response-view\"")
        );
        assert!(
            !whole.text.contains("/full\""),
            "no Full Log: {}",
            whole.text
        );
        let failure = console.get(&format!("/console/logs/{failed_id}")).await;
        assert!(
            failure
                .text
                .contains("<span class=\"badge failed\">failed</span>")
        );
        assert!(failure.text.contains("order_line[0].product_id"));

        // The Full Log: the whole request, escaped; its download, whole.
        let full = console.get(&format!("/console/logs/{big_id}/full")).await;
        assert_eq!(full.status, 200, "{}", full.text);
        assert!(full.text.contains(&"N".repeat(3000)));
        assert!(
            full.text
                .contains("<div class=\"json\" id=\"request-view\"")
        );
        assert!(!full.text.contains("<script>alert(1)"));
        assert!(
            full.text
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
        );
        let file = console
            .get(&format!("/console/logs/{big_id}/full.json"))
            .await;
        assert_eq!(file.status, 200);
        assert!(file.header("content-type").starts_with("application/json"));
        assert_eq!(
            file.header("content-disposition"),
            format!("attachment; filename=\"api_log_{big_id}.json\"")
        );
        let payload: Value = serde_json::from_str(&file.text).unwrap();
        assert_eq!(
            payload["request"]["params"]["vals"]["payload"]["name"],
            json!(name)
        );
        assert_eq!(payload["response"]["is_success"], json!(true));

        // No Full Log, no such log, not a log number: 404 pages.
        for path in [
            format!("/console/logs/{search_id}/full"),
            format!("/console/logs/{search_id}/full.json"),
            "/console/logs/987654".to_string(),
            "/console/logs/abc".to_string(),
        ] {
            let missing = console.get(&path).await;
            assert_eq!(missing.status, 404, "{path}");
            assert!(
                missing.text.contains("role=\"alert\""),
                "{path}: {}",
                missing.text
            );
        }
    }
}

#[tokio::test]
async fn a_call_shows_its_callback_url_the_deliveries_it_queued_and_their_send_logs() {
    for backend in backends() {
        let server =
            TestServer::start_with(backend, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")]).await;
        let receiver = Receiver::start().await;
        let (status, rule) = server
            .admin(
                "POST",
                "/api/v1/outbound-rules",
                Some(json!({"name": "Companies", "model": "res.partner",
                    "trigger_domain": "[('company_type', '=', 'company')]",
                    "endpoint_source": "static",
                    "endpoint_url": format!("{}/companies", receiver.url)})),
            )
            .await;
        assert_eq!(status, 201, "{rule}");
        let console = Console::admin(&server, "ops").await;
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "ACME", "company_type": "company"},
                       "callback_url": "https://erp.example/hooks/acme"}),
            )
            .await;
        let acme = ok(&reply)["id"].as_i64().unwrap();
        receiver.wait_for(1, Duration::from_secs(10)).await;
        let (status, deliveries) = server
            .admin(
                "GET",
                &format!("/api/v1/deliveries?model=res.partner&res_id={acme}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{deliveries}");
        let delivery = deliveries["items"][0]["id"].as_i64().expect("a delivery");

        // The receive log: its callback URL, and the delivery it queued, marked as this call's.
        let received = console.get("/console/logs?type=receive").await;
        let receive_id = rows(&received)[0];
        let detail = console.get(&format!("/console/logs/{receive_id}")).await;
        assert_eq!(detail.status, 200, "{}", detail.text);
        assert!(
            detail
                .text
                .contains("<code id=\"callback-url\">https://erp.example/hooks/acme</code>"),
            "{}",
            detail.text
        );
        assert!(detail.text.contains("data-copy-target=\"callback-url\""));
        let row = format!(
            "<a href=\"/console/deliveries/{delivery}\">#{delivery}</a> <span class=\"badge info\">this call</span>"
        );
        assert!(detail.text.contains(&row), "{}", detail.text);

        // The attempt is a send log, once the dispatcher has written it.
        let mut sent = Vec::new();
        for _ in 0..100 {
            sent = rows(&console.get("/console/logs?type=send").await);
            if !sent.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(sent.len(), 1, "one send log");
        let send = console.get(&format!("/console/logs/{}", sent[0])).await;
        assert!(send.text.contains("<span class=\"badge send\">send</span>"));
        assert!(send.text.contains("<span class=\"badge done\">done</span>"));
        assert!(
            send.text.contains(&format!("{}/companies", receiver.url)),
            "{}",
            send.text
        );
        assert!(
            send.text.contains("<dd class=\"mono\">Companies</dd>"),
            "{}",
            send.text
        );
        let mine = format!(
            "<a href=\"/console/deliveries/{delivery}\">#{delivery}</a> <span class=\"badge info\">this attempt</span>"
        );
        assert!(send.text.contains(&mine), "{}", send.text);
    }
}
