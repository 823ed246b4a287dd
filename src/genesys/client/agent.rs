//! The agent a start is for, and the conversation read that finds or checks it
//! (`GET /api/v2/conversations/{id}`): the connected agent when the flow gave none, the flow's
//! agent checked when verifying is on, and any cobrowse session the conversation shows live.
//! Which participant counts as the agent is `conversation/`'s rule, and which session is live
//! `conversation/cobrowse.rs`'s.

use reqwest::header::ACCEPT;
use tokio::time::Instant;

use super::GenesysClient;
use crate::domain::{AgentId, ConversationId, StartRequest};
use crate::genesys::conversation::{AgentPresence, Conversation, LiveCobrowse};
use crate::genesys::error::{GenesysError, Operation, Problem};

/// The agent a start is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentChoice {
    pub agent_id: AgentId,
    /// True when the id came from the conversation rather than the flow.
    pub resolved: bool,
    /// The media the agent is connected on (`call`, `message`, ...); `""` when not looked up.
    pub media_type: String,
    /// The conversation shows a cobrowse session offered or under way: no start is sent.
    /// `None` when it shows none, and when the conversation was not read.
    pub already_active: Option<ActiveSession>,
    /// The conversation was read to choose or check the agent: one Genesys request was sent.
    pub looked_up: bool,
}

/// A cobrowse session the conversation shows offered or under way. Not a failure: the
/// customer has a session, and the flow is told so (`COBROWSE_ALREADY_ACTIVE`) in place of a
/// start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveSession {
    pub conversation_id: ConversationId,
    /// Its state and `cobrowseSessionId`.
    pub session: LiveCobrowse,
    /// The status and correlation id of the conversation read that showed it.
    pub status: u16,
    pub correlation_id: String,
}

/// The answer in place of a start goes where a start's answer goes: `reuse` (which hands out
/// a session this service remembers first) takes a start's `GenesysError`, and
/// `crate::outcome` words every code, this one included.
impl From<ActiveSession> for GenesysError {
    fn from(active: ActiveSession) -> Self {
        GenesysError {
            operation: Operation::ReadConversation,
            problem: Problem::CobrowseLive(active.session),
            status: active.status,
            correlation_id: active.correlation_id,
            // The words for COBROWSE_ALREADY_ACTIVE name no retries.
            retries: 0,
            conversation_id: Some(active.conversation_id),
            after_lookup: false,
            org: None,
        }
    }
}

impl GenesysClient {
    /// The agent to start cobrowse for: the flow's, checked against the conversation when
    /// verifying is on, or the conversation's connected agent when the flow
    /// gave none. A conversation that is read is also checked for a live cobrowse session
    /// (`AgentChoice::already_active`); a flow-given agent without verifying reads nothing,
    /// so nothing is checked (docs/conversation.md says why).
    /// A failure names this client's org, so its message names the org's settings.
    pub async fn choose_agent(
        &self,
        request: &StartRequest,
        deadline: Instant,
    ) -> Result<AgentChoice, GenesysError> {
        let org = self.org.0;
        self.choose(request, deadline)
            .await
            .map_err(|error| GenesysError { org, ..error })
    }

    async fn choose(
        &self,
        request: &StartRequest,
        deadline: Instant,
    ) -> Result<AgentChoice, GenesysError> {
        if let Some(agent_id) = request.agent_id
            && !self.verify_agent
        {
            return Ok(AgentChoice {
                agent_id,
                resolved: false,
                media_type: String::new(),
                already_active: None,
                looked_up: false,
            });
        }
        let conversation_id = request.conversation_id;
        let url = self.conversation_url(conversation_id, None);
        let reply = self
            .send_authorized(deadline, Operation::ReadConversation, |token| {
                self.transport
                    .http()
                    .get(url.clone())
                    .bearer_auth(token)
                    .header(ACCEPT, "application/json")
            })
            .await
            .map_err(|e| e.about(conversation_id))?;
        let failed = |problem| {
            reply
                .answered(Operation::ReadConversation, problem)
                .about(conversation_id)
        };
        if !(200..300).contains(&reply.status) {
            return Err(reply
                .refused(Operation::ReadConversation)
                .about(conversation_id));
        }
        let conversation: Conversation =
            serde_json::from_slice(&reply.body).map_err(|_| failed(Problem::Unreadable))?;
        let presence = match request.agent_id {
            Some(agent_id) => conversation.agent_presence(agent_id),
            None => conversation.connected_agent(),
        };
        match (presence, request.agent_id) {
            (
                AgentPresence::Connected {
                    agent_id,
                    media_type,
                },
                given,
            ) => Ok(AgentChoice {
                agent_id,
                resolved: given.is_none(),
                media_type,
                already_active: conversation.live_cobrowse().map(|session| ActiveSession {
                    conversation_id,
                    session,
                    status: reply.status,
                    correlation_id: reply.correlation_id.clone(),
                }),
                looked_up: true,
            }),
            (AgentPresence::Ended, _) => Err(failed(Problem::ConversationEnded)),
            (AgentPresence::NotConnected, wanted) => {
                Err(failed(Problem::AgentNotConnected { wanted }))
            }
        }
    }
}
