//! The happy path: what Genesys receives and what the flow gets back.

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::helpers::*;

#[tokio::test]
async fn a_started_session_comes_back_flat() {
    let app = spawn_app().await;
    app.mount_cobrowse(
        ResponseTemplate::new(200)
            .insert_header("ININ-Correlation-Id", "corr-123")
            .set_body_json(session_body()),
    )
    .await;

    let response = app.start(&valid_input()).await;
    assert_eq!(response.status(), 200);
    let header_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let reply = flat_reply(response).await;

    assert_eq!(reply["success"], true);
    assert_eq!(reply["conversationId"], CONVERSATION);
    assert_eq!(reply["agentId"], AGENT);
    assert_eq!(reply["agentResolved"], false);
    assert_eq!(reply["mediaType"], "", "the conversation was not looked up");
    assert_eq!(reply["cobrowseType"], "view");
    assert_eq!(reply["sessionId"], "b1a2c3d4-0000-4000-8000-000000000001");
    assert_eq!(reply["sessionName"], "Cobrowse session");
    assert_eq!(reply["joinCode"], "123456");
    assert_eq!(reply["websocketUrl"], "wss://cobrowse.example/ws/b1a2");
    assert_eq!(reply["dateOfferEnds"], "2026-11-24T16:05:00.000Z");
    assert_eq!(reply["communicationType"], "Call");
    assert_eq!(reply["errorCode"], "");
    assert_eq!(reply["errorMessage"], "");
    assert_eq!(reply["upstreamStatus"], 200);
    assert_eq!(reply["correlationId"], "corr-123");
    assert_eq!(reply["requestId"], header_id.as_str());
}

#[tokio::test]
async fn genesys_receives_the_agent_payload_with_the_bearer_token() {
    let app = spawn_app().await;
    app.mount_cobrowse(ResponseTemplate::new(201).set_body_json(session_body()))
        .await;

    let reply = flat_reply(
        app.start(&json!({
            "conversationId": CONVERSATION.to_uppercase(),
            "agentId": AGENT,
            "cobrowseType": " Control "
        }))
        .await,
    )
    .await;
    assert_eq!(reply["success"], true, "any 2xx is success: {reply}");
    assert_eq!(reply["upstreamStatus"], 201);

    let requests = app.start_requests().await;
    let call = requests.first().unwrap();
    assert_eq!(call.url.path(), COBROWSE_PATH, "the id is canonical");
    assert_eq!(
        call.headers["authorization"].to_str().unwrap(),
        format!("Bearer {ACCESS_TOKEN}")
    );
    let sent: Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(sent, json!({"agentId": AGENT, "cobrowseType": "control"}));
}

#[tokio::test]
async fn the_empty_body_mode_sends_no_body() {
    let app = spawn_app_with(&[("REQUEST_BODY", "empty")]).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;

    app.mount_conversation(
        ResponseTemplate::new(200).set_body_json(conversation_with(&[(
            AGENT,
            "messages",
            "connected",
            "2026-11-24T10:00:00.000Z",
        )])),
    )
    .await;
    let reply = flat_reply(app.start(&json!({"conversationId": CONVERSATION})).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(
        reply["agentId"], AGENT,
        "resolved even though it is not sent"
    );
    let requests = app.start_requests().await;
    let call = requests.first().unwrap();
    assert!(call.body.is_empty());
}

#[tokio::test]
async fn the_configured_default_type_applies_to_a_blank_type() {
    let app = spawn_app_with(&[("DEFAULT_COBROWSE_TYPE", "control")]).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;

    let mut input = valid_input();
    input["cobrowseType"] = json!("  ");
    let reply = flat_reply(app.start(&input).await).await;
    assert_eq!(reply["cobrowseType"], "control");
    let requests = app.start_requests().await;
    let sent: Value = serde_json::from_slice(&requests.last().unwrap().body).unwrap();
    assert_eq!(sent["cobrowseType"], "control");
}

#[tokio::test]
async fn a_2xx_without_a_body_is_still_a_started_session() {
    let app = spawn_app().await;
    app.mount_cobrowse(ResponseTemplate::new(204)).await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true);
    assert_eq!(reply["sessionId"], "");
    assert_eq!(reply["upstreamStatus"], 204);
}

#[tokio::test]
async fn an_api_url_with_a_path_keeps_it_in_front_of_every_call() {
    // A private gateway that serves the Platform API under a prefix.
    let gateway = wiremock::MockServer::start().await;
    let api_url = format!("{}/genesys/", gateway.uri());
    let app = spawn_app_with(&[("GENESYS_API_URL", &api_url)]).await;
    app.mount_token(86_400).await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(format!(
            "/genesys/api/v2/conversations/{CONVERSATION}"
        )))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(conversation_with(&[(
                AGENT,
                "calls",
                "connected",
                "2026-11-24T16:00:00.000Z",
            )])),
        )
        .mount(&gateway)
        .await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(format!("/genesys{COBROWSE_PATH}")))
        .respond_with(session_reply())
        .mount(&gateway)
        .await;

    let reply = flat_reply(app.start(&json!({"conversationId": CONVERSATION})).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(
        reply["agentResolved"], true,
        "the lookup went through the prefix"
    );
    assert_eq!(gateway.received_requests().await.unwrap().len(), 2);
}
