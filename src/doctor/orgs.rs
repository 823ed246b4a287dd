//! Which orgs doctor checks: the one org of the environment, or the orgs of the orgs file
//! (every one, or the one `--org` names). A configuration that is not usable, or an `--org`
//! that names no org, is the failed `configuration` check instead, and `run` checks no org.

use super::certificates::MutualTls;
use super::{CONFIGURATION, Check};
use crate::config::{ConfigError, Deployment, OrgSettings, PREFIX};
use crate::genesys::GenesysSettings;
use crate::inbound_auth::InboundAuth;

/// How many org names a problem with `--org` lists before "and N more".
const NAMES_SHOWN: usize = 20;

/// An org to check: its Genesys, what mutual TLS asks of its data actions, where its service
/// runs, and which of its secrets were read from AWS (the environment's one org only).
pub(super) struct Org {
    pub genesys: GenesysSettings,
    pub mutual_tls: MutualTls,
    pub deployed: Deployed,
    pub read_from_aws: Vec<(&'static str, String)>,
}

impl Org {
    /// What the configuration line adds for the environment's org: who the function serves
    /// in AWS Lambda, and the secrets read from AWS at start-up, as the service reads them
    /// (where, never the value).
    pub(super) fn lambda_and_aws(&self) -> String {
        let mut text = String::new();
        if let Deployed::Lambda { function_url } = self.deployed {
            text.push_str(&format!(
                " In AWS Lambda ({PREFIX}LAMBDA=true): direct invokes are served with no credential (IAM decides who may invoke the function: the role Genesys assumes), and {}.",
                if function_url {
                    "calls over HTTP (a function URL) with the inbound credential"
                } else {
                    "with no inbound credential set, every call over HTTP (a function URL) is refused UNAUTHORIZED"
                }
            ));
        }
        if !self.read_from_aws.is_empty() {
            let read: Vec<String> = self
                .read_from_aws
                .iter()
                .map(|(name, from)| format!("{PREFIX}{name} ({PREFIX}{name}_FROM={from})"))
                .collect();
            text.push_str(&format!(
                " Read from AWS, as the service reads them at start-up: {}.",
                read.join(", ")
            ));
        }
        text
    }
}

/// Where the service runs, which decides what reaches it and how the data action calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Deployed {
    /// A server, which a web services data action calls over HTTPS.
    Server,
    /// AWS Lambda (`COBROWSE_LAMBDA=true`): Genesys's AWS Lambda data actions integration
    /// invokes it directly; with an inbound credential set it serves a function URL too.
    Lambda { function_url: bool },
}

/// What doctor checks: the one org of the environment, or the orgs of the file (every one,
/// or the one `--org` names), by name.
pub(super) enum Chosen {
    OneOrg(Box<Org>),
    Orgs {
        /// The `configuration` check's finding.
        summary: String,
        orgs: Vec<(String, Org)>,
    },
}

/// The deployment's orgs `--org` leaves to check, or the failed `configuration` check.
pub(super) fn chosen(
    deployment: Result<Deployment, ConfigError>,
    org: Option<&str>,
) -> Result<Chosen, Check> {
    let unusable = |problems: &[String]| {
        Check::fail(
            CONFIGURATION,
            format!(
                "the {PREFIX}* settings are not usable: {}.",
                problems.join("; ")
            ),
            "Fix every problem named: `serve` refuses to start with this configuration too.",
        )
    };
    let deployment = deployment.map_err(|e| unusable(&e.problems))?;
    let bundle = deployment.shared.tls_client;
    let lambda = deployment.shared.lambda;
    let read_from_aws = deployment.read_from_aws;
    let org_of = |settings: OrgSettings| Org {
        genesys: settings.genesys,
        mutual_tls: MutualTls {
            bundle: bundle.clone(),
            name: settings.tls_client_name,
        },
        deployed: if lambda {
            Deployed::Lambda {
                function_url: !matches!(settings.inbound_auth, InboundAuth::DirectInvokeOnly),
            }
        } else {
            Deployed::Server
        },
        read_from_aws: Vec::new(),
    };
    match (deployment.orgs_file, org) {
        (None, None) => {
            let org = deployment.orgs.into_iter().next().expect("one org");
            Ok(Chosen::OneOrg(Box::new(Org {
                read_from_aws,
                ..org_of(org)
            })))
        }
        (None, Some(org)) => Err(Check::fail(
            CONFIGURATION,
            format!(
                "--org names org {org:?} of an orgs file, but {PREFIX}ORGS_FILE is not set: this deployment serves one org, from the {PREFIX}GENESYS_* variables."
            ),
            "Run doctor without --org.",
        )),
        (Some(file), wanted) => {
            let orgs = deployment.orgs;
            let file = file.path.display();
            let all = orgs.len();
            let name = |o: &OrgSettings| o.name.clone().unwrap_or_default();
            let names: Vec<String> = orgs.iter().map(name).collect();
            let orgs: Vec<(String, Org)> = orgs
                .into_iter()
                .filter(|o| wanted.is_none_or(|w| w == name(o)))
                .map(|o| (name(&o), org_of(o)))
                .collect();
            let summary = match wanted {
                None => format!(
                    "the {PREFIX}* settings and {PREFIX}ORGS_FILE {file} are usable: {all} org{}, each checked below.",
                    if all == 1 { "" } else { "s" }
                ),
                Some(org) if !orgs.is_empty() => format!(
                    "the {PREFIX}* settings and {PREFIX}ORGS_FILE {file} are usable; --org checks org {org} of its {all}."
                ),
                Some(org) => {
                    let mut shown = names[..all.min(NAMES_SHOWN)].join(", ");
                    if all > NAMES_SHOWN {
                        shown.push_str(&format!(" and {} more", all - NAMES_SHOWN));
                    }
                    return Err(Check::fail(
                        CONFIGURATION,
                        format!("{PREFIX}ORGS_FILE {file} has no org {org:?}; its orgs: {shown}."),
                        "Pass --org with an org's name as in its [orgs.NAME] table, or leave --org out to check every org.",
                    ));
                }
            };
            Ok(Chosen::Orgs { summary, orgs })
        }
    }
}
