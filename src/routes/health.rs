//! Liveness and readiness, for load balancers and Kubernetes probes.
//!
//! Liveness says only that the process serves, so a Genesys outage never gets pods
//! restarted. Readiness says this process answers calls: it is 200 whenever it is asked
//! (before the server serves, and after SIGTERM closes the listener, the probe cannot
//! connect, which is readiness failing). Genesys's state is not readiness: a Genesys login
//! outage or a revoked client secret is shared by every replica, and taking them all out of
//! the Service would leave flows with no answer at all (the Failure path with no
//! `errorCode`) instead of `GENESYS_AUTH_FAILED` or `GENESYS_UNAVAILABLE` they can branch
//! on. It is reported in the call's reply, the metrics (`token_valid`) and the alerts, and
//! here for people: each org's token state (from the cache, so probes cost nothing once a
//! token is held). For the environment's one org, unnamed, the reply is that org's state;
//! with the orgs of a file, each org is listed under `orgs`.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use std::time::Duration;

use super::AppState;
use crate::genesys::GenesysClient;
use crate::outcome::{ErrorCode, Failure};

/// How long a probe waits for a token request under way, for every org at once: well inside
/// the 5 s a Kubernetes probe gives (`deploy/kubernetes/deployment.yaml`), so a login service
/// that hangs never makes the probe time out, which would take the replica out of the
/// Service as surely as a 503. The token request goes on after the wait; a later probe finds
/// its outcome.
const READY_WAIT: Duration = Duration::from_secs(2);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // Every org at once: a token held answers at once, and one being fetched costs the
    // probe at most READY_WAIT whatever the number of orgs.
    let mut checks = tokio::task::JoinSet::new();
    for org in state.orgs.list() {
        checks.spawn(async move { (org.name, org_state(&org.genesys, READY_WAIT).await) });
    }
    let mut orgs = Map::new();
    while let Some(Ok((name, body))) = checks.join_next().await {
        // The environment's one org, unnamed, is the reply itself.
        let Some(name) = name else {
            let mut reply = Map::from_iter([("status".into(), "ready".into())]);
            reply.extend(body);
            return HttpResponse::Ok().json(reply);
        };
        orgs.insert(name.to_owned(), Value::Object(body));
    }
    orgs.sort_keys();
    HttpResponse::Ok().json(json!({"status": "ready", "orgs": orgs}))
}

/// What one org's Genesys token is now, in words (`genesys`) and, when none can be had, the
/// code and message its calls get now (no secret in it).
async fn org_state(genesys: &GenesysClient, wait: Duration) -> Map<String, Value> {
    let mut state = Map::new();
    match genesys.check_ready(wait).await {
        Ok(()) => {
            state.insert("genesys".into(), "token held".into());
        }
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
                "readiness probe: no Genesys token"
            );
            let words = format!("{} ({})", no_token(failure.code), failure.code.as_str());
            state.insert("genesys".into(), words.into());
            state.insert("errorCode".into(), failure.code.as_str().into());
            state.insert("errorMessage".into(), failure.message.into());
            state.insert("upstreamStatus".into(), failure.upstream_status.into());
            state.insert("correlationId".into(), failure.correlation_id.into());
        }
    }
    // What `COBROWSE_REQUEST_BODY=auto` settled on, for the admin checking a deploy.
    state.insert(
        "requestBody".into(),
        genesys.request_body_in_use().as_str().into(),
    );
    state
}

/// Why there is no token, as a person reads it first; the code and message say the rest.
fn no_token(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::GenesysAuthFailed => "login refused",
        ErrorCode::GenesysUnavailable => "login service unavailable",
        ErrorCode::RateLimited => "login rate limited",
        ErrorCode::UpstreamTimeout => "no token yet: the login service is slow to answer",
        _ => "no token",
    }
}
