//! The Targets page against real receivers: a target's failure rate, last error and circuit as
//! they come; Pause holds its deliveries (across a crash and restart too) until Resume sends
//! them; a pause without the session's token is refused.

use crate::Console;
use crate::support::receiver::Receiver;
use crate::support::{TestServer, ok};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::{Backend, backends};

const WAIT: Duration = Duration::from_secs(15);
/// Long enough for a due delivery to be sent if nothing held it.
const QUIET: Duration = Duration::from_millis(1500);

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

/// A rule sending every new company to `url`.
async fn rule_to(server: &TestServer, url: &str) -> Value {
    let (status, rule) = server
        .admin(
            "POST",
            "/api/v1/outbound-rules",
            Some(json!({"name": "Companies", "model": "res.partner",
                "trigger_domain": "[('company_type', '=', 'company')]",
                "endpoint_source": "static", "endpoint_url": url})),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    rule
}

async fn company(server: &TestServer, name: &str) -> i64 {
    let reply = server
        .call(
            "/api/create_data",
            "res.partner",
            json!({"payload": {"name": name, "company_type": "company"}}),
        )
        .await;
    ok(&reply)["id"].as_i64().expect("an id")
}

/// As a form or query value (what `url::form_urlencoded` writes).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page's row of `url`: from its URL cell to the end of the row.
fn row_of<'p>(page: &'p str, url: &str) -> &'p str {
    let cell = format!("<code class=\"target-url\">{url}</code>");
    let at = page
        .find(&cell)
        .unwrap_or_else(|| panic!("no row for {url}: {page}"));
    let rest = &page[at..];
    &rest[..rest.find("</tr>").expect("the row's end")]
}

/// Reload the page until `url`'s row contains `text` (panics after `WAIT`).
async fn row_until(console: &Console<'_>, url: &str, text: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let page = console.get("/console/targets").await;
        assert_eq!(page.status, 200, "{}", page.text);
        if page
            .text
            .contains(&format!("<code class=\"target-url\">{url}</code>"))
        {
            let row = row_of(&page.text, url).to_string();
            if row.contains(text) {
                return row;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no '{text}' in the row of {url}: {row}"
            );
        } else {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{url} is not listed: {}",
                page.text
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_failing_target_shows_its_failure_rate_last_error_and_open_circuit() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::scripted(Box::new(|_| (500, "down".into()))).await;
        let url = format!("{}/orders", receiver.url);
        let console = Console::admin(&server, "ops").await;

        // Before anything is sent, the rule's URL is listed already, with nothing against it.
        rule_to(&server, &url).await;
        let row = row_until(&console, &url, "Companies").await;
        assert!(row.contains("badge closed"), "{row}");
        assert!(row.contains("no attempts"), "{row}");
        assert!(
            row.contains(&format!(
                "href=\"/console/deliveries?url={}\"",
                encode(&url)
            )),
            "a link to the target's deliveries: {row}"
        );

        // Ten failures in a row (the default threshold) open its circuit.
        for n in 0..10 {
            company(&server, &format!("Company {n}")).await;
        }
        receiver.wait_for(10, WAIT).await;
        let row = row_until(&console, &url, "badge open").await;
        assert!(row.contains("sending resumes then"), "{row}");
        assert!(row.contains("<time datetime="), "open until a time: {row}");
        assert!(row.contains("100 %"), "every attempt failed: {row}");
        assert!(row.contains("the receiver answered 500"), "{row}");
        assert!(row.contains(" attempts</span>"), "{row}");
        assert!(row.contains("Pause</button>"), "{row}");

        // While the circuit is open its deliveries wait: nothing more is sent.
        let before = receiver.received().len();
        assert_eq!(receiver.settle(QUIET).await.len(), before);
        row_until(&console, &url, "badge open").await;
    }
}

#[tokio::test]
async fn a_paused_target_gets_nothing_until_resumed_even_after_a_restart() {
    for backend in backends() {
        let mut server = server(backend).await;
        let receiver = Receiver::start().await;
        let url = format!("{}/companies", receiver.url);
        rule_to(&server, &url).await;
        company(&server, "ACME").await;
        receiver.wait_for(1, WAIT).await;
        {
            let console = Console::admin(&server, "ops").await;
            let row = row_until(&console, &url, "0 of 1 attempts").await;
            assert!(row.contains("0 %"), "{row}");
            assert!(row.contains("action=\"/console/targets/pause\""), "{row}");

            // Without the session's token, or from another site, a pause is refused.
            let no_token = console
                .post_raw("/console/targets/pause", &[("url", &url)], &[])
                .await;
            assert_eq!(no_token.status, 403, "{}", no_token.text);
            let cross = console
                .post_raw(
                    "/console/targets/pause",
                    &[("url", &url), ("csrf", &console.csrf)],
                    &[("sec-fetch-site", "cross-site")],
                )
                .await;
            assert_eq!(cross.status, 403);
            let row = row_until(&console, &url, "Pause</button>").await;
            assert!(!row.contains("badge paused"), "{row}");
            // No URL: a clear message naming the field.
            let empty = console
                .post("/console/targets/pause", &[("url", " ")])
                .await;
            assert_eq!(empty.status, 400, "{}", empty.text);
            assert!(
                empty.text.contains("url: the URL is empty"),
                "{}",
                empty.text
            );

            // Paused: the page says by whom and since when, and offers Resume.
            let paused = console
                .post("/console/targets/pause", &[("url", &url)])
                .await;
            assert_eq!(paused.status, 303, "{}", paused.text);
            let back = paused.header("location").to_string();
            assert_eq!(
                back,
                format!("/console/targets?notice=paused&url={}", encode(&url))
            );
            let page = console.get(&back).await;
            assert!(page.text.contains("class=\"notice\""), "{}", page.text);
            assert!(page.text.contains("its deliveries wait"), "{}", page.text);
            let row = row_of(&page.text, &url);
            assert!(row.contains("badge paused"), "{row}");
            assert!(row.contains("by ops since <time datetime="), "{row}");
            assert!(row.contains("Resume</button>"), "{row}");
            let again = console
                .post("/console/targets/pause", &[("url", &url)])
                .await;
            assert!(again.header("location").contains("notice=already-paused"));

            // A change made while paused is not sent; it waits, pending.
            company(&server, "Paused Inc").await;
            assert_eq!(receiver.settle(QUIET).await.len(), 1);
            let row = row_until(&console, &url, "badge paused").await;
            assert!(
                row.contains("<td class=\"num\">1</td>"),
                "one pending: {row}"
            );
        }

        // The pause is in the database: a crash and a restart do not lift it.
        server.crash_and_restart().await;
        let console = Console::sign_in(&server, "ops", "ops-password").await;
        let row = row_until(&console, &url, "badge paused").await;
        assert!(row.contains("by ops"), "{row}");
        assert_eq!(receiver.settle(QUIET).await.len(), 1, "still held");

        // Resume: the waiting delivery goes out (on SQLite once the crashed process's
        // dispatcher lease runs out).
        let resumed = console
            .post("/console/targets/resume", &[("url", &url)])
            .await;
        assert_eq!(resumed.status, 303, "{}", resumed.text);
        assert!(
            resumed.header("location").contains("notice=resumed"),
            "{}",
            resumed.header("location")
        );
        let got = receiver.wait_for(2, Duration::from_secs(30)).await;
        assert_eq!(got.len(), 2, "{got:#?}");
        let row = row_until(&console, &url, "Pause</button>").await;
        assert!(!row.contains("badge paused"), "{row}");
        // A URL that is no listed target is not named (a link cannot make the page say it).
        let page = console.get("/console/targets?notice=resumed&url=x").await;
        assert!(page.text.contains("Resumed the target."), "{}", page.text);
        assert!(!page.text.contains("Resumed x"), "{}", page.text);
        let not_paused = console
            .post("/console/targets/resume", &[("url", &url)])
            .await;
        assert!(not_paused.header("location").contains("notice=not-paused"));
    }
}

/// On PostgreSQL every instance dispatches: a pause made through one holds the others too, and
/// a resume lets the waiting deliveries out from whichever claims them.
#[tokio::test]
async fn on_postgresql_a_pause_holds_every_instance() {
    for backend in backends() {
        if backend != Backend::Postgres {
            continue;
        }
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let url = format!("{}/shared", receiver.url);
        rule_to(&server, &url).await;
        // Started after the rule, so its catalog holds the rule from the start: what is tested
        // here is the pause, not how fast a new rule's announcement reaches another instance.
        let twin = server.twin().await;
        let console = Console::admin(&server, "ops").await;
        let paused = console
            .post("/console/targets/pause", &[("url", &url)])
            .await;
        assert_eq!(paused.status, 303, "{}", paused.text);

        // Made through the twin, whose dispatcher would claim it as readily as this one's.
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "model": "res.partner", "vals": {"payload": {"name": "Twin Co", "company_type": "company"}}}});
        let reply: Value = reqwest::Client::new()
            .post(format!("{}/api/create_data", twin.url))
            .header("x-api-key", crate::support::ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ok(&reply);
        assert!(
            receiver.settle(QUIET).await.is_empty(),
            "neither instance sends"
        );

        let resumed = console
            .post("/console/targets/resume", &[("url", &url)])
            .await;
        assert_eq!(resumed.status, 303);
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got.len(), 1, "sent once: {got:#?}");
        assert_eq!(receiver.settle(QUIET).await.len(), 1);
    }
}
