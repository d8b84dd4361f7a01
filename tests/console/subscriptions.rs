//! The Webhook subscriptions pages against the real binary: Synconics' columns and Send Test
//! Notification on every row, delivered to a real receiver; a subscription made and changed in
//! the form is the one the API shows; the API's refusals at their fields with nothing stored;
//! the condition check; the JSON and XML previews are what a real notification carries; no
//! change without the session's token.

use crate::support::receiver::Receiver;
use crate::support::{TestServer, ok};
use crate::{Console, Page, element, fields, saved_id};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::{Backend, backends};

const WAIT: Duration = Duration::from_secs(15);

async fn server(backend: Backend) -> TestServer {
    TestServer::start_with(
        backend,
        &[
            ("WEFT_ALLOWED_TARGETS", "127.0.0.0/8"),
            ("WEFT_RETRY_SCHEDULE", "50ms"),
        ],
    )
    .await
}

fn form(address: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Partner Creation".into()),
        ("model", "res.partner".into()),
        ("kind", "on_create".into()),
        ("address", address.into()),
        ("format", "json".into()),
        ("language", "en_US".into()),
        ("fields", "name".into()),
        ("fields", "company_type".into()),
        ("condition", "[('company_type', '=', 'company')]".into()),
        ("timeout_s", "".into()),
        ("max_retries", "3".into()),
        ("active", "false".into()),
        ("active", "true".into()),
    ]
}

fn with(
    mut pairs: Vec<(&'static str, String)>,
    key: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (k, v) in pairs.iter_mut() {
        if *k == key {
            *v = value.into();
        }
    }
    pairs
}

fn subscription_id(answer: &Page) -> i64 {
    saved_id(answer, "/console/subscriptions/")
}

fn preview_body(html: &str) -> String {
    element(html, "preview-body").unwrap_or_else(|| panic!("no preview: {html}"))
}

/// A notification without what is new on every one.
fn stable(mut notification: Value) -> Value {
    let map = notification.as_object_mut().unwrap();
    map.remove("id");
    map.remove("timestamp");
    notification
}

#[tokio::test]
async fn a_subscription_from_the_form_notifies_and_previews_what_it_sends() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let url = format!("{}/partners", receiver.url);
        let console = Console::admin(&server, "ops").await;

        let id = subscription_id(
            &console
                .post("/console/subscriptions/new", &fields(&form(&url)))
                .await,
        );
        let (status, made) = server
            .admin("GET", &format!("/api/v1/subscriptions/{id}"), None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(made["fields"], json!(["name", "company_type"]));
        assert_eq!(made["condition"], json!([["company_type", "=", "company"]]));
        assert_eq!(made["max_retries"], 3);

        // Synconics' columns and the row's action.
        let list = console.get("/console/subscriptions").await;
        for column in [
            "Name",
            "Model",
            "Callback URL",
            "Format",
            "Language",
            "Event",
        ] {
            assert!(list.text.contains(&format!(">{column}</th>")), "{column}");
        }
        assert!(list.text.contains("Partner Creation") && list.text.contains("On Create"));
        assert!(list.text.contains("Send Test Notification</button>"));

        // A real notification, then the preview of the same record.
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Umbrella", "company_type": "company"}}),
            )
            .await;
        let partner = ok(&reply)["id"].as_i64().unwrap();
        let delivered = receiver.wait_for(1, WAIT).await[0].json();
        let mut posted = form(&url);
        posted.push(("subscription_id", id.to_string()));
        posted.push(("preview_id", partner.to_string()));
        let preview = console
            .post("/console/subscriptions/preview", &fields(&posted))
            .await;
        let shown: Value = serde_json::from_str(&preview_body(&preview.text)).unwrap();
        assert_eq!(stable(shown), stable(delivered.clone()));

        // XML, unsaved: the same record as Synconics' XML.
        let xml = with(posted.clone(), "format", "xml");
        let preview = console
            .post("/console/subscriptions/preview", &fields(&xml))
            .await;
        let body = preview_body(&preview.text);
        assert!(body.starts_with("<notification "), "{body}");
        assert!(body.contains("Umbrella"), "{body}");
        assert!(preview.text.contains("application/xml"));

        // Send Test Notification: event test, at the receiver, linked from the list.
        let sent = console
            .post(&format!("/console/subscriptions/{id}/test"), &[])
            .await;
        assert_eq!(sent.status, 303, "{}", sent.text);
        let location = sent.header("location").to_string();
        let delivery: i64 = location.rsplit("queued=").next().unwrap().parse().unwrap();
        let page = console.get(&location).await;
        assert!(
            page.text
                .contains(&format!("href=\"/console/deliveries/{delivery}\""))
        );
        let got = receiver.wait_for(2, WAIT).await;
        assert_eq!(got[1].json()["event"], "test");

        // Edit: the fields change, the model stays.
        let edit = with(with(form(&url), "name", "Partners"), "fields", "name");
        let saved = console
            .post(&format!("/console/subscriptions/{id}"), &fields(&edit))
            .await;
        assert_eq!(subscription_id(&saved), id);
        let (_, changed) = server
            .admin("GET", &format!("/api/v1/subscriptions/{id}"), None)
            .await;
        assert_eq!(changed["name"], "Partners");
        assert_eq!(changed["fields"], json!(["name"]));
    }
}

#[tokio::test]
async fn refusals_come_back_at_their_fields_and_nothing_is_stored() {
    let server = server(Backend::Sqlite).await;
    let console = Console::admin(&server, "ops").await;
    let cases = [
        ("model", "no.such.model", "model-error"),
        ("condition", "[('name', '=' ", "condition-error"),
        ("address", "ftp://example.com/x", "address-error"),
        ("language", "en US!", "language-error"),
        ("fields", "no_such_field", "fields-error"),
    ];
    for (field, value, error_id) in cases {
        let posted = with(form("http://127.0.0.1:9/p"), field, value);
        let answer = console
            .post("/console/subscriptions/new", &fields(&posted))
            .await;
        assert_eq!(answer.status, 422, "{field}: {}", answer.text);
        assert!(
            answer.text.contains(&format!("id=\"{error_id}\"")),
            "no error at {field}: {}",
            answer.text
        );
    }
    let (_, list) = server.admin("GET", "/api/v1/subscriptions", None).await;
    assert_eq!(list["items"], json!([]));

    let check = console
        .post(
            "/console/subscriptions/check-condition",
            &[("model", "res.partner"), ("condition", "[('name', '=' ")],
        )
        .await;
    assert!(
        check.text.contains("field-error") && check.text.contains("position"),
        "{}",
        check.text
    );
    let check = console
        .post(
            "/console/subscriptions/check-condition",
            &[("model", "res.partner"), ("condition", "")],
        )
        .await;
    assert!(check.text.contains("Matches "), "{}", check.text);

    // The model's fields to choose from.
    let choices = console
        .get("/console/subscriptions/fields?model=res.partner")
        .await;
    assert!(
        choices.text.contains("value=\"company_type\""),
        "{}",
        choices.text
    );

    let refused = console
        .post_raw(
            "/console/subscriptions/new",
            &fields(&form("http://127.0.0.1:9/p")),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let (_, list) = server.admin("GET", "/api/v1/subscriptions", None).await;
    assert_eq!(list["items"], json!([]));
}
