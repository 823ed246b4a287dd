//! The one reply shape of `POST /v1/cobrowse/start`, and the one place that decides what
//! every failure means for a flow.
//!
//! Every answer the endpoint gives, success or failure, is a [`FlatReply`]: one flat JSON
//! object whose fields are always present, so an Architect flow can map each one onto a
//! variable without nested paths. Every failure is a [`Failure`] carrying an [`ErrorCode`]
//! (`code.rs`: one table row per code, with its stable name, its status, its [`CallOutcome`]
//! and whether it is decided before the contract); what a Genesys error means, and the words
//! a flow designer reads about it, are decided in `from_genesys.rs`.

mod code;
mod from_genesys;

pub use code::{ErrorCode, call_labels};
pub(crate) use from_genesys::said as genesys_said;

use actix_web::http::StatusCode;
use serde::Serialize;

use crate::genesys::StartedSession;

/// How failures reach the caller (`COBROWSE_ERROR_MODE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ErrorMode {
    /// HTTP 200 with `success: false`: the only way a call flow learns why.
    Inline,
    /// The same body with a fitting non-2xx status.
    Status,
}

impl ErrorMode {
    /// The status a failure is answered with: its own before the contract (there is no
    /// valid call to answer), and in `status` mode; 200 in `inline` mode.
    pub fn status_of(self, code: ErrorCode) -> StatusCode {
        match self {
            _ if code.is_before_contract() => code.status(),
            ErrorMode::Status => code.status(),
            ErrorMode::Inline => StatusCode::OK,
        }
    }
}

/// What became of a call: defined with the metrics that count it by it (they depend on
/// nothing they count), and named here with the replies that carry it.
pub use crate::metrics::CallOutcome;

/// A failed call: what went wrong, what to do, and what Genesys said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
    /// HTTP status of the last Genesys answer; 0 when Genesys was not called or did not answer.
    pub upstream_status: u16,
    /// `ININ-Correlation-Id` of the last Genesys answer, `""` when there was none.
    pub correlation_id: String,
}

impl Failure {
    /// Another start with the same key (on this replica or another) was still under way when
    /// this call's budget ran out. Nothing was sent to Genesys by this call.
    pub fn start_under_way() -> Self {
        Failure::local(
            ErrorCode::UpstreamTimeout,
            "A start for the same conversation, agent and type was still under way when the time budget (COBROWSE_UPSTREAM_TIMEOUT_MS) ran out; this call sent nothing. Try again in a moment: the session it starts will be handed out.",
        )
    }

    /// A failure decided by this service alone (Genesys was not asked).
    pub fn local(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            upstream_status: 0,
            correlation_id: String::new(),
        }
    }
}

/// What the call was about, echoed back so a flow can log it beside the result: the parsed
/// values as far as the call got, and before that whatever strings the flow sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Echo {
    pub conversation_id: String,
    pub agent_id: String,
    pub cobrowse_type: String,
    /// The agent id came from the conversation, not from the flow.
    pub agent_resolved: bool,
    /// The media the agent is connected on, `""` when not looked up.
    pub media_type: String,
}

/// The flat reply; field names and types are `schemas/start-cobrowse.output.json`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FlatReply {
    pub success: bool,
    pub conversation_id: String,
    pub agent_id: String,
    pub agent_resolved: bool,
    pub cobrowse_type: String,
    pub media_type: String,
    pub session_id: String,
    pub session_name: String,
    pub join_code: String,
    pub websocket_url: String,
    pub date_offer_ends: String,
    pub communication_type: String,
    pub error_code: &'static str,
    pub error_message: String,
    pub upstream_status: u16,
    pub correlation_id: String,
    pub request_id: String,
    /// The session was handed out again rather than started by this call.
    pub reused: bool,
}

impl FlatReply {
    pub fn success(request_id: &str, echo: Echo, session: StartedSession, reused: bool) -> Self {
        FlatReply {
            success: true,
            conversation_id: echo.conversation_id,
            agent_id: echo.agent_id,
            agent_resolved: echo.agent_resolved,
            cobrowse_type: echo.cobrowse_type,
            media_type: echo.media_type,
            session_id: session.session_id,
            session_name: session.session_name,
            join_code: session.join_code,
            websocket_url: session.websocket_url,
            date_offer_ends: session.date_offer_ends,
            communication_type: session.communication_type,
            error_code: "",
            error_message: String::new(),
            upstream_status: session.upstream_status,
            correlation_id: session.correlation_id,
            request_id: request_id.to_owned(),
            reused,
        }
    }

    pub fn failure(request_id: &str, echo: Echo, failure: Failure) -> Self {
        FlatReply {
            success: false,
            conversation_id: echo.conversation_id,
            agent_id: echo.agent_id,
            agent_resolved: echo.agent_resolved,
            cobrowse_type: echo.cobrowse_type,
            media_type: echo.media_type,
            session_id: String::new(),
            session_name: String::new(),
            join_code: String::new(),
            websocket_url: String::new(),
            date_offer_ends: String::new(),
            communication_type: String::new(),
            error_code: failure.code.as_str(),
            error_message: failure.message,
            upstream_status: failure.upstream_status,
            correlation_id: failure.correlation_id,
            request_id: request_id.to_owned(),
            reused: false,
        }
    }
}
