//! The budgets scenario (issue 13, point 7): requests built to hold the service, sent to the real
//! `weft` binary (release build), each beside the call it could starve.
//!
//! - `[[6, 0, ids]]` of 100,000 existing tags on one order (the largest x2many value accepted),
//!   and the same with 100,000 copies of one id (de-duplication is linear), while `create_data`
//!   calls arrive at a fixed rate: their latency (from the planned send time) beside the same
//!   calls with nothing else running, the baseline.
//! - An expansion that multiplies a 20-child tree to 160,000 records, refused by the answer
//!   budget: how long the refusal takes, beside a two-level expansion of the same tree.

use crate::create_data::{KEY, row, rpc, start};
use crate::report;
use hdrhistogram::Histogram;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Query};
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
    /// Rate of the create_data calls measured beside the large ones (requests/s).
    #[arg(long, default_value_t = 50)]
    rate: u64,
    /// Large calls per measurement.
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Also run on this PostgreSQL server (a database is created for the run and dropped after).
    #[arg(long)]
    postgres: Option<String>,
}

/// Tags in the table, all set on one order by the large call.
const TAGS: i64 = 100_000;

pub async fn run(args: Args) -> anyhow::Result<()> {
    let rows = report::on_each_backend(
        args.postgres.as_deref(),
        "weft_bench_budgets",
        async |backend, url| scenario(backend, url, &args).await,
    )
    .await?;
    report::print(&rows, "requests")
}

/// The tags, inserted directly (the scenario measures the call that sets them, not their making).
async fn load_tags(url: &str) -> anyhow::Result<()> {
    let store = Store::open(&ConnectSettings::new(url), Arc::new(Registry::demo())).await?;
    store.apply_schema(false).await?;
    for start in (1..=TAGS).step_by(1000) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("crm_tag"))
            .columns([Alias::new("name")]);
        for n in start..Ord::min(start + 1000, TAGS + 1) {
            insert.values_panic([format!("tag {n:06}").into()]);
        }
        store.writer().execute(&insert).await?;
    }
    store.close().await?;
    Ok(())
}

fn call(model: &str, vals: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"model": model, "vals": vals}})
}

/// What `create_data_beside` measured.
struct Beside {
    /// create_data latencies from their planned send times.
    latencies: Histogram<u64>,
    /// How long the calls ran, and how many there were.
    elapsed: Duration,
    sent: u64,
    /// How long the large call took (zero without one).
    large: Duration,
}

/// create_data calls at `rate` for a second, and as long as the large `update_data` call `during`
/// runs, if there is one.
async fn create_data_beside(
    client: &reqwest::Client,
    base: &str,
    rate: u64,
    during: Option<Value>,
) -> anyhow::Result<Beside> {
    let create = format!("{base}/api/create_data");
    let body = call("res.partner", json!({"payload": {"name": "Beside"}}));
    let large = during.map(|body| {
        let (client, url) = (client.clone(), format!("{base}/api/update_data"));
        tokio::spawn(async move {
            let started = Instant::now();
            rpc(&client, &url, &body).await?;
            anyhow::Ok(started.elapsed())
        })
    });
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let mut histogram = Histogram::<u64>::new(3)?;
    let mut sent = 0u64;
    let mut tasks = Vec::new();
    // At least one second of calls, and as long as the large call runs.
    while sent < rate || large.as_ref().is_some_and(|t| !t.is_finished()) {
        let planned = started + interval * sent as u32;
        tokio::time::sleep_until(planned.into()).await;
        let (client, url, body) = (client.clone(), create.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            rpc(&client, &url, &body).await?;
            anyhow::Ok(planned.elapsed())
        }));
        sent += 1;
    }
    for task in tasks {
        histogram.record(task.await??.as_micros() as u64)?;
    }
    let large = match large {
        Some(task) => task.await??,
        None => Duration::ZERO,
    };
    Ok(Beside {
        latencies: histogram,
        elapsed: started.elapsed(),
        sent,
        large,
    })
}

async fn scenario(backend: &str, url: &str, args: &Args) -> anyhow::Result<Vec<Value>> {
    load_tags(url).await?;
    let service = start(&args.weft, url, &[])?;
    let client = reqwest::Client::new();
    let base = service.url.clone();
    let created = rpc(&client, &format!("{base}/api/create_data"), &call("res.partner",
        json!({"payload": {"name": "Parent", "child_ids": (0..20).map(|i| json!([0, 0, {"name": format!("child {i}")}])).collect::<Vec<_>>()}}))).await?;
    let parent = created["result"]["result"]["id"].clone();
    let created = rpc(
        &client,
        &format!("{base}/api/create_data"),
        &call("sale.order", json!({"payload": {"partner_id": parent}})),
    )
    .await?;
    let order = created["result"]["result"]["id"].clone();
    let all: Vec<i64> = (1..=TAGS).collect();
    let mut rows = Vec::new();
    let alone = create_data_beside(&client, &base, args.rate, None).await?;
    rows.push(row(
        backend,
        &format!("baseline: create_data at {}/s alone", args.rate),
        alone.sent,
        alone.elapsed,
        &alone.latencies,
    ));
    let update = format!("{base}/api/update_data");
    let set = |ids: Value| {
        call(
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"tag_ids": [[6, 0, ids]]}}),
        )
    };
    for (name, ids) in [
        ("100,000 tag ids", json!(all)),
        ("100,000 copies of one id", json!(vec![1; TAGS as usize])),
    ] {
        let mut beside = Histogram::<u64>::new(3)?;
        let mut large = Histogram::<u64>::new(3)?;
        let (mut elapsed, mut count, mut took) = (Duration::ZERO, 0, Duration::ZERO);
        for _ in 0..args.rounds {
            // From one tag, so every round writes all of its links.
            rpc(&client, &update, &set(json!([1]))).await?;
            let round =
                create_data_beside(&client, &base, args.rate, Some(set(ids.clone()))).await?;
            large.record(round.large.as_micros() as u64)?;
            beside.add(round.latencies)?;
            elapsed += round.elapsed;
            count += round.sent;
            took += round.large;
        }
        rows.push(row(
            backend,
            &format!("update_data [[6,0,{name}]] (each call)"),
            u64::from(args.rounds),
            took,
            &large,
        ));
        rows.push(row(
            backend,
            &format!("create_data at {}/s beside it", args.rate),
            count,
            elapsed,
            &beside,
        ));
    }
    let search = format!("{base}/api/search_data");
    for (name, spec, refused) in [
        (
            "search_data child_ids{parent_id{name}} (2 levels)",
            "child_ids{parent_id{name}}",
            false,
        ),
        (
            "search_data 7 levels, 160,000 records: refused",
            "child_ids{parent_id{child_ids{parent_id{child_ids{parent_id{child_ids{name}}}}}}}",
            true,
        ),
    ] {
        let mut h = Histogram::<u64>::new(3)?;
        let started = Instant::now();
        for _ in 0..20 {
            let t = Instant::now();
            let body = call(
                "res.partner",
                json!({"payload": {"search_field": ["name", spec]}}),
            );
            let reply: Value = client
                .post(&search)
                .header("x-api-key", KEY)
                .json(&body)
                .send()
                .await?
                .json()
                .await?;
            anyhow::ensure!(
                (reply["result"]["is_success"] == json!(false)) == refused,
                "{name}: {reply}"
            );
            h.record(t.elapsed().as_micros() as u64)?;
        }
        rows.push(row(backend, name, 20, started.elapsed(), &h));
    }
    service.stop()?;
    Ok(rows)
}
