//! One org's settings, read by one set of rules from wherever they are written: the
//! `COBROWSE_*` variables (the environment's one org) or an `[orgs.NAME]` table of
//! `COBROWSE_ORGS_FILE`.
//!
//! A source ([`OrgSource`]) only finds a key's value and names the key in a problem (the
//! variable for the environment, the org and key for the file); every rule and every word of
//! a problem is here, so the same mistake reads the same wherever it was made. Secrets are
//! read into `SecretString` and stay wrapped.

use std::num::NonZeroU32;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::domain::CobrowseType;
use crate::genesys::region::{self, Region};
use crate::genesys::{GenesysSettings, RequestBody};
use crate::inbound_auth::{BasicAuth, InboundAuth};

use super::env::choice;

/// The table of an org's settings: each has a variable (after `COBROWSE_`) and a key in the
/// orgs file. The enum, [`OrgKey::ALL`] and both names come from one row each, so a setting
/// cannot miss one of them.
macro_rules! org_keys {
    ($($key:ident => ($variable:literal, $name:literal),)*) => {
        /// A setting an org has, wherever it is written.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum OrgKey { $($key,)* }

        impl OrgKey {
            /// Every key, in the order the orgs file's keys are listed to the admin.
            pub const ALL: [OrgKey; [$(OrgKey::$key,)*].len()] = [$(OrgKey::$key,)*];

            /// The variable in the environment, without `COBROWSE_`: `GENESYS_CLIENT_ID`.
            pub fn variable(self) -> &'static str {
                match self { $(OrgKey::$key => $variable,)* }
            }

            /// The key in an org's table of the orgs file: `client_id`.
            pub fn key(self) -> &'static str {
                match self { $(OrgKey::$key => $name,)* }
            }
        }
    };
}

org_keys! {
    Region => ("GENESYS_REGION", "region"),
    ApiUrl => ("GENESYS_API_URL", "api_url"),
    LoginUrl => ("GENESYS_LOGIN_URL", "login_url"),
    ClientId => ("GENESYS_CLIENT_ID", "client_id"),
    ClientSecret => ("GENESYS_CLIENT_SECRET", "client_secret"),
    AuthUsername => ("AUTH_USERNAME", "auth_username"),
    AuthPassword => ("AUTH_PASSWORD", "auth_password"),
    AuthPasswordNext => ("AUTH_PASSWORD_NEXT", "auth_password_next"),
    AuthBearerToken => ("AUTH_BEARER_TOKEN", "auth_bearer_token"),
    AuthBearerTokenNext => ("AUTH_BEARER_TOKEN_NEXT", "auth_bearer_token_next"),
    RequestsPerMinute => ("GENESYS_REQUESTS_PER_MINUTE", "requests_per_minute"),
    DefaultCobrowseType => ("DEFAULT_COBROWSE_TYPE", "default_cobrowse_type"),
    VerifyAgent => ("VERIFY_AGENT", "verify_agent"),
    RequestBody => ("REQUEST_BODY", "request_body"),
}

impl OrgKey {
    /// Whether its value is a secret, held as `SecretString` from the moment it is read.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            OrgKey::ClientSecret
                | OrgKey::AuthPassword
                | OrgKey::AuthPasswordNext
                | OrgKey::AuthBearerToken
                | OrgKey::AuthBearerTokenNext
        )
    }

    /// Whether the environment's variable is the default of every org of an orgs file (which
    /// may set its own), rather than a setting only of the environment's one org.
    pub fn is_deployment_default(self) -> bool {
        matches!(
            self,
            OrgKey::RequestsPerMinute
                | OrgKey::DefaultCobrowseType
                | OrgKey::VerifyAgent
                | OrgKey::RequestBody
        )
    }
}

/// A value read from a source: `Ok(None)` when unset or blank, `Err(Reported)` when it could
/// not be read.
pub type Read<T> = Result<Option<T>, Reported>;

/// A value could not be read, and the problem that says why is among the problems already.
#[derive(Clone, Copy, Debug)]
pub struct Reported;

/// Where an org's settings are written.
pub trait OrgSource {
    /// The org's name: `None` for the environment's one org.
    fn org_name(&self) -> Option<&str>;
    /// How a problem names `key`: `COBROWSE_GENESYS_CLIENT_ID`, or `` `client_id` ``.
    fn name(&self, key: OrgKey) -> String;
    /// Records a problem with `key`, showing nothing of its value.
    fn problem(&self, problems: &mut Vec<String>, key: OrgKey, why: &str);
    /// Records that `value` of `key` is refused: the environment shows a value that cannot
    /// carry a credential, the orgs file (which holds secrets) never does.
    fn invalid(&self, problems: &mut Vec<String>, key: OrgKey, value: &str, why: &str);
    /// What the admin runs to write a credential without padding, where it is written.
    fn padding_fix(&self, key: OrgKey) -> String;
    /// A text value, exactly as written.
    fn text(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<String>;
    /// A secret value, exactly as written.
    fn secret(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<SecretString>;
    /// A whole number; `why` is what the setting takes, said when it is not a number.
    fn whole_number(&self, problems: &mut Vec<String>, key: OrgKey, why: &str) -> Read<i64>;
    /// `true` or `false`.
    fn flag(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<bool>;
}

/// One org's settings, checked.
#[derive(Debug)]
pub struct OrgSettings {
    /// The table's name (`[orgs.acme]` is `acme`); `None` for the environment's one org,
    /// whose logs, metrics and Redis keys carry no name.
    pub name: Option<String>,
    pub genesys: GenesysSettings,
    pub inbound_auth: InboundAuth,
    pub default_cobrowse_type: CobrowseType,
}

/// What an org does not set itself: the environment's values of the settings an org may
/// override ([`OrgKey::is_deployment_default`]), and the budget every org shares. The
/// environment's one org takes them whole.
#[derive(Clone, Debug)]
pub struct OrgDefaults {
    pub upstream_timeout: Duration,
    pub requests_per_minute: Option<NonZeroU32>,
    pub request_body: RequestBody,
    pub verify_agent: bool,
    pub default_cobrowse_type: CobrowseType,
}

/// Where an org's Genesys is and the OAuth client it uses.
pub struct GenesysAccess {
    pub api_url: String,
    pub login_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

const REQUESTS_PER_MINUTE: &str =
    "must be a whole number of requests in any 60 s, from 0 to 100000 (0 turns the limit off)";
const COBROWSE_TYPE: &str =
    "must be view or control: the cobrowseType of a start whose flow leaves it blank";

impl OrgDefaults {
    /// What an org leaves unset when nothing else is said.
    pub fn built_in(upstream_timeout: Duration) -> Self {
        OrgDefaults {
            upstream_timeout,
            requests_per_minute: NonZeroU32::new(300),
            request_body: RequestBody::Auto,
            verify_agent: false,
            default_cobrowse_type: CobrowseType::View,
        }
    }

    /// The settings `source` may override, each one it leaves unset taken from `self`.
    pub fn overridden_by(
        &self,
        source: &impl OrgSource,
        p: &mut Vec<String>,
    ) -> Option<OrgDefaults> {
        let requests_per_minute =
            match source.whole_number(p, OrgKey::RequestsPerMinute, REQUESTS_PER_MINUTE) {
                Ok(None) => Some(self.requests_per_minute),
                Ok(Some(n @ 0..=100_000)) => Some(NonZeroU32::new(n as u32)),
                Ok(Some(n)) => {
                    source.invalid(
                        p,
                        OrgKey::RequestsPerMinute,
                        &n.to_string(),
                        REQUESTS_PER_MINUTE,
                    );
                    None
                }
                Err(Reported) => None,
            };
        let verify_agent = source
            .flag(p, OrgKey::VerifyAgent)
            .ok()
            .map(|v| v.unwrap_or(self.verify_agent));
        let request_body = match source.text(p, OrgKey::RequestBody) {
            Ok(None) => Some(self.request_body),
            Ok(Some(value)) => choice(value.trim())
                .map_err(|why| source.invalid(p, OrgKey::RequestBody, value.trim(), &why))
                .ok(),
            Err(Reported) => None,
        };
        let default_cobrowse_type = match source.text(p, OrgKey::DefaultCobrowseType) {
            Ok(None) => Some(self.default_cobrowse_type),
            Ok(Some(value)) => CobrowseType::parse(value.trim())
                .map_err(|_| {
                    source.invalid(p, OrgKey::DefaultCobrowseType, value.trim(), COBROWSE_TYPE)
                })
                .ok(),
            Err(Reported) => None,
        };
        Some(OrgDefaults {
            upstream_timeout: self.upstream_timeout,
            requests_per_minute: requests_per_minute?,
            request_body: request_body?,
            verify_agent: verify_agent?,
            default_cobrowse_type: default_cobrowse_type?,
        })
    }

    /// An org's Genesys settings: `access`, and these.
    pub fn genesys(&self, access: GenesysAccess) -> GenesysSettings {
        GenesysSettings {
            api_url: access.api_url,
            login_url: access.login_url,
            client_id: access.client_id,
            client_secret: access.client_secret,
            upstream_timeout: self.upstream_timeout,
            requests_per_minute: self.requests_per_minute,
            request_body: self.request_body,
            verify_agent: self.verify_agent,
        }
    }
}

/// Reads the org of `source`: every problem found goes to `p`, and the org only when there
/// was none in it. `own` is what it sets of the deployment's defaults (or the defaults whole);
/// `auth_disabled`, only for the environment's org, is `COBROWSE_AUTH_DISABLED`.
pub fn read(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    own: Option<OrgDefaults>,
    auth_disabled: Option<bool>,
) -> Option<OrgSettings> {
    let access = genesys_access(source, p);
    let inbound_auth = inbound_auth(source, p, auth_disabled);
    let own = own?;
    Some(OrgSettings {
        name: source.org_name().map(str::to_owned),
        genesys: own.genesys(access?),
        inbound_auth: inbound_auth?,
        default_cobrowse_type: own.default_cobrowse_type,
    })
}

/// Where Genesys is (the region, or both URLs; either URL, when set, replaces the region's)
/// and the OAuth client.
fn genesys_access(source: &impl OrgSource, p: &mut Vec<String>) -> Option<GenesysAccess> {
    // `None` is unset; `Some(None)` is set but invalid, already reported.
    let region = source.text(p, OrgKey::Region).map_or(Some(None), |region| {
        region.map(|value| {
            value
                .trim()
                .parse::<Region>()
                .map_err(|why| source.invalid(p, OrgKey::Region, value.trim(), &why))
                .ok()
        })
    });
    let mut url = |key: OrgKey| {
        source.text(p, key).map_or(Some(None), |url| {
            url.map(|value| {
                region::base_url(value.trim())
                    .map_err(|why| source.invalid(p, key, value.trim(), &why))
                    .ok()
            })
        })
    };
    let (api_url, login_url) = (url(OrgKey::ApiUrl), url(OrgKey::LoginUrl));
    let name = |key| source.name(key);
    let (api_url, login_url) = match (region, api_url, login_url) {
        (Some(region), api, login) => (
            api.unwrap_or(region.map(Region::api_url)),
            login.unwrap_or(region.map(Region::login_url)),
        ),
        (None, Some(api), Some(login)) => (api, login),
        (None, None, None) => {
            source.problem(
                p,
                OrgKey::Region,
                &format!(
                    "is missing: set it to the org's region, such as eu-west-1 (or its domain, mypurecloud.ie), or set both {} and {}",
                    name(OrgKey::ApiUrl),
                    name(OrgKey::LoginUrl)
                ),
            );
            (None, None)
        }
        (None, api, login) => {
            let (given, missing) = if api.is_some() {
                (OrgKey::ApiUrl, OrgKey::LoginUrl)
            } else {
                (OrgKey::LoginUrl, OrgKey::ApiUrl)
            };
            source.problem(
                p,
                missing,
                &format!(
                    "is missing: {} is set without {}, so both URLs are needed (or set {} instead)",
                    name(given),
                    name(OrgKey::Region),
                    name(OrgKey::Region)
                ),
            );
            (api.flatten(), login.flatten())
        }
    };
    let client_id = credential(source, p, OrgKey::ClientId);
    if matches!(client_id, Ok(None)) {
        source.problem(
            p,
            OrgKey::ClientId,
            "is missing: the id of the org's OAuth client (Client Credentials grant)",
        );
    }
    let client_secret = secret_credential(source, p, OrgKey::ClientSecret);
    if matches!(client_secret, Ok(None)) {
        source.problem(
            p,
            OrgKey::ClientSecret,
            "is missing: its secret (Client Credentials grant)",
        );
    }
    Some(GenesysAccess {
        api_url: api_url?,
        login_url: login_url?,
        client_id: client_id.ok().flatten()?,
        client_secret: client_secret.ok().flatten()?,
    })
}

/// The inbound credential: Basic (user name and password) or bearer, or both, each with a
/// `_NEXT` value beside its current one during a rotation. Running without one must be asked
/// for (`auth_disabled`, the environment only) and is then the only choice; in an orgs file
/// the credential is what finds the org, so it is always needed.
fn inbound_auth(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    auth_disabled: Option<bool>,
) -> Option<InboundAuth> {
    let name = |key| source.name(key);
    // A value that could not be read (reported already) counts as set, so that it is not
    // reported missing too; the credential is then unusable.
    let mut unreadable = false;
    let username = credential(source, p, OrgKey::AuthUsername).unwrap_or_else(|Reported| {
        unreadable = true;
        Some(String::new())
    });
    let mut read_rotation = |current, next| {
        let (values, read) = rotation(source, p, current, next);
        unreadable |= !read;
        values
    };
    let passwords = read_rotation(OrgKey::AuthPassword, OrgKey::AuthPasswordNext);
    let bearer_tokens = read_rotation(OrgKey::AuthBearerToken, OrgKey::AuthBearerTokenNext);
    let basic = match (username, passwords.is_empty()) {
        (Some(username), false) => Some(BasicAuth {
            username,
            passwords,
        }),
        (None, true) => None,
        (Some(_), true) => {
            let why = format!(
                "is missing: {} is set, and both are needed",
                name(OrgKey::AuthUsername)
            );
            source.problem(p, OrgKey::AuthPassword, &why);
            return None;
        }
        (None, false) => {
            let why = format!(
                "is missing: {} is set, and both are needed",
                name(OrgKey::AuthPassword)
            );
            source.problem(p, OrgKey::AuthUsername, &why);
            return None;
        }
    };
    let disabled = auth_disabled.unwrap_or(false);
    match (basic, bearer_tokens.is_empty(), disabled) {
        (None, true, true) => Some(InboundAuth::Disabled),
        (None, true, false) => {
            let or_disabled = if auth_disabled.is_some() {
                ", or COBROWSE_AUTH_DISABLED=true to run without inbound authentication, never on the internet"
            } else {
                "; it is how a call finds its org"
            };
            let why = format!(
                "and {} are missing: the Basic credential the data action integration sends (or {} for a User Defined credential{or_disabled})",
                name(OrgKey::AuthPassword),
                name(OrgKey::AuthBearerToken),
            );
            source.problem(p, OrgKey::AuthUsername, &why);
            None
        }
        (_, _, true) => {
            p.push(
                "COBROWSE_AUTH_DISABLED=true contradicts the inbound credentials that are set: remove one or the other".to_owned(),
            );
            None
        }
        (_, _, false) if unreadable => None,
        (basic, _, false) => Some(InboundAuth::Required {
            basic,
            bearer_tokens,
        }),
    }
}

/// `current` and `next`, both accepted during a rotation; and whether both could be read (one
/// that could not counts as set, with an empty value).
fn rotation(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    current: OrgKey,
    next: OrgKey,
) -> (Vec<SecretString>, bool) {
    let mut read = true;
    let mut value = |key| {
        secret_credential(source, p, key).unwrap_or_else(|Reported| {
            read = false;
            Some(SecretString::from(""))
        })
    };
    let (current_value, next_value) = (value(current), value(next));
    let values = match (current_value, next_value) {
        (Some(current), next) => std::iter::once(current).chain(next).collect(),
        (None, Some(_)) => {
            let why = format!(
                "is set without {}: it only adds a second accepted value during a rotation",
                source.name(current)
            );
            source.problem(p, next, &why);
            Vec::new()
        }
        (None, None) => Vec::new(),
    };
    (values, read)
}

/// A credential, used exactly as written: one with whitespace around it (as a Secret made
/// from a file written by `echo` has) could never match what is sent, so it is a problem,
/// neither trimmed (the value in use would differ from the one written down) nor shown.
fn credential(source: &impl OrgSource, p: &mut Vec<String>, key: OrgKey) -> Read<String> {
    let value = source.text(p, key)?;
    if let Some(value) = &value {
        refuse_padding(source, p, key, value);
    }
    Ok(value)
}

/// [`credential`], for one held as a secret.
fn secret_credential(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    key: OrgKey,
) -> Read<SecretString> {
    let value = source.secret(p, key)?;
    if let Some(value) = &value {
        refuse_padding(source, p, key, value.expose_secret());
    }
    Ok(value)
}

fn refuse_padding(source: &impl OrgSource, p: &mut Vec<String>, key: OrgKey, value: &str) {
    if value.trim() != value {
        let why = format!(
            "has a trailing newline or spaces (or leading ones), which no credential sent over HTTP carries, so every call would fail: set it without them, {} (its value is not shown)",
            source.padding_fix(key)
        );
        source.problem(p, key, &why);
    }
}
