//! The OAuth token: one for everyone, renewed before it expires, renewed once on a 401.

use std::time::Duration;

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::token_reply;
use crate::helpers::*;

#[tokio::test]
async fn many_concurrent_calls_share_one_token_request() {
    let app = spawn_app_with(&[]).await;
    // A slow token endpoint makes every caller arrive while the first renewal is in flight.
    app.mount_login(token_reply(ACCESS_TOKEN, 86_400).set_delay(Duration::from_millis(300)))
        .await;
    app.mount_cobrowse(session_reply()).await;

    let input = valid_input();
    let calls = (0..50).map(|_| app.start(&input));
    let replies = futures_util::future::join_all(calls).await;
    for response in replies {
        assert_eq!(flat_reply(response).await["success"], true);
    }
    assert_eq!(app.requests_to("/oauth/token").await, 1);
    assert_eq!(app.requests_to("cobrowse").await, 50);

    // Later calls keep using it.
    for _ in 0..5 {
        app.start(&valid_input()).await;
    }
    assert_eq!(app.requests_to("/oauth/token").await, 1);
}

#[tokio::test]
async fn the_token_is_requested_with_the_client_credentials_grant() {
    let app = spawn_app_with(&[]).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(wiremock::matchers::body_string(
            "grant_type=client_credentials",
        ))
        .and(wiremock::matchers::basic_auth(CLIENT_ID, CLIENT_SECRET))
        .respond_with(token_reply(ACCESS_TOKEN, 86_400))
        .expect(1)
        .mount(&app.genesys)
        .await;
    app.mount_cobrowse(session_reply()).await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
}

#[tokio::test]
async fn the_token_is_renewed_before_it_expires() {
    let app = spawn_app().await;
    // Rebuild the login mock with a 2 s lifetime: renewal is due after 1.8 s.
    app.genesys.reset().await;
    app.mount_token(2).await;
    app.mount_cobrowse(session_reply()).await;

    app.start(&valid_input()).await;
    app.start(&valid_input()).await;
    assert_eq!(app.requests_to("/oauth/token").await, 1, "still fresh");
    tokio::time::sleep(Duration::from_millis(1900)).await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true);
    // The renewal runs beside the call: it may still be under way when the reply comes.
    assert_eq!(
        token_requests_after_a_moment(&app).await,
        2,
        "renewed in the last 10%"
    );
}

/// Token requests Genesys received, once a background renewal begun by a call has had time
/// to arrive.
async fn token_requests_after_a_moment(app: &TestApp) -> usize {
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.requests_to("/oauth/token").await
}

/// The token requests Genesys received once `expected` of them have arrived (or 3 s passed,
/// for a background renewal on a loaded machine), and 300 ms more for any beyond them.
async fn token_requests_once_settled(app: &TestApp, expected: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while app.requests_to("/oauth/token").await < expected && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    token_requests_after_a_moment(app).await
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_retries_once() {
    let app = spawn_app().await;
    app.answer_first(
        path(COBROWSE_PATH),
        genesys_error(401, "bad.credentials", "token revoked"),
    )
    .await;
    app.mount_cobrowse(session_reply()).await;

    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(app.requests_to("/oauth/token").await, 2);
    assert_eq!(app.requests_to("cobrowse").await, 2);
}

#[tokio::test]
async fn a_failed_token_request_is_retried_by_the_next_call() {
    let app = spawn_app_with(&[]).await;
    app.answer_first(path("/oauth/token"), ResponseTemplate::new(500))
        .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;

    let first = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(first["errorCode"], "GENESYS_UNAVAILABLE");
    assert_eq!(first["upstreamStatus"], 500);
    // After one failure the login service is left alone for a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(second["success"], true, "{second}");
}

#[tokio::test]
async fn a_failing_login_service_is_not_asked_once_per_call() {
    let app = spawn_app_with(&[]).await;
    app.mount_login(genesys_error(500, "internal.server.error", "login is down"))
        .await;
    app.mount_cobrowse(session_reply()).await;

    for _ in 0..10 {
        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["errorCode"], "GENESYS_UNAVAILABLE", "{reply}");
        assert_eq!(reply["upstreamStatus"], 500, "every call is told why");
    }
    let asked = app.requests_to("/oauth/token").await;
    assert!(
        asked <= 2,
        "{asked} token requests for 10 calls within a second or so"
    );
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn an_absurd_token_lifetime_is_capped_not_a_crash() {
    let app = spawn_app_with(&[]).await;
    app.mount_token(u64::MAX).await;
    app.mount_cobrowse(session_reply()).await;
    for _ in 0..2 {
        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["success"], true, "{reply}");
    }
    assert_eq!(
        app.requests_to("/oauth/token").await,
        1,
        "the token is cached"
    );
}

/// Genesys's login service answers at once the first time, then takes `later_delay`.
async fn login_slow_after_first(app: &TestApp, expires_in: u64, later_delay: Duration) {
    app.genesys.reset().await;
    app.answer_first(path("/oauth/token"), token_reply(ACCESS_TOKEN, expires_in))
        .await;
    app.mount_login(token_reply("renewed-token", expires_in).set_delay(later_delay))
        .await;
    app.mount_cobrowse(session_reply()).await;
}

#[tokio::test]
async fn a_slow_login_during_renewal_does_not_hold_up_calls_while_the_token_is_valid() {
    // A 5 s budget; a 10 s token, renewed from 9 s on; the renewal takes 6 s, past the budget.
    let app = spawn_app_with(&[("UPSTREAM_TIMEOUT_MS", "5000")]).await;
    let first_call = std::time::Instant::now();
    login_slow_after_first(&app, 10, Duration::from_secs(6)).await;
    app.start(&valid_input()).await;
    tokio::time::sleep_until((first_call + Duration::from_millis(9100)).into()).await;

    // Calls in the renewal window: a call that waited for the renewal would fail after 5 s.
    let calls = (0..3).map(|_| async {
        let started = std::time::Instant::now();
        let reply = flat_reply(app.start(&valid_input()).await).await;
        (reply, started.elapsed())
    });
    for (reply, took) in futures_util::future::join_all(calls).await {
        assert_eq!(reply["success"], true, "{reply}");
        assert!(
            took < Duration::from_millis(2500),
            "waited {took:?} on a renewal although the token was valid"
        );
    }
    assert_eq!(
        token_requests_once_settled(&app, 2).await,
        2,
        "one renewal, not one per call"
    );
    let used: Vec<_> = app
        .start_requests()
        .await
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert!(used.iter().all(|h| h == &format!("Bearer {ACCESS_TOKEN}")));
}

#[tokio::test]
async fn a_readiness_probe_does_not_cut_short_the_renewal_a_call_waits_for() {
    // A 7 s budget: the probe waits at most 2 s for a token, a call the whole 7 s.
    let app = spawn_app_with(&[("UPSTREAM_TIMEOUT_MS", "7000")]).await;
    app.mount_login(token_reply(ACCESS_TOKEN, 86_400).set_delay(Duration::from_millis(5500)))
        .await;
    app.mount_cobrowse(session_reply()).await;
    // The probe asks first, so the token request is made on its behalf...
    let probe = tokio::spawn(app.http.get(format!("{}/readyz", app.address)).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...and a call queued behind it still gets the token when it comes, within its budget.
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    let probe: serde_json::Value = probe.await.unwrap().unwrap().json().await.unwrap();
    assert_eq!(
        probe["errorCode"], "UPSTREAM_TIMEOUT",
        "the probe gave up at 2 s: {probe}"
    );
    assert_eq!(app.requests_to("/oauth/token").await, 1);
}

#[tokio::test]
async fn a_call_that_gets_no_token_says_nothing_was_started() {
    let app = spawn_app().await;
    app.genesys.reset().await;
    app.mount_login(token_reply(ACCESS_TOKEN, 86_400).set_delay(Duration::from_secs(5)))
        .await;
    app.mount_cobrowse(session_reply()).await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&reply, "UPSTREAM_TIMEOUT", "Nothing was started");
    let message = reply["errorMessage"].as_str().unwrap();
    assert!(!message.contains("may or may not"), "{message}");
    assert!(message.contains("login service"), "{message}");
    assert_eq!(app.requests_to("cobrowse").await, 0);
}
