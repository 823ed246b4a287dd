//! `POST /v1/lambda/invoke`: a direct invoke of the AWS Lambda function (Genesys's AWS Lambda
//! data actions integration calling it), answered as `POST /v1/cobrowse/start` is, with no
//! inbound credential: IAM decided who may invoke the function.
//!
//! The AWS Lambda Web Adapter posts an event that is not an HTTP request to its pass-through
//! path, this one, with `x-amzn-request-context: null`; for a function URL's or API Gateway's
//! event it writes the event's real request context into that header, whatever the caller
//! sent, so a caller of the function URL cannot pass for a direct invoke. The path is served
//! only when all three hold: `COBROWSE_LAMBDA=true` (which keeps the service on loopback), a
//! loopback TCP peer, and that header exactly `null`. Anything else is refused `UNAUTHORIZED`,
//! logged with the peer and counted: on a server, the path must never be a way around the
//! credential.
//!
//! The adapter hands Genesys the reply's body alone (the status is dropped), and Genesys takes
//! any normal return as success: so every answer to a direct invoke is HTTP 200 with the flat
//! reply, `success: false` and the code on a failure, whatever `COBROWSE_ERROR_MODE` says.

use actix_web::http::header::HeaderName;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::AppState;
use super::start_cobrowse::{Caller, serve};
use crate::outcome::{ErrorCode, Failure};
use crate::telemetry::{request_id, sane_request_id};

/// The event's request context, as the adapter writes it: `null` for a direct invoke.
const REQUEST_CONTEXT: HeaderName = HeaderName::from_static("x-amzn-request-context");
/// The invocation's Lambda context, as the adapter writes it (its `request_id` among them).
const LAMBDA_CONTEXT: HeaderName = HeaderName::from_static("x-amzn-lambda-context");

pub async fn direct_invoke(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    match is_direct_invoke(&request, &state) {
        Ok(()) => {
            let id = lambda_request_id(&request).unwrap_or_else(|| request_id(&request));
            serve(&request, payload, &state, Caller::DirectInvoke, &id).await
        }
        Err(why) => {
            let failure = Failure::local(
                ErrorCode::Unauthorized,
                format!(
                    "{why} POST /v1/lambda/invoke answers only the direct invokes of the AWS Lambda function, passed on by its Web Adapter (COBROWSE_LAMBDA=true); a data action over HTTP calls POST /v1/cobrowse/start with its credential."
                ),
            );
            let id = request_id(&request);
            serve(&request, payload, &state, Caller::Refused(failure), &id).await
        }
    }
}

/// Whether the call is a direct invoke the adapter passed on; if not, why, in words.
fn is_direct_invoke(request: &HttpRequest, state: &AppState) -> Result<(), &'static str> {
    if !state.lambda {
        return Err("This service does not run in AWS Lambda (COBROWSE_LAMBDA is not true).");
    }
    // The TCP peer's own address: no header can change it.
    let loopback = request
        .peer_addr()
        .is_some_and(|peer| peer.ip().to_canonical().is_loopback());
    if !loopback {
        return Err(
            "The call did not come from the loopback interface, where the Web Adapter calls from.",
        );
    }
    let mut context = request.headers().get_all(REQUEST_CONTEXT);
    match (context.next(), context.next()) {
        (Some(value), None) if value.as_bytes() == b"null" => Ok(()),
        _ => Err(
            "The call is not a direct invoke (its x-amzn-request-context is not null): a function URL's or API Gateway's request.",
        ),
    }
}

/// The invocation's Lambda request id, so that the call's log line and reply carry the id
/// the function's own log lines (`START RequestId: ...`) show.
fn lambda_request_id(request: &HttpRequest) -> Option<String> {
    #[derive(Deserialize)]
    struct LambdaContext {
        request_id: String,
    }
    let header = request.headers().get(LAMBDA_CONTEXT)?;
    let context: LambdaContext = serde_json::from_slice(header.as_bytes()).ok()?;
    sane_request_id(&context.request_id).map(str::to_owned)
}
