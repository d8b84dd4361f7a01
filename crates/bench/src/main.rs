//! `weft-bench`: benchmark scenarios, each measured beside a baseline in the same run so the figures
//! hold as ratios on a noisy machine. Results are printed as a table and as JSON; BENCHMARKS.md keeps
//! them with the command that produced them.
//!
//! Scenarios so far:
//! - `search`: N partners (default 100,000), an indexed domain with `limit 80`, sequential and
//!   concurrent, on SQLite (a temporary file) and on PostgreSQL when `--postgres URL` is given
//!   (a database created for the run and dropped after it).
//! - `create-data`: the real `weft` binary answering `/api/create_data` (a sale order with a partner
//!   lookup and three lines), throughput and latency at a fixed rate, beside `GET /healthz`.
//! - `logs`: a million API logs, a page of an indexed filter and a `q` search, beside a lookup by id.
//! - `outbound`: the outbox drained, writes that fire a rule delivered end to end, and the latency
//!   from write to receiver at a steady rate, beside a raw reqwest POST loop to the same receiver.
//! - `budgets`: requests built to hold the service (an x2many value of 100,000 ids, an expansion of
//!   160,000 records), beside `create_data` calls at a fixed rate.
//! - `rpc`: Odoo's own protocols beside the ecosoft routes: `search_read` of 80 rows from 100,000
//!   over `/jsonrpc` beside `search_data`, and `create` over XML-RPC beside `create_data`.
//! - `console`: the console's pages over a million API logs, signed in as an admin, beside
//!   `GET /healthz`; pages not built yet (404) are skipped with a note.

mod budgets;
mod console;
mod create_data;
mod logs;
mod outbound;
mod report;
mod rpc;
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
    /// create_data of a sale order with lookups and three lines, over HTTP to the real binary.
    CreateData(create_data::Args),
    /// Review queries over a million API logs.
    Logs(logs::Args),
    /// Outbound deliveries: outbox drain, writes that fire a rule end to end, latency at a rate.
    Outbound(outbound::Args),
    /// Requests built to hold the service, beside create_data calls at a fixed rate.
    Budgets(budgets::Args),
    /// search_read over /jsonrpc and create over XML-RPC, beside search_data and create_data.
    Rpc(rpc::Args),
    /// The console's pages over a million API logs, beside GET /healthz.
    Console(console::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().scenario {
        Scenario::Search(args) => search::run(args).await,
        Scenario::CreateData(args) => create_data::run(args).await,
        Scenario::Logs(args) => logs::run(args).await,
        Scenario::Outbound(args) => outbound::run(args).await,
        Scenario::Budgets(args) => budgets::run(args).await,
        Scenario::Rpc(args) => rpc::run(args).await,
        Scenario::Console(args) => console::run(args).await,
    }
}
