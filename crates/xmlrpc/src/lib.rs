//! The XML-RPC codec of Weft's Odoo routes (`/xmlrpc/2/*` and the legacy `/xmlrpc/*`): a
//! `methodCall` is read into its method name and positional parameters as JSON values, a result
//! is written as a `methodResponse`, a failure as a `<fault>`; the same types the other way round
//! (`encode_call`, `decode_response`) serve the tests and the bench as a client.
//!
//! Values follow what Odoo's server reads and writes (`xmlrpc.client.loads(data,
//! use_datetime=True)` and `OdooMarshaller(allow_none=False)` in
//! odoo/addons/base/controllers/rpc.py):
//!
//! | read                                         | JSON                                   |
//! |----------------------------------------------|----------------------------------------|
//! | `i1` `i2` `i4` `int` `i8` `biginteger`       | an integer (outside i64: an error)     |
//! | `boolean` (`0`/`1` only)                     | a bool                                 |
//! | `double` (NaN and infinities refused)        | a float                                |
//! | `string`, an untyped `<value>text</value>`   | a string                               |
//! | `base64`                                     | its base64 text without whitespace     |
//! | `dateTime.iso8601` (`20240105T10:11:12`, `2024-01-05T10:11:12`) | `"2024-01-05 10:11:12"` |
//! | `nil` (also `ex:nil`; Python's reader takes it) | null                                |
//! | `array`, `struct`                            | an array, an object                    |
//!
//! Written: integers within i32 as `<int>`, larger ones as `<i8>` (Python's reader reads both),
//! floats as `<double>`, strings escaped with the control characters XML 1.0 forbids stripped (as
//! Odoo does), arrays and structs; null is refused as Odoo refuses `None` ("cannot marshal None
//! unless allow_none is enabled").
//!
//! Bodies are read in UTF-8 or ISO-8859-1 (PHP's xmlrpc extension declares it by default).
//!
//! Hostile input: a DOCTYPE is refused (so no entity is ever defined or expanded), arrays and
//! structs nest at most `MAX_DEPTH` deep, the parser keeps its own stack (no recursion, so no
//! stack overflow), and every malformed document is an error naming the line, column and reason.
//! The body limit of the server bounds the element count.
//!
//! ## Why a codec of our own on quick-xml
//!
//! The crates.io XML-RPC crates were checked (December 2026):
//! - `dxr` 0.9.0 (maintained, codeberg.org/decathorpe/dxr): serde-derived types over quick-xml
//!   0.37 + winnow; it reads `methodCall`s, but through serde's recursive descent (no depth bound,
//!   a deep body overflows the stack), its errors carry no position, base64 comes out as bytes
//!   (re-encoded for Weft's base64 fields), only the compact `dateTime` form is read, `i8` and
//!   `nil` sit behind features, and its `Value` is opaque (a walk per type to reach JSON);
//! - `xmlrpc` 0.15.1 (jonas-schievink/xml-rpc-rs): a client (reqwest, xml-rs); it parses
//!   responses only, no `methodCall` reading, no fault writing;
//! - `serde_xmlrpc` 0.3.0-alpha.2 (belak/serde-xmlrpc, last stable 0.2.3): serde over quick-xml
//!   0.31 with anyhow and iso8601, a pre-release; the same recursion and position gaps as dxr;
//! - `xml-rpc` 0.0.12 (adnanademovic): hyper 0.10, serde-xml-rs 0.2, unmaintained since 2018.
//!
//! None fits, so this crate is the small codec on quick-xml 0.36 (already in Cargo.lock) that
//! the issue allows, with a fuzz target (`fuzz/`) and bounded property tests
//! (`tests/properties.rs`, run by CI).
//!
//! ## Fuzzing
//!
//! `fuzz/` is a cargo-fuzz project outside the workspace. On the stable toolchain:
//! `cd crates/xmlrpc/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run decode -- -max_total_time=300`
//! (cargo-fuzz from `cargo install cargo-fuzz`). The target decodes arbitrary bytes as a call and
//! as a response and round-trips every call that decodes.

mod decode;
mod encode;
mod error;
mod scalar;

pub use decode::{MAX_DEPTH, MethodCall, decode_call, decode_response};
pub use encode::{encode_call, encode_fault, encode_response};
pub use error::{DecodeError, EncodeError};

/// A fault's `faultCode`: an int on `/xmlrpc/2`, a string on the legacy `/xmlrpc` routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultCode {
    Int(i32),
    Text(String),
}

/// A `<fault>` as a server answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: FaultCode,
    pub string: String,
}
