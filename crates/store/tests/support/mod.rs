//! Kept for tests that still say `mod support;`: the helpers live in `weft_store::testing`.

#![allow(unused_imports)]
pub use weft_store::testing::*;
