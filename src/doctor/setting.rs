//! Where an org's settings are written, so that what to do names what the admin edits: a
//! `COBROWSE_*` variable for the one org of the environment, a key of the org's table for an
//! org of `COBROWSE_ORGS_FILE`.

/// A setting doctor may tell the admin to change; each has a variable and a key in the orgs
/// file (`crate::config::OrgKey`).
#[derive(Clone, Copy, Debug)]
pub(super) enum Setting {
    Region,
    ApiUrl,
    LoginUrl,
    ClientId,
    ClientSecret,
    RequestsPerMinute,
    RequestBody,
    VerifyAgent,
}

impl Setting {
    fn variable(self) -> &'static str {
        match self {
            Setting::Region => "COBROWSE_GENESYS_REGION",
            Setting::ApiUrl => "COBROWSE_GENESYS_API_URL",
            Setting::LoginUrl => "COBROWSE_GENESYS_LOGIN_URL",
            Setting::ClientId => "COBROWSE_GENESYS_CLIENT_ID",
            Setting::ClientSecret => "COBROWSE_GENESYS_CLIENT_SECRET",
            Setting::RequestsPerMinute => "COBROWSE_GENESYS_REQUESTS_PER_MINUTE",
            Setting::RequestBody => "COBROWSE_REQUEST_BODY",
            Setting::VerifyAgent => "COBROWSE_VERIFY_AGENT",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Setting::Region => "region",
            Setting::ApiUrl => "api_url",
            Setting::LoginUrl => "login_url",
            Setting::ClientId => "client_id",
            Setting::ClientSecret => "client_secret",
            Setting::RequestsPerMinute => "requests_per_minute",
            Setting::RequestBody => "request_body",
            Setting::VerifyAgent => "verify_agent",
        }
    }
}

/// Where the org being checked has its settings.
#[derive(Clone, Copy, Debug)]
pub(super) enum SetIn<'a> {
    /// The `COBROWSE_*` variables: a deployment of one org.
    Environment,
    /// `[orgs.NAME]` in `COBROWSE_ORGS_FILE`.
    OrgsFile(&'a str),
}

impl SetIn<'_> {
    /// `COBROWSE_GENESYS_CLIENT_ID`, or `client_id in [orgs.acme]`.
    pub(super) fn name(self, setting: Setting) -> String {
        match self {
            SetIn::Environment => setting.variable().to_owned(),
            SetIn::OrgsFile(org) => format!("{} in [orgs.{org}]", setting.key()),
        }
    }

    /// `COBROWSE_VERIFY_AGENT=false`, or `verify_agent = false in [orgs.acme]`; `value` as
    /// the variable takes it (TOML quotes it unless it is a boolean).
    pub(super) fn assignment(self, setting: Setting, value: &str) -> String {
        match self {
            SetIn::Environment => format!("{}={value}", setting.variable()),
            SetIn::OrgsFile(org) => {
                let value = match value {
                    "true" | "false" => value.to_owned(),
                    _ => format!("{value:?}"),
                };
                format!("{} = {value} in [orgs.{org}]", setting.key())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::orgs_file::keys;

    #[test]
    fn every_setting_is_a_key_of_the_orgs_file_and_a_variable_of_the_service() {
        let variables = crate::config::variable_names();
        for setting in [
            Setting::Region,
            Setting::ApiUrl,
            Setting::LoginUrl,
            Setting::ClientId,
            Setting::ClientSecret,
            Setting::RequestsPerMinute,
            Setting::RequestBody,
            Setting::VerifyAgent,
        ] {
            assert!(keys().contains(&setting.key()), "{setting:?}");
            assert!(
                variables.iter().any(|v| v == setting.variable()),
                "{setting:?}"
            );
        }
    }

    #[test]
    fn a_setting_is_named_where_the_admin_changes_it() {
        let acme = SetIn::OrgsFile("acme");
        assert_eq!(
            SetIn::Environment.name(Setting::ClientId),
            "COBROWSE_GENESYS_CLIENT_ID"
        );
        assert_eq!(acme.name(Setting::ClientId), "client_id in [orgs.acme]");
        assert_eq!(
            SetIn::Environment.assignment(Setting::RequestBody, "empty"),
            "COBROWSE_REQUEST_BODY=empty"
        );
        assert_eq!(
            acme.assignment(Setting::RequestBody, "empty"),
            "request_body = \"empty\" in [orgs.acme]"
        );
        assert_eq!(
            acme.assignment(Setting::VerifyAgent, "false"),
            "verify_agent = false in [orgs.acme]"
        );
    }
}
