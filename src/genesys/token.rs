//! The OAuth client-credentials token: fetched once, shared by every call, renewed early.
//!
//! Genesys rate-limits the token endpoint per client, so a token request per call would be
//! a defect. The cache is single-flight, after smithy-rs's identity cache: a lock-free-ish
//! read path for the common case and at most one token request at a time, whose result every
//! caller waiting for it shares. Expiry is measured on the monotonic clock.
//!
//! A token request runs as a task of its own, with its own time budget (the service's
//! `COBROWSE_UPSTREAM_TIMEOUT_MS`), whoever needed it first. So a token that is due for
//! renewal but still valid is used at once while the renewal runs in the background (a slow
//! login service costs the calls nothing), and a caller with a short budget (a readiness
//! probe) that gives up waiting does not cut short the request other callers wait for.
//! After a failure the login service is left alone for a while (1 s, doubling to 10 s).
//!
//! An org may have a second OAuth client during a rotation (`client_next`): one token
//! request asks with the client in use and, when Genesys refuses it, with the other, within
//! the same budget (`clients.rs`). So deleting the old client in Genesys costs no call.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};

use super::error::Operation;
use super::error::{GenesysError, Problem};
use super::transport::Transport;
use super::{GenesysSettings, OAuthClient};
use crate::metrics::{Metrics, OAuthClientInUse, OrgLabel};
use clients::OAuthClients;

mod clients;

/// Renew when less than this share of the lifetime is left...
const RENEW_FRACTION: u32 = 10;
/// ...or this much, whichever is smaller.
const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// The longest token lifetime a Genesys OAuth client can be given.
const MAX_LIFETIME_S: u64 = 48 * 3600;

/// A bearer token and when to stop using it.
pub struct AccessToken {
    value: SecretString,
    renew_at: Instant,
    expires_at: Instant,
}

impl AccessToken {
    /// The token, for the one line that builds the `Authorization` header.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }
}

/// What one token request came to; `None` while it is under way.
type Renewal = Option<Result<Arc<AccessToken>, GenesysError>>;

/// After a failed token request the next one waits this long, doubled for each failure in a
/// row up to [`MAX_BACKOFF`], so a login service that refuses or fails is not asked once per
/// call (Genesys limits token requests per OAuth client).
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub struct TokenCache {
    transport: Transport,
    token_url: String,
    /// The org's OAuth client, and its second one during a rotation.
    clients: OAuthClients,
    /// How long one token request may take, whoever is waiting for it.
    budget: Duration,
    /// Where token requests run: the runtime that built the service, which outlives every
    /// server worker, so a worker stopping at SIGTERM does not cancel a request that calls
    /// on other workers wait for.
    runtime: Handle,
    current: RwLock<Option<Arc<AccessToken>>>,
    latest: Mutex<Latest>,
    metrics: Arc<Metrics>,
    /// Whose token this is, in a many-org deployment (metrics and log lines say).
    org: OrgLabel,
}

/// The latest token request and the failures before it.
struct Latest {
    /// Under way while its task holds the sender and it has no result yet. Callers that need
    /// a token wait on a clone.
    request: Option<watch::Receiver<Renewal>>,
    /// Failed requests in a row.
    failures: u32,
    /// Until then, after a failure, no new request is sent: callers without a valid token
    /// get that failure at once.
    quiet_until: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

impl TokenCache {
    /// Call within the tokio runtime that runs the service (token requests are spawned on it).
    pub fn new(
        transport: Transport,
        settings: &GenesysSettings,
        metrics: Arc<Metrics>,
        org: OrgLabel,
    ) -> Self {
        // Both series exist from the start, at 0, as they always did for one org.
        drop(metrics.token_renewals.get_or_create(&org));
        drop(metrics.token_failures.get_or_create(&org));
        drop(metrics.oauth_client_switches.get_or_create(&org));
        TokenCache {
            transport,
            token_url: format!("{}/oauth/token", settings.login_url),
            clients: OAuthClients::new(settings),
            budget: settings.upstream_timeout,
            runtime: Handle::current(),
            current: RwLock::new(None),
            latest: Mutex::new(Latest {
                request: None,
                failures: 0,
                quiet_until: Instant::now(),
            }),
            metrics,
            org,
        }
    }

    /// A token that is good for now. One still valid is returned at once (its renewal begun
    /// in the background if it is due); otherwise the caller waits, until `deadline` at most,
    /// for the token request under way or one it starts.
    pub async fn get(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Result<Arc<AccessToken>, GenesysError> {
        if let Some(token) = self.cached(|t| Instant::now() < t.expires_at) {
            if Instant::now() >= token.renew_at {
                self.renewal();
            }
            return Ok(token);
        }
        let mut renewal = self.renewal();
        match timeout_at(deadline, renewal.wait_for(Option::is_some)).await {
            Ok(Ok(result)) => result.clone().expect("waited for a result"),
            // The task was dropped unfinished: the service's runtime is shutting down.
            Ok(Err(_)) => Err(GenesysError::unanswered(
                Operation::Token,
                Problem::Broken("the token request was cancelled as the service stopped".into()),
            )),
            Err(_) => Err(GenesysError::unanswered(Operation::Token, Problem::Timeout)),
        }
    }

    /// The token request under way, the last one's failure while backing off after it, or a
    /// new request started now.
    fn renewal(self: &Arc<Self>) -> watch::Receiver<Renewal> {
        let mut latest = self.latest.lock().expect("token request lock");
        if let Some(request) = &latest.request {
            let under_way = request.borrow().is_none() && request.has_changed().is_ok();
            if under_way || Instant::now() < latest.quiet_until {
                return request.clone();
            }
        }
        // A request that ended while this caller looked has left its token in the cache
        // (it is stored before the result is sent): use it rather than ask again.
        if let Some(token) = self.cached(|t| Instant::now() < t.renew_at) {
            return watch::channel(Some(Ok(token))).1;
        }
        let (sender, receiver) = watch::channel(None);
        latest.request = Some(receiver.clone());
        let cache = Arc::clone(self);
        self.runtime.spawn(async move {
            let result = cache.renew().await;
            sender.send_replace(Some(result));
        });
        receiver
    }

    /// One token request, with its own budget; the cache holds the token if one came.
    async fn renew(&self) -> Result<Arc<AccessToken>, GenesysError> {
        let result = self.fetch(Instant::now() + self.budget).await;
        let mut latest = self.latest.lock().expect("token request lock");
        match &result {
            Ok(token) => {
                latest.failures = 0;
                self.metrics.token_renewals.get_or_create(&self.org).inc();
                *self.current.write().expect("token lock") = Some(token.clone());
            }
            Err(failure) => {
                latest.failures = latest.failures.saturating_add(1);
                latest.quiet_until = Instant::now() + backoff(latest.failures);
                self.metrics.token_failures.get_or_create(&self.org).inc();
                tracing::warn!(
                    org = self.org.0,
                    upstream_status = failure.status,
                    correlation_id = %failure.correlation_id,
                    error = %failure,
                    failures_in_a_row = latest.failures,
                    "could not obtain a Genesys access token"
                );
            }
        }
        result
    }

    /// Drops `rejected` after Genesys answered 401 to it, so the next `get` renews. A token
    /// that was already replaced is left alone: concurrent 401s renew once, not once each.
    pub fn reject(&self, rejected: &Arc<AccessToken>) {
        let mut current = self.current.write().expect("token lock");
        if current.as_ref().is_some_and(|t| Arc::ptr_eq(t, rejected)) {
            *current = None;
        }
    }

    /// Whether a token is held that has not expired (for `/metrics`; sends nothing).
    pub fn holds_valid_token(&self) -> bool {
        self.cached(|t| Instant::now() < t.expires_at).is_some()
    }

    /// The OAuth client token requests ask with first, and whether there is a second one.
    pub fn oauth_client(&self) -> (OAuthClientInUse, bool) {
        self.clients.status()
    }

    fn cached(&self, usable: impl Fn(&AccessToken) -> bool) -> Option<Arc<AccessToken>> {
        let current = self.current.read().expect("token lock");
        current.as_ref().filter(|t| usable(t)).cloned()
    }

    /// A token from the client in use or, when Genesys refuses it, from the other one.
    async fn fetch(&self, deadline: Instant) -> Result<Arc<AccessToken>, GenesysError> {
        self.clients
            .ask(&self.metrics, self.org, |client, which| {
                self.request(client, which, deadline)
            })
            .await
    }

    /// One token request with `client`.
    async fn request(
        &self,
        client: OAuthClient,
        which: OAuthClientInUse,
        deadline: Instant,
    ) -> Result<Arc<AccessToken>, GenesysError> {
        let requested_at = Instant::now();
        let reply = self
            .transport
            .send(
                Operation::Token,
                || {
                    self.transport
                        .http()
                        .post(&self.token_url)
                        .basic_auth(&client.id, Some(client.secret.expose_secret()))
                        .header(reqwest::header::ACCEPT, "application/json")
                        .form(&[("grant_type", "client_credentials")])
                },
                deadline,
            )
            .await?;
        if !(200..300).contains(&reply.status) {
            return Err(reply.refused(Operation::Token));
        }
        let Ok(TokenResponse {
            access_token: Some(value),
            expires_in,
        }) = serde_json::from_slice::<TokenResponse>(&reply.body)
        else {
            return Err(reply.answered(Operation::Token, Problem::Unreadable));
        };
        // Genesys always sends expires_in; if it ever does not, assume the shortest lifetime
        // an OAuth client can have (5 minutes) rather than forever, and never trust more than
        // the longest (48 hours).
        let lifetime = Duration::from_secs(expires_in.unwrap_or(300).min(MAX_LIFETIME_S));
        let expires_at = requested_at + lifetime;
        tracing::info!(
            org = self.org.0,
            oauth_client = which.as_str(),
            lifetime_s = lifetime.as_secs(),
            "obtained a Genesys access token"
        );
        Ok(Arc::new(AccessToken {
            value: SecretString::from(value),
            renew_at: expires_at - renewal_margin(lifetime),
            expires_at,
        }))
    }
}

/// How long before expiry a token is renewed: 10% of its lifetime or 60 s, whichever is
/// smaller, so a day-long token is used for all but its last minute.
fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / RENEW_FRACTION).min(RENEW_MARGIN)
}

/// How long to send no token request after `failures` failed ones in a row: 1 s, 2 s, 4 s,
/// 8 s, then 10 s.
fn backoff(failures: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << failures.saturating_sub(1).min(8))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_starts_at_10_percent_or_60_seconds_before_expiry_whichever_is_less() {
        let margin = |secs| renewal_margin(Duration::from_secs(secs));
        assert_eq!(
            margin(86_400),
            Duration::from_secs(60),
            "a day: the last minute"
        );
        assert_eq!(
            margin(600),
            Duration::from_secs(60),
            "10 minutes: 10% is exactly 60 s"
        );
        assert_eq!(margin(300), Duration::from_secs(30), "5 minutes: 10%");
        assert_eq!(margin(20), Duration::from_secs(2));
    }

    #[test]
    fn failed_token_requests_back_off_from_one_second_to_ten() {
        let seconds: Vec<u64> = (1..=6).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(seconds, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }
}
