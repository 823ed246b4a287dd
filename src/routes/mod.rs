//! The HTTP surface: one file per endpoint, registered here with the state they share.

mod caller;
mod health;
mod lambda;
mod metrics;
mod start_cobrowse;

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use tokio::sync::Semaphore;

use crate::contract::Contract;
use crate::metrics::Metrics;
use crate::orgs::Orgs;
use crate::outcome::{Echo, ErrorCode, ErrorMode, Failure, FlatReply};
use crate::telemetry::{request_id, with_request_id};
use crate::tls::forwarded::ClientCertificates;

/// The route a data action calls. `export-action` writes it into the action, and
/// `tests/api/genesys_runtime.rs` calls the service through an export, so the two cannot
/// part silently.
pub const START_PATH: &str = "/v1/cobrowse/start";

/// Where the AWS Lambda Web Adapter posts a direct invoke's event (its
/// `AWS_LWA_PASS_THROUGH_PATH`): served only inside Lambda (`routes/lambda.rs`).
pub const LAMBDA_INVOKE_PATH: &str = "/v1/lambda/invoke";

/// What every request handler shares.
pub struct AppState {
    pub contract: Contract,
    /// The org a call is for is the one whose credential it carries.
    pub orgs: Orgs,
    pub error_mode: ErrorMode,
    /// How long a client may take to send its body (the head is bounded by actix).
    pub client_timeout: Duration,
    /// One permit per call in flight: a full semaphore answers `OVERLOADED` at once.
    pub in_flight: Arc<Semaphore>,
    /// With mutual TLS, where a call's client certificate comes from: it must name the org's
    /// data actions.
    pub client_certificates: Option<ClientCertificates>,
    pub metrics: Arc<Metrics>,
    /// Inside AWS Lambda (`COBROWSE_LAMBDA`): direct invokes are served.
    pub lambda: bool,
}

/// Registers every route, and a fallback that answers unknown routes in the flat shape too.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(START_PATH, web::post().to(start_cobrowse::start_cobrowse))
        .route(LAMBDA_INVOKE_PATH, web::post().to(lambda::direct_invoke))
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
    state
        .metrics
        .count_call(failure.code.outcome(), failure.code.as_str());
    let reply = FlatReply::failure(&request_id, Echo::default(), failure);
    with_request_id(HttpResponse::NotFound().json(&reply), &request_id)
}
