//! Sign-in, sign-out and what guards every page: admins only, the cookie's flags, the failed
//! sign-in limit, the security headers, and the origin and CSRF checks on every change.

use crate::support::TestServer;
use crate::{Console, no_redirects, sign_in};
use weft_store::testing::backends;

#[tokio::test]
async fn an_admin_signs_in_and_out_and_nobody_else_gets_in() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let client = no_redirects();

        // Not signed in: every page leads to the form, which comes back to the page asked for.
        let page = client
            .get(format!("{}/console?hours=24", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 303);
        assert_eq!(
            page.headers()["location"],
            "/console/login?next=%2Fconsole%3Fhours%3D24"
        );
        let htmx = client
            .get(format!("{}/console", server.url))
            .header("hx-request", "true")
            .send()
            .await
            .unwrap();
        assert_eq!(htmx.status(), 401);
        assert!(
            htmx.headers()["hx-redirect"]
                .to_str()
                .unwrap()
                .starts_with("/console/login")
        );
        let form = client
            .get(format!("{}/console/login", server.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(form.contains("name=\"login\"") && form.contains("name=\"password\""));

        // An integration user, even with the right password, and a wrong password: refused.
        server.integration_key("shop", None).await;
        let refused = sign_in(&client, &server, "shop", "shop-password").await;
        assert_eq!(refused.status, 403);
        assert!(
            refused.text.contains("integration role"),
            "{}",
            refused.text
        );
        assert!(refused.header("set-cookie").is_empty());
        server.user_key("ops", "admin", None).await;
        let wrong = sign_in(&client, &server, "ops", "nope").await;
        assert_eq!(wrong.status, 401);
        assert!(
            wrong.text.contains("Wrong login or password"),
            "{}",
            wrong.text
        );
        // An API key is no password.
        let key = server.user_key("ops2", "admin", None).await;
        assert_eq!(sign_in(&client, &server, "ops2", &key).await.status, 401);

        // The admin: a session cookie with the flags a browser needs to keep it to itself.
        let console = Console::sign_in(&server, "ops", "ops-password").await;
        assert!(
            console.cookie.starts_with("weft_console="),
            "{}",
            console.cookie
        );
        let again = sign_in(&client, &server, "ops", "ops-password").await;
        let flags = again.header("set-cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
            assert!(flags.contains(flag), "{flags}");
        }
        assert!(!flags.contains("Secure"), "plain http on loopback: {flags}");
        assert_ne!(
            again.header("set-cookie"),
            console.cookie,
            "a new token each sign-in"
        );
        let home = console.get("/console").await;
        assert!(home.text.contains("ops"), "the signed-in user is shown");

        // Signing out ends the session on the server, not only in the browser.
        let out = console.post("/console/logout", &[]).await;
        assert_eq!(
            (out.status, out.header("location")),
            (303, "/console/login")
        );
        assert!(out.header("set-cookie").contains("Max-Age=0"));
        assert_eq!(console.get("/console").await.status, 303);
    }
}

#[tokio::test]
async fn every_page_carries_a_strict_policy_and_changes_need_the_origin_and_the_token() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        for path in ["/console", "/console/login"] {
            let page = console.get(path).await;
            let policy = page.header("content-security-policy");
            for part in [
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                "frame-ancestors 'none'",
            ] {
                assert!(policy.contains(part), "{path}: {policy}");
            }
            assert!(!policy.contains("unsafe"), "{policy}");
            assert_eq!(page.header("x-content-type-options"), "nosniff");
            assert_eq!(page.header("cache-control"), "no-store");
        }
        // No inline script or style on a page: the policy would block them.
        let home = console.get("/console").await.text;
        assert!(
            !home.contains("<script>") && !home.contains(" style="),
            "{home}"
        );

        // A change from another site, or without this session's token, is refused.
        let cross = console
            .post_raw(
                "/console/logout",
                &[("csrf", &console.csrf)],
                &[("sec-fetch-site", "cross-site")],
            )
            .await;
        assert_eq!(cross.status, 403, "{}", cross.text);
        let other_origin = console
            .post_raw(
                "/console/logout",
                &[("csrf", &console.csrf)],
                &[("origin", "http://evil.example")],
            )
            .await;
        assert_eq!(other_origin.status, 403);
        let no_token = console.post_raw("/console/logout", &[], &[]).await;
        assert_eq!(no_token.status, 403);
        assert!(no_token.text.contains("CSRF"), "{}", no_token.text);
        let wrong = console
            .post_raw("/console/logout", &[("csrf", "0000")], &[])
            .await;
        assert_eq!(wrong.status, 403);
        assert_eq!(console.get("/console").await.status, 200, "still signed in");
        // htmx sends the token as a header.
        let header = console
            .post_raw("/console/logout", &[], &[("x-csrf-token", &console.csrf)])
            .await;
        assert_eq!(header.status, 303);
    }
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_login() {
    for backend in backends() {
        let server = TestServer::start_with(backend, &[("WEFT_LOGIN_RATE_LIMIT", "3")]).await;
        server.user_key("ops", "admin", None).await;
        let client = no_redirects();
        for _ in 0..3 {
            assert_eq!(sign_in(&client, &server, "ops", "guess").await.status, 401);
        }
        let limited = sign_in(&client, &server, "ops", "ops-password").await;
        assert_eq!(limited.status, 429, "{}", limited.text);
        assert!(!limited.header("retry-after").is_empty());
    }
}

#[tokio::test]
async fn a_new_password_or_a_deactivation_ends_the_console_sessions() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let first = Console::admin(&server, "ops").await;
        let (_, users) = server.admin("GET", "/api/v1/users", None).await;
        let id = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["login"] == "ops")
            .expect("ops")["id"]
            .clone();
        let path = format!("/api/v1/users/{id}");
        let change = serde_json::json!({"password": "a-new-password-1"});
        let (status, _) = server.admin("PATCH", &path, Some(change)).await;
        assert_eq!(status, 200);
        assert_eq!(
            first.get("/console").await.status,
            303,
            "the old cookie is worthless"
        );

        let second = Console::sign_in(&server, "ops", "a-new-password-1").await;
        let off = serde_json::json!({"active": false});
        let (status, _) = server.admin("PATCH", &path, Some(off)).await;
        assert_eq!(status, 200);
        assert_eq!(second.get("/console").await.status, 303);
    }
}
