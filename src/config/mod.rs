//! `COBROWSE_*` environment variables turned into typed [`Settings`], once, at start-up.
//!
//! Every variable is read as an optional string (`envy`) and then parsed by its type's own
//! `FromStr` (or a range rule here), so that a misconfigured deployment fails before binding
//! with *one* message that names every missing or invalid variable, instead of one per
//! restart. Empty values count as unset (Kubernetes and compose files often set a variable to
//! `""`), and unknown `COBROWSE_*` names are refused so a typo is never silently ignored. Other
//! variables are never looked at, whatever they hold; one of ours that is not UTF-8 text is a
//! problem that names it and never shows its value.
//! The rules of a group of settings live with the code that uses them: inbound credentials in
//! `inbound_auth`, regions and base URLs in `genesys::region`, certificates in `tls`.

mod env;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

pub use env::variable_names;
use env::{
    RawEnv, choice, credential, flag, millis, ours, parse_or, parse_with, secret_credential,
    secret_set, set,
};

use secrecy::{ExposeSecret, SecretString};

use crate::domain::CobrowseType;
use crate::genesys::GenesysSettings;
use crate::genesys::region::{self, Region};
use crate::inbound_auth::{AuthVars, InboundAuth};
use crate::outcome::ErrorMode;
use crate::reuse::redis;
use crate::telemetry::LogFormat;
use crate::tls::{self, TlsConfig};

/// The prefix of every variable this service reads.
pub const PREFIX: &str = "COBROWSE_";

/// `COBROWSE_LISTEN`'s default, which `healthcheck` and the deploy files share.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

/// Settings an earlier version read, and what to set instead: refused, never ignored.
const RENAMED: [(&str, &str); 1] = [(
    "COBROWSE_GENESYS_MAX_RPS",
    "use COBROWSE_GENESYS_REQUESTS_PER_MINUTE (Genesys limits a token per minute, not per second; default 300, 0 turns it off)",
)];

/// Everything the service needs to run.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Serve HTTPS directly when set (`COBROWSE_TLS_CERT`/`COBROWSE_TLS_KEY`).
    pub tls: Option<TlsConfig>,
    pub genesys: GenesysSettings,
    pub inbound_auth: InboundAuth,
    /// How long a client may take to send its request head and body.
    pub client_timeout: Duration,
    /// Calls served at once; more are answered `OVERLOADED` at once.
    pub max_in_flight: usize,
    pub default_cobrowse_type: CobrowseType,
    pub error_mode: ErrorMode,
    pub log_format: LogFormat,
    /// How long a started session is handed out again to the same start; zero turns it off.
    pub reuse_window: Duration,
    /// The shared reuse store (`redis://` or `rediss://`, checked); `None`: this process's memory.
    pub redis_url: Option<SecretString>,
}

/// Every problem found in the environment, reported together.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the configuration is not usable; fix these and start again:\n{}",
    problems.iter().map(|p| format!("  - {p}\n")).collect::<String>()
)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl Settings {
    /// Reads the process environment. Its other variables may hold anything, text or not: only
    /// the `COBROWSE_*` ones are looked at.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_os_vars(std::env::vars_os())
    }

    /// Reads the given variables; tests use this so they never touch the process environment.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        Self::from_os_vars(
            vars.into_iter()
                .map(|(name, value)| (OsString::from(name), OsString::from(value))),
        )
    }

    fn from_os_vars(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let vars: Vec<(String, String)> = vars
            .into_iter()
            .filter_map(|(name, value)| ours(&mut problems, name, value))
            .collect();
        let known = variable_names();
        problems.extend(
            vars.iter()
                .filter(|(name, _)| !known.contains(name))
                .map(
                    |(name, _)| match RENAMED.iter().find(|(old, _)| old == name) {
                        Some((_, instead)) => format!("{name} is no longer read: {instead}"),
                        None => format!(
                            "{name} is not a setting of this service (see docs/configuration.md)"
                        ),
                    },
                ),
        );
        let raw: RawEnv = envy::prefixed(PREFIX)
            .from_iter(vars)
            .map_err(|e| ConfigError {
                problems: vec![e.to_string()],
            })?;
        let p = &mut problems;

        let genesys = genesys_settings(p, &raw);
        // Read even when AUTH_DISABLED is invalid, so that every credential problem is named
        // at once.
        let username = credential(p, "AUTH_USERNAME", &raw.auth_username);
        let password = secret_credential(p, "AUTH_PASSWORD", raw.auth_password);
        let password_next = secret_credential(p, "AUTH_PASSWORD_NEXT", raw.auth_password_next);
        let bearer_token = secret_credential(p, "AUTH_BEARER_TOKEN", raw.auth_bearer_token);
        let bearer_token_next =
            secret_credential(p, "AUTH_BEARER_TOKEN_NEXT", raw.auth_bearer_token_next);
        let disabled = parse_with(p, "AUTH_DISABLED", &raw.auth_disabled, "false", flag);
        let inbound_auth = disabled.and_then(|disabled| {
            InboundAuth::from_vars(
                p,
                AuthVars {
                    username,
                    password,
                    password_next,
                    bearer_token,
                    bearer_token_next,
                    disabled,
                },
            )
        });
        let listen = parse_with(p, "LISTEN", &raw.listen, DEFAULT_LISTEN, |v| {
            v.parse::<SocketAddr>()
                .map_err(|_| "must be an address and port such as 0.0.0.0:8080".to_owned())
        });
        let default_cobrowse_type = parse_or(
            p,
            "DEFAULT_COBROWSE_TYPE",
            &raw.default_cobrowse_type,
            "view",
        );
        let error_mode = parse_with(p, "ERROR_MODE", &raw.error_mode, "inline", choice);
        let log_format = parse_with(p, "LOG_FORMAT", &raw.log_format, "json", choice);
        let max_in_flight = parse_with(p, "MAX_IN_FLIGHT", &raw.max_in_flight, "100", |v| {
            match v.parse::<usize>() {
                Ok(n @ 1..=100_000) => Ok(n),
                _ => Err("must be a whole number from 1 to 100000".to_owned()),
            }
        });
        let client_timeout = parse_with(
            p,
            "CLIENT_TIMEOUT_MS",
            &raw.client_timeout_ms,
            "5000",
            millis(100..=60_000, ""),
        );
        let reuse_window = parse_with(
            p,
            "REUSE_WINDOW_MS",
            &raw.reuse_window_ms,
            "30000",
            millis(0..=600_000, " (0 turns reuse off)"),
        );
        let redis_url = secret_set(raw.redis_url).filter(|url| {
            redis::check_url(url.expose_secret())
                .map_err(|why| p.push(format!("{PREFIX}REDIS_URL {why}")))
                .is_ok()
        });
        let tls = tls::load(set(&raw.tls_cert).as_deref(), set(&raw.tls_key).as_deref())
            .map_err(|e| p.extend(e.0))
            .ok();

        let settings = (|| {
            Some(Settings {
                listen: listen?,
                tls: tls?,
                genesys: genesys?,
                inbound_auth: inbound_auth?,
                client_timeout: client_timeout?,
                max_in_flight: max_in_flight?,
                default_cobrowse_type: default_cobrowse_type?,
                error_mode: error_mode?,
                log_format: log_format?,
                reuse_window: reuse_window?,
                redis_url,
            })
        })();
        match settings {
            Some(settings) if problems.is_empty() => Ok(settings),
            _ => Err(ConfigError { problems }),
        }
    }
}

fn genesys_settings(problems: &mut Vec<String>, raw: &RawEnv) -> Option<GenesysSettings> {
    let region = set(&raw.genesys_region)
        .map(|_| parse_or::<Region>(problems, "GENESYS_REGION", &raw.genesys_region, ""));
    let api_url = base_url(
        problems,
        "GENESYS_API_URL",
        &raw.genesys_api_url,
        &region,
        Region::api_url,
    );
    let login_url = base_url(
        problems,
        "GENESYS_LOGIN_URL",
        &raw.genesys_login_url,
        &region,
        Region::login_url,
    );
    let client_id = credential(problems, "GENESYS_CLIENT_ID", &raw.genesys_client_id);
    if client_id.is_none() {
        problems.push(format!(
            "{PREFIX}GENESYS_CLIENT_ID is missing: the id of a Genesys OAuth client with the Client Credentials grant"
        ));
    }
    let client_secret = secret_credential(
        problems,
        "GENESYS_CLIENT_SECRET",
        raw.genesys_client_secret.clone(),
    );
    if client_secret.is_none() {
        problems.push(format!(
            "{PREFIX}GENESYS_CLIENT_SECRET is missing: the secret of that OAuth client"
        ));
    }
    let upstream_timeout = parse_with(
        problems,
        "UPSTREAM_TIMEOUT_MS",
        &raw.upstream_timeout_ms,
        "10000",
        millis(
            100..=60_000,
            " (a data action times out after at most 60 s)",
        ),
    );
    let requests_per_minute = parse_with(
        problems,
        "GENESYS_REQUESTS_PER_MINUTE",
        &raw.genesys_requests_per_minute,
        "300",
        |v| {
            match v.parse::<u32>() {
            Ok(n @ 0..=100_000) => Ok(NonZeroU32::new(n)),
            _ => Err(
                "must be a whole number of requests in any 60 s, up to 100000 (0 turns the limit off)"
                    .to_owned(),
            ),
        }
        },
    );
    let request_body = parse_with(problems, "REQUEST_BODY", &raw.request_body, "auto", choice);
    let verify_agent = parse_with(problems, "VERIFY_AGENT", &raw.verify_agent, "false", flag);
    Some(GenesysSettings {
        api_url: api_url?,
        login_url: login_url?,
        client_id: client_id?,
        client_secret: client_secret?,
        upstream_timeout: upstream_timeout?,
        requests_per_minute: requests_per_minute?,
        request_body: request_body?,
        verify_agent: verify_agent?,
    })
}

/// An override URL, or the region's; a problem when neither is there. `region` is `None`
/// when unset and `Some(None)` when invalid (already reported).
fn base_url(
    problems: &mut Vec<String>,
    name: &str,
    value: &Option<String>,
    region: &Option<Option<Region>>,
    of_region: fn(Region) -> String,
) -> Option<String> {
    if set(value).is_some() {
        return parse_with(problems, name, value, "", region::base_url);
    }
    match region {
        Some(region) => region.map(of_region),
        None => {
            problems.push(format!(
                "{PREFIX}{name} is missing: set {PREFIX}GENESYS_REGION (e.g. eu-west-1 or mypurecloud.ie) or {PREFIX}{name}"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests;
