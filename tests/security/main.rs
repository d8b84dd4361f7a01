//! The security boundaries of DESIGN.md §14 tried as a hostile integrator would, end to end on the
//! real binary (SQLite and PostgreSQL): each test sends the request a hostile `integration` key
//! would send, and asserts the refusal and that the database, receivers and logs are unchanged.
//! One module a boundary.

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod budgets;
mod companies;
mod hooks;
mod identity;
mod models;
mod secrets;
mod targets;
