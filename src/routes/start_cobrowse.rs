//! `POST /v1/cobrowse/start`: the data action's target; and the same start for a direct
//! invoke of the Lambda function (`lambda.rs`).
//!
//! The request path, in order: the call's org (`caller.rs`: over HTTP, client certificate
//! (mutual TLS: the handshake's, or a trusted proxy's header) -> inbound credential ->
//! certificate's name for the credential's org) -> content type -> size -> JSON object ->
//! input contract -> domain parse -> agent (from the conversation when needed) -> cobrowse
//! -> flat reply. Each step either passes typed data
//! on or ends the call with a [`Failure`]; whatever happens, the caller gets one [`FlatReply`]
//! and the log gets one line.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::mime;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};
use tokio::time::{Instant, timeout};

use super::AppState;
pub(super) use super::caller::Caller;
use crate::domain::StartRequest;
use crate::metrics::{InFlight, OrgLabel};
use crate::outcome::{CallOutcome, Echo, ErrorCode, Failure, FlatReply};
use crate::reuse;
use crate::telemetry::{log_call, request_id, with_request_id};

/// Flow inputs are three short strings; 16 KiB leaves room for any Architect quirk.
pub const MAX_INPUT_BYTES: usize = 16 * 1024;

pub async fn start_cobrowse(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let request_id = request_id(&request);
    serve(&request, payload, &state, Caller::Http, &request_id).await
}

/// A start, whichever way it came: one flat reply, one log line, counted.
pub(super) async fn serve(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    caller: Caller,
    request_id: &str,
) -> HttpResponse {
    let started = Instant::now();
    let mut echo = Echo::default();
    // The call's org once its credential is known; until then (and for one org), none.
    let mut org = OrgLabel(None);
    let direct = matches!(caller, Caller::DirectInvoke);
    let result = handle(request, payload, state, caller, &mut echo, &mut org).await;
    let (status, outcome, reply) = match result {
        Ok((session, reused)) => (
            StatusCode::OK,
            CallOutcome::Started,
            FlatReply::success(request_id, echo, session, reused),
        ),
        Err(failure) => (
            match direct {
                true => StatusCode::OK,
                false => state.error_mode.status_of(failure.code),
            },
            failure.code.outcome(),
            FlatReply::failure(request_id, echo, failure),
        ),
    };
    state.metrics.count_call_of(org, outcome, reply.error_code);
    log_call(&reply, outcome, request, org.0, started);
    with_request_id(HttpResponse::build(status).json(&reply), request_id)
}

async fn handle(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    caller: Caller,
    echo: &mut Echo,
    org_label: &mut OrgLabel,
) -> reuse::Answer {
    let org = caller.org(request, state, org_label)?;
    // Held until the reply is built; a full house answers at once instead of queueing past
    // the data action's timeout.
    let _org_permit = match &org.in_flight {
        Some(share) => Some(share.hold().ok_or_else(|| {
            Failure::local(
                ErrorCode::Overloaded,
                "This org is holding as many of this instance's calls at once as one org may (three quarters of COBROWSE_MAX_IN_FLIGHT, so that the other orgs keep the rest; an org just added or renamed also counts the calls still in flight of orgs just removed or renamed): its Genesys may be slow. Nothing was started; try again in a moment, or add replicas.",
            )
        })?),
        None => None,
    };
    let _permit = state.in_flight.try_acquire().map_err(|_| {
        Failure::local(
            ErrorCode::Overloaded,
            "This instance is serving as many calls as it allows (COBROWSE_MAX_IN_FLIGHT). Nothing was started; try again in a moment, or add replicas.",
        )
    })?;
    let _in_flight = InFlight::enter(&state.metrics.in_flight);
    check_content_type(request)?;
    let body = timeout(state.client_timeout, read_body(request, payload))
        .await
        .map_err(|_| {
            Failure::local(
                ErrorCode::RequestTimeout,
                "The request body did not arrive in time (COBROWSE_CLIENT_TIMEOUT_MS); send it again.",
            )
        })??;
    let mut body = parse_object(&body)?;
    if let Value::Object(input) = &mut body {
        trim_inputs(input);
    }
    let Value::Object(input) = &body else {
        unreachable!("parse_object only returns objects")
    };
    *echo = echo_of(input);

    state.contract.check_input(&body).map_err(invalid_input)?;
    let start = StartRequest::parse(input, org.default_cobrowse_type).map_err(invalid_input)?;
    echo.conversation_id = start.conversation_id.to_string();
    echo.agent_id = start.agent_id.map(|a| a.to_string()).unwrap_or_default();
    echo.cobrowse_type = start.cobrowse_type.as_str().to_owned();

    let deadline = org.genesys.deadline();
    let agent = org.genesys.choose_agent(&start, deadline).await?;
    echo.agent_id = agent.agent_id.to_string();
    echo.agent_resolved = agent.resolved;
    echo.media_type = agent.media_type;

    let key = reuse::Key::new(&start, agent.agent_id);
    let genesys = &org.genesys;
    // A live session on the conversation takes the place of the start only: a session this
    // service remembers, or one under way, is still handed out first by `reuse`.
    let start = async move {
        match agent.already_active {
            Some(active) => Err(active.into()),
            None => {
                let started = genesys
                    .start_cobrowse(&start, agent.agent_id, deadline)
                    .await;
                // A start refused before it left still follows a lookup that did: the flow
                // is told.
                started.map_err(|e| if agent.looked_up { e.after_lookup() } else { e })
            }
        }
    };
    org.reuse.start(key, deadline, start).await
}

fn invalid_input(problems: Vec<String>) -> Failure {
    Failure::local(ErrorCode::InvalidInput, problems.join("; "))
}

fn check_content_type(request: &HttpRequest) -> Result<(), Failure> {
    let is_json = matches!(
        request.mime_type(),
        Ok(Some(mime)) if mime.type_() == mime::APPLICATION
            && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
    );
    if is_json {
        Ok(())
    } else {
        Err(Failure::local(
            ErrorCode::UnsupportedMediaType,
            "The body must be JSON sent with Content-Type: application/json; set that header in the data action's request configuration.",
        ))
    }
}

fn too_large() -> Failure {
    Failure::local(
        ErrorCode::PayloadTooLarge,
        format!(
            "The body is over {MAX_INPUT_BYTES} bytes. Send only the flow inputs (requestTemplate ${{input.rawRequest}})."
        ),
    )
}

async fn read_body(request: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, Failure> {
    // Refuse a declared oversize body before reading any of it.
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_INPUT_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(256));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            Failure::local(
                ErrorCode::MalformedRequest,
                format!("The request body could not be read ({e}); send it again."),
            )
        })?;
        if body.len() + chunk.len() > MAX_INPUT_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn parse_object(body: &[u8]) -> Result<Value, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(input @ Value::Object(_)) => Ok(input),
        Ok(_) => Err(Failure::local(
            ErrorCode::MalformedRequest,
            "The body must be a JSON object of flow inputs, such as {\"conversationId\": \"...\"}; use requestTemplate ${input.rawRequest}.",
        )),
        Err(e) => Err(Failure::local(
            ErrorCode::MalformedRequest,
            format!(
                "The body is not valid JSON ({e}); use requestTemplate ${{input.rawRequest}} rather than building JSON by hand."
            ),
        )),
    }
}

/// Trims every string input. Architect pads values (`" Control "`, an id with a trailing
/// space, a blank of any length), and the contract's length limits are about the value, not
/// the padding. Only padded values are rewritten.
fn trim_inputs(input: &mut Map<String, Value>) {
    for value in input.values_mut() {
        if let Value::String(text) = value {
            let trimmed = text.trim();
            if trimmed.len() != text.len() {
                *text = trimmed.to_owned();
            }
        }
    }
}

/// The inputs as the flow sent them (trimmed), for the reply of a call that fails before
/// parsing.
fn echo_of(input: &Map<String, Value>) -> Echo {
    let text = |field: &str| match input.get(field) {
        Some(Value::String(s)) => s.chars().take(64).collect(),
        _ => String::new(),
    };
    Echo {
        conversation_id: text("conversationId"),
        agent_id: text("agentId"),
        cobrowse_type: text("cobrowseType"),
        ..Echo::default()
    }
}
