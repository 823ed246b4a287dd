//! What doctor prints: the same checks as text or as one JSON array, and never a secret
//! in either, whatever fails.

use serde_json::Value;
use wiremock::matchers::path;

use crate::common::DOCTOR_CHECKS;
use crate::genesys::{
    ORG_NAME, answer, genesys_error, withhold_read_permission, withhold_start_permission,
};
use crate::harness::{PUBLIC_URL, Scenario};

#[tokio::test]
async fn json_prints_the_same_checks_as_one_array() {
    let text = Scenario::healthy()
        .await
        .doctor_on_url(&[("VERIFY_AGENT", "true")], &[])
        .await;
    let json_run = Scenario::healthy()
        .await
        .doctor_on_url(&[("VERIFY_AGENT", "true")], &["--format", "json"])
        .await;
    assert_eq!(json_run.code, Some(0));
    let checks: Value = serde_json::from_str(&json_run.stdout).expect("one JSON document");
    let checks = checks.as_array().expect("an array");
    let names: Vec<&str> = checks
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(names, DOCTOR_CHECKS);
    for (check, verdict) in checks.iter().zip(text.verdicts()) {
        assert_eq!(check["status"], verdict.as_str());
        assert!(check["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(check["todo"], "", "nothing to do on a healthy set-up");
        assert!(check.get("org").is_none(), "one org: no org field");
    }
    assert!(checks[2]["detail"].as_str().unwrap().contains(ORG_NAME));
}

#[tokio::test]
async fn neither_format_prints_a_secret_whatever_fails() {
    // `doctor()` asserts it of every run; here every Genesys check that can fail does.
    let scenario = Scenario::calling(PUBLIC_URL).await;
    withhold_start_permission(&scenario.genesys).await;
    withhold_read_permission(&scenario.genesys).await;
    answer(
        &scenario.genesys,
        path("/api/v2/integrations/actions"),
        genesys_error(400, "bad.request", "Malformed request"),
    )
    .await;
    let overrides = [("VERIFY_AGENT", "true")];
    let text = scenario.doctor(&overrides, &[]).await;
    assert_eq!(text.code, Some(1));
    let json_run = scenario.doctor(&overrides, &["--format", "json"]).await;
    assert_eq!(json_run.code, Some(1));
    let checks: Value = serde_json::from_str(&json_run.stdout).unwrap();
    let failed: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "FAIL")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        ["start-permission", "read-permission", "data-action"]
    );
    text.assert("data-action", "FAIL", &["bad.request: Malformed request"]);
}
