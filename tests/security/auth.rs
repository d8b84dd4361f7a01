//! Logins and sessions against a hostile client: password guessing is cut off per login and per
//! client address (429 with Retry-After, `X-Forwarded-For` not believed unless configured), a burst
//! of logins does not hold up the service, refusals do not tell which logins exist, and session
//! cookies are `Secure` over https and worthless once expired.

use crate::support::TestServer;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use weft_store::entity::session;
use weft_store::testing::backends;

/// One answer of `/web/session/authenticate`.
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    cookie: Option<String>,
    body: Value,
}

impl Answer {
    fn refused_by_limit(&self) -> bool {
        self.status == 429
            && self.retry_after.is_some_and(|s| s >= 1)
            && self.body["error"]["code"] == json!("rate_limited")
    }

    fn access_denied(&self) -> bool {
        self.status == 200
            && self.body["error"]["data"]["name"] == json!("odoo.exceptions.AccessDenied")
            && self.cookie.is_none()
    }

    fn logged_in(&self) -> bool {
        self.status == 200 && self.body["result"]["uid"].is_i64() && self.cookie.is_some()
    }
}

async fn authenticate(
    client: reqwest::Client,
    url: String,
    login: String,
    password: String,
    forwarded_for: Option<&'static str>,
) -> Answer {
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1,
        "params": {"db": "weft", "login": login, "password": password}});
    let mut request = client
        .post(format!("{url}/web/session/authenticate"))
        .json(&body);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.expect("request");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (retry_after, cookie) = (header("retry-after"), header("set-cookie"));
    Answer {
        status: response.status().as_u16(),
        retry_after: retry_after.and_then(|s| s.parse().ok()),
        cookie,
        body: response.json().await.unwrap_or(Value::Null),
    }
}

async fn login(server: &TestServer, login: &str, password: &str) -> Answer {
    let (client, url) = (server.client.clone(), server.url.clone());
    authenticate(client, url, login.into(), password.into(), None).await
}

/// `count` bad logins at once (`login(n)` for the n-th) to `server`; their answers.
fn burst(
    server: &TestServer,
    count: usize,
    login: impl Fn(usize) -> String,
) -> impl Future<Output = Vec<Answer>> + Send + 'static {
    let mut attempts = JoinSet::new();
    for n in 0..count {
        let (client, url) = (server.client.clone(), server.url.clone());
        attempts.spawn(authenticate(
            client,
            url,
            login(n),
            format!("guess-{n}"),
            None,
        ));
    }
    attempts.join_all()
}

#[tokio::test]
async fn parallel_bad_logins_for_one_login_are_refused_with_429_past_the_limit() {
    for backend in backends() {
        // 3 a minute: a token comes back every 20 s, far longer than the test needs.
        let server = TestServer::start_with(backend, &[("WEFT_LOGIN_RATE_LIMIT", "3")]).await;
        server.integration_key("victim", None).await;
        server.integration_key("bystander", None).await;
        let answers = burst(&server, 24, |_| "victim".into()).await;
        let checked = answers.iter().filter(|a| a.access_denied()).count();
        let refused = answers.iter().filter(|a| a.refused_by_limit()).count();
        assert_eq!(checked + refused, 24, "every answer is a denial or a 429");
        assert!(
            (3..=4).contains(&checked),
            "{checked} passwords were checked"
        );
        // The login is locked for now, even with the right password; no session was opened.
        let right = login(&server, "victim", "victim-password").await;
        assert!(right.refused_by_limit(), "{}", right.body);
        assert!(right.cookie.is_none());
        // The limit is the login's: another user from the same address logs in.
        let bystander = login(&server, "bystander", "bystander-password").await;
        assert!(bystander.logged_in(), "{}", bystander.body);
        // The refusals are counted where an operator looks.
        let metrics = server
            .client
            .get(format!("{}/metrics", server.url))
            .send()
            .await;
        let metrics = metrics.unwrap().text().await.unwrap();
        let counted = metrics
            .lines()
            .find_map(|l| l.strip_prefix("weft_login_refusals_total "))
            .and_then(|n| n.trim().parse::<usize>().ok());
        assert_eq!(counted, Some(refused + 1), "{metrics}");
        eprintln!("ran on {backend:?}");
    }
}

#[tokio::test]
async fn one_address_is_cut_off_across_logins_and_a_forged_forwarded_for_does_not_help() {
    for backend in backends() {
        let limits = [
            ("WEFT_LOGIN_RATE_LIMIT", "0"),
            ("WEFT_LOGIN_IP_RATE_LIMIT", "5"),
        ];
        let server = TestServer::start_with(backend, &limits).await;
        server.integration_key("bystander", None).await;
        for n in 0..5 {
            assert!(
                login(&server, &format!("nobody-{n}"), "x")
                    .await
                    .access_denied()
            );
        }
        assert!(login(&server, "nobody-5", "x").await.refused_by_limit());
        let (client, url) = (server.client.clone(), server.url.clone());
        let (user, password) = ("bystander".to_string(), "bystander-password".to_string());
        let forged = authenticate(client, url, user, password, Some("203.0.113.7")).await;
        assert!(
            forged.refused_by_limit(),
            "X-Forwarded-For is not trusted by default"
        );

        // Behind a trusted proxy, each forwarded address has its own bucket.
        let trusting = [
            ("WEFT_LOGIN_IP_RATE_LIMIT", "2"),
            ("WEFT_TRUST_FORWARDED_FOR", "true"),
        ];
        let proxied = TestServer::start_with(backend, &trusting).await;
        proxied.integration_key("bystander", None).await;
        let attempt = |login: &str, password: &str, address| {
            let (client, url) = (proxied.client.clone(), proxied.url.clone());
            authenticate(client, url, login.into(), password.into(), Some(address))
        };
        for n in 0..2 {
            let guess = attempt(&format!("nobody-{n}"), "x", "203.0.113.7").await;
            assert!(guess.access_denied());
        }
        let blocked = attempt("bystander", "bystander-password", "203.0.113.7").await;
        assert!(blocked.refused_by_limit());
        let other = attempt("bystander", "bystander-password", "203.0.113.8").await;
        assert!(other.logged_in(), "{}", other.body);
        eprintln!("ran on {backend:?}");
    }
}

/// The median time of `/healthz`, asked `count` times in a row, each on a new connection as a
/// load balancer's probe would (a probe stuck behind busy workers is not even accepted).
async fn healthz_median(server: &TestServer, count: usize) -> Duration {
    let probe = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client");
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let response = probe
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .expect("healthz");
        assert_eq!(response.status(), 200);
        times.push(started.elapsed());
    }
    times.sort();
    times[count / 2]
}

#[tokio::test]
async fn healthz_stays_responsive_during_a_burst_of_bad_logins() {
    for backend in backends() {
        // No limit: what keeps the service answering is that the hashing is off the workers.
        let limits = [
            ("WEFT_LOGIN_RATE_LIMIT", "0"),
            ("WEFT_LOGIN_IP_RATE_LIMIT", "0"),
        ];
        let server = TestServer::start_with(backend, &limits).await;
        healthz_median(&server, 3).await;
        let baseline = healthz_median(&server, 11).await;
        let started = Instant::now();
        let logins = tokio::spawn(burst(&server, 24, |n| format!("nobody-{n}")));
        // Sampled for as long as the burst lasts, so the samples are taken under its load.
        let mut samples = Vec::new();
        while !logins.is_finished() {
            samples.push(healthz_median(&server, 1).await);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let answers = logins.await.unwrap();
        let burst_took = started.elapsed();
        assert!(answers.iter().all(Answer::access_denied));
        // The worst wait counts: a probe stuck behind the checks is few samples but long ones.
        let worst = samples.iter().max().copied().unwrap_or_default();
        // Argon2 on the workers put whole checks in front of healthz: seconds in a debug build,
        // most of the burst in any build.
        let bound = (baseline * 50)
            .max(Duration::from_secs(1))
            .min(burst_took / 3);
        assert!(
            worst < bound,
            "healthz took up to {worst:?} during the burst (baseline {baseline:?}, {} samples, \
             burst {burst_took:?})",
            samples.len()
        );
        eprintln!(
            "ran on {backend:?}: healthz {baseline:?}, at worst {worst:?} in {} samples",
            samples.len()
        );
    }
}

#[tokio::test]
async fn unknown_passwordless_and_wrong_logins_get_the_same_refusal() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        server.integration_key("real", None).await;
        // The bootstrap `admin` has no password: only its API key.
        let answers = [
            login(&server, "no-such-login", "x").await,
            login(&server, "admin", "").await,
            login(&server, "admin", "x").await,
            login(&server, "real", "x").await,
        ];
        for answer in &answers {
            assert!(answer.access_denied(), "{}", answer.body);
            assert_eq!(answer.body, answers[0].body, "the refusals differ");
        }
        eprintln!("ran on {backend:?}");
    }
}

/// A search with the session cookie `cookie` (a `Set-Cookie` value).
async fn search_with(server: &TestServer, cookie: &str) -> Value {
    let pair = cookie.split(';').next().expect("name=value");
    server
        .call_with(
            "/api/search_data",
            "res.partner",
            json!({"payload": {"search_domain": []}}),
            &[("cookie", pair)],
        )
        .await
}

#[tokio::test]
async fn session_cookies_are_secure_over_https_and_expired_sessions_are_refused() {
    for backend in backends() {
        let public = [("WEFT_PUBLIC_URL", "https://weft.example.test")];
        let https = TestServer::start_with(backend, &public).await;
        https.integration_key("jane", None).await;
        let session = login(&https, "jane", "jane-password").await;
        let cookie = session.cookie.expect("a session cookie");
        assert!(cookie.contains("; Secure"), "{cookie}");
        let gone = https
            .client
            .post(format!("{}/web/session/destroy", https.url))
            .json(&json!({"jsonrpc": "2.0", "method": "call", "params": {}}))
            .send()
            .await
            .unwrap();
        let cleared = gone.headers()["set-cookie"].to_str().unwrap();
        assert!(cleared.contains("; Secure"), "{cleared}");

        let plain = TestServer::start(backend).await;
        plain.integration_key("jane", None).await;
        let cookie = login(&plain, "jane", "jane-password").await.cookie.unwrap();
        assert!(
            !cookie.contains("Secure"),
            "plain http cannot carry a Secure cookie: {cookie}"
        );
        let served = search_with(&plain, &cookie).await;
        assert_eq!(served["result"]["is_success"], json!(true), "{served}");

        // A week later: the session row is past its expiry.
        let db = sea_orm::Database::connect(&plain.db.url).await.unwrap();
        let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).naive_utc();
        let aged = session::Entity::update_many()
            .col_expr(session::Column::ExpiresAt, Expr::value(past))
            .exec(&db)
            .await
            .unwrap();
        assert_eq!(aged.rows_affected, 1);
        db.close().await.ok();
        let refused = search_with(&plain, &cookie).await;
        assert_eq!(
            refused["error"]["data"]["name"],
            json!("werkzeug.exceptions.Unauthorized"),
            "{refused}"
        );
        // The key still works: only the session ended.
        let reply = plain
            .call("/api/search_data", "res.partner", json!({"payload": {}}))
            .await;
        assert_eq!(reply["result"]["is_success"], json!(true), "{reply}");
        eprintln!("ran on {backend:?}");
    }
}
