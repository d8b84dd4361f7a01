//! The Inbound hooks pages (issue 17 §3): a hook created and edited through the structured form
//! is the one the API stores; each API error shows at its field or action row and stores nothing;
//! the URL shows on the hook's page only; Rotate Secret makes the old URL answer 404 (called for
//! real); Try it rolls back unless kept; posts without the session's token are refused.

use crate::support::{TestServer, ok};
use crate::{Console, Page};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// A form post as pairs (repeated names kept).
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// A hook on res.partner updating `phone` from the payload, the record named by `_model`/`_id`.
fn phone_hook<'a>(name: &'a str) -> Fields<'a> {
    vec![
        ("name", name),
        ("model", "res.partner"),
        ("active", "false"),
        ("active", "true"),
        ("log_calls", "false"),
        ("log_calls", "true"),
        ("require_signature", "false"),
        ("owner_id", ""),
        ("signing_secret", ""),
        ("target.by", "model_id"),
        ("target.key.field", ""),
        ("target.key.source", "payload"),
        ("target.key.value", ""),
        ("actions[0].type", "update"),
        ("actions[0].model", ""),
        ("actions[0].method", ""),
        ("actions[0].parameter", ""),
        ("actions[0].required", "phone"),
        ("actions[0].values.field", "phone"),
        ("actions[0].values.source", "payload"),
        ("actions[0].values.value", "phone"),
        ("actions[0].values.field", ""),
        ("actions[0].values.source", "payload"),
        ("actions[0].values.value", ""),
    ]
}

/// `fields` with the first `name` set to `value`.
fn with<'a>(mut fields: Fields<'a>, name: &'a str, value: &'a str) -> Fields<'a> {
    match fields.iter_mut().find(|(k, _)| *k == name) {
        Some(pair) => pair.1 = value,
        None => fields.push((name, value)),
    }
    fields
}

/// The id a create's 303 leads to.
fn created_id(answer: &Page) -> i64 {
    assert_eq!(answer.status, 303, "{}", answer.text);
    let location = answer.header("location");
    let rest = location
        .strip_prefix("/console/inbound-hooks/")
        .expect("the hook's page");
    assert!(rest.ends_with("?notice=created"), "{location}");
    rest.split('?').next().unwrap().parse().expect("an id")
}

/// The value of the input `id` in a page.
fn input_value(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let start = rest.find("value=\"")? + "value=\"".len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].replace("&#38;", "&"))
}

async fn partner(server: &TestServer, phone: &str) -> i64 {
    let reply = server
        .call(
            "/api/create_data",
            "res.partner",
            json!({"payload": {"name": "Ada", "phone": phone}}),
        )
        .await;
    ok(&reply)["id"].as_i64().expect("an id")
}

async fn phone_of(server: &TestServer, id: i64) -> Value {
    let reply = server
        .call(
            "/api/search_data",
            "res.partner",
            json!({"payload": {"search_field": ["phone"], "search_domain": [["id", "=", id]]}}),
        )
        .await;
    ok(&reply)[0]["phone"].clone()
}

/// POST a JSON body to a hook's URL, for real: the status.
async fn call_url(url: &str, body: Value) -> u16 {
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("a response")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_hook_made_and_edited_through_the_form_is_the_one_the_api_stores() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let list = console.get("/console/inbound-hooks").await;
        assert_eq!(list.status, 200);
        assert!(
            list.text.contains("No inbound hooks yet"),
            "the empty state"
        );
        let form = console.get("/console/inbound-hooks/new").await;
        assert_eq!(form.status, 200);
        let uid: i64 = form
            .text
            .split("Default: you (user ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|n| n.parse().ok())
            .expect("the form names the default owner");

        let id = created_id(
            &console
                .post("/console/inbound-hooks/new", &phone_hook("Phones"))
                .await,
        );
        let (status, hook) = server
            .admin("GET", &format!("/api/v1/inbound-hooks/{id}"), None)
            .await;
        assert_eq!(status, 200, "{hook}");
        assert_eq!(hook["name"], "Phones");
        assert_eq!(hook["target"], json!({"by": "model_id"}));
        assert_eq!(
            hook["actions"],
            json!([{"type": "update", "values": {"phone": {"$payload": "phone"}}, "required": ["phone"]}])
        );
        assert_eq!(hook["log_calls"], true);
        assert_eq!(
            hook["owner_id"],
            json!(uid),
            "owned by the admin who made it"
        );
        let url = hook["url"].as_str().unwrap().to_string();

        // The URL is on the hook's page, in the copy widget, and nowhere in the list.
        let page = console
            .get(&format!("/console/inbound-hooks/{id}?notice=created"))
            .await;
        assert_eq!(page.status, 200);
        assert_eq!(
            input_value(&page.text, "hook-url").as_deref(),
            Some(url.as_str())
        );
        assert!(page.text.contains("data-copy-target=\"hook-url\""));
        assert!(page.text.contains("Created the hook"));
        let list = console.get("/console/inbound-hooks").await;
        assert!(list.text.contains("Phones") && list.text.contains("update phone"));
        let secret = url.rsplit('/').next().unwrap();
        assert!(!list.text.contains(secret), "the list never shows a URL");
        assert!(!list.text.contains("hook-url"));

        // An edit: a search target, a create action added with its row button, a fixed value.
        let added = console
            .post(
                &format!("/console/inbound-hooks/{id}"),
                &with(phone_hook("Phones"), "_edit", "add-action"),
            )
            .await;
        assert_eq!(added.status, 200, "a row button saves nothing");
        assert!(added.text.contains("name=\"actions[1].type\""));
        let mut edit = with(phone_hook("Phones by ref"), "target.by", "search");
        edit = with(edit, "target.key.field", "ref");
        edit = with(edit, "target.key.value", "customer.code");
        edit.extend([
            ("actions[1].type", "create"),
            ("actions[1].model", "res.partner"),
            ("actions[1].values.field", "name"),
            ("actions[1].values.source", "value"),
            ("actions[1].values.value", "Contact"),
            ("actions[1].values.field", "customer_rank"),
            ("actions[1].values.source", "value"),
            ("actions[1].values.value", "2"),
        ]);
        let saved = console
            .post(&format!("/console/inbound-hooks/{id}"), &edit)
            .await;
        assert_eq!(saved.status, 303, "{}", saved.text);
        assert_eq!(
            saved.header("location"),
            format!("/console/inbound-hooks/{id}?notice=saved")
        );
        let (_, hook) = server
            .admin("GET", &format!("/api/v1/inbound-hooks/{id}"), None)
            .await;
        assert_eq!(hook["name"], "Phones by ref");
        assert_eq!(
            hook["target"],
            json!({"by": "search", "key": {"ref": {"$payload": "customer.code"}}})
        );
        assert_eq!(
            hook["actions"][1],
            json!({"type": "create", "model": "res.partner",
                   "values": {"name": "Contact", "customer_rank": 2}})
        );
        assert_eq!(hook["url"], url, "an edit keeps the URL");
        let page = console.get(&format!("/console/inbound-hooks/{id}")).await;
        assert!(
            page.text.contains("value=\"customer.code\""),
            "the form shows what is stored"
        );
    }
}

#[tokio::test]
async fn each_api_error_shows_at_its_field_and_nothing_is_stored() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let two_actions = |mut f: Fields<'static>| {
            f.extend([
                ("actions[1].type", "update"),
                ("actions[1].values.field", "colour"),
                ("actions[1].values.source", "value"),
                ("actions[1].values.value", "red"),
            ]);
            f
        };
        let cases: Vec<(Fields<'static>, &str, &str)> = vec![
            (
                with(phone_hook("x"), "name", ""),
                "id=\"name-error\"",
                "name",
            ),
            (
                with(phone_hook("x"), "model", "res.partnr"),
                "id=\"model-error\"",
                "res.partnr",
            ),
            (
                with(phone_hook("x"), "owner_id", "999"),
                "id=\"owner_id-error\"",
                "no active user 999",
            ),
            (
                with(phone_hook("x"), "signing_secret", "nope"),
                "id=\"signing_secret-error\"",
                "",
            ),
            (
                with(phone_hook("x"), "target.by", "search"),
                "id=\"target-error\"",
                "target.key",
            ),
            (
                two_actions(phone_hook("x")),
                "<p class=\"field-error\" role=\"alert\">actions[1].values.colour",
                "has no field",
            ),
            (
                with(phone_hook("x"), "target.by", "none"),
                "<p class=\"field-error\" role=\"alert\">actions[0].type",
                "target.by is",
            ),
        ];
        for (fields, at, says) in cases {
            let page = console.post("/console/inbound-hooks/new", &fields).await;
            assert_eq!(page.status, 422, "{at}: {}", page.text);
            let found = page
                .text
                .find(at)
                .unwrap_or_else(|| panic!("{at} in {}", page.text));
            let shown = &page.text[found..found + 300.min(page.text.len() - found)];
            assert!(shown.contains(says), "{at}: {shown}");
        }
        // An action's error sits in its own row.
        let page = console
            .post("/console/inbound-hooks/new", &two_actions(phone_hook("x")))
            .await;
        let row = page.text.find("id=\"action-1\"").expect("row 1");
        let error = page.text.find("actions[1].values.colour").unwrap();
        assert!(error > row, "the error is inside action 1");
        assert!(
            page.text.contains("value=\"colour\""),
            "the form keeps what was typed"
        );
        let (_, list) = server.admin("GET", "/api/v1/inbound-hooks", None).await;
        assert_eq!(list["items"], json!([]), "nothing was stored");
    }
}

#[tokio::test]
async fn rotate_secret_makes_the_old_url_answer_404() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let ada = partner(&server, "111").await;
        let id = created_id(
            &console
                .post("/console/inbound-hooks/new", &phone_hook("Phones"))
                .await,
        );
        let page = console.get(&format!("/console/inbound-hooks/{id}")).await;
        let old = input_value(&page.text, "hook-url").expect("the URL");
        let body = json!({"_model": "res.partner", "_id": ada, "phone": "222"});
        assert_eq!(call_url(&old, body.clone()).await, 200);
        assert_eq!(phone_of(&server, ada).await, "222");
        // The call is logged (Log Calls): the list shows when, the Logs link leads to its log.
        let list = console.get("/console/inbound-hooks").await;
        assert!(
            list.text.contains("<time datetime="),
            "a last call: {}",
            list.text
        );
        let link = "/console/logs?type=receive&#38;route=%2Fweb%2Fhook%2F%7Bsecret%7D&#38;model=res.partner";
        assert!(page.text.contains(link), "the Logs link");
        let logs = console.get(&link.replace("&#38;", "&")).await;
        assert!(
            logs.text.contains("Phones"),
            "the receive log names its hook"
        );
        assert!(
            !logs.text.contains(old.rsplit('/').next().unwrap()),
            "no URL in a log"
        );

        let rotated = console
            .post(&format!("/console/inbound-hooks/{id}/rotate"), &[])
            .await;
        assert_eq!(rotated.status, 303, "{}", rotated.text);
        let page = console
            .get(&format!("/console/inbound-hooks/{id}?notice=rotated"))
            .await;
        assert!(page.text.contains("the old URL answers 404"));
        let new = input_value(&page.text, "hook-url").expect("the URL");
        assert_ne!(new, old);
        assert_eq!(
            call_url(&old, body.clone()).await,
            404,
            "the old URL stops at once"
        );
        assert_eq!(call_url(&new, body).await, 200);

        // The signing secret: on request only, and rotated to a new one.
        assert!(!page.text.contains("whsec_"), "not shown until asked for");
        let (_, signing) = server
            .admin(
                "GET",
                &format!("/api/v1/inbound-hooks/{id}/signing-secret"),
                None,
            )
            .await;
        let before = signing["signing_secret"].as_str().unwrap().to_string();
        let shown = console
            .post(&format!("/console/inbound-hooks/{id}/signing-secret"), &[])
            .await;
        assert_eq!(
            input_value(&shown.text, "signing-secret"),
            Some(before.clone())
        );
        let again = console
            .post(
                &format!("/console/inbound-hooks/{id}/signing-secret/rotate"),
                &[],
            )
            .await;
        assert_eq!(again.status, 200, "{}", again.text);
        let (_, signing) = server
            .admin(
                "GET",
                &format!("/api/v1/inbound-hooks/{id}/signing-secret"),
                None,
            )
            .await;
        let after = signing["signing_secret"].as_str().unwrap();
        assert_ne!(after, before);
        assert_eq!(
            input_value(&again.text, "signing-secret").as_deref(),
            Some(after)
        );
    }
}

#[tokio::test]
async fn try_it_rolls_back_unless_asked_to_keep_the_changes() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let ada = partner(&server, "111").await;
        let signed = with(phone_hook("Signed phones"), "require_signature", "true");
        let id = created_id(&console.post("/console/inbound-hooks/new", &signed).await);
        let page = console.get(&format!("/console/inbound-hooks/{id}")).await;
        assert!(
            page.text
                .contains("&#34;_model&#34;: &#34;res.partner&#34;"),
            "a sample payload"
        );
        assert!(
            page.text.contains("&#34;phone&#34;"),
            "with the path the action reads"
        );

        let payload = json!({"_model": "res.partner", "_id": ada, "phone": "999"}).to_string();
        let path = format!("/console/inbound-hooks/{id}/try");
        let tried = console
            .post(&path, &[("payload", &payload), ("keep", "false")])
            .await;
        assert_eq!(tried.status, 200, "{}", tried.text);
        assert!(
            tried.text.contains("Reply: 200"),
            "signed by the console as a sender would"
        );
        assert!(tried.text.contains("Rolled back"));
        let result = &tried.text[tried.text.find("id=\"try-result\"").unwrap()..];
        assert!(
            result.contains("<code>phone</code>")
                && result.contains("111")
                && result.contains("999")
        );
        assert_eq!(phone_of(&server, ada).await, "111", "rolled back");

        let kept = console
            .post(
                &path,
                &[("payload", &payload), ("keep", "false"), ("keep", "true")],
            )
            .await;
        assert!(kept.text.contains("Reply: 200") && kept.text.contains("were kept"));
        assert_eq!(phone_of(&server, ada).await, "999", "kept");

        let refused = console
            .post(
                &path,
                &[
                    ("payload", "{\"_model\": \"res.partner\"}"),
                    ("keep", "true"),
                ],
            )
            .await;
        assert!(refused.text.contains("Reply: 422"), "{}", refused.text);
        let bad = console.post(&path, &[("payload", "[1]")]).await;
        assert!(bad.text.contains("Reply: 400") && bad.text.contains("must be a JSON object"));
        assert_eq!(phone_of(&server, ada).await, "999");
    }
}

#[tokio::test]
async fn posts_without_the_session_token_are_refused() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let id = created_id(
            &console
                .post("/console/inbound-hooks/new", &phone_hook("Phones"))
                .await,
        );
        let same_origin = [("sec-fetch-site", "same-origin")];
        for path in [
            "/console/inbound-hooks/new".to_string(),
            format!("/console/inbound-hooks/{id}"),
            format!("/console/inbound-hooks/{id}/rotate"),
            format!("/console/inbound-hooks/{id}/try"),
            format!("/console/inbound-hooks/{id}/signing-secret"),
            format!("/console/inbound-hooks/{id}/delete"),
        ] {
            let refused = console
                .post_raw(&path, &phone_hook("Forged"), &same_origin)
                .await;
            assert_eq!(refused.status, 403, "{path}");
        }
        let (_, hook) = server
            .admin("GET", &format!("/api/v1/inbound-hooks/{id}"), None)
            .await;
        assert_eq!(hook["name"], "Phones", "nothing changed");
        let deleted = console
            .post(&format!("/console/inbound-hooks/{id}/delete"), &[])
            .await;
        assert_eq!(deleted.status, 303);
        let (status, _) = server
            .admin("GET", &format!("/api/v1/inbound-hooks/{id}"), None)
            .await;
        assert_eq!(status, 404);
        assert_eq!(
            console
                .get(&format!("/console/inbound-hooks/{id}"))
                .await
                .status,
            404
        );
    }
}
