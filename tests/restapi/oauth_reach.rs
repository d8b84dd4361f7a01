//! The attack through an OAuth app: its token acts as the app's user with the app's models, so
//! a user of company A with an app limited to partners reaches neither company B's partner nor
//! any order, exactly as that user's API key would not.

use crate::oauth::token;
use crate::server;
use serde_json::{Value, json};
use weft_store::testing::backends;

/// GET or PUT `/restapi/1.0/object{path}` with a bearer token: status and JSON body.
async fn object(
    url: &str,
    bearer: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, format!("{url}/restapi/1.0/object{path}"))
        .header("authorization", bearer);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The attack: an app of a user of company A, limited to partners, reaching for company B's
/// partner and for orders. Refused like the same user's API key would be, and nothing changes.
#[tokio::test]
async fn an_apps_token_reaches_only_its_users_companies_and_its_models() {
    for backend in backends() {
        let server = server(backend).await;
        let company = |name: &'static str| {
            let server = &server;
            async move {
                let (_, made) = server
                    .admin("POST", "/api/v1/companies", Some(json!({"name": name})))
                    .await;
                made["id"].as_i64().unwrap()
            }
        };
        let (a, b) = (company("A").await, company("B").await);
        let (status, user) = server
            .admin(
                "POST",
                "/api/v1/users",
                Some(json!({"login": "shop-a", "role": "integration",
                "company_id": a, "company_ids": [a]})),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        let (status, made) = server
            .admin(
                "POST",
                "/api/v1/oauth-apps",
                Some(json!({"name": "shop", "user_id": user["id"],
                "allowed_models": ["res.partner"]})),
            )
            .await;
        assert_eq!(status, 201, "{made}");
        let key = made["consumer_key"].as_str().unwrap();
        let bearer = format!(
            "Bearer {}",
            token(&server, key, made["consumer_secret"].as_str().unwrap()).await
        );
        // B's partner, made by a user of company B.
        let (_, user_b) = server
            .admin(
                "POST",
                "/api/v1/users",
                Some(json!({"login": "shop-b", "role": "integration",
                "company_id": b, "company_ids": [b]})),
            )
            .await;
        let (_, key_b) = server
            .admin(
                "POST",
                "/api/v1/api-keys",
                Some(json!({"user_id": user_b["id"], "name": "b"})),
            )
            .await;
        let bearer_b = format!("Bearer {}", key_b["key"].as_str().unwrap());
        let (status, theirs) = object(
            &server.url,
            &bearer_b,
            "POST",
            "/res.partner",
            Some(json!({"vals": {"name": "B's"}})),
        )
        .await;
        assert_eq!(status, 201, "{theirs}");
        let theirs = theirs["res.partner"]["id"].as_i64().unwrap();

        let (status, mine) = object(
            &server.url,
            &bearer,
            "POST",
            "/res.partner",
            Some(json!({"vals": {"name": "A's"}})),
        )
        .await;
        assert_eq!(status, 201, "{mine}");
        assert_eq!(
            mine["res.partner"]["company_id"][0],
            json!(a),
            "made in the user's company"
        );
        let path = format!("/res.partner/{theirs}");
        let (status, _) = object(&server.url, &bearer, "GET", &path, None).await;
        assert_eq!(status, 404, "another company's partner is not there for it");
        let (status, _) = object(
            &server.url,
            &bearer,
            "PUT",
            &path,
            Some(json!({"vals": {"name": "taken"}})),
        )
        .await;
        assert_eq!(status, 403);
        let (status, reply) = object(&server.url, &bearer, "GET", "/sale.order", None).await;
        assert_eq!(status, 403, "{reply}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .unwrap()
                .contains("sale.order"),
            "{reply}"
        );
        let (_, unchanged) = object(
            &server.url,
            &bearer_b,
            "GET",
            &format!("{path}?fields=['name']"),
            None,
        )
        .await;
        assert_eq!(unchanged["res.partner"]["name"], json!("B's"));
    }
}
