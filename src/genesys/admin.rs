//! The requests `cobrowse-proxy doctor` sends to check a set-up: a token, who it belongs to
//! (`GET /api/v2/tokens/me`), whether the OAuth client may start cobrowse and read
//! conversations, and the registered data action (`GET /api/v2/integrations/actions...`);
//! `egress.rs` asks what Genesys publishes of its data actions' calls (their client
//! certificates and addresses).
//!
//! The permission probes ask about a conversation id the caller made up, so nothing can be
//! started: Genesys answers 404 when the permission is held and 403 when it is not. Like the
//! rest of `genesys`, this only reports what Genesys answered; what that means for an admin is
//! decided in `crate::doctor`. The shapes below are the published SDK's models
//! (`TokenInfo`, `ActionEntityListing`, `Action`, `ActionContract`, `ActionConfig`,
//! `RequestConfig`), read leniently: every field is optional, and unknown ones are ignored.

mod egress;

use std::sync::Arc;

use reqwest::header::ACCEPT;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::GenesysSettings;
use super::client::GenesysClient;
use super::error::{GenesysError, Operation, Problem};
use super::reply::Reply;
use crate::domain::{AgentId, CobrowseType, ConversationId, StartRequest};
use crate::metrics::Metrics;
pub use egress::{ActionCertificate, IpAddressRange};

/// Actions asked for per page; a name filter rarely matches more than a few.
const PAGE_SIZE: u32 = 100;
/// Pages read at most when looking for an action by name.
const MAX_PAGES: u32 = 10;

/// Genesys for the doctor: its own HTTP client and token, no request limit (it sends a
/// handful of requests), and each request's own time budget.
pub struct Admin {
    /// The service's own client: the same transport, token and start request.
    client: GenesysClient,
}

/// `TokenInfo`: whose token it is.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenInfo {
    pub organization: Option<NamedEntity>,
    pub home_organization: Option<NamedEntity>,
    /// Spelled so by Genesys (`OAuthClient`), unlike every other field.
    #[serde(rename = "OAuthClient")]
    pub oauth_client: Option<OAuthClient>,
}

/// `NamedEntity`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NamedEntity {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// `OrgOAuthClient`, the fields worth showing.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OAuthClient {
    pub id: Option<String>,
    pub name: Option<String>,
    /// `CLIENT-CREDENTIALS`, ...
    pub authorized_grant_type: Option<String>,
    /// `active`, `disabled` or `inactive`.
    pub state: Option<String>,
}

/// `ActionEntityListing`, one page.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ActionListing {
    entities: Option<Vec<Action>>,
    page_count: Option<u32>,
}

/// `Action`; `contract` and `config` only when asked for.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Action {
    pub id: Option<String>,
    pub name: Option<String>,
    pub integration_id: Option<String>,
    pub category: Option<String>,
    pub version: Option<u64>,
    pub secure: Option<bool>,
    pub contract: Option<ActionContract>,
    pub config: Option<ActionConfig>,
}

/// `ActionContract`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionContract {
    pub input: Option<ActionInput>,
    pub output: Option<ActionOutput>,
}

/// `ActionInput`: the schema as a JSON value, to be compared whole.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActionInput {
    pub input_schema: Option<Value>,
}

/// `ActionOutput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActionOutput {
    pub success_schema: Option<Value>,
}

/// `ActionConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionConfig {
    pub request: Option<RequestConfig>,
}

/// `RequestConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestConfig {
    pub request_url_template: Option<String>,
    pub request_type: Option<String>,
}

impl Action {
    /// `contract.input.inputSchema`.
    pub fn input_schema(&self) -> Option<&Value> {
        self.contract
            .as_ref()?
            .input
            .as_ref()?
            .input_schema
            .as_ref()
    }

    /// `contract.output.successSchema`.
    pub fn success_schema(&self) -> Option<&Value> {
        self.contract
            .as_ref()?
            .output
            .as_ref()?
            .success_schema
            .as_ref()
    }

    /// `config.request.requestUrlTemplate`.
    pub fn request_url(&self) -> Option<&str> {
        self.config
            .as_ref()?
            .request
            .as_ref()?
            .request_url_template
            .as_deref()
    }
}

impl Admin {
    pub fn new(settings: &GenesysSettings) -> Self {
        Admin {
            client: GenesysClient::new(settings, Arc::new(Metrics::default())),
        }
    }

    /// Asks the login service for a token (kept for the requests that follow).
    pub async fn token(&self) -> Result<(), GenesysError> {
        self.client
            .tokens
            .get(self.client.deadline())
            .await
            .map(|_| ())
    }

    /// `GET /api/v2/tokens/me`.
    pub async fn token_info(&self) -> Result<TokenInfo, GenesysError> {
        let url = self.api_url(&["tokens", "me"], &[]);
        let reply = self.get(Operation::TokenInfo, url).await?;
        json_of(Operation::TokenInfo, &reply)
    }

    /// Starts cobrowse on `conversation` for `agent` exactly as the service does (its body,
    /// `auto` included, and its 401 renewal). `Ok` with the status only for a 2xx, which no
    /// made-up id should get.
    pub async fn try_start_cobrowse(
        &self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> Result<u16, GenesysError> {
        let request = StartRequest {
            conversation_id: conversation,
            agent_id: Some(agent),
            cobrowse_type: CobrowseType::View,
        };
        let session = self
            .client
            .start_cobrowse(&request, agent, self.client.deadline())
            .await?;
        Ok(session.upstream_status)
    }

    /// `GET /api/v2/conversations/{conversation}`; `Ok` with the status only for a 2xx.
    pub async fn try_read_conversation(
        &self,
        conversation: ConversationId,
    ) -> Result<u16, GenesysError> {
        let url = self.api_url(&["conversations", &conversation.to_string()], &[]);
        let reply = self
            .get(Operation::ReadConversation, url)
            .await
            .map_err(|e| e.about(conversation))?;
        status_of(Operation::ReadConversation, &reply).map_err(|e| e.about(conversation))
    }

    /// The published actions whose names contain `name` (Genesys's filter also matches part
    /// of a name), every page of them.
    pub async fn find_actions(&self, name: &str) -> Result<Vec<Action>, GenesysError> {
        let mut found = Vec::new();
        let page_size = PAGE_SIZE.to_string();
        for page in 1..=MAX_PAGES {
            let page_number = page.to_string();
            let url = self.api_url(
                &["integrations", "actions"],
                &[
                    ("name", name),
                    ("pageSize", &page_size),
                    ("pageNumber", &page_number),
                ],
            );
            let reply = self.get(Operation::ListActions, url).await?;
            let listing: ActionListing = json_of(Operation::ListActions, &reply)?;
            let entities = listing.entities.unwrap_or_default();
            let last = entities.is_empty() || listing.page_count.unwrap_or(1) <= page;
            found.extend(entities);
            if last {
                break;
            }
        }
        Ok(found)
    }

    /// `GET /api/v2/integrations/actions/{id}` with its contract and configuration.
    pub async fn action(&self, id: &str) -> Result<Action, GenesysError> {
        let url = self.api_url(
            &["integrations", "actions", id],
            &[("expand", "contract"), ("includeConfig", "true")],
        );
        let reply = self.get(Operation::GetAction, url).await?;
        json_of(Operation::GetAction, &reply)
    }

    /// `{api}/api/v2/{segments...}?{query}`; any path the base URL carries stays in front.
    fn api_url(&self, segments: &[&str], query: &[(&str, &str)]) -> reqwest::Url {
        let mut url = self.client.api_base.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has a path")
            .pop_if_empty()
            .extend(["api", "v2"])
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    async fn get(&self, operation: Operation, url: reqwest::Url) -> Result<Reply, GenesysError> {
        let deadline = self.client.deadline();
        let token = self.client.tokens.get(deadline).await?;
        self.client
            .transport
            .send(
                operation,
                || {
                    self.client
                        .transport
                        .http()
                        .get(url.clone())
                        .bearer_auth(token.expose())
                        .header(ACCEPT, "application/json")
                },
                deadline,
            )
            .await
    }
}

/// The status of a 2xx answer, or the refusal.
fn status_of(operation: Operation, reply: &Reply) -> Result<u16, GenesysError> {
    if (200..300).contains(&reply.status) {
        Ok(reply.status)
    } else {
        Err(reply.refused(operation))
    }
}

/// A 2xx answer's body as `T`, or the refusal, or `Unreadable`.
fn json_of<T: DeserializeOwned>(operation: Operation, reply: &Reply) -> Result<T, GenesysError> {
    status_of(operation, reply)?;
    serde_json::from_slice(&reply.body).map_err(|_| reply.answered(operation, Problem::Unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oauth_client_is_read_under_genesys_spelling() {
        let info: TokenInfo = serde_json::from_str(
            r#"{"organization":{"id":"o1","name":"Acme"},"OAuthClient":{"id":"c1","name":"cobrowse","authorizedGrantType":"CLIENT-CREDENTIALS","state":"active"}}"#,
        )
        .unwrap();
        assert_eq!(info.organization.unwrap().name.as_deref(), Some("Acme"));
        let client = info.oauth_client.unwrap();
        assert_eq!(client.name.as_deref(), Some("cobrowse"));
        assert_eq!(
            client.authorized_grant_type.as_deref(),
            Some("CLIENT-CREDENTIALS")
        );
    }

    #[test]
    fn an_action_without_contract_or_config_has_none() {
        let action: Action =
            serde_json::from_str(r#"{"id":"a1","name":"Start cobrowse","contract":null}"#).unwrap();
        assert!(action.input_schema().is_none());
        assert!(action.success_schema().is_none());
        assert!(action.request_url().is_none());
    }
}
