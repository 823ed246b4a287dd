//! The service as a Lambda function: the real AWS Lambda Web Adapter in front of the real
//! binary with `COBROWSE_LAMBDA=true`, fed events by the test's Runtime API
//! (`lambda_runtime.rs`), Genesys mocked. A direct invoke (Genesys's AWS Lambda data actions
//! integration) is answered as a start over HTTP is, with no credential; a function URL's
//! event needs the credential and cannot reach the direct-invoke path; a server not in Lambda
//! refuses that path; a frozen and thawed environment keeps its token.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::common::{http, start_requests};
use crate::harness::{
    AGENT, CONVERSATION, PASSWORD, borrowed, events, genesys, reply, start_request, vars,
};
use crate::lambda_runtime::{Answer, Function, PASS_THROUGH_PATH, adapter};

/// The service's variables in Lambda, Genesys at `genesys`: the tests' Basic credential, or
/// none (a function only Genesys's AWS Lambda integration invokes).
fn in_lambda(genesys: &MockServer, credential: bool) -> Vec<(&'static str, String)> {
    let mut vars = vars(genesys);
    vars.push(("LAMBDA", "true".to_owned()));
    if !credential {
        vars.retain(|(name, _)| !name.starts_with("AUTH_"));
    }
    vars
}

/// A flow's inputs, as Genesys's AWS Lambda integration sends them: the event itself.
fn inputs(conversation: &str) -> Value {
    json!({"conversationId": conversation, "agentId": AGENT, "cobrowseType": "control"})
}

/// A function URL's event (API Gateway's payload format 2.0): `body` posted to `path`, with
/// Basic `password` when given and `headers` besides.
fn function_url_event(path: &str, password: Option<&str>, headers: Value, body: &Value) -> Value {
    let mut all = json!({
        "content-type": "application/json",
        "host": "abcdefg.lambda-url.eu-west-1.on.aws",
        "user-agent": "Genesys-DataActions",
        "x-forwarded-for": "52.1.2.3",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https"
    });
    if let Some(password) = password {
        let credential = STANDARD.encode(format!("genesys:{password}"));
        all["authorization"] = json!(format!("Basic {credential}"));
    }
    all.as_object_mut()
        .unwrap()
        .extend(headers.as_object().unwrap().clone());
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": all,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefg",
            "domainName": "abcdefg.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abcdefg",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "52.1.2.3",
                "userAgent": "Genesys-DataActions"
            },
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "routeKey": "$default",
            "stage": "$default",
            "time": "07/Dec/2026:02:00:00 +0000",
            "timeEpoch": 1796608800000u64
        },
        "body": body.to_string(),
        "isBase64Encoded": false
    })
}

/// The HTTP response a function URL's event got: its status and its body, parsed.
fn http_response(answer: &Answer) -> (u64, Value) {
    assert!(!answer.error, "{answer:?}");
    let status = answer.body["statusCode"].as_u64().unwrap();
    let body = serde_json::from_str(answer.body["body"].as_str().unwrap()).unwrap();
    (status, body)
}

#[tokio::test]
async fn a_direct_invoke_starts_the_session_with_no_credential_and_returns_the_flat_reply() {
    let Some(adapter) = adapter() else { return };
    let genesys = genesys(Duration::ZERO).await;
    let vars = in_lambda(&genesys, false);
    let mut function = Function::start(&adapter, &borrowed(&vars));

    let answer = function.invoke(inputs(CONVERSATION)).await;

    // A normal return, which Genesys maps onto the action's outputs: the flat reply itself.
    assert!(!answer.error, "{answer:?}");
    let reply = &answer.body;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["joinCode"], "123456");
    assert_eq!(reply["conversationId"], CONVERSATION);
    assert_eq!(reply["cobrowseType"], "control");
    // The invocation's own id: the one the function's log lines in CloudWatch show.
    assert_eq!(reply["requestId"], answer.request_id.as_str());
    let starts = start_requests(&genesys).await;
    assert_eq!(starts.len(), 1);
    assert!(
        starts[0].url.path().contains(CONVERSATION),
        "{}",
        starts[0].url
    );
    let sent: Value = serde_json::from_slice(&starts[0].body).unwrap();
    assert_eq!(sent["agentId"], AGENT, "{sent}");
    assert_eq!(sent["cobrowseType"], "control", "{sent}");

    let lines = function.stop();
    let call: Vec<Value> = events(&lines)
        .filter(|e| e["message"] == "cobrowse call")
        .collect();
    assert_eq!(call.len(), 1, "{lines:?}");
    assert_eq!(call[0]["request_id"], answer.request_id.as_str());
    assert_eq!(call[0]["outcome"], "started");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("with no inbound credential: direct invokes")),
        "start-up says the function URL is closed: {lines:?}"
    );
}

#[tokio::test]
async fn bad_inputs_get_the_same_invalid_input_as_over_http() {
    let Some(adapter) = adapter() else { return };
    let genesys = genesys(Duration::ZERO).await;
    let vars = in_lambda(&genesys, true);
    let mut function = Function::start(&adapter, &borrowed(&vars));
    let bad = json!({"conversationId": "not-a-uuid", "agentId": AGENT, "cobrowseType": "edit"});

    let answer = function.invoke(bad.clone()).await;
    // The service itself, over HTTP with the credential, as a function URL call reaches it.
    let url = format!("http://127.0.0.1:{}/v1/cobrowse/start", function.port());
    let over_http = reply(start_request(&url, PASSWORD, &bad)).await;

    assert!(!answer.error, "a failure is a normal return: {answer:?}");
    let mut direct = answer.body;
    assert_eq!(direct["success"], false, "{direct}");
    assert_eq!(direct["errorCode"], "INVALID_INPUT", "{direct}");
    // Every field alike but the call's own id.
    let mut over_http = over_http;
    direct["requestId"] = json!("");
    over_http["requestId"] = json!("");
    assert_eq!(direct, over_http);
    assert!(start_requests(&genesys).await.is_empty());
    function.stop();
}

#[tokio::test]
async fn a_function_url_event_starts_with_the_credential_and_is_refused_without_it() {
    let Some(adapter) = adapter() else { return };
    let genesys = genesys(Duration::ZERO).await;
    let vars = in_lambda(&genesys, true);
    let mut function = Function::start(&adapter, &borrowed(&vars));
    let path = "/v1/cobrowse/start";

    let with = function_url_event(path, Some(PASSWORD), json!({}), &inputs(CONVERSATION));
    let (status, body) = http_response(&function.invoke(with).await);
    assert_eq!(status, 200);
    assert_eq!(body["success"], true, "{body}");
    assert_eq!(start_requests(&genesys).await.len(), 1);

    for password in [None, Some("wrong-password")] {
        let without = function_url_event(path, password, json!({}), &inputs(CONVERSATION));
        let (status, body) = http_response(&function.invoke(without).await);
        assert_eq!(status, 401, "{password:?}");
        assert_eq!(body["errorCode"], "UNAUTHORIZED", "{body}");
    }
    assert_eq!(start_requests(&genesys).await.len(), 1);
    function.stop();
}

#[tokio::test]
async fn a_function_url_event_cannot_pass_for_a_direct_invoke() {
    let Some(adapter) = adapter() else { return };
    let genesys = genesys(Duration::ZERO).await;
    let vars = in_lambda(&genesys, true);
    let mut function = Function::start(&adapter, &borrowed(&vars));

    // The caller sends the direct invoke's marker itself, and the credential too: the
    // adapter writes the event's real request context over the marker.
    let forged = json!({"x-amzn-request-context": "null"});
    let event = function_url_event(
        PASS_THROUGH_PATH,
        Some(PASSWORD),
        forged,
        &inputs(CONVERSATION),
    );
    let (status, body) = http_response(&function.invoke(event).await);

    assert_eq!(status, 401);
    assert_eq!(body["errorCode"], "UNAUTHORIZED", "{body}");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(message.contains("is not a direct invoke"), "{message}");
    assert!(start_requests(&genesys).await.is_empty());
    let lines = function.stop();
    let refused: Vec<Value> = events(&lines)
        .filter(|e| e["message"] == "cobrowse call" && e["error_code"] == "UNAUTHORIZED")
        .collect();
    assert_eq!(refused.len(), 1, "{lines:?}");
    assert_eq!(refused[0]["peer"], "127.0.0.1", "{}", refused[0]);
}

#[tokio::test]
async fn a_service_not_in_lambda_refuses_the_direct_invoke_path() {
    let Some(adapter) = adapter() else { return };
    let genesys = genesys(Duration::ZERO).await;
    let vars = vars(&genesys);
    let mut function = Function::start(&adapter, &borrowed(&vars));

    // Through the adapter, as if the server were run behind it without COBROWSE_LAMBDA.
    let answer = function.invoke(inputs(CONVERSATION)).await;
    assert_eq!(answer.body["errorCode"], "UNAUTHORIZED", "{answer:?}");
    // And over plain HTTP, marked as a direct invoke, with the credential.
    let url = format!("http://127.0.0.1:{}{PASS_THROUGH_PATH}", function.port());
    let response = http()
        .post(&url)
        .basic_auth("genesys", Some(PASSWORD))
        .header("x-amzn-request-context", "null")
        .json(&inputs(CONVERSATION))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errorCode"], "UNAUTHORIZED", "{body}");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(message.contains("does not run in AWS Lambda"), "{message}");
    assert!(start_requests(&genesys).await.is_empty());
    function.stop();
}

#[tokio::test]
async fn a_frozen_and_thawed_environment_keeps_its_still_valid_token() {
    let Some(adapter) = adapter() else { return };
    let genesys = genesys(Duration::ZERO).await;
    let vars = in_lambda(&genesys, false);
    let mut function = Function::start(&adapter, &borrowed(&vars));
    let first = function.invoke(inputs(CONVERSATION)).await;
    assert_eq!(first.body["success"], true, "{first:?}");

    // Lambda freezes the environment between invokes, and thaws it for the next one.
    function.signal_all("STOP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    function.signal_all("CONT");
    let other = "6f1c7b0a-4d9e-4a68-8e1f-3d2e4c5b6a71";
    let second = function.invoke(inputs(other)).await;

    assert_eq!(second.body["success"], true, "{second:?}");
    assert_eq!(start_requests(&genesys).await.len(), 2);
    let token_requests = genesys
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count();
    assert_eq!(
        token_requests, 1,
        "the token was asked for again after the thaw"
    );
    function.stop();
}
