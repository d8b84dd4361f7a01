//! The console's outbound_rules page(s) (issue 17).
