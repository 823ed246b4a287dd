//! Knowing the conversation: the agent is resolved when the flow does not know it, checked
//! when asked to, and a start that cannot work says why without starting anything.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::path_regex;

use crate::helpers::*;

const EARLIER: &str = "11111111-1111-4111-8111-111111111111";
const LATER: &str = "22222222-2222-4222-8222-222222222222";

fn no_agent() -> Value {
    json!({"conversationId": CONVERSATION})
}

async fn app_with_conversation(conversation: Value) -> TestApp {
    let app = spawn_app().await;
    app.mount_conversation(ResponseTemplate::new(200).set_body_json(conversation))
        .await;
    app.mount_cobrowse(session_reply()).await;
    app
}

async fn sent_agent(app: &TestApp) -> Value {
    let requests = app.start_requests().await;
    let call = requests.first().expect("a cobrowse call");
    serde_json::from_slice::<Value>(&call.body).unwrap()["agentId"].clone()
}

#[tokio::test]
async fn a_missing_agent_is_the_one_connected_to_the_conversation() {
    let app = app_with_conversation(conversation_with(&[(
        AGENT,
        "messages",
        "connected",
        "2026-11-24T10:00:00.000Z",
    )]))
    .await;
    let reply = flat_reply(
        app.start(&json!({"conversationId": CONVERSATION, "agentId": null}))
            .await,
    )
    .await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["agentId"], AGENT);
    assert_eq!(reply["agentResolved"], true);
    assert_eq!(reply["mediaType"], "message");
    assert_eq!(sent_agent(&app).await, AGENT);
    assert_eq!(
        app.requests_to("/oauth/token").await,
        1,
        "one token for both calls"
    );
    let lookup = app.genesys.received_requests().await.unwrap();
    let lookup = lookup.iter().find(|r| r.method.as_str() == "GET").unwrap();
    assert_eq!(
        lookup.url.path(),
        format!("/api/v2/conversations/{CONVERSATION}")
    );
    assert_eq!(
        lookup.headers["authorization"].to_str().unwrap(),
        format!("Bearer {ACCESS_TOKEN}")
    );
}

#[tokio::test]
async fn after_transfers_the_currently_connected_agent_is_used() {
    let app = app_with_conversation(conversation_with(&[
        (EARLIER, "calls", "disconnected", "2026-11-24T10:00:00.000Z"),
        (LATER, "calls", "connected", "2026-11-24T10:05:00.000Z"),
        (AGENT, "calls", "disconnected", "2026-11-24T10:07:00.000Z"),
    ]))
    .await;
    let reply = flat_reply(app.start(&no_agent()).await).await;
    assert_eq!(reply["agentId"], LATER, "{reply}");
    assert_eq!(reply["mediaType"], "call");
    assert_eq!(sent_agent(&app).await, LATER);
}

#[tokio::test]
async fn of_several_connected_agents_the_most_recently_connected_is_used() {
    let app = app_with_conversation(conversation_with(&[
        (LATER, "calls", "connected", "2026-11-24T10:05:00.000Z"),
        (EARLIER, "calls", "connected", "2026-11-24T10:00:00.000Z"),
    ]))
    .await;
    let reply = flat_reply(app.start(&no_agent()).await).await;
    assert_eq!(reply["agentId"], LATER, "{reply}");
}

#[tokio::test]
async fn no_connected_agent_is_agent_not_connected_and_nothing_starts() {
    let app = app_with_conversation(conversation_with(&[(AGENT, "calls", "alerting", "")])).await;
    let reply = flat_reply(app.start(&no_agent()).await).await;
    assert_failed_with(&reply, "AGENT_NOT_CONNECTED", "after an agent has answered");
    assert_eq!(reply["upstreamStatus"], 200);
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn a_conversation_everyone_left_is_conversation_ended() {
    let app = app_with_conversation(json!({"participants": [
        {"purpose": "customer", "calls": [{"state": "disconnected"}]},
        {"purpose": "agent", "userId": AGENT, "calls": [{"state": "disconnected"}]}
    ]}))
    .await;
    let reply = flat_reply(app.start(&no_agent()).await).await;
    assert_eq!(reply["errorCode"], "CONVERSATION_ENDED", "{reply}");
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn a_given_agent_is_not_looked_up_unless_verification_is_on() {
    let app = app_with_conversation(conversation_with(&[])).await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["agentResolved"], false);
    assert_eq!(app.requests_to("conversation").await, 0, "no extra request");
}

#[tokio::test]
async fn verification_refuses_an_agent_who_is_not_connected() {
    let app = spawn_app_with(&[("VERIFY_AGENT", "true")]).await;
    app.mount_token(86_400).await;
    app.mount_conversation(
        ResponseTemplate::new(200).set_body_json(conversation_with(&[
            (AGENT, "calls", "disconnected", "2026-11-24T10:00:00.000Z"),
            (LATER, "calls", "connected", "2026-11-24T10:05:00.000Z"),
        ])),
    )
    .await;
    app.mount_cobrowse(session_reply()).await;

    let refused = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&refused, "AGENT_NOT_CONNECTED", AGENT);
    assert_eq!(app.requests_to("cobrowse").await, 0);

    let accepted = flat_reply(
        app.start(&json!({"conversationId": CONVERSATION, "agentId": LATER}))
            .await,
    )
    .await;
    assert_eq!(accepted["success"], true, "{accepted}");
    assert_eq!(accepted["agentResolved"], false);
    assert_eq!(accepted["mediaType"], "call");
}

#[tokio::test]
async fn lookup_failures_name_what_to_fix() {
    let cases = [
        (
            genesys_error(403, "missing.permissions", "no"),
            "MISSING_PERMISSION",
            "conversation:communication:view",
        ),
        (
            genesys_error(404, "not.found", "no"),
            "CONVERSATION_NOT_FOUND",
            CONVERSATION,
        ),
        (
            genesys_error(502, "bad.gateway", "no"),
            "GENESYS_UNAVAILABLE",
            "Nothing was started",
        ),
        (
            ResponseTemplate::new(200).set_body_string("not json"),
            "INVALID_UPSTREAM_RESPONSE",
            "Nothing was started",
        ),
    ];
    for (template, code, hint) in cases {
        let app = spawn_app().await;
        app.mount_conversation(template).await;
        let reply = flat_reply(app.start(&no_agent()).await).await;
        assert_failed_with(&reply, code, hint);
        assert_eq!(app.requests_to("cobrowse").await, 0);
    }
}

#[tokio::test]
async fn the_lookup_follows_the_same_retry_rules() {
    let app = app_with_conversation(conversation_with(&[(
        AGENT,
        "calls",
        "connected",
        "2026-11-24T10:00:00.000Z",
    )]))
    .await;
    app.answer_first(
        path_regex("^/api/v2/conversations/[^/]+$"),
        genesys_error(429, "too.many.requests", "slow").insert_header("Retry-After", "0"),
    )
    .await;
    let reply = flat_reply(app.start(&no_agent()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(app.requests_to("conversation").await, 2);
}

#[tokio::test]
async fn the_lookup_and_the_start_share_one_budget() {
    let app = spawn_app_with(&[("UPSTREAM_TIMEOUT_MS", "1000")]).await;
    app.mount_token(86_400).await;
    app.mount_conversation(
        ResponseTemplate::new(200)
            .set_body_json(conversation_with(&[(AGENT, "calls", "connected", "")]))
            .set_delay(Duration::from_millis(700)),
    )
    .await;
    app.mount_cobrowse(session_reply().set_delay(Duration::from_millis(700)))
        .await;
    let started = Instant::now();
    let reply = flat_reply(app.start(&no_agent()).await).await;
    assert_eq!(reply["errorCode"], "UPSTREAM_TIMEOUT", "{reply}");
    assert_eq!(
        reply["agentId"], AGENT,
        "the resolved agent is reported on failure too"
    );
    assert_eq!(reply["agentResolved"], true);
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
}
