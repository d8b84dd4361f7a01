//! What external systems call: the five ecosoft routes (`call`), authentication (`auth`, `identity`)
//! and the JSON-RPC envelope (`envelope`). This crate never writes outbox rows itself: the store calls
//! the hooks the server registered.

pub mod auth;
pub mod call;
pub mod envelope;
pub mod hook;
pub mod identity;
pub mod password;
