//! Retries: 429 and 503 after Retry-After while the budget allows; nothing that may have
//! started a session is ever sent twice.

use std::time::{Duration, Instant};

use wiremock::ResponseTemplate;
use wiremock::matchers::path;

use crate::helpers::*;

async fn fail_first_with(app: &TestApp, template: ResponseTemplate) {
    app.answer_first(path(COBROWSE_PATH), template).await;
    app.mount_cobrowse(session_reply()).await;
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let app = spawn_app().await;
    fail_first_with(
        &app,
        genesys_error(429, "too.many.requests.retry.after", "slow down")
            .insert_header("Retry-After", "1"),
    )
    .await;
    let started = Instant::now();
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(app.requests_to("cobrowse").await, 2);
}

#[tokio::test]
async fn a_503_is_retried() {
    let app = spawn_app().await;
    fail_first_with(
        &app,
        genesys_error(503, "service.unavailable", "later").insert_header("Retry-After", "0"),
    )
    .await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(app.requests_to("cobrowse").await, 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_is_rate_limited_at_once() {
    // Seconds, the largest number of seconds there is, and the last HTTP date there is.
    for retry_after in [
        "30",
        "18446744073709551615",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let app = spawn_app().await;
        app.mount_cobrowse(
            genesys_error(429, "too.many.requests.retry.after", "slow down")
                .insert_header("Retry-After", retry_after),
        )
        .await;
        let started = Instant::now();
        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["errorCode"], "RATE_LIMITED", "{retry_after}: {reply}");
        assert_eq!(reply["upstreamStatus"], 429);
        assert_eq!(reply["correlationId"], "corr-from-genesys");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{retry_after}: no pointless wait"
        );
        assert_eq!(app.requests_to("cobrowse").await, 1);
    }
}

#[tokio::test]
async fn a_429_storm_ends_in_rate_limited_within_the_budget() {
    let app = spawn_app().await;
    app.mount_cobrowse(
        genesys_error(429, "too.many.requests", "slow down").insert_header("Retry-After", "0"),
    )
    .await;
    let started = Instant::now();
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["errorCode"], "RATE_LIMITED");
    assert!(started.elapsed() < Duration::from_secs(2));
    let attempts = app.requests_to("cobrowse").await;
    assert!((2..=4).contains(&attempts), "{attempts} attempts");
}

#[tokio::test]
async fn gateway_errors_and_timeouts_are_never_retried() {
    for status in [502, 504] {
        let app = spawn_app().await;
        fail_first_with(&app, genesys_error(status, "gateway", "maybe")).await;
        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["errorCode"], "GENESYS_UNAVAILABLE");
        assert_eq!(app.requests_to("cobrowse").await, 1, "{status} retried");
    }
}

#[tokio::test]
async fn a_retry_after_that_leaves_genesys_too_little_time_to_answer_is_not_waited_for() {
    // 1.4 s of budget: after a 1 s Retry-After, 0.4 s would be left, under the 0.5 s a request
    // needs (COBROWSE_UPSTREAM_TIMEOUT_MS's fifth, at least 0.5 s), and Genesys takes 0.8 s.
    let app = spawn_app_with(&[("UPSTREAM_TIMEOUT_MS", "1400")]).await;
    app.mount_token(86_400).await;
    app.answer_first(
        path(COBROWSE_PATH),
        genesys_error(429, "too.many.requests.retry.after", "slow down")
            .insert_header("Retry-After", "1"),
    )
    .await;
    app.mount_cobrowse(session_reply().set_delay(Duration::from_millis(800)))
        .await;
    let started = Instant::now();
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["errorCode"], "RATE_LIMITED", "{reply}");
    assert_eq!(reply["upstreamStatus"], 429);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "Retry-After waited for: {:?}",
        started.elapsed()
    );
    assert_eq!(app.requests_to("cobrowse").await, 1);
}
