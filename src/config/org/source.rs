//! Where an org's settings are written: the table of the settings an org has (each with its
//! variable and its key in the orgs file), and what a source of them answers. The environment
//! (`config::env`) and an org's table of the orgs file (`config::orgs_file`) are the two.

use std::ops::RangeInclusive;

use secrecy::SecretString;

/// The table of an org's settings: each has a variable (after `COBROWSE_`) and a key in the
/// orgs file. The enum, [`OrgKey::ALL`] and both names come from one row each, so a setting
/// cannot miss one of them.
macro_rules! org_keys {
    ($($key:ident => ($variable:literal, $name:literal),)*) => {
        /// A setting an org has, wherever it is written.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum OrgKey { $($key,)* }

        impl OrgKey {
            /// Every key, in the order the orgs file's keys are listed to the admin.
            pub const ALL: [OrgKey; [$(OrgKey::$key,)*].len()] = [$(OrgKey::$key,)*];

            /// The variable in the environment, without `COBROWSE_`: `GENESYS_CLIENT_ID`.
            pub fn variable(self) -> &'static str {
                match self { $(OrgKey::$key => $variable,)* }
            }

            /// The key in an org's table of the orgs file: `client_id`.
            pub fn key(self) -> &'static str {
                match self { $(OrgKey::$key => $name,)* }
            }
        }
    };
}

org_keys! {
    Region => ("GENESYS_REGION", "region"),
    ApiUrl => ("GENESYS_API_URL", "api_url"),
    LoginUrl => ("GENESYS_LOGIN_URL", "login_url"),
    ClientId => ("GENESYS_CLIENT_ID", "client_id"),
    ClientSecret => ("GENESYS_CLIENT_SECRET", "client_secret"),
    ClientIdNext => ("GENESYS_CLIENT_ID_NEXT", "client_id_next"),
    ClientSecretNext => ("GENESYS_CLIENT_SECRET_NEXT", "client_secret_next"),
    AuthUsername => ("AUTH_USERNAME", "auth_username"),
    AuthPassword => ("AUTH_PASSWORD", "auth_password"),
    AuthPasswordNext => ("AUTH_PASSWORD_NEXT", "auth_password_next"),
    AuthBearerToken => ("AUTH_BEARER_TOKEN", "auth_bearer_token"),
    AuthBearerTokenNext => ("AUTH_BEARER_TOKEN_NEXT", "auth_bearer_token_next"),
    RequestsPerMinute => ("GENESYS_REQUESTS_PER_MINUTE", "requests_per_minute"),
    DefaultCobrowseType => ("DEFAULT_COBROWSE_TYPE", "default_cobrowse_type"),
    VerifyAgent => ("VERIFY_AGENT", "verify_agent"),
    RequestBody => ("REQUEST_BODY", "request_body"),
}

impl OrgKey {
    /// Whether its value is a secret, held as `SecretString` from the moment it is read.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            OrgKey::ClientSecret
                | OrgKey::ClientSecretNext
                | OrgKey::AuthPassword
                | OrgKey::AuthPasswordNext
                | OrgKey::AuthBearerToken
                | OrgKey::AuthBearerTokenNext
        )
    }

    /// Whether its value is a credential, used exactly as written (never trimmed: one with
    /// whitespace around it is refused); every other value is read without it.
    pub fn is_credential(self) -> bool {
        self.is_secret()
            || matches!(
                self,
                OrgKey::ClientId | OrgKey::ClientIdNext | OrgKey::AuthUsername
            )
    }

    /// Whether the environment's variable is the default of every org of an orgs file (which
    /// may set its own), rather than a setting only of the environment's one org.
    pub fn is_deployment_default(self) -> bool {
        matches!(
            self,
            OrgKey::RequestsPerMinute
                | OrgKey::DefaultCobrowseType
                | OrgKey::VerifyAgent
                | OrgKey::RequestBody
        )
    }
}

/// A value read from a source: `Ok(None)` when unset or blank, `Err(Reported)` when it could
/// not be read.
pub type Read<T> = Result<Option<T>, Reported>;

/// A value could not be read, and the problem that says why is among the problems already.
#[derive(Clone, Copy, Debug)]
pub struct Reported;

/// Where an org's settings are written.
pub trait OrgSource {
    /// The org's name: `None` for the environment's one org.
    fn org_name(&self) -> Option<&str>;
    /// How a problem names `key`: `COBROWSE_GENESYS_CLIENT_ID`, or `` `client_id` ``.
    fn name(&self, key: OrgKey) -> String;
    /// Records a problem with `key`, showing nothing of its value.
    fn problem(&self, problems: &mut Vec<String>, key: OrgKey, why: &str);
    /// Records that `value` of `key` is refused: the environment shows a value that cannot
    /// carry a credential, the orgs file (which holds secrets) never does.
    fn invalid(&self, problems: &mut Vec<String>, key: OrgKey, value: &str, why: &str);
    /// What the admin runs to write a credential without padding, where it is written.
    fn padding_fix(&self, key: OrgKey) -> String;
    /// A text value: a credential exactly as written, any other without whitespace around it.
    fn text(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<String>;
    /// A secret value, exactly as written.
    fn secret(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<SecretString>;
    /// A whole number within `range`; `why` is what the setting takes, said otherwise.
    fn whole_number(
        &self,
        problems: &mut Vec<String>,
        key: OrgKey,
        range: RangeInclusive<u32>,
        why: &str,
    ) -> Read<u32>;
    /// `true` or `false`.
    fn flag(&self, problems: &mut Vec<String>, key: OrgKey) -> Read<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's names are written by hand beside `RawEnv`'s fields: a variable that is not
    /// one of them would name, in a problem, a variable that is never read.
    #[test]
    fn every_setting_is_a_key_of_the_orgs_file_and_a_variable_of_the_service() {
        let variables = crate::config::variable_names();
        let keys = crate::config::orgs_file::keys();
        for setting in OrgKey::ALL {
            assert!(keys.contains(&setting.key()), "{setting:?}");
            assert!(
                variables
                    .iter()
                    .any(|v| *v == format!("{}{}", crate::config::PREFIX, setting.variable())),
                "{setting:?}"
            );
        }
    }
}
