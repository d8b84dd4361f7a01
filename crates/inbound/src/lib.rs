//! What external systems call: the five ecosoft routes (`call`), authentication (`auth`, `identity`;
//! users and companies as an admin changes them: `accounts`; their API keys: `keys`), the JSON-RPC
//! envelope (`envelope`), the model-method dispatcher of Odoo's own protocols (`rpc`) and the
//! token buckets that guard them and the console's sign-in (`ratelimit`). This crate never writes
//! outbox rows itself: the store calls the hooks the server registered.

pub mod accounts;
pub mod auth;
pub mod call;
pub mod envelope;
pub mod hook;
pub mod identity;
pub mod keys;
pub mod oauth;
pub mod password;
pub mod ratelimit;
pub mod reach;
pub mod rpc;
