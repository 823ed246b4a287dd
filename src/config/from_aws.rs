//! `<NAME>_FROM`: a secret setting's value read from AWS at start-up instead of the
//! environment, so that a Lambda function's configuration holds where the secret is kept,
//! never the secret. `secretsmanager:<name or ARN>` reads a Secrets Manager secret's
//! `SecretString`, `ssm:<name or ARN>` a Parameter Store parameter (decrypted); `#<key>` after
//! either picks one key of a value that is a JSON object, so one secret can hold several.
//!
//! The value then takes the setting's place and goes through its rules, as if it had been set
//! itself: a bad one gets the same problem. Setting both the value and its `_FROM` is refused,
//! and so is anything that keeps a value from being read: a problem names the `_FROM` setting
//! and what to do, never a value. The reads themselves are `crate::aws`'s.

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::PREFIX;
use super::env::{NOT_TEXT, RawEnv, secret_set, set};
use crate::aws::{self, AwsEnv, Failure, Location, Read, Store};

/// The settings that may be read from AWS: every secret one, without the prefix.
pub(super) const SECRETS: [&str; 7] = [
    "GENESYS_CLIENT_SECRET",
    "GENESYS_CLIENT_SECRET_NEXT",
    "AUTH_PASSWORD",
    "AUTH_PASSWORD_NEXT",
    "AUTH_BEARER_TOKEN",
    "AUTH_BEARER_TOKEN_NEXT",
    "REDIS_URL",
];

/// A `_FROM` value: where the secret is, and the key to pick from it.
struct Reference<'a> {
    store: Store,
    id: &'a str,
    key: Option<&'a str>,
}

fn reference(text: &str) -> Option<Reference<'_>> {
    let (store, rest) = match text.split_once(':')? {
        ("secretsmanager", rest) => (Store::SecretsManager, rest),
        ("ssm", rest) => (Store::ParameterStore, rest),
        _ => return None,
    };
    // Neither a secret's nor a parameter's name, nor an ARN, can hold a `#`.
    let (id, key) = match rest.split_once('#') {
        Some((id, key)) => (id, Some(key)),
        None => (rest, None),
    };
    (!id.is_empty() && key != Some("")).then_some(Reference { store, id, key })
}

/// Reads the value of every secret setting whose `_FROM` is set into `raw`, in its place;
/// each one that cannot be is a problem. With an orgs file the settings of the environment's
/// one org are refused, as their values are, and not read.
pub(super) fn read(p: &mut Vec<String>, raw: &mut RawEnv, aws: &AwsEnv, orgs_file: bool) {
    let mut wanted: Vec<(&'static str, String)> = Vec::new();
    for name in SECRETS {
        let (from, value) = raw.secret_and_from(name);
        // A value that is not text was reported where the names are checked.
        let Some(text) = set(from).filter(|text| text != NOT_TEXT) else {
            continue;
        };
        let from = format!("{PREFIX}{name}_FROM");
        if orgs_file && name != "REDIS_URL" {
            p.push(super::beside_orgs_file(&format!("{name}_FROM")));
        } else if secret_set(value.clone()).is_some() {
            p.push(format!(
                "{PREFIX}{name} and {from} are both set: keep one ({from} reads the value from AWS at start-up)"
            ));
        } else if reference(&text).is_none() {
            // Not shown: a value put here by mistake may be the secret itself.
            p.push(format!(
                "{from} must be secretsmanager:<secret name or ARN> or ssm:<parameter name or ARN>, with #<key> after it to pick a key of a JSON object (its value is not shown)"
            ));
            unreadable(raw, name);
        } else {
            wanted.push((name, text));
        }
    }
    if wanted.is_empty() {
        return;
    }
    let credentials = match aws.credentials() {
        Ok(credentials) => credentials,
        Err(missing) => {
            let names: Vec<String> = wanted
                .iter()
                .map(|(name, _)| format!("{PREFIX}{name}_FROM"))
                .collect();
            p.push(format!(
                "{} {} read from AWS with the credentials Lambda gives the function, and {} {} not set: run the service in Lambda (its execution role signs the reads), or set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary credentials) and AWS_REGION",
                names.join(", "),
                if names.len() == 1 { "is" } else { "are" },
                missing.join(" and "),
                if missing.len() == 1 { "is" } else { "are" },
            ));
            for (name, _) in wanted {
                unreadable(raw, name);
            }
            return;
        }
    };
    // Each secret is read once, however many keys are picked from it.
    let mut reads: Vec<Read<'_>> = Vec::new();
    let mut located: Vec<(&'static str, &str, Result<usize, String>)> = Vec::new();
    for (name, text) in &wanted {
        let r = reference(text).expect("checked above");
        let index = match reads
            .iter()
            .position(|w| w.store == r.store && w.id == r.id)
        {
            Some(index) => Ok(index),
            None => aws.location(r.store, r.id).map(|location: Location| {
                reads.push(Read {
                    store: r.store,
                    id: r.id,
                    location,
                });
                reads.len() - 1
            }),
        };
        located.push((name, text, index));
    }
    let answers = if reads.is_empty() {
        Vec::new()
    } else {
        aws::read_all(&credentials, &reads)
    };
    for (name, text, index) in located {
        let r = reference(text).expect("checked above");
        let value = index
            .and_then(|index| match &answers[index] {
                Ok(value) => Ok(value),
                Err(failure) => Err(failed(failure, &reads[index])),
            })
            .and_then(|value| match r.key {
                Some(key) => pick(value, key),
                None => Ok(value.clone()),
            })
            .and_then(usable);
        match value {
            Ok(value) => {
                *raw.secret_and_from(name).1 = Some(value);
                raw.fetched.push((name, text.to_owned()));
            }
            Err(why) => {
                p.push(format!("{PREFIX}{name}_FROM={text}: {why}"));
                unreadable(raw, name);
            }
        }
    }
}

/// Marks `name`'s value as set but unreadable, as one that is not text is: its one problem
/// is the `_FROM`'s, and it is not reported missing too.
fn unreadable(raw: &mut RawEnv, name: &str) {
    *raw.secret_and_from(name).1 = Some(NOT_TEXT.into());
}

/// One key of a value that is a JSON object. serde's message is never kept: it may quote it.
fn pick(value: &SecretString, key: &str) -> Result<SecretString, String> {
    let object: serde_json::Map<String, Value> = serde_json::from_str(value.expose_secret())
        .map_err(|_| {
            "its value is not a JSON object, so #key picks nothing: drop the #key to use the whole value, or store a JSON object".to_owned()
        })?;
    match object.get(key) {
        Some(Value::String(value)) => Ok(value.as_str().into()),
        Some(_) => Err(format!(
            "its key `{key}` is not text (a JSON string): store it as one"
        )),
        None => {
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            Err(format!(
                "it has no key `{key}` (its keys: {}): name one of them after the #",
                keys.join(", ")
            ))
        }
    }
}

/// A value read that a setting can hold: not empty, and without a NUL character, which no
/// environment variable can hold either.
fn usable(value: SecretString) -> Result<SecretString, String> {
    let text = value.expose_secret();
    if text.trim().is_empty() {
        Err("its value is empty: store the setting's value in it".to_owned())
    } else if text.contains('\0') {
        Err("its value holds a NUL character, which no setting can: store it without".to_owned())
    } else {
        Ok(value)
    }
}

/// Why `read` could not be read, and what to do, in words.
fn failed(failure: &Failure, read: &Read<'_>) -> String {
    let (store, id) = (read.store, read.id);
    let region = &read.location.region;
    match failure {
        Failure::Unreachable { endpoint, error } => format!(
            "no answer from {endpoint} within {} s, retrying ({error}): a function in a VPC needs a VPC endpoint for {} or a NAT gateway; elsewhere, check the way to AWS (or {})",
            aws::RETRY_WINDOW.as_secs(),
            store.name(),
            store.endpoint_variable(),
        ),
        Failure::Unavailable { endpoint, status } => format!(
            "{endpoint} answered {status} for {} s, retrying: start again later",
            aws::RETRY_WINDOW.as_secs()
        ),
        Failure::Refused { kind, message } => {
            let said = if message.is_empty() {
                kind.clone()
            } else {
                format!("{kind}: {message}")
            };
            let todo = match kind.as_str() {
                "AccessDeniedException" => format!(
                    "give the function's execution role {} on {id}{}",
                    store.permission(),
                    match store {
                        Store::SecretsManager =>
                            " (and kms:Decrypt on its KMS key, when that is a customer-managed key)",
                        Store::ParameterStore => " (and kms:Decrypt on the KMS key of a SecureString)",
                    }
                ),
                "ResourceNotFoundException" | "ParameterNotFound" => format!(
                    "check the name or ARN, and that it is kept in {region}, where it was looked for"
                ),
                "UnrecognizedClientException"
                | "InvalidSignatureException"
                | "ExpiredTokenException"
                | "IncompleteSignature"
                | "InvalidClientTokenId"
                | "MissingAuthenticationToken" => "AWS refused the credentials it was signed with (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, which Lambda sets): outside Lambda, check them and the clock".to_owned(),
                _ => format!(
                    "check the {} and the execution role's {}",
                    match store {
                        Store::SecretsManager => "secret",
                        Store::ParameterStore => "parameter",
                    },
                    store.permission()
                ),
            };
            format!("{} refused it ({said}): {todo}", store.name())
        }
        Failure::NotText => {
            "the secret holds SecretBinary, not SecretString: store the value as text".to_owned()
        }
        Failure::Malformed => format!(
            "the answer is not {}'s: check {}, which names where it is asked",
            store.name(),
            store.endpoint_variable()
        ),
    }
}

#[cfg(test)]
mod tests;
