//! A webhook receiver for the end-to-end tests: a real HTTP server on 127.0.0.1:0 that records
//! every request (path, headers, body, when) and answers what its script says for the n-th call.

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// What to answer the n-th request (0-based): a status and an optional body.
pub type Script = Box<dyn Fn(usize) -> (u16, String) + Send + Sync>;

struct Shared {
    /// `webhook-id`s being answered right now, and how often one arrived while already there.
    in_flight: Mutex<std::collections::HashSet<String>>,
    overlaps: std::sync::atomic::AtomicUsize,
    received: Mutex<Vec<Received>>,
    arrived: Notify,
    script: Script,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    _server: tokio::task::JoinHandle<()>,
}

#[handler]
async fn receive(req: &Request, body: String, shared: Data<&Arc<Shared>>) -> Response {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let n = {
        let mut received = shared.received.lock().unwrap();
        received.push(Received {
            path: req.uri().path().to_string(),
            headers,
            body,
            at: Instant::now(),
        });
        received.len() - 1
    };
    shared.arrived.notify_waiters();
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !shared.in_flight.lock().unwrap().insert(id.clone()) {
        shared
            .overlaps
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    // Answer a moment later, so that a second attempt of the same delivery would overlap.
    tokio::time::sleep(Duration::from_millis(1)).await;
    shared.in_flight.lock().unwrap().remove(&id);
    let (status, text) = (shared.script)(n);
    Response::builder()
        .status(poem::http::StatusCode::from_u16(status).unwrap())
        .body(text)
}

impl Receiver {
    /// Answers 200 to everything.
    pub async fn start() -> Receiver {
        Receiver::scripted(Box::new(|_| (200, "ok".into()))).await
    }

    pub async fn scripted(script: Script) -> Receiver {
        let shared = Arc::new(Shared {
            in_flight: Mutex::default(),
            overlaps: Default::default(),
            received: Mutex::new(Vec::new()),
            arrived: Notify::new(),
            script,
        });
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind a receiver");
        let address = acceptor.local_addr()[0].to_string();
        let url = format!("http://{}", address.trim_start_matches("socket://"));
        let app = Route::new()
            .at("/*path", poem::post(receive))
            .data(shared.clone());
        let server = tokio::spawn(async move {
            let _ = Server::new_with_acceptor(acceptor).run(app).await;
        });
        Receiver {
            url,
            shared,
            _server: server,
        }
    }

    /// How many times a delivery arrived while an attempt of it was still being answered.
    pub fn overlaps(&self) -> usize {
        self.shared
            .overlaps
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Wait until at least `n` requests arrived (panics after `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.shared.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let got = self.received();
                assert!(
                    got.len() >= n,
                    "expected {n} requests, got {}: {got:#?}",
                    got.len()
                );
                return got;
            }
        }
    }

    /// Wait `quiet` and return everything received (to check that nothing more came).
    pub async fn settle(&self, quiet: Duration) -> Vec<Received> {
        tokio::time::sleep(quiet).await;
        self.received()
    }
}
