//! Liveness and readiness, for load balancers and Kubernetes probes.
//!
//! Liveness says only that the process serves, so a Genesys outage never gets pods
//! restarted. Readiness says a Genesys token can be had (from the cache, so probes cost
//! nothing once a token is held), so traffic goes only to instances that can do the job.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::AppState;
use crate::outcome::Failure;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.genesys.check_ready().await {
        Ok(()) => HttpResponse::Ok().json(json!({
            "status": "ready",
            // What `COBROWSE_REQUEST_BODY=auto` settled on, for the admin checking a deploy.
            "requestBody": state.genesys.request_body_in_use().as_str(),
        })),
        Err(error) => {
            let failure = Failure::from(error);
            // Debug only: the token cache already warned about the failed token request, and
            // a probe every few seconds would repeat it. `error_message`, as in the call's line:
            // a field named `message` would be a second `message` key in the JSON line.
            tracing::debug!(
                error_code = failure.code.as_str(),
                upstream_status = failure.upstream_status,
                correlation_id = %failure.correlation_id,
                error_message = %failure.message,
                "not ready: no Genesys token"
            );
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "not ready",
                "errorCode": failure.code.as_str(),
                "errorMessage": failure.message,
                "upstreamStatus": failure.upstream_status,
                "correlationId": failure.correlation_id,
            }))
        }
    }
}
