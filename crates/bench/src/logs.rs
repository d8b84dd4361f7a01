//! The logs scenario: N API logs (1,000,000 by default), then the review queries an integrator
//! runs: a page of an indexed filter from a random point of the history, and `q` searches as a
//! person types them: a code, a fragment inside a word, part of an email, two terms, a fragment
//! many logs hold, a term too short for the trigram index. Baseline: one log by id.

use crate::report;
use crate::search::{Measurement, measure};
use std::sync::Arc;
use std::time::Instant;
use weft_logstore::Filter;
use weft_registry::Registry;
use weft_store::{BulkRow, ConnectSettings, Store};

#[derive(clap::Args)]
pub struct Args {
    /// Logs in the table.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Queries per measurement.
    #[arg(long, default_value_t = 500)]
    queries: u64,
    /// Also run on this PostgreSQL server (a database is created for the run and dropped after).
    #[arg(long)]
    postgres: Option<String>,
}

/// The filter of query `i` over `rows` logs.
type FilterOf = fn(i64, i64) -> Filter;

const MODELS: [&str; 5] = [
    "sale.order",
    "res.partner",
    "product.product",
    "stock.picking",
    "account.move",
];
const ROUTES: [&str; 5] = [
    "create_data",
    "update_data",
    "create_update_data",
    "search_data",
    "call_function",
];
const WORDS: [&str; 8] = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell",
];

pub async fn run(args: Args) -> anyhow::Result<()> {
    let rows = report::on_each_backend(
        args.postgres.as_deref(),
        "weft_bench_logs",
        async |backend, url| scenario(backend, url, &args).await,
    )
    .await?;
    report::print(&rows, "queries")
}

async fn scenario(backend: &str, url: &str, args: &Args) -> anyhow::Result<Vec<serde_json::Value>> {
    let store = Store::open(&ConnectSettings::new(url), Arc::new(Registry::demo())).await?;
    store.apply_schema(false).await?;
    let started = Instant::now();
    load_logs(&store, args.rows).await?;
    eprintln!(
        "[{backend}] loaded {} logs in {:.1}s",
        args.rows,
        started.elapsed().as_secs_f64()
    );
    if backend == "postgres" {
        // As autovacuum does soon after such a load (the planner's estimates for `q`, the GIN
        // index's pending list merged), rather than while the queries are measured.
        let vacuum = "VACUUM ANALYZE weft_api_log";
        sea_orm::ConnectionTrait::execute_unprepared(store.connection(), vacuum).await?;
    }
    let rows = args.rows as i64;
    let mut out: Vec<Measurement> = Vec::new();
    let reader = store.connection().clone();
    out.push(
        measure("baseline: one log by id", args.queries, 1, {
            let reader = reader.clone();
            move |i| {
                let reader = reader.clone();
                async move {
                    let id = 1 + (i * 7919).rem_euclid(rows);
                    weft_logstore::get(&reader, id)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no log {id}"))?;
                    Ok(())
                }
            }
        })
        .await?,
    );
    let pages: [(&str, FilterOf); 8] = [
        ("page of 50: model, from a random id", |i, rows| Filter {
            model: Some(MODELS[(i % 5) as usize].to_string()),
            before: Some(1_000 + (i * 7919).rem_euclid(rows - 1_000)),
            ..Filter::default()
        }),
        ("page of 50: failed of one model", |i, _| Filter {
            model: Some(MODELS[(i % 5) as usize].to_string()),
            state: Some("failed".into()),
            ..Filter::default()
        }),
        ("q: a code in 1 log of 1,000", |i, _| {
            q(format!("INV{:04}", code(i)))
        }),
        ("q: a fragment inside a word, 1 log of 100", |i, _| {
            q(format!("NV0{:02}", code(i) % 100))
        }),
        ("q: part of an email, 1 log of 1,000", |i, _| {
            q(format!("ap.{:03}@", code(i)))
        }),
        ("q: two terms, 1 log of 1,000", |i, _| {
            let k = code(i);
            q(format!(
                "{} inv{k:04}",
                WORDS[(k % 8) as usize].to_lowercase()
            ))
        }),
        ("q: a fragment in 1 log of 8", |i, _| {
            q(WORDS[(i % 8) as usize][1..].to_string())
        }),
        ("q: a term under 3 characters", |i, _| {
            q(format!("{}", i % 10 + 10))
        }),
    ];
    for (name, filter_of) in pages {
        let reader = reader.clone();
        out.push(
            measure(name, args.queries, 1, move |i| {
                let reader = reader.clone();
                async move {
                    let (page, _) = weft_logstore::list(&reader, &filter_of(i, rows), 50).await?;
                    anyhow::ensure!(!page.is_empty(), "{name}: empty page");
                    Ok(())
                }
            })
            .await?,
        );
    }
    store.close().await?;
    Ok(out.iter().map(|m| m.row(backend)).collect())
}

/// The invoice code of query `i`: one log in 1,000 holds it.
fn code(i: i64) -> i64 {
    (i * 37).rem_euclid(1000)
}

fn q(text: String) -> Filter {
    Filter {
        q: Some(text),
        ..Filter::default()
    }
}

/// Bulk-load logs, 500 rows per INSERT (`insert_all`), 50,000 per transaction: the setup is not measured.
/// Every log names a customer (one of eight words) with an email, and an invoice code; 1 log in
/// 1,000 shares the code and the email's local part.
pub(crate) async fn load_logs(store: &Store, rows: u64) -> anyhow::Result<()> {
    const COLUMNS: &[&str] = &[
        "create_date",
        "log_type",
        "route",
        "function_name",
        "model",
        "res_model",
        "res_id",
        "state",
        "request_preview",
        "response_preview",
        "request_size",
        "response_size",
        "duration_ms",
        "user_id",
        "has_payload",
    ];
    let now = chrono::Utc::now().naive_utc();
    for batch in (0..rows).step_by(50_000) {
        let tx = store.begin(&weft_store::Env::superuser()).await?;
        for chunk in (batch..Ord::min(batch + 50_000, rows)).step_by(1000) {
            let mut logs = Vec::with_capacity(1000);
            for n in chunk..Ord::min(chunk + 1000, rows) {
                let model = MODELS[(n % 5) as usize];
                let route = ROUTES[(n / 5 % 5) as usize];
                let request = format!(
                    r#"{{"params":{{"model":"{model}","vals":{{"payload":{{"partner_id":{{"name":"{} Trading {n}","email":"ap.{:03}@{}.example.com"}},"origin":"INV{:04}","order_line":[{{"product_id":{{"default_code":"P{}"}},"product_uom_qty":{}}}]}}}}}}}}"#,
                    WORDS[(n % 8) as usize],
                    n % 1000,
                    WORDS[(n % 8) as usize].to_lowercase(),
                    n % 1000,
                    n % 97,
                    n % 13
                );
                let failed = (n / 5) % 50 == 3;
                let response = if failed {
                    r#"{"is_success":false,"messages":"partner_id: no res.partner record matches","error":{"code":"not_found"}}"#.to_string()
                } else {
                    format!(
                        r#"{{"is_success":true,"result":{{"id":{n}}},"messages":"Record created successfully"}}"#
                    )
                };
                let created = now - chrono::Duration::seconds((rows - n) as i64);
                let values: Vec<sea_orm::Value> = vec![
                    created.into(),
                    "receive".into(),
                    format!("/api/{route}").into(),
                    route.into(),
                    model.into(),
                    model.into(),
                    (n as i64).into(),
                    (if failed { "failed" } else { "done" }).into(),
                    request.clone().into(),
                    response.clone().into(),
                    (request.len() as i64).into(),
                    (response.len() as i64).into(),
                    1.5f64.into(),
                    1i64.into(),
                    false.into(),
                ];
                logs.push(BulkRow {
                    table: "weft_api_log",
                    columns: COLUMNS,
                    values,
                });
            }
            weft_store::insert_all(tx.connection(), logs).await?;
        }
        tx.commit_only().await?;
    }
    Ok(())
}
