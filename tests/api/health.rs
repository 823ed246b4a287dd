//! Liveness, readiness and the metrics page.

use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::path;

use crate::helpers::*;

#[tokio::test]
async fn healthz_answers_without_genesys() {
    let app = spawn_app_with(&[]).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.genesys.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn readyz_is_200_only_when_a_token_can_be_had() {
    let app = spawn_app_with(&[]).await;
    app.answer_first(
        path("/oauth/token"),
        ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})),
    )
    .await;
    app.mount_token(86_400).await;
    let readyz = || app.get("/readyz");

    let not_ready = readyz().await;
    assert_eq!(not_ready.status(), 503);
    let body: Value = not_ready.json().await.unwrap();
    assert_eq!(body["errorCode"], "GENESYS_AUTH_FAILED");
    let still_failing = readyz().await;
    assert_eq!(
        still_failing.status(),
        503,
        "the login service is left alone a second"
    );

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(readyz().await.status(), 200);
    assert_eq!(readyz().await.status(), 200);
    assert_eq!(
        app.requests_to("/oauth/token").await,
        2,
        "probes use the cached token"
    );
}

#[tokio::test]
async fn metrics_show_the_retry_counters_before_any_retry() {
    let app = spawn_app().await;
    let metrics = app.metrics().await;
    for operation in ["token", "conversation", "cobrowse"] {
        let series =
            format!(r#"cobrowse_proxy_genesys_retries_total{{operation="{operation}"}} 0"#);
        assert!(metrics.contains(&series), "{series} missing:\n{metrics}");
    }
}
