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

/// The credentials the data action integration may present: any one of them is accepted, so
/// a secret can be rotated without downtime (docs/operations.md).
#[derive(Debug)]
pub enum InboundAuth {
    Required {
        basic: Option<BasicAuth>,
        /// `Authorization: Bearer <token>`, for a Genesys "User Defined" credential.
        bearer_tokens: Vec<SecretString>,
    },
    /// Only with `COBROWSE_AUTH_DISABLED=true`; logged as a warning at start-up.
    Disabled,
}

/// `Authorization: Basic` with this user name and any of these passwords.
#[derive(Debug)]
pub struct BasicAuth {
    pub username: String,
    pub passwords: Vec<SecretString>,
}

/// The `COBROWSE_AUTH_*` variables as set (empty ones count as unset).
pub struct AuthVars {
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub password_next: Option<SecretString>,
    pub bearer_token: Option<SecretString>,
    pub bearer_token_next: Option<SecretString>,
    pub disabled: bool,
}

impl InboundAuth {
    /// The rules: a Basic credential needs both halves, `_NEXT` needs a current value, and
    /// running without credentials must be asked for and is then the only choice.
    pub fn from_vars(problems: &mut Vec<String>, vars: AuthVars) -> Option<Self> {
        let passwords = secrets(
            problems,
            "COBROWSE_AUTH_PASSWORD",
            vars.password,
            vars.password_next,
        );
        let bearer_tokens = secrets(
            problems,
            "COBROWSE_AUTH_BEARER_TOKEN",
            vars.bearer_token,
            vars.bearer_token_next,
        );
        let basic = match (vars.username, passwords.is_empty()) {
            (Some(username), false) => Some(BasicAuth {
                username,
                passwords,
            }),
            (None, true) => None,
            (Some(_), true) => {
                problems.push("COBROWSE_AUTH_PASSWORD is missing: COBROWSE_AUTH_USERNAME is set, and both are needed".to_owned());
                return None;
            }
            (None, false) => {
                problems.push("COBROWSE_AUTH_USERNAME is missing: COBROWSE_AUTH_PASSWORD is set, and both are needed".to_owned());
                return None;
            }
        };
        match (basic, bearer_tokens.is_empty(), vars.disabled) {
            (None, true, true) => Some(InboundAuth::Disabled),
            (None, true, false) => {
                problems.push(
                    "COBROWSE_AUTH_USERNAME and COBROWSE_AUTH_PASSWORD are missing: the Basic credential the data action integration sends (or COBROWSE_AUTH_BEARER_TOKEN for a User Defined credential, or COBROWSE_AUTH_DISABLED=true to run without inbound authentication, never on the internet)".to_owned(),
                );
                None
            }
            (_, _, true) => {
                problems.push(
                    "COBROWSE_AUTH_DISABLED=true contradicts the inbound credentials that are set: remove one or the other".to_owned(),
                );
                None
            }
            (basic, _, false) => Some(InboundAuth::Required {
                basic,
                bearer_tokens,
            }),
        }
    }
}

/// A secret and its rotation successor (`..._NEXT`), both accepted while a rotation is under way.
fn secrets(
    problems: &mut Vec<String>,
    name: &str,
    current: Option<SecretString>,
    next: Option<SecretString>,
) -> Vec<SecretString> {
    match (current, next) {
        (Some(current), Some(next)) => vec![current, next],
        (Some(current), None) => vec![current],
        (None, Some(_)) => {
            problems.push(format!(
                "{name}_NEXT is set without {name}: _NEXT only adds a second accepted value during a rotation"
            ));
            Vec::new()
        }
        (None, None) => Vec::new(),
    }
}

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
                "The Authorization scheme is not one this service accepts (Basic, or Bearer when a bearer token is configured)."
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
        match authorization(request)? {
            (Scheme::Basic, value) if !self.basic.is_empty() => {
                let decoded = STANDARD.decode(value).map_err(|_| Refusal::Wrong)?;
                matches_any(&decoded, &self.basic)
            }
            (Scheme::Bearer, value) if !self.bearer.is_empty() => {
                matches_any(value.as_bytes(), &self.bearer)
            }
            _ => Err(Refusal::UnsupportedScheme),
        }
    }
}

/// The scheme of an `Authorization` header.
pub enum Scheme {
    Basic,
    Bearer,
    Other,
}

/// The request's `Authorization` header: its scheme and its value, trimmed.
pub fn authorization(request: &HttpRequest) -> Result<(Scheme, &str), Refusal> {
    let header = request
        .headers()
        .get(AUTHORIZATION)
        .ok_or(Refusal::Missing)?
        .to_str()
        .map_err(|_| Refusal::Wrong)?
        .trim();
    let (scheme, value) = header.split_once(' ').ok_or(Refusal::UnsupportedScheme)?;
    let scheme = if scheme.eq_ignore_ascii_case("basic") {
        Scheme::Basic
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else {
        Scheme::Other
    };
    Ok((scheme, value.trim()))
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
