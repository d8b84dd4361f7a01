//! The payload of an outbound rule: ecosoft's object template (research §12.5, 18.0.4.2.0) rendered
//! for one record, so a rule written for `usability_webhooks` sends the same body from Weft.
//!
//! Keys are kept; a string that is exactly `{path}` or `{path:format}` is replaced by what the
//! path reads, anything else is sent literally; a one-item list under an x2many key is repeated per
//! related record. Where Weft differs (DESIGN.md §6): `{many2one}` renders the id rather than
//! `"res.partner(3,)"`, a plain path ending on an x2many renders its ids, and `{@method}` calls are
//! not supported, so they stay literal strings. A path that cannot be read renders `null`, as
//! ecosoft's swallowed exceptions do; only database errors fail the render.
//!
//! Rows are read through `Tx::stored_rows` and cached for the whole render; following a relation
//! reads its targets for every cached record of the model at once (Odoo's prefetch), so a template
//! over an order's lines costs a query per path step, not one per line.
//!
//! `parse` reads the `{path}` syntax, `render` walks the template against the record's rows, and
//! `format` and `html` turn the values a path reads into what `{path:format}` sends.

mod format;
mod html;
mod parse;
mod render;
#[cfg(test)]
mod tests;

pub use render::render;
