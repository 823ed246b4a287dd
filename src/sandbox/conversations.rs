//! The sandbox's conversations: the special ids a flow designer tries, and how the simulated
//! API answers reading a conversation and starting cobrowse on one.
//!
//! Every other id is a live conversation with a customer and [`SANDBOX_AGENT`] connected, on
//! which a start succeeds. The ids share the range doctor makes up its own in, and any id of
//! that range that is none of them is unknown, as doctor expects (`MADE_UP_PREFIX`).
//!
//! A session the sandbox starts is never listed on the conversation afterwards: Genesys
//! documents `cobrowsesessions` for the legacy co-browse only, not for the Messenger sessions
//! `POST .../cobrowse` starts (docs/conversation.md), so only `LIVE_COBROWSE` shows one.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::refusals::{genesys_error, not_found, refuse_bearer};
use crate::doctor::MADE_UP_PREFIX;

/// Conversation ids that make the simulated API fail, and how.
pub const FORBIDDEN: &str = "00000000-0000-4000-8000-000000000403";
pub const NOT_FOUND: &str = "00000000-0000-4000-8000-000000000404";
pub const RATE_LIMITED: &str = "00000000-0000-4000-8000-000000000429";
pub const UNAVAILABLE: &str = "00000000-0000-4000-8000-000000000503";
pub const SLOW: &str = "00000000-0000-4000-8000-000000000408";
pub const NO_AGENT: &str = "00000000-0000-4000-8000-000000000409";
pub const ENDED: &str = "00000000-0000-4000-8000-000000000410";
/// Conversation ids on which the sandbox's agent shares the call, and with whom.
pub const CONSULT: &str = "00000000-0000-4000-8000-000000000201";
pub const MONITORED: &str = "00000000-0000-4000-8000-000000000202";
/// The customer and the sandbox's agent are in a legacy co-browse session (voice) already.
pub const LIVE_COBROWSE: &str = "00000000-0000-4000-8000-000000000203";
/// The sandbox's agent consults the agent it connected after, and is marked as initiator.
pub const CONSULT_BY_LATER: &str = "00000000-0000-4000-8000-000000000204";
/// The agent connected to every other sandbox conversation.
pub const SANDBOX_AGENT: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
/// The agent the sandbox's agent consults on `CONSULT` and `CONSULT_BY_LATER`.
pub const CONSULTED_AGENT: &str = "1e2f3a4b-5c6d-4e7f-8a9b-a0b1c2d3e4f5";
/// The supervisor listening in on `MONITORED`.
pub const SUPERVISOR: &str = "2f3a4b5c-6d7e-4f8a-9b0c-b1c2d3e4f5a6";

/// The special ids with what each shows, for the start-up instructions.
pub const SPECIAL_CONVERSATIONS: [(&str, &str); 11] = [
    (
        FORBIDDEN,
        "403: the OAuth client lacks the cobrowse permission",
    ),
    (NOT_FOUND, "404: no such conversation"),
    (
        RATE_LIMITED,
        "429 with Retry-After: 60, longer than the budget",
    ),
    (
        UNAVAILABLE,
        "503 with Retry-After: 60, longer than the budget",
    ),
    (SLOW, "answers after 5 s, past the sandbox's 3 s budget"),
    (NO_AGENT, "still queued: no agent connected"),
    (ENDED, "over: every participant has left"),
    (
        CONSULT,
        "the agent consults agent 1e2f3a4b-5c6d-4e7f-8a9b-a0b1c2d3e4f5: without agentId the first one is used",
    ),
    (
        MONITORED,
        "a supervisor monitors the call: never used as the agent",
    ),
    (
        LIVE_COBROWSE,
        "a legacy co-browse session (cobrowsesessions) is under way: no second offer (COBROWSE_ALREADY_ACTIVE)",
    ),
    (
        CONSULT_BY_LATER,
        "the agent consults one who connected earlier: the consult's initiator is used",
    ),
];

/// An id in the special ids' range that is none of them: no conversation has it, as none
/// has the ids doctor makes up in that range.
fn unknown(conversation_id: &str) -> bool {
    conversation_id.starts_with(MADE_UP_PREFIX)
        && !SPECIAL_CONVERSATIONS
            .iter()
            .any(|(special, _)| *special == conversation_id)
}

/// A conversation with a customer and, unless the id says otherwise, a connected agent.
pub(super) async fn conversation(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let id = id.into_inner();
    if unknown(&id) {
        return not_found(&correlation_id);
    }
    let (customer, agent) = match id.as_str() {
        NOT_FOUND => return not_found(&correlation_id),
        NO_AGENT => ("connected", "alerting"),
        ENDED => ("disconnected", "disconnected"),
        _ => ("connected", "connected"),
    };
    let leg = |state: &str, since: &str| json!([{"state": state, "connectedTime": since}]);
    let mut customer = json!({"id": "p-customer", "purpose": "customer", "calls": leg(customer, "2026-11-24T09:58:00Z")});
    let mut agent = json!({"id": "p-agent", "purpose": "agent", "userId": SANDBOX_AGENT, "calls": leg(agent, "2026-11-24T10:00:00Z")});
    let mut others = Vec::new();
    match id.as_str() {
        CONSULT => others.push(json!({
            "id": "p-consulted", "purpose": "agent", "userId": CONSULTED_AGENT,
            "consultParticipantId": "p-agent", "calls": leg("connected", "2026-11-24T10:02:30.500Z")
        })),
        MONITORED => others.push(json!({
            "id": "p-supervisor", "purpose": "agent", "userId": SUPERVISOR,
            "monitoredParticipantId": "p-agent", "mediaRoles": ["monitor"],
            "calls": leg("connected", "2026-11-24T10:03:00Z")
        })),
        LIVE_COBROWSE => {
            // As a published `Cobrowsesession` of the legacy co-browse for voice: the
            // customer shares, the agent views.
            let cobrowse = |role: &str, peer: &str| {
                json!([{
                    "state": "connected", "initialState": "alerting", "id": format!("{peer}-cobrowse"),
                    "cobrowseSessionId": "5a4db0c8-9d3e-4c1f-8b2a-7e6f5d4c3b2a",
                    "cobrowseRole": role, "controlling": [],
                    "connectedTime": "2026-11-24T10:01:05Z", "provider": "PureCloud", "peerId": peer
                }])
            };
            customer["cobrowsesessions"] = cobrowse("sharer", "p-agent");
            agent["cobrowsesessions"] = cobrowse("viewer", "p-customer");
        }
        CONSULT_BY_LATER => {
            // Both sides of a consult are marked; the initiator also by an attribute.
            agent["consultParticipantId"] = json!("p-consulted");
            agent["attributes"] = json!({"consultInitiator": "true"});
            others.push(json!({
                "id": "p-consulted", "purpose": "agent", "userId": CONSULTED_AGENT,
                "consultParticipantId": "p-agent", "calls": leg("connected", "2026-11-24T09:59:30Z")
            }));
        }
        _ => {}
    }
    let mut participants = vec![
        customer,
        json!({"id": "p-acd", "purpose": "acd", "calls": leg("disconnected", "2026-11-24T09:58:40Z")}),
        agent,
    ];
    participants.extend(others);
    HttpResponse::Ok()
        .insert_header(("ININ-Correlation-Id", correlation_id.as_str()))
        .json(json!({"id": id, "participants": participants}))
}

pub(super) async fn start_cobrowse(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    if let Some(refused) = refuse_bearer(&request, &correlation_id) {
        return refused;
    }
    let id = id.into_inner();
    if unknown(&id) {
        return not_found(&correlation_id);
    }
    match id.as_str() {
        FORBIDDEN => genesys_error(
            403,
            "missing.any.permissions",
            "Unable to perform the requested action. You are missing the following permission(s): [conversation:cobrowse:add, conversation:cobrowseVoice:add]",
            &correlation_id,
        ),
        NOT_FOUND => not_found(&correlation_id),
        RATE_LIMITED => retry_later(genesys_error(
            429,
            "too.many.requests.retry.after",
            "Rate limit exceeded the maximum. Retry the request in [60] seconds",
            &correlation_id,
        )),
        UNAVAILABLE => retry_later(genesys_error(
            503,
            "service.unavailable",
            "Service Unavailable",
            &correlation_id,
        )),
        SLOW => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            session(&id, &correlation_id)
        }
        _ => session(&id, &correlation_id),
    }
}

fn retry_later(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("60"),
    );
    response
}

fn session(conversation_id: &str, correlation_id: &str) -> HttpResponse {
    let session_id = uuid::Uuid::new_v4();
    let join_code = &session_id.simple().to_string()[..6];
    let offer_ends = std::time::SystemTime::now() + Duration::from_secs(300);
    HttpResponse::Ok()
        .insert_header(("ININ-Correlation-Id", correlation_id))
        .json(json!({
            "id": session_id.to_string(),
            "name": format!("Sandbox cobrowse on {conversation_id}"),
            "joinCode": join_code,
            "websocketUrl": format!("wss://sandbox.invalid/cobrowse/{session_id}"),
            "dateOfferEnds": humantime::format_rfc3339_millis(offer_ends).to_string(),
            "communicationType": "Call",
            "selfUri": format!("/api/v2/conversations/{conversation_id}/cobrowse/{session_id}")
        }))
}
