//! The Genesys calls one start makes: find the agent on the conversation when needed
//! (`GET /api/v2/conversations/{id}`), then `POST /api/v2/conversations/{id}/cobrowse`.
//!
//! One [`GenesysClient`] serves every request: one pooled HTTP client, one token cache, and
//! one deadline per start shared by both calls. A 401 means the token went bad early
//! (revoked, or the org rotated it): renew once and retry once, which is safe because Genesys
//! did not act on a request it refused to authenticate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use tokio::time::Instant;

use super::GenesysSettings;
use super::conversation::{AgentPresence, Conversation};
use super::error::Operation;
use super::error::{GenesysError, Problem};
use super::reply::Reply;
use super::token::TokenCache;
use super::transport::{Transport, answer_floor};
use crate::domain::{AgentId, ConversationId, StartRequest};
use crate::metrics::{GenesysStatus, Metrics, OrgLabel};

pub struct GenesysClient {
    // `admin.rs` (doctor's requests) goes through the same transport and token.
    pub(super) transport: Transport,
    pub(super) tokens: Arc<TokenCache>,
    /// The Platform API base URL, parsed once: each call only appends its path.
    pub(super) api_base: reqwest::Url,
    request_body: RequestBody,
    /// In `auto` mode: Genesys refused the agent payload and took a start without a body, so
    /// every start now goes without one. Learned once per process, never unlearned.
    body_refused: AtomicBool,
    verify_agent: bool,
    budget: Duration,
    metrics: Arc<Metrics>,
    org: OrgLabel,
}

/// Which body the cobrowse request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RequestBody {
    /// The agent payload, until Genesys answers it 400 and takes the same start without a
    /// body: from then on, no body.
    Auto,
    /// `{"agentId": ..., "cobrowseType": ...}`.
    AgentPayload,
    /// No body, as the published SDK declares the operation.
    Empty,
}

impl RequestBody {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestBody::Auto => "auto",
            RequestBody::AgentPayload => "agent-payload",
            RequestBody::Empty => "empty",
        }
    }
}

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

/// The agent a start is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentChoice {
    pub agent_id: AgentId,
    /// True when the id came from the conversation rather than the flow.
    pub resolved: bool,
    /// The media the agent is connected on (`call`, `message`, ...); `""` when not looked up.
    pub media_type: String,
    /// The conversation shows a cobrowse session offered or under way: the answer to give in
    /// place of a start (`COBROWSE_ALREADY_ACTIVE`). `None` when it shows none, and when the
    /// conversation was not read.
    pub already_active: Option<GenesysError>,
    /// The conversation was read to choose or check the agent: one Genesys request was sent.
    pub looked_up: bool,
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
    pub fn new(settings: &GenesysSettings, metrics: Arc<Metrics>) -> Self {
        let transport = Self::transport(settings.upstream_timeout, metrics.clone())
            .with_limit(settings.requests_per_minute);
        Self::on_transport(settings, transport, metrics, OrgLabel(None))
    }

    /// The HTTP clients for calls with `budget`, with no request limit yet.
    pub fn transport(budget: Duration, metrics: Arc<Metrics>) -> Transport {
        // Connecting should take milliseconds; leave most of the budget for Genesys itself.
        Transport::new(
            budget.min(Duration::from_secs(3)),
            answer_floor(budget),
            metrics,
            None,
        )
    }

    /// A client for `org` that sends through `transport` (its limiter included).
    pub fn on_transport(
        settings: &GenesysSettings,
        transport: Transport,
        metrics: Arc<Metrics>,
        org: OrgLabel,
    ) -> Self {
        let budget = settings.upstream_timeout;
        let client = GenesysClient {
            tokens: Arc::new(TokenCache::new(
                transport.clone(),
                settings,
                metrics.clone(),
                org,
            )),
            transport,
            api_base: reqwest::Url::parse(&settings.api_url)
                .expect("the configuration checked the API URL is a URL"),
            request_body: settings.request_body,
            body_refused: AtomicBool::new(false),
            verify_agent: settings.verify_agent,
            budget,
            metrics,
            org,
        };
        client
            .metrics
            .set_request_body_of(org, None, client.request_body_in_use().as_str());
        client
    }

    /// The body starts carry now: `agent-payload` or `empty` (what `auto` settled on so far).
    pub fn request_body_in_use(&self) -> RequestBody {
        match self.request_body {
            RequestBody::Auto if self.body_refused.load(Ordering::Relaxed) => RequestBody::Empty,
            RequestBody::Auto => RequestBody::AgentPayload,
            fixed => fixed,
        }
    }

    /// When a start must be done by: everything it asks of Genesys shares one budget.
    pub fn deadline(&self) -> Instant {
        Instant::now() + self.budget
    }

    /// The agent to start cobrowse for: the flow's, checked against the conversation when
    /// verifying is on, or the conversation's connected agent when the flow
    /// gave none. A conversation that is read is also checked for a live cobrowse session
    /// (`AgentChoice::already_active`); a flow-given agent without verifying reads nothing,
    /// so nothing is checked (docs/conversation.md says why).
    pub async fn choose_agent(
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
                already_active: conversation
                    .live_cobrowse()
                    .map(|live| failed(Problem::CobrowseLive(live))),
                looked_up: true,
            }),
            (AgentPresence::Ended, _) => Err(failed(Problem::ConversationEnded)),
            (AgentPresence::NotConnected, wanted) => {
                Err(failed(Problem::AgentNotConnected { wanted }))
            }
        }
    }

    /// Starts a cobrowse session on the conversation for `agent`.
    pub async fn start_cobrowse(
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

    /// Whether a token can be had now (for `/readyz`), waiting `wait` at most (and never past
    /// the budget) for a token request under way; it goes on after the wait ends.
    pub async fn check_ready(&self, wait: Duration) -> Result<(), GenesysError> {
        let deadline = Instant::now() + self.budget.min(wait);
        self.tokens.get(deadline).await.map(|_| ())
    }

    /// The figures `/metrics` reads from the client when Prometheus scrapes.
    pub fn status(&self) -> GenesysStatus {
        GenesysStatus {
            requests_last_minute: self.transport.requests_last_minute(),
            token_valid: self.tokens.holds_valid_token(),
        }
    }

    /// Builds the calling thread's HTTP client now (see [`Transport`]): each server worker
    /// does so as it starts, so no call pays for it or meets a failure to build it.
    pub fn prepare_thread(&self) {
        self.transport.http();
    }

    /// Sends with the cached token; on a 401, renews the token once and sends once more.
    async fn send_authorized(
        &self,
        deadline: Instant,
        operation: Operation,
        make: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Reply, GenesysError> {
        let mut renewed = false;
        loop {
            let token = self.tokens.get(deadline).await?;
            let reply = self
                .transport
                .send(operation, || make(token.expose()), deadline)
                .await?;
            if reply.status == 401 && !renewed {
                tracing::info!(
                    org = self.org.0,
                    "Genesys refused the access token; renewing it once"
                );
                self.tokens.reject(&token);
                renewed = true;
                continue;
            }
            return Ok(reply);
        }
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
