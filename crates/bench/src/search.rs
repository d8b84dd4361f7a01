//! The search scenario: `res.partner` with N rows, searched with an indexed domain and `limit 80`.
//!
//! Each query is `[('ref', '>=', R), ('customer_rank', '>', 0)]` ordered by `ref` with a random
//! starting reference, so every query walks the `ref` index from a different place. The baseline is a
//! primary-key lookup through the same pool: the cost of one round trip to the database.

use crate::report;
use hdrhistogram::Histogram;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::{ConnectSettings, Env, SearchOptions, Store};

#[derive(clap::Args)]
pub struct Args {
    /// Partners in the table.
    #[arg(long, default_value_t = 100_000)]
    rows: u64,
    /// Queries per measurement.
    #[arg(long, default_value_t = 3_000)]
    queries: u64,
    /// Concurrent clients for the throughput measurement.
    #[arg(long, default_value_t = 4)]
    clients: u64,
    /// Also run on this PostgreSQL server (a database is created for the run and dropped after).
    #[arg(long)]
    postgres: Option<String>,
}

pub(crate) struct Measurement {
    name: String,
    histogram: Histogram<u64>,
    elapsed: Duration,
    count: u64,
}

impl Measurement {
    pub(crate) fn row(&self, backend: &str) -> serde_json::Value {
        let ms = |q: f64| self.histogram.value_at_quantile(q) as f64 / 1000.0;
        json!({
            "backend": backend, "measurement": self.name, "count": self.count,
            "per_second": (self.count as f64 / self.elapsed.as_secs_f64()).round(),
            "p50_ms": ms(0.50), "p99_ms": ms(0.99), "max_ms": self.histogram.max() as f64 / 1000.0,
        })
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let rows = report::on_each_backend(
        args.postgres.as_deref(),
        "weft_bench_search",
        async |backend, url| scenario(backend, url, &args).await,
    )
    .await?;
    report::print(&rows, "queries")
}

async fn scenario(backend: &str, url: &str, args: &Args) -> anyhow::Result<Vec<serde_json::Value>> {
    let store = Store::open(&ConnectSettings::new(url), Arc::new(Registry::demo())).await?;
    store.apply_schema(false).await?;
    let started = Instant::now();
    load_partners(&store, args.rows).await?;
    eprintln!(
        "[{backend}] loaded {} partners in {:.1}s",
        args.rows,
        started.elapsed().as_secs_f64()
    );

    let mut out = Vec::new();
    out.push(
        measure("baseline: id lookup", args.queries, 1, {
            let store = store.clone();
            let rows = args.rows;
            move |i| {
                let store = store.clone();
                async move {
                    let select = Query::select()
                        .column(Alias::new("id"))
                        .from(Alias::new("res_partner"))
                        .and_where(Expr::col(Alias::new("id")).eq(1 + (i * 7919) % rows as i64))
                        .to_owned();
                    store.connection().query_one(&select).await?;
                    Ok(())
                }
            }
        })
        .await?,
    );
    for (clients, name) in [
        (1, "search limit 80"),
        (args.clients, "search limit 80, concurrent"),
        (1, "search + read limit 80"),
    ] {
        let with_read = name.contains("read");
        let store = store.clone();
        let rows = args.rows;
        let measurement = measure(name, args.queries, clients, move |i| {
            let store = store.clone();
            async move { search_once(&store, rows, i, with_read).await }
        })
        .await?;
        out.push(measurement);
    }
    store.close().await?;
    Ok(out.iter().map(|m| m.row(backend)).collect())
}

async fn search_once(store: &Store, rows: u64, i: i64, with_read: bool) -> anyhow::Result<()> {
    let start = (i * 7919).rem_euclid(rows as i64);
    let domain = Domain::parse_json(&json!([
        ["ref", ">=", format!("R{start:07}")],
        ["customer_rank", ">", 0]
    ]))?;
    let tx = store.begin_read(&Env::superuser()).await?;
    let options = SearchOptions {
        order: Some("ref"),
        limit: Some(80),
        ..Default::default()
    };
    let ids = tx.search("res.partner", &domain, &options).await?;
    anyhow::ensure!(
        !ids.is_empty() || start as u64 + 80 > rows,
        "the search found nothing at R{start:07}"
    );
    if with_read {
        tx.read(
            "res.partner",
            &ids,
            &["name", "ref", "email", "customer_rank", "parent_id"],
        )
        .await?;
    }
    tx.rollback().await?;
    Ok(())
}

/// Run `queries` calls of `op` split over `clients` tasks and record each call's latency.
pub(crate) async fn measure<F, Fut>(
    name: &str,
    queries: u64,
    clients: u64,
    op: F,
) -> anyhow::Result<Measurement>
where
    F: Fn(i64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    for i in 0..Ord::max(queries / 10, 10) {
        op(i as i64).await?;
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new(3).expect("histogram");
            for i in (client..queries).step_by(clients as usize) {
                let t = Instant::now();
                op(i as i64).await?;
                histogram.record(t.elapsed().as_micros() as u64).ok();
            }
            anyhow::Ok(histogram)
        }));
    }
    let mut histogram = Histogram::<u64>::new(3)?;
    for task in tasks {
        histogram.add(task.await??)?;
    }
    Ok(Measurement {
        name: name.to_string(),
        histogram,
        elapsed: started.elapsed(),
        count: queries,
    })
}

/// Bulk-load partners in batches of 1,000 rows per INSERT: the setup is not what is measured.
pub(crate) async fn load_partners(store: &Store, rows: u64) -> anyhow::Result<()> {
    let db = store.connection();
    let columns = [
        "name",
        "ref",
        "email",
        "customer_rank",
        "active",
        "company_type",
        "company_id",
    ];
    for chunk_start in (0..rows).step_by(1000) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("res_partner"))
            .columns(columns.map(Alias::new));
        for n in chunk_start..Ord::min(chunk_start + 1000, rows) {
            insert.values_panic([
                format!("Partner {n}").into(),
                format!("R{n:07}").into(),
                format!("p{n}@example.com").into(),
                ((n % 5) as i64).into(),
                (n % 10 != 0).into(),
                "company".into(),
                1i64.into(),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}
