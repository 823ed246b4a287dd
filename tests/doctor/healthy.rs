//! A set-up that is right passes every check, and doctor's one cobrowse start goes to a
//! conversation it made up, never to a real one.

use serde_json::Value;
use uuid::Uuid;
use wiremock::Request;

use crate::common::is_start;
use crate::genesys::{
    ACTION_ID, OAUTH_CLIENT_NAME, ORG_ID, ORG_NAME, REAL_CONVERSATION, received, started_on,
};
use crate::harness::Scenario;

#[tokio::test]
async fn a_healthy_set_up_passes_every_check_and_starts_nothing() {
    let scenario = Scenario::healthy().await;
    let run = scenario.doctor_on_url(&[], &[]).await;
    assert_eq!(run.verdicts(), ["ok"; 9], "{}", run.stdout);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    run.assert("org", "ok", &[ORG_NAME, ORG_ID, OAUTH_CLIENT_NAME]);
    run.assert(
        "start-permission",
        "ok",
        &["conversation:cobrowse:add", "Nothing was started"],
    );
    run.assert(
        "read-permission",
        "ok",
        &["conversation:communication:view"],
    );
    run.assert(
        "data-action",
        "ok",
        &[ACTION_ID, &format!("{}/v1/cobrowse/start", scenario.url)],
    );
    run.assert("service-url", "ok", &[&format!("{}/healthz", scenario.url)]);

    // One start, on a conversation no one has: a fresh random id, which Genesys did not know.
    let requests = received(&scenario.genesys).await;
    let starts: Vec<&Request> = requests.iter().filter(|r| is_start(r)).collect();
    assert_eq!(starts.len(), 1, "exactly one cobrowse request");
    let probe = starts[0].url.path().split('/').nth(4).unwrap().to_owned();
    let probe_id = Uuid::parse_str(&probe).expect("the probe's id is a UUID");
    assert_eq!(probe_id.get_version_num(), 4, "a random (v4) id");
    assert_ne!(probe, REAL_CONVERSATION);
    // The body the service sends (COBROWSE_REQUEST_BODY), for an agent made up as well.
    let body: Value = serde_json::from_slice(&starts[0].body).unwrap();
    Uuid::parse_str(body["agentId"].as_str().unwrap()).expect("a made-up agent id");
    assert_eq!(body["cobrowseType"], "view");
    // The only other POST is the token request; the conversation read used the same id.
    for request in &requests {
        if request.method.as_str() == "POST" {
            assert!(
                is_start(request) || request.url.path() == "/oauth/token",
                "{}",
                request.url
            );
        }
    }
    assert!(
        requests.iter().any(|r| r.method.as_str() == "GET"
            && r.url.path() == format!("/api/v2/conversations/{probe}")),
        "the read permission is asked on the same made-up id"
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.url.path() == "/oauth/token")
            .count(),
        1,
        "one token for every check"
    );

    // Another run makes up another id, and sends no body when the service sends none.
    scenario
        .doctor_on_url(&[("REQUEST_BODY", "empty")], &[])
        .await;
    let ids = started_on(&scenario.genesys).await;
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "each run makes up its own conversation id");
    let second = received(&scenario.genesys)
        .await
        .into_iter()
        .filter(is_start)
        .nth(1)
        .unwrap();
    assert!(
        second.body.is_empty(),
        "COBROWSE_REQUEST_BODY=empty sends no body"
    );
}
