//! `GET /console`: the last 24 hours at a glance.

use crate::frame::{Frame, Nav};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::handler;

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
struct OverviewPage {
    frame: Frame,
}

#[handler]
pub async fn page(admin: Admin) -> OverviewPage {
    OverviewPage {
        frame: admin.frame(Nav::Overview),
    }
}
