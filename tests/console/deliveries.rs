//! The Deliveries pages against real receivers: a rule whose receiver answers 500 leaves dead
//! deliveries, a subscription whose receiver answers 200 done ones. The list shows them with their
//! badges and filters (a bad one is a 400 naming it); the detail shows the body, the headers sent
//! with the `Authorization` masked, and the attempts; Retry, once the receiver is back, gets a dead
//! one delivered; the bulk retry's confirmation says the exact count and its POST requeues that
//! many; retries without the CSRF token are refused; an unknown delivery is a 404.

use crate::Console;
use crate::support::TestServer;
use crate::support::receiver::Receiver;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft_store::testing::{Backend, backends};

const WAIT: Duration = Duration::from_secs(15);
const SECRET_HEADER: &str = "Bearer sekret-token-9876";

async fn server(backend: Backend) -> TestServer {
    TestServer::start_with(
        backend,
        &[
            ("WEFT_ALLOWED_TARGETS", "127.0.0.0/8"),
            ("WEFT_RETRY_SCHEDULE", "50ms,50ms,50ms,50ms"),
        ],
    )
    .await
}

async fn create(server: &TestServer, path: &str, body: Value) -> i64 {
    let (status, created) = server.admin("POST", path, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().expect("an id")
}

async fn partner(server: &TestServer, name: &str, reference: &str) -> i64 {
    let reply = server
        .call(
            "/api/create_data",
            "res.partner",
            json!({"payload": {"name": name, "ref": reference}}),
        )
        .await;
    crate::support::ok(&reply)["id"].as_i64().expect("an id")
}

/// The deliveries `query` lists through the API, once there are `n` of them (bounded in time).
async fn wait_for(server: &TestServer, query: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, page) = server
            .admin("GET", &format!("/api/v1/deliveries?{query}"), None)
            .await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.len() == n {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{query}: expected {n} deliveries, got {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many rows a list page shows.
fn rows(html: &str) -> usize {
    html.matches("<tr data-href=").count()
}

#[tokio::test]
async fn deliveries_are_listed_shown_and_sent_again() {
    for backend in backends() {
        let server = server(backend).await;
        let up = Arc::new(AtomicBool::new(false));
        let flag = up.clone();
        let flaky = Receiver::scripted(Box::new(move |_| match flag.load(Ordering::SeqCst) {
            true => (200, "thanks".into()),
            false => (500, "down for maintenance".into()),
        }))
        .await;
        let fine = Receiver::start().await;
        let rule = create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Orders hook", "model": "res.partner", "trigger_domain": [["ref", "=", "D"]],
                   "endpoint_source": "static", "endpoint_url": format!("{}/hook", flaky.url),
                   "max_retries": 1, "auth_header": SECRET_HEADER}),
        )
        .await;
        let subscription = create(
            &server,
            "/api/v1/subscriptions",
            json!({"name": "New partners", "model": "res.partner", "kind": "on_create",
                   "address": format!("{}/new", fine.url), "fields": ["name"]}),
        )
        .await;
        let first = partner(&server, "Dee", "D").await;
        partner(&server, "Dum", "D").await;
        let scripted = partner(&server, "Dot <script>alert(1)</script>", "D").await;
        let dead = wait_for(&server, "state=dead", 3).await;
        wait_for(&server, "state=done", 3).await;
        let console = Console::admin(&server, "ops").await;

        // The list: every delivery, with its badge, its source by name, its record and a link.
        let list = console.get("/console/deliveries").await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(rows(&list.text), 6, "{}", list.text);
        assert!(list.text.contains("<span class=\"badge dead\">dead</span>"));
        assert!(list.text.contains("<span class=\"badge done\">done</span>"));
        assert!(list.text.contains(&format!(
            "Orders hook <span class=\"muted\">rule {rule}</span>"
        )));
        assert!(list.text.contains(&format!("subscription {subscription}")));
        assert!(list.text.contains(&format!("res.partner #{first}")));
        assert!(
            list.text.contains("the receiver answered 500"),
            "{}",
            list.text
        );
        let id = dead[0]["id"].as_i64().unwrap();
        assert!(
            list.text
                .contains(&format!("<tr data-href=\"/console/deliveries/{id}\">"))
        );
        assert!(
            list.text
                .contains(&format!("<a href=\"/console/deliveries/{id}\">#{id}</a>"))
        );
        // No state: the bulk retry is of the dead ones.
        assert!(list.text.contains("Retry 3 deliveries…"), "{}", list.text);

        // Filters in the URL.
        let done = console.get("/console/deliveries?state=done").await;
        assert_eq!(rows(&done.text), 3);
        assert!(!done.text.contains("badge dead\">"));
        assert!(done.text.contains("<option value=\"done\" selected>"));
        assert!(
            done.text.contains("Retry 3 deliveries…"),
            "done ones can be sent again too"
        );
        let by_rule = console
            .get(&format!("/console/deliveries?source=rule%3A{rule}&state="))
            .await;
        assert_eq!(rows(&by_rule.text), 3, "{}", by_rule.text);
        let by_record = console
            .get(&format!(
                "/console/deliveries?model=res.partner&res_id={first}"
            ))
            .await;
        assert_eq!(
            rows(&by_record.text),
            2,
            "the rule's and the subscription's"
        );
        let none = console.get("/console/deliveries?model=sale.order").await;
        assert_eq!(none.status, 200);
        assert_eq!(rows(&none.text), 0);
        assert!(none.text.contains("No delivery matches these filters"));
        assert!(none.text.contains("Retry 0 deliveries…") && none.text.contains("disabled"));
        let sending = console.get("/console/deliveries?state=sending").await;
        assert!(
            sending.text.contains("cannot be retried"),
            "{}",
            sending.text
        );

        // Keyset pages: two rows each, the Older link carries the cursor, the last page has none.
        let mut seen = Vec::new();
        let mut next = Some("/console/deliveries?limit=2".to_string());
        while let Some(path) = next {
            let page = console.get(&path).await;
            assert_eq!(rows(&page.text), 2, "{path}: {}", page.text);
            seen.extend(page.text.match_indices("<tr data-href=\"").map(|(at, m)| {
                page.text[at + m.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            }));
            next = page
                .text
                .split("<a href=\"")
                .filter_map(|a| a.split_once("\" rel=\"next\">Older"))
                .map(|(href, _)| href.replace("&#38;", "&"))
                .next();
            if let Some(href) = &next {
                assert!(href.contains("limit=2&cursor="), "{href}");
            }
        }
        seen.dedup();
        assert_eq!(seen.len(), 6, "every delivery once: {seen:?}");

        // Bad values: a 400 page that names the field.
        for (query, field) in [
            ("state=gone", "state"),
            ("source=hook%3A1", "source"),
            ("res_id=abc", "res_id"),
            ("cursor=x", "cursor"),
            ("limit=0", "limit"),
        ] {
            let bad = console.get(&format!("/console/deliveries?{query}")).await;
            assert_eq!(bad.status, 400, "{query}: {}", bad.text);
            assert!(
                bad.text
                    .contains(&format!("Bad filter: <strong>{field}</strong>")),
                "{query}: {}",
                bad.text
            );
        }
        let bad = console.get("/console/deliveries?state=gone").await;
        assert!(
            bad.text
                .contains("must be one of pending, sending, done, dead")
        );

        // The detail of a dead delivery: its properties, body, headers sent, attempts.
        let path = format!("/console/deliveries/{id}");
        let detail = console.get(&path).await;
        assert_eq!(detail.status, 200, "{}", detail.text);
        let text = &detail.text;
        assert!(text.contains("<span class=\"badge dead\">dead</span>"));
        assert!(text.contains(&dead[0]["webhook_id"].as_str().unwrap().to_string()));
        assert!(text.contains(&format!("{}/hook", flaky.url)));
        assert!(text.contains("Orders hook"));
        assert!(text.contains("application/json"));
        let res_id = dead[0]["res_id"].as_i64().unwrap();
        assert!(text.contains(&format!("&#34;id&#34;: {res_id}")), "{text}");
        assert!(text.contains("data-copy-target=\"body\""));
        for header in [
            "content-type",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
            "authorization",
        ] {
            assert!(
                text.contains(&format!("<code>{header}</code>")),
                "{header}: {text}"
            );
        }
        assert!(
            text.contains("<code>v1,••••••</code>"),
            "the signature's version only: {text}"
        );
        assert!(text.contains("<code>Bearer ••••</code>"), "{text}");
        assert!(!text.contains("9876"), "nothing of the secret: {text}");
        assert!(
            !text.contains("sekret-token"),
            "the secret never shows: {text}"
        );
        assert!(text.contains("Attempt 2") && text.contains("Attempt 1"));
        assert!(
            text.find("Attempt 2").unwrap() < text.find("Attempt 1").unwrap(),
            "newest first"
        );
        assert!(text.contains("<li class=\"bad\">"));
        assert!(text.contains("down for maintenance"));
        assert!(text.contains(&format!("action=\"/console/deliveries/{id}/retry\"")));
        // What the receiver saw of the last attempt is what the page says was sent.
        let msg_id = dead[0]["webhook_id"].as_str().unwrap();
        let got = flaky.received();
        let last = got
            .iter()
            .rfind(|r| r.header("webhook-id") == msg_id)
            .expect("the receiver got it");
        assert_eq!(last.header("authorization"), SECRET_HEADER);
        let shown = |name: &str| {
            let start = format!("<code>{name}</code></th><td><code>");
            let at = text.find(&start).expect(name) + start.len();
            text[at..at + text[at..].find("</code>").unwrap()].to_string()
        };
        let sent: i64 = last.header("webhook-timestamp").parse().unwrap();
        let on_page: i64 = shown("webhook-timestamp").parse().unwrap();
        assert!((sent - on_page).abs() <= 1, "{sent} vs {on_page}");
        // The signature is never shown: a receiver would accept it.
        let signature = last.header("webhook-signature");
        assert_eq!(shown("webhook-signature"), "v1,••••••");
        for part in signature.split(' ') {
            let value = part.trim_start_matches("v1,");
            assert!(
                !value.is_empty() && !text.contains(value),
                "{part} shown: {text}"
            );
        }
        assert_eq!(shown("webhook-id"), msg_id);

        // What came from a record is text, never markup.
        let told = wait_for(
            &server,
            &format!("source=subscription:{subscription}&model=res.partner&res_id={scripted}"),
            1,
        )
        .await;
        let page = console
            .get(&format!("/console/deliveries/{}", told[0]["id"]))
            .await;
        assert!(page.text.contains("New partners"));
        assert!(
            page.text
                .contains("Dot &#60;script&#62;alert(1)&#60;/script&#62;"),
            "{}",
            page.text
        );
        assert!(!page.text.contains("<script>alert"), "{}", page.text);
        assert!(
            !page.text.contains("authorization"),
            "a subscription sends none"
        );
        assert!(page.text.contains("<code>webhook-signature</code>"));

        // Unknown: 404, for the page and for its retry.
        let missing = console.get("/console/deliveries/999999").await;
        assert_eq!(missing.status, 404);
        assert!(missing.text.contains("Delivery 999999 does not exist"));
        assert_eq!(
            console
                .post("/console/deliveries/999999/retry", &[])
                .await
                .status,
            404
        );

        // A retry without the session's token is refused, and changes nothing.
        let forged = console
            .post_raw(
                &format!("{path}/retry"),
                &[],
                &[("sec-fetch-site", "same-origin")],
            )
            .await;
        assert_eq!(forged.status, 403, "{}", forged.text);
        let forged_bulk = console
            .post_raw(
                "/console/deliveries/retry",
                &[("state", "dead")],
                &[("sec-fetch-site", "same-origin")],
            )
            .await;
        assert_eq!(forged_bulk.status, 403);
        assert_eq!(wait_for(&server, "state=dead", 3).await.len(), 3);

        // The receiver is back: Retry sends the dead one, which ends done.
        up.store(true, Ordering::SeqCst);
        let retried = console.post(&format!("{path}/retry"), &[]).await;
        assert_eq!(retried.status, 303, "{}", retried.text);
        assert_eq!(retried.header("location"), format!("{path}?notice=queued"));
        let back = console.get(retried.header("location")).await;
        assert!(
            back.text.contains("Queued: it will be sent now"),
            "{}",
            back.text
        );
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (_, d) = server
                .admin("GET", &format!("/api/v1/deliveries/{id}"), None)
                .await;
            if d["state"] == "done" {
                assert_eq!(d["attempt_count"], 3);
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "not delivered: {d}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let delivered = console.get(&path).await;
        assert!(
            delivered
                .text
                .contains("<span class=\"badge done\">done</span>")
        );
        assert!(delivered.text.contains("<li class=\"ok\">") && delivered.text.contains("thanks"));
        assert!(delivered.text.contains("Send again"));

        // Bulk: the confirmation says exactly how many; Confirm requeues that many.
        let list = console.get("/console/deliveries").await;
        assert!(list.text.contains("Retry 2 deliveries…"), "{}", list.text);
        assert!(list.text.contains("href=\"/console/deliveries/retry\""));
        let confirm = console.get("/console/deliveries/retry").await;
        assert_eq!(confirm.status, 200, "{}", confirm.text);
        assert!(
            confirm
                .text
                .contains("This will send 2 deliveries again now."),
            "{}",
            confirm.text
        );
        assert!(confirm.text.contains("state dead (the default)"));
        assert!(confirm.text.contains("name=\"csrf\""));
        assert!(!confirm.text.contains("disabled"));
        let scoped = console
            .get(&format!("/console/deliveries/retry?state=dead&source=rule%3A{rule}&model=res.partner&res_id={first}"))
            .await;
        let left = if res_id == first { 0 } else { 1 };
        assert!(
            scoped
                .text
                .contains(&format!("This will send {left} deliver")),
            "{}",
            scoped.text
        );
        assert!(
            scoped
                .text
                .contains("<input type=\"hidden\" name=\"state\" value=\"dead\">")
        );
        assert!(scoped.text.contains(&format!(
            "<input type=\"hidden\" name=\"res_id\" value=\"{first}\">"
        )));
        let bad = console.get("/console/deliveries/retry?state=gone").await;
        assert_eq!(bad.status, 400);
        assert!(bad.text.contains("state: must be one of"), "{}", bad.text);
        let before = flaky.received().len();
        let bulk = console
            .post("/console/deliveries/retry", &[("state", "dead")])
            .await;
        assert_eq!(bulk.status, 303, "{}", bulk.text);
        assert_eq!(
            bulk.header("location"),
            "/console/deliveries?state=dead&queued=2"
        );
        let after = console.get(bulk.header("location")).await;
        assert!(after.text.contains("2 deliveries queued"), "{}", after.text);
        wait_for(&server, &format!("state=done&source=rule:{rule}"), 3).await;
        assert_eq!(flaky.wait_for(before + 2, WAIT).await.len(), before + 2);
        // Nothing dead is left: the confirmation says so and cannot be confirmed.
        let empty = console.get("/console/deliveries/retry").await;
        assert!(
            empty
                .text
                .contains("This will send 0 deliveries again now.")
        );
        assert!(empty.text.contains("Nothing to send") && empty.text.contains("disabled"));
    }
}

/// PostgreSQL only: there an attempt under way holds its row `sending`; on SQLite the dispatcher's
/// claim is kept in memory and the row stays `pending`.
#[tokio::test]
async fn a_delivery_being_sent_cannot_be_retried() {
    for backend in backends().into_iter().filter(|b| *b == Backend::Postgres) {
        let server = server(backend).await;
        // A receiver that takes the connection and never answers: the attempt stays under way.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = silent.local_addr().unwrap();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                open.push(socket);
            }
        });
        create(
            &server,
            "/api/v1/outbound-rules",
            json!({"name": "Silent", "model": "res.partner", "trigger_domain": [],
                   "endpoint_source": "static", "endpoint_url": format!("http://{address}/"),
                   "timeout_s": 30}),
        )
        .await;
        partner(&server, "Slow", "S").await;
        let sending = wait_for(&server, "state=sending", 1).await;
        let id = sending[0]["id"].as_i64().unwrap();
        let console = Console::admin(&server, "ops").await;
        let page = console.get(&format!("/console/deliveries/{id}")).await;
        assert!(
            page.text
                .contains("<span class=\"badge sending\">sending</span>")
        );
        assert!(
            page.text.contains("An attempt is under way"),
            "{}",
            page.text
        );
        assert!(
            !page.text.contains("/retry\""),
            "no Retry button: {}",
            page.text
        );
        let refused = console
            .post(&format!("/console/deliveries/{id}/retry"), &[])
            .await;
        assert_eq!(refused.status, 409, "{}", refused.text);
        assert!(
            refused
                .text
                .contains("Not queued: an attempt of this delivery is under way"),
            "{}",
            refused.text
        );
        let confirm = console.get("/console/deliveries/retry?state=sending").await;
        assert!(confirm.text.contains("cannot be retried") && confirm.text.contains("disabled"));
        held.abort();
    }
}
