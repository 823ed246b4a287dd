//! `COBROWSE_*` environment variables turned into typed [`Settings`], once, at start-up.
//!
//! Every variable is read as an optional string (`envy`) and then checked here, so that a
//! misconfigured deployment fails before binding with *one* message that names every missing
//! or invalid variable, instead of one per restart. Empty values count as unset (Kubernetes
//! and compose files often set a variable to `""`), and unknown `COBROWSE_*` names are refused
//! so a typo is never silently ignored.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::domain::CobrowseType;
use crate::genesys::region;
use crate::tls::{self, TlsConfig};

/// The prefix of every variable this service reads.
pub const PREFIX: &str = "COBROWSE_";

/// `COBROWSE_LISTEN`'s default, which `healthcheck` and the deploy files share.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

/// Everything the service needs to run.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Serve HTTPS directly when set (`COBROWSE_TLS_CERT`/`COBROWSE_TLS_KEY`).
    pub tls: Option<TlsConfig>,
    pub genesys: GenesysSettings,
    pub inbound_auth: InboundAuth,
    /// Total time for one call to Genesys, retries and token renewal included.
    pub upstream_timeout: Duration,
    /// How long a client may take to send its request head and body.
    pub client_timeout: Duration,
    /// Calls served at once; more are answered `OVERLOADED` at once.
    pub max_in_flight: usize,
    /// Genesys API requests per second this instance sends at most; `None` is no limit.
    pub genesys_max_rps: Option<NonZeroU32>,
    pub default_cobrowse_type: CobrowseType,
    pub request_body: RequestBody,
    /// Check a flow-given agent is connected to the conversation before starting.
    pub verify_agent: bool,
    pub error_mode: ErrorMode,
    pub log_format: LogFormat,
}

/// Where Genesys is and how to authenticate to it.
#[derive(Debug)]
pub struct GenesysSettings {
    /// Base URL of the Platform API, no trailing slash (`https://api.mypurecloud.ie`).
    pub api_url: String,
    /// Base URL of the login service, no trailing slash (`https://login.mypurecloud.ie`).
    pub login_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

/// The credentials the data action integration may present: any one of them is accepted, so
/// a secret can be rotated without downtime (see the README).
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

/// Which body the cobrowse request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestBody {
    /// `{"agentId": ..., "cobrowseType": ...}`; `agentId` is then required.
    AgentPayload,
    /// No body, as the published SDK declares the operation.
    Empty,
}

/// How failures reach the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorMode {
    /// HTTP 200 with `success: false`: the only way a call flow learns why.
    Inline,
    /// The same body with a fitting non-2xx status.
    Status,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Every problem found in the environment, reported together.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the configuration is not usable; fix these and start again:"
        )?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The raw variables, prefix stripped. Secrets go straight into `SecretString`.
#[derive(Deserialize)]
struct RawEnv {
    listen: Option<String>,
    genesys_region: Option<String>,
    genesys_api_url: Option<String>,
    genesys_login_url: Option<String>,
    genesys_client_id: Option<String>,
    genesys_client_secret: Option<SecretString>,
    auth_username: Option<String>,
    auth_password: Option<SecretString>,
    auth_password_next: Option<SecretString>,
    auth_bearer_token: Option<SecretString>,
    auth_bearer_token_next: Option<SecretString>,
    auth_disabled: Option<String>,
    upstream_timeout_ms: Option<String>,
    default_cobrowse_type: Option<String>,
    request_body: Option<String>,
    verify_agent: Option<String>,
    error_mode: Option<String>,
    log_format: Option<String>,
    max_in_flight: Option<String>,
    genesys_max_rps: Option<String>,
    client_timeout_ms: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    /// Whatever else carries the prefix: a typo, reported rather than ignored.
    #[serde(flatten)]
    unknown: BTreeMap<String, String>,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Reads the given variables; tests use this so they never touch the process environment.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let raw: RawEnv = envy::prefixed(PREFIX)
            .from_iter(vars)
            .map_err(|e| ConfigError {
                problems: vec![e.to_string()],
            })?;
        let mut problems = Vec::new();
        for name in raw.unknown.keys() {
            problems.push(format!(
                "{PREFIX}{} is not a setting of this service (see the README's configuration table)",
                name.to_uppercase()
            ));
        }

        let genesys = genesys_settings(&mut problems, &raw);
        let inbound_auth = inbound_auth(&mut problems, &raw);
        let listen = parse_or(&mut problems, "LISTEN", raw.listen, DEFAULT_LISTEN, |v| {
            v.parse::<SocketAddr>()
                .map_err(|_| "must be an address and port such as 0.0.0.0:8080".to_owned())
        });
        let upstream_timeout = parse_or(
            &mut problems,
            "UPSTREAM_TIMEOUT_MS",
            raw.upstream_timeout_ms,
            "10000",
            |v| {
                match v.parse::<u64>() {
                Ok(ms @ 100..=60_000) => Ok(Duration::from_millis(ms)),
                _ => Err("must be a whole number of milliseconds from 100 to 60000 (a data action times out after at most 60 s)".to_owned()),
            }
            },
        );
        let default_cobrowse_type = parse_or(
            &mut problems,
            "DEFAULT_COBROWSE_TYPE",
            raw.default_cobrowse_type,
            "view",
            |v| {
                choose(
                    v,
                    &[
                        ("view", CobrowseType::View),
                        ("control", CobrowseType::Control),
                    ],
                )
            },
        );
        let request_body = parse_or(
            &mut problems,
            "REQUEST_BODY",
            raw.request_body,
            "agent-payload",
            |v| {
                choose(
                    v,
                    &[
                        ("agent-payload", RequestBody::AgentPayload),
                        ("empty", RequestBody::Empty),
                    ],
                )
            },
        );
        let verify_agent = parse_or(
            &mut problems,
            "VERIFY_AGENT",
            raw.verify_agent,
            "false",
            |v| choose(v, &[("true", true), ("false", false)]),
        );
        let error_mode = parse_or(&mut problems, "ERROR_MODE", raw.error_mode, "inline", |v| {
            choose(
                v,
                &[("inline", ErrorMode::Inline), ("status", ErrorMode::Status)],
            )
        });
        let log_format = parse_or(&mut problems, "LOG_FORMAT", raw.log_format, "json", |v| {
            choose(
                v,
                &[("json", LogFormat::Json), ("pretty", LogFormat::Pretty)],
            )
        });

        let max_in_flight = parse_or(
            &mut problems,
            "MAX_IN_FLIGHT",
            raw.max_in_flight,
            "100",
            |v| match v.parse::<usize>() {
                Ok(n @ 1..=100_000) => Ok(n),
                _ => Err("must be a whole number from 1 to 100000".to_owned()),
            },
        );
        let genesys_max_rps = parse_or(
            &mut problems,
            "GENESYS_MAX_RPS",
            raw.genesys_max_rps,
            "5",
            |v| {
                v.parse::<u32>().map(NonZeroU32::new).map_err(|_| {
                    "must be a whole number of requests per second (0 turns the limit off)"
                        .to_owned()
                })
            },
        );
        let client_timeout = parse_or(
            &mut problems,
            "CLIENT_TIMEOUT_MS",
            raw.client_timeout_ms,
            "5000",
            |v| match v.parse::<u64>() {
                Ok(ms @ 100..=60_000) => Ok(Duration::from_millis(ms)),
                _ => Err("must be a whole number of milliseconds from 100 to 60000".to_owned()),
            },
        );
        let tls = tls::from_files(
            &mut problems,
            set(raw.tls_cert.clone()),
            set(raw.tls_key.clone()),
        );

        let settings = (|| {
            Some(Settings {
                listen: listen?,
                tls: tls?,
                genesys: genesys?,
                inbound_auth: inbound_auth?,
                upstream_timeout: upstream_timeout?,
                client_timeout: client_timeout?,
                max_in_flight: max_in_flight?,
                genesys_max_rps: genesys_max_rps?,
                default_cobrowse_type: default_cobrowse_type?,
                request_body: request_body?,
                verify_agent: verify_agent?,
                error_mode: error_mode?,
                log_format: log_format?,
            })
        })();
        match settings {
            Some(settings) if problems.is_empty() => Ok(settings),
            _ => Err(ConfigError { problems }),
        }
    }
}

/// A set value: trimmed, and `None` when empty.
fn set(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn secret_set(value: Option<SecretString>) -> Option<SecretString> {
    use secrecy::ExposeSecret;
    value.filter(|v| !v.expose_secret().trim().is_empty())
}

/// Parses a variable, or its default when unset; a bad value becomes a problem naming it.
fn parse_or<T>(
    problems: &mut Vec<String>,
    name: &str,
    value: Option<String>,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    let value = set(value).unwrap_or_else(|| default.to_owned());
    parse(&value)
        .map_err(|why| problems.push(format!("{PREFIX}{name}={value:?} {why}")))
        .ok()
}

/// One of a fixed set of words, case-insensitive.
fn choose<T: Copy>(value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    choices
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(value))
        .map(|(_, choice)| *choice)
        .ok_or_else(|| {
            let words: Vec<_> = choices.iter().map(|(w, _)| *w).collect();
            format!("must be one of: {}", words.join(", "))
        })
}

fn genesys_settings(problems: &mut Vec<String>, raw: &RawEnv) -> Option<GenesysSettings> {
    let region = set(raw.genesys_region.clone());
    let domain = region.as_deref().map(region::domain_of);
    if let (Some(region), Some(None)) = (&region, domain) {
        let names: Vec<_> = region::REGIONS.iter().map(|(n, _)| *n).collect();
        problems.push(format!(
            "{PREFIX}GENESYS_REGION={region:?} is not a Genesys Cloud region; use a region name ({}) or its domain such as mypurecloud.ie",
            names.join(", ")
        ));
    }
    // An unknown region is already reported: do not also report the URLs as missing.
    let domain = domain.map(|d| d.unwrap_or("invalid.region"));
    let api_url = base_url(
        problems,
        "GENESYS_API_URL",
        raw.genesys_api_url.clone(),
        domain.map(|d| format!("https://api.{d}")),
    );
    let login_url = base_url(
        problems,
        "GENESYS_LOGIN_URL",
        raw.genesys_login_url.clone(),
        domain.map(|d| format!("https://login.{d}")),
    );
    let client_id = set(raw.genesys_client_id.clone());
    if client_id.is_none() {
        problems.push(format!(
            "{PREFIX}GENESYS_CLIENT_ID is missing: the id of a Genesys OAuth client with the Client Credentials grant"
        ));
    }
    let client_secret = secret_set(raw.genesys_client_secret.clone());
    if client_secret.is_none() {
        problems.push(format!(
            "{PREFIX}GENESYS_CLIENT_SECRET is missing: the secret of that OAuth client"
        ));
    }
    Some(GenesysSettings {
        api_url: api_url?,
        login_url: login_url?,
        client_id: client_id?,
        client_secret: client_secret?,
    })
}

/// An override URL, or the region's; a problem when neither is there.
fn base_url(
    problems: &mut Vec<String>,
    name: &str,
    value: Option<String>,
    from_region: Option<String>,
) -> Option<String> {
    let Some(value) = set(value) else {
        if from_region.is_none() {
            problems.push(format!(
                "{PREFIX}{name} is missing: set {PREFIX}GENESYS_REGION (e.g. eu-west-1 or mypurecloud.ie) or {PREFIX}{name}"
            ));
        }
        return from_region;
    };
    match Url::parse(&value) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.query().is_none()
                && url.fragment().is_none()
                && url.username().is_empty()
                && url.password().is_none() =>
        {
            Some(value.trim_end_matches('/').to_owned())
        }
        _ => {
            // A URL with `user:password@` in it is refused, and its password not repeated.
            let shown = if value.contains('@') {
                String::new()
            } else {
                format!("={value:?}")
            };
            problems.push(format!(
                "{PREFIX}{name}{shown} must be an http(s) URL with a host and no query, fragment or credentials, such as https://api.mypurecloud.ie"
            ));
            None
        }
    }
}

fn inbound_auth(problems: &mut Vec<String>, raw: &RawEnv) -> Option<InboundAuth> {
    let disabled = parse_or(
        problems,
        "AUTH_DISABLED",
        raw.auth_disabled.clone(),
        "false",
        |v| choose(v, &[("true", true), ("false", false)]),
    )?;
    let username = set(raw.auth_username.clone());
    let passwords = secrets(
        problems,
        "AUTH_PASSWORD",
        &raw.auth_password,
        &raw.auth_password_next,
    );
    let bearer_tokens = secrets(
        problems,
        "AUTH_BEARER_TOKEN",
        &raw.auth_bearer_token,
        &raw.auth_bearer_token_next,
    );
    let basic = match (username, passwords.is_empty()) {
        (Some(username), false) => Some(BasicAuth {
            username,
            passwords,
        }),
        (None, true) => None,
        (Some(_), true) => {
            problems.push(format!("{PREFIX}AUTH_PASSWORD is missing: {PREFIX}AUTH_USERNAME is set, and both are needed"));
            return None;
        }
        (None, false) => {
            problems.push(format!("{PREFIX}AUTH_USERNAME is missing: {PREFIX}AUTH_PASSWORD is set, and both are needed"));
            return None;
        }
    };
    match (basic, bearer_tokens.is_empty(), disabled) {
        (None, true, true) => Some(InboundAuth::Disabled),
        (None, true, false) => {
            problems.push(format!(
                "{PREFIX}AUTH_USERNAME and {PREFIX}AUTH_PASSWORD are missing: the Basic credential the data action integration sends (or {PREFIX}AUTH_BEARER_TOKEN for a User Defined credential, or {PREFIX}AUTH_DISABLED=true to run without inbound authentication, never on the internet)"
            ));
            None
        }
        (_, _, true) => {
            problems.push(format!(
                "{PREFIX}AUTH_DISABLED=true contradicts the inbound credentials that are set: remove one or the other"
            ));
            None
        }
        (basic, _, false) => Some(InboundAuth::Required {
            basic,
            bearer_tokens,
        }),
    }
}

/// A secret and its rotation successor (`..._NEXT`), both accepted while a rotation is under way.
fn secrets(
    problems: &mut Vec<String>,
    name: &str,
    current: &Option<SecretString>,
    next: &Option<SecretString>,
) -> Vec<SecretString> {
    match (secret_set(current.clone()), secret_set(next.clone())) {
        (Some(current), Some(next)) => vec![current, next],
        (Some(current), None) => vec![current],
        (None, Some(_)) => {
            problems.push(format!(
                "{PREFIX}{name}_NEXT is set without {PREFIX}{name}: _NEXT only adds a second accepted value during a rotation"
            ));
            Vec::new()
        }
        (None, None) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), (*v).to_owned()))
            .collect()
    }

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![
            ("GENESYS_REGION", "eu-west-1"),
            ("GENESYS_CLIENT_ID", "client"),
            ("GENESYS_CLIENT_SECRET", "s3cret"),
            ("AUTH_USERNAME", "genesys"),
            ("AUTH_PASSWORD", "hunter2"),
        ]
    }

    #[test]
    fn defaults_fill_everything_else() {
        let s = Settings::from_vars(vars(&minimal())).unwrap();
        assert_eq!(s.listen, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(s.genesys.api_url, "https://api.mypurecloud.ie");
        assert_eq!(s.genesys.login_url, "https://login.mypurecloud.ie");
        assert_eq!(s.upstream_timeout, Duration::from_secs(10));
        assert_eq!(s.default_cobrowse_type, CobrowseType::View);
        assert_eq!(s.request_body, RequestBody::AgentPayload);
        assert!(!s.verify_agent);
        assert_eq!(s.error_mode, ErrorMode::Inline);
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.genesys.client_secret.expose_secret(), "s3cret");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let err = Settings::from_vars(vars(&[
            ("GENESYS_REGION", "mars-1"),
            ("UPSTREAM_TIMEOUT_MS", "ten"),
            ("ERROR_MODE", "loud"),
            ("LISTEN_PORT", "80"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for name in [
            "GENESYS_REGION",
            "GENESYS_CLIENT_ID",
            "GENESYS_CLIENT_SECRET",
            "AUTH_USERNAME",
            "UPSTREAM_TIMEOUT_MS",
            "ERROR_MODE",
            "COBROWSE_LISTEN_PORT",
        ] {
            assert!(text.contains(name), "{name} not in:\n{text}");
        }
    }

    #[test]
    fn overrides_replace_the_region_and_lose_trailing_slashes() {
        let mut pairs = minimal();
        pairs.retain(|(k, _)| *k != "GENESYS_REGION");
        pairs.push(("GENESYS_API_URL", "http://127.0.0.1:9999/"));
        pairs.push(("GENESYS_LOGIN_URL", "http://127.0.0.1:9998"));
        let s = Settings::from_vars(vars(&pairs)).unwrap();
        assert_eq!(s.genesys.api_url, "http://127.0.0.1:9999");
        assert_eq!(s.genesys.login_url, "http://127.0.0.1:9998");
    }

    #[test]
    fn a_base_url_with_a_query_fragment_or_credentials_is_refused() {
        for url in [
            "https://api.example.com/?org=1",
            "https://api.example.com/#eu",
            "https://user:s3cret@api.example.com",
            "ftp://api.example.com",
        ] {
            let mut pairs = minimal();
            pairs.push(("GENESYS_API_URL", url));
            let err = Settings::from_vars(vars(&pairs)).unwrap_err().to_string();
            assert!(
                err.contains("GENESYS_API_URL")
                    && err.contains("no query, fragment or credentials"),
                "{url}: {err}"
            );
            assert!(
                !err.contains("s3cret"),
                "a password in the URL is repeated: {err}"
            );
        }
    }

    #[test]
    fn inbound_auth_is_required_unless_disabled_explicitly() {
        let mut pairs = minimal();
        pairs.retain(|(k, _)| !k.starts_with("AUTH_"));
        let err = Settings::from_vars(vars(&pairs)).unwrap_err();
        assert!(err.to_string().contains("AUTH_DISABLED=true"), "{err}");
        pairs.push(("AUTH_DISABLED", "true"));
        let s = Settings::from_vars(vars(&pairs)).unwrap();
        assert!(matches!(s.inbound_auth, InboundAuth::Disabled));
    }

    #[test]
    fn a_bearer_token_alone_is_enough_and_next_values_need_a_current_one() {
        let mut pairs = minimal();
        pairs.retain(|(k, _)| !k.starts_with("AUTH_"));
        pairs.push(("AUTH_BEARER_TOKEN", "t1"));
        pairs.push(("AUTH_BEARER_TOKEN_NEXT", "t2"));
        let s = Settings::from_vars(vars(&pairs)).unwrap();
        match s.inbound_auth {
            InboundAuth::Required {
                basic: None,
                bearer_tokens,
            } => assert_eq!(bearer_tokens.len(), 2),
            other => panic!("{other:?}"),
        }
        let mut pairs = minimal();
        pairs.push(("AUTH_BEARER_TOKEN_NEXT", "t2"));
        let err = Settings::from_vars(vars(&pairs)).unwrap_err();
        assert!(
            err.to_string()
                .contains("AUTH_BEARER_TOKEN_NEXT is set without"),
            "{err}"
        );
    }

    #[test]
    fn limits_have_sane_defaults_and_zero_turns_the_rate_limit_off() {
        let s = Settings::from_vars(vars(&minimal())).unwrap();
        assert_eq!(s.max_in_flight, 100);
        assert_eq!(s.genesys_max_rps, NonZeroU32::new(5));
        assert_eq!(s.client_timeout, Duration::from_secs(5));
        assert!(s.tls.is_none());
        let mut pairs = minimal();
        pairs.push(("GENESYS_MAX_RPS", "0"));
        pairs.push(("MAX_IN_FLIGHT", "0"));
        let err = Settings::from_vars(vars(&pairs)).unwrap_err().to_string();
        assert!(
            err.contains("MAX_IN_FLIGHT") && !err.contains("GENESYS_MAX_RPS"),
            "{err}"
        );
    }

    #[test]
    fn empty_values_count_as_unset() {
        let mut pairs = minimal();
        pairs.push(("ERROR_MODE", ""));
        pairs.push(("GENESYS_API_URL", " "));
        let s = Settings::from_vars(vars(&pairs)).unwrap();
        assert_eq!(s.error_mode, ErrorMode::Inline);
        assert_eq!(s.genesys.api_url, "https://api.mypurecloud.ie");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = Settings::from_vars(vars(&minimal())).unwrap();
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("hunter2"),
            "{debug}"
        );
    }

    #[test]
    fn error_messages_never_echo_secrets() {
        let mut pairs = minimal();
        pairs.retain(|(k, _)| *k != "AUTH_USERNAME");
        let err = Settings::from_vars(vars(&pairs)).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
