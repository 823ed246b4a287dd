//! An org's inbound credential, by the same rules wherever it is written: what the data
//! action integration presents, and, during a rotation, its next value too.

use secrecy::{ExposeSecret, SecretString};

use super::source::{OrgKey, OrgSource, Read, Reported};
use crate::inbound_auth::{BasicAuth, InboundAuth};

/// When the environment's one org may run without an inbound credential; each `None` when
/// its variable is invalid (reported already, and then which rules apply is unknown).
#[derive(Clone, Copy, Debug)]
pub struct WithoutCredential {
    /// `COBROWSE_AUTH_DISABLED`: every call served, credential or not.
    pub auth_disabled: Option<bool>,
    /// `COBROWSE_LAMBDA`: with no credential set, only the function's direct invokes are
    /// served (IAM decided who may invoke it), and every call over HTTP is refused.
    pub lambda: Option<bool>,
}

/// The inbound credential: Basic (user name and password) or bearer, or both, each with a
/// `_NEXT` value beside its current one during a rotation. Running without one must be asked
/// for (`without`, the environment only: disabled, where it is then the only choice, or in
/// Lambda); in an orgs file the credential is what finds the org, so it is always needed.
pub(super) fn inbound_auth(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    without: Option<WithoutCredential>,
) -> Option<InboundAuth> {
    let name = |key| source.name(key);
    // A value that could not be read (reported already) counts as set, so that it is not
    // reported missing too; the credential is then unusable.
    let mut unreadable = false;
    let username = credential(source, p, OrgKey::AuthUsername).unwrap_or_else(|Reported| {
        unreadable = true;
        Some(String::new())
    });
    let mut read = |key, p: &mut Vec<String>| {
        secret_credential(source, p, key).unwrap_or_else(|Reported| {
            unreadable = true;
            Some(SecretString::from(""))
        })
    };
    let password = read(OrgKey::AuthPassword, p);
    let password_next = read(OrgKey::AuthPasswordNext, p);
    let bearer_token = read(OrgKey::AuthBearerToken, p);
    let bearer_token_next = read(OrgKey::AuthBearerTokenNext, p);
    // With AUTH_DISABLED invalid it is unknown which rules apply: its own problem is enough.
    if without.is_some_and(|w| w.auth_disabled.is_none()) {
        return None;
    }
    let passwords = rotation(
        source,
        p,
        (OrgKey::AuthPassword, password),
        (OrgKey::AuthPasswordNext, password_next),
    );
    let bearer_tokens = rotation(
        source,
        p,
        (OrgKey::AuthBearerToken, bearer_token),
        (OrgKey::AuthBearerTokenNext, bearer_token_next),
    );
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
    let disabled = without.and_then(|w| w.auth_disabled).unwrap_or(false);
    let lambda = without.map(|w| w.lambda);
    match (basic, bearer_tokens.is_empty(), disabled) {
        (None, true, true) => Some(InboundAuth::Disabled),
        (None, true, false) if lambda == Some(Some(true)) => Some(InboundAuth::DirectInvokeOnly),
        // With LAMBDA invalid it is unknown whether a credential is needed.
        (None, true, false) if lambda == Some(None) => None,
        (None, true, false) => {
            let or_disabled = if without.is_some() {
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
            p.push(concat!(
                "COBROWSE_AUTH_DISABLED=true contradicts the inbound credentials that are set: ",
                "remove one or the other"
            ).to_owned());
            None
        }
        (_, _, false) if unreadable => None,
        (basic, _, false) => Some(InboundAuth::Required {
            basic,
            bearer_tokens,
        }),
    }
}

/// A current value and its `_NEXT`, both accepted during a rotation; a `_NEXT` alone is a
/// problem.
fn rotation(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    (current_key, current): (OrgKey, Option<SecretString>),
    (next_key, next): (OrgKey, Option<SecretString>),
) -> Vec<SecretString> {
    match (current, next) {
        (Some(current), next) => std::iter::once(current).chain(next).collect(),
        (None, Some(_)) => {
            let why = format!(
                "is set without {}: it only adds a second accepted value during a rotation",
                source.name(current_key)
            );
            source.problem(p, next_key, &why);
            Vec::new()
        }
        (None, None) => Vec::new(),
    }
}

/// A credential, used exactly as written: one with whitespace around it (as a Secret made
/// from a file written by `echo` has) could never match what is sent, so it is a problem,
/// neither trimmed (the value in use would differ from the one written down) nor shown.
pub(super) fn credential(
    source: &impl OrgSource,
    p: &mut Vec<String>,
    key: OrgKey,
) -> Read<String> {
    let value = source.text(p, key)?;
    if let Some(value) = &value {
        refuse_padding(source, p, key, value);
    }
    Ok(value)
}

/// [`credential`], for one held as a secret.
pub(super) fn secret_credential(
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
