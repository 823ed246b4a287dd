//! The built-in sandbox shows a flow designer every outcome without an org.

use cobrowse_proxy::sandbox::{self, DEMO_PASSWORD, DEMO_USERNAME, Sandbox};
use serde_json::json;

use crate::common::http;
use crate::helpers::{AGENT, CONVERSATION, flat_reply};

/// Starts through the sandbox at `url` with its demo credential; the reply.
async fn start_at(url: &str, input: serde_json::Value) -> serde_json::Value {
    let response = http()
        .post(url)
        .basic_auth(DEMO_USERNAME, Some(DEMO_PASSWORD))
        .json(&input)
        .send()
        .await
        .unwrap();
    flat_reply(response).await
}

#[tokio::test]
async fn the_sandbox_starts_sessions_and_shows_each_failure() {
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1/cobrowse/start",
        sandbox.application.port()
    );
    tokio::spawn(sandbox.run_until_stopped());
    let cases = [
        (CONVERSATION, ""),
        (sandbox::FORBIDDEN, "MISSING_PERMISSION"),
        (sandbox::NOT_FOUND, "CONVERSATION_NOT_FOUND"),
        (sandbox::RATE_LIMITED, "RATE_LIMITED"),
        (sandbox::UNAVAILABLE, "GENESYS_UNAVAILABLE"),
        (sandbox::SLOW, "UPSTREAM_TIMEOUT"),
        (sandbox::NO_AGENT, "AGENT_NOT_CONNECTED"),
        (sandbox::ENDED, "CONVERSATION_ENDED"),
        (sandbox::LIVE_COBROWSE, "COBROWSE_ALREADY_ACTIVE"),
    ];
    for (conversation, code) in cases {
        let reply = start_at(
            &url,
            json!({"conversationId": conversation, "agentId": AGENT}),
        )
        .await;
        assert_eq!(reply["errorCode"], code, "{reply}");
        assert_eq!(reply["success"], code.is_empty());
        if code.is_empty() {
            assert!(!reply["joinCode"].as_str().unwrap().is_empty());
        }
    }
    // The first case again: the same start within the window gets the same session back.
    let again = start_at(
        &url,
        json!({"conversationId": CONVERSATION, "agentId": AGENT}),
    )
    .await;
    assert_eq!(again["reused"], true, "{again}");
}

#[tokio::test]
async fn the_sandbox_shows_consults_and_a_monitored_call() {
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1/cobrowse/start",
        sandbox.application.port()
    );
    tokio::spawn(sandbox.run_until_stopped());
    let start = |input| start_at(&url, input);
    for conversation in [
        sandbox::CONSULT,
        sandbox::MONITORED,
        sandbox::CONSULT_BY_LATER,
    ] {
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

#[tokio::test]
async fn the_consult_row_gives_the_consulted_agent_who_can_be_passed() {
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let instructions = sandbox.instructions();
    let url = format!(
        "http://127.0.0.1:{}/v1/cobrowse/start",
        sandbox.application.port()
    );
    tokio::spawn(sandbox.run_until_stopped());
    let row = instructions
        .lines()
        .find(|line| line.trim_start().starts_with(sandbox::CONSULT))
        .expect("the consult row is printed");
    assert!(row.contains(sandbox::CONSULTED_AGENT), "{row}");
    let consulted = start_at(
        &url,
        json!({"conversationId": sandbox::CONSULT, "agentId": sandbox::CONSULTED_AGENT}),
    )
    .await;
    assert_eq!(consulted["success"], true, "{consulted}");
    assert_eq!(consulted["agentId"], sandbox::CONSULTED_AGENT);
}

#[tokio::test]
async fn a_session_the_sandbox_started_is_not_listed_on_its_conversation() {
    // As Genesys documents it: cobrowsesessions holds legacy co-browse sessions, not the
    // Messenger sessions the start makes. So the other type, which the window does not
    // cover, gets a second session rather than COBROWSE_ALREADY_ACTIVE.
    let sandbox = Sandbox::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let instructions = sandbox.instructions();
    let url = format!(
        "http://127.0.0.1:{}/v1/cobrowse/start",
        sandbox.application.port()
    );
    tokio::spawn(sandbox.run_until_stopped());
    let row = instructions
        .lines()
        .find(|line| line.trim_start().starts_with(sandbox::LIVE_COBROWSE))
        .expect("the live session's row is printed");
    assert!(row.contains("legacy co-browse"), "{row}");
    let view = start_at(&url, json!({"conversationId": CONVERSATION})).await;
    assert_eq!(view["success"], true, "{view}");
    let control = start_at(
        &url,
        json!({"conversationId": CONVERSATION, "cobrowseType": "control"}),
    )
    .await;
    assert_eq!(control["success"], true, "{control}");
    assert_eq!(control["reused"], false, "{control}");
    assert_ne!(control["sessionId"], view["sessionId"]);
}

#[test]
fn the_sandbox_refuses_a_non_loopback_address() {
    let err = Sandbox::start("0.0.0.0:0".parse().unwrap())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("127.0.0.0/8"), "{err}");
}
