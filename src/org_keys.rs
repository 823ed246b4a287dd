//! The names of an org's settings: each with its variable (after [`PREFIX`]) and its key in
//! the orgs file, whatever reads them. Below everything that names a setting to an admin:
//! `config` reads by them, `outcome` and `doctor` tell the admin where to write one.

use std::fmt;

/// The prefix of every variable this service reads.
pub const PREFIX: &str = "COBROWSE_";

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
    TlsClientName => ("TLS_CLIENT_NAME", "tls_client_name"),
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

/// Where an org writes `keys`, as an admin edits them: the variables for the environment's
/// one org, the org's table for an org of the orgs file (whose variables are refused):
/// `COBROWSE_GENESYS_LOGIN_URL`, or `login_url in [orgs.acme] of the orgs file (...)`.
/// (doctor's `SetIn` words a single key more briefly, beside its org's other checks.)
pub struct Settings(pub Option<&'static str>, pub &'static [OrgKey]);

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Settings(org, keys) = *self;
        for (i, key) in keys.iter().enumerate() {
            let joint = match i {
                0 => "",
                _ if i + 1 == keys.len() => " and ",
                _ => ", ",
            };
            match org {
                None => write!(f, "{joint}{PREFIX}{}", key.variable())?,
                Some(_) => write!(f, "{joint}{}", key.key())?,
            }
        }
        match org {
            None => Ok(()),
            Some(org) => write!(f, " in [orgs.{org}] of the orgs file ({PREFIX}ORGS_FILE)"),
        }
    }
}
