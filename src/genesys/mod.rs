//! Everything that talks to Genesys Cloud: where it is (`region`), how to reach it
//! (`transport`), the OAuth token (`token`), who is on a conversation (`conversation`),
//! the calls one start makes (`client`), and what went wrong (`error`); `admin` holds the
//! requests `cobrowse-proxy doctor` sends to check a set-up.
//!
//! Nothing here decides what a failure means for a flow: that is `crate::outcome`'s job.

pub mod admin;
pub mod client;
pub mod conversation;
pub mod egress;
pub mod error;
pub mod limit;
pub mod region;
pub mod reply;
pub mod token;
pub mod transport;

use std::num::NonZeroU32;
use std::time::{Duration, SystemTime};

use secrecy::SecretString;

pub use client::{GenesysClient, RequestBody, StartedSession};
pub use error::{GenesysError, Operation, Problem};

/// A time as Genesys writes it (`dateOfferEnds`, `connectedTime`), in any RFC 3339 form: `Z`
/// or `z` or an offset (`+02:00`), any number of fractional digits. `None` when unreadable.
pub fn time_of(text: &str) -> Option<SystemTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(SystemTime::from)
}

/// An OAuth client (Client Credentials grant): its id, and its secret, which Debug hides.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub id: String,
    pub secret: SecretString,
}

/// Where Genesys is, how to authenticate to it, and how to call it.
#[derive(Clone, Debug)]
pub struct GenesysSettings {
    /// Base URL of the Platform API, no trailing slash (`https://api.mypurecloud.ie`).
    pub api_url: String,
    /// Base URL of the login service, no trailing slash (`https://login.mypurecloud.ie`).
    pub login_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// A second OAuth client of the same org, asked for a token when Genesys refuses the
    /// first (`COBROWSE_GENESYS_CLIENT_ID_NEXT`/`_SECRET_NEXT`): the OAuth client is rotated
    /// without a failed call.
    pub client_next: Option<OAuthClient>,
    /// Total time for one start's Genesys requests, retries and token renewal included.
    pub upstream_timeout: Duration,
    /// Genesys API requests this instance sends in any 60 s at most; `None` is no limit.
    pub requests_per_minute: Option<NonZeroU32>,
    pub request_body: RequestBody,
    /// Check a flow-given agent is connected to the conversation before starting.
    pub verify_agent: bool,
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::time_of;

    #[test]
    fn every_rfc_3339_form_of_one_time_reads_the_same() {
        // 2026-12-05T08:43:27.5Z.
        let at = UNIX_EPOCH + Duration::from_millis(1_796_460_207_500);
        for text in [
            "2026-12-05T08:43:27.500Z",
            "2026-12-05T08:43:27.5z",
            "2026-12-05t08:43:27.5Z",
            "2026-12-05T10:43:27.5+02:00",
            "2026-12-05T03:13:27.500000-05:30",
        ] {
            assert_eq!(time_of(text), Some(at), "{text}");
        }
        for text in [
            "",
            "next Tuesday",
            "2026-12-05",
            "2026-12-05T08:43:27",
            "1796460207",
        ] {
            assert_eq!(time_of(text), None, "{text}");
        }
    }
}
