//! The console scenario: N API logs (1,000,000 by default, one a second back from now, as the
//! `logs` scenario fills them), the real `weft` binary, an admin signed in to the console, then
//! each console page timed beside `GET /healthz` (a request that does nothing) in the same run:
//! the overview, the log list plain, filtered by state and by `q`, page 100 of the log list (the
//! "Older" link followed 99 times), a log's detail, the deliveries and the targets.
//!
//! Pages answered 404 are not built yet: they are skipped with a note, so the scenario runs as
//! far as the console goes and times the rest once it is merged.

use crate::create_data::{KEY, start};
use crate::logs::load_logs;
use crate::report;
use crate::search::measure;
use anyhow::Context;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use weft_registry::Registry;
use weft_store::{ConnectSettings, Store};

#[derive(clap::Args)]
pub struct Args {
    /// The weft binary to run.
    #[arg(long, default_value = "target/release/weft")]
    weft: String,
    /// Logs in the table.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Requests per page measured.
    #[arg(long, default_value_t = 200)]
    requests: u64,
    /// Also run on this PostgreSQL server (a database is created for the run and dropped after).
    #[arg(long)]
    postgres: Option<String>,
}

const LOGIN: &str = "bench-admin";
const PASSWORD: &str = "bench-admin-password-0001";

pub async fn run(args: Args) -> anyhow::Result<()> {
    let rows = report::on_each_backend(
        args.postgres.as_deref(),
        "weft_bench_console",
        async |backend, url| scenario(backend, url, &args).await,
    )
    .await?;
    report::print(&rows, "requests")
}

/// A GET with the console's cookie: its status and body.
async fn get(client: &reqwest::Client, url: &str, cookie: &str) -> anyhow::Result<(u16, String)> {
    let answer = client.get(url).header("cookie", cookie).send().await?;
    Ok((answer.status().as_u16(), answer.text().await?))
}

/// The "Older" link of a log page: the first `/console/logs` link with a cursor in it.
fn older_link(html: &str) -> Option<String> {
    html.split("href=\"").skip(1).find_map(|rest| {
        let href = rest[..rest.find('"')?].replace("&amp;", "&");
        (href.starts_with("/console/logs?") && href.contains("cursor=")).then_some(href)
    })
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
        let vacuum = "VACUUM ANALYZE weft_api_log";
        sea_orm::ConnectionTrait::execute_unprepared(store.connection(), vacuum).await?;
    }
    store.close().await?;

    let service = start(&args.weft, url, &[])?;
    let base = service.url.clone();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let user = client
        .post(format!("{base}/api/v1/users"))
        .header("x-api-key", KEY)
        .json(&json!({"login": LOGIN, "role": "admin", "password": PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(
        user.status().as_u16() == 201,
        "creating the admin: {}",
        user.text().await?
    );
    let signed_in = client
        .post(format!("{base}/console/login"))
        .form(&[("login", LOGIN), ("password", PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(
        signed_in.status().as_u16() == 303,
        "signing in: {}",
        signed_in.status()
    );
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("no console cookie")?
        .to_string();

    // Page 100 of the log list: the "Older" link followed 99 times from the first page.
    let mut page_100 = None;
    let (status, mut html) = get(&client, &format!("{base}/console/logs"), &cookie).await?;
    if status == 200 {
        for _ in 1..100 {
            let Some(link) = older_link(&html) else {
                eprintln!(
                    "[{backend}] no \"Older\" link with a cursor on the log list: page 100 skipped"
                );
                break;
            };
            let (status, next) = get(&client, &format!("{base}{link}"), &cookie).await?;
            anyhow::ensure!(status == 200, "{link} answered {status}");
            html = next;
            page_100 = Some(link);
        }
    }
    let detail = format!("/console/logs/{}", (args.rows / 2).max(1));
    let mut pages: Vec<(String, String)> = vec![
        ("baseline: GET /healthz".into(), "/healthz".into()),
        ("overview".into(), "/console".into()),
        ("logs".into(), "/console/logs".into()),
        (
            "logs: state=failed".into(),
            "/console/logs?state=failed".into(),
        ),
        (
            "logs: q, 1 log of 1,000".into(),
            "/console/logs?q=INV0042".into(),
        ),
        ("log detail".into(), detail),
        ("deliveries".into(), "/console/deliveries".into()),
        ("targets".into(), "/console/targets".into()),
    ];
    if let Some(link) = page_100 {
        pages.insert(4, ("logs: page 100 by cursor".into(), link));
    }

    let mut out = Vec::new();
    for (name, path) in pages {
        let page_url = format!("{base}{path}");
        let (status, _) = get(&client, &page_url, &cookie).await?;
        if status == 404 {
            eprintln!("[{backend}] {path} answers 404 (not built yet): skipped");
            continue;
        }
        anyhow::ensure!(status == 200, "{path} answered {status}");
        let (client, cookie) = (client.clone(), cookie.clone());
        let measured = measure(&name, args.requests, 1, move |_| {
            let (client, cookie, page_url) = (client.clone(), cookie.clone(), page_url.clone());
            async move {
                let (status, _) = get(&client, &page_url, &cookie).await?;
                anyhow::ensure!(status == 200, "{page_url} answered {status}");
                Ok(())
            }
        })
        .await?;
        out.push(measured.row(backend));
    }
    service.stop()?;
    Ok(out)
}
