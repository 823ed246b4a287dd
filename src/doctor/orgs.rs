//! Which orgs doctor checks: the one org of the environment, or the orgs of the orgs file
//! (every one, or the one `--org` names). A configuration that is not usable, or an `--org`
//! that names no org, is the failed `configuration` check instead, and `run` checks no org.

use super::certificates::MutualTls;
use super::{CONFIGURATION, Check};
use crate::config::{ConfigError, Deployment, OrgSettings, PREFIX};
use crate::genesys::GenesysSettings;

/// How many org names a problem with `--org` lists before "and N more".
const NAMES_SHOWN: usize = 20;

/// An org to check: its Genesys, and what mutual TLS asks of its data actions.
pub(super) struct Org {
    pub genesys: GenesysSettings,
    pub mutual_tls: MutualTls,
}

/// What doctor checks: the one org of the environment, or the orgs of the file (every one,
/// or the one `--org` names), by name.
pub(super) enum Chosen {
    OneOrg(Org),
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
    let org_of = |settings: OrgSettings| Org {
        genesys: settings.genesys,
        mutual_tls: MutualTls {
            bundle: bundle.clone(),
            name: settings.tls_client_name,
        },
    };
    match (deployment.orgs_file, org) {
        (None, None) => Ok(Chosen::OneOrg(org_of(
            deployment.orgs.into_iter().next().expect("one org"),
        ))),
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
