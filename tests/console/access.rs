//! The API keys and users pages (issue 17 §4): a key made through the form works against
//! `/api/v1`, is shown on that one answer and never again, and stops working the moment it is
//! revoked; users are created, edited and given passwords that sign in to the console (the old
//! one no longer); each of the API's validation errors lands at its field; no change without the
//! session's CSRF token.

use crate::support::TestServer;
use crate::{Console, Page, sign_in};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// The id of the user `login`, through the API.
async fn user_id(server: &TestServer, login: &str) -> i64 {
    user(server, login).await["id"].as_i64().expect("an id")
}

async fn user(server: &TestServer, login: &str) -> Value {
    let (_, users) = server.admin("GET", "/api/v1/users", None).await;
    users["items"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["login"] == login)
        .unwrap_or_else(|| panic!("no user {login}: {users}"))
        .clone()
}

async fn keys(server: &TestServer) -> Vec<Value> {
    let (status, list) = server.admin("GET", "/api/v1/api-keys", None).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().expect("keys").clone()
}

/// `GET /api/v1/api-keys` with `key`: its status and body.
async fn with_key(server: &TestServer, key: &str) -> (u16, Value) {
    let response = server
        .client
        .get(format!("{}/api/v1/api-keys", server.url))
        .header("x-api-key", key)
        .send()
        .await
        .expect("a response");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The new key on the page that made it: the value of its read-only input.
fn shown_key(page: &Page) -> String {
    let input = "<input id=\"new-key\" name=\"new-key\" type=\"text\" readonly value=\"";
    let at = page
        .text
        .find(input)
        .unwrap_or_else(|| panic!("no new key: {}", page.text));
    let rest = &page.text[at + input.len()..];
    rest[..rest.find('"').expect("the value's end")].to_string()
}

/// The error shown at `field`, if any.
fn field_error(page: &Page, field: &str) -> Option<String> {
    let open = format!("<p class=\"field-error\" id=\"{field}-error\">");
    let at = page.text.find(&open)?;
    let rest = &page.text[at + open.len()..];
    let shown = &rest[..rest.find("</p>")?];
    Some(
        shown
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn assert_at(page: &Page, field: &str, expected: &str) {
    let shown = field_error(page, field)
        .unwrap_or_else(|| panic!("no error at {field} ({}): {}", page.status, page.text));
    assert!(shown.contains(expected), "{field}: {shown}");
}

#[tokio::test]
async fn a_key_made_here_works_is_shown_once_and_revoking_it_refuses_it_at_once() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let ops = user_id(&server, "ops").await.to_string();
        let empty = console.get("/console/api-keys").await;
        assert_eq!(empty.status, 200, "{}", empty.text);
        assert!(
            empty
                .text
                .contains("name=\"allowed_models\" value=\"sale.order\"")
        );

        let made = console
            .post(
                "/console/api-keys",
                &[
                    ("user_id", &ops),
                    ("name", "ERP sync"),
                    ("expires_at", "2099-12-31 23:59:59"),
                    ("allowed_models", "res.partner"),
                    ("allowed_models", "sale.order"),
                ],
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text);
        assert!(made.text.contains("the only time it is shown"));
        let key = shown_key(&made);
        assert!(key.starts_with("weft_"), "{key}");

        // It works, as its user, with what the form asked for stored.
        let (status, listed) = with_key(&server, &key).await;
        assert_eq!(status, 200, "{listed}");
        let stored = keys(&server)
            .await
            .into_iter()
            .find(|k| k["name"] == "ERP sync")
            .expect("the key");
        assert_eq!(
            stored["allowed_models"],
            json!(["res.partner", "sale.order"])
        );
        assert_eq!(stored["expires_at"], "2099-12-31 23:59:59");
        assert_eq!(stored["user_id"].to_string(), ops);
        assert!(key.starts_with(&format!("weft_{}_", stored["prefix"].as_str().unwrap())));

        // Never shown again: not on the list, the logs or the revoke page.
        let id = stored["id"].to_string();
        let revoke_path = format!("/console/api-keys/{id}/revoke");
        for path in [
            "/console/api-keys",
            "/console/logs",
            "/console",
            &revoke_path,
        ] {
            let page = console.get(path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.text);
            assert!(!page.text.contains(&key), "{path} shows the key");
        }
        let list = console.get("/console/api-keys").await;
        assert!(list.text.contains("ERP sync"));
        assert!(
            list.text
                .contains(&format!("weft_{}_…", stored["prefix"].as_str().unwrap()))
        );
        assert!(
            list.text
                .contains("<code>res.partner</code>, <code>sale.order</code>")
        );
        assert!(list.text.contains(&format!("href=\"{revoke_path}\"")));

        // Without the token, nothing is revoked.
        let forged = console.post_raw(&revoke_path, &[], &[]).await;
        assert_eq!(forged.status, 403, "{}", forged.text);
        assert_eq!(with_key(&server, &key).await.0, 200);

        let revoked = console.post(&revoke_path, &[]).await;
        assert_eq!(revoked.status, 303, "{}", revoked.text);
        assert_eq!(
            revoked.header("location"),
            format!("/console/api-keys?revoked={id}")
        );
        // At once, though the key was checked (and cached) a moment ago.
        assert_eq!(with_key(&server, &key).await.0, 401);
        let after = console.get(revoked.header("location")).await;
        assert!(after.text.contains(&format!("Revoked API key {id}")));
        assert!(after.text.contains("badge bad\">revoked"));
        assert!(!after.text.contains(&format!("href=\"{revoke_path}\"")));
        let missing = console.post("/console/api-keys/99999/revoke", &[]).await;
        assert_eq!(missing.status, 404);
        assert!(missing.text.contains("There is no API key 99999."));
    }
}

#[tokio::test]
async fn key_form_errors_are_the_apis_at_their_fields() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let ops = user_id(&server, "ops").await.to_string();
        let before = keys(&server).await.len();
        let post = async |fields: &[(&str, &str)]| console.post("/console/api-keys", fields).await;

        let unknown_model = post(&[
            ("user_id", &ops),
            ("name", "typo"),
            ("allowed_models", "res.partnr"),
        ])
        .await;
        assert_eq!(unknown_model.status, 422);
        assert_at(
            &unknown_model,
            "allowed_models",
            "'res.partnr' is not a model of the schema",
        );
        // The form keeps what was typed.
        assert!(unknown_model.text.contains("value=\"typo\""));
        // The API refuses it the same way.
        let (status, body) = server
            .admin(
                "POST",
                "/api/v1/api-keys",
                Some(
                    json!({"user_id": ops.parse::<i64>().unwrap(), "name": "typo",
                    "allowed_models": ["res.partnr"]}),
                ),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body.to_string()
                .contains("allowed_models: 'res.partnr' is not a model")
        );

        let bad_expiry =
            post(&[("user_id", &ops), ("name", "x"), ("expires_at", "tomorrow")]).await;
        assert_eq!(bad_expiry.status, 422);
        assert_at(&bad_expiry, "expires_at", "'tomorrow' is not a datetime");
        assert!(bad_expiry.text.contains("value=\"tomorrow\""));

        let unknown_user = post(&[("user_id", "99999"), ("name", "x")]).await;
        assert_eq!(unknown_user.status, 422);
        assert_at(&unknown_user, "user_id", "no active user 99999");
        let no_user = post(&[("user_id", ""), ("name", "x")]).await;
        assert_at(&no_user, "user_id", "is required");
        let no_name = post(&[("user_id", &ops), ("name", "  ")]).await;
        assert_at(&no_name, "name", "must not be empty");

        let forged = console
            .post_raw(
                "/console/api-keys",
                &[("user_id", &ops), ("name", "forged")],
                &[("sec-fetch-site", "same-origin")],
            )
            .await;
        assert_eq!(forged.status, 403);
        assert_eq!(keys(&server).await.len(), before, "nothing was made");
    }
}

#[tokio::test]
async fn users_are_created_edited_and_given_a_password_that_signs_in() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let (status, branch) = server
            .admin("POST", "/api/v1/companies", Some(json!({"name": "Branch"})))
            .await;
        assert_eq!(status, 201, "{branch}");
        let branch = branch["id"].to_string();

        let made = console
            .post(
                "/console/users",
                &[
                    ("login", "clerk"),
                    ("name", "Clerk"),
                    ("role", "admin"),
                    ("company_ids", ""),
                    ("company_ids", "1"),
                    ("company_ids", &branch),
                    ("company_id", &branch),
                    ("password", "first pass"),
                    ("password_confirm", "first pass"),
                ],
            )
            .await;
        assert_eq!(made.status, 303, "{}", made.text);
        let clerk = user(&server, "clerk").await;
        assert_eq!(clerk["role"], "admin");
        assert_eq!(clerk["company_id"].to_string(), branch);
        assert_eq!(
            clerk["company_ids"],
            json!([1, branch.parse::<i64>().unwrap()])
        );
        let listed = console.get(made.header("location")).await;
        assert!(
            listed.text.contains("Created the user clerk."),
            "{}",
            listed.text
        );
        assert!(listed.text.contains("<strong>Branch</strong>"));

        // The password signs in to the console; a new one ends that session, the old one fails.
        let first = Console::sign_in(&server, "clerk", "first pass").await;
        let id = clerk["id"].to_string();
        let password_path = format!("/console/users/{id}/password");
        let set = console
            .post(
                &password_path,
                &[
                    ("password", "second pass"),
                    ("password_confirm", "second pass"),
                ],
            )
            .await;
        assert_eq!(set.status, 303, "{}", set.text);
        assert!(
            console
                .get(set.header("location"))
                .await
                .text
                .contains("Password set")
        );
        assert_eq!(first.get("/console").await.status, 303, "the session ended");
        let old = sign_in(&console.client, &server, "clerk", "first pass").await;
        assert_ne!(old.status, 303, "the old password still signs in");
        let second = Console::sign_in(&server, "clerk", "second pass").await;

        // Edit: the API's PATCH, the change reaching the user's console session.
        let edit_path = format!("/console/users/{id}");
        let page = console.get(&edit_path).await;
        assert_eq!(page.status, 200);
        assert!(page.text.contains("name=\"password_confirm\""));
        let edited = console
            .post(
                &edit_path,
                &[
                    ("name", "Clerk Two"),
                    ("role", "integration"),
                    ("company_ids", ""),
                    ("company_ids", "1"),
                    ("company_id", "1"),
                    ("active", "false"),
                    ("active", "true"),
                ],
            )
            .await;
        assert_eq!(edited.status, 303, "{}", edited.text);
        let clerk = user(&server, "clerk").await;
        assert_eq!(clerk["name"], "Clerk Two");
        assert_eq!(clerk["role"], "integration");
        assert_eq!(clerk["company_ids"], json!([1]));
        assert_eq!(clerk["active"], true);
        assert_eq!(
            second.get("/console").await.status,
            303,
            "no longer an admin"
        );
        assert!(
            console
                .get(edited.header("location"))
                .await
                .text
                .contains("Saved")
        );

        let off = console.post(&edit_path, &[("active", "false")]).await;
        assert_eq!(off.status, 303, "{}", off.text);
        assert_eq!(user(&server, "clerk").await["active"], false);
        let list = console.get("/console/users").await;
        assert!(list.text.contains("badge bad\">archived"));
    }
}

#[tokio::test]
async fn user_form_errors_are_the_apis_at_their_fields() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let console = Console::admin(&server, "ops").await;
        let create = async |fields: &[(&str, &str)]| console.post("/console/users", fields).await;

        let no_login = create(&[("login", " "), ("role", "integration")]).await;
        assert_eq!(no_login.status, 422);
        assert_at(&no_login, "login", "must not be empty");
        let taken = create(&[("login", "ops")]).await;
        assert_eq!(taken.status, 409, "{}", taken.text);
        assert_at(&taken, "login", "must be unique: \"ops\" is already used");
        let differ = create(&[
            ("login", "new"),
            ("password", "one"),
            ("password_confirm", "two"),
        ])
        .await;
        assert_at(&differ, "password_confirm", "the two passwords differ");
        let bad_role = create(&[("login", "new"), ("role", "root")]).await;
        assert_at(
            &bad_role,
            "role",
            "must be admin or integration, not 'root'",
        );
        let no_company = create(&[("login", "new"), ("company_ids", "999")]).await;
        assert_at(&no_company, "company_ids", "company 999 does not exist");
        assert!(
            no_company.text.contains("value=\"new\""),
            "the login is kept"
        );

        let ops = user_id(&server, "ops").await;
        let edit_path = format!("/console/users/{ops}");
        let outside = console
            .post(
                &edit_path,
                &[
                    ("company_ids", ""),
                    ("company_ids", "1"),
                    ("company_id", "2"),
                ],
            )
            .await;
        assert_eq!(outside.status, 422, "{}", outside.text);
        assert_at(&outside, "company_id", "must be one of company_ids");
        let none = console.post(&edit_path, &[("company_ids", "")]).await;
        assert_at(&none, "company_ids", "a user needs at least one company");
        let blank_name = console.post(&edit_path, &[("name", "")]).await;
        assert_at(&blank_name, "name", "must not be empty");
        let empty = console
            .post(
                &format!("{edit_path}/password"),
                &[("password", ""), ("password_confirm", "")],
            )
            .await;
        assert_at(&empty, "password", "must not be empty");
        let edit = console.get(&edit_path).await;
        assert!(
            edit.text.contains("This is you."),
            "the page warns about editing oneself"
        );

        let forged = console
            .post_raw("/console/users", &[("login", "forged")], &[])
            .await;
        assert_eq!(forged.status, 403);
        let forged_edit = console
            .post_raw(&edit_path, &[("role", "integration")], &[])
            .await;
        assert_eq!(forged_edit.status, 403);
        let (_, users) = server.admin("GET", "/api/v1/users", None).await;
        assert!(!users.to_string().contains("forged"));
        assert!(!users.to_string().contains("\"new\""));
        assert_eq!(user(&server, "ops").await["role"], "admin");

        // The last active admin stays one: archive the bootstrap admin (the API key's user, so
        // the API is closed from here on), then try to demote ourselves.
        let admin = user_id(&server, "admin").await;
        let archived = console
            .post(&format!("/console/users/{admin}"), &[("active", "false")])
            .await;
        assert_eq!(archived.status, 303, "{}", archived.text);
        let demote = console.post(&edit_path, &[("role", "integration")]).await;
        assert_eq!(demote.status, 409, "{}", demote.text);
        assert!(demote.text.contains("is the last active admin"));
        assert_eq!(console.get("/console").await.status, 200, "still an admin");
    }
}
