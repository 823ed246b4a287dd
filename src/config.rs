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
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::domain::CobrowseType;
use crate::genesys::region;

/// The prefix of every variable this service reads.
pub const PREFIX: &str = "COBROWSE_";

/// Everything the service needs to run.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub genesys: GenesysSettings,
    pub inbound_auth: InboundAuth,
    /// Total time for one call to Genesys, retries and token renewal included.
    pub upstream_timeout: Duration,
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

/// The credential the data action integration must present.
#[derive(Debug)]
pub enum InboundAuth {
    Basic {
        username: String,
        password: SecretString,
    },
    /// Only with `COBROWSE_AUTH_DISABLED=true`; logged as a warning at start-up.
    Disabled,
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
    auth_disabled: Option<String>,
    upstream_timeout_ms: Option<String>,
    default_cobrowse_type: Option<String>,
    request_body: Option<String>,
    verify_agent: Option<String>,
    error_mode: Option<String>,
    log_format: Option<String>,
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
        let listen = parse_or(&mut problems, "LISTEN", raw.listen, "0.0.0.0:8080", |v| {
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

        match (
            listen,
            genesys,
            inbound_auth,
            upstream_timeout,
            default_cobrowse_type,
            request_body,
            verify_agent,
            error_mode,
            log_format,
        ) {
            (
                Some(listen),
                Some(genesys),
                Some(inbound_auth),
                Some(upstream_timeout),
                Some(default_cobrowse_type),
                Some(request_body),
                Some(verify_agent),
                Some(error_mode),
                Some(log_format),
            ) if problems.is_empty() => Ok(Settings {
                listen,
                genesys,
                inbound_auth,
                upstream_timeout,
                default_cobrowse_type,
                request_body,
                verify_agent,
                error_mode,
                log_format,
            }),
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
                && url.username().is_empty()
                && url.password().is_none() =>
        {
            Some(value.trim_end_matches('/').to_owned())
        }
        _ => {
            problems.push(format!(
                "{PREFIX}{name}={value:?} must be an http(s) URL with a host and no query or credentials, such as https://api.mypurecloud.ie"
            ));
            None
        }
    }
}

fn inbound_auth(problems: &mut Vec<String>, raw: &RawEnv) -> Option<InboundAuth> {
    let disabled = match set(raw.auth_disabled.clone()) {
        None => false,
        Some(v) => match choose(&v, &[("true", true), ("false", false)]) {
            Ok(flag) => flag,
            Err(why) => {
                problems.push(format!("{PREFIX}AUTH_DISABLED={v:?} {why}"));
                return None;
            }
        },
    };
    let username = set(raw.auth_username.clone());
    let password = secret_set(raw.auth_password.clone());
    match (username, password, disabled) {
        (Some(username), Some(password), false) => Some(InboundAuth::Basic { username, password }),
        (None, None, true) => Some(InboundAuth::Disabled),
        (None, None, false) => {
            problems.push(format!(
                "{PREFIX}AUTH_USERNAME and {PREFIX}AUTH_PASSWORD are missing: the Basic credential the data action integration sends (or {PREFIX}AUTH_DISABLED=true to run without inbound authentication, never on the internet)"
            ));
            None
        }
        (Some(_), None, false) => {
            problems.push(format!("{PREFIX}AUTH_PASSWORD is missing: {PREFIX}AUTH_USERNAME is set, and both are needed"));
            None
        }
        (None, Some(_), false) => {
            problems.push(format!("{PREFIX}AUTH_USERNAME is missing: {PREFIX}AUTH_PASSWORD is set, and both are needed"));
            None
        }
        (_, _, true) => {
            problems.push(format!(
                "{PREFIX}AUTH_DISABLED=true contradicts the credential in {PREFIX}AUTH_USERNAME/{PREFIX}AUTH_PASSWORD: remove one or the other"
            ));
            None
        }
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
