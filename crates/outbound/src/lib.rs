//! Outbound (DESIGN.md §6): outbound rules and webhook subscriptions write deliveries to an outbox in
//! the transaction of the change; a dispatcher sends them, signed, retried and in order.
//!
//! So far: `signing`, the Standard Webhooks secrets and signatures every delivery carries, and
//! `retry`, when a failed delivery is tried again.

pub mod retry;
pub mod signing;
