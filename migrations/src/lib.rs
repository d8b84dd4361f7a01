//! Weft's system tables, as sea-orm migrations: companies and users (the built-in `res.company` and
//! `res.users` models, plus credentials that no read() ever returns), API keys, sessions, parameters,
//! attachments and their content-addressed blobs, record callbacks, name sequences and data-record keys,
//! idempotency keys, the API log and its trigram search index, outbound rules and subscriptions with their outbox, inbound hooks
//! and their owners, paused targets.
//!
//! Record tables are not here: the store creates them from the registry (`weft schema apply`).
//! A migration file is never edited once released; a change is a new file.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_system_tables;
mod m20261122_000002_idempotency;
mod m20261122_000003_api_log;
mod m20261122_000004_api_log_search;
mod m20261122_000005_outbound;
mod m20261122_000006_inbound_hooks;
mod m20261201_000007_credential_hosts;
mod m20261201_000008_inbound_hook_owner;
mod m20261201_000009_idempotency_lease;
mod m20261201_000010_api_log_trigram;
mod m20261203_000011_console_session;
mod m20261203_000012_target_pause;
mod m20261203_000013_api_log_state_time;
mod m20261204_000014_oauth;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_system_tables::Migration),
            Box::new(m20261122_000002_idempotency::Migration),
            Box::new(m20261122_000003_api_log::Migration),
            Box::new(m20261122_000004_api_log_search::Migration),
            Box::new(m20261122_000005_outbound::Migration),
            Box::new(m20261122_000006_inbound_hooks::Migration),
            Box::new(m20261201_000007_credential_hosts::Migration),
            Box::new(m20261201_000008_inbound_hook_owner::Migration),
            Box::new(m20261201_000009_idempotency_lease::Migration),
            Box::new(m20261201_000010_api_log_trigram::Migration),
            Box::new(m20261203_000011_console_session::Migration),
            Box::new(m20261203_000012_target_pause::Migration),
            Box::new(m20261203_000013_api_log_state_time::Migration),
            Box::new(m20261204_000014_oauth::Migration),
        ]
    }
}
