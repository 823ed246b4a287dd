//! The agent rule against answers shaped like a real org's: every field of the published
//! `Conversation`, `Participant` and media models (PureCloudPlatformClientV2 269), with
//! segments, `peerId`s, and the IVR and ACD legs a voice call leaves behind.

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

#[tokio::test]
async fn a_messaging_agent_in_a_cobrowse_session_is_on_the_message() {
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
    // A cobrowse session already running beside the message does not change the media.
    agent["cobrowsesessions"] = json!([media(
        "cobrowsesessions",
        "connected",
        "2026-11-24T10:01:00Z",
        None,
        CUSTOMER_LEG
    )]);
    let mut conversation = voice_call(vec![agent]);
    conversation["participants"][0]["calls"] = json!([]);
    conversation["participants"][0]["messages"] = json!([media(
        "messages",
        "connected",
        "2026-11-24T09:58:00Z",
        None,
        AGENT_LEG
    )]);
    let reply = resolved_agent(conversation).await;
    assert_eq!(reply["agentId"], AGENT, "{reply}");
    assert_eq!(reply["mediaType"], "message");
}
