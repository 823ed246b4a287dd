//! `COBROWSE_ORGS_FILE`: one TOML table per Genesys org, checked as strictly as the
//! environment is.
//!
//! The file holds secrets, so it is read as a plain table and every problem is worded here:
//! a problem names the org and the key, never a value (serde's and the TOML parser's own
//! messages may quote what they could not read).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use clap::ValueEnum;
use secrecy::{ExposeSecret, SecretString};
use toml::{Table, Value};

use crate::domain::CobrowseType;
use crate::genesys::region::{self, Region};
use crate::genesys::{GenesysSettings, RequestBody};
use crate::inbound_auth::{BasicAuth, InboundAuth};

/// An org's settings, from its table and the deployment's defaults.
#[derive(Debug)]
pub struct OrgSettings {
    /// The table's name: `[orgs.acme]` is `acme`.
    pub name: String,
    pub genesys: GenesysSettings,
    /// Always `Required`: the credential is what finds the org.
    pub inbound_auth: InboundAuth,
    pub default_cobrowse_type: CobrowseType,
}

/// What an org does not set itself: the deployment's `COBROWSE_*` settings.
#[derive(Clone, Debug)]
pub struct OrgDefaults {
    pub upstream_timeout: Duration,
    pub requests_per_minute: Option<NonZeroU32>,
    pub request_body: RequestBody,
    pub verify_agent: bool,
    pub default_cobrowse_type: CobrowseType,
}

/// The keys an org's table may hold.
pub const KEYS: [&str; 14] = [
    "region",
    "api_url",
    "login_url",
    "client_id",
    "client_secret",
    "auth_username",
    "auth_password",
    "auth_password_next",
    "auth_bearer_token",
    "auth_bearer_token_next",
    "requests_per_minute",
    "default_cobrowse_type",
    "verify_agent",
    "request_body",
];

/// One version of the file behind a path (symlinks followed): another file, another size or
/// another modification time is another version. Kubernetes rewrites a mounted Secret by
/// swapping a symlink, so the path is looked up each time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version(Option<(u64, u64, u64, Option<SystemTime>)>);

impl Version {
    pub fn of(path: &Path) -> Self {
        Version(
            std::fs::metadata(path)
                .ok()
                .map(|meta| (meta.dev(), meta.ino(), meta.len(), meta.modified().ok())),
        )
    }
}

/// Reads and checks the file: every org, or every problem found. With the orgs, the version
/// read, looked at before reading: a change made while the file is read is another version.
pub fn read(
    path: &Path,
    defaults: &OrgDefaults,
) -> Result<(Vec<OrgSettings>, Version), Vec<String>> {
    let version = Version::of(path);
    let text = read_text(path)?;
    Ok((parse(&text, defaults)?, version))
}

/// The file's text, unchecked.
pub fn read_text(path: &Path) -> Result<String, Vec<String>> {
    std::fs::read_to_string(path).map_err(|e| {
        vec![format!(
            "the orgs file {} cannot be read: {e}",
            path.display()
        )]
    })
}

/// Checks the file's text: every org, or every problem found.
pub fn parse(text: &str, defaults: &OrgDefaults) -> Result<Vec<OrgSettings>, Vec<String>> {
    let table: Table = text.parse().map_err(|e: toml::de::Error| {
        // The message only (the error's Display quotes the line, which may hold a secret).
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        vec![format!(
            "the orgs file is not valid TOML{}: {}",
            line.map(|l| format!(" (line {l})")).unwrap_or_default(),
            e.message().trim_end()
        )]
    })?;
    let mut problems = Vec::new();
    for key in table.keys().filter(|k| *k != "orgs") {
        problems.push(format!(
            "the orgs file has `{key}` at its top level: only [orgs.NAME] tables belong there"
        ));
    }
    let orgs = match table.get("orgs") {
        Some(Value::Table(orgs)) if !orgs.is_empty() => orgs,
        Some(Value::Table(_)) | None => {
            problems.push("the orgs file names no org: add an [orgs.NAME] table per org".into());
            return Err(problems);
        }
        Some(_) => {
            problems.push("`orgs` in the orgs file must be tables: [orgs.NAME]".into());
            return Err(problems);
        }
    };
    let mut settings = Vec::with_capacity(orgs.len());
    for (name, org) in orgs {
        if !valid_name(name) {
            problems.push(format!(
                "org `{}`: an org's name is 1 to 64 letters, digits, - and _",
                name.escape_debug()
            ));
            continue;
        }
        let Value::Table(org) = org else {
            problems.push(format!("org `{name}` must be a table: [orgs.{name}]"));
            continue;
        };
        if let Some(org) = (OrgTable { name, org }).check(&mut problems, defaults) {
            settings.push(org);
        }
    }
    refuse_shared_credentials(&mut problems, &settings);
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems)
    }
}

/// Names stay bounded and safe as metric labels, log fields and Redis key parts.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

struct OrgTable<'a> {
    name: &'a str,
    org: &'a Table,
}

impl OrgTable<'_> {
    fn check(&self, p: &mut Vec<String>, defaults: &OrgDefaults) -> Option<OrgSettings> {
        let name = self.name;
        for key in self.org.keys().filter(|k| !KEYS.contains(&k.as_str())) {
            p.push(format!(
                "org `{name}`: `{}` is not a setting of an org (they are: {})",
                key.escape_debug(),
                KEYS.join(", ")
            ));
        }
        let region = self.text(p, "region").map(|v| {
            v.parse::<Region>()
                .map_err(|why| self.problem(p, "region", &why))
        });
        let api_url = self.base_url(p, "api_url", &region, Region::api_url);
        let login_url = self.base_url(p, "login_url", &region, Region::login_url);
        let client_id = self.credential(p, "client_id");
        let client_secret = self.credential(p, "client_secret").map(SecretString::from);
        for (key, value, what) in [
            (
                "client_id",
                client_id.is_some(),
                "the id of the org's OAuth client",
            ),
            ("client_secret", client_secret.is_some(), "its secret"),
        ] {
            if !value && self.absent(key) {
                self.problem(
                    p,
                    key,
                    &format!("is missing: {what} (Client Credentials grant)"),
                );
            }
        }
        let inbound_auth = self.inbound_auth(p);
        let requests_per_minute = match self.org.get("requests_per_minute") {
            None => Some(defaults.requests_per_minute),
            Some(Value::Integer(n @ 0..=100_000)) => Some(NonZeroU32::new(*n as u32)),
            Some(_) => {
                self.problem(
                    p,
                    "requests_per_minute",
                    "must be a whole number from 0 to 100000 (0 turns the limit off)",
                );
                None
            }
        };
        let verify_agent = match self.org.get("verify_agent") {
            None => Some(defaults.verify_agent),
            Some(Value::Boolean(b)) => Some(*b),
            Some(_) => {
                self.problem(p, "verify_agent", "must be true or false");
                None
            }
        };
        let request_body = self.choice(p, "request_body", defaults.request_body);
        let default_cobrowse_type = match self.text(p, "default_cobrowse_type") {
            None => Some(defaults.default_cobrowse_type),
            Some(v) => v
                .parse::<CobrowseType>()
                .map_err(|_| self.problem(p, "default_cobrowse_type", "must be view or control"))
                .ok(),
        };
        Some(OrgSettings {
            name: name.to_owned(),
            genesys: GenesysSettings {
                api_url: api_url?,
                login_url: login_url?,
                client_id: client_id?,
                client_secret: client_secret?,
                upstream_timeout: defaults.upstream_timeout,
                requests_per_minute: requests_per_minute?,
                request_body: request_body?,
                verify_agent: verify_agent?,
            },
            inbound_auth: inbound_auth?,
            default_cobrowse_type: default_cobrowse_type?,
        })
    }

    fn problem(&self, p: &mut Vec<String>, key: &str, why: &str) {
        p.push(format!("org `{}`: `{key}` {why}", self.name));
    }

    /// Not there, or blank (a value of another type was reported as such).
    fn absent(&self, key: &str) -> bool {
        match self.org.get(key) {
            None => true,
            Some(Value::String(v)) => v.trim().is_empty(),
            Some(_) => false,
        }
    }

    /// A string setting; blank counts as unset, as in the environment.
    fn text(&self, p: &mut Vec<String>, key: &str) -> Option<&str> {
        match self.org.get(key)? {
            Value::String(v) if v.trim().is_empty() => None,
            Value::String(v) => Some(v),
            _ => {
                self.problem(
                    p,
                    key,
                    "must be a string in quotes (its value is not shown)",
                );
                None
            }
        }
    }

    /// A credential, used exactly as written: one padded with whitespace is refused.
    fn credential(&self, p: &mut Vec<String>, key: &str) -> Option<String> {
        let value = self.text(p, key)?;
        if value.trim() != value {
            self.problem(
                p,
                key,
                "has a trailing newline or spaces (or leading ones), which no credential sent over HTTP carries: write it without them (its value is not shown)",
            );
        }
        Some(value.to_owned())
    }

    fn choice<T: ValueEnum>(&self, p: &mut Vec<String>, key: &str, default: T) -> Option<T> {
        let Some(value) = self.text(p, key) else {
            return Some(default);
        };
        T::from_str(value, true)
            .map_err(|_| {
                let words: Vec<String> = T::value_variants()
                    .iter()
                    .filter_map(|v| v.to_possible_value())
                    .map(|v| v.get_name().to_owned())
                    .collect();
                self.problem(p, key, &format!("must be one of: {}", words.join(", ")))
            })
            .ok()
    }

    /// `key`'s URL, or the region's; a problem when neither is there. `region` is `None`
    /// when unset and `Some(Err)` when invalid (already reported).
    fn base_url(
        &self,
        p: &mut Vec<String>,
        key: &str,
        region: &Option<Result<Region, ()>>,
        of_region: fn(Region) -> String,
    ) -> Option<String> {
        if let Some(value) = self.text(p, key) {
            return region::base_url(value)
                .map_err(|why| self.problem(p, key, &why))
                .ok();
        }
        match region {
            Some(region) => region.ok().map(of_region),
            None => {
                self.problem(
                    p,
                    key,
                    "is missing: set `region` (e.g. eu-west-1 or mypurecloud.ie) or both api_url and login_url",
                );
                None
            }
        }
    }

    /// Basic (user name and password) or bearer, or both; `_next` only beside its current
    /// value. Running without a credential is not possible here: it is what finds the org.
    fn inbound_auth(&self, p: &mut Vec<String>) -> Option<InboundAuth> {
        let username = self.credential(p, "auth_username");
        let passwords = self.pair(p, "auth_password");
        let bearer_tokens = self.pair(p, "auth_bearer_token");
        let basic = match (username, passwords.is_empty()) {
            (Some(username), false) => Some(BasicAuth {
                username,
                passwords,
            }),
            (None, true) => None,
            (Some(_), true) => {
                self.problem(
                    p,
                    "auth_password",
                    "is missing: auth_username is set, and both are needed",
                );
                return None;
            }
            (None, false) => {
                self.problem(
                    p,
                    "auth_username",
                    "is missing: auth_password is set, and both are needed",
                );
                return None;
            }
        };
        if basic.is_none() && bearer_tokens.is_empty() {
            self.problem(
                p,
                "auth_username",
                "and `auth_password` are missing: the Basic credential this org's data action integration sends (or `auth_bearer_token`), which is how a call finds its org",
            );
            return None;
        }
        Some(InboundAuth::Required {
            basic,
            bearer_tokens,
        })
    }

    /// `key` and `key_next`, both accepted during a rotation.
    fn pair(&self, p: &mut Vec<String>, key: &str) -> Vec<SecretString> {
        let next_key = format!("{key}_next");
        let current = self.credential(p, key).map(SecretString::from);
        let next = self.credential(p, &next_key).map(SecretString::from);
        match (current, next) {
            (Some(current), next) => std::iter::once(current).chain(next).collect(),
            (None, Some(_)) => {
                self.problem(
                    p,
                    &next_key,
                    &format!("is set without `{key}`: _next only adds a second accepted value during a rotation"),
                );
                Vec::new()
            }
            (None, None) => Vec::new(),
        }
    }
}

/// Two orgs that accept one credential could not be told apart: a problem naming both.
fn refuse_shared_credentials(p: &mut Vec<String>, orgs: &[OrgSettings]) {
    let mut seen: HashMap<(bool, String), &str> = HashMap::new();
    for org in orgs {
        for (is_bearer, value) in accepted(&org.inbound_auth) {
            let key = if is_bearer {
                "auth_bearer_token"
            } else {
                "auth_username/auth_password"
            };
            match seen.get(&(is_bearer, value.clone())) {
                Some(other) if *other != org.name => p.push(format!(
                    "orgs `{other}` and `{}` accept the same inbound credential ({key}): each org needs its own, since the credential decides the org",
                    org.name
                )),
                Some(_) => {}
                None => {
                    seen.insert((is_bearer, value), &org.name);
                }
            }
        }
    }
}

/// Every credential `auth` accepts: `(bearer?, "user:password" or token)`.
pub(super) fn accepted(auth: &InboundAuth) -> Vec<(bool, String)> {
    let InboundAuth::Required {
        basic,
        bearer_tokens,
    } = auth
    else {
        return Vec::new();
    };
    let basic = basic.iter().flat_map(|b| {
        b.passwords
            .iter()
            .map(move |pw| (false, format!("{}:{}", b.username, pw.expose_secret())))
    });
    let bearer = bearer_tokens
        .iter()
        .map(|t| (true, t.expose_secret().to_owned()));
    basic.chain(bearer).collect()
}

#[cfg(test)]
mod tests;
