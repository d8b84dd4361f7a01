//! `/metrics` (DESIGN.md §10) in the Prometheus text format: requests by route and outcome, and
//! attempt outcomes and latency, as the `metrics` crate counts them; and, read from the outbox
//! at each scrape, deliveries by state, the queue of due deliveries and the age of the oldest.

use crate::state::AppState;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use std::fmt::Write;
use std::sync::OnceLock;

/// The process's recorder, installed on first use (once per process, as `metrics` requires).
pub fn recorder() -> &'static Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE.get_or_init(|| match PrometheusBuilder::new().install_recorder() {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(error = %e, "metrics are not recorded");
            None
        }
    })
}

#[handler]
pub async fn metrics(state: Data<&AppState>) -> Response {
    let mut text = recorder().as_ref().map(|h| h.render()).unwrap_or_default();
    match weft_outbound::deliveries::figures(&state.store).await {
        Ok(figures) => {
            let _ = writeln!(text, "# TYPE weft_deliveries gauge");
            for (state, n) in figures.by_state {
                let _ = writeln!(text, "weft_deliveries{{state=\"{state}\"}} {n}");
            }
            let _ = writeln!(text, "# TYPE weft_delivery_queue_depth gauge");
            let _ = writeln!(text, "weft_delivery_queue_depth {}", figures.due);
            let _ = writeln!(text, "# TYPE weft_delivery_oldest_due_seconds gauge");
            let _ = writeln!(
                text,
                "weft_delivery_oldest_due_seconds {}",
                figures.oldest_due_age
            );
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading the outbox for /metrics failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the outbox cannot be read: {e}"),
            )
                .into_response();
        }
    }
    text.with_content_type("text/plain; version=0.0.4")
        .into_response()
}
