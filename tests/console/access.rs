//! The console's access page(s) (issue 17).
