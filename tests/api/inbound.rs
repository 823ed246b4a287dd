//! Inbound credentials: Basic and Bearer, several valid at once for rotation, request ids.

use serde_json::Value;

use crate::helpers::*;

async fn post_with(app: &TestApp, authorization: &str) -> reqwest::Response {
    app.start_request()
        .header("Authorization", authorization)
        .json(&valid_input())
        .send()
        .await
        .unwrap()
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

#[tokio::test]
async fn bearer_tokens_and_rotated_secrets_are_all_accepted() {
    let app = spawn_app_with(&[
        ("AUTH_PASSWORD_NEXT", "the-new-password"),
        ("AUTH_BEARER_TOKEN", "token-one"),
        ("AUTH_BEARER_TOKEN_NEXT", "token-two"),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    for authorization in [
        basic(USERNAME, PASSWORD),
        basic(USERNAME, "the-new-password"),
        "Bearer token-one".to_owned(),
        "bearer  token-two ".to_owned(),
    ] {
        let response = post_with(&app, &authorization).await;
        assert_eq!(response.status(), 200, "{authorization}");
        assert_eq!(
            flat_reply(response).await["success"],
            true,
            "{authorization}"
        );
    }
}

#[tokio::test]
async fn refusals_say_why_without_repeating_the_secret() {
    let app = spawn_app_with(&[("AUTH_BEARER_TOKEN", "token-one")]).await;
    let cases = [
        (basic(USERNAME, "guess-123"), "not one this service accepts"),
        (
            basic("someone-else", PASSWORD),
            "not one this service accepts",
        ),
        (
            "Bearer guess-456".to_owned(),
            "not one this service accepts",
        ),
        ("Digest abc".to_owned(), "scheme is not one"),
        (
            "Basic !!!not-base64".to_owned(),
            "not one this service accepts",
        ),
    ];
    for (authorization, why) in cases {
        let response = post_with(&app, &authorization).await;
        assert_eq!(response.status(), 401);
        let reply = flat_reply(response).await;
        assert_eq!(reply["errorCode"], "UNAUTHORIZED");
        let message = reply["errorMessage"].as_str().unwrap();
        assert!(message.contains(why), "{authorization}: {message}");
        assert!(!message.contains("guess"), "{message}");
    }
    let missing = app
        .start_request()
        .json(&valid_input())
        .send()
        .await
        .unwrap();
    let reply = flat_reply(missing).await;
    assert!(
        reply["errorMessage"]
            .as_str()
            .unwrap()
            .contains("No Authorization header")
    );
    assert_eq!(app.genesys.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_bearer_token_is_refused_when_none_is_configured() {
    let app = spawn_app().await;
    let response = post_with(&app, "Bearer anything").await;
    assert_eq!(response.status(), 401);
    assert!(
        flat_reply(response).await["errorMessage"]
            .as_str()
            .unwrap()
            .contains("scheme")
    );
}

#[tokio::test]
async fn a_sane_incoming_request_id_is_kept_and_anything_else_replaced() {
    let app = spawn_app().await;
    app.mount_cobrowse(session_reply()).await;
    let send = |id: &'static str| {
        app.start_request()
            .basic_auth(USERNAME, Some(PASSWORD))
            .header("X-Request-Id", id)
            .json(&valid_input())
            .send()
    };

    let kept = send("genesys-abc_123.4").await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "genesys-abc_123.4");
    assert_eq!(flat_reply(kept).await["requestId"], "genesys-abc_123.4");

    let replaced = send("<script>alert(1)</script>").await.unwrap();
    let header = replaced.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let reply: Value = flat_reply(replaced).await;
    assert_eq!(reply["requestId"], header.as_str());
    assert!(uuid::Uuid::parse_str(&header).is_ok(), "{header}");
}
