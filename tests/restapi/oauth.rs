//! OAuth apps and their tokens on `/restapi/1.0` (research/synconics-restapi-oauth.md §1-§4):
//! the admin API's checks and what it shows once, client credentials (form, HTTP Basic,
//! Synconics' no-grant-type fallback), Bearer and `?access_token=`, Basic apps, the code flow
//! with a session and PKCE, refresh rotation and replay (`oauth_code`), and revocation taking effect at once, on
//! every instance. The stock clients (requests-oauthlib, authlib, OAuth 1.0a's three legs) run in
//! `tests/python/oauth_clients.sh`.

use crate::server;
use crate::support::TestServer;
use serde_json::{Value, json};
use weft_store::testing::{Backend, backends};

pub(crate) const CALLBACK: &str = "http://127.0.0.1:9/callback";

/// A user of `role` with a password: its id.
pub(crate) async fn user(server: &TestServer, login: &str, role: &str) -> i64 {
    let (status, user) = server
        .admin(
            "POST",
            "/api/v1/users",
            Some(json!({"login": login, "role": role, "password": format!("{login}-password")})),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    user["id"].as_i64().unwrap()
}

/// An app for `user_id`: its id, consumer key and secret.
pub(crate) async fn app(
    server: &TestServer,
    user_id: i64,
    access_type: &str,
) -> (i64, String, String) {
    let (status, app) = server
        .admin(
            "POST",
            "/api/v1/oauth-apps",
            Some(
                json!({"name": format!("{access_type} app"), "user_id": user_id,
                        "access_type": access_type, "redirect_uris": [CALLBACK]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    let text = |k: &str| app[k].as_str().unwrap().to_string();
    (
        app["id"].as_i64().unwrap(),
        text("consumer_key"),
        text("consumer_secret"),
    )
}

pub(crate) fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// POST a form to `path`: status and JSON body.
pub(crate) async fn form(server: &TestServer, path: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    let response = no_redirects()
        .post(format!("{}{path}", server.url))
        .form(pairs)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A client-credentials access token.
pub(crate) async fn token(server: &TestServer, key: &str, secret: &str) -> String {
    let (status, reply) = form(
        server,
        "/restapi/1.0/common/oauth2/access_token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", key),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    reply["access_token"].as_str().unwrap().to_string()
}

/// GET `/restapi/1.0/webhooks` with an `Authorization` header: the status.
pub(crate) async fn webhooks(url: &str, authorization: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{url}/restapi/1.0/webhooks"))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_app_shows_its_secret_once_and_refuses_bad_settings_by_field() {
    for backend in backends() {
        let server = server(backend).await;
        let uid = user(&server, "erp", "admin").await;
        let (id, key, _) = app(&server, uid, "oauth2").await;
        assert_eq!(key.len(), 32);
        let (status, shown) = server
            .admin("GET", &format!("/api/v1/oauth-apps/{id}"), None)
            .await;
        assert_eq!(status, 200);
        assert!(shown.get("consumer_secret").is_none(), "{shown}");
        // An OAuth 2.0 app keeps only a hash of its secret; an OAuth 1.0a app's is revealed.
        let (status, _) = server
            .admin("GET", &format!("/api/v1/oauth-apps/{id}/secret"), None)
            .await;
        assert_eq!(status, 409);
        let (one, _, secret) = app(&server, uid, "oauth1").await;
        let (status, revealed) = server
            .admin("GET", &format!("/api/v1/oauth-apps/{one}/secret"), None)
            .await;
        assert_eq!(
            (status, revealed["consumer_secret"].as_str()),
            (200, Some(secret.as_str()))
        );

        for (body, field) in [
            (
                json!({"name": "x", "user_id": uid, "access_type": "oauth3"}),
                "access_type",
            ),
            (json!({"name": "x", "user_id": 999}), "user_id"),
            (json!({"name": " ", "user_id": uid}), "name"),
            (
                json!({"name": "x", "user_id": uid, "redirect_uris": ["https://a.example/cb#x"]}),
                "redirect_uris",
            ),
            (
                json!({"name": "x", "user_id": uid, "redirect_uris": ["not a url"]}),
                "redirect_uris",
            ),
            (
                json!({"name": "x", "user_id": uid, "allowed_models": ["no.such"]}),
                "allowed_models",
            ),
            (
                json!({"name": "x", "user_id": uid, "oauth1_reply": "xml"}),
                "oauth1_reply",
            ),
        ] {
            let (status, reply) = server.admin("POST", "/api/v1/oauth-apps", Some(body)).await;
            assert_eq!(status, 422, "{reply}");
            let message = reply["error"]["message"].as_str().unwrap();
            assert!(message.starts_with(field), "{field}: {message}");
        }
        let (_, list) = server.admin("GET", "/api/v1/oauth-apps", None).await;
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            2,
            "nothing refused was stored"
        );
    }
}

#[tokio::test]
async fn client_tokens_reach_restapi_and_every_revocation_counts_at_once() {
    for backend in backends() {
        let server = server(backend).await;
        let uid = user(&server, "erp", "admin").await;
        let (id, key, secret) = app(&server, uid, "oauth2").await;

        // Synconics' clients post the id and secret with no grant type: a token, no refresh one.
        let (status, reply) = form(
            &server,
            "/restapi/1.0/common/oauth2/access_token",
            &[("client_id", &key), ("client_secret", &secret)],
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["token_type"], "Bearer");
        assert_eq!(reply["refresh_token"], json!(false));
        assert_eq!(reply["access_token_validity"], json!(1800));
        assert_eq!(reply["expires_in"], json!(1800));
        let bearer = format!("Bearer {}", reply["access_token"].as_str().unwrap());
        assert_eq!(webhooks(&server.url, &bearer).await, 200);
        let query = format!(
            "{}/restapi/1.0/webhooks?access_token={}",
            server.url,
            &bearer[7..]
        );
        assert_eq!(reqwest::get(&query).await.unwrap().status(), 200);

        // RFC 6749 §2.3.1: HTTP Basic client authentication.
        let response = reqwest::Client::new()
            .post(format!("{}/oauth2/token", server.url))
            .basic_auth(&key, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
        let basic: Value = response.json().await.unwrap();
        assert!(basic["access_token"].is_string(), "{basic}");
        // RFC 6749's endpoint knows only its grant types; Synconics' falls back to the client's.
        for (grant, error) in [
            ("password", "unsupported_grant_type"),
            ("", "invalid_request"),
        ] {
            let (status, reply) = form(
                &server,
                "/oauth2/token",
                &[
                    ("grant_type", grant),
                    ("client_id", &key),
                    ("client_secret", &secret),
                ],
            )
            .await;
            assert_eq!(
                (status, reply["error"].as_str()),
                (400, Some(error)),
                "{reply}"
            );
        }

        let (status, wrong) = form(
            &server,
            "/restapi/1.0/common/oauth2/access_token",
            &[("client_id", &key), ("client_secret", "nope")],
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(wrong["message"], "Invalid Credentials.");
        assert_eq!(wrong["error"], "invalid_client");

        let refused = |status: u16| assert_eq!(status, 401);
        let (status, _) = server
            .admin(
                "POST",
                &format!("/api/v1/oauth-apps/{id}/revoke-tokens"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        refused(webhooks(&server.url, &bearer).await);

        let fresh = format!("Bearer {}", token(&server, &key, &secret).await);
        assert_eq!(webhooks(&server.url, &fresh).await, 200);
        let (status, _) = server
            .admin(
                "PATCH",
                &format!("/api/v1/oauth-apps/{id}"),
                Some(json!({"active": false})),
            )
            .await;
        assert_eq!(status, 200);
        refused(webhooks(&server.url, &fresh).await);
        server
            .admin(
                "PATCH",
                &format!("/api/v1/oauth-apps/{id}"),
                Some(json!({"active": true})),
            )
            .await;
        assert_eq!(
            webhooks(&server.url, &fresh).await,
            401,
            "deactivating ended its tokens"
        );
        let fresh = format!("Bearer {}", token(&server, &key, &secret).await);

        let (_, regenerated) = server
            .admin("POST", &format!("/api/v1/oauth-apps/{id}/regenerate"), None)
            .await;
        refused(webhooks(&server.url, &fresh).await);
        let (status, _) = form(
            &server,
            "/restapi/1.0/common/oauth2/access_token",
            &[("client_id", &key), ("client_secret", &secret)],
        )
        .await;
        assert_eq!(status, 401, "the old credentials are gone");
        let new_key = regenerated["consumer_key"].as_str().unwrap();
        let new_secret = regenerated["consumer_secret"].as_str().unwrap();
        token(&server, new_key, new_secret).await;
    }
}

#[tokio::test]
async fn a_token_acts_as_its_user_with_the_apps_limits() {
    for backend in backends() {
        let server = server(backend).await;
        // An integration user's token does not manage webhooks (the admin role does).
        let uid = user(&server, "shop", "integration").await;
        let (_, key, secret) = app(&server, uid, "oauth2").await;
        let bearer = format!("Bearer {}", token(&server, &key, &secret).await);
        let response = reqwest::Client::new()
            .get(format!("{}/restapi/1.0/webhooks", server.url))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        // An admin's app limited to some models manages no webhooks of every model.
        let admin = user(&server, "ops", "admin").await;
        let (status, limited) = server
            .admin(
                "POST",
                "/api/v1/oauth-apps",
                Some(
                    json!({"name": "limited", "user_id": admin, "allowed_models": ["res.partner"]}),
                ),
            )
            .await;
        assert_eq!(status, 201);
        let (key, secret) = (
            limited["consumer_key"].as_str().unwrap(),
            limited["consumer_secret"].as_str().unwrap(),
        );
        let bearer = format!("Bearer {}", token(&server, key, secret).await);
        assert_eq!(webhooks(&server.url, &bearer).await, 403);
        // Without credentials, or with made-up ones: Synconics' one answer.
        for authorization in [
            "",
            "Bearer 0123456789abcdef0123456789abcdef",
            "Basic abc",
            "OAuth x=1",
        ] {
            let response = reqwest::Client::new()
                .get(format!("{}/restapi/1.0/webhooks", server.url))
                .header("authorization", authorization)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401, "{authorization}");
            let reply: Value = response.json().await.unwrap();
            assert_eq!(
                reply["error"]["message"], "Authentication required",
                "{reply}"
            );
        }
    }
}

#[tokio::test]
async fn a_basic_app_uses_basic_tokens_and_no_other_kind() {
    for backend in backends() {
        let server = server(backend).await;
        let uid = user(&server, "erp", "admin").await;
        let (_, key, secret) = app(&server, uid, "basic").await;
        let (status, reply) = form(
            &server,
            "/restapi/1.0/common/basic/access_token",
            &[("client_id", &key), ("client_secret", &secret)],
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["token_type"], "Basic");
        let token = reply["access_token"].as_str().unwrap();
        assert_eq!(webhooks(&server.url, &format!("Basic {token}")).await, 200);
        assert_eq!(webhooks(&server.url, &format!("Bearer {token}")).await, 401);
        // A Basic app gets no OAuth 2.0 token, and an OAuth 2.0 app no Basic one.
        let (status, _) = form(
            &server,
            "/restapi/1.0/common/oauth2/access_token",
            &[("client_id", &key), ("client_secret", &secret)],
        )
        .await;
        assert_eq!(status, 401);
        let (_, key2, secret2) = app(&server, uid, "oauth2").await;
        let (status, _) = form(
            &server,
            "/restapi/1.0/common/basic/access_token",
            &[("client_id", &key2), ("client_secret", &secret2)],
        )
        .await;
        assert_eq!(status, 401);
    }
}

#[tokio::test]
async fn introspection_revocation_and_metadata_follow_their_rfcs() {
    for backend in backends() {
        let server = server(backend).await;
        let uid = user(&server, "erp", "admin").await;
        let (_, key, secret) = app(&server, uid, "oauth2").await;
        let access = token(&server, &key, &secret).await;
        let client = [
            ("client_id", key.as_str()),
            ("client_secret", secret.as_str()),
        ];
        let with = |token: &str| {
            let mut pairs = client.to_vec();
            pairs.push(("token", token));
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let ask = |path: &'static str, pairs: Vec<(String, String)>| {
            let server = &server;
            async move {
                let pairs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                form(server, path, &pairs).await
            }
        };
        let (status, about) = ask("/oauth2/introspect", with(&access)).await;
        assert_eq!(status, 200);
        assert_eq!(about["active"], json!(true), "{about}");
        assert_eq!(about["client_id"], json!(key));
        assert_eq!(about["username"], json!("erp"));
        let (status, _) = ask("/oauth2/revoke", with(&access)).await;
        assert_eq!(status, 200);
        let (_, about) = ask("/oauth2/introspect", with(&access)).await;
        assert_eq!(about, json!({"active": false}));
        let (status, _) = ask("/oauth2/revoke", with("never-issued")).await;
        assert_eq!(status, 200, "RFC 7009: unknown tokens are no error");
        let (status, _) = form(&server, "/oauth2/introspect", &[("token", &access)]).await;
        assert_eq!(status, 401, "introspection needs the client's credentials");

        let metadata: Value = reqwest::get(format!(
            "{}/.well-known/oauth-authorization-server",
            server.url
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(metadata["issuer"], json!(server.url));
        assert_eq!(
            metadata["code_challenge_methods_supported"],
            json!(["S256"])
        );
        assert_eq!(
            metadata["token_endpoint"],
            json!(format!(
                "{}/restapi/1.0/common/oauth2/access_token",
                server.url
            ))
        );
    }
}

/// On PostgreSQL, a revocation made through one instance holds on every other at once.
#[tokio::test]
async fn on_postgresql_a_revoked_token_is_refused_by_every_instance() {
    for backend in backends() {
        if backend != Backend::Postgres {
            continue;
        }
        let server = server(backend).await;
        let uid = user(&server, "erp", "admin").await;
        let (id, key, secret) = app(&server, uid, "oauth2").await;
        let twin = server.twin().await;
        let bearer = format!("Bearer {}", token(&server, &key, &secret).await);
        assert_eq!(webhooks(&twin.url, &bearer).await, 200);
        server
            .admin(
                "POST",
                &format!("/api/v1/oauth-apps/{id}/revoke-tokens"),
                None,
            )
            .await;
        assert_eq!(webhooks(&twin.url, &bearer).await, 401);
    }
}

/// A call made with a token is in the API logs, its token masked wherever the client sent it.
#[tokio::test]
async fn a_token_call_is_logged_with_its_token_masked() {
    for backend in backends() {
        let server = server(backend).await;
        let uid = user(&server, "erp", "admin").await;
        let (_, key, secret) = app(&server, uid, "oauth2").await;
        let access = token(&server, &key, &secret).await;
        let url = format!(
            "{}/restapi/1.0/webhooks?access_token={access}&fields=['name']",
            server.url
        );
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
        // Logs are written in batches: look for a few seconds.
        let mut logged = Vec::new();
        for _ in 0..50 {
            let (_, logs) = server
                .admin("GET", "/api/v1/logs?route=/restapi/1.0/webhooks", None)
                .await;
            logged = logs["items"].as_array().cloned().unwrap_or_default();
            if !logged.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(!logged.is_empty(), "the call is not in the logs");
        let id = logged[0]["id"].as_i64().unwrap();
        let (_, detail) = server
            .admin("GET", &format!("/api/v1/logs/{id}"), None)
            .await;
        let text = detail.to_string();
        assert!(
            text.contains("fields"),
            "the call's parameters are shown: {text}"
        );
        assert!(!text.contains(&access), "the token is masked: {text}");
    }
}
