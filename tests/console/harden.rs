//! Findings of the console's security review, each as what a person (or an attacker's link)
//! would see: a target URL's secret query parameter never shows on any page; a notice names only
//! a listed target; the bulk retry names its URL filter; only `/login` goes without the token; the
//! Targets page lists at most 200 targets and says how many more there are.

use crate::Console;
use crate::support::receiver::Receiver;
use crate::support::{TestServer, ok};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::{Backend, backends};

const WAIT: Duration = Duration::from_secs(15);
const SECRET: &str = "s3cret-value";

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

/// The page without the attribute values that must carry the raw URL back (links, hidden
/// inputs, a filter's own field): what is left is what a person reads.
fn visible(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let next = [" href=\"", " data-href=\"", " value=\"", " data-raw=\""]
            .iter()
            .filter_map(|a| rest.find(a).map(|at| (at, a.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at + len]);
        rest = &rest[at + len..];
        rest = &rest[rest.find('"').expect("the attribute's end")..];
    }
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

/// Items of an /api/v1 list, waiting until there are at least `n`.
async fn items(server: &TestServer, path: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, page) = server.admin("GET", path, None).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= n {
            return items;
        }
        assert!(tokio::time::Instant::now() < deadline, "{path}: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_secret_in_a_target_url_shows_on_no_page() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::scripted(Box::new(|_| (500, "no".into()))).await;
        let url = format!("{}/hook?token={SECRET}", receiver.url);
        let shown = format!("{}/hook?token=***", receiver.url);
        let (status, rule) = server
            .admin(
                "POST",
                "/api/v1/outbound-rules",
                Some(json!({"name": "Tokened", "model": "res.partner",
                    "trigger_domain": "[('company_type', '=', 'company')]",
                    "endpoint_source": "static", "endpoint_url": url, "max_retries": 1})),
            )
            .await;
        assert_eq!(status, 201, "{rule}");
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "ACME", "company_type": "company"}}),
            )
            .await;
        ok(&reply);
        let dead = items(&server, "/api/v1/deliveries?state=dead", 1).await;
        let id = dead[0]["id"].as_i64().unwrap();
        let sends = items(&server, "/api/v1/logs?log_type=send", 2).await;
        let receives = items(&server, "/api/v1/logs?log_type=receive", 1).await;
        let console = Console::admin(&server, "ops").await;

        let by_url = format!("/console/deliveries?url={}", encode(&url));
        let confirm = format!("/console/deliveries/retry?url={}&state=dead", encode(&url));
        let pages = [
            "/console/targets".to_string(),
            "/console/deliveries".to_string(),
            by_url.clone(),
            confirm.clone(),
            format!("/console/deliveries/{id}"),
            "/console".to_string(),
            format!("/console/logs/{}", sends[0]["id"]),
            format!("/console/logs/{}", receives[0]["id"]),
        ];
        for path in &pages {
            let page = console.get(path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.text);
            let text = visible(&page.text);
            assert!(!text.contains(SECRET), "{path} shows the secret: {text}");
        }
        // The URL is there, masked, where a person reads it; the raw one still round-trips.
        let targets = console.get("/console/targets").await.text;
        assert!(
            targets.contains(&format!("<code class=\"target-url\">{shown}</code>")),
            "{targets}"
        );
        assert!(targets.contains(&format!("href=\"{by_url}\"")), "{targets}");
        let list = console.get(&by_url).await.text;
        assert!(
            list.contains(&format!("/console/deliveries/{id}")),
            "{list}"
        );
        assert!(list.contains(&shown), "{list}");
        assert!(console.get("/console").await.text.contains(&shown));
        // The bulk retry says which URL it retries (finding 5).
        let confirm = console.get(&confirm).await.text;
        assert!(confirm.contains(&format!("target {shown}")), "{confirm}");
        // The send log marks the delivery it attempted, though its URL holds a secret.
        let send = console
            .get(&format!("/console/logs/{}", sends[0]["id"]))
            .await
            .text;
        assert!(
            send.contains(&format!(
                "<a href=\"/console/deliveries/{id}\">#{id}</a> <span class=\"badge info\">this attempt</span>"
            )),
            "{send}"
        );

        // A notice names a URL only when it is a listed target.
        let spoof = console
            .get("/console/targets?notice=resumed&url=Call+0800-SCAM+now")
            .await;
        assert!(!spoof.text.contains("SCAM"), "{}", spoof.text);
        assert!(spoof.text.contains("Resumed the target."), "{}", spoof.text);
        let real = console
            .get(&format!(
                "/console/targets?notice=resumed&url={}",
                encode(&url)
            ))
            .await;
        assert!(
            real.text.contains(&format!("Resumed {shown}: ")),
            "{}",
            real.text
        );
        assert!(!visible(&real.text).contains(SECRET));
    }
}

#[tokio::test]
async fn only_the_sign_in_form_goes_without_the_token() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        for path in ["/console/targets/login", "/console/deliveries/login"] {
            let page = console.post_raw(path, &[("url", "x")], &[]).await;
            assert_eq!(page.status, 403, "{path}: {}", page.text);
        }
    }
}

#[tokio::test]
async fn the_targets_page_lists_at_most_200_targets() {
    for backend in backends() {
        let server = server(backend).await;
        for n in 0..203 {
            let (status, rule) = server
                .admin(
                    "POST",
                    "/api/v1/outbound-rules",
                    Some(json!({"name": format!("Rule {n}"), "model": "res.partner",
                        "trigger_domain": "[('company_type', '=', 'company')]",
                        "endpoint_source": "static",
                        "endpoint_url": format!("http://127.0.0.1:9/t{n:03}")})),
                )
                .await;
            assert_eq!(status, 201, "{rule}");
        }
        let console = Console::admin(&server, "ops").await;
        let page = console.get("/console/targets").await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(
            page.text.matches("<code class=\"target-url\">").count(),
            200,
            "{}",
            page.text
        );
        assert!(
            page.text.contains("3 more targets not shown"),
            "{}",
            page.text
        );
    }
}
