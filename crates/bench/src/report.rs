//! What every scenario shares: a scratch PostgreSQL database for the run, and the result table.

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;

/// A database created on `--postgres` for one run and dropped after it.
pub struct ScratchPostgres {
    admin: DatabaseConnection,
    name: String,
    pub url: String,
}

impl ScratchPostgres {
    pub async fn create(server: &str, prefix: &str) -> anyhow::Result<ScratchPostgres> {
        let name = format!("{prefix}_{}", std::process::id());
        let admin = Database::connect(server)
            .await
            .context("connecting to --postgres")?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        let (base, _) = server
            .rsplit_once('/')
            .context("--postgres needs a database in the URL")?;
        let url = format!("{base}/{name}");
        Ok(ScratchPostgres { admin, name, url })
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        self.admin.execute_unprepared(&sql).await?;
        Ok(())
    }
}

/// Run `scenario(backend, url)` on a temporary SQLite file, then on a database made on the
/// `postgres` server for the run (dropped after it, whatever happened), and collect the rows.
pub async fn on_each_backend(
    postgres: Option<&str>,
    prefix: &str,
    scenario: impl AsyncFn(&str, &str) -> anyhow::Result<Vec<Value>>,
) -> anyhow::Result<Vec<Value>> {
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut rows = scenario("sqlite", &sqlite).await?;
    if let Some(server) = postgres {
        let db = ScratchPostgres::create(server, prefix).await?;
        let result = scenario("postgres", &db.url).await;
        db.drop().await?;
        rows.extend(result?);
    }
    Ok(rows)
}

/// Print rows with `backend`, `measurement`, `count`, `per_second`, `p50_ms`, `p99_ms` as a table,
/// then as JSON. `unit` names what was counted (`queries`, `requests`).
pub fn print(rows: &[Value], unit: &str) -> anyhow::Result<()> {
    let rate = format!("{}/s", &unit[..1]);
    println!(
        "\n{:<10} {:<36} {:>8} {:>9} {:>9} {:>9}",
        "backend", "measurement", unit, rate, "p50 ms", "p99 ms"
    );
    for r in rows {
        println!(
            "{:<10} {:<36} {:>8} {:>9} {:>9.3} {:>9.3}",
            r["backend"].as_str().unwrap_or_default(),
            r["measurement"].as_str().unwrap_or_default(),
            r["count"],
            r["per_second"],
            r["p50_ms"].as_f64().unwrap_or_default(),
            r["p99_ms"].as_f64().unwrap_or_default()
        );
    }
    println!("\n{}", serde_json::to_string_pretty(rows)?);
    Ok(())
}
