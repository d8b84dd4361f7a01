//! `/console/inbound-hooks`: Odoo Studio inbound hooks (issue 17 §3).

use poem::Route;

pub fn routes() -> Route {
    Route::new()
}
