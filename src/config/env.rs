//! Reading `COBROWSE_*` variables: which variables are ours, the raw strings, the list of
//! names, and the parsers that turn a value into a setting or into a problem that names the
//! variable.

use std::ffi::OsString;
use std::ops::RangeInclusive;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::PREFIX;
use super::org::{OrgKey, OrgSource, Read, Reported};
use super::parse::flag;

/// The raw variables, prefix stripped. Secrets go straight into `SecretString`. The field
/// names are the list of settings ([`variable_names`]): add a setting here and nowhere else.
#[derive(Deserialize)]
pub(super) struct RawEnv {
    pub(super) listen: Option<String>,
    pub(super) genesys_region: Option<String>,
    pub(super) genesys_api_url: Option<String>,
    pub(super) genesys_login_url: Option<String>,
    pub(super) genesys_client_id: Option<String>,
    pub(super) genesys_client_secret: Option<SecretString>,
    pub(super) genesys_client_id_next: Option<String>,
    pub(super) genesys_client_secret_next: Option<SecretString>,
    pub(super) auth_username: Option<String>,
    pub(super) auth_password: Option<SecretString>,
    pub(super) auth_password_next: Option<SecretString>,
    pub(super) auth_bearer_token: Option<SecretString>,
    pub(super) auth_bearer_token_next: Option<SecretString>,
    pub(super) auth_disabled: Option<String>,
    pub(super) upstream_timeout_ms: Option<String>,
    pub(super) default_cobrowse_type: Option<String>,
    pub(super) request_body: Option<String>,
    pub(super) verify_agent: Option<String>,
    pub(super) error_mode: Option<String>,
    pub(super) log_format: Option<String>,
    pub(super) max_in_flight: Option<String>,
    pub(super) genesys_requests_per_minute: Option<String>,
    pub(super) client_timeout_ms: Option<String>,
    pub(super) tls_cert: Option<String>,
    pub(super) tls_key: Option<String>,
    pub(super) tls_client_ca: Option<String>,
    pub(super) tls_client_crl: Option<String>,
    pub(super) tls_client_name: Option<String>,
    pub(super) tls_client_cert_proxies: Option<String>,
    pub(super) reuse_window_ms: Option<String>,
    pub(super) redis_url: Option<SecretString>,
    pub(super) redis_cluster: Option<String>,
    pub(super) redis_ca_file: Option<String>,
    pub(super) redis_namespace: Option<String>,
    pub(super) orgs_file: Option<String>,
    pub(super) lambda: Option<String>,
}

/// Every variable this service reads (`COBROWSE_LISTEN`, ...): `RawEnv`'s fields as serde
/// sees them, so the list cannot drift from what is read.
pub fn variable_names() -> Vec<String> {
    struct FieldNames(&'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for &mut FieldNames {
        type Error = serde::de::value::Error;
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("only the field names were wanted"))
        }
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("RawEnv is a struct"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names = FieldNames(&[]);
    let _ = RawEnv::deserialize(&mut names);
    names
        .0
        .iter()
        .map(|field| format!("{PREFIX}{}", field.to_uppercase()))
        .collect()
}

/// Stands for the value of one of our variables that is not UTF-8 text. It counts as set, so
/// the variable is not reported missing as well, and no rule parses it: its one problem, that
/// it is not text, is reported where the names are checked. No environment value can hold a
/// NUL byte, so no real value is mistaken for it.
pub(super) const NOT_TEXT: &str = "\0";

/// A `COBROWSE_*` variable as text, its value [`NOT_TEXT`] when it is not UTF-8 (never shown:
/// it may be a secret); `None` for every other variable, whatever it holds. One whose name is
/// not UTF-8 is `None` too, and a problem.
pub(super) fn ours(
    problems: &mut Vec<String>,
    name: OsString,
    value: OsString,
) -> Option<(String, String)> {
    if !name.as_encoded_bytes().starts_with(PREFIX.as_bytes()) {
        return None;
    }
    match name.into_string() {
        Ok(name) => Some((name, value.into_string().unwrap_or(NOT_TEXT.to_owned()))),
        Err(name) => {
            problems.push(format!(
                "{} is not a setting of this service (its name is not UTF-8 text)",
                name.to_string_lossy()
            ));
            None
        }
    }
}

/// A set value: trimmed, and `None` when empty.
pub(super) fn set(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub(super) fn secret_set(value: Option<SecretString>) -> Option<SecretString> {
    value.filter(|v| !v.expose_secret().trim().is_empty())
}

/// Parses a variable with `parse`, or its default when unset; a bad value becomes a problem
/// naming the variable, and one that is not text none (it has its own). A value with an `@` in it may carry credentials: it is not repeated.
pub(super) fn parse_with<T>(
    problems: &mut Vec<String>,
    name: &str,
    value: &Option<String>,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    if value.as_deref() == Some(NOT_TEXT) {
        return None;
    }
    let value = set(value).unwrap_or_else(|| default.to_owned());
    parse(&value)
        .map_err(|why| problems.push(format!("{PREFIX}{name}{} {why}", shown(&value))))
        .ok()
}

/// The environment as the source of its one org: a problem names the variable, and shows a
/// value refused unless it may hold a credential.
impl OrgSource for RawEnv {
    fn org_name(&self) -> Option<&str> {
        None
    }

    fn name(&self, key: OrgKey) -> String {
        format!("{PREFIX}{}", key.variable())
    }

    fn problem(&self, problems: &mut Vec<String>, key: OrgKey, why: &str) {
        problems.push(format!("{} {why}", self.name(key)));
    }

    fn invalid(&self, problems: &mut Vec<String>, key: OrgKey, value: &str, why: &str) {
        problems.push(format!("{}{} {why}", self.name(key), shown(value)));
    }

    fn padding_fix(&self, key: OrgKey) -> String {
        format!(
            "recreating the Secret with `kubectl create secret generic ... --from-literal={}=...` or writing its file with `printf '%s'` rather than `echo`",
            self.name(key)
        )
    }

    fn text(&self, _: &mut Vec<String>, key: OrgKey) -> Read<String> {
        let value = match key {
            OrgKey::Region => &self.genesys_region,
            OrgKey::ApiUrl => &self.genesys_api_url,
            OrgKey::LoginUrl => &self.genesys_login_url,
            OrgKey::ClientId => &self.genesys_client_id,
            OrgKey::ClientIdNext => &self.genesys_client_id_next,
            OrgKey::AuthUsername => &self.auth_username,
            OrgKey::RequestsPerMinute => &self.genesys_requests_per_minute,
            OrgKey::DefaultCobrowseType => &self.default_cobrowse_type,
            OrgKey::VerifyAgent => &self.verify_agent,
            OrgKey::TlsClientName => &self.tls_client_name,
            OrgKey::RequestBody => &self.request_body,
            OrgKey::ClientSecret
            | OrgKey::ClientSecretNext
            | OrgKey::AuthPassword
            | OrgKey::AuthPasswordNext
            | OrgKey::AuthBearerToken
            | OrgKey::AuthBearerTokenNext => unreachable!("{key:?} is read as a secret"),
        };
        match value.as_deref() {
            // Reported where the names are checked.
            Some(NOT_TEXT) => Err(Reported),
            Some(value) if value.trim().is_empty() => Ok(None),
            Some(value) if key.is_credential() => Ok(Some(value.to_owned())),
            Some(value) => Ok(Some(value.trim().to_owned())),
            None => Ok(None),
        }
    }

    fn secret(&self, _: &mut Vec<String>, key: OrgKey) -> Read<SecretString> {
        let value = match key {
            OrgKey::ClientSecret => &self.genesys_client_secret,
            OrgKey::ClientSecretNext => &self.genesys_client_secret_next,
            OrgKey::AuthPassword => &self.auth_password,
            OrgKey::AuthPasswordNext => &self.auth_password_next,
            OrgKey::AuthBearerToken => &self.auth_bearer_token,
            OrgKey::AuthBearerTokenNext => &self.auth_bearer_token_next,
            _ => unreachable!("{key:?} is read as text"),
        };
        match secret_set(value.clone()) {
            Some(value) if value.expose_secret() == NOT_TEXT => Err(Reported),
            value => Ok(value),
        }
    }

    fn whole_number(
        &self,
        problems: &mut Vec<String>,
        key: OrgKey,
        range: RangeInclusive<u32>,
        why: &str,
    ) -> Read<u32> {
        let Some(value) = self.text(problems, key)? else {
            return Ok(None);
        };
        match value.parse() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => {
                self.invalid(problems, key, &value, why);
                Err(Reported)
            }
        }
    }

    fn flag(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<bool> {
        let Some(value) = self.text(problems, key)? else {
            return Ok(None);
        };
        flag(&value).map(Some).map_err(|why| {
            self.invalid(problems, key, &value, &why);
            Reported
        })
    }
}

/// `="value"` after a variable's name, or nothing for a value with an `@` in it, which may
/// carry credentials.
fn shown(value: &str) -> String {
    if value.contains('@') {
        String::new()
    } else {
        format!("={value:?}")
    }
}
