//! `COBROWSE_*` environment variables (and `COBROWSE_ORGS_FILE` when set) turned into one
//! typed [`Deployment`], once, at start-up: the settings the server shares, and the orgs it
//! serves. Without an orgs file the environment's org is a set of one, with no name.
//!
//! Every variable is read as an optional string (`envy`) and then parsed by its type's own
//! `FromStr` (or a range rule here), so that a misconfigured deployment fails before binding
//! with *one* message that names every missing or invalid variable, instead of one per
//! restart. Empty values count as unset (Kubernetes and compose files often set a variable to
//! `""`), and unknown `COBROWSE_*` names are refused so a typo is never silently ignored. Other
//! variables are never looked at, whatever they hold, but for the `AWS_*` ones a secret read
//! from AWS is read with; one of ours that is not UTF-8 text is a problem that names it and
//! never shows its value.
//!
//! `env` reads the variables; `from_aws` the secret ones whose `_FROM` says where in AWS they
//! are kept; `shared` the settings every org shares; `org` an org's settings,
//! by one set of rules over either source (the environment, or an org's table that
//! `orgs_file` reads); region names and base URLs are `genesys::region`'s, certificates
//! `tls`'s.

mod env;
mod from_aws;
pub mod org;
pub mod orgs_file;
mod parse;
mod shared;

use std::ffi::OsString;
use std::path::PathBuf;

use crate::aws::AwsEnv;

pub use crate::watched_file::Version;
pub use env::variable_names;
use env::{NOT_TEXT, RawEnv, ours, parse_with, set};
pub use org::{GenesysAccess, OrgDefaults, OrgKey, OrgSettings, WithoutCredential};
use parse::flag;
pub use shared::SharedSettings;

pub use crate::org_keys::PREFIX;

/// `COBROWSE_LISTEN`'s default, which `healthcheck` and the deploy files share.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

/// `COBROWSE_LISTEN`'s default with `COBROWSE_LAMBDA=true`: where the AWS Lambda Web Adapter
/// calls when told nothing (`AWS_LWA_HOST` 127.0.0.1, `AWS_LWA_PORT` 8080).
pub const LAMBDA_LISTEN: &str = "127.0.0.1:8080";

/// Settings an earlier version read, and what to set instead: refused, never ignored.
const RENAMED: [(&str, &str); 1] = [(
    "COBROWSE_GENESYS_MAX_RPS",
    concat!(
        "use COBROWSE_GENESYS_REQUESTS_PER_MINUTE (Genesys limits a token per minute, ",
        "not per second; default 300, 0 turns it off)"
    ),
)];

/// Everything the service needs to run: what the server shares, and the orgs it serves. The
/// environment's org is a set of one, with no name; `COBROWSE_ORGS_FILE` names many.
#[derive(Debug)]
pub struct Deployment {
    pub shared: SharedSettings,
    /// What an org leaves unset (the environment's org takes them whole), also for the orgs
    /// file read again.
    pub defaults: OrgDefaults,
    pub orgs: Vec<OrgSettings>,
    /// Where the orgs were read from, when it is `COBROWSE_ORGS_FILE`.
    pub orgs_file: Option<OrgsFile>,
    /// The secret settings whose value was read from AWS at start-up, each by its name
    /// without the prefix (`GENESYS_CLIENT_SECRET`) and its `_FROM` value: where the value
    /// was read (`secretsmanager:<ARN>`), never the value. Doctor names them so.
    pub read_from_aws: Vec<(&'static str, String)>,
}

/// `COBROWSE_ORGS_FILE`, read again on SIGHUP and when it changes.
#[derive(Debug)]
pub struct OrgsFile {
    pub path: PathBuf,
    /// The version the orgs were read from: the reload watch starts from it.
    pub version: Version,
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

impl Deployment {
    /// Reads the process environment (and the orgs file when it names one). Its other
    /// variables may hold anything, text or not: only the `COBROWSE_*` ones are looked at.
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
        let mut aws = AwsEnv::default();
        let vars: Vec<(String, String)> = vars
            .into_iter()
            .filter_map(|(name, value)| {
                aws.capture(&name, &value);
                ours(&mut problems, name, value)
            })
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
        let mut raw: RawEnv = envy::prefixed(PREFIX)
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
        let file = set(&raw.orgs_file).map(PathBuf::from);
        // The secrets kept in AWS first, so that each takes its setting's place.
        from_aws::read(p, &mut raw, &aws, file.is_some());
        let (orgs, shared, defaults) = match &file {
            None => {
                // The org's problems first, then AUTH_DISABLED's, then those of the settings
                // it shares (the order they were always reported in, near enough).
                let mut later = Vec::new();
                let disabled = parse_with(
                    &mut later,
                    "AUTH_DISABLED",
                    &raw.auth_disabled,
                    "false",
                    flag,
                );
                let lambda = parse_with(&mut later, "LAMBDA", &raw.lambda, "false", flag);
                let (shared, defaults) = shared::read(&mut later, &raw, lambda);
                let without = WithoutCredential {
                    auth_disabled: disabled,
                    lambda,
                };
                let org = org::read(&raw, p, |_| defaults.clone(), Some(without));
                p.extend(later);
                (org.map(|org| (vec![org], None)), shared, defaults)
            }
            Some(file) => {
                refuse_one_org_variables(p, &raw);
                let lambda = parse_with(p, "LAMBDA", &raw.lambda, "false", flag);
                let (shared, defaults) = shared::read(p, &raw, lambda);
                let orgs = defaults.as_ref().and_then(|defaults| {
                    orgs_file::read(file, defaults)
                        .map_err(|file_problems| {
                            p.extend(
                                file_problems
                                    .into_iter()
                                    .map(|why| format!("{PREFIX}ORGS_FILE: {why}")),
                            )
                        })
                        .ok()
                        .map(|(orgs, version)| {
                            let path = file.clone();
                            (orgs, Some(OrgsFile { path, version }))
                        })
                });
                (orgs, shared, defaults)
            }
        };
        // With mutual TLS every org needs the name its certificate carries.
        if let (Some(Some(_)), Some((orgs, _))) = (shared.as_ref().map(|s| &s.tls_client), &orgs) {
            p.extend(missing_tls_client_names(orgs));
        }
        let read_from_aws = std::mem::take(&mut raw.fetched);
        let deployment = (|| {
            let (orgs, orgs_file) = orgs?;
            Some(Deployment {
                shared: shared?,
                defaults: defaults?,
                orgs,
                orgs_file,
                read_from_aws,
            })
        })();
        match deployment {
            Some(deployment) if problems.is_empty() => Ok(deployment),
            _ => Err(ConfigError { problems }),
        }
    }
}

/// With mutual TLS, each org without the name its certificate must carry (an org given by
/// URLs instead of a region, without `tls_client_name`): at start-up and at a reload.
pub fn missing_tls_client_names(orgs: &[OrgSettings]) -> Vec<String> {
    let example = "such as dataactions.prod.us-east-1.mypurecloud.com";
    orgs.iter()
        .filter(|org| org.tls_client_name.is_none())
        .map(|org| match &org.name {
            None => format!("{PREFIX}TLS_CLIENT_NAME is missing: with {PREFIX}TLS_CLIENT_CA and the Genesys URLs given instead of {PREFIX}GENESYS_REGION, name the DNS name on the data actions' client certificate, {example}"),
            Some(name) => format!("{PREFIX}ORGS_FILE: org `{name}`: tls_client_name is missing: with {PREFIX}TLS_CLIENT_CA and the Genesys URLs given instead of region, name the DNS name on the org's data actions' client certificate, {example}"),
        })
        .collect()
}

/// With `COBROWSE_ORGS_FILE` the file is the one source of each org's Genesys and inbound
/// settings, so a variable of the environment's one org beside it is refused, never silently
/// ignored (the settings an org may override are its defaults, and are read).
fn refuse_one_org_variables(p: &mut Vec<String>, raw: &RawEnv) {
    let mut scratch = Vec::new();
    let org_variables = OrgKey::ALL
        .into_iter()
        .filter(|key| !key.is_deployment_default())
        .filter(|key| {
            use org::OrgSource;
            let set = if key.is_secret() {
                raw.secret(&mut scratch, *key).map(|v| v.is_some())
            } else {
                raw.text(&mut scratch, *key).map(|v| v.is_some())
            };
            // A value that is not text counts as set.
            set.unwrap_or(true)
        })
        .map(OrgKey::variable)
        .chain(set(&raw.auth_disabled).map(|_| "AUTH_DISABLED"));
    for name in org_variables {
        p.push(beside_orgs_file(name));
    }
}

/// The problem with `name`, a setting of the environment's one org (without the prefix), set
/// beside an orgs file.
fn beside_orgs_file(name: &str) -> String {
    format!(
        "{PREFIX}{name} is set, but {PREFIX}ORGS_FILE names the orgs file, the one source of each org's Genesys and inbound settings: remove {PREFIX}{name} (or unset {PREFIX}ORGS_FILE)"
    )
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod many_orgs_tests;

#[cfg(test)]
mod redis_tests;

#[cfg(test)]
mod lambda_tests;
