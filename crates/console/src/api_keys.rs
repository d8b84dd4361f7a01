//! `/console/api-keys`: API keys (issue 17 §4).

use poem::Route;

pub fn routes() -> Route {
    Route::new()
}
