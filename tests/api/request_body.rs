//! `COBROWSE_REQUEST_BODY`: the agent payload or no body, and `auto` (the default), which
//! learns from Genesys which of the two it accepts.

use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, Request, ResponseTemplate};

use crate::helpers::*;

fn with_body(request: &Request) -> bool {
    !request.body.is_empty()
}

fn without_body(request: &Request) -> bool {
    request.body.is_empty()
}

/// Genesys answers a start that carries a body with `with_body`, one without with `bare`.
async fn genesys_answering(app: &TestApp, with: ResponseTemplate, bare: ResponseTemplate) {
    let route = r"^/api/v2/conversations/[^/]+/cobrowse$";
    Mock::given(method("POST"))
        .and(path_regex(route))
        .and(with_body)
        .respond_with(with)
        .mount(&app.genesys)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(route))
        .and(without_body)
        .respond_with(bare)
        .mount(&app.genesys)
        .await;
}

fn invalid_body() -> ResponseTemplate {
    genesys_error(400, "bad.request", "Invalid request body")
}

async fn ready_mode(app: &TestApp) -> String {
    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    ready["requestBody"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn auto_sends_the_payload_then_learns_that_genesys_wants_no_body() {
    let app = spawn_app_with(&[("REQUEST_BODY", "")]).await;
    app.mount_token(86_400).await;
    genesys_answering(&app, invalid_body(), session_reply()).await;
    assert_eq!(ready_mode(&app).await, "agent-payload");

    let first = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(first["success"], true, "{first}");
    let starts = app.start_requests().await;
    assert_eq!(
        starts.len(),
        2,
        "the payload, then the same start without it"
    );
    assert!(!starts[0].body.is_empty() && starts[1].body.is_empty());

    let second = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(second["success"], true, "{second}");
    let starts = app.start_requests().await;
    assert_eq!(starts.len(), 3, "no second try: the mode was learned");
    assert!(starts[2].body.is_empty());

    assert_eq!(ready_mode(&app).await, "empty");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"cobrowse_proxy_request_body{mode="empty"} 1"#)
            && metrics.contains(r#"cobrowse_proxy_request_body{mode="agent-payload"} 0"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn auto_keeps_the_payload_when_genesys_accepts_it() {
    let app = spawn_app_with(&[("REQUEST_BODY", "auto")]).await;
    app.mount_token(86_400).await;
    genesys_answering(&app, session_reply(), invalid_body()).await;
    for _ in 0..2 {
        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["success"], true, "{reply}");
    }
    let starts = app.start_requests().await;
    assert_eq!(starts.len(), 2);
    assert!(starts.iter().all(|s| !s.body.is_empty()));
    assert_eq!(ready_mode(&app).await, "agent-payload");
}

#[tokio::test]
async fn when_both_forms_are_refused_the_flow_gets_genesys_answer_and_nothing_is_learned() {
    let app = spawn_app_with(&[("REQUEST_BODY", "auto")]).await;
    app.mount_token(86_400).await;
    let refused_too = genesys_error(400, "bad.request", "The conversation is not active");
    genesys_answering(&app, invalid_body(), refused_too).await;

    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(
        &reply,
        "REJECTED_BY_GENESYS",
        "The conversation is not active",
    );
    assert_eq!(app.start_requests().await.len(), 2);

    flat_reply(app.start(&valid_input()).await).await;
    let starts = app.start_requests().await;
    assert_eq!(starts.len(), 4, "the payload is tried again");
    assert!(!starts[2].body.is_empty());
    assert_eq!(ready_mode(&app).await, "agent-payload");
}

#[tokio::test]
async fn the_fixed_payload_mode_never_sends_a_second_start() {
    let app = spawn_app_with(&[("REQUEST_BODY", "agent-payload")]).await;
    app.mount_token(86_400).await;
    genesys_answering(&app, invalid_body(), session_reply()).await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&reply, "REJECTED_BY_GENESYS", "Invalid request body");
    assert_eq!(app.start_requests().await.len(), 1);
    let sent: serde_json::Value =
        serde_json::from_slice(&app.start_requests().await[0].body).unwrap();
    assert_eq!(sent, json!({"agentId": AGENT, "cobrowseType": "view"}));
}
