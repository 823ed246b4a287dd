//! The cobrowse call: `POST /api/v2/conversations/{conversationId}/cobrowse`, and what its
//! answer means for the flow.
//!
//! One [`GenesysClient`] serves every request: one pooled HTTP client, one token cache. A 401
//! means the token went bad early (revoked, or the org rotated it): renew once and retry
//! once, which is safe because Genesys did not act on a request it refused to authenticate.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use tokio::time::Instant;

use super::error_body::{ErrorBody, genesys_said};
use super::token::TokenCache;
use super::transport::{Reply, Transport};
use crate::config::{GenesysSettings, RequestBody};
use crate::domain::{ConversationId, StartRequest};
use crate::outcome::{ErrorCode, Failure, StartedSession};

const API: &str = "The Genesys Platform API";

pub struct GenesysClient {
    transport: Transport,
    tokens: TokenCache,
    api_url: String,
    request_body: RequestBody,
    budget: Duration,
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
    pub fn new(settings: &GenesysSettings, budget: Duration, request_body: RequestBody) -> Self {
        // Connecting should take milliseconds; leave most of the budget for Genesys itself.
        let transport = Transport::new(budget.min(Duration::from_secs(3)));
        GenesysClient {
            tokens: TokenCache::new(transport.clone(), settings),
            transport,
            api_url: settings.api_url.clone(),
            request_body,
            budget,
        }
    }

    /// Starts a cobrowse session on the conversation.
    pub async fn start_cobrowse(&self, request: &StartRequest) -> Result<StartedSession, Failure> {
        let body = match (self.request_body, request.agent_id) {
            (RequestBody::Empty, _) => None,
            (RequestBody::AgentPayload, Some(agent_id)) => Some(
                serde_json::to_string(&AgentPayload {
                    agent_id: agent_id.to_string(),
                    cobrowse_type: request.cobrowse_type.as_str(),
                })
                .expect("a struct of strings serialises"),
            ),
            (RequestBody::AgentPayload, None) => {
                return Err(Failure::local(
                    ErrorCode::InvalidInput,
                    "agentId is required: pass the agent's Genesys user id (this service sends it to Genesys as COBROWSE_REQUEST_BODY=agent-payload)",
                ));
            }
        };
        let url = format!(
            "{}/api/v2/conversations/{}/cobrowse",
            self.api_url, request.conversation_id
        );
        let deadline = Instant::now() + self.budget;
        let reply = self
            .send_authorized(deadline, |token| {
                let builder = self
                    .transport
                    .http()
                    .post(&url)
                    .bearer_auth(token)
                    .header(ACCEPT, "application/json")
                    .header(CONTENT_TYPE, "application/json");
                match &body {
                    Some(body) => builder.body(body.clone()),
                    None => builder,
                }
            })
            .await?;
        interpret_cobrowse_reply(reply, request.conversation_id)
    }

    /// Whether a token can be had now (for `/readyz`).
    pub async fn check_ready(&self) -> Result<(), Failure> {
        let deadline = Instant::now() + self.budget.min(Duration::from_secs(5));
        self.tokens.get(deadline).await.map(|_| ())
    }

    /// How many token requests this client has made.
    pub fn token_renewals(&self) -> u64 {
        self.tokens.renewals()
    }

    /// Sends with the cached token; on a 401, renews the token once and sends once more.
    async fn send_authorized(
        &self,
        deadline: Instant,
        make: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Reply, Failure> {
        let mut renewed = false;
        loop {
            let token = self.tokens.get(deadline).await?;
            let reply = self
                .transport
                .send(|| make(token.expose()), deadline)
                .await
                .map_err(|e| e.into_failure(API, true))?;
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

fn interpret_cobrowse_reply(
    reply: Reply,
    conversation_id: ConversationId,
) -> Result<StartedSession, Failure> {
    let status = reply.status;
    if (200..300).contains(&status) {
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
        return Ok(StartedSession {
            session_id: session.id.unwrap_or_default(),
            session_name: session.name.unwrap_or_default(),
            join_code: session.join_code.unwrap_or_default(),
            websocket_url: session.websocket_url.unwrap_or_default(),
            date_offer_ends: session.date_offer_ends.unwrap_or_default(),
            communication_type: session.communication_type.unwrap_or_default(),
            upstream_status: status,
            correlation_id: reply.correlation_id,
        });
    }

    let said = genesys_said(&reply.body);
    let (code, message) = match status {
        401 => (
            ErrorCode::GenesysAuthFailed,
            format!(
                "Genesys refused a freshly issued access token{said}. Check that the OAuth client is active and belongs to this region's org."
            ),
        ),
        403 => (
            ErrorCode::MissingPermission,
            format!(
                "The OAuth client may not start cobrowse{said}. Give its role conversation:cobrowse:add (messaging) and/or conversation:cobrowseVoice:add (voice) in Admin > Roles / Permissions."
            ),
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
                "Genesys refused to start cobrowse with {status}{said}. Check the conversation is active and of a media type that supports cobrowse."
            ),
        ),
        502 | 504 => (
            ErrorCode::GenesysUnavailable,
            format!(
                "Genesys answered {status}{said}. The session may or may not have started: check the conversation before starting again."
            ),
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
                "Genesys answered with unexpected status {status}; check COBROWSE_GENESYS_API_URL."
            ),
        ),
    };
    let correlation_id = if reply.correlation_id.is_empty() {
        ErrorBody::parse(&reply.body).context_id.unwrap_or_default()
    } else {
        reply.correlation_id
    };
    Err(Failure {
        code,
        message,
        upstream_status: status,
        correlation_id,
    })
}
