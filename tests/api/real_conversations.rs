//! The agent rule and the cobrowse rule against answers shaped like a real org's: every
//! field of the published `Conversation`, `Participant`, media and `Cobrowsesession` models
//! (PureCloudPlatformClientV2 269), with segments, `peerId`s, and the IVR and ACD legs a
//! voice call leaves behind.

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::helpers::*;

const CUSTOMER_LEG: &str = "c0000000-0000-4000-8000-000000000001";
const IVR_LEG: &str = "c0000000-0000-4000-8000-000000000002";
const ACD_LEG: &str = "c0000000-0000-4000-8000-000000000003";
const AGENT_LEG: &str = "c0000000-0000-4000-8000-000000000004";
const CONSULTED_LEG: &str = "c0000000-0000-4000-8000-000000000005";
const SUPERVISOR_LEG: &str = "c0000000-0000-4000-8000-000000000006";

const CONSULTED: &str = "22222222-2222-4222-8222-222222222222";
const SUPERVISOR: &str = "33333333-3333-4333-8333-333333333333";
const QUEUE: &str = "9a000000-0000-4000-8000-0000000000aa";

/// One leg of a participant on one media: every field the published models share
/// (`Call`, `Message`, ...), plus the call-only ones when `kind` is `calls`.
fn media(
    kind: &str,
    state: &str,
    connected: &str,
    disconnected: Option<&str>,
    peer: &str,
) -> Value {
    let ended = disconnected.is_some();
    let mut entry = json!({
        "state": state,
        "initialState": if kind == "calls" { "alerting" } else { "connected" },
        "id": format!("{peer}-media"),
        "direction": "inbound",
        "held": false,
        "segments": [{
            "startTime": connected,
            "endTime": disconnected,
            "type": "Interact",
            "howEnded": if ended { json!("Disconnect") } else { Value::Null },
            "disconnectType": if ended { json!("transfer") } else { Value::Null }
        }],
        "errorInfo": null,
        "disconnectType": if ended { Value::from("transfer") } else { Value::Null },
        "startHoldTime": null,
        "startAlertingTime": connected,
        "connectedTime": connected,
        "disconnectedTime": disconnected,
        "provider": "PureCloud",
        "scriptId": null,
        "peerId": peer,
        "wrapup": null,
        "afterCallWork": null,
        "afterCallWorkRequired": false,
        "agentAssistantId": null,
        "queueMediaSettings": null
    });
    if kind == "calls" {
        entry.as_object_mut().unwrap().extend(
            json!({
                "recording": true,
                "recordingState": "active",
                "recordersState": null,
                "muted": false,
                "confined": false,
                "securePause": false,
                "recordingId": format!("{peer}-recording"),
                "documentId": null,
                "disconnectReasons": [],
                "faxStatus": null,
                "uuiData": null,
                "self": {"name": "", "nameRaw": "", "addressNormalized": "tel:+3531555000", "addressRaw": "+3531555000", "addressDisplayable": "+353 1 555 000"},
                "other": {"name": "Customer", "nameRaw": "Customer", "addressNormalized": "tel:+3538700000", "addressRaw": "+3538700000", "addressDisplayable": "+353 87 000 00"},
                "transferSource": null,
                "clientIpAddress": null,
                "disposition": null
            })
            .as_object()
            .unwrap()
            .clone(),
        );
    }
    entry
}

/// A participant with every field of the published `Participant`; `media_list` holds its
/// one leg, every other media list is empty.
fn participant(
    id: &str,
    purpose: &str,
    user_id: Option<&str>,
    leg: Value,
    media_list: &str,
) -> Value {
    let connected = leg["connectedTime"].clone();
    let ended = leg["disconnectedTime"].clone();
    let mut participant = json!({
        "id": id,
        "startTime": connected,
        "endTime": ended,
        "connectedTime": connected,
        "name": purpose,
        "userUri": user_id.map(|u| format!("/api/v2/users/{u}")),
        "userId": user_id,
        "externalContactId": null,
        "externalContactInitialDivisionId": null,
        "externalOrganizationId": null,
        "queueId": if purpose == "customer" { Value::Null } else { json!(QUEUE) },
        "groupId": null,
        "teamId": null,
        "queueName": if purpose == "customer" { Value::Null } else { json!("Support") },
        "purpose": purpose,
        "participantType": if purpose == "customer" { "External" } else { "Internal" },
        "consultParticipantId": null,
        "address": "tel:+3531555000",
        "ani": "tel:+3538700000",
        "aniName": "Customer",
        "dnis": "tel:+3531555000",
        "locale": "en-IE",
        "wrapupRequired": purpose == "agent",
        "wrapupPrompt": if purpose == "agent" { "optional" } else { "" },
        "wrapupTimeoutMs": 60000,
        "wrapupSkipped": false,
        "wrapup": null,
        "mediaRoles": [],
        "conversationRoutingData": null,
        "alertingTimeoutMs": 8000,
        "monitoredParticipantId": null,
        "coachedParticipantId": null,
        "attributes": {},
        "calls": [],
        "callbacks": [],
        "chats": [],
        "cobrowsesessions": [],
        "emails": [],
        "messages": [],
        "internalMessages": [],
        "screenMonitorings": [],
        "screenshares": [],
        "socialExpressions": [],
        "videos": [],
        "evaluations": [],
        "screenRecordingState": null,
        "flaggedReason": null,
        "startAcwTime": null,
        "endAcwTime": null,
        "bargedParticipantId": null
    });
    participant[media_list] = json!([leg]);
    participant
}

/// A voice call as Genesys answers it once an agent has it: the customer, the ended IVR and
/// ACD legs, and `agents` (already built) after them, in the order they joined.
fn voice_call(agents: Vec<Value>) -> Value {
    let mut participants = vec![
        participant(
            CUSTOMER_LEG,
            "customer",
            None,
            media(
                "calls",
                "connected",
                "2026-11-24T09:58:00.120Z",
                None,
                IVR_LEG,
            ),
            "calls",
        ),
        participant(
            IVR_LEG,
            "ivr",
            None,
            media(
                "calls",
                "disconnected",
                "2026-11-24T09:58:00.200Z",
                Some("2026-11-24T09:58:41.007Z"),
                CUSTOMER_LEG,
            ),
            "calls",
        ),
        participant(
            ACD_LEG,
            "acd",
            None,
            media(
                "calls",
                "disconnected",
                "2026-11-24T09:58:41.010Z",
                Some("2026-11-24T09:59:59Z"),
                CUSTOMER_LEG,
            ),
            "calls",
        ),
    ];
    participants.extend(agents);
    json!({
        "id": CONVERSATION,
        "name": null,
        "externalTag": null,
        "startTime": "2026-11-24T09:58:00.120Z",
        "endTime": null,
        "address": "tel:+3531555000",
        "participants": participants,
        "conversationIds": [],
        "maxParticipants": 10,
        "recordingState": "active",
        "state": null,
        "divisions": [{"division": {"id": "d1000000-0000-4000-8000-000000000001", "selfUri": "/api/v2/authorization/divisions/d1000000-0000-4000-8000-000000000001"}, "entities": []}],
        "recentTransfers": [],
        "securePause": false,
        "utilizationLabelId": null,
        "inactivityTimeout": null,
        "selfUri": format!("/api/v2/conversations/{CONVERSATION}")
    })
}

/// The agent who took the call from the queue at 10:00:00 (no milliseconds, as Genesys
/// sometimes writes it).
fn first_agent(disconnected: Option<&str>) -> Value {
    let state = if disconnected.is_some() {
        "disconnected"
    } else {
        "connected"
    };
    participant(
        AGENT_LEG,
        "agent",
        Some(AGENT),
        media(
            "calls",
            state,
            "2026-11-24T10:00:00Z",
            disconnected,
            CUSTOMER_LEG,
        ),
        "calls",
    )
}

/// The agent the first one consults, connected later (10:02:30.500).
fn consulted_agent() -> Value {
    let mut consulted = participant(
        CONSULTED_LEG,
        "agent",
        Some(CONSULTED),
        media(
            "calls",
            "connected",
            "2026-11-24T10:02:30.500Z",
            None,
            AGENT_LEG,
        ),
        "calls",
    );
    consulted["consultParticipantId"] = json!(AGENT_LEG);
    consulted
}

async fn resolved_agent(conversation: Value) -> Value {
    let app = spawn_app().await;
    app.mount_conversation(ResponseTemplate::new(200).set_body_json(conversation))
        .await;
    app.mount_cobrowse(session_reply()).await;
    flat_reply(app.start(&json!({"conversationId": CONVERSATION})).await).await
}

#[tokio::test]
async fn during_a_consult_the_agent_holding_the_customer_is_chosen() {
    let reply = resolved_agent(voice_call(vec![first_agent(None), consulted_agent()])).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["agentId"], AGENT, "not the consulted agent: {reply}");
    assert_eq!(reply["mediaType"], "call");
}

#[tokio::test]
async fn after_the_consult_becomes_a_transfer_the_consulted_agent_is_chosen() {
    let handed_over = first_agent(Some("2026-11-24T10:04:00Z"));
    let reply = resolved_agent(voice_call(vec![handed_over, consulted_agent()])).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["agentId"], CONSULTED);
}

#[tokio::test]
async fn a_supervisor_monitoring_the_call_is_never_the_agent() {
    let mut supervisor = participant(
        SUPERVISOR_LEG,
        "agent",
        Some(SUPERVISOR),
        media(
            "calls",
            "connected",
            "2026-11-24T10:03:00.000Z",
            None,
            AGENT_LEG,
        ),
        "calls",
    );
    supervisor["monitoredParticipantId"] = json!(AGENT_LEG);
    supervisor["mediaRoles"] = json!(["monitor"]);
    let conversation = voice_call(vec![first_agent(None), supervisor]);
    let reply = resolved_agent(conversation.clone()).await;
    assert_eq!(reply["agentId"], AGENT, "{reply}");

    // Verifying the supervisor as the flow's agent refuses it, and starts nothing.
    let app = spawn_app_with(&[("VERIFY_AGENT", "true")]).await;
    app.mount_token(86_400).await;
    app.mount_conversation(ResponseTemplate::new(200).set_body_json(conversation))
        .await;
    app.mount_cobrowse(session_reply()).await;
    let refused = flat_reply(
        app.start(&json!({"conversationId": CONVERSATION, "agentId": SUPERVISOR}))
            .await,
    )
    .await;
    assert_eq!(refused["errorCode"], "AGENT_NOT_CONNECTED", "{refused}");
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn a_call_whose_every_leg_ended_is_over() {
    let mut conversation = voice_call(vec![first_agent(Some("2026-11-24T10:10:00Z"))]);
    let customer = &mut conversation["participants"][0];
    customer["calls"][0]["state"] = json!("terminated");
    customer["calls"][0]["disconnectedTime"] = json!("2026-11-24T10:10:00Z");
    let reply = resolved_agent(conversation).await;
    assert_eq!(reply["errorCode"], "CONVERSATION_ENDED", "{reply}");
}

/// A `Cobrowsesession` entry with every field of the published model, in `state`; an ended
/// one (`disconnected`, `terminated`) carries its end.
fn cobrowse_leg(state: &str, role: &str, peer: &str) -> Value {
    let ended = matches!(state, "disconnected" | "terminated");
    let end = ended.then_some("2026-11-24T10:06:00Z");
    json!({
        "state": state,
        "initialState": "alerting",
        "id": format!("{peer}-cobrowse"),
        "disconnectType": if ended { json!("client") } else { Value::Null },
        "self": {"name": "", "nameRaw": "", "addressNormalized": "", "addressRaw": "", "addressDisplayable": ""},
        "cobrowseSessionId": "cb000000-0000-4000-8000-0000000000cb",
        "cobrowseRole": role,
        "controlling": [],
        "viewerUrl": "https://apps.mypurecloud.ie/cobrowse/view/cb000000",
        "providerEventTime": "2026-11-24T10:01:00.250Z",
        "startAlertingTime": "2026-11-24T10:01:00Z",
        "connectedTime": if state == "connected" || ended { json!("2026-11-24T10:01:05.500Z") } else { Value::Null },
        "disconnectedTime": end,
        "provider": "PureCloud",
        "peerId": peer,
        "segments": [{"startTime": "2026-11-24T10:01:00Z", "endTime": end, "type": "Interact", "howEnded": null, "disconnectType": null}],
        "wrapup": null,
        "afterCallWork": null,
        "afterCallWorkRequired": false
    })
}

/// A web messaging conversation `AGENT` has answered; with a cobrowse session in `state`
/// on both sides (the customer shares, the agent views), or none when `None`.
fn messaging(cobrowse: Option<&str>) -> Value {
    let mut agent = participant(
        AGENT_LEG,
        "agent",
        Some(AGENT),
        media(
            "messages",
            "connected",
            "2026-11-24T10:00:00.250Z",
            None,
            CUSTOMER_LEG,
        ),
        "messages",
    );
    let mut conversation = voice_call(vec![]);
    let customer = &mut conversation["participants"][0];
    customer["calls"] = json!([]);
    customer["messages"] = json!([media(
        "messages",
        "connected",
        "2026-11-24T09:58:00Z",
        None,
        AGENT_LEG
    )]);
    if let Some(state) = cobrowse {
        customer["cobrowsesessions"] = json!([cobrowse_leg(state, "sharer", AGENT_LEG)]);
        agent["cobrowsesessions"] = json!([cobrowse_leg(state, "viewer", CUSTOMER_LEG)]);
    }
    conversation["participants"]
        .as_array_mut()
        .unwrap()
        .push(agent);
    conversation
}

/// The conversation Genesys answers, with a correlation id.
fn read_as(conversation: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("ININ-Correlation-Id", "corr-conversation")
        .set_body_json(conversation)
}

#[tokio::test]
async fn only_a_live_cobrowse_session_on_the_conversation_prevents_a_start() {
    // Every state of the published `Cobrowsesession`, and one it does not list (the SDK
    // reads a state it does not know as "outdated_sdk_version").
    for (cobrowse, prevented) in [
        (Some("alerting"), true),
        (Some("dialing"), true),
        (Some("contacting"), true),
        (Some("offering"), true),
        (Some("connected"), true),
        (Some("disconnected"), false),
        (Some("terminated"), false),
        (Some("scheduled"), false),
        (Some("none"), false),
        (Some("paused"), false),
        (None, false),
    ] {
        let app = spawn_app().await;
        app.mount_conversation(read_as(messaging(cobrowse))).await;
        app.mount_cobrowse(session_reply()).await;
        let reply = flat_reply(app.start(&json!({"conversationId": CONVERSATION})).await).await;
        let case = format!("{cobrowse:?}: {reply}");
        assert_eq!(reply["agentId"], AGENT, "{case}");
        assert_eq!(reply["agentResolved"], true, "{case}");
        assert_eq!(reply["mediaType"], "message", "{case}");
        if prevented {
            assert_failed_with(
                &reply,
                "COBROWSE_ALREADY_ACTIVE",
                "already has a cobrowse session",
            );
            assert_eq!(reply["success"], false, "{case}");
            assert_eq!(reply["reused"], false, "{case}");
            assert_eq!(
                reply["upstreamStatus"], 200,
                "the conversation's read: {case}"
            );
            assert_eq!(reply["correlationId"], "corr-conversation", "{case}");
            assert!(
                reply["errorMessage"]
                    .as_str()
                    .unwrap()
                    .contains("cb000000-0000-4000-8000-0000000000cb"),
                "{case}"
            );
            assert_eq!(
                app.requests_to("cobrowse").await,
                0,
                "no second offer: {case}"
            );
            let metrics = app.metrics().await;
            assert!(
                metrics.contains(
                    r#"cobrowse_proxy_calls_total{outcome="already_active",error_code="COBROWSE_ALREADY_ACTIVE"} 1"#
                ),
                "{metrics}"
            );
            // Every failure is listed at 0 from the start; none counted this call.
            assert!(
                metrics
                    .lines()
                    .filter(|l| l.contains(r#"outcome="failed""#))
                    .all(|l| l.ends_with(" 0")),
                "{metrics}"
            );
        } else {
            assert_eq!(reply["success"], true, "{case}");
            assert_eq!(app.requests_to("cobrowse").await, 1, "{case}");
        }
    }
}

#[tokio::test]
async fn in_status_mode_a_live_session_is_a_409_and_nothing_is_sent() {
    let app = spawn_app_with(&[("ERROR_MODE", "status")]).await;
    app.mount_token(86_400).await;
    app.mount_conversation(read_as(messaging(Some("connected"))))
        .await;
    app.mount_cobrowse(session_reply()).await;
    let response = app.start(&json!({"conversationId": CONVERSATION})).await;
    assert_eq!(response.status(), 409);
    let reply = flat_reply(response).await;
    assert_eq!(reply["errorCode"], "COBROWSE_ALREADY_ACTIVE", "{reply}");
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn a_flow_given_agent_is_checked_for_a_live_session_only_when_verifying() {
    let input = json!({"conversationId": CONVERSATION, "agentId": AGENT});
    // Verifying reads the conversation anyway: the live session prevents the start.
    let verifying = spawn_app_with(&[("VERIFY_AGENT", "true")]).await;
    verifying.mount_token(86_400).await;
    verifying
        .mount_conversation(read_as(messaging(Some("connected"))))
        .await;
    verifying.mount_cobrowse(session_reply()).await;
    let reply = flat_reply(verifying.start(&input).await).await;
    assert_eq!(reply["errorCode"], "COBROWSE_ALREADY_ACTIVE", "{reply}");
    assert_eq!(reply["agentResolved"], false);
    assert_eq!(verifying.requests_to("cobrowse").await, 0);

    // Without verifying the conversation is not read (no extra request, no extra
    // permission), so the start goes to Genesys as before.
    let trusting = spawn_app().await;
    trusting
        .mount_conversation(read_as(messaging(Some("connected"))))
        .await;
    trusting.mount_cobrowse(session_reply()).await;
    let reply = flat_reply(trusting.start(&input).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(trusting.requests_to("conversation").await, 0);
}

#[tokio::test]
async fn a_session_this_service_started_is_handed_out_again_before_the_rule_applies() {
    let app = spawn_app_with(&[("REUSE_WINDOW_MS", "30000")]).await;
    app.mount_token(86_400).await;
    let mut session = session_body();
    let offer_ends = std::time::SystemTime::now() + std::time::Duration::from_secs(300);
    session["dateOfferEnds"] = json!(humantime::format_rfc3339_millis(offer_ends).to_string());
    app.mount_cobrowse(ResponseTemplate::new(200).set_body_json(session))
        .await;
    // Suppose Genesys lists the session once it has started it (assumed, not documented:
    // docs/conversation.md): the first read has none, later ones show it offered.
    app.mount_conversation(read_as(messaging(Some("offering"))))
        .await;
    app.answer_first(wiremock::matchers::method("GET"), read_as(messaging(None)))
        .await;
    let input = json!({"conversationId": CONVERSATION});
    let first = flat_reply(app.start(&input).await).await;
    assert_eq!(first["success"], true, "{first}");

    // The flow retries (a Timeout path, a second trigger): the same session comes back,
    // join code included, rather than "already active".
    let again = flat_reply(app.start(&input).await).await;
    assert_eq!(again["success"], true, "{again}");
    assert_eq!(again["reused"], true);
    assert_eq!(again["joinCode"], first["joinCode"]);

    // Another start the window does not cover (another type): the live session prevents it.
    let control = flat_reply(
        app.start(&json!({"conversationId": CONVERSATION, "cobrowseType": "control"}))
            .await,
    )
    .await;
    assert_eq!(control["errorCode"], "COBROWSE_ALREADY_ACTIVE", "{control}");
    assert_eq!(app.requests_to("cobrowse").await, 1, "one offer in all");
}

#[tokio::test]
async fn in_a_consult_the_marked_initiator_is_chosen_until_the_mark_is_cleared() {
    // Both sides of the consult carry consultParticipantId (forum payloads); the initiator
    // also carries attributes.consultInitiator. Here the initiator's leg shows the later
    // connectedTime, so only the mark tells who holds the customer.
    let consult = |mark: Value| {
        let mut consulted = participant(
            CONSULTED_LEG,
            "agent",
            Some(CONSULTED),
            media(
                "calls",
                "connected",
                "2026-11-24T10:00:00Z",
                None,
                AGENT_LEG,
            ),
            "calls",
        );
        consulted["consultParticipantId"] = json!(AGENT_LEG);
        let mut initiator = participant(
            AGENT_LEG,
            "agent",
            Some(AGENT),
            media(
                "calls",
                "connected",
                "2026-11-24T10:02:30.500Z",
                None,
                CUSTOMER_LEG,
            ),
            "calls",
        );
        initiator["consultParticipantId"] = json!(CONSULTED_LEG);
        initiator["attributes"] = mark;
        voice_call(vec![consulted, initiator])
    };
    let marked = json!({"consultInitiator": "true", "ivr.language": "en-IE"});
    let reply = resolved_agent(consult(marked)).await;
    assert_eq!(reply["agentId"], AGENT, "the initiator: {reply}");

    // The mark cleared, the consult still marked on both sides: the earliest connected.
    let reply = resolved_agent(consult(json!({"ivr.language": "en-IE"}))).await;
    assert_eq!(reply["agentId"], CONSULTED, "{reply}");
}

/// `messaging(None)` with `list` as both sides' `cobrowsesessions` (`None`: the key left out).
fn messaging_with_sessions(list: Option<Value>) -> Value {
    let mut conversation = messaging(None);
    for side in conversation["participants"].as_array_mut().unwrap() {
        let side = side.as_object_mut().unwrap();
        match &list {
            Some(list) => side.insert("cobrowsesessions".into(), list.clone()),
            None => side.remove("cobrowsesessions"),
        };
    }
    conversation
}

#[tokio::test]
async fn a_cobrowsesessions_list_that_is_absent_or_shaped_otherwise_never_fails_or_blocks_a_start()
{
    let live = cobrowse_leg("connected", "sharer", AGENT_LEG);
    let mut ended_live = live.clone();
    ended_live["disconnectedTime"] = json!("2026-11-24T10:06:00Z");
    let mut unknown_fields = live.clone();
    unknown_fields["state"] = json!("paused");
    unknown_fields["mediaType"] = json!("webmessaging");
    unknown_fields["session"] = json!({"joinCode": "123456", "type": "view"});
    for list in [
        None,
        Some(Value::Null),
        Some(json!([])),
        Some(json!({})),
        Some(json!("connected")),
        Some(json!([null, 7, "connected", ["connected"]])),
        Some(json!([{"state": 7, "cobrowseSessionId": 9, "disconnectedTime": false}])),
        Some(json!([{"state": null, "cobrowseSessionId": null}])),
        Some(json!([unknown_fields])),
        Some(json!([ended_live])),
    ] {
        let app = spawn_app().await;
        app.mount_conversation(read_as(messaging_with_sessions(list.clone())))
            .await;
        app.mount_cobrowse(session_reply()).await;
        let reply = flat_reply(app.start(&json!({"conversationId": CONVERSATION})).await).await;
        let case = format!("{list:?}: {reply}");
        assert_eq!(reply["success"], true, "{case}");
        assert_eq!(reply["agentId"], AGENT, "{case}");
        assert_eq!(app.requests_to("cobrowse").await, 1, "{case}");
    }
}

#[tokio::test]
async fn a_session_genesys_does_not_list_is_kept_from_a_second_offer_by_the_window_only() {
    // What the evidence suggests for co-browse for Messenger: the conversation never lists
    // the session this service started, so the rule sees nothing.
    let app = spawn_app_with(&[("REUSE_WINDOW_MS", "30000")]).await;
    app.mount_token(86_400).await;
    let mut session = session_body();
    let offer_ends = std::time::SystemTime::now() + std::time::Duration::from_secs(300);
    session["dateOfferEnds"] = json!(humantime::format_rfc3339_millis(offer_ends).to_string());
    app.mount_cobrowse(ResponseTemplate::new(200).set_body_json(session))
        .await;
    app.mount_conversation(read_as(messaging(None))).await;
    let input = json!({"conversationId": CONVERSATION});
    let first = flat_reply(app.start(&input).await).await;
    assert_eq!(first["success"], true, "{first}");

    // The same start again (a retry, a second trigger within the window): the window hands
    // out the first session, and Genesys is not asked.
    let again = flat_reply(app.start(&input).await).await;
    assert_eq!(again["reused"], true, "{again}");
    assert_eq!(app.requests_to("cobrowse").await, 1);

    // A start the window does not cover (another type): nothing on the conversation says a
    // session is under way, so it is sent, and the customer gets a second offer.
    let control = flat_reply(
        app.start(&json!({"conversationId": CONVERSATION, "cobrowseType": "control"}))
            .await,
    )
    .await;
    assert_eq!(control["success"], true, "{control}");
    assert_eq!(control["reused"], false, "{control}");
    assert_eq!(app.requests_to("cobrowse").await, 2);
}
