//! Outbound (DESIGN.md §6): outbound rules and webhook subscriptions write deliveries to an outbox in
//! the transaction of the change; a dispatcher sends them, signed, retried and in order.
//!
//! So far: `signing`, the Standard Webhooks secrets and signatures every delivery carries;
//! `retry`, when a failed delivery is tried again; `targets`, the SSRF guard and the HTTP client it
//! guards; `notification`, a subscription's JSON and XML bodies.

pub mod notification;
pub mod retry;
pub mod signing;
pub mod targets;
