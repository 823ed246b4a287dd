//! The HTTP surface: one file per endpoint, registered here.

mod health;
mod metrics;
mod start_cobrowse;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::outcome::{Echo, ErrorCode, Failure, FlatReply};
use crate::startup::AppState;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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

/// A data action pointed at the wrong path lands here: it gets a request id like any call,
/// is logged and counted, so the admin testing the action can find it.
async fn unknown_route(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let request_id = request_id(&request);
    let failure = Failure::local(
        ErrorCode::UnknownRoute,
        "No such route. The data action must POST to /v1/cobrowse/start; health checks are GET /healthz and GET /readyz.",
    );
    tracing::warn!(
        request_id = %request_id,
        method = %request.method(),
        // Quoted and cut short: anyone can send any path, before any credential is checked.
        path = %crate::domain::shorten(request.path()),
        error_code = failure.code.as_str(),
        peer = request.connection_info().peer_addr().unwrap_or_default(),
        "unknown route"
    );
    let reply = FlatReply::failure(&request_id, Echo::default(), failure);
    state.metrics.count_call(&reply);
    with_request_id(HttpResponse::NotFound().json(&reply), &request_id)
}
/// The caller's `X-Request-Id` when it is a sane token (so one id follows a call across
/// systems), otherwise a new one. Anything else is replaced, never echoed into logs.
fn request_id(request: &HttpRequest) -> String {
    request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Echoes the call's id in the `X-Request-Id` response header.
fn with_request_id(mut response: HttpResponse, request_id: &str) -> HttpResponse {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    response
}
