//! The credential Genesys presents when it calls us: the data action integration's Basic Auth.
//!
//! The comparison is constant-time over the decoded `user:password`, so response timing
//! does not reveal how much of a guess was right.

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::config::InboundAuth;

/// What an inbound request must present.
pub struct InboundCredential {
    /// `user:password`, as it appears inside a Basic header once decoded; `None` when disabled.
    expected: Option<SecretString>,
}

impl InboundCredential {
    pub fn new(auth: &InboundAuth) -> Self {
        let expected = match auth {
            InboundAuth::Basic { username, password } => Some(SecretString::from(format!(
                "{username}:{}",
                password.expose_secret()
            ))),
            InboundAuth::Disabled => None,
        };
        InboundCredential { expected }
    }

    /// True when the request carries the expected credential, or when auth is disabled.
    pub fn admits(&self, request: &HttpRequest) -> bool {
        let Some(expected) = &self.expected else {
            return true;
        };
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, encoded) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("basic")
                    .then(|| STANDARD.decode(encoded.trim()).ok())?
            });
        match presented {
            Some(presented) => presented
                .as_slice()
                .ct_eq(expected.expose_secret().as_bytes())
                .into(),
            None => false,
        }
    }
}
