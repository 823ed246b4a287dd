//! The OAuth clients an org's token is asked with: its own, and during a rotation a second
//! one (`client_next`). The one Genesys last accepted is asked first; when the login service
//! refuses its credentials the other is asked at once and, if Genesys accepts it, kept. Only
//! a refusal of the credentials switches: a 5xx, a 429 or no answer says nothing about them.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::super::{GenesysError, GenesysSettings, OAuthClient};
use crate::metrics::{Metrics, OAuthClientInUse, OrgLabel};

pub(super) struct OAuthClients {
    /// The org's OAuth client, then its second one when it has one.
    clients: Vec<OAuthClient>,
    /// Which of `clients` is asked first.
    in_use: AtomicUsize,
}

impl OAuthClients {
    pub(super) fn new(settings: &GenesysSettings) -> Self {
        let first = OAuthClient {
            id: settings.client_id.clone(),
            secret: settings.client_secret.clone(),
        };
        OAuthClients {
            clients: std::iter::once(first)
                .chain(settings.client_next.clone())
                .collect(),
            in_use: AtomicUsize::new(0),
        }
    }

    /// The client asked first, and whether there is a second one.
    pub(super) fn status(&self) -> (OAuthClientInUse, bool) {
        (
            which(self.in_use.load(Ordering::Relaxed)),
            self.clients.len() > 1,
        )
    }

    /// What `ask` gets with the client in use or, when Genesys refuses its credentials,
    /// with the other one, which is then kept (counted, and logged once at `warn`). When
    /// both are refused, the refusal of the one in use is the error. Called by one token
    /// request at a time, so the client in use changes one request at a time.
    pub(super) async fn ask<T, F>(
        &self,
        metrics: &Metrics,
        org: OrgLabel,
        // Owned, not borrowed: the compiler cannot prove a future that borrows an argument
        // Send (a higher-ranked lifetime), and the token request is spawned.
        ask: impl Fn(OAuthClient, OAuthClientInUse) -> F,
    ) -> Result<T, GenesysError>
    where
        F: Future<Output = Result<T, GenesysError>>,
    {
        let in_use = self.in_use.load(Ordering::Relaxed);
        let refused = match ask(self.clients[in_use].clone(), which(in_use)).await {
            Err(error) if error.refuses_credentials() && self.clients.len() > 1 => error,
            result => return result,
        };
        let other = 1 - in_use;
        match ask(self.clients[other].clone(), which(other)).await {
            Ok(got) => {
                self.in_use.store(other, Ordering::Relaxed);
                metrics.oauth_client_switches.get_or_create(&org).inc();
                tracing::warn!(
                    org = org.0,
                    refused = which(in_use).as_str(),
                    oauth_client = which(other).as_str(),
                    upstream_status = refused.status,
                    correlation_id = %refused.correlation_id,
                    "Genesys refused the OAuth client in use and accepted the other: it is used from now on"
                );
                Ok(got)
            }
            Err(error) if error.refuses_credentials() => Err(refused),
            Err(error) => Err(error),
        }
    }
}

/// The name of `clients[index]`.
fn which(index: usize) -> OAuthClientInUse {
    if index == 0 {
        OAuthClientInUse::First
    } else {
        OAuthClientInUse::Second
    }
}
