//! Where an org's settings are written, so that what to do names what the admin edits: a
//! `COBROWSE_*` variable for the one org of the environment (or, for a secret read from AWS at
//! start-up, its `_FROM` and the secret it names), a key of the org's table for an org of
//! `COBROWSE_ORGS_FILE`.

use crate::config::{OrgKey, PREFIX};

/// Where the org being checked has its settings.
#[derive(Clone, Copy, Debug)]
pub(super) enum SetIn<'a> {
    /// The `COBROWSE_*` variables: a deployment of one org. `from_aws`: the secret ones read
    /// from AWS, as `Deployment::read_from_aws` has them.
    Environment {
        from_aws: &'a [(&'static str, String)],
    },
    /// `[orgs.NAME]` in `COBROWSE_ORGS_FILE`.
    OrgsFile(&'a str),
}

impl SetIn<'_> {
    /// `COBROWSE_GENESYS_CLIENT_ID`, or `client_id in [orgs.acme]`; for a secret read from
    /// AWS, the secret its `_FROM` names, which is what the admin changes.
    pub(super) fn name(self, setting: OrgKey) -> String {
        match self {
            SetIn::Environment { from_aws } => {
                let variable = setting.variable();
                match from_aws.iter().find(|(name, _)| *name == variable) {
                    Some((_, from)) => {
                        format!("the secret {PREFIX}{variable}_FROM names ({from})")
                    }
                    None => format!("{PREFIX}{variable}"),
                }
            }
            SetIn::OrgsFile(org) => format!("{} in [orgs.{org}]", setting.key()),
        }
    }

    /// `COBROWSE_VERIFY_AGENT=false`, or `verify_agent = false in [orgs.acme]`; `value` as
    /// the variable takes it (TOML quotes it unless it is a boolean).
    pub(super) fn assignment(self, setting: OrgKey, value: &str) -> String {
        match self {
            SetIn::Environment { .. } => format!("{PREFIX}{}={value}", setting.variable()),
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
        let from = "secretsmanager:cobrowse-proxy/genesys-client-secret".to_owned();
        let from_aws = [("GENESYS_CLIENT_SECRET", from)];
        let environment = SetIn::Environment {
            from_aws: &from_aws,
        };
        assert_eq!(
            environment.name(OrgKey::ClientId),
            "COBROWSE_GENESYS_CLIENT_ID"
        );
        assert_eq!(
            environment.name(OrgKey::ClientSecret),
            "the secret COBROWSE_GENESYS_CLIENT_SECRET_FROM names (secretsmanager:cobrowse-proxy/genesys-client-secret)"
        );
        assert_eq!(acme.name(OrgKey::ClientId), "client_id in [orgs.acme]");
        assert_eq!(
            environment.assignment(OrgKey::RequestBody, "empty"),
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
