//! Outbound rules fire on writes made over XML-RPC exactly as on the ecosoft routes: in the
//! transaction of the write, delivered to a real receiver; a failed call delivers nothing.

use crate::support::TestServer;
use crate::support::receiver::Receiver;
use crate::{caller, execute_kw, fault};
use serde_json::json;
use std::time::Duration;
use weft_store::testing::backends;

#[tokio::test]
async fn a_rule_fires_on_a_write_made_over_xmlrpc() {
    for backend in backends() {
        let server = TestServer::start_with(
            backend,
            &[
                ("WEFT_ALLOWED_TARGETS", "127.0.0.0/8"),
                ("WEFT_RETRY_SCHEDULE", "50ms,50ms"),
            ],
        )
        .await;
        let receiver = Receiver::start().await;
        let rule = json!({"name": "Companies", "model": "res.partner",
            "trigger_domain": "[('company_type', '=', 'company')]",
            "endpoint_source": "static", "endpoint_url": format!("{}/companies", receiver.url)});
        let (status, created) = server
            .admin("POST", "/api/v1/outbound-rules", Some(rule))
            .await;
        assert_eq!(status, 201, "{created}");

        let who = caller(&server, "xml", None).await;
        let object = "/xmlrpc/2/object";
        let id = execute_kw(
            &server,
            object,
            &who,
            "res.partner",
            "create",
            json!([{"name": "ACME"}]),
            json!({}),
        )
        .await
        .expect("created");
        // A write that fails (a bad value) rolls back and delivers nothing.
        let bad = json!([[id], {"company_type": "company", "customer_rank": "many"}]);
        fault(
            execute_kw(
                &server,
                object,
                &who,
                "res.partner",
                "write",
                bad,
                json!({}),
            )
            .await,
        );
        assert!(receiver.settle(Duration::from_millis(600)).await.is_empty());
        // Written into the rule's domain over XML-RPC: one delivery of the record.
        let wrote = execute_kw(
            &server,
            object,
            &who,
            "res.partner",
            "write",
            json!([[id], {"company_type": "company"}]),
            json!({}),
        )
        .await;
        assert_eq!(wrote.unwrap(), json!(true));
        let got = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(got[0].path, "/companies");
        assert_eq!(got[0].json(), json!({"id": id}));
        // Also on the legacy route: out of the domain and back in.
        for company_type in ["person", "company"] {
            let vals = json!([[id], {"company_type": company_type}]);
            execute_kw(
                &server,
                "/xmlrpc/object",
                &who,
                "res.partner",
                "write",
                vals,
                json!({}),
            )
            .await
            .unwrap();
        }
        let got = receiver.wait_for(2, Duration::from_secs(10)).await;
        assert_eq!(got[1].json(), json!({"id": id}));
        assert_eq!(receiver.settle(Duration::from_millis(600)).await.len(), 2);
    }
}
