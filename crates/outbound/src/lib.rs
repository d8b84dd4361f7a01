//! Outbound (DESIGN.md §6): outbound rules and webhook subscriptions write deliveries to an outbox in
//! the transaction of the change; a dispatcher sends them, signed, retried and in order.
//!
//! `rule` and `subscription` are the two kinds of source (their shared parts in `source`), kept in
//! memory by `catalog`; `hook` is the `ChangeHook` that decides what a change fires and `outbox`
//! renders and writes it (`template` for a rule's object template, `notification` for a
//! subscription's JSON or XML). `dispatcher` sends what is due, signed, retried (`retry`) and
//! guarded (signing and the SSRF guard are `weft_webhook`'s); `deliveries` is the outbox's review,
//! `target` pauses a URL and gathers each URL's figures, `circuit` guards each URL as it sends.

pub mod catalog;
pub mod circuit;
pub mod deliveries;
pub mod dispatcher;
pub mod entity;
pub mod hook;
pub mod notification;
pub mod outbox;
mod record;
pub mod retry;
pub mod rule;
mod send;
pub mod source;
pub mod subscription;
pub mod target;
pub mod template;
