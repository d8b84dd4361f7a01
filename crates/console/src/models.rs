//! `/console/models`: the schema's models and a read-only record browser (issue 17 §6).

use poem::Route;

pub fn routes() -> Route {
    Route::new()
}
