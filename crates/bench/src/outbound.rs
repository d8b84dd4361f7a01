//! The outbound scenarios: the real `weft` binary (release build) sending deliveries to a receiver
//! in this process that answers 200 at once, each beside a raw reqwest POST loop to the same
//! receiver in the same run (the most this machine's HTTP stack could send).
//!
//! - drain: 20,000 deliveries written straight into the outbox in one transaction, then one change
//!   that fires a rule wakes the dispatcher; rate = deliveries received / time to the last one;
//! - end to end: `--clients` clients send `update_data` writes that each fire a rule; events/s =
//!   events received / time from the first write to the last event received;
//! - latency: `update_data` at a steady `--rate` events/s; from the moment each write was planned
//!   to the moment its event arrived (an upper bound of commit-to-receive: it includes the write),
//!   and from the write's reply (a lower bound: the commit came just before the reply).
//!
//! Every scenario checks that nothing was lost: each event arrives (its `webhook-id` seen) and the
//! outbox ends with every delivery `done`.

use crate::create_data::{KEY, Service, row, rpc, start};
use crate::report;
use anyhow::Context;
use hdrhistogram::Histogram;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Route, Server, handler};
use sea_orm::Database;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(clap::Args)]
pub struct Args {
    /// The weft binary to run.
    #[arg(long, default_value = "target/release/weft")]
    weft: String,
    /// Deliveries in the pre-filled outbox.
    #[arg(long, default_value_t = 20_000)]
    drain: u64,
    /// Events of the end-to-end measurement.
    #[arg(long, default_value_t = 10_000)]
    events: u64,
    /// Concurrent clients writing in the end-to-end measurement (with fewer, each client's own
    /// round trip leaves the SQLite writer idle between turns; BENCHMARKS.md has 16 too).
    #[arg(long, default_value_t = 32)]
    clients: u64,
    /// Events per second of the latency measurement (for 10 s).
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// Also run on this PostgreSQL server (a database is created for the run and dropped after).
    #[arg(long)]
    postgres: Option<String>,
}

/// Partners the end-to-end writes spread over (each delivery key is one partner).
const PARTNERS: u64 = 2_000;

#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    /// When each `seq` first arrived.
    arrivals: HashMap<u64, Instant>,
}

struct Receiver {
    url: String,
    seen: Arc<Mutex<Seen>>,
    arrived: Arc<Notify>,
}

#[handler]
async fn receive(
    req: &Request,
    body: String,
    state: Data<&(Arc<Mutex<Seen>>, Arc<Notify>)>,
) -> &'static str {
    let now = Instant::now();
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let seq = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
        v["seq"]
            .as_u64()
            .or_else(|| v["seq"].as_str()?.parse().ok())
    });
    {
        let mut seen = state.0.0.lock().expect("seen");
        seen.ids.insert(id);
        if let Some(seq) = seq {
            seen.arrivals.entry(seq).or_insert(now);
        }
    }
    state.0.1.notify_waiters();
    "ok"
}

impl Receiver {
    async fn start() -> anyhow::Result<Receiver> {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let arrived = Arc::new(Notify::new());
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
        let address = acceptor.local_addr()[0].to_string();
        let app = Route::new()
            .at("/*path", poem::post(receive))
            .data((seen.clone(), arrived.clone()));
        tokio::spawn(async move { Server::new_with_acceptor(acceptor).run(app).await });
        Ok(Receiver {
            url: format!("http://{}", address.trim_start_matches("socket://")),
            seen,
            arrived,
        })
    }

    fn count(&self) -> usize {
        self.seen.lock().expect("seen").ids.len()
    }

    fn reset(&self) {
        *self.seen.lock().expect("seen") = Seen::default();
    }

    /// Wait until `n` distinct deliveries arrived; when the last one did.
    async fn wait_for(&self, n: usize, within: Duration) -> anyhow::Result<Instant> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.arrived.notified();
            if self.count() >= n {
                return Ok(Instant::now());
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() && self.count() < n {
                anyhow::bail!(
                    "{} of {n} deliveries arrived within {within:?}",
                    self.count()
                );
            }
        }
    }
}

/// The baseline: `n` POSTs of a delivery-sized body with `concurrency` tasks, nothing else.
async fn raw_posts(
    receiver: &Receiver,
    n: u64,
    concurrency: u64,
) -> anyhow::Result<(Duration, Histogram<u64>)> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let (client, url) = (client.clone(), format!("{}/raw", receiver.url));
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3)?;
            for i in (c..n).step_by(concurrency as usize) {
                let t = Instant::now();
                let status = client
                    .post(&url)
                    .header("webhook-id", format!("raw_{i}"))
                    .header("content-type", "application/json")
                    .body(json!({"id": i, "seq": i}).to_string())
                    .send()
                    .await?
                    .status();
                anyhow::ensure!(status.is_success(), "the receiver answered {status}");
                h.record(t.elapsed().as_micros() as u64)?;
            }
            anyhow::Ok(h)
        }));
    }
    let mut total = Histogram::<u64>::new(3)?;
    for t in tasks {
        total.add(t.await??)?;
    }
    Ok((started.elapsed(), total))
}

async fn admin_post(client: &reqwest::Client, url: &str, body: Value) -> anyhow::Result<Value> {
    let response = client
        .post(url)
        .header("x-api-key", KEY)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let reply: Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "{url} answered {status}: {reply}");
    Ok(reply)
}

fn call(model: &str, vals: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "params": {"model": model, "vals": vals}})
}

/// Write `n` pending deliveries of `rule` straight into the outbox, in one transaction.
async fn prefill(database_url: &str, rule: i64, url: &str, n: u64) -> anyhow::Result<()> {
    let db = Database::connect(database_url).await?;
    let now = chrono::Utc::now().naive_utc();
    let columns = weft_outbound::outbox::COLUMNS;
    let rows = (0..n)
        .map(|i| weft_store::BulkRow {
            table: "weft_delivery",
            columns,
            values: vec![
                format!("msg_drain{i:08}").into(),
                "rule".into(),
                rule.into(),
                "rule".into(),
                "res.partner".into(),
                (i as i64 + 1).into(),
                url.to_string().into(),
                (i as i64).into(),
                "application/json".into(),
                json!({"id": i + 1, "seq": i}).to_string().into(),
                "pending".into(),
                0i32.into(),
                now.into(),
                now.into(),
            ],
        })
        .collect();
    let tx = sea_orm::TransactionTrait::begin(&db).await?;
    weft_store::insert_all(&tx, rows).await?;
    tx.commit().await?;
    db.close().await?;
    Ok(())
}

/// Every delivery of the outbox ended `done`.
async fn all_done(client: &reqwest::Client, base: &str, expected: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = count(client, base, "done").await?;
        if done >= expected {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {done} of {expected} deliveries are done"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Deliveries in `state`, by paging the review API's ids (cheap enough at these sizes).
async fn count(client: &reqwest::Client, base: &str, state: &str) -> anyhow::Result<u64> {
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let line = format!("weft_deliveries{{state=\"{state}\"}} ");
    Ok(metrics
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64)
}

async fn drain(
    backend: &str,
    url: &str,
    args: &Args,
    receiver: &Receiver,
) -> anyhow::Result<Value> {
    let service = start(&args.weft, url, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")])?;
    let client = reqwest::Client::new();
    let rule = admin_post(
        &client,
        &format!("{}/api/v1/outbound-rules", service.url),
        json!({"name": "drain", "model": "res.partner", "trigger_domain": [["ref", "=", "wake"]],
               "endpoint_source": "static", "endpoint_url": format!("{}/drain", receiver.url)}),
    )
    .await?;
    let rule = rule["id"].as_i64().context("a rule id")?;
    prefill(url, rule, &format!("{}/drain", receiver.url), args.drain).await?;
    receiver.reset();
    let started = Instant::now();
    // One change that fires the rule: its commit wakes the dispatcher.
    rpc(
        &client,
        &format!("{}/api/create_data", service.url),
        &call(
            "res.partner",
            json!({"payload": {"name": "Wake", "ref": "wake"}}),
        ),
    )
    .await?;
    let total = args.drain as usize + 1;
    let last = receiver.wait_for(total, Duration::from_secs(300)).await?;
    let elapsed = last - started;
    all_done(&client, &service.url, total as u64).await?;
    service.stop()?;
    let h = Histogram::<u64>::new(3)?;
    Ok(row(
        backend,
        &format!("drain {} deliveries", args.drain),
        total as u64,
        elapsed,
        &h,
    ))
}

/// A service with `PARTNERS` partners and a rule that fires on every write of `customer_rank`.
async fn writer_service(
    url: &str,
    args: &Args,
    receiver: &Receiver,
) -> anyhow::Result<(Service, reqwest::Client)> {
    let service = start(&args.weft, url, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")])?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let create = format!("{}/api/create_data", service.url);
    for i in 0..PARTNERS {
        rpc(
            &client,
            &create,
            &call(
                "res.partner",
                json!({"payload": {"name": format!("P{i}"), "ref": format!("P{i}")}}),
            ),
        )
        .await?;
    }
    admin_post(
        &client,
        &format!("{}/api/v1/outbound-rules", service.url),
        json!({"name": "ranked", "model": "res.partner", "mode": "matching_write",
               "trigger_domain": [["customer_rank", ">", 0]],
               "endpoint_source": "static", "endpoint_url": format!("{}/events", receiver.url),
               "payload_fields": {"id": "{id}", "seq": "{customer_rank}"}}),
    )
    .await?;
    Ok((service, client))
}

/// update_data of partner `seq % PARTNERS` with `customer_rank = seq + 1`: one event.
fn write_body(seq: u64) -> Value {
    let partner = format!("P{}", seq % PARTNERS);
    call(
        "res.partner",
        json!({"search_key": {"ref": partner}, "payload": {"customer_rank": seq + 1}}),
    )
}

async fn end_to_end(
    backend: &str,
    url: &str,
    args: &Args,
    receiver: &Receiver,
) -> anyhow::Result<Vec<Value>> {
    let (service, client) = writer_service(url, args, receiver).await?;
    let update = format!("{}/api/update_data", service.url);
    receiver.reset();
    let started = Instant::now();
    if std::env::var("WEFT_BENCH_PROGRESS").is_ok() {
        let seen = receiver.seen.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let n = seen.lock().expect("seen").ids.len();
                eprintln!(
                    "{:>6.1} s: {n} events received",
                    started.elapsed().as_secs_f64()
                );
            }
        });
    }
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let (client, update, events, clients) =
            (client.clone(), update.clone(), args.events, args.clients);
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3)?;
            for seq in (c..events).step_by(clients as usize) {
                let t = Instant::now();
                rpc(&client, &update, &write_body(seq)).await?;
                h.record(t.elapsed().as_micros() as u64)?;
            }
            anyhow::Ok(h)
        }));
    }
    let mut writes = Histogram::<u64>::new(3)?;
    for t in tasks {
        writes.add(t.await??)?;
    }
    let written = started.elapsed();
    let last = receiver
        .wait_for(args.events as usize, Duration::from_secs(300))
        .await?;
    all_done(&client, &service.url, args.events).await?;
    let mut rows = vec![
        row(
            backend,
            &format!("update_data firing a rule, {} clients", args.clients),
            args.events,
            written,
            &writes,
        ),
        row(
            backend,
            "  events committed and delivered",
            args.events,
            last - started,
            &Histogram::<u64>::new(3)?,
        ),
    ];

    // Latency at a steady rate, on the same service (its events continue the sequence).
    receiver.reset();
    let n = args.rate * 10;
    let base = args.events;
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    let started = Instant::now();
    let mut planned_at = HashMap::with_capacity(n as usize);
    let mut tasks = Vec::with_capacity(n as usize);
    for i in 0..n {
        let planned = started + interval * i as u32;
        tokio::time::sleep_until(planned.into()).await;
        planned_at.insert(base + i + 1, planned);
        let (client, update) = (client.clone(), update.clone());
        tasks.push(tokio::spawn(async move {
            rpc(&client, &update, &write_body(base + i)).await?;
            anyhow::Ok((base + i + 1, Instant::now()))
        }));
    }
    let mut replied_at = HashMap::with_capacity(n as usize);
    for t in tasks {
        let (seq, replied) = t.await??;
        replied_at.insert(seq, replied);
    }
    receiver
        .wait_for(n as usize, Duration::from_secs(60))
        .await?;
    // From the planned write (an upper bound of commit-to-receive: it holds the write and its
    // queue) and from the write's reply (a lower bound: the commit came just before the reply; an
    // event that arrived first counts as 0).
    let mut from_planned = Histogram::<u64>::new(3)?;
    let mut from_reply = Histogram::<u64>::new(3)?;
    {
        let seen = receiver.seen.lock().expect("seen");
        for (seq, planned) in &planned_at {
            let arrived = seen
                .arrivals
                .get(seq)
                .with_context(|| format!("event {seq} never arrived"))?;
            from_planned.record(arrived.saturating_duration_since(*planned).as_micros() as u64)?;
            let replied = replied_at[seq];
            from_reply.record(arrived.saturating_duration_since(replied).as_micros() as u64)?;
        }
    }
    all_done(&client, &service.url, args.events + n).await?;
    let elapsed = started.elapsed();
    let at = format!("at {} events/s", args.rate);
    rows.push(row(
        backend,
        &format!("write-to-receive {at}"),
        n,
        elapsed,
        &from_planned,
    ));
    rows.push(row(
        backend,
        &format!("reply-to-receive {at}"),
        n,
        elapsed,
        &from_reply,
    ));
    drop(service);
    Ok(rows)
}

async fn scenario(backend: &str, url: &str, args: &Args) -> anyhow::Result<Vec<Value>> {
    let receiver = Receiver::start().await?;
    let (e, h) = raw_posts(&receiver, args.drain, 64).await?;
    let mut rows = vec![row(
        backend,
        "baseline: raw reqwest POSTs, 64 tasks",
        args.drain,
        e,
        &h,
    )];
    rows.push(drain(backend, url, args, &receiver).await?);
    Ok(rows)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let rows = report::on_each_backend(
        args.postgres.as_deref(),
        "weft_bench_outbound",
        async |backend, url| {
            let mut rows = scenario(backend, url, &args).await?;
            let receiver = Receiver::start().await?;
            rows.extend(end_to_end(backend, url, &args, &receiver).await?);
            Ok(rows)
        },
    )
    .await?;
    report::print(&rows, "events")
}
