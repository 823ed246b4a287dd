//! `GET /metrics`: Prometheus text exposition, for scraping. What the Genesys client knows
//! (requests in the last minute, whether a token is held) is read here, per scrape.

use actix_web::{HttpResponse, web};

use super::AppState;

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(&state.orgs.genesys_status()))
}
