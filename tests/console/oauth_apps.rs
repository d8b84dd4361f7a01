//! The OAuth apps page (issue 18): an app made through the form gets tokens from
//! `/restapi/1.0/common/oauth2/access_token` with the key and secret shown on that answer only;
//! an OAuth 1.0a app's secret is revealed on request, the others' only regenerated; revoking
//! the tokens or deactivating refuses them at once; the API's validation errors land at their
//! fields, and nothing refused is stored.

use crate::support::TestServer;
use crate::{Console, Page};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// The value of the read-only input `id` on `page`.
fn input_value(page: &Page, id: &str) -> String {
    let open = format!("<input id=\"{id}\" type=\"text\" readonly value=\"");
    let at = page
        .text
        .find(&open)
        .unwrap_or_else(|| panic!("no {id}: {}", page.text));
    let rest = &page.text[at + open.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

async fn apps(server: &TestServer) -> Vec<Value> {
    let (_, list) = server.admin("GET", "/api/v1/oauth-apps", None).await;
    list["items"].as_array().unwrap().clone()
}

/// A client-credentials token's status and body.
async fn token(server: &TestServer, key: &str, secret: &str) -> (u16, Value) {
    let response = server
        .client
        .post(format!(
            "{}/restapi/1.0/common/oauth2/access_token",
            server.url
        ))
        .form(&[("client_id", key), ("client_secret", secret)])
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn version_with(server: &TestServer, access: &str) -> u16 {
    server
        .client
        .get(format!("{}/restapi/1.0/webhooks", server.url))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_app_made_here_issues_tokens_and_every_action_holds_at_once() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let (_, users) = server.admin("GET", "/api/v1/users", None).await;
        let ops = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["login"] == "ops")
            .unwrap()["id"]
            .to_string();

        let empty = console.get("/console/oauth-apps").await;
        assert_eq!(empty.status, 200, "{}", empty.text);
        assert!(empty.text.contains("No OAuth apps yet"));

        // Refused at the field the API names; nothing stored.
        let refused = console
            .post(
                "/console/oauth-apps",
                &[
                    ("name", "ERP"),
                    ("user_id", &ops),
                    ("access_type", "oauth2"),
                    ("redirect_uris", "https://erp.example/cb#frag"),
                    ("oauth1_reply", "json"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.text);
        assert!(
            refused.text.contains("id=\"redirect_uris-error\""),
            "{}",
            refused.text
        );
        assert!(
            refused.text.contains("value=\"ERP\""),
            "the form keeps what was typed"
        );
        assert!(apps(&server).await.is_empty());

        let made = console
            .post(
                "/console/oauth-apps",
                &[
                    ("name", "ERP"),
                    ("user_id", &ops),
                    ("access_type", "oauth2"),
                    ("redirect_uris", "https://erp.example/cb\n"),
                    ("oauth1_reply", "json"),
                ],
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text);
        let (key, secret) = (
            input_value(&made, "shown-key"),
            input_value(&made, "shown-secret"),
        );
        let (status, issued) = token(&server, &key, &secret).await;
        assert_eq!(status, 200, "{issued}");
        let access = issued["access_token"].as_str().unwrap().to_string();
        assert_eq!(version_with(&server, &access).await, 200);
        let stored = &apps(&server).await[0];
        assert_eq!(stored["redirect_uris"], json!(["https://erp.example/cb"]));
        let id = stored["id"].as_i64().unwrap();

        // The secret is on no other page; an OAuth 2.0 app's cannot be revealed.
        let list = console.get("/console/oauth-apps").await;
        assert!(list.text.contains(&key) && !list.text.contains(&secret));
        assert!(
            !list
                .text
                .contains(&format!("/console/oauth-apps/{id}/secret"))
        );
        let reveal = console
            .post(&format!("/console/oauth-apps/{id}/secret"), &[])
            .await;
        assert_eq!(reveal.status, 409, "{}", reveal.text);
        assert!(!reveal.text.contains(&secret));

        let revoked = console
            .post(&format!("/console/oauth-apps/{id}/revoke-tokens"), &[])
            .await;
        assert_eq!(revoked.status, 303);
        assert_eq!(version_with(&server, &access).await, 401);
        let page = console.get(revoked.header("location")).await;
        assert!(
            page.text.contains("Revoked every token of OAuth app"),
            "{}",
            page.text
        );

        let (_, issued) = token(&server, &key, &secret).await;
        let access = issued["access_token"].as_str().unwrap().to_string();
        let off = console
            .post(
                &format!("/console/oauth-apps/{id}/active"),
                &[("active", "false")],
            )
            .await;
        assert_eq!(off.status, 303);
        assert_eq!(version_with(&server, &access).await, 401);
        assert_eq!(
            token(&server, &key, &secret).await.0,
            401,
            "an inactive app gets no token"
        );
        console
            .post(
                &format!("/console/oauth-apps/{id}/active"),
                &[("active", "true")],
            )
            .await;

        let regenerated = console
            .post(&format!("/console/oauth-apps/{id}/regenerate"), &[])
            .await;
        assert_eq!(regenerated.status, 200, "{}", regenerated.text);
        let (new_key, new_secret) = (
            input_value(&regenerated, "shown-key"),
            input_value(&regenerated, "shown-secret"),
        );
        assert_ne!(new_key, key);
        assert_eq!(
            token(&server, &key, &secret).await.0,
            401,
            "the old credentials are gone"
        );
        assert_eq!(token(&server, &new_key, &new_secret).await.0, 200);

        // An OAuth 1.0a app's secret can be shown again, on the answer to the POST only.
        let one = console
            .post(
                "/console/oauth-apps",
                &[
                    ("name", "Legacy"),
                    ("user_id", &ops),
                    ("access_type", "oauth1"),
                    ("redirect_uris", ""),
                    ("oauth1_reply", "form"),
                ],
            )
            .await;
        assert_eq!(one.status, 201, "{}", one.text);
        let one_secret = input_value(&one, "shown-secret");
        let one_id = apps(&server)
            .await
            .iter()
            .find(|a| a["name"] == "Legacy")
            .unwrap()["id"]
            .clone();
        let shown = console
            .post(&format!("/console/oauth-apps/{one_id}/secret"), &[])
            .await;
        assert_eq!(shown.status, 200, "{}", shown.text);
        assert_eq!(input_value(&shown, "shown-secret"), one_secret);
        assert!(
            !console
                .get("/console/oauth-apps")
                .await
                .text
                .contains(&one_secret)
        );
    }
}
