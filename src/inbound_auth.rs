//! The credential Genesys presents when it calls us: the data action integration's Basic Auth
//! or, for a "User Defined" credential, a bearer token; and which org it is the credential of.
//!
//! Several values may be valid at once (`..._NEXT`), so a secret can be rotated without
//! downtime. What is presented is never logged; only why it was refused.
//!
//! Finding the org stays constant-time in the secret: the presented credential (the whole
//! decoded `user:password`, or the bearer token) is hashed with SipHash under a key drawn at
//! random for the process (std's `RandomState`), which is what the table is keyed by, and the
//! one candidate found is then compared in constant time. A wrong password and an unknown
//! user miss the table alike, and the time taken depends on the credential's length only.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

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
    /// `COBROWSE_LAMBDA=true` with no credential set: no call over HTTP is accepted (a
    /// function URL refuses every one); the function's direct invokes need none.
    DirectInvokeOnly,
}

impl InboundAuth {
    /// Every credential accepted: `(bearer?, "user:password" or the token)`, as a request
    /// carries it once decoded.
    pub fn accepted(&self) -> Vec<(bool, SecretString)> {
        let InboundAuth::Required {
            basic,
            bearer_tokens,
        } = self
        else {
            return Vec::new();
        };
        let basic = basic.iter().flat_map(|b| {
            b.passwords.iter().map(move |pw| {
                let credential = format!("{}:{}", b.username, pw.expose_secret());
                (false, SecretString::from(credential))
            })
        });
        let bearer = bearer_tokens.iter().map(|t| (true, t.clone()));
        basic.chain(bearer).collect()
    }
}

/// `Authorization: Basic` with this user name and any of these passwords.
#[derive(Debug)]
pub struct BasicAuth {
    pub username: String,
    pub passwords: Vec<SecretString>,
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

/// Every credential a set of orgs accepts, and the org (by its index) each finds.
pub struct Credentials {
    /// Keyed hash of `user:password` -> (the org's index, the credential).
    basic: HashMap<u64, Vec<(usize, SecretString)>>,
    /// Keyed hash of the bearer token -> (the org's index, the token).
    bearer: HashMap<u64, Vec<(usize, SecretString)>>,
    hasher: RandomState,
    /// The org every request is for, credential or not (`COBROWSE_AUTH_DISABLED=true`, which
    /// only the environment's one org may set).
    open: Option<usize>,
}

impl Credentials {
    /// The credentials of each org, in order.
    pub fn new<'a>(orgs: impl IntoIterator<Item = &'a InboundAuth>) -> Self {
        let hasher = RandomState::new();
        let mut basic: HashMap<u64, Vec<(usize, SecretString)>> = HashMap::new();
        let mut bearer: HashMap<u64, Vec<(usize, SecretString)>> = HashMap::new();
        let mut open = None;
        for (index, auth) in orgs.into_iter().enumerate() {
            if matches!(auth, InboundAuth::Disabled) {
                open = Some(index);
            }
            for (is_bearer, credential) in auth.accepted() {
                let table = if is_bearer { &mut bearer } else { &mut basic };
                table
                    .entry(hasher.hash_one(credential.expose_secret().as_bytes()))
                    .or_default()
                    .push((index, credential));
            }
        }
        Credentials {
            basic,
            bearer,
            hasher,
            open,
        }
    }

    /// The index of the org whose credential the request carries.
    pub fn find(&self, request: &HttpRequest) -> Result<usize, Refusal> {
        if let Some(index) = self.open {
            return Ok(index);
        }
        match authorization(request)? {
            (Scheme::Basic, value) if !self.basic.is_empty() => {
                let decoded = STANDARD.decode(value).map_err(|_| Refusal::Wrong)?;
                self.lookup(&self.basic, &decoded)
            }
            (Scheme::Bearer, value) if !self.bearer.is_empty() => {
                self.lookup(&self.bearer, value.as_bytes())
            }
            _ => Err(Refusal::UnsupportedScheme),
        }
    }

    /// Every credential two orgs accept, which could not tell them apart: `(bearer?, the org
    /// that accepts it first, another that accepts it too)`, in the order of the second.
    pub fn shared(&self) -> Vec<(bool, usize, usize)> {
        let mut shared = Vec::new();
        for (is_bearer, table) in [(false, &self.basic), (true, &self.bearer)] {
            for candidates in table.values() {
                for (at, (index, credential)) in candidates.iter().enumerate() {
                    let first = candidates[..at].iter().find(|(other, earlier)| {
                        other != index && earlier.expose_secret() == credential.expose_secret()
                    });
                    if let Some((first, _)) = first {
                        shared.push((is_bearer, *first, *index));
                    }
                }
            }
        }
        shared.sort_by_key(|&(is_bearer, _, second)| (second, is_bearer));
        shared.dedup();
        shared
    }

    /// The org of `presented`: the table's candidates for its keyed hash (one, or none),
    /// each compared in constant time.
    fn lookup(
        &self,
        table: &HashMap<u64, Vec<(usize, SecretString)>>,
        presented: &[u8],
    ) -> Result<usize, Refusal> {
        let candidates = table
            .get(&self.hasher.hash_one(presented))
            .map_or(&[][..], Vec::as_slice);
        let mut found = None;
        for (index, credential) in candidates {
            if bool::from(presented.ct_eq(credential.expose_secret().as_bytes())) {
                found = Some(*index);
            }
        }
        found.ok_or(Refusal::Wrong)
    }
}
