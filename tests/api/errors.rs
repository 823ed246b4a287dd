//! Every failure path: a stable code, a message that says what to do, the right status,
//! the Genesys correlation id when there is one, and bad input never reaching Genesys.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::common::Unreachable;
use crate::helpers::*;

async fn failure_for(app: &TestApp, input: &Value) -> Value {
    let response = app.start(input).await;
    assert_eq!(response.status(), 200, "inline mode answers 200");
    let reply = flat_reply(response).await;
    assert_eq!(reply["success"], false, "{reply}");
    assert_eq!(reply["sessionId"], "");
    assert!(!reply["errorMessage"].as_str().unwrap().is_empty());
    reply
}

#[tokio::test]
async fn genesys_refusals_map_to_stable_codes() {
    let cases = [
        (
            genesys_error(
                403,
                "missing.any.permissions",
                "You are missing permissions",
            ),
            "MISSING_PERMISSION",
            "conversation:cobrowseVoice:add",
        ),
        (
            genesys_error(404, "not.found", "The requested resource was not found."),
            "CONVERSATION_NOT_FOUND",
            CONVERSATION,
        ),
        (
            genesys_error(400, "bad.request", "The conversation is not active"),
            "REJECTED_BY_GENESYS",
            "The conversation is not active",
        ),
        (
            genesys_error(409, "conflict", "A cobrowse session already exists"),
            "REJECTED_BY_GENESYS",
            "already exists",
        ),
        (
            genesys_error(500, "internal.server.error", "boom"),
            "GENESYS_UNAVAILABLE",
            "Nothing was started",
        ),
        (
            genesys_error(502, "bad.gateway", "upstream"),
            "GENESYS_UNAVAILABLE",
            "may or may not have started",
        ),
        (
            genesys_error(504, "request.timeout", "took too long"),
            "GENESYS_UNAVAILABLE",
            "may or may not have started",
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>not json</html>"),
            "INVALID_UPSTREAM_RESPONSE",
            "may have started",
        ),
    ];
    for (template, code, hint) in cases {
        let app = spawn_app().await;
        app.mount_cobrowse(template).await;
        let reply = failure_for(&app, &valid_input()).await;
        assert_failed_with(&reply, code, hint);
        if code != "INVALID_UPSTREAM_RESPONSE" {
            assert_eq!(reply["correlationId"], "corr-from-genesys", "{reply}");
        }
        assert_ne!(reply["upstreamStatus"], 0);
    }
}

#[tokio::test]
async fn the_correlation_id_falls_back_to_the_error_body_context_id() {
    let app = spawn_app().await;
    app.mount_cobrowse(ResponseTemplate::new(404).set_body_json(json!({
        "message": "not found", "code": "not.found", "status": 404, "contextId": "ctx-only-in-body"
    })))
    .await;
    let reply = failure_for(&app, &valid_input()).await;
    assert_eq!(reply["correlationId"], "ctx-only-in-body");
}

#[tokio::test]
async fn refused_client_credentials_are_genesys_auth_failed() {
    let app = spawn_app_with(&[]).await;
    wiremock::Mock::given(wiremock::matchers::path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "description": "authentication failed",
            "error_description": "authentication failed"
        })))
        .mount(&app.genesys)
        .await;
    let reply = failure_for(&app, &valid_input()).await;
    assert_eq!(reply["errorCode"], "GENESYS_AUTH_FAILED");
    let message = reply["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("COBROWSE_GENESYS_CLIENT_SECRET"),
        "{message}"
    );
    assert!(message.contains("invalid_client"), "{message}");
    assert!(!message.contains(CLIENT_SECRET));
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn a_token_refused_twice_is_genesys_auth_failed() {
    let app = spawn_app().await;
    app.mount_cobrowse(genesys_error(
        401,
        "bad.credentials",
        "Invalid login credentials.",
    ))
    .await;
    let reply = failure_for(&app, &valid_input()).await;
    assert_eq!(reply["errorCode"], "GENESYS_AUTH_FAILED");
    assert_eq!(reply["upstreamStatus"], 401);
    assert_eq!(
        app.requests_to("cobrowse").await,
        2,
        "renew once, retry once"
    );
    assert_eq!(app.requests_to("/oauth/token").await, 2);
}

#[tokio::test]
async fn a_slow_genesys_is_upstream_timeout_within_the_budget() {
    let app = spawn_app_with(&[("UPSTREAM_TIMEOUT_MS", "500")]).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply().set_delay(Duration::from_secs(3)))
        .await;
    let started = std::time::Instant::now();
    let reply = failure_for(&app, &valid_input()).await;
    let elapsed = started.elapsed();
    assert_eq!(reply["errorCode"], "UPSTREAM_TIMEOUT");
    assert_eq!(reply["upstreamStatus"], 0);
    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
    assert_eq!(
        app.requests_to("cobrowse").await,
        1,
        "a timeout is never retried"
    );
}

#[tokio::test]
async fn an_unreachable_genesys_is_genesys_unavailable() {
    let nothing = Unreachable::reserve();
    let url = nothing.url();
    let app = spawn_app_with(&[("GENESYS_API_URL", &url), ("GENESYS_LOGIN_URL", &url)]).await;
    let reply = failure_for(&app, &valid_input()).await;
    assert_failed_with(&reply, "GENESYS_UNAVAILABLE", "could not be reached");
}

#[tokio::test]
async fn invalid_input_names_the_field_and_never_reaches_genesys() {
    let app = spawn_app().await;
    app.mount_cobrowse(session_reply()).await;
    let cases = [
        (
            json!({"conversationId": "../../users/me", "agentId": AGENT}),
            "conversationId must be a Genesys id",
        ),
        (
            json!({"conversationId": "NOT_SET", "agentId": AGENT}),
            "never set",
        ),
        (json!({"agentId": AGENT}), "conversationId is required"),
        (
            json!({"conversationId": "  ", "agentId": AGENT}),
            "conversationId is empty",
        ),
        (
            json!({"conversationId": 42, "agentId": AGENT}),
            "conversationId must be string",
        ),
        (
            json!({"conversationId": CONVERSATION, "agentId": "me"}),
            "agentId must be a Genesys id",
        ),
        (
            json!({"conversationId": CONVERSATION, "agentId": AGENT, "cobrowseType": "edit"}),
            "\"view\" or \"control\"",
        ),
        (
            json!({"conversationId": CONVERSATION, "agentId": AGENT, "cobrowseType": true}),
            "cobrowseType must be",
        ),
        (
            json!({"conversationId": CONVERSATION, "agentId": AGENT, "extra": 1}),
            "unknown input extra",
        ),
        (
            json!({"conversationId": CONVERSATION.repeat(3), "agentId": AGENT}),
            "longer than 64",
        ),
    ];
    for (input, hint) in cases {
        let reply = failure_for(&app, &input).await;
        assert_eq!(reply["errorCode"], "INVALID_INPUT", "{input}: {reply}");
        assert_eq!(reply["upstreamStatus"], 0);
        let message = reply["errorMessage"].as_str().unwrap();
        assert!(message.contains(hint), "{input}: {message}");
    }
    assert_eq!(app.requests_to("cobrowse").await, 0, "Genesys was called");
    assert_eq!(
        app.requests_to("/oauth/token").await,
        0,
        "Genesys was called"
    );
}

#[tokio::test]
async fn requests_that_never_reach_the_contract_get_their_status_and_the_flat_body() {
    let app = spawn_app().await;
    let valid = valid_input().to_string();
    let cases: Vec<(reqwest::Response, u16, &str)> = vec![
        (
            app.post_raw(valid.clone(), "application/json", false).await,
            401,
            "UNAUTHORIZED",
        ),
        (
            app.post_raw(valid.clone(), "text/plain", true).await,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            app.post_raw("{\"conversationId\":", "application/json", true)
                .await,
            400,
            "MALFORMED_REQUEST",
        ),
        (
            app.post_raw("[1,2]", "application/json", true).await,
            400,
            "MALFORMED_REQUEST",
        ),
        (
            app.post_raw("", "application/json", true).await,
            400,
            "MALFORMED_REQUEST",
        ),
        (
            app.post_raw("x".repeat(17 * 1024), "application/json", true)
                .await,
            413,
            "PAYLOAD_TOO_LARGE",
        ),
    ];
    for (response, status, code) in cases {
        assert_eq!(response.status(), status, "{code}");
        let reply = flat_reply(response).await;
        assert_eq!(reply["errorCode"], code);
        assert_eq!(reply["success"], false);
    }
    let wrong_password = app
        .start_request()
        .basic_auth(USERNAME, Some("wrong"))
        .json(&valid_input())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_password.status(), 401);
    let unknown = app.get("/v1/cobrowse/start").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(flat_reply(unknown).await["errorCode"], "UNKNOWN_ROUTE");
    assert_eq!(app.genesys.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn an_oversized_body_without_a_length_is_refused_while_reading() {
    let app = spawn_app().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b' '; 1024])).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = app.post_raw(body, "application/json", true).await;
    assert_eq!(response.status(), 413);
    assert_eq!(flat_reply(response).await["errorCode"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn status_mode_answers_the_same_body_with_a_fitting_status() {
    let cases = [
        (
            genesys_error(403, "missing.permissions", "no"),
            403,
            "MISSING_PERMISSION",
        ),
        (
            genesys_error(404, "not.found", "no"),
            404,
            "CONVERSATION_NOT_FOUND",
        ),
        (
            genesys_error(500, "internal.server.error", "no"),
            503,
            "GENESYS_UNAVAILABLE",
        ),
    ];
    for (template, status, code) in cases {
        let app = spawn_app_with(&[("ERROR_MODE", "status")]).await;
        app.mount_token(86_400).await;
        app.mount_cobrowse(template).await;
        let response = app.start(&valid_input()).await;
        assert_eq!(response.status(), status);
        assert_eq!(flat_reply(response).await["errorCode"], code);
    }
    let app = spawn_app_with(&[("ERROR_MODE", "status")]).await;
    let response = app.start(&json!({"conversationId": "NOT_SET"})).await;
    assert_eq!(response.status(), 400);
    assert_eq!(flat_reply(response).await["errorCode"], "INVALID_INPUT");
}

#[tokio::test]
async fn a_wrong_action_path_gets_a_request_id_and_is_counted() {
    let app = spawn_app().await;
    // The data action's URL with a stray trailing slash.
    let response = app
        .http
        .post(format!("{}/v1/cobrowse/start/", app.address))
        .header("X-Request-Id", "flow-call-42")
        .basic_auth(USERNAME, Some(PASSWORD))
        .json(&valid_input())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-request-id"], "flow-call-42");
    let reply = flat_reply(response).await;
    assert_eq!(reply["errorCode"], "UNKNOWN_ROUTE");
    assert_eq!(reply["requestId"], "flow-call-42");

    let metrics = app.metrics().await;
    assert!(
        metrics.contains(
            r#"cobrowse_proxy_calls_total{outcome="failed",error_code="UNKNOWN_ROUTE"} 1"#
        ),
        "{metrics}"
    );
    assert_eq!(app.genesys.received_requests().await.unwrap().len(), 0);
}
