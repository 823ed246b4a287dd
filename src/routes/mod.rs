//! The HTTP surface: one file per endpoint, registered here.

mod health;
mod metrics;
mod start_cobrowse;

use actix_web::{HttpResponse, web};

use crate::outcome::{Echo, ErrorCode, Failure, FlatReply};

/// Registers every route, and a fallback that answers unknown routes in the flat shape too.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        crate::export::START_PATH,
        web::post().to(start_cobrowse::start_cobrowse),
    )
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .route("/metrics", web::get().to(metrics::metrics))
    .default_service(web::to(unknown_route));
}

async fn unknown_route() -> HttpResponse {
    let failure = Failure::local(
        ErrorCode::UnknownRoute,
        "No such route. The data action must POST to /v1/cobrowse/start; health checks are GET /healthz and GET /readyz.",
    );
    HttpResponse::NotFound().json(FlatReply::failure("", Echo::default(), failure))
}
