//! OAuth 2.0's authorization-code flow as a Synconics client runs it: the authorize step needs
//! a session of the app's user (else the console's sign-in, which comes back), refuses an
//! unregistered redirect and another user, sends the code and `state` to the redirect URI; the
//! code is single use with PKCE S256, and refresh tokens rotate, a replayed one ending the grant.

use crate::oauth::{CALLBACK, app, form, no_redirects, user, webhooks};
use crate::server;
use crate::support::TestServer;
use serde_json::json;
use weft_store::testing::backends;

/// Log in with `/web/session/authenticate`: the `session_id` cookie.
async fn session(server: &TestServer, login: &str) -> String {
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1,
        "params": {"db": "weft", "login": login, "password": format!("{login}-password")}});
    let response = reqwest::Client::new()
        .post(format!("{}/web/session/authenticate", server.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    cookie.split(';').next().unwrap().to_string()
}

/// GET the authorize step with `cookie`: the status and the Location.
async fn authorize(
    server: &TestServer,
    query: &[(&str, &str)],
    cookie: Option<&str>,
) -> (u16, String) {
    let mut request = no_redirects()
        .get(format!(
            "{}/restapi/1.0/common/oauth2/authorize",
            server.url
        ))
        .query(query);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

fn query_value(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn the_code_flow_needs_a_session_checks_pkce_and_rotates_refresh_tokens() {
    for backend in backends() {
        let server = server(backend).await;
        let uid = user(&server, "erp", "admin").await;
        user(&server, "other", "integration").await;
        let (_, key, secret) = app(&server, uid, "oauth2").await;
        let verifier = "a-verifier-of-at-least-43-characters-0123456789abcdef";
        let challenge = {
            use base64::Engine;
            use sha2::Digest;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
        };
        let asked = [
            ("client_id", key.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "xyz"),
            ("response_type", "code"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        let (status, location) = authorize(&server, &asked, None).await;
        assert_eq!(status, 302);
        assert!(
            location.starts_with(
                "/console/login?next=%2Frestapi%2F1.0%2Fcommon%2Foauth2%2Fauthorize%3F"
            ),
            "{location}"
        );
        let (status, _) = authorize(
            &server,
            &[
                ("client_id", &key),
                ("redirect_uri", "http://evil.example/cb"),
            ],
            None,
        )
        .await;
        assert_eq!(status, 400, "an unregistered redirect is never followed");
        let wrong_user = session(&server, "other").await;
        let (status, _) = authorize(&server, &asked, Some(&wrong_user)).await;
        assert_eq!(
            status, 401,
            "another user's session does not authorize the app"
        );

        let cookie = session(&server, "erp").await;
        let (status, location) = authorize(&server, &asked, Some(&cookie)).await;
        assert_eq!(status, 302);
        assert!(location.starts_with(CALLBACK), "{location}");
        assert_eq!(query_value(&location, "state").as_deref(), Some("xyz"));
        let code = query_value(&location, "code").unwrap();
        let exchange = |code: String, verifier: &'static str| {
            let (key, secret, server) = (key.clone(), secret.clone(), &server);
            async move {
                form(
                    server,
                    "/restapi/1.0/common/oauth2/access_token",
                    &[
                        ("grant_type", "authorization_code"),
                        ("client_id", &key),
                        ("client_secret", &secret),
                        ("code", &code),
                        ("redirect_uri", CALLBACK),
                        ("code_verifier", verifier),
                    ],
                )
                .await
            }
        };
        let (status, tokens) = exchange(code.clone(), verifier).await;
        assert_eq!(status, 200, "{tokens}");
        let access = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
        assert_eq!(webhooks(&server.url, &access).await, 200);
        // A replayed code ends the grant it began.
        let (status, replay) = exchange(code, verifier).await;
        assert_eq!(
            (status, replay["message"].as_str()),
            (400, Some("Authentication code expired"))
        );
        assert_eq!(webhooks(&server.url, &access).await, 401);

        // A new code, a wrong verifier: refused.
        let (_, location) = authorize(&server, &asked, Some(&cookie)).await;
        let (status, _) = exchange(query_value(&location, "code").unwrap(), "wrong").await;
        assert_eq!(status, 400);

        let (_, location) = authorize(&server, &asked, Some(&cookie)).await;
        let (_, tokens) = exchange(query_value(&location, "code").unwrap(), verifier).await;
        let first = tokens["refresh_token"].as_str().unwrap().to_string();
        let refresh = |token: String| {
            let (key, secret, server) = (key.clone(), secret.clone(), &server);
            async move {
                form(
                    server,
                    "/restapi/1.0/common/oauth2/access_token",
                    &[
                        ("grant_type", "refresh_token"),
                        ("client_id", &key),
                        ("client_secret", &secret),
                        ("refresh_token", &token),
                    ],
                )
                .await
            }
        };
        let (status, rotated) = refresh(first.clone()).await;
        assert_eq!(status, 200, "{rotated}");
        let second = rotated["refresh_token"].as_str().unwrap().to_string();
        assert_ne!(second, first);
        // The rotated-away token comes back: someone else may hold it, so the grant ends.
        let (status, reply) = refresh(first).await;
        assert_eq!(
            (status, reply["message"].as_str()),
            (400, Some("Invalid Refresh Token."))
        );
        let (status, _) = refresh(second).await;
        assert_eq!(status, 400, "the replay ended the newer refresh token too");
    }
}
