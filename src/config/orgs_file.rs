//! `COBROWSE_ORGS_FILE`: one TOML table per Genesys org, each read by the same rules as the
//! environment's one org (`config::org`), and the file's own rules: its shape, the orgs'
//! names, no credential shared between two orgs.
//!
//! The file holds secrets, so it is read as a plain table and every problem is worded here or
//! in `config::org`: a problem names the org and the key, never a value (serde's and the TOML
//! parser's own messages may quote what they could not read).

use std::fs::File;
use std::io::Read as _;
use std::ops::RangeInclusive;
use std::path::Path;

use secrecy::SecretString;
use toml::{Table, Value};

use super::org::{self, OrgDefaults, OrgKey, OrgSettings, OrgSource, Read, Reported};
use crate::inbound_auth::Credentials;
use crate::watched_file::Version;

/// The keys an org's table may hold.
pub fn keys() -> [&'static str; OrgKey::ALL.len()] {
    OrgKey::ALL.map(OrgKey::key)
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

/// The most an orgs file may hold: 1 MiB, what a Kubernetes Secret holds, and room for a few
/// thousand orgs. Parsing takes many times a file's size (a 50 MB file took a replica to
/// 3.9 GB), so a larger one is refused before it is read.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The file's text, unchecked; refused unread when it holds more than [`MAX_BYTES`] (its size
/// looked at first, and never more read than one byte past it: the file may grow meanwhile,
/// or be no regular file at all).
pub fn read_text(path: &Path) -> Result<String, Vec<String>> {
    let unreadable = |e: std::io::Error| {
        vec![format!(
            "the orgs file {} cannot be read: {e}",
            path.display()
        )]
    };
    let too_large = |size: Option<u64>| {
        vec![format!(
            "the orgs file {} {} than the 1 MiB ({MAX_BYTES} bytes) an orgs file may hold (as a Kubernetes Secret may): it was not read; check that the path names the orgs file, or split the orgs between deployments",
            path.display(),
            size.map_or("holds more".to_owned(), |n| format!("is {n} bytes, more")),
        )]
    };
    let file = File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_BYTES {
        return Err(too_large(Some(size)));
    }
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(unreadable)?;
    if text.len() as u64 > MAX_BYTES {
        return Err(too_large(None));
    }
    Ok(text)
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
pub(super) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One `[orgs.NAME]` table as the source of its org: a problem names the org and the key, and
/// never shows a value (the file holds secrets).
struct OrgTable<'a> {
    name: &'a str,
    org: &'a Table,
}

impl OrgTable<'_> {
    fn check(&self, p: &mut Vec<String>, defaults: &OrgDefaults) -> Option<OrgSettings> {
        let keys = keys();
        for key in self.org.keys().filter(|k| !keys.contains(&k.as_str())) {
            p.push(format!(
                "org `{}`: `{}` is not a setting of an org (they are: {})",
                self.name,
                key.escape_debug(),
                keys.join(", ")
            ));
        }
        org::read(self, p, |p| defaults.overridden_by(self, p), None)
    }
}

impl OrgSource for OrgTable<'_> {
    fn org_name(&self) -> Option<&str> {
        Some(self.name)
    }

    fn name(&self, key: OrgKey) -> String {
        format!("`{}`", key.key())
    }

    fn problem(&self, p: &mut Vec<String>, key: OrgKey, why: &str) {
        p.push(format!("org `{}`: {} {why}", self.name, self.name(key)));
    }

    fn invalid(&self, p: &mut Vec<String>, key: OrgKey, _value: &str, why: &str) {
        self.problem(p, key, why);
    }

    fn padding_fix(&self, _key: OrgKey) -> String {
        "writing the orgs file with an editor rather than `echo`, and recreating its Secret with `kubectl create secret generic ... --from-file=orgs.toml`".to_owned()
    }

    /// A string; blank counts as unset, as in the environment.
    fn text(&self, p: &mut Vec<String>, key: OrgKey) -> Read<String> {
        match self.org.get(key.key()) {
            None => Ok(None),
            Some(Value::String(v)) if v.trim().is_empty() => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => {
                self.problem(
                    p,
                    key,
                    "must be a string in quotes (its value is not shown)",
                );
                Err(Reported)
            }
        }
    }

    fn secret(&self, p: &mut Vec<String>, key: OrgKey) -> Read<SecretString> {
        self.text(p, key).map(|v| v.map(SecretString::from))
    }

    fn whole_number(
        &self,
        p: &mut Vec<String>,
        key: OrgKey,
        range: RangeInclusive<u32>,
        why: &str,
    ) -> Read<u32> {
        let value = match self.org.get(key.key()) {
            None => return Ok(None),
            Some(Value::Integer(n)) => u32::try_from(*n).ok().filter(|n| range.contains(n)),
            Some(_) => None,
        };
        value.map(Some).ok_or_else(|| {
            self.problem(p, key, why);
            Reported
        })
    }

    fn flag(&self, p: &mut Vec<String>, key: OrgKey) -> Read<bool> {
        match self.org.get(key.key()) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(_) => {
                self.problem(p, key, "must be one of: true, false");
                Err(Reported)
            }
        }
    }
}

/// Two orgs that accept one credential could not be told apart: a problem naming both.
fn refuse_shared_credentials(p: &mut Vec<String>, orgs: &[OrgSettings]) {
    let credentials = Credentials::new(orgs.iter().map(|org| &org.inbound_auth));
    let name = |index: usize| orgs[index].name.as_deref().unwrap_or_default();
    for (is_bearer, first, second) in credentials.shared() {
        let key = if is_bearer {
            "auth_bearer_token"
        } else {
            "auth_username/auth_password"
        };
        p.push(format!(
            "orgs `{}` and `{}` accept the same inbound credential ({key}): each org needs its own, since the credential decides the org",
            name(first),
            name(second)
        ));
    }
}

#[cfg(test)]
mod tests;
