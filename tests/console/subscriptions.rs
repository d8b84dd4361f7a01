//! The console's subscriptions page(s) (issue 17).
