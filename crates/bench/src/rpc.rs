//! The rpc scenario (issue 15): Odoo's own protocols beside the ecosoft routes, on the real `weft`
//! binary (release build), the same data and the same run, so the ratio holds on a noisy machine.
//!
//! - `search_read` of 80 partners from `--rows` (100,000) over `/jsonrpc` (`object.execute_kw`
//!   with the admin's API key as the password) beside `/api/search_data` of the same 80 rows: the
//!   search scenario's domain `[('ref', '>=', R), ('customer_rank', '>', 0)]` ordered by `ref`,
//!   a different R each call, the same four fields; the two are checked to answer the same ids.
//! - `create` of a partner over XML-RPC (`/xmlrpc/2/object` `execute_kw`, a hand-written
//!   `methodCall`, the reply's `<int>` read back) beside `/api/create_data` of the same values.
//!
//! Each pair is measured in alternating rounds (RPC, then ecosoft) with `--clients` concurrent
//! clients in a closed loop; the rows add up the rounds. Both routes keep their receive logs on.

use crate::create_data::{KEY, row, start};
use crate::{report, search};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft_registry::Registry;
use weft_store::{ConnectSettings, Store};

#[derive(clap::Args)]
pub struct Args {
    /// The weft binary to run.
    #[arg(long, default_value = "target/release/weft")]
    weft: String,
    /// Partners in the table.
    #[arg(long, default_value_t = 100_000)]
    rows: u64,
    /// Requests per round and route.
    #[arg(long, default_value_t = 2_000)]
    requests: u64,
    /// Rounds of each pair, alternated.
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    clients: u64,
    /// Also run on this PostgreSQL server (a database is created for the run and dropped after).
    #[arg(long)]
    postgres: Option<String>,
}

/// The database name `/jsonrpc` and XML-RPC are given (`WEFT_DATABASE_NAME`'s default).
const DB: &str = "weft";
const FIELDS: [&str; 4] = ["name", "ref", "email", "customer_rank"];

pub async fn run(args: Args) -> anyhow::Result<()> {
    let rows = report::on_each_backend(
        args.postgres.as_deref(),
        "weft_bench_rpc",
        async |backend, url| scenario(backend, url, &args).await,
    )
    .await?;
    report::print(&rows, "requests")
}

/// One route of a pair: how to send the n-th request of a round.
#[derive(Clone)]
struct Route {
    client: reqwest::Client,
    base: String,
    uid: i64,
    rows: u64,
}

impl Route {
    /// The reference the n-th search starts from: far enough from the end that 80 rows match.
    fn start(&self, n: u64) -> String {
        format!("R{:07}", (n * 7919) % (self.rows - 400))
    }

    fn domain(&self, n: u64) -> Value {
        json!([["ref", ">=", self.start(n)], ["customer_rank", ">", 0]])
    }

    async fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let reply = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-api-key", KEY)
            .json(body)
            .send()
            .await?;
        let status = reply.status();
        let reply: Value = reply.json().await?;
        anyhow::ensure!(status.is_success(), "{path} answered {status}: {reply}");
        Ok(reply)
    }

    /// `object.execute_kw(db, uid, key, "res.partner", "search_read", [domain], {..})` over /jsonrpc.
    async fn search_read(&self, n: u64) -> anyhow::Result<Vec<i64>> {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": n, "params": {
            "service": "object", "method": "execute_kw", "args": [DB, self.uid, KEY, "res.partner",
            "search_read", [self.domain(n)], {"fields": FIELDS, "order": "ref", "limit": 80}]}});
        let reply = self.post_json("/jsonrpc", &body).await?;
        ids(&reply["result"]).ok_or_else(|| anyhow::anyhow!("search_read answered {reply}"))
    }

    /// `/api/search_data` of the same page.
    async fn search_data(&self, n: u64) -> anyhow::Result<Vec<i64>> {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": n, "params": {
            "model": "res.partner", "vals": {"payload": {"search_domain": self.domain(n),
            "search_field": FIELDS, "order": "ref", "limit": 80}}}});
        let reply = self.post_json("/api/search_data", &body).await?;
        anyhow::ensure!(
            reply["result"]["is_success"] == json!(true),
            "search_data failed: {reply}"
        );
        ids(&reply["result"]["result"])
            .ok_or_else(|| anyhow::anyhow!("search_data answered {reply}"))
    }

    /// `execute_kw(db, uid, key, "res.partner", "create", [{..}])` over /xmlrpc/2/object.
    async fn xmlrpc_create(&self, n: u64) -> anyhow::Result<()> {
        let reply = self
            .client
            .post(format!("{}/xmlrpc/2/object", self.base))
            .header("content-type", "text/xml")
            .body(method_call(self.uid, n))
            .send()
            .await?;
        let status = reply.status();
        let text = reply.text().await?;
        let id = text
            .split_once("<int>")
            .or_else(|| text.split_once("<i4>"))
            .and_then(|(_, rest)| rest.split('<').next())
            .and_then(|id| id.trim().parse::<i64>().ok());
        anyhow::ensure!(
            status.is_success() && !text.contains("<fault>") && id.is_some_and(|id| id > 0),
            "XML-RPC create answered {status}: {text}"
        );
        Ok(())
    }

    /// `/api/create_data` of the same values.
    async fn create_data(&self, n: u64) -> anyhow::Result<()> {
        let body = json!({"jsonrpc": "2.0", "method": "call", "id": n, "params": {
            "model": "res.partner", "vals": {"payload": partner(n)}}});
        let reply = self.post_json("/api/create_data", &body).await?;
        anyhow::ensure!(
            reply["result"]["is_success"] == json!(true),
            "create_data failed: {reply}"
        );
        Ok(())
    }
}

fn partner(n: u64) -> Value {
    json!({"name": format!("New partner {n}"), "ref": format!("N{n:07}"), "email": format!("n{n}@example.com")})
}

/// The `methodCall` a stock XML-RPC client sends for `execute_kw(.., "create", [vals])`.
fn method_call(uid: i64, n: u64) -> String {
    let members: String = partner(n)
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| {
            let value = value.as_str().unwrap_or_default();
            format!("<member><name>{name}</name><value><string>{value}</string></value></member>")
        })
        .collect();
    let string = |s: &str| format!("<param><value><string>{s}</string></value></param>");
    format!(
        "<?xml version='1.0'?>\n<methodCall><methodName>execute_kw</methodName><params>{}\
         <param><value><int>{uid}</int></value></param>{}{}{}<param><value><array><data><value>\
         <struct>{members}</struct></value></data></array></value></param></params></methodCall>",
        string(DB),
        string(KEY),
        string("res.partner"),
        string("create"),
    )
}

/// The ids of a list of records (`[{"id": .., ..}, ..]`).
fn ids(rows: &Value) -> Option<Vec<i64>> {
    rows.as_array()?.iter().map(|r| r["id"].as_i64()).collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    SearchRead,
    SearchData,
    XmlRpcCreate,
    CreateData,
}

impl Op {
    fn name(self, clients: u64) -> String {
        let what = match self {
            Op::SearchRead => "search_read 80 /jsonrpc",
            Op::SearchData => "search_data 80 (ecosoft)",
            Op::XmlRpcCreate => "create /xmlrpc/2",
            Op::CreateData => "create_data (ecosoft)",
        };
        format!("{what}, {clients} clients")
    }

    async fn send(self, route: &Route, n: u64) -> anyhow::Result<()> {
        match self {
            Op::SearchRead => ensure_page(route.search_read(n).await?),
            Op::SearchData => ensure_page(route.search_data(n).await?),
            Op::XmlRpcCreate => route.xmlrpc_create(n).await,
            Op::CreateData => route.create_data(n).await,
        }
    }
}

fn ensure_page(ids: Vec<i64>) -> anyhow::Result<()> {
    anyhow::ensure!(ids.len() == 80, "a page of {} rows, not 80", ids.len());
    Ok(())
}

/// `requests` calls of `op` from `clients` tasks, each sending its next when the last answered;
/// `from` numbers the calls so that every round creates new partners and searches new pages.
async fn closed_loop(
    route: &Route,
    op: Op,
    from: u64,
    requests: u64,
    clients: u64,
) -> anyhow::Result<(Duration, Histogram<u64>)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let route = route.clone();
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3)?;
            for n in (from + c..from + requests).step_by(clients as usize) {
                let t = Instant::now();
                op.send(&route, n).await?;
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

/// The admin's uid from `common.login(db, "admin", key)`: an API key stands for the password.
async fn admin_uid(client: &reqwest::Client, base: &str) -> anyhow::Result<i64> {
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 0, "params": {
        "service": "common", "method": "login", "args": [DB, "admin", KEY]}});
    let reply: Value = client
        .post(format!("{base}/jsonrpc"))
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    reply["result"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("common.login with the admin key answered {reply}"))
}

async fn load(url: &str, rows: u64) -> anyhow::Result<()> {
    let store = Store::open(&ConnectSettings::new(url), Arc::new(Registry::demo())).await?;
    store.apply_schema(false).await?;
    search::load_partners(&store, rows).await?;
    store.close().await?;
    Ok(())
}

async fn scenario(backend: &str, url: &str, args: &Args) -> anyhow::Result<Vec<Value>> {
    let started = Instant::now();
    load(url, args.rows).await?;
    eprintln!(
        "[{backend}] loaded {} partners in {:.1}s",
        args.rows,
        started.elapsed().as_secs_f64()
    );
    let service = start(&args.weft, url, &[])?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let uid = admin_uid(&client, &service.url).await?;
    let route = Route {
        client,
        base: service.url.clone(),
        uid,
        rows: args.rows,
    };
    // The two search routes must answer the same page for the comparison to mean anything.
    for n in [0, 1, 2] {
        let (rpc, ecosoft) = (route.search_read(n).await?, route.search_data(n).await?);
        anyhow::ensure!(
            rpc == ecosoft && rpc.len() == 80,
            "search_read answered {rpc:?}, search_data {ecosoft:?}"
        );
    }
    let mut rows = Vec::new();
    let mut from = 1_000_000;
    for (rpc, ecosoft) in [
        (Op::SearchRead, Op::SearchData),
        (Op::XmlRpcCreate, Op::CreateData),
    ] {
        for op in [rpc, ecosoft] {
            closed_loop(&route, op, from, args.requests / 10, args.clients).await?; // warm-up
            from += args.requests;
        }
        let mut runs = [
            (Duration::ZERO, Histogram::<u64>::new(3)?),
            (Duration::ZERO, Histogram::<u64>::new(3)?),
        ];
        for _ in 0..args.rounds {
            for (op, (elapsed, latencies)) in [rpc, ecosoft].into_iter().zip(runs.iter_mut()) {
                let (e, h) = closed_loop(&route, op, from, args.requests, args.clients).await?;
                from += args.requests;
                *elapsed += e;
                latencies.add(h)?;
            }
        }
        let count = args.requests * u64::from(args.rounds);
        for (op, (elapsed, latencies)) in [rpc, ecosoft].into_iter().zip(runs.iter()) {
            rows.push(row(
                backend,
                &op.name(args.clients),
                count,
                *elapsed,
                latencies,
            ));
        }
        let rate = |row: &Value| row["per_second"].as_f64().unwrap_or_default();
        let (r, e) = (&rows[rows.len() - 2], &rows[rows.len() - 1]);
        println!(
            "{backend}: {} reaches {:.1} % of {}'s rate (target >= 80 %)",
            r["measurement"].as_str().unwrap_or_default(),
            rate(r) / rate(e) * 100.0,
            e["measurement"].as_str().unwrap_or_default()
        );
    }
    service.stop()?;
    Ok(rows)
}
