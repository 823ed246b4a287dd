//! What doctor needs before it can ask Genesys anything: a usable configuration, a token
//! from the login service, and the org that token belongs to.

use serde_json::json;
use wiremock::ResponseTemplate;
use wiremock::matchers::path;

use crate::common::Unreachable;
use crate::genesys::{genesys_error, healthy_org};
use crate::harness::{answer, doctor, received, service, started_on, vars};

#[tokio::test]
async fn an_unusable_configuration_fails_naming_every_problem_and_asks_genesys_nothing() {
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    let mut vars = vars(&genesys.uri(), &[("UPSTREAM_TIMEOUT_MS", "0")]);
    vars.retain(|(name, _)| name != "GENESYS_CLIENT_SECRET");
    let run = doctor(vars, &["--url", &service.uri(), "--allow-http"]).await;
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
        received(&genesys).await.is_empty(),
        "Genesys was asked nothing"
    );
}

#[tokio::test]
async fn a_refused_oauth_client_fails_naming_the_variables_the_grant_and_the_region() {
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    answer(
        &genesys,
        path("/oauth/token"),
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "description": "authentication failed",
            "error_description": "authentication failed"
        })),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "token",
        "FAIL",
        &[
            "invalid_client: authentication failed",
            "COBROWSE_GENESYS_CLIENT_ID",
            "COBROWSE_GENESYS_CLIENT_SECRET",
            "Client Credentials",
            &format!("region of {}", genesys.uri()),
            "COBROWSE_GENESYS_REGION",
        ],
    );
    for check in ["org", "start-permission", "read-permission", "data-action"] {
        run.assert(check, "skip", &["needs a token"]);
    }
    assert!(started_on(&genesys).await.is_empty());
}

#[tokio::test]
async fn a_login_service_out_of_reach_fails_the_token_check() {
    let nowhere = Unreachable::reserve();
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let run = doctor(
        vars(&genesys.uri(), &[("GENESYS_LOGIN_URL", &nowhere.url())]),
        &[],
    )
    .await;
    assert_eq!(run.code, Some(1));
    run.assert("token", "FAIL", &[&nowhere.url(), "no connection", "DNS"]);
    run.assert("org", "skip", &[]);
}

#[tokio::test]
async fn a_token_the_api_refuses_fails_the_org_check_and_skips_the_rest() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path("/api/v2/tokens/me"),
        genesys_error(401, "bad.credentials", "Invalid login credentials."),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
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
    assert!(started_on(&genesys).await.is_empty());
}
