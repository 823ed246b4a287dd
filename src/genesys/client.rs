//! The Genesys calls one start makes: find the agent on the conversation when needed
//! (`GET /api/v2/conversations/{id}`, `agent.rs`), then
//! `POST /api/v2/conversations/{id}/cobrowse` (`start.rs`).
//!
//! There is one [`GenesysClient`] per org, with the org's token cache and request limit. The
//! orgs share the HTTP clients: one per thread that sends, which each server worker builds as
//! it starts (see [`Transport`]). One deadline per start is shared by both calls. A 401 means
//! the token went bad early (revoked, or the org rotated it): renew once and retry once, which
//! is safe because Genesys did not act on a request it refused to authenticate.

mod agent;
mod start;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use super::GenesysSettings;
use super::error::{GenesysError, Operation};
use super::reply::Reply;
use super::token::{AccessToken, TokenCache};
use super::transport::{Transport, answer_floor};
use crate::domain::ConversationId;
use crate::metrics::{GenesysStatus, Metrics, OrgLabel};
pub use agent::{ActiveSession, AgentChoice};
pub use start::StartedSession;

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
        self.token(deadline).await.map(|_| ())
    }

    /// The cached token, or the failure to get one, which names this client's org.
    async fn token(&self, deadline: Instant) -> Result<Arc<AccessToken>, GenesysError> {
        let org = self.org.0;
        self.tokens
            .get(deadline)
            .await
            .map_err(|error| GenesysError { org, ..error })
    }

    /// The figures `/metrics` reads from the client when Prometheus scrapes.
    pub fn status(&self) -> GenesysStatus {
        let (oauth_client, second_oauth_client) = self.tokens.oauth_client();
        GenesysStatus {
            requests_last_minute: self.transport.requests_last_minute(),
            token_valid: self.tokens.holds_valid_token(),
            oauth_client,
            second_oauth_client,
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
            let token = self.token(deadline).await?;
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
