//! The `egress-ranges` check: the ranges Genesys publishes for its data actions' calls
//! (`GET /api/v2/ipranges`, the SDK's `IpAddressRangeListing`), those of the org's region
//! only, with the warning that an address is weaker proof than a certificate.

use wiremock::matchers::path;

use crate::genesys::{EU_WEST_1_DATA_ACTIONS, answer, genesys_error};
use crate::harness::{PUBLIC_URL, Scenario};
use crate::pki::EU_WEST_1;

#[tokio::test]
async fn the_regions_data_actions_ranges_are_printed_and_no_others() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    // An org given by URLs names its region by its data actions' certificate name.
    let run = scenario
        .doctor(&[("TLS_CLIENT_NAME", EU_WEST_1)], &[])
        .await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let line = run.assert(
        "egress-ranges",
        "ok",
        &[
            "the org's data actions (region eu-west-1) call from 2 ranges, for an allow-list at the firewall",
            &EU_WEST_1_DATA_ACTIONS.join(", "),
            "An address is weaker proof than a certificate",
        ],
    );
    // Another region's, another service's, and one into Genesys are left out.
    for other in [
        "192.0.2.0/28",
        "203.0.113.0/28",
        "203.0.113.128/28",
        "192.0.2.128/28",
    ] {
        assert!(!line.contains(other), "{other} in: {line}");
    }
}

#[tokio::test]
async fn an_org_of_unknown_region_is_told_how_to_name_it() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let run = scenario.doctor(&[], &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let line = run.assert(
        "egress-ranges",
        "ok",
        &[
            "the org's region is not known",
            "among the 3 Genesys lists for service data-actions (regions: eu-west-1, us-east-1)",
            "COBROWSE_GENESYS_REGION",
            "COBROWSE_TLS_CLIENT_NAME",
            "An address is weaker proof than a certificate",
        ],
    );
    assert!(!line.contains(EU_WEST_1_DATA_ACTIONS[0]), "{line}");
}

#[tokio::test]
async fn a_failure_to_list_them_is_a_failure_with_what_genesys_said() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    answer(
        &scenario.genesys,
        path("/api/v2/ipranges"),
        genesys_error(503, "service.unavailable", "Try again later."),
    )
    .await;
    let run = scenario
        .doctor(&[("TLS_CLIENT_NAME", EU_WEST_1)], &[])
        .await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "egress-ranges",
        "FAIL",
        &["GET /api/v2/ipranges", "503", "corr-doctor-1"],
    );
}
