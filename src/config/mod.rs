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
use std::path::PathBuf;
use std::time::Duration;

pub use env::variable_names;
use env::{
    NOT_TEXT, RawEnv, choice, credential, flag, millis, ours, parse_or, parse_with,
    secret_credential, secret_set, set,
};

use secrecy::{ExposeSecret, SecretString};

use crate::domain::CobrowseType;
use crate::genesys::GenesysSettings;
use crate::genesys::region::{self, Region};
use crate::inbound_auth::{AuthVars, InboundAuth};
use crate::orgs::file::{self as orgs_file, OrgDefaults, OrgSettings, Version};
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

/// What `serve` runs: one org from the environment, as always, or the orgs of
/// `COBROWSE_ORGS_FILE`.
#[derive(Debug)]
pub enum Deployment {
    OneOrg(Settings),
    ManyOrgs(ManyOrgs),
}

/// A deployment for many orgs: the file's orgs, and the settings every org shares.
#[derive(Debug)]
pub struct ManyOrgs {
    /// `COBROWSE_ORGS_FILE`, read again on SIGHUP and when it changes.
    pub file: PathBuf,
    pub orgs: Vec<OrgSettings>,
    /// The version of the file `orgs` were read from: the reload watch starts from it.
    pub version: Version,
    /// What an org of the file leaves unset, for the file read at start-up and every reload.
    pub defaults: OrgDefaults,
    pub listen: SocketAddr,
    pub tls: Option<TlsConfig>,
    pub client_timeout: Duration,
    pub max_in_flight: usize,
    pub error_mode: ErrorMode,
    pub log_format: LogFormat,
    pub reuse_window: Duration,
    pub redis_url: Option<SecretString>,
}

impl Deployment {
    /// Reads the process environment (and the orgs file when it names one).
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
        Settings::from_os_vars(vars)
    }
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
        one_org(Deployment::from_env())
    }

    /// Reads the given variables; tests use this so they never touch the process environment.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        one_org(Deployment::from_vars(vars))
    }

    fn from_os_vars(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<Deployment, ConfigError> {
        let mut problems = Vec::new();
        let vars: Vec<(String, String)> = vars
            .into_iter()
            .filter_map(|(name, value)| ours(&mut problems, name, value))
            .collect();
        let known = variable_names();
        // One problem per variable: an unknown name whatever its value, else a value that is
        // not text (which then counts as set, so it is not reported missing too).
        problems.extend(vars.iter().filter_map(|(name, value)| {
            if !known.contains(name) {
                Some(match RENAMED.iter().find(|(old, _)| old == name) {
                    Some((_, instead)) => format!("{name} is no longer read: {instead}"),
                    None => format!(
                        "{name} is not a setting of this service (see docs/configuration.md)"
                    ),
                })
            } else if value == NOT_TEXT {
                Some(format!(
                    "{name} is not UTF-8 text (its value is not shown): set it again as plain text"
                ))
            } else {
                None
            }
        }));
        let raw: RawEnv = envy::prefixed(PREFIX)
            .from_iter(vars)
            .map_err(|e| ConfigError {
                problems: vec![e.to_string()],
            })?;
        // Without the orgs file's name it is unknown which settings this deployment needs:
        // that one problem is the whole report.
        if raw.orgs_file.as_deref() == Some(NOT_TEXT) {
            return Err(ConfigError { problems });
        }
        let p = &mut problems;
        if let Some(file) = set(&raw.orgs_file) {
            return many_orgs(problems, &raw, PathBuf::from(file));
        }

        let genesys = genesys_settings(p, &raw);
        // Read even when AUTH_DISABLED is invalid, so that every credential problem is named
        // at once.
        let username = credential(p, "AUTH_USERNAME", &raw.auth_username);
        let password = secret_credential(p, "AUTH_PASSWORD", raw.auth_password.clone());
        let password_next =
            secret_credential(p, "AUTH_PASSWORD_NEXT", raw.auth_password_next.clone());
        let bearer_token = secret_credential(p, "AUTH_BEARER_TOKEN", raw.auth_bearer_token.clone());
        let bearer_token_next = secret_credential(
            p,
            "AUTH_BEARER_TOKEN_NEXT",
            raw.auth_bearer_token_next.clone(),
        );
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
        let g = globals(p, &raw);

        let settings = (|| {
            Some(Settings {
                listen: g.listen?,
                tls: g.tls?,
                genesys: genesys?,
                inbound_auth: inbound_auth?,
                client_timeout: g.client_timeout?,
                max_in_flight: g.max_in_flight?,
                default_cobrowse_type: g.default_cobrowse_type?,
                error_mode: g.error_mode?,
                log_format: g.log_format?,
                reuse_window: g.reuse_window?,
                redis_url: g.redis_url,
            })
        })();
        match settings {
            Some(settings) if problems.is_empty() => Ok(Deployment::OneOrg(settings)),
            _ => Err(ConfigError { problems }),
        }
    }
}

/// The single-org settings, or why there are none.
fn one_org(deployment: Result<Deployment, ConfigError>) -> Result<Settings, ConfigError> {
    match deployment? {
        Deployment::OneOrg(settings) => Ok(settings),
        Deployment::ManyOrgs(_) => Err(ConfigError {
            problems: vec![format!(
                "{PREFIX}ORGS_FILE is set: this needs the settings of one org (unset it to use {PREFIX}GENESYS_* and {PREFIX}AUTH_*)"
            )],
        }),
    }
}

/// `COBROWSE_ORGS_FILE`'s deployment: the file is the one source of each org's Genesys and
/// inbound settings, so a single-org variable beside it is refused, never silently ignored.
fn many_orgs(
    mut problems: Vec<String>,
    raw: &RawEnv,
    file: PathBuf,
) -> Result<Deployment, ConfigError> {
    let p = &mut problems;
    let secret = |value: &Option<SecretString>| secret_set(value.clone()).is_some();
    let one_org = [
        ("GENESYS_REGION", set(&raw.genesys_region).is_some()),
        ("GENESYS_API_URL", set(&raw.genesys_api_url).is_some()),
        ("GENESYS_LOGIN_URL", set(&raw.genesys_login_url).is_some()),
        ("GENESYS_CLIENT_ID", set(&raw.genesys_client_id).is_some()),
        ("GENESYS_CLIENT_SECRET", secret(&raw.genesys_client_secret)),
        ("AUTH_USERNAME", set(&raw.auth_username).is_some()),
        ("AUTH_PASSWORD", secret(&raw.auth_password)),
        ("AUTH_PASSWORD_NEXT", secret(&raw.auth_password_next)),
        ("AUTH_BEARER_TOKEN", secret(&raw.auth_bearer_token)),
        (
            "AUTH_BEARER_TOKEN_NEXT",
            secret(&raw.auth_bearer_token_next),
        ),
        ("AUTH_DISABLED", set(&raw.auth_disabled).is_some()),
    ];
    for (name, _) in one_org.iter().filter(|(_, is_set)| *is_set) {
        p.push(format!(
            "{PREFIX}{name} is set, but {PREFIX}ORGS_FILE names the orgs file, the one source of each org's Genesys and inbound settings: remove {PREFIX}{name} (or unset {PREFIX}ORGS_FILE)"
        ));
    }
    let (upstream_timeout, requests_per_minute, request_body, verify_agent) = call_settings(p, raw);
    let g = globals(p, raw);
    let defaults = (|| {
        Some(OrgDefaults {
            upstream_timeout: upstream_timeout?,
            requests_per_minute: requests_per_minute?,
            request_body: request_body?,
            verify_agent: verify_agent?,
            default_cobrowse_type: g.default_cobrowse_type?,
        })
    })();
    let orgs = defaults.as_ref().and_then(|defaults| {
        orgs_file::read(&file, defaults)
            .map_err(|file_problems| {
                p.extend(
                    file_problems
                        .into_iter()
                        .map(|why| format!("{PREFIX}ORGS_FILE: {why}")),
                )
            })
            .ok()
    });
    let deployment = (|| {
        let (orgs, version) = orgs?;
        Some(ManyOrgs {
            file,
            orgs,
            version,
            defaults: defaults?,
            listen: g.listen?,
            tls: g.tls?,
            client_timeout: g.client_timeout?,
            max_in_flight: g.max_in_flight?,
            error_mode: g.error_mode?,
            log_format: g.log_format?,
            reuse_window: g.reuse_window?,
            redis_url: g.redis_url,
        })
    })();
    match deployment {
        Some(many) if problems.is_empty() => Ok(Deployment::ManyOrgs(many)),
        _ => Err(ConfigError { problems }),
    }
}

/// The settings every org shares, read in one order whatever the deployment.
/// A field is `None` when its variable is invalid (a problem says why).
struct Globals {
    listen: Option<SocketAddr>,
    default_cobrowse_type: Option<CobrowseType>,
    error_mode: Option<ErrorMode>,
    log_format: Option<LogFormat>,
    max_in_flight: Option<usize>,
    client_timeout: Option<Duration>,
    reuse_window: Option<Duration>,
    redis_url: Option<SecretString>,
    tls: Option<Option<TlsConfig>>,
}

fn globals(p: &mut Vec<String>, raw: &RawEnv) -> Globals {
    let listen = parse_with(p, "LISTEN", &raw.listen, DEFAULT_LISTEN, |v| {
        v.parse::<SocketAddr>()
            .map_err(|_| "must be an address and port such as 0.0.0.0:8080".to_owned())
    });
    let default_cobrowse_type = parse_with(
        p,
        "DEFAULT_COBROWSE_TYPE",
        &raw.default_cobrowse_type,
        "view",
        |v| {
            CobrowseType::parse(v).map_err(|_| {
                "must be view or control: the cobrowseType of a start whose flow leaves it blank"
                    .to_owned()
            })
        },
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
    let redis_url = secret_set(raw.redis_url.clone()).filter(|url| {
        let url = url.expose_secret();
        url == NOT_TEXT
            || redis::check_url(url)
                .map_err(|why| p.push(format!("{PREFIX}REDIS_URL {why}")))
                .is_ok()
    });
    // A path that is not text was reported already; not reported again as missing.
    let tls = if [&raw.tls_cert, &raw.tls_key]
        .iter()
        .any(|path| path.as_deref() == Some(NOT_TEXT))
    {
        None
    } else {
        tls::load(set(&raw.tls_cert).as_deref(), set(&raw.tls_key).as_deref())
            .map_err(|e| p.extend(e.0))
            .ok()
    };

    Globals {
        listen,
        default_cobrowse_type,
        error_mode,
        log_format,
        max_in_flight,
        client_timeout,
        reuse_window,
        redis_url,
        tls,
    }
}

fn genesys_settings(problems: &mut Vec<String>, raw: &RawEnv) -> Option<GenesysSettings> {
    let region = set(&raw.genesys_region)
        .map(|_| parse_or::<Region>(problems, "GENESYS_REGION", &raw.genesys_region, ""));
    let url = |problems: &mut Vec<String>, name: &str, value: &Option<String>| {
        set(value).map(|_| parse_with(problems, name, value, "", region::base_url))
    };
    let api_url = url(problems, "GENESYS_API_URL", &raw.genesys_api_url);
    let login_url = url(problems, "GENESYS_LOGIN_URL", &raw.genesys_login_url);
    // Where Genesys is: the region (either URL, when set, replaces the region's), or both
    // URLs. `None` is unset; `Some(None)` is set but invalid, already reported.
    let (api_url, login_url) = match (region, api_url, login_url) {
        (Some(region), api, login) => (
            api.unwrap_or(region.map(Region::api_url)),
            login.unwrap_or(region.map(Region::login_url)),
        ),
        (None, Some(api), Some(login)) => (api, login),
        (None, None, None) => {
            problems.push(format!(
                "{PREFIX}GENESYS_REGION is missing: set it to the org's region, such as eu-west-1 (or its domain, mypurecloud.ie), or set both {PREFIX}GENESYS_API_URL and {PREFIX}GENESYS_LOGIN_URL"
            ));
            (None, None)
        }
        (None, api, login) => {
            let (given, missing) = if api.is_some() {
                ("API_URL", "LOGIN_URL")
            } else {
                ("LOGIN_URL", "API_URL")
            };
            problems.push(format!(
                "{PREFIX}GENESYS_{missing} is missing: {PREFIX}GENESYS_{given} is set without {PREFIX}GENESYS_REGION, so both URLs are needed (or set {PREFIX}GENESYS_REGION instead)"
            ));
            (api.flatten(), login.flatten())
        }
    };
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
    let (upstream_timeout, requests_per_minute, request_body, verify_agent) =
        call_settings(problems, raw);
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

/// How calls to Genesys are made: the budget, the rate limit, the start's body, and whether
/// a flow-given agent is checked. Per org in a many-org deployment, where these are defaults.
#[allow(clippy::type_complexity)]
fn call_settings(
    problems: &mut Vec<String>,
    raw: &RawEnv,
) -> (
    Option<Duration>,
    Option<Option<NonZeroU32>>,
    Option<crate::genesys::RequestBody>,
    Option<bool>,
) {
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
    (
        upstream_timeout,
        requests_per_minute,
        request_body,
        verify_agent,
    )
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod many_orgs_tests;
