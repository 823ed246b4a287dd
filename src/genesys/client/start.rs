//! The start itself: `POST /api/v2/conversations/{id}/cobrowse`, with the agent payload or
//! without a body (`RequestBody`; in `auto` mode, without one once Genesys has refused it), and
//! the session Genesys answers with, as the flow and the reuse store see it.

use std::sync::atomic::Ordering;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use tokio::time::Instant;

use super::{GenesysClient, RequestBody};
use crate::domain::{AgentId, StartRequest};
use crate::genesys::error::{GenesysError, Operation, Problem};
use crate::genesys::reply::Reply;

/// The session Genesys started (its `CobrowseWebMessagingSession`), as the flow sees it.
/// Serialised as the reuse store keeps it: nothing in it is secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartedSession {
    pub session_id: String,
    pub session_name: String,
    pub join_code: String,
    pub websocket_url: String,
    pub date_offer_ends: String,
    pub communication_type: String,
    pub upstream_status: u16,
    pub correlation_id: String,
}

/// `CobrowseWebMessagingSession`, the fields the flow gets.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CobrowseSession {
    id: Option<String>,
    name: Option<String>,
    join_code: Option<String>,
    websocket_url: Option<String>,
    date_offer_ends: Option<String>,
    communication_type: Option<String>,
}

/// The body sent in `agent-payload` mode.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentPayload {
    agent_id: String,
    cobrowse_type: &'static str,
}

impl GenesysClient {
    /// Starts a cobrowse session on the conversation for `agent`; a failure names this
    /// client's org, so its message names the org's settings.
    pub async fn start_cobrowse(
        &self,
        request: &StartRequest,
        agent: AgentId,
        deadline: Instant,
    ) -> Result<StartedSession, GenesysError> {
        let org = self.org.0;
        self.start(request, agent, deadline)
            .await
            .map_err(|error| GenesysError { org, ..error })
    }

    async fn start(
        &self,
        request: &StartRequest,
        agent: AgentId,
        deadline: Instant,
    ) -> Result<StartedSession, GenesysError> {
        let with_body = self.request_body_in_use() == RequestBody::AgentPayload;
        let mut reply = self
            .post_cobrowse(request, agent, with_body, deadline)
            .await?;
        if with_body && self.request_body == RequestBody::Auto && reply.status == 400 {
            // A 400 started nothing: the same start once more, as the published SDK sends it.
            let bodiless = self.post_cobrowse(request, agent, false, deadline).await?;
            if (200..300).contains(&bodiless.status)
                && !self.body_refused.swap(true, Ordering::Relaxed)
            {
                self.metrics.set_request_body_of(
                    self.org,
                    Some(RequestBody::AgentPayload.as_str()),
                    RequestBody::Empty.as_str(),
                );
                tracing::warn!(
                    org = self.org.0,
                    first_status = reply.status,
                    correlation_id = %bodiless.correlation_id,
                    "Genesys refused the start's agentId/cobrowseType body and accepted it without one: every start now goes without a body"
                );
            }
            reply = bodiless;
        }
        if (200..300).contains(&reply.status) {
            started_session(reply).map_err(|e| e.about(request.conversation_id))
        } else {
            Err(reply
                .refused(Operation::StartCobrowse)
                .about(request.conversation_id))
        }
    }

    /// `POST .../cobrowse`, with the agent payload or without a body.
    async fn post_cobrowse(
        &self,
        request: &StartRequest,
        agent: AgentId,
        with_body: bool,
        deadline: Instant,
    ) -> Result<Reply, GenesysError> {
        let body = with_body.then(|| {
            serde_json::to_string(&AgentPayload {
                agent_id: agent.to_string(),
                cobrowse_type: request.cobrowse_type.as_str(),
            })
            .expect("a struct of strings serialises")
        });
        let url = self.conversation_url(request.conversation_id, Some("cobrowse"));
        self.send_authorized(deadline, Operation::StartCobrowse, |token| {
            let builder = self
                .transport
                .http()
                .post(url.clone())
                .bearer_auth(token)
                .header(ACCEPT, "application/json")
                .header(CONTENT_TYPE, "application/json");
            match &body {
                Some(body) => builder.body(body.clone()),
                None => builder,
            }
        })
        .await
        .map_err(|e| e.about(request.conversation_id))
    }
}

fn started_session(reply: Reply) -> Result<StartedSession, GenesysError> {
    let session: CobrowseSession = if reply.body.iter().all(u8::is_ascii_whitespace) {
        CobrowseSession::default()
    } else {
        serde_json::from_slice(&reply.body)
            .map_err(|_| reply.answered(Operation::StartCobrowse, Problem::Unreadable))?
    };
    Ok(StartedSession {
        session_id: session.id.unwrap_or_default(),
        session_name: session.name.unwrap_or_default(),
        join_code: session.join_code.unwrap_or_default(),
        websocket_url: session.websocket_url.unwrap_or_default(),
        date_offer_ends: session.date_offer_ends.unwrap_or_default(),
        communication_type: session.communication_type.unwrap_or_default(),
        upstream_status: reply.status,
        correlation_id: reply.correlation_id,
    })
}
