//! The console's inbound_hooks page(s) (issue 17).
