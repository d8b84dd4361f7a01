//! The real `weft` binary as a test fixture: started on 127.0.0.1:0 against a fresh database, found
//! by the address it prints, killed when the test ends.

#![allow(dead_code)]

pub mod receiver;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use weft_store::testing::{Backend, TestDb};

pub const ADMIN_KEY: &str = "weft_0123456789ab_test-admin-secret-for-end-to-end-tests";

pub struct TestServer {
    pub url: String,
    pub db: TestDb,
    child: Child,
    pub client: reqwest::Client,
    env: Vec<(String, String)>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn weft_command(db_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    command
        .env("WEFT_DATABASE_URL", db_url)
        .env_remove("WEFT_SCHEMA")
        .env("WEFT_LOG", "warn")
        .current_dir(std::env::temp_dir());
    command
}

/// Another instance of the service (`TestServer::sibling`), killed when dropped.
pub struct Sibling {
    pub url: String,
    child: Child,
}

impl Drop for Sibling {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `weft serve` on `db_url` and 127.0.0.1:0; the child and its base URL.
async fn serve(db_url: &str, env: &[(&str, &str)]) -> (Child, String) {
    let mut command = weft_command(db_url);
    command
        .arg("serve")
        .env("WEFT_LISTEN", "127.0.0.1:0")
        .env("WEFT_ADMIN_API_KEY", ADMIN_KEY);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start weft serve");
    let stdout = child.stdout.take().expect("stdout");
    let address = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let found = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("weft listening on ").map(str::to_string));
        // Keep draining so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        found
    })
    .await
    .unwrap()
    .expect("weft serve printed its address");
    (child, format!("http://{address}"))
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, env: &[(&str, &str)]) -> TestServer {
        let db = TestDb::new(backend).await;
        let (child, url) = serve(&db.url, env).await;
        TestServer {
            url,
            db,
            child,
            client: reqwest::Client::new(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Kill the service with SIGKILL (no chance to finish anything) and start it again on the
    /// same database and settings.
    pub async fn crash_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (child, url) = serve(&self.db.url, &env).await;
        self.child = child;
        self.url = url;
    }

    /// A second instance with this server's settings (`sibling` starts one with none).
    pub async fn twin(&self) -> Sibling {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (child, url) = serve(&self.db.url, &env).await;
        Sibling { url, child }
    }

    /// A second `weft serve` on the same database, as a second instance behind a load balancer.
    pub async fn sibling(&self) -> Sibling {
        let (child, url) = serve(&self.db.url, &[]).await;
        Sibling { url, child }
    }

    /// POST a JSON-RPC call to a data route with the admin key in `x-api-key`.
    pub async fn call(&self, route: &str, model: &str, vals: Value) -> Value {
        self.call_with(route, model, vals, &[("x-api-key", ADMIN_KEY)])
            .await
    }

    pub async fn call_with(
        &self,
        route: &str,
        model: &str,
        vals: Value,
        headers: &[(&str, &str)],
    ) -> Value {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"model": model, "vals": vals}});
        self.post_raw(route, body.to_string().into_bytes(), headers)
            .await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Value {
        let mut request = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 200, "JSON-RPC replies are HTTP 200");
        response.json().await.expect("a JSON reply")
    }

    /// Call an admin route (`/api/v1/...`, `/restapi/...`) with the admin key: status and JSON body
    /// (null when the body is empty or not JSON).
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.url))
            .header("x-api-key", ADMIN_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Run a `weft` CLI command on the server's database and return its stdout.
    pub fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let mut command = weft_command(&self.db.url);
        command.args(args);
        for (k, v) in env {
            command.env(k, v);
        }
        let output = command.output().expect("run weft");
        assert!(
            output.status.success(),
            "weft {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).to_string()
    }
}

/// The `result` object of a successful JSON-RPC reply, asserting the call succeeded.
pub fn ok(reply: &Value) -> &Value {
    assert_eq!(reply["result"]["is_success"], json!(true), "{reply}");
    &reply["result"]["result"]
}

impl TestServer {
    /// A new user of `role` in the main company and an API key of theirs limited to `models`
    /// (None = all): the key's text.
    pub async fn user_key(&self, login: &str, role: &str, models: Option<&[&str]>) -> String {
        let (status, user) = self
            .admin(
                "POST",
                "/api/v1/users",
                Some(
                    json!({"login": login, "role": role, "password": format!("{login}-password")}),
                ),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        let (status, key) = self
            .admin(
                "POST",
                "/api/v1/api-keys",
                Some(json!({"user_id": user["id"], "name": login, "allowed_models": models})),
            )
            .await;
        assert_eq!(status, 201, "{key}");
        key["key"].as_str().expect("the key text").to_string()
    }

    /// `user_key` for the `integration` role: what a hostile integrator holds.
    pub async fn integration_key(&self, login: &str, models: Option<&[&str]>) -> String {
        self.user_key(login, "integration", models).await
    }
}
