//! The Genesys calls one start makes: find the agent on the conversation when needed
//! (`GET /api/v2/conversations/{id}`), then `POST /api/v2/conversations/{id}/cobrowse`.
//!
//! One [`GenesysClient`] serves every request: one pooled HTTP client, one token cache, and
//! one deadline per start shared by both calls. A 401 means the token went bad early
//! (revoked, or the org rotated it): renew once and retry once, which is safe because Genesys
//! did not act on a request it refused to authenticate.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use tokio::time::Instant;

use super::conversation::{AgentPresence, Conversation};
use super::error_body::{ErrorBody, genesys_said};
use super::token::TokenCache;
use super::transport::{Operation, Reply, Transport};
use crate::config::{RequestBody, Settings};
use crate::domain::{AgentId, ConversationId, StartRequest};
use crate::metrics::Metrics;
use crate::outcome::{ErrorCode, Failure, StartedSession};

const API: &str = "The Genesys Platform API";

pub struct GenesysClient {
    transport: Transport,
    tokens: TokenCache,
    /// `COBROWSE_GENESYS_API_URL`, parsed once: each call only appends its path.
    api_base: reqwest::Url,
    request_body: RequestBody,
    verify_agent: bool,
    budget: Duration,
}

/// The agent a start is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentChoice {
    pub agent_id: AgentId,
    /// True when the id came from the conversation rather than the flow.
    pub resolved: bool,
    /// The media the agent is connected on (`call`, `message`, ...); `""` when not looked up.
    pub media_type: String,
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
    pub fn new(settings: &Settings, metrics: Arc<Metrics>) -> Self {
        let budget = settings.upstream_timeout;
        // Connecting should take milliseconds; leave most of the budget for Genesys itself.
        let transport = Transport::new(
            budget.min(Duration::from_secs(3)),
            metrics.clone(),
            settings.genesys_max_rps,
        );
        GenesysClient {
            tokens: TokenCache::new(transport.clone(), &settings.genesys, metrics),
            transport,
            api_base: reqwest::Url::parse(&settings.genesys.api_url)
                .expect("the configuration checked COBROWSE_GENESYS_API_URL is a URL"),
            request_body: settings.request_body,
            verify_agent: settings.verify_agent,
            budget,
        }
    }

    /// When a start must be done by: everything it asks of Genesys shares one budget.
    pub fn deadline(&self) -> Instant {
        Instant::now() + self.budget
    }

    /// The agent to start cobrowse for: the flow's, checked against the conversation when
    /// `COBROWSE_VERIFY_AGENT` is on, or the conversation's connected agent when the flow
    /// gave none.
    pub async fn choose_agent(
        &self,
        request: &StartRequest,
        deadline: Instant,
    ) -> Result<AgentChoice, Failure> {
        if let Some(agent_id) = request.agent_id
            && !self.verify_agent
        {
            return Ok(AgentChoice {
                agent_id,
                resolved: false,
                media_type: String::new(),
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
            .await?;
        if !(200..300).contains(&reply.status) {
            return Err(refusal(reply, Operation::ReadConversation, conversation_id));
        }
        let about = |code, message: String| Failure {
            code,
            message,
            upstream_status: reply.status,
            correlation_id: reply.correlation_id.clone(),
        };
        let conversation: Conversation = serde_json::from_slice(&reply.body).map_err(|_| {
            about(
                ErrorCode::InvalidUpstreamResponse,
                format!("Genesys answered {} to reading the conversation, but not with a conversation; check COBROWSE_GENESYS_API_URL. Nothing was started.", reply.status),
            )
        })?;
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
            }),
            (AgentPresence::Ended, _) => Err(about(
                ErrorCode::ConversationEnded,
                format!(
                    "Conversation {conversation_id} is over: every participant has left. Nothing was started; cobrowse needs a live interaction."
                ),
            )),
            (AgentPresence::NotConnected, Some(agent_id)) => Err(about(
                ErrorCode::AgentNotConnected,
                format!(
                    "Agent {agent_id} is not connected to conversation {conversation_id} (not yet answered, transferred away, or a different agent). Nothing was started; pass the agent who holds the interaction, or leave agentId blank to use whoever is connected."
                ),
            )),
            (AgentPresence::NotConnected, None) => Err(about(
                ErrorCode::AgentNotConnected,
                format!(
                    "No agent is connected to conversation {conversation_id} yet (it may still be queued or alerting). Nothing was started; start cobrowse after an agent has answered."
                ),
            )),
        }
    }

    /// Starts a cobrowse session on the conversation for `agent`.
    pub async fn start_cobrowse(
        &self,
        request: &StartRequest,
        agent: AgentId,
        deadline: Instant,
    ) -> Result<StartedSession, Failure> {
        let body = match self.request_body {
            RequestBody::Empty => None,
            RequestBody::AgentPayload => Some(
                serde_json::to_string(&AgentPayload {
                    agent_id: agent.to_string(),
                    cobrowse_type: request.cobrowse_type.as_str(),
                })
                .expect("a struct of strings serialises"),
            ),
        };
        let url = self.conversation_url(request.conversation_id, Some("cobrowse"));
        let reply = self
            .send_authorized(deadline, Operation::StartCobrowse, |token| {
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
            .await?;
        if (200..300).contains(&reply.status) {
            started_session(reply)
        } else {
            Err(refusal(
                reply,
                Operation::StartCobrowse,
                request.conversation_id,
            ))
        }
    }

    /// `{api}/api/v2/conversations/{id}`, then `tail` when given. Any path the base URL
    /// carries (a private endpoint's prefix) stays in front.
    fn conversation_url(&self, id: ConversationId, tail: Option<&str>) -> reqwest::Url {
        let mut url = self.api_base.clone();
        let mut id_text = [0; uuid::fmt::Hyphenated::LENGTH];
        {
            let mut path = url.path_segments_mut().expect("an http(s) URL has a path");
            path.pop_if_empty()
                .extend(["api", "v2", "conversations", id.encode(&mut id_text)]);
            if let Some(tail) = tail {
                path.push(tail);
            }
        }
        url
    }

    /// Whether a token can be had now (for `/readyz`).
    pub async fn check_ready(&self) -> Result<(), Failure> {
        let deadline = Instant::now() + self.budget.min(Duration::from_secs(5));
        self.tokens.get(deadline).await.map(|_| ())
    }

    /// Builds the calling thread's HTTP client now (see [`Transport`]): each server worker
    /// does so as it starts, so no call pays for it or meets a failure to build it.
    pub fn prepare_thread(&self) {
        self.transport.http();
    }

    /// How many token requests this client has made.
    pub fn token_renewals(&self) -> u64 {
        self.tokens.renewals()
    }

    /// Sends with the cached token; on a 401, renews the token once and sends once more.
    async fn send_authorized(
        &self,
        deadline: Instant,
        operation: Operation,
        make: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Reply, Failure> {
        let mut renewed = false;
        loop {
            let token = self.tokens.get(deadline).await?;
            let reply = self
                .transport
                .send(operation, || make(token.expose()), deadline)
                .await
                .map_err(|e| e.into_failure(API, operation.may_start_a_session()))?;
            if reply.status == 401 && !renewed {
                tracing::info!("Genesys refused the access token; renewing it once");
                self.tokens.reject(&token);
                renewed = true;
                continue;
            }
            return Ok(reply);
        }
    }
}

fn started_session(reply: Reply) -> Result<StartedSession, Failure> {
    let status = reply.status;
    let session: CobrowseSession = if reply.body.iter().all(u8::is_ascii_whitespace) {
        CobrowseSession::default()
    } else {
        serde_json::from_slice(&reply.body).map_err(|_| Failure {
            code: ErrorCode::InvalidUpstreamResponse,
            message: format!(
                "Genesys answered {status} but not with a cobrowse session. The session may have started: check the conversation before starting again."
            ),
            upstream_status: status,
            correlation_id: reply.correlation_id.clone(),
        })?
    };
    Ok(StartedSession {
        session_id: session.id.unwrap_or_default(),
        session_name: session.name.unwrap_or_default(),
        join_code: session.join_code.unwrap_or_default(),
        websocket_url: session.websocket_url.unwrap_or_default(),
        date_offer_ends: session.date_offer_ends.unwrap_or_default(),
        communication_type: session.communication_type.unwrap_or_default(),
        upstream_status: status,
        correlation_id: reply.correlation_id,
    })
}

/// What a non-2xx Genesys answer means for the flow.
fn refusal(reply: Reply, operation: Operation, conversation_id: ConversationId) -> Failure {
    let status = reply.status;
    let said = genesys_said(&reply.body);
    let outcome = if operation.may_start_a_session() {
        "The session may or may not have started: check the conversation before starting again."
    } else {
        "Nothing was started."
    };
    let (code, message) = match status {
        401 => (
            ErrorCode::GenesysAuthFailed,
            format!(
                "Genesys refused a freshly issued access token{said}. Check that the OAuth client is active and belongs to this region's org."
            ),
        ),
        403 => (
            ErrorCode::MissingPermission,
            match operation {
                Operation::StartCobrowse => format!(
                    "The OAuth client may not start cobrowse{said}. Give its role conversation:cobrowse:add (messaging) and/or conversation:cobrowseVoice:add (voice) in Admin > Roles / Permissions."
                ),
                Operation::ReadConversation | Operation::Token => format!(
                    "The OAuth client may not read the conversation to find its agent{said}. Give its role conversation:communication:view in Admin > Roles / Permissions, or pass agentId from the flow."
                ),
            },
        ),
        404 => (
            ErrorCode::ConversationNotFound,
            format!(
                "Genesys has no conversation {conversation_id} in this org{said}. Pass the current interaction's id, and check the service points at the org's region."
            ),
        ),
        429 => (
            ErrorCode::RateLimited,
            format!(
                "Genesys is rate limiting this OAuth client{said}; waiting as it asks would exceed the time budget (retried {} times). Nothing was started; try again in a few seconds.",
                reply.retries
            ),
        ),
        400..=499 => (
            ErrorCode::RejectedByGenesys,
            format!(
                "Genesys refused the request with {status}{said}. Check the conversation is active and of a media type that supports cobrowse."
            ),
        ),
        502 | 504 => (
            ErrorCode::GenesysUnavailable,
            format!("Genesys answered {status}{said}. {outcome}"),
        ),
        500..=599 => (
            ErrorCode::GenesysUnavailable,
            format!(
                "Genesys answered {status}{said}. Nothing was started; try again shortly, and check status.mypurecloud.com if it persists."
            ),
        ),
        _ => (
            ErrorCode::InvalidUpstreamResponse,
            format!(
                "Genesys answered with unexpected status {status}; check COBROWSE_GENESYS_API_URL. {outcome}"
            ),
        ),
    };
    let correlation_id = if reply.correlation_id.is_empty() {
        ErrorBody::parse(&reply.body).context_id.unwrap_or_default()
    } else {
        reply.correlation_id
    };
    Failure {
        code,
        message,
        upstream_status: status,
        correlation_id,
    }
}
