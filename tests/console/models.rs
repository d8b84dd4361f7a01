//! The console's models page(s) (issue 17).
