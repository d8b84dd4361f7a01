//! Inbound hooks (DESIGN.md §8, Odoo Studio's webhooks): a URL that an external system calls to
//! update, create or call on records, without code. This part holds what a hook does, checked when
//! it is saved (`definition`), how its values are taken from the caller's payload (`payload`), and
//! the hooks as stored with their admin operations and owner (`stored`), what one call asks for
//! (`plan`), and a call of a hook's URL, run as the hook's owner (`run`).

pub mod definition;
pub mod payload;
mod plan;
pub mod run;
pub mod stored;

pub use definition::{Action, ActionKind, Definition, DefinitionError, Target};
pub use payload::PayloadPath;
