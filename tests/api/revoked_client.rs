//! The org revoking the service's OAuth client while the service runs: one set-up for the
//! tests that watch what follows (the token gauge, the auth alert). A `TestApp` method kept
//! apart from `helpers.rs`, which holds how the service is started.

use serde_json::json;
use wiremock::ResponseTemplate;

use crate::helpers::{TestApp, genesys_error};

impl TestApp {
    /// The org revokes the OAuth client: from now on the API refuses the token the service
    /// holds and the login service the client, so every start fails with
    /// GENESYS_AUTH_FAILED. Whatever Genesys answered before is forgotten.
    pub async fn revoke_client(&self) {
        self.genesys.reset().await;
        self.mount_login(
            ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})),
        )
        .await;
        self.mount_cobrowse(genesys_error(
            401,
            "bad.credentials",
            "Invalid login credentials.",
        ))
        .await;
    }
}
