//! `/console/subscriptions`: Synconics webhook subscriptions (issue 17 §2).

use poem::Route;

pub fn routes() -> Route {
    Route::new()
}
