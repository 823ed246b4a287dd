//! `POST /v1/lambda/invoke`, the path the AWS Lambda Web Adapter posts a direct invoke to:
//! refused on a server, served in Lambda (`COBROWSE_LAMBDA=true`) only for a call marked as a
//! direct invoke, with no credential, HTTP 200 whatever the outcome; and, with no credential
//! set, every call over HTTP refused. (`tests/cli/lambda.rs` runs the real adapter.)

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::common::{Genesys, required_vars};
use crate::helpers::{
    AGENT, CLIENT_ID, CLIENT_SECRET, COBROWSE_PATH, CONVERSATION, PASSWORD, TestApp, USERNAME,
    assert_failed_with, flat_reply, spawn_app, spawn_deployment,
};
use crate::metrics::value_of;

const INVOKE_PATH: &str = "/v1/lambda/invoke";

/// The service in Lambda with no inbound credential, in `status` error mode (which a direct
/// invoke must not follow), Genesys issuing a token and starting every session.
async fn spawn_in_lambda() -> TestApp {
    let app = spawn_app().await;
    let mut org = required_vars(
        Genesys::At(&app.genesys.uri()),
        (CLIENT_ID, CLIENT_SECRET),
        ("unused", "unused"),
    );
    org.retain(|(name, _)| !name.starts_with("AUTH_"));
    let address = spawn_deployment(org, &[("LAMBDA", "true"), ("ERROR_MODE", "status")]);
    app.mount_cobrowse(
        ResponseTemplate::new(200).set_body_json(json!({"id": "s1", "joinCode": "123456"})),
    )
    .await;
    TestApp { address, ..app }
}

/// `body` posted to the direct-invoke path as the adapter posts an event: JSON, with
/// `x-amzn-request-context` set to `context` when given.
async fn invoke(app: &TestApp, body: &str, context: Option<&str>) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}{INVOKE_PATH}", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(context) = context {
        request = request.header("x-amzn-request-context", context);
    }
    request.send().await.unwrap()
}

fn inputs() -> String {
    json!({"conversationId": CONVERSATION, "agentId": AGENT, "cobrowseType": "view"}).to_string()
}

#[tokio::test]
async fn on_a_server_the_direct_invoke_path_is_refused_even_marked_and_with_the_credential() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}{INVOKE_PATH}", app.address))
        .basic_auth(USERNAME, Some(PASSWORD))
        .header("x-amzn-request-context", "null")
        .header("content-type", "application/json")
        .body(inputs())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let reply = flat_reply(response).await;
    assert_failed_with(&reply, "UNAUTHORIZED", "does not run in AWS Lambda");
    assert_eq!(app.requests_to("cobrowse").await, 0);
    let metrics = app.metrics().await;
    let refused = r#"cobrowse_proxy_calls_total{outcome="failed",error_code="UNAUTHORIZED"}"#;
    assert_eq!(value_of(&metrics, refused), 1.0);
}

#[tokio::test]
async fn in_lambda_a_direct_invoke_starts_with_no_credential_and_carries_the_lambda_request_id() {
    let app = spawn_in_lambda().await;
    let response = app
        .http
        .post(format!("{}{INVOKE_PATH}", app.address))
        .header("x-amzn-request-context", "null")
        .header(
            "x-amzn-lambda-context",
            r#"{"request_id":"8f5e4a52-lambda-request","deadline":1796608830000,"invoked_function_arn":"arn:aws:lambda:eu-west-1:111122223333:function:cobrowse-proxy","xray_trace_id":null,"client_context":null,"identity":null,"env_config":{"function_name":"cobrowse-proxy","memory":128,"version":"$LATEST","log_stream":"","log_group":""}}"#,
        )
        .header("content-type", "application/json")
        .body(inputs())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-request-id"],
        "8f5e4a52-lambda-request"
    );
    let reply = flat_reply(response).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["joinCode"], "123456");
    assert_eq!(reply["requestId"], "8f5e4a52-lambda-request");
    let starts = app.start_requests().await;
    assert_eq!(starts.len(), 1);
    assert_eq!(starts[0].url.path(), COBROWSE_PATH);
}

#[tokio::test]
async fn in_lambda_every_failure_of_a_direct_invoke_is_200_whatever_the_error_mode() {
    let app = spawn_in_lambda().await;
    // The contract's failure, which `status` mode answers 400 over HTTP...
    let bad = json!({"conversationId": "not-a-uuid"}).to_string();
    let response = invoke(&app, &bad, Some("null")).await;
    assert_eq!(response.status(), 200);
    let reply = flat_reply(response).await;
    assert_failed_with(&reply, "INVALID_INPUT", "conversationId");
    // ... and one found before the contract, which is 400 in every mode over HTTP.
    let response = invoke(&app, "\"just a string\"", Some("null")).await;
    assert_eq!(response.status(), 200);
    let reply = flat_reply(response).await;
    assert_eq!(reply["errorCode"], "MALFORMED_REQUEST", "{reply}");
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn in_lambda_a_call_not_marked_as_a_direct_invoke_is_refused() {
    let app = spawn_in_lambda().await;
    let function_url_context = r#"{"routeKey":"$default","accountId":"anonymous","http":{"method":"POST","path":"/v1/lambda/invoke","sourceIp":"52.1.2.3"}}"#;
    for context in [None, Some(function_url_context), Some("NULL"), Some("")] {
        let response = invoke(&app, &inputs(), context).await;
        assert_eq!(response.status(), 401, "{context:?}");
        let reply: Value = response.json().await.unwrap();
        assert_failed_with(&reply, "UNAUTHORIZED", "is not a direct invoke");
    }
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn in_lambda_with_no_credential_set_every_call_over_http_is_refused() {
    let app = spawn_in_lambda().await;
    for credential in [None, Some(PASSWORD)] {
        let mut request = app
            .start_request()
            .json(&serde_json::from_str::<Value>(&inputs()).unwrap());
        if let Some(password) = credential {
            request = request.basic_auth(USERNAME, Some(password));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let reply = flat_reply(response).await;
        assert_failed_with(&reply, "UNAUTHORIZED", "has no inbound credential");
    }
    // A direct invoke still works.
    let response = invoke(&app, &inputs(), Some("null")).await;
    assert_eq!(flat_reply(response).await["success"], true);
}
