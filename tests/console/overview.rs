//! The overview: after real ecosoft calls (one failing) and a delivery that dies, the cards count
//! them, the latest failures link to the failed log and the dead delivery, and the chart's SVG and
//! its table show the same numbers.

use crate::Console;
use crate::support::receiver::Receiver;
use crate::support::{TestServer, ok};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::backends;

/// The text inside the element with `id="ID"`, up to its first `<`.
fn value_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at + id.len() + 6..];
    rest[..rest.find('<').unwrap()].to_string()
}

/// The table of calls per hour: (hour, received, sent, failed) a row.
fn table_rows(html: &str) -> Vec<(String, i64, i64, i64)> {
    let table = &html[html.find("<table id=\"hourly\">").expect("the table")..];
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let hour = row.split("\">").nth(2).unwrap()[..5].to_string();
            let numbers: Vec<i64> = row
                .split("<td class=\"num\">")
                .skip(1)
                .map(|cell| cell[..cell.find('<').unwrap()].parse().unwrap())
                .collect();
            (hour, numbers[0], numbers[1], numbers[2])
        })
        .collect()
}

/// The bar titles of the SVG: (hour, value, what) a bar.
fn bars(html: &str) -> Vec<(String, i64, String)> {
    let svg = &html[html.find("<svg").expect("the chart")..html.find("</svg>").unwrap()];
    svg.split("<title>")
        .skip(1)
        .map(|t| {
            let text = &t[..t.find('<').unwrap()];
            let parts: Vec<&str> = text.split(' ').collect();
            (
                parts[0].to_string(),
                parts[1].parse().unwrap(),
                parts[2].to_string(),
            )
        })
        .collect()
}

async fn failed_log_ids(server: &TestServer) -> Vec<i64> {
    let (status, page) = server.admin("GET", "/api/v1/logs?state=failed", None).await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect()
}

async fn dead_delivery(server: &TestServer) -> Value {
    for _ in 0..200 {
        let (_, page) = server
            .admin("GET", "/api/v1/deliveries?state=dead", None)
            .await;
        if let Some(first) = page["items"].as_array().and_then(|i| i.first()) {
            return first.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no dead delivery");
}

#[tokio::test]
async fn the_overview_counts_the_day_lists_its_failures_and_charts_it() {
    for backend in backends() {
        let server = TestServer::start_with(
            backend,
            &[
                ("WEFT_ALLOWED_TARGETS", "127.0.0.0/8"),
                ("WEFT_RETRY_SCHEDULE", "50ms"),
            ],
        )
        .await;
        let console = Console::admin(&server, "ops").await;

        // Nothing yet: zeros, an empty list, 24 flat hours.
        let empty = console.get("/console").await;
        assert_eq!(empty.status, 200, "{}", empty.text);
        assert_eq!(value_of(&empty.text, "receive-done"), "0");
        assert!(empty.text.contains("No failed call in the last 24 hours"));
        assert_eq!(table_rows(&empty.text).len(), 24);

        // A rule whose receiver always refuses, with no retry: its delivery dies at once.
        let down = Receiver::scripted(Box::new(|_| (503, "no".into()))).await;
        let (status, rule) = server
            .admin(
                "POST",
                "/api/v1/outbound-rules",
                Some(json!({"name": "Down", "model": "res.partner",
                    "trigger_domain": [["ref", "=", "D"]], "endpoint_source": "static",
                    "endpoint_url": down.url, "max_retries": 0})),
            )
            .await;
        assert_eq!(status, 201, "{rule}");
        // Three calls received: two done, one failed (an unknown product).
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "D", "ref": "D"}}),
            )
            .await;
        let partner = ok(&reply)["id"].as_i64().unwrap();
        server
            .call(
                "/api/search_data",
                "res.partner",
                json!({"search_field": ["name"], "limit": 1}),
            )
            .await;
        let order = json!({"payload": {"partner_id": partner, "order_line": [
            {"product_id": {"default_code": "NOPE"}}]}});
        let failed = server.call("/api/create_data", "sale.order", order).await;
        assert_eq!(failed["result"]["is_success"], json!(false));
        let dead = dead_delivery(&server).await;
        let dead_id = dead["id"].as_i64().unwrap();

        let page = console.get("/console").await;
        assert_eq!(page.status, 200, "{}", page.text);
        let html = &page.text;
        assert_eq!(value_of(html, "receive-done"), "2", "{html}");
        assert_eq!(value_of(html, "receive-failed"), "1");
        // The one attempt of the dead delivery is a failed send.
        assert_eq!(value_of(html, "send-done"), "0");
        assert_eq!(value_of(html, "send-failed"), "1");
        assert_eq!(value_of(html, "deliveries-pending"), "0");
        assert_eq!(value_of(html, "deliveries-dead"), "1");
        assert_eq!(value_of(html, "oldest-due"), "none");

        // The failures: the failed call and the failed attempt (logs), and the dead delivery.
        let failed_ids = failed_log_ids(&server).await;
        assert_eq!(failed_ids.len(), 2, "{failed_ids:?}");
        for id in &failed_ids {
            assert!(
                html.contains(&format!("<a href=\"/console/logs/{id}\">Log #{id}</a>")),
                "log {id} listed: {html}"
            );
        }
        let delivery_link = format!("/console/deliveries/{dead_id}");
        assert!(
            html.contains(&format!(
                "<a href=\"{delivery_link}\">Delivery #{dead_id}</a>"
            )),
            "{html}"
        );
        assert!(html.contains("failed call") && html.contains("dead delivery"));
        assert!(html.contains("/api/create_data"));
        // The links lead somewhere once the log and delivery pages exist (they are built beside
        // this one); a page that answers answers 200.
        for link in [format!("/console/logs/{}", failed_ids[0]), delivery_link] {
            let status = console.get(&link).await.status;
            assert!(status == 200 || status == 404, "{link}: {status}");
        }

        // The chart and its table: the same numbers, hour by hour, and the totals.
        assert!(html.contains("role=\"img\""));
        assert!(html.contains("3 received, 1 sent, 2 failed"), "{html}");
        assert!(html.contains("<summary>Show as table</summary>"));
        let rows = table_rows(html);
        assert_eq!(rows.len(), 24);
        let bars = bars(html);
        assert_eq!(bars.len(), 24 * 3);
        for (i, (hour, received, sent, failed)) in rows.iter().enumerate() {
            let drawn = &bars[i * 3..i * 3 + 3];
            assert_eq!(
                drawn,
                &[
                    (hour.clone(), *received, "received".to_string()),
                    (hour.clone(), *sent, "sent".to_string()),
                    (hour.clone(), *failed, "failed".to_string()),
                ]
            );
        }
        let sum = |f: fn(&(String, i64, i64, i64)) -> i64| rows.iter().map(f).sum::<i64>();
        assert_eq!((sum(|r| r.1), sum(|r| r.2), sum(|r| r.3)), (3, 1, 2));
        // No inline style anywhere (the CSP would refuse it).
        assert!(!html.contains("style="));
    }
}
