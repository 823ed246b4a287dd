//! The OAuth client-credentials token: fetched once, shared by every call, renewed early.
//!
//! Genesys rate-limits the token endpoint per client, so a token request per call would be
//! a defect. The cache is single-flight, after smithy-rs's identity cache: a lock-free-ish
//! read path for the common case, one renewal at a time under an async mutex, and a second
//! look after taking the mutex so callers that queued behind a renewal use its result instead
//! of starting their own. Expiry is measured on the monotonic clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::{Instant, timeout_at};

use super::GenesysSettings;
use super::error::Operation;
use super::error::{GenesysError, Problem};
use super::transport::Transport;
use crate::metrics::Metrics;

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

pub struct TokenCache {
    transport: Transport,
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    current: RwLock<Option<Arc<AccessToken>>>,
    /// Held while one caller renews; the value is the last renewal's failure, if it failed.
    renewal: tokio::sync::Mutex<Option<GenesysError>>,
    /// Completed renewal attempts, so a queued caller can tell that one finished while it waited.
    attempts: AtomicU64,
    metrics: Arc<Metrics>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

impl TokenCache {
    pub fn new(transport: Transport, settings: &GenesysSettings, metrics: Arc<Metrics>) -> Self {
        TokenCache {
            transport,
            token_url: format!("{}/oauth/token", settings.login_url),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            current: RwLock::new(None),
            renewal: tokio::sync::Mutex::new(None),
            attempts: AtomicU64::new(0),
            metrics,
        }
    }

    /// A token that is good for now, renewing it first if it is due.
    pub async fn get(&self, deadline: Instant) -> Result<Arc<AccessToken>, GenesysError> {
        if let Some(token) = self.cached(|t| Instant::now() < t.renew_at) {
            return Ok(token);
        }
        let attempts_seen = self.attempts.load(Ordering::Acquire);
        let mut last_failure = timeout_at(deadline, self.renewal.lock())
            .await
            .map_err(|_| GenesysError::unanswered(Operation::Token, Problem::Timeout))?;
        // Someone renewed while we queued: use their result rather than asking again.
        if let Some(token) = self.cached(|t| Instant::now() < t.renew_at) {
            return Ok(token);
        }
        if self.attempts.load(Ordering::Acquire) != attempts_seen
            && let Some(failure) = last_failure.as_ref()
        {
            return self.still_valid().ok_or_else(|| failure.clone());
        }
        let result = self.fetch(deadline).await;
        self.attempts.fetch_add(1, Ordering::AcqRel);
        match result {
            Ok(token) => {
                self.metrics.token_renewals.inc();
                *last_failure = None;
                *self.current.write().expect("token lock") = Some(token.clone());
                Ok(token)
            }
            Err(failure) => {
                self.metrics.token_failures.inc();
                tracing::warn!(
                    upstream_status = failure.status,
                    correlation_id = %failure.correlation_id,
                    error = %failure,
                    "could not obtain a Genesys access token"
                );
                *last_failure = Some(failure.clone());
                // A renewal that fails early leaves the old token usable until it expires.
                self.still_valid().ok_or(failure)
            }
        }
    }

    /// Drops `rejected` after Genesys answered 401 to it, so the next `get` renews. A token
    /// that was already replaced is left alone: concurrent 401s renew once, not once each.
    pub fn reject(&self, rejected: &Arc<AccessToken>) {
        let mut current = self.current.write().expect("token lock");
        if current.as_ref().is_some_and(|t| Arc::ptr_eq(t, rejected)) {
            *current = None;
        }
    }

    fn cached(&self, usable: impl Fn(&AccessToken) -> bool) -> Option<Arc<AccessToken>> {
        let current = self.current.read().expect("token lock");
        current.as_ref().filter(|t| usable(t)).cloned()
    }

    fn still_valid(&self) -> Option<Arc<AccessToken>> {
        self.cached(|t| Instant::now() < t.expires_at)
    }

    async fn fetch(&self, deadline: Instant) -> Result<Arc<AccessToken>, GenesysError> {
        let requested_at = Instant::now();
        let reply = self
            .transport
            .send(
                Operation::Token,
                || {
                    self.transport
                        .http()
                        .post(&self.token_url)
                        .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
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
}
