//! `/console/users`: users, their roles, companies and passwords (issue 17 §4).

use poem::Route;

pub fn routes() -> Route {
    Route::new()
}
