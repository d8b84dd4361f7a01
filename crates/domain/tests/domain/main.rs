//! Behaviour tests for weft-domain: every rule of research §1 and DESIGN §5, over a small
//! in-test schema (res.partner, sale.order, sale.order.line, crm.tag) and in-memory records.

mod binding;
mod fixture;
mod normalise;
mod order;
mod parsing;
mod refusals;
mod semantics;
mod sql;
mod vectors;
