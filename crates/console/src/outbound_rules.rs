//! `/console/outbound-rules`: outbound rules (issue 17 §1).

use poem::Route;

pub fn routes() -> Route {
    Route::new()
}
