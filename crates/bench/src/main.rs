//! `weft-bench`: benchmark scenarios, each measured beside a baseline in the same run so the figures
//! hold as ratios on a noisy machine. Results are printed as a table and as JSON; BENCHMARKS.md keeps
//! them with the command that produced them.
//!
//! Scenarios so far:
//! - `search`: N partners (default 100,000), an indexed domain with `limit 80`, sequential and
//!   concurrent, on SQLite (a temporary file) and on PostgreSQL when `--postgres URL` is given
//!   (a database created for the run and dropped after it).

mod search;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "weft-bench", about = "Weft benchmark scenarios")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Domain search on a large partner table.
    Search(search::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().scenario {
        Scenario::Search(args) => search::run(args).await,
    }
}
