//! The Outbound rules pages against the real binary: a rule made and changed through the form
//! is the rule the API shows; the API's refusals come back at their fields with nothing stored;
//! the domain check counts what matches now; the preview is byte for byte what a real delivery
//! carries; Send test queues a delivery a real receiver gets; the secret is revealed on request
//! and rotated; archive and restore; no change without the session's token.

use crate::support::receiver::Receiver;
use crate::support::{TestServer, ok};
use crate::{Console, Page, element, fields, saved_id};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::backends;

const WAIT: Duration = Duration::from_secs(15);

/// The id of the rule a form post made or saved.
fn rule_id(answer: &Page) -> i64 {
    saved_id(answer, "/console/outbound-rules/")
}

fn company_rule(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Companies".into()),
        ("model", "res.partner".into()),
        (
            "trigger_domain",
            "[('company_type', '=', 'company')]".into(),
        ),
        ("mode", "transition".into()),
        ("endpoint_source", "static".into()),
        ("endpoint_url", url.into()),
        ("payload_fields", "[\"name\", \"company_type\"]".into()),
        ("auth_header", "Bearer s3cr3t-token".into()),
        ("allowed_callback_hosts", "".into()),
        ("note", "made in the console".into()),
        ("timeout_s", "7".into()),
        ("max_retries", "".into()),
        ("active", "false".into()),
        ("active", "true".into()),
    ]
}

async fn server(backend: weft_store::testing::Backend) -> TestServer {
    TestServer::start_with(
        backend,
        &[
            ("WEFT_ALLOWED_TARGETS", "127.0.0.0/8"),
            ("WEFT_RETRY_SCHEDULE", "50ms"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_rule_made_and_changed_in_the_form_is_the_rule_the_api_shows() {
    for backend in backends() {
        let server = server(backend).await;
        let console = Console::admin(&server, "ops").await;
        let form = console.get("/console/outbound-rules/new").await;
        assert_eq!(form.status, 200, "{}", form.text);
        for input in [
            "name",
            "model",
            "trigger_domain",
            "endpoint_url",
            "payload_fields",
        ] {
            assert!(form.text.contains(&format!("name=\"{input}\"")), "{input}");
        }

        let made = console
            .post(
                "/console/outbound-rules/new",
                &fields(&company_rule("http://127.0.0.1:9/c")),
            )
            .await;
        let id = rule_id(&made);
        let (status, rule) = server
            .admin("GET", &format!("/api/v1/outbound-rules/{id}"), None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(rule["name"], "Companies");
        assert_eq!(
            rule["trigger_domain"],
            json!([["company_type", "=", "company"]])
        );
        assert_eq!(rule["payload_fields"], json!(["name", "company_type"]));
        assert_eq!(rule["auth_header"], "Bearer ***");
        assert_eq!(rule["timeout_s"], 7);
        assert_eq!(rule["active"], true);

        // The edit form shows the header by its scheme only; a blank input keeps it.
        let page = console
            .get(&format!("/console/outbound-rules/{id}?saved=1"))
            .await;
        assert!(page.text.contains("Saved."), "{}", page.text);
        assert!(
            !page.text.contains("s3cr3t-token"),
            "the credential is never shown"
        );
        let mut edit = company_rule("http://127.0.0.1:9/d");
        edit.retain(|(k, _)| *k != "auth_header");
        edit.push(("auth_header", String::new()));
        edit[0].1 = "Companies, renamed".into();
        let saved = console
            .post(&format!("/console/outbound-rules/{id}"), &fields(&edit))
            .await;
        assert_eq!(rule_id(&saved), id);
        let (_, rule) = server
            .admin("GET", &format!("/api/v1/outbound-rules/{id}"), None)
            .await;
        assert_eq!(rule["name"], "Companies, renamed");
        assert_eq!(rule["endpoint_url"], "http://127.0.0.1:9/d");
        assert_eq!(rule["auth_header"], "Bearer ***", "kept");

        let list = console.get("/console/outbound-rules").await;
        assert!(list.text.contains("Companies, renamed"), "{}", list.text);
        assert!(list.text.contains("http://127.0.0.1:9/d"));

        // Archive, then restore.
        let archived = console
            .post(
                &format!("/console/outbound-rules/{id}/active"),
                &[("active", "false")],
            )
            .await;
        assert_eq!(archived.status, 303);
        let (_, rule) = server
            .admin("GET", &format!("/api/v1/outbound-rules/{id}"), None)
            .await;
        assert_eq!(rule["active"], false);
        console
            .post(
                &format!("/console/outbound-rules/{id}/active"),
                &[("active", "true")],
            )
            .await;
        let (_, rule) = server
            .admin("GET", &format!("/api/v1/outbound-rules/{id}"), None)
            .await;
        assert_eq!(rule["active"], true);
    }
}

#[tokio::test]
async fn the_apis_refusals_come_back_at_their_fields_and_nothing_is_stored() {
    let server = server(weft_store::testing::Backend::Sqlite).await;
    let console = Console::admin(&server, "ops").await;
    let cases: [(&str, &str, &str); 4] = [
        ("trigger_domain", "[('state', '=' ", "trigger_domain-error"),
        ("model", "no.such.model", "model-error"),
        ("endpoint_url", "", "endpoint_url-error"),
        ("timeout_s", "soon", "timeout_s-error"),
    ];
    for (field, value, error_id) in cases {
        let mut form = company_rule("http://127.0.0.1:9/c");
        for (k, v) in form.iter_mut() {
            if *k == field {
                *v = value.into();
            }
        }
        let answer = console
            .post("/console/outbound-rules/new", &fields(&form))
            .await;
        assert_eq!(answer.status, 422, "{field}: {}", answer.text);
        let shown = element(&answer.text, error_id)
            .unwrap_or_else(|| panic!("no error at {field}: {}", answer.text));
        assert!(!shown.is_empty(), "{field}");
        // What was typed is still there.
        if !value.is_empty() && field != "model" {
            assert!(answer.text.contains(value.trim()), "{field} kept");
        }
    }
    let domain = console
        .post(
            "/console/outbound-rules/new",
            &fields(&{
                let mut form = company_rule("http://127.0.0.1:9/c");
                form[2].1 = "[('state', '=' ".into();
                form
            }),
        )
        .await;
    let shown = element(&domain.text, "trigger_domain-error").unwrap();
    assert!(
        shown.contains("position"),
        "the position of the mistake: {shown}"
    );
    let (_, rules) = server.admin("GET", "/api/v1/outbound-rules", None).await;
    assert_eq!(rules["items"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn the_domain_check_counts_what_matches_now() {
    let server = server(weft_store::testing::Backend::Sqlite).await;
    let console = Console::admin(&server, "ops").await;
    for name in ["Acme", "Globex"] {
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": name, "company_type": "company"}}),
            )
            .await;
        ok(&reply);
    }
    let check = |domain: &'static str| {
        let console = &console;
        async move {
            console
                .post(
                    "/console/outbound-rules/check-domain",
                    &[("model", "res.partner"), ("trigger_domain", domain)],
                )
                .await
        }
    };
    let page =
        check("[('company_type', '=', 'company'), ('name', 'in', ['Acme', 'Globex'])]").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("Matches 2 records now."),
        "{}",
        page.text
    );
    let page = check("[('name', '=', 'Acme')]").await;
    assert!(page.text.contains("Matches 1 record now."), "{}", page.text);
    let page = check("[('name', '=', 'Acme'").await;
    assert!(page.text.contains("field-error"), "{}", page.text);
    assert!(page.text.contains("position"), "{}", page.text);
    let page = check("[('no_such_field', '=', 1)]").await;
    assert!(page.text.contains("no_such_field"), "{}", page.text);
}

#[tokio::test]
async fn the_preview_is_what_a_delivery_carries_and_send_test_queues_one() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let url = format!("{}/companies", receiver.url);
        let console = Console::admin(&server, "ops").await;
        let id = rule_id(
            &console
                .post("/console/outbound-rules/new", &fields(&company_rule(&url)))
                .await,
        );

        // A real delivery: a company is made through the API.
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Initech", "company_type": "company"}}),
            )
            .await;
        let partner = ok(&reply)["id"].as_i64().unwrap();
        let delivered = receiver.wait_for(1, WAIT).await[0].json();

        // The preview of the saved form for that record, and of an unsaved change.
        let mut form = company_rule(&url);
        form.push(("rule_id", id.to_string()));
        form.push(("preview_id", partner.to_string()));
        let preview = console
            .post("/console/outbound-rules/preview", &fields(&form))
            .await;
        assert_eq!(preview.status, 200, "{}", preview.text);
        let body = element(&preview.text, "preview-body").expect(&preview.text);
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), delivered);
        assert!(body.contains("\n  "), "pretty-printed: {body}");
        form[6].1 = "[\"name\"]".into();
        let unsaved = console
            .post("/console/outbound-rules/preview", &fields(&form))
            .await;
        let body = element(&unsaved.text, "preview-body").expect(&unsaved.text);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["name"], "Initech");
        assert!(
            body.get("company_type").is_none(),
            "the unsaved payload: {body}"
        );

        // Send test: one more delivery, linked from the page, at the receiver.
        let sent = console
            .post(
                &format!("/console/outbound-rules/{id}/test"),
                &[("res_id", "")],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.text);
        let location = sent.header("location").to_string();
        let delivery: i64 = location.rsplit("queued=").next().unwrap().parse().unwrap();
        assert!(delivery > 0, "{location}");
        let page = console.get(&location).await;
        assert!(
            page.text
                .contains(&format!("href=\"/console/deliveries/{delivery}\"")),
            "{}",
            page.text
        );
        let both = receiver.wait_for(2, WAIT).await;
        assert_eq!(both[1].json(), delivered);

        // The list shows its newest delivery.
        let list = console.get("/console/outbound-rules").await;
        assert!(
            list.text
                .contains(&format!("href=\"/console/deliveries/{delivery}\"")),
            "{}",
            list.text
        );
    }
}

#[tokio::test]
async fn the_secret_is_revealed_on_request_and_rotated_with_its_overlap() {
    let server = server(weft_store::testing::Backend::Sqlite).await;
    let console = Console::admin(&server, "ops").await;
    let id = rule_id(
        &console
            .post(
                "/console/outbound-rules/new",
                &fields(&company_rule("http://127.0.0.1:9/c")),
            )
            .await,
    );
    let (_, secret) = server
        .admin("GET", &format!("/api/v1/outbound-rules/{id}/secret"), None)
        .await;
    let secret = secret["secret"].as_str().unwrap().to_string();
    let page = console.get(&format!("/console/outbound-rules/{id}")).await;
    assert!(!page.text.contains(&secret), "not on the page until asked");
    assert!(page.text.contains("24 hours"), "the overlap is explained");
    let revealed = console
        .get(&format!("/console/outbound-rules/{id}/secret"))
        .await;
    assert!(revealed.text.contains(&secret), "{}", revealed.text);

    let rotated = console
        .post(&format!("/console/outbound-rules/{id}/rotate-secret"), &[])
        .await;
    assert_eq!(rotated.status, 303);
    let page = console.get(rotated.header("location")).await;
    assert!(
        page.text.contains("keeps signing for 24 hours"),
        "{}",
        page.text
    );
    let revealed = console
        .get(&format!("/console/outbound-rules/{id}/secret"))
        .await;
    assert!(!revealed.text.contains(&format!("value=\"{secret}\" id")));
    assert!(
        revealed
            .text
            .contains("Previous secret, still signing until")
    );
    assert!(
        revealed.text.contains(&secret),
        "the previous one: {}",
        revealed.text
    );
}

#[tokio::test]
async fn no_rule_changes_without_the_sessions_token() {
    let server = server(weft_store::testing::Backend::Sqlite).await;
    let console = Console::admin(&server, "ops").await;
    let form = company_rule("http://127.0.0.1:9/c");
    let answer = console
        .post_raw(
            "/console/outbound-rules/new",
            &fields(&form),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    let (_, rules) = server.admin("GET", "/api/v1/outbound-rules", None).await;
    assert_eq!(rules["items"], json!([]));
}
