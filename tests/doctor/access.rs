//! What doctor needs before it can ask Genesys anything: a usable configuration, a token
//! from the login service, and the org that token belongs to.

use wiremock::matchers::path;

use crate::common::Unreachable;
use crate::genesys::{answer, genesys_error, received, refuse_client, started_on};
use crate::harness::{PUBLIC_URL, Scenario, doctor};

#[tokio::test]
async fn an_unusable_configuration_fails_naming_every_problem_and_asks_genesys_nothing() {
    let scenario = Scenario::healthy().await;
    let mut vars = scenario.vars(&[("UPSTREAM_TIMEOUT_MS", "0")]);
    vars.retain(|(name, _)| name != "GENESYS_CLIENT_SECRET");
    let run = doctor(vars, &["--url", &scenario.url, "--allow-http"]).await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "configuration",
        "FAIL",
        &[
            "COBROWSE_GENESYS_CLIENT_SECRET",
            "COBROWSE_UPSTREAM_TIMEOUT_MS",
            "What to do:",
        ],
    );
    for check in [
        "token",
        "org",
        "start-permission",
        "read-permission",
        "data-action",
    ] {
        run.assert(check, "skip", &["usable configuration", "What to do:"]);
    }
    run.assert("service-url", "ok", &[]);
    assert!(
        received(&scenario.genesys).await.is_empty(),
        "Genesys was asked nothing"
    );
}

#[tokio::test]
async fn a_refused_oauth_client_fails_naming_the_variables_the_grant_and_the_region() {
    let scenario = Scenario::healthy().await;
    refuse_client(&scenario.genesys, "authentication failed").await;
    let run = scenario.doctor(&[], &[]).await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "token",
        "FAIL",
        &[
            "invalid_client: authentication failed",
            "COBROWSE_GENESYS_CLIENT_ID",
            "COBROWSE_GENESYS_CLIENT_SECRET",
            "Client Credentials",
            &format!("region of {}", scenario.genesys.uri()),
            "COBROWSE_GENESYS_REGION",
        ],
    );
    for check in ["org", "start-permission", "read-permission", "data-action"] {
        run.assert(check, "skip", &["needs a token"]);
    }
    assert!(started_on(&scenario.genesys).await.is_empty());
}

#[tokio::test]
async fn a_login_service_out_of_reach_fails_the_token_check() {
    let nowhere = Unreachable::reserve();
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let run = scenario
        .doctor(&[("GENESYS_LOGIN_URL", &nowhere.url())], &[])
        .await;
    assert_eq!(run.code, Some(1));
    run.assert("token", "FAIL", &[&nowhere.url(), "no connection", "DNS"]);
    run.assert("org", "skip", &[]);
}

#[tokio::test]
async fn a_token_the_api_refuses_fails_the_org_check_and_skips_the_rest() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    answer(
        &scenario.genesys,
        path("/api/v2/tokens/me"),
        genesys_error(401, "bad.credentials", "Invalid login credentials."),
    )
    .await;
    let run = scenario.doctor(&[], &[]).await;
    assert_eq!(run.code, Some(1));
    run.assert("token", "ok", &[]);
    run.assert(
        "org",
        "FAIL",
        &[
            "401",
            "bad.credentials",
            "corr-doctor-1",
            "COBROWSE_GENESYS_API_URL",
            "COBROWSE_GENESYS_LOGIN_URL",
        ],
    );
    for check in ["start-permission", "read-permission", "data-action"] {
        run.assert(check, "skip", &["org"]);
    }
    assert!(started_on(&scenario.genesys).await.is_empty());
}
