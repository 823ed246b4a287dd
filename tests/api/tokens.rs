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
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply(ACCESS_TOKEN, 86_400).set_delay(Duration::from_millis(300)))
        .mount(&app.genesys)
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
    assert_eq!(
        app.requests_to("/oauth/token").await,
        2,
        "renewed in the last 10%"
    );
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
    let second = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(second["success"], true, "{second}");
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
