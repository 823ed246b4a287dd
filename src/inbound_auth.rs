//! The credential Genesys presents when it calls us: the data action integration's Basic Auth
//! or, for a "User Defined" credential, a bearer token.
//!
//! Several values may be valid at once (`..._NEXT`), so a secret can be rotated without
//! downtime. Every accepted value is compared, in constant time, whatever the outcome of the
//! others, so response timing reveals neither which value nor how much of a guess was right.
//! What is presented is never logged; only why it was refused.

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use subtle::{Choice, ConstantTimeEq};

use crate::config::InboundAuth;

/// What an inbound request must present.
pub struct InboundCredential {
    /// `user:password` as a Basic header carries it once decoded, one per accepted password.
    basic: Vec<SecretString>,
    bearer: Vec<SecretString>,
    disabled: bool,
}

/// Why a request was refused, in words fit for the log and the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    UnsupportedScheme,
    Wrong,
}

impl Refusal {
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::Missing => "No Authorization header was sent.",
            Refusal::UnsupportedScheme => {
                "The Authorization scheme is not one this service accepts (Basic, or Bearer when COBROWSE_AUTH_BEARER_TOKEN is set)."
            }
            Refusal::Wrong => "The credential presented is not one this service accepts.",
        }
    }
}

impl InboundCredential {
    pub fn new(auth: &InboundAuth) -> Self {
        match auth {
            InboundAuth::Required {
                basic,
                bearer_tokens,
            } => InboundCredential {
                basic: basic
                    .iter()
                    .flat_map(|b| {
                        b.passwords.iter().map(|password| {
                            SecretString::from(format!(
                                "{}:{}",
                                b.username,
                                password.expose_secret()
                            ))
                        })
                    })
                    .collect(),
                bearer: bearer_tokens.clone(),
                disabled: false,
            },
            InboundAuth::Disabled => InboundCredential {
                basic: Vec::new(),
                bearer: Vec::new(),
                disabled: true,
            },
        }
    }

    /// `Ok` when the request carries an accepted credential, or when auth is disabled.
    pub fn check(&self, request: &HttpRequest) -> Result<(), Refusal> {
        if self.disabled {
            return Ok(());
        }
        let header = request
            .headers()
            .get(AUTHORIZATION)
            .ok_or(Refusal::Missing)?
            .to_str()
            .map_err(|_| Refusal::Wrong)?
            .trim();
        let (scheme, value) = header.split_once(' ').ok_or(Refusal::UnsupportedScheme)?;
        let value = value.trim();
        if scheme.eq_ignore_ascii_case("basic") && !self.basic.is_empty() {
            let decoded = STANDARD.decode(value).map_err(|_| Refusal::Wrong)?;
            matches_any(&decoded, &self.basic)
        } else if scheme.eq_ignore_ascii_case("bearer") && !self.bearer.is_empty() {
            matches_any(value.as_bytes(), &self.bearer)
        } else {
            Err(Refusal::UnsupportedScheme)
        }
    }
}

/// Compares against every accepted value without stopping at the first match.
fn matches_any(presented: &[u8], accepted: &[SecretString]) -> Result<(), Refusal> {
    let found = accepted.iter().fold(Choice::from(0), |found, candidate| {
        found | presented.ct_eq(candidate.expose_secret().as_bytes())
    });
    if bool::from(found) {
        Ok(())
    } else {
        Err(Refusal::Wrong)
    }
}
