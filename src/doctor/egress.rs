//! The `egress-ranges` check: the address ranges Genesys publishes for its data actions' calls
//! in the org's region (`GET /api/v2/ipranges`, service `data-actions`, direction outbound
//! from Genesys), for an allow-list at the firewall. An address is weaker proof than a
//! certificate: every org of the region calls from the same ranges, and the check says so. A
//! Lambda function serving direct invokes only is reached through AWS's API, from none of
//! them: the check is skipped, saying why.

use super::access::{is_forbidden, trouble};
use super::setting::SetIn;
use super::{Check, EGRESS_RANGES};
use crate::config::OrgKey;
use crate::genesys::admin::{Admin, IpAddressRange};
use crate::outcome::genesys_said as said;

/// The `service` of the ranges data actions call from, as the SDK's `IpAddressRange` names it.
pub(super) const DATA_ACTIONS: &str = "data-actions";

const WEAKER: &str = "An address is weaker proof than a certificate: every Genesys org in the region calls from these ranges, so an allow-list keeps out the rest of the internet, not other orgs; the credential and mutual TLS (docs/security.md) tell the org's data actions apart.";

/// The check for a Lambda function that serves direct invokes only: Genesys reaches it
/// through AWS's API, from no range an allow-list could name, and nothing else reaches it.
pub(super) fn direct_invokes_only() -> Check {
    Check::skip(
        EGRESS_RANGES,
        "not needed: the service runs in AWS Lambda and serves direct invokes only, which the AWS Lambda data actions integration makes through AWS's API with the role it assumes, not from these ranges to an address of yours: there is no firewall to open.",
        "Nothing to do here: the role's trust (Genesys's AWS account, your org's id as external id) decides who may invoke the function (docs/lambda.md).",
    )
}

pub(super) async fn egress_ranges(admin: &Admin, region: Option<&str>, set_in: SetIn<'_>) -> Check {
    let asked = "GET /api/v2/ipranges";
    let ranges = match admin.ip_ranges().await {
        Ok(ranges) => ranges,
        Err(error) if is_forbidden(&error) => {
            return Check::skip(
                EGRESS_RANGES,
                format!(
                    "not listed: Genesys answered 403{} to {asked}.",
                    said(&error.problem)
                ),
                "Genesys's words say why; the ranges are also in Genesys's documentation (Data actions, IP addresses).",
            );
        }
        Err(error) => return trouble(EGRESS_RANGES, asked, &error, set_in),
    };
    let data_actions: Vec<&IpAddressRange> = ranges.iter().filter(|r| calls_out(r)).collect();
    let mut regions: Vec<&str> = data_actions
        .iter()
        .filter_map(|r| r.region.as_deref())
        .collect();
    regions.sort_unstable();
    regions.dedup();
    let listed = if regions.is_empty() {
        "none".to_owned()
    } else {
        regions.join(", ")
    };
    let Some(region) = region else {
        return Check::ok(
            EGRESS_RANGES,
            format!(
                "the org's region is not known (its Genesys is given by URLs), so doctor cannot pick its data actions' ranges among the {} Genesys lists for service {DATA_ACTIONS} (regions: {listed}); with {} set instead of the URLs, or {} naming the region's data actions, it prints the region's. {WEAKER}",
                data_actions.len(),
                set_in.name(OrgKey::Region),
                set_in.name(OrgKey::TlsClientName)
            ),
        );
    };
    let cidrs: Vec<&str> = data_actions
        .iter()
        .filter(|r| {
            r.region
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(region))
        })
        .filter_map(|r| r.cidr.as_deref())
        .collect();
    if cidrs.is_empty() {
        return Check::skip(
            EGRESS_RANGES,
            format!(
                "not listed: Genesys lists no {DATA_ACTIONS} range for region {region} (it lists them for: {listed})."
            ),
            "Let the org's data actions in by certificate instead (docs/security.md), or ask Genesys for the region's ranges.",
        );
    }
    Check::ok(
        EGRESS_RANGES,
        format!(
            "the org's data actions (region {region}) call from {} range{}, for an allow-list at the firewall: {} ({asked}, service {DATA_ACTIONS}). {WEAKER}",
            cidrs.len(),
            if cidrs.len() == 1 { "" } else { "s" },
            cidrs.join(", ")
        ),
    )
}

/// A range the data actions call out from: their service, outbound from Genesys (or both
/// ways, or no direction given).
fn calls_out(range: &IpAddressRange) -> bool {
    range
        .service
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(DATA_ACTIONS))
        && range
            .direction
            .as_deref()
            .is_none_or(|d| d.eq_ignore_ascii_case("outbound") || d.eq_ignore_ascii_case("both"))
}
