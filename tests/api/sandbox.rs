//! The built-in sandbox shows a flow designer every outcome without an org.

use cobrowse_proxy::sandbox::{self, DEMO_PASSWORD, DEMO_USERNAME, Sandbox};
use serde_json::json;

use crate::common::http;
use crate::helpers::{AGENT, CONVERSATION, flat_reply};

#[tokio::test]
async fn the_sandbox_starts_sessions_and_shows_each_failure() {
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1/cobrowse/start",
        sandbox.application.port()
    );
    tokio::spawn(sandbox.run_until_stopped());
    let http = http();
    let cases = [
        (CONVERSATION, ""),
        (sandbox::FORBIDDEN, "MISSING_PERMISSION"),
        (sandbox::NOT_FOUND, "CONVERSATION_NOT_FOUND"),
        (sandbox::RATE_LIMITED, "RATE_LIMITED"),
        (sandbox::UNAVAILABLE, "GENESYS_UNAVAILABLE"),
        (sandbox::SLOW, "UPSTREAM_TIMEOUT"),
        (sandbox::NO_AGENT, "AGENT_NOT_CONNECTED"),
        (sandbox::ENDED, "CONVERSATION_ENDED"),
    ];
    for (conversation, code) in cases {
        let response = http
            .post(&url)
            .basic_auth(DEMO_USERNAME, Some(DEMO_PASSWORD))
            .json(&json!({"conversationId": conversation, "agentId": AGENT}))
            .send()
            .await
            .unwrap();
        let reply = flat_reply(response).await;
        assert_eq!(reply["errorCode"], code, "{reply}");
        assert_eq!(reply["success"], code.is_empty());
        if code.is_empty() {
            assert!(!reply["joinCode"].as_str().unwrap().is_empty());
        }
    }
    // The first case again: the same start within the window gets the same session back.
    let again = http
        .post(&url)
        .basic_auth(DEMO_USERNAME, Some(DEMO_PASSWORD))
        .json(&json!({"conversationId": CONVERSATION, "agentId": AGENT}))
        .send()
        .await
        .unwrap();
    let again = flat_reply(again).await;
    assert_eq!(again["reused"], true, "{again}");
}

#[tokio::test]
async fn the_sandbox_shows_a_consult_and_a_monitored_call() {
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1/cobrowse/start",
        sandbox.application.port()
    );
    tokio::spawn(sandbox.run_until_stopped());
    let http = http();
    let start = |input: serde_json::Value| {
        let request = http
            .post(&url)
            .basic_auth(DEMO_USERNAME, Some(DEMO_PASSWORD))
            .json(&input);
        async move { flat_reply(request.send().await.unwrap()).await }
    };
    for conversation in [sandbox::CONSULT, sandbox::MONITORED] {
        let reply = start(json!({"conversationId": conversation})).await;
        assert_eq!(reply["success"], true, "{reply}");
        assert_eq!(reply["agentId"], sandbox::SANDBOX_AGENT, "{reply}");
        assert_eq!(reply["agentResolved"], true);
    }
    let supervisor = start(json!({
        "conversationId": sandbox::MONITORED,
        "agentId": sandbox::SUPERVISOR
    }))
    .await;
    assert_eq!(
        supervisor["errorCode"], "AGENT_NOT_CONNECTED",
        "{supervisor}"
    );
}

#[test]
fn the_sandbox_refuses_a_non_loopback_address() {
    let err = Sandbox::start("0.0.0.0:0".parse().unwrap())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("loopback"));
}
