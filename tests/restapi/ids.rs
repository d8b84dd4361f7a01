//! `?ids=` where some ids are missing, as Synconics answers it.

use super::*;

/// `?ids=` as Synconics reads it: GET is `search_read` with `('id', 'in', ids)`, so the webhooks
/// that exist come back and only an empty answer is a 404; PUT and DELETE run `write`/`unlink`
/// on `browse(ids)`, where a missing id raises Odoo's MissingError: 403, and nothing changes.
#[tokio::test]
async fn ids_answer_the_webhooks_that_exist_and_a_missing_one_changes_nothing() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, ..] = seed_webhooks(&server).await;
        let some = format!("{creation},999999");

        // GET: the one that exists; a list form, the trailing slash and `fields` alike.
        let reply = rest_ok(&server, "GET", "/webhooks", &[("ids", &some)]).await;
        assert_eq!(names(&reply), ["Product Creation"]);
        let listed = format!("[999999, {update}, {creation}]");
        let query: Query = &[("ids", &listed), ("fields", "['name']")];
        let reply = rest_ok(&server, "GET", "/webhooks/", query).await;
        assert_eq!(names(&reply), ["Product Creation", "Product Update"]);
        assert_eq!(keys(&reply["webhook"][0]), ["id", "name"]);
        let query: Query = &[("ids", &some), ("count", "True")];
        assert_eq!(
            rest_ok(&server, "GET", "/webhooks", query).await,
            json!({"count": 1})
        );

        // None of them exists, or none matches the domain: 404.
        let message = refused(
            &server,
            "GET",
            "/webhooks",
            &[("ids", "999999,999998")],
            404,
        )
        .await;
        assert!(message.contains("999999,999998"), "{message}");
        let query: Query = &[("ids", &some), ("domain", "[('model', 'sale.order')]")];
        refused(&server, "GET", "/webhooks", query, 404).await;

        // PUT with one missing id, first or last, or with every id missing: 403, nothing renamed.
        for ids in [some.clone(), format!("999999,{creation}"), "999999".into()] {
            let query: Query = &[("ids", &ids), ("vals", "{'name': 'Renamed'}")];
            let (status, body) = rest(&server, "PUT", "/webhooks", query).await;
            assert_eq!(status, 403, "{ids}: {body}");
            assert_eq!(body["error"]["code"], "missing_record", "{body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.starts_with("ids: webhook 999999"), "{message}");
        }
        let both = format!("{creation},{update}");
        let reply = rest_ok(&server, "GET", "/webhooks", &[("ids", &both)]).await;
        assert_eq!(names(&reply), ["Product Creation", "Product Update"]);

        // DELETE with one missing id: 403, nothing deleted.
        for ids in [some.clone(), format!("{update},999999")] {
            let (status, body) = rest(&server, "DELETE", "/webhooks", &[("ids", &ids)]).await;
            assert_eq!(status, 403, "{ids}: {body}");
            assert_eq!(body["error"]["code"], "missing_record", "{body}");
        }
        let reply = rest_ok(&server, "GET", "/webhooks", &[("ids", &both)]).await;
        assert_eq!(names(&reply), ["Product Creation", "Product Update"]);

        // Every id exists: deleted; then none of them exists.
        assert_eq!(
            rest_ok(&server, "DELETE", "/webhooks", &[("ids", &both)]).await,
            json!({})
        );
        refused(&server, "GET", "/webhooks", &[("ids", &both)], 404).await;
    }
}
