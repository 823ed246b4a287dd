//! Where an org's settings are written, so that what to do names what the admin edits: a
//! `COBROWSE_*` variable for the one org of the environment, a key of the org's table for an
//! org of `COBROWSE_ORGS_FILE`.

use crate::config::{OrgKey, PREFIX};

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
    pub(super) fn name(self, setting: OrgKey) -> String {
        match self {
            SetIn::Environment => format!("{PREFIX}{}", setting.variable()),
            SetIn::OrgsFile(org) => format!("{} in [orgs.{org}]", setting.key()),
        }
    }

    /// `COBROWSE_VERIFY_AGENT=false`, or `verify_agent = false in [orgs.acme]`; `value` as
    /// the variable takes it (TOML quotes it unless it is a boolean).
    pub(super) fn assignment(self, setting: OrgKey, value: &str) -> String {
        match self {
            SetIn::Environment => format!("{PREFIX}{}={value}", setting.variable()),
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

    #[test]
    fn a_setting_is_named_where_the_admin_changes_it() {
        let acme = SetIn::OrgsFile("acme");
        assert_eq!(
            SetIn::Environment.name(OrgKey::ClientId),
            "COBROWSE_GENESYS_CLIENT_ID"
        );
        assert_eq!(acme.name(OrgKey::ClientId), "client_id in [orgs.acme]");
        assert_eq!(
            SetIn::Environment.assignment(OrgKey::RequestBody, "empty"),
            "COBROWSE_REQUEST_BODY=empty"
        );
        assert_eq!(
            acme.assignment(OrgKey::RequestBody, "empty"),
            "request_body = \"empty\" in [orgs.acme]"
        );
        assert_eq!(
            acme.assignment(OrgKey::VerifyAgent, "false"),
            "verify_agent = false in [orgs.acme]"
        );
    }
}
