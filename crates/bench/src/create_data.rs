//! The create_data scenario: the real `weft` binary (release build) on a fresh database, a sale order
//! with a partner lookup and three product lookups per request, with the service's logging as built.
//!
//! Measurements beside a baseline measured in the same run (`GET /healthz` through the same HTTP
//! stack, the cost of a request that does nothing):
//! - throughput: closed loop, `--clients` concurrent clients, as fast as the service answers, with
//!   the call's log (`webhook.create_data_log`) off and on in alternating rounds, so both see the
//!   same machine and the same database size; the rows add up the rounds of each;
//! - latency at a fixed rate, logging off then on: open loop at `--rate` requests/s, latency counted
//!   from the planned send time, so a stalled service cannot hide its queue (no coordinated
//!   omission).

use crate::report;
use anyhow::Context;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// The weft binary to run.
    #[arg(long, default_value = "target/release/weft")]
    weft: String,
    /// Requests per measurement.
    #[arg(long, default_value_t = 4_000)]
    requests: u64,
    /// Concurrent clients for the throughput measurement.
    #[arg(long, default_value_t = 8)]
    clients: u64,
    /// Rounds of the throughput measurement with logging off and with logging on, alternated.
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Offered rate for the latency measurement (requests/s).
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// Also run on this PostgreSQL server (a database is created for the run and dropped after).
    #[arg(long)]
    postgres: Option<String>,
}

pub(crate) const KEY: &str = "weft_bench0000001_create-data-benchmark-secret";

pub(crate) struct Service {
    child: Child,
    pub(crate) url: String,
}

impl Service {
    /// Stop as an operator would (SIGTERM): the service finishes what it holds and lets go of
    /// its dispatcher lease, so the next service on the database dispatches at once.
    pub(crate) fn stop(mut self) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        anyhow::ensure!(status.success(), "kill -TERM failed");
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `weft serve` on `database_url` and a free port, with `env` on top of the bench's settings.
pub(crate) fn start(
    weft: &str,
    database_url: &str,
    env: &[(&str, &str)],
) -> anyhow::Result<Service> {
    let mut child = Command::new(weft)
        .arg("serve")
        .envs(env.iter().copied())
        .env("WEFT_DATABASE_URL", database_url)
        .env("WEFT_LISTEN", "127.0.0.1:0")
        .env("WEFT_ADMIN_API_KEY", KEY)
        .env("WEFT_LOG", "warn")
        // One key sends everything; the per-user limit (1,000 req/s by default) is not measured here.
        .env("WEFT_RATE_LIMIT", "0")
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| {
            format!("starting {weft} (build it with cargo build --release -p weft-server)")
        })?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("weft listening on ").map(str::to_string))
        .context("weft serve did not print its address")?;
    std::thread::spawn(move || for _ in lines {});
    Ok(Service {
        child,
        url: format!("http://{address}"),
    })
}

fn order_body(n: u64) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "id": n, "params": {"model": "sale.order", "vals": {"payload": {
    "partner_id": {"ref": "C0001"},
    "order_line": [
        {"product_id": {"default_code": "P1"}, "product_uom_qty": 2, "price_unit": 10.0},
        {"product_id": {"default_code": "P2"}, "product_uom_qty": 1, "price_unit": 25.5},
        {"product_id": {"default_code": "P3"}, "product_uom_qty": 5, "price_unit": 3.0},
    ]}}}})
}

pub(crate) async fn rpc(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let reply: Value = client
        .post(url)
        .header("x-api-key", KEY)
        .json(body)
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(
        reply["result"]["is_success"] == json!(true),
        "call failed: {reply}"
    );
    Ok(reply)
}

async fn seed(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let create = |model: &str, payload: Value| json!({"params": {"model": model, "vals": {"payload": payload}}});
    rpc(
        client,
        &format!("{base}/api/create_data"),
        &create("res.partner", json!({"name": "ACME", "ref": "C0001"})),
    )
    .await?;
    for (code, name) in [("P1", "Desk"), ("P2", "Chair"), ("P3", "Lamp")] {
        rpc(
            client,
            &format!("{base}/api/create_data"),
            &create(
                "product.product",
                json!({"name": name, "default_code": code}),
            ),
        )
        .await?;
    }
    Ok(())
}

/// `PUT /api/v1/parameters/{key}` with the admin key.
async fn set_parameter(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    value: bool,
) -> anyhow::Result<()> {
    let status = client
        .put(format!("{base}/api/v1/parameters/{key}"))
        .header("x-api-key", KEY)
        .json(&json!({"value": value.to_string()}))
        .send()
        .await?
        .status();
    anyhow::ensure!(status.is_success(), "setting {key} answered {status}");
    Ok(())
}

pub(crate) fn row(
    backend: &str,
    name: &str,
    count: u64,
    elapsed: Duration,
    h: &Histogram<u64>,
) -> Value {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    json!({"backend": backend, "measurement": name, "count": count,
           "per_second": (count as f64 / elapsed.as_secs_f64()).round(), "p50_ms": ms(0.5), "p99_ms": ms(0.99),
           "max_ms": h.max() as f64 / 1000.0})
}

/// Closed loop: `clients` tasks each sending the next request when the last one answered.
async fn closed_loop(
    client: &reqwest::Client,
    url: &str,
    get: bool,
    requests: u64,
    clients: u64,
) -> anyhow::Result<(Duration, Histogram<u64>)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, url) = (client.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3)?;
            for n in (c..requests).step_by(clients as usize) {
                let t = Instant::now();
                if get {
                    let status = client.get(&url).send().await?.status();
                    anyhow::ensure!(status.is_success(), "baseline answered {status}");
                } else {
                    rpc(&client, &url, &order_body(n)).await?;
                }
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

/// Open loop: one request every 1/rate s, latency measured from when it should have been sent.
async fn open_loop(
    client: &reqwest::Client,
    url: &str,
    requests: u64,
    rate: u64,
) -> anyhow::Result<(Duration, Histogram<u64>)> {
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let histogram = Arc::new(std::sync::Mutex::new(Histogram::<u64>::new(3)?));
    let mut tasks = Vec::with_capacity(requests as usize);
    for n in 0..requests {
        let planned = started + interval * n as u32;
        tokio::time::sleep_until(planned.into()).await;
        let (client, url, histogram) = (client.clone(), url.to_string(), histogram.clone());
        tasks.push(tokio::spawn(async move {
            rpc(&client, &url, &order_body(n)).await?;
            histogram
                .lock()
                .expect("histogram")
                .record(planned.elapsed().as_micros() as u64)?;
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let h = histogram.lock().expect("histogram").clone();
    Ok((started.elapsed(), h))
}

async fn scenario(backend: &str, database_url: &str, args: &Args) -> anyhow::Result<Vec<Value>> {
    let service = start(&args.weft, database_url, &[])?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    seed(&client, &service.url).await?;
    let create = format!("{}/api/create_data", service.url);
    let health = format!("{}/healthz", service.url);
    closed_loop(&client, &create, false, args.requests / 10, args.clients).await?; // warm-up
    let mut rows = Vec::new();
    let (e, h) = closed_loop(&client, &health, true, args.requests, args.clients).await?;
    rows.push(row(backend, "baseline: GET /healthz", args.requests, e, &h));
    // [off, on]: elapsed and latencies summed over the rounds.
    let mut runs = [
        (Duration::ZERO, Histogram::<u64>::new(3)?),
        (Duration::ZERO, Histogram::<u64>::new(3)?),
    ];
    for _ in 0..args.rounds {
        for (logging, (elapsed, latencies)) in [false, true].into_iter().zip(runs.iter_mut()) {
            set_parameter(&client, &service.url, "webhook.create_data_log", logging).await?;
            let (e, h) = closed_loop(&client, &create, false, args.requests, args.clients).await?;
            *elapsed += e;
            latencies.add(h)?;
        }
    }
    let count = args.requests * u64::from(args.rounds);
    for ((elapsed, latencies), logging) in runs.iter().zip(["off", "on"]) {
        let name = format!("create_data, {} clients, log {logging}", args.clients);
        rows.push(row(backend, &name, count, *elapsed, latencies));
    }
    let rate = |row: &Value| row["per_second"].as_f64().unwrap_or_default();
    let (off, on) = (&rows[rows.len() - 2], &rows[rows.len() - 1]);
    println!(
        "{backend}: create_data with logging on keeps {:.1} % of its throughput with logging off",
        rate(on) / rate(off) * 100.0
    );
    let n = args.rate * 8;
    for (logging, name) in [(false, "off"), (true, "on")] {
        set_parameter(&client, &service.url, "webhook.create_data_log", logging).await?;
        let (e, h) = open_loop(&client, &create, n, args.rate).await?;
        let name = format!("create_data at {} req/s, log {name}", args.rate);
        rows.push(row(backend, &name, n, e, &h));
    }
    drop(service);
    Ok(rows)
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let rows = report::on_each_backend(
        args.postgres.as_deref(),
        "weft_bench_create",
        async |backend, url| scenario(backend, url, &args).await,
    )
    .await?;
    report::print(&rows, "requests")
}
