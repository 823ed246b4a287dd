//! `cobrowse-proxy doctor`: checks the whole Genesys set-up in one command, starting nothing.
//!
//! It runs where the service runs, with the same `COBROWSE_*` environment, and prints one line
//! per check: `ok`, `FAIL` or `skip`, what was checked and, for `FAIL` and `skip`, what to do.
//! The checks, in order: the configuration is usable; the login service issues a token; which
//! org and OAuth client that token is; the permissions to start cobrowse and to read
//! conversations, asked on a conversation id made up for the purpose (Genesys answers 404 when
//! the permission is held, so nothing can start); the registered data action has this binary's
//! contracts (and, with `--url`, calls that URL; in AWS Lambda, invokes the function, the one
//! `--function-arn` names); the data actions' client certificates, and whether
//! `COBROWSE_TLS_CLIENT_CA` accepts them; the address ranges they call from; and, with `--url`,
//! the service answers `GET /healthz` from here. A check that cannot run because an earlier
//! one failed, or that does not apply to a Lambda function (which Genesys invokes through
//! AWS's API, with no URL or certificate of its own), is `skip`.
//!
//! `crate::genesys::admin` sends the requests and reports what Genesys answered; every word an
//! admin reads about it, and what to do, is here: `token.rs` for the token (of each OAuth
//! client, during a rotation), `access.rs` for the org, `permissions.rs` for the permissions,
//! `action.rs` for the registered data action, `certificates.rs` for the data actions' client
//! certificates, `egress.rs` for their address ranges, `service_url.rs` for the service's URL. `orgs.rs` chooses the orgs to check, and
//! `report.rs` prints the checks. Nothing printed carries a secret: the client secret, the
//! inbound credentials and the access token are never part of a check.

mod access;
mod action;
mod certificates;
mod egress;
mod orgs;
mod permissions;
mod report;
mod service_url;
mod setting;
mod token;

use futures_util::StreamExt;
use uuid::Uuid;

use crate::config::OrgKey;
use crate::config::{ConfigError, Deployment, PREFIX};
use crate::domain::{AgentId, ConversationId};
use crate::export::{self, ExportError};
use crate::genesys::GenesysSettings;
use crate::genesys::region::REGIONS;
use access::org;
use action::{Target, data_action, given_function_arn};
use certificates::client_certificates;
use egress::egress_ranges;
use orgs::{Chosen, Deployed, Org, chosen};
use permissions::{read_permission, start_permission};
pub use report::{Check, Format, Report, Status};
use service_url::{ServiceUrl, healthz, service_url};
use setting::SetIn;
use token::token;

/// The check names, as printed and in `--format json`'s `check` field.
pub const CONFIGURATION: &str = "configuration";
pub const TOKEN: &str = "token";
pub const ORG: &str = "org";
pub const START_PERMISSION: &str = "start-permission";
pub const READ_PERMISSION: &str = "read-permission";
pub const DATA_ACTION: &str = "data-action";
pub const CLIENT_CERTIFICATES: &str = "client-certificates";
pub const EGRESS_RANGES: &str = "egress-ranges";
pub const SERVICE_URL: &str = "service-url";

/// How the conversation id doctor makes up begins; 12 random hex digits end it. It has a
/// UUID's form (version 4), yet no conversation has it: Genesys makes random ids, never one
/// with 74 bits of zeros. The sandbox's special ids share the range, so its simulated Genesys
/// knows none of doctor's ids either.
pub const MADE_UP_PREFIX: &str = "00000000-0000-4000-8000-";

/// Orgs of an orgs file checked at once: a file of hundreds is checked in minutes, not
/// hours, while no login service or Platform API sees more than a few of doctor's requests
/// at a time (orgs of one region share them).
const ORGS_AT_ONCE: usize = 8;

/// What the admin asked for.
#[derive(clap::Args, Clone, Debug)]
pub struct DoctorOptions {
    /// The service's public base URL, as Genesys reaches it (https, host, optional port):
    /// checks that GET <url>/healthz answers from here and that the data action calls
    /// <url>/v1/cobrowse/start.
    #[arg(long)]
    pub url: Option<String>,
    /// With COBROWSE_LAMBDA=true: the ARN of the Lambda function Genesys's AWS Lambda data
    /// actions integration invokes (the stack's FunctionArn output): checks that the data
    /// action invokes it.
    #[arg(long, value_name = "ARN")]
    pub function_arn: Option<String>,
    /// Accept an http:// --url. Only for tests: Genesys calls data actions over HTTPS only.
    #[arg(long)]
    pub allow_http: bool,
    /// The data action's name in Genesys.
    #[arg(long, default_value = export::DEFAULT_NAME)]
    pub action_name: String,
    /// text: one line per check; json: the same checks as one JSON array.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// With COBROWSE_ORGS_FILE: check only this org (its name in the file, as in
    /// [orgs.NAME]). Without it, every org of the file is checked.
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
}

/// Runs every check. `Err` only when `--url` is not one the service could be reached at, or
/// `--function-arn` not a Lambda function's ARN: the command line is wrong, and nothing was
/// checked.
pub async fn run(
    deployment: Result<Deployment, ConfigError>,
    options: &DoctorOptions,
) -> Result<Report, ExportError> {
    let url = service_url(options)?;
    let function_arn = given_function_arn(options)?;
    let given = Given {
        url: url.as_ref(),
        function_arn: function_arn.as_deref(),
    };
    let mut checks = Vec::new();
    // A Lambda function runs one org, of the environment: an orgs file is always a server's.
    let mut deployed = None;
    match chosen(deployment, options.org.as_deref()) {
        Err(refused) => {
            checks.push(refused);
            skip_genesys(
                &mut checks,
                "needs a usable configuration.",
                "Fix the configuration (above), then run doctor again.",
            );
        }
        Ok(Chosen::OneOrg(org)) => {
            let set_in = SetIn::Environment {
                from_aws: &org.read_from_aws,
            };
            checks.push(Check::ok(
                CONFIGURATION,
                format!(
                    "the {PREFIX}* settings are usable: {}{}",
                    configuration(&org.genesys, set_in),
                    org.lambda_and_aws()
                ),
            ));
            deployed = Some(org.deployed);
            genesys_checks(&mut checks, &org, set_in, options, given).await;
        }
        Ok(Chosen::Orgs { summary, orgs }) => {
            checks.push(Check::ok(CONFIGURATION, summary));
            let blocks: Vec<Vec<Check>> = futures_util::stream::iter(&orgs)
                .map(|(name, org)| org_checks(name, org, options, given))
                .buffered(ORGS_AT_ONCE)
                .collect()
                .await;
            checks.extend(blocks.into_iter().flatten());
        }
    }
    checks.push(match &url {
        None => service_url::not_checked(deployed),
        Some(url) => healthz(&url.base).await,
    });
    Ok(Report { checks })
}

/// What the admin gave on the command line of what the data action calls.
#[derive(Clone, Copy)]
struct Given<'a> {
    url: Option<&'a ServiceUrl>,
    function_arn: Option<&'a str>,
}

/// Genesys in the region, its URLs, and whether a start first reads the conversation.
fn configuration(genesys: &GenesysSettings, set_in: SetIn) -> String {
    let verify = if genesys.verify_agent { "on" } else { "off" };
    format!(
        "Genesys in {}, Platform API {}, login service {}; {} is {verify}.",
        region_of(&genesys.login_url),
        genesys.api_url,
        genesys.login_url,
        set_in.name(OrgKey::VerifyAgent),
    )
}

/// The block of one org of the orgs file: its settings, then every Genesys check.
async fn org_checks(
    name: &str,
    org: &Org,
    options: &DoctorOptions,
    given: Given<'_>,
) -> Vec<Check> {
    let set_in = SetIn::OrgsFile(name);
    let mut checks = vec![Check::ok(
        CONFIGURATION,
        format!(
            "the org's settings: {}",
            configuration(&org.genesys, set_in)
        ),
    )];
    genesys_checks(&mut checks, org, set_in, options, given).await;
    for check in &mut checks {
        check.org = Some(name.to_owned());
    }
    checks
}

/// Marks every Genesys check not yet run as skipped.
fn skip_genesys(checks: &mut Vec<Check>, why: &str, todo: &str) {
    for name in [
        TOKEN,
        ORG,
        START_PERMISSION,
        READ_PERMISSION,
        DATA_ACTION,
        CLIENT_CERTIFICATES,
        EGRESS_RANGES,
    ] {
        if !checks.iter().any(|c| c.check == name) {
            checks.push(Check::skip(name, format!("not checked: {why}"), todo));
        }
    }
}

async fn genesys_checks(
    checks: &mut Vec<Check>,
    checked: &Org,
    set_in: SetIn<'_>,
    options: &DoctorOptions,
    given: Given<'_>,
) {
    let genesys = &checked.genesys;
    let (token, admin) = token(genesys, set_in).await;
    checks.push(token);
    let Some(admin) = admin else {
        return skip_genesys(
            checks,
            "needs a token (see check token).",
            "Fix the token check, then run doctor again.",
        );
    };
    let who = org(&admin, genesys, set_in).await;
    let api_answers = who.status == Status::Ok;
    checks.push(who);
    if !api_answers {
        return skip_genesys(
            checks,
            "needs the Platform API to accept the token (see check org).",
            "Fix the org check, then run doctor again.",
        );
    }
    // Made up here, so no conversation has it: whatever the permission, nothing can start.
    let random = Uuid::new_v4().simple().to_string();
    let nowhere = ConversationId::parse(&format!("{MADE_UP_PREFIX}{}", &random[20..]))
        .expect("a made-up id is a UUID");
    let nobody = AgentId::parse(&Uuid::new_v4().to_string()).expect("a v4 UUID is an id");
    checks.push(start_permission(&admin, nowhere, nobody, set_in).await);
    checks.push(read_permission(&admin, genesys, nowhere, set_in).await);
    let target = Target {
        deployed: checked.deployed,
        url: given.url,
        function_arn: given.function_arn,
    };
    checks.push(data_action(&admin, &options.action_name, target, set_in).await);
    let mutual_tls = &checked.mutual_tls;
    checks.push(match checked.deployed {
        Deployed::Lambda { .. } if mutual_tls.bundle.is_none() => certificates::in_lambda(),
        _ => client_certificates(&admin, mutual_tls, set_in).await,
    });
    let region = region_name(&genesys.login_url, mutual_tls.name.as_deref());
    checks.push(match checked.deployed {
        Deployed::Lambda {
            function_url: false,
        } => egress::direct_invokes_only(),
        _ => egress_ranges(&admin, region, set_in).await,
    });
}

/// The org's region by name (`eu-west-1`): its login URL's, else that of the data-actions
/// name its certificate must carry (an org given by URLs may name one).
fn region_name(login_url: &str, certificate_name: Option<&str>) -> Option<&'static str> {
    let host = url::Url::parse(login_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default();
    REGIONS
        .iter()
        .find(|(_, domain, name)| {
            host.strip_prefix("login.") == Some(domain) || certificate_name == Some(name)
        })
        .map(|(region, _, _)| *region)
}

/// `region eu-west-1 (mypurecloud.ie)`, or the login URL's when it is not a region's.
fn region_of(login_url: &str) -> String {
    let host = url::Url::parse(login_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default();
    REGIONS
        .iter()
        .find(|(_, domain, _)| host.strip_prefix("login.") == Some(domain))
        .map(|(name, domain, _)| format!("region {name} ({domain})"))
        .unwrap_or_else(|| format!("the region of {login_url}"))
}

#[cfg(test)]
mod tests {
    use super::action::{same_url, schema_differences};
    use super::permissions::permissions_named;
    use super::*;
    use crate::genesys::Problem;
    use serde_json::json;

    #[test]
    fn permissions_are_named_as_genesys_named_them() {
        let refused = Problem::Refused {
            code: "missing.any.permissions".into(),
            message: "Unable to perform the requested action. You must have at least one of the \
                      following permissions assigned: [conversation:cobrowse:add, \
                      conversation:cobrowseVoice:add]"
                .into(),
        };
        assert_eq!(
            permissions_named(&refused),
            [
                "conversation:cobrowse:add",
                "conversation:cobrowseVoice:add"
            ]
        );
        let vague = Problem::Refused {
            code: "not.authorized".into(),
            message: "You are not authorized to perform the requested action.".into(),
        };
        assert!(permissions_named(&vague).is_empty());
    }

    #[test]
    fn a_schema_differs_by_what_a_flow_designer_would_see() {
        let expected = json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "string"}}});
        let same_with_genesys_id = json!({"id": "urn:x", "$schema": null, "type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "string"}}});
        assert_eq!(
            schema_differences(Some(&same_with_genesys_id), &expected),
            None
        );
        let old = json!({"type": "object", "required": [], "properties": {"a": {"type": "integer"}, "c": {}}});
        assert_eq!(
            schema_differences(Some(&old), &expected).unwrap(),
            "lacks b; has extra c; a differ; required differ"
        );
        assert_eq!(
            schema_differences(None, &expected).unwrap(),
            "Genesys has no such contract"
        );
    }

    #[test]
    fn the_region_is_named_from_the_login_url() {
        assert_eq!(
            region_of("https://login.mypurecloud.ie"),
            "region eu-west-1 (mypurecloud.ie)"
        );
        assert!(region_of("http://127.0.0.1:9000").contains("http://127.0.0.1:9000"));
    }

    #[test]
    fn the_region_is_the_login_urls_or_that_of_the_certificate_name() {
        assert_eq!(
            region_name("https://login.mypurecloud.ie", None),
            Some("eu-west-1")
        );
        let usw2 = "dataactions.prod-usw2.us-west-2.mypurecloud.com";
        assert_eq!(
            region_name("http://127.0.0.1:9000", Some(usw2)),
            Some("us-west-2")
        );
        assert_eq!(region_name("http://127.0.0.1:9000", None), None);
        assert_eq!(
            region_name("http://127.0.0.1:9000", Some("cobrowse.example.com")),
            None
        );
    }

    #[test]
    fn urls_compare_as_urls() {
        assert!(same_url(
            "https://Cobrowse.Example.com:443/v1/cobrowse/start",
            "https://cobrowse.example.com/v1/cobrowse/start"
        ));
        assert!(!same_url(
            "https://old.example.com/v1/cobrowse/start",
            "https://cobrowse.example.com/v1/cobrowse/start"
        ));
    }

    #[test]
    fn a_line_starts_with_its_verdict_and_ends_with_what_to_do() {
        let fail = Check::fail(TOKEN, "refused.", "Check the secret.");
        assert_eq!(
            fail.to_string(),
            "FAIL token: refused. What to do: Check the secret."
        );
        assert_eq!(Check::ok(ORG, "Acme.").to_string(), "ok   org: Acme.");
        let noted = Check::ok(READ_PERMISSION, "no.").with_note("pass agentId.");
        assert_eq!(
            noted.to_string(),
            "ok   read-permission: no. Note: pass agentId."
        );
    }
}
