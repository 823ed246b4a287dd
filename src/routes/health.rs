//! Liveness and readiness, for load balancers and Kubernetes probes.
//!
//! Liveness says only that the process serves, so a Genesys outage never gets pods
//! restarted. Readiness says a Genesys token can be had (from the cache, so probes cost
//! nothing once a token is held), so traffic goes only to instances that can do the job.
//! With the orgs of a file, an instance is ready while any org can be served: one org whose
//! login fails must not take every other org's traffic away. The reply lists each org's
//! state; for the environment's one org, unnamed, it is that org's state.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use std::time::Duration;

use super::AppState;
use crate::genesys::GenesysClient;
use crate::outcome::Failure;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // Every org at once: a token held answers at once, and one being fetched costs the
    // probe at most the set's wait whatever the number of orgs.
    let wait = state.orgs.ready_wait();
    let mut checks = tokio::task::JoinSet::new();
    for org in state.orgs.list() {
        checks.spawn(async move { (org.name, org_state(&org.genesys, wait).await) });
    }
    let mut orgs = Map::new();
    let mut any_ready = false;
    while let Some(Ok((name, (ready, body)))) = checks.join_next().await {
        // The environment's one org, unnamed, is the reply itself.
        let Some(name) = name else {
            return reply(ready, body);
        };
        any_ready |= ready;
        orgs.insert(name.to_owned(), body);
    }
    orgs.sort_keys();
    let status = if any_ready { "ready" } else { "not ready" };
    reply(any_ready, json!({"status": status, "orgs": orgs}))
}

fn reply(ready: bool, body: Value) -> HttpResponse {
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Whether one org can be served, and the reply that says so (no secret in it).
async fn org_state(genesys: &GenesysClient, wait: Duration) -> (bool, Value) {
    match genesys.check_ready(wait).await {
        Ok(()) => (
            true,
            json!({
                "status": "ready",
                // What `COBROWSE_REQUEST_BODY=auto` settled on, for the admin checking a deploy.
                "requestBody": genesys.request_body_in_use().as_str(),
            }),
        ),
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
            (
                false,
                json!({
                    "status": "not ready",
                    "errorCode": failure.code.as_str(),
                    "errorMessage": failure.message,
                    "upstreamStatus": failure.upstream_status,
                    "correlationId": failure.correlation_id,
                }),
            )
        }
    }
}
