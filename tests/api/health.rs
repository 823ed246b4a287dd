//! Liveness, readiness and the metrics page.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::path;

use crate::common::token_reply;
use crate::helpers::*;

#[tokio::test]
async fn healthz_answers_without_genesys() {
    let app = spawn_app_with(&[]).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.genesys.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_refused_client_leaves_readyz_200_saying_so_and_calls_get_genesys_auth_failed() {
    let app = spawn_app_with(&[]).await;
    app.answer_first(
        path("/oauth/token"),
        ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})),
    )
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let readyz = || app.get("/readyz");

    // Every replica shares the refusal: readiness must not take them all out of the Service,
    // or flows get no errorCode at all.
    let refused = readyz().await;
    assert_eq!(refused.status(), 200);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(
        body["genesys"], "login refused (GENESYS_AUTH_FAILED)",
        "{body}"
    );
    assert_eq!(body["errorCode"], "GENESYS_AUTH_FAILED", "{body}");
    assert_eq!(body["upstreamStatus"], 401, "{body}");
    // The environment's one org: its client is in the variables.
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("COBROWSE_GENESYS_CLIENT_ID and COBROWSE_GENESYS_CLIENT_SECRET"),
        "{message}"
    );
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(
        &reply,
        "GENESYS_AUTH_FAILED",
        "COBROWSE_GENESYS_CLIENT_SECRET",
    );
    assert_eq!(
        app.requests_to("/oauth/token").await,
        1,
        "the login service is left alone a second"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..2 {
        let held: Value = readyz().await.json().await.unwrap();
        assert_eq!(held["genesys"], "token held", "{held}");
        assert_eq!(held.get("errorCode"), None, "{held}");
    }
    assert_eq!(
        app.requests_to("/oauth/token").await,
        2,
        "probes use the cached token"
    );
}

#[tokio::test]
async fn a_login_service_that_is_down_leaves_readyz_200_and_calls_get_genesys_unavailable() {
    let app = spawn_app_with(&[]).await;
    app.mount_login(ResponseTemplate::new(500)).await;
    app.mount_cobrowse(session_reply()).await;

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(
        body["genesys"], "login service unavailable (GENESYS_UNAVAILABLE)",
        "{body}"
    );
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&reply, "GENESYS_UNAVAILABLE", "login service");
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn a_hanging_login_service_never_makes_the_readiness_probe_time_out() {
    // A 10 s budget: the probe's own wait, not the budget, must bound it.
    let app = spawn_app_with(&[("UPSTREAM_TIMEOUT_MS", "10000")]).await;
    app.mount_login(token_reply("late", 86_400).set_delay(Duration::from_secs(30)))
        .await;
    let started = Instant::now();
    let ready = app.get("/readyz").await;
    let took = started.elapsed();
    // Well within a Kubernetes probe's 5 s: a probe that times out fails like a 503.
    assert!(took < Duration::from_secs(4), "/readyz took {took:?}");
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["errorCode"], "UPSTREAM_TIMEOUT", "{body}");
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
