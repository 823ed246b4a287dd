//! Everything that talks to Genesys Cloud: where it is (`region`), how to reach it
//! (`transport`), the OAuth token (`token`), who is on a conversation (`conversation`),
//! the calls one start makes (`client`), and what went wrong (`error`); `admin` holds the
//! requests `cobrowse-proxy doctor` sends to check a set-up.
//!
//! Nothing here decides what a failure means for a flow: that is `crate::outcome`'s job.

pub mod admin;
pub mod client;
pub mod conversation;
pub mod error;
pub mod limit;
pub mod region;
pub mod reply;
pub mod token;
pub mod transport;

use std::num::NonZeroU32;
use std::time::Duration;

use secrecy::SecretString;

pub use client::{GenesysClient, RequestBody, StartedSession};
pub use error::{GenesysError, Operation, Problem};

/// Where Genesys is, how to authenticate to it, and how to call it.
#[derive(Clone, Debug)]
pub struct GenesysSettings {
    /// Base URL of the Platform API, no trailing slash (`https://api.mypurecloud.ie`).
    pub api_url: String,
    /// Base URL of the login service, no trailing slash (`https://login.mypurecloud.ie`).
    pub login_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Total time for one start's Genesys requests, retries and token renewal included.
    pub upstream_timeout: Duration,
    /// Genesys API requests this instance sends in any 60 s at most; `None` is no limit.
    pub requests_per_minute: Option<NonZeroU32>,
    pub request_body: RequestBody,
    /// Check a flow-given agent is connected to the conversation before starting.
    pub verify_agent: bool,
}
