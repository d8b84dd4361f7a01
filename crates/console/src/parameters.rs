//! `/console/parameters`: the `webhook.*` parameters (issue 17 §5).

use poem::Route;

pub fn routes() -> Route {
    Route::new()
}
