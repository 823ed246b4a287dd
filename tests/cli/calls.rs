//! Each call as the operator sees it in the log: one JSON line per call with every field,
//! never a secret, a start a live session prevented at `info`, and an unreachable Redis one
//! warning for all calls.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{self, http};
use crate::harness::{
    ACCESS_TOKEN, AGENT, CLIENT_SECRET, CONVERSATION, PASSWORD, borrowed, events, genesys, reply,
    start, start_request, start_session, vars,
};

#[tokio::test]
async fn each_call_logs_one_json_line_and_no_secret_ever() {
    let genesys = genesys(Duration::ZERO).await;
    let vars = vars(&genesys);
    let running = start(&borrowed(&vars));
    let http = http();
    let url = running.start_url();
    let ok = start_session(&url).await;
    assert_eq!(ok["success"], true, "{ok}");
    // A wrong password and a guessed bearer token, which must not be logged either.
    let guess = json!({"conversationId": CONVERSATION});
    start_request(&url, "guess-SHOULD-NOT-LEAK", &guess)
        .send()
        .await
        .unwrap();
    http.post(&url)
        .bearer_auth("bearer-guess-SHOULD-NOT-LEAK")
        .json(&guess)
        .send()
        .await
        .unwrap();

    // Anyone can send any path: the unknown-route line quotes only the start of it.
    let long_path = format!("/{}", "x".repeat(5000));
    http.get(running.url(&long_path)).send().await.unwrap();

    let (status, stderr, lines) = running.stop("TERM");
    assert_eq!(status.code(), Some(0));
    let stdout = lines.join("\n");
    let unknown: Vec<Value> = events(&lines)
        .filter(|e| e["message"] == "unknown route")
        .collect();
    assert_eq!(unknown.len(), 1, "{stdout}");
    let logged_path = unknown[0]["path"].as_str().unwrap();
    assert!(
        logged_path.starts_with("\"/xxx") && logged_path.len() < 100,
        "{logged_path}"
    );
    for secret in [CLIENT_SECRET, PASSWORD, ACCESS_TOKEN, "SHOULD-NOT-LEAK"] {
        assert!(!stdout.contains(secret), "{secret} in logs:\n{stdout}");
        assert!(!stderr.contains(secret), "{secret} in stderr:\n{stderr}");
    }
    let calls: Vec<Value> = events(&lines)
        .filter(|e| e["message"] == "cobrowse call")
        .collect();
    assert_eq!(calls.len(), 3, "one line per call:\n{stdout}");
    let started = &calls[0];
    assert_eq!(started["request_id"], ok["requestId"]);
    assert_eq!(started["conversation_id"], CONVERSATION);
    assert_eq!(started["outcome"], "started");
    assert_eq!(started["error_code"], "", "every line has every field");
    assert_eq!(started["upstream_status"], 200);
    assert_eq!(started["correlation_id"], "corr-cli");
    assert!(started["latency_ms"].is_number());
    assert_eq!(calls[1]["error_code"], "UNAUTHORIZED");
    assert_eq!(calls[2]["error_code"], "UNAUTHORIZED");
    assert!(calls[2]["peer"].as_str().unwrap().starts_with("127.0.0.1"));
}

/// Genesys refusing the first OAuth client: the service goes on with the second, says so in
/// one warning naming which, and neither client's secret is ever written.
#[tokio::test]
async fn a_switch_to_the_second_oauth_client_is_one_warning_without_a_secret() {
    const NEXT_SECRET: &str = "next-client-secret-SHOULD-NOT-LEAK";
    let genesys = genesys(Duration::ZERO).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(wiremock::matchers::basic_auth("client", CLIENT_SECRET))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .with_priority(1)
        .mount(&genesys)
        .await;
    let mut vars = vars(&genesys);
    vars.push(("GENESYS_CLIENT_ID_NEXT", "next-client".to_owned()));
    vars.push(("GENESYS_CLIENT_SECRET_NEXT", NEXT_SECRET.to_owned()));
    let running = start(&borrowed(&vars));
    let ok = start_session(&running.start_url()).await;
    assert_eq!(ok["success"], true, "{ok}");

    let (_, stderr, lines) = running.stop("TERM");
    let stdout = lines.join("\n");
    for secret in [CLIENT_SECRET, NEXT_SECRET, ACCESS_TOKEN] {
        assert!(!stdout.contains(secret), "{secret} in logs:\n{stdout}");
        assert!(!stderr.contains(secret), "{secret} in stderr:\n{stderr}");
    }
    let warnings: Vec<Value> = events(&lines).filter(|e| e["level"] == "WARN").collect();
    assert_eq!(warnings.len(), 1, "{stdout}");
    assert_eq!(warnings[0]["refused"], "first", "{}", warnings[0]);
    assert_eq!(warnings[0]["oauth_client"], "second", "{}", warnings[0]);
    assert_eq!(warnings[0]["upstream_status"], 401, "{}", warnings[0]);
    let obtained: Vec<Value> = events(&lines)
        .filter(|e| e["message"] == "obtained a Genesys access token")
        .collect();
    assert_eq!(obtained.len(), 1, "{stdout}");
    assert_eq!(obtained[0]["oauth_client"], "second");
}

/// A start the conversation's live cobrowse session prevented is not a failure: `info`, and
/// its own outcome, so log alerts on `warn` or `outcome: failed` stay quiet in consults.
#[tokio::test]
async fn a_start_a_live_session_prevented_is_logged_at_info_not_as_a_failure() {
    let genesys = genesys(Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/conversations/{CONVERSATION}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": CONVERSATION,
            "participants": [
                {"purpose": "customer", "messages": [{"state": "connected"}],
                 "cobrowsesessions": [{"state": "connected", "cobrowseSessionId": "cb-cli", "cobrowseRole": "sharer"}]},
                {"purpose": "agent", "userId": AGENT, "messages": [{"state": "connected"}]}
            ]
        })))
        .mount(&genesys)
        .await;
    let vars = vars(&genesys);
    let running = start(&borrowed(&vars));
    let reply = reply(start_request(
        &running.start_url(),
        PASSWORD,
        &json!({"conversationId": CONVERSATION}),
    ))
    .await;
    assert_eq!(reply["errorCode"], "COBROWSE_ALREADY_ACTIVE", "{reply}");

    let (_, _, lines) = running.stop("TERM");
    let calls: Vec<Value> = events(&lines)
        .filter(|e| e["message"] == "cobrowse call")
        .collect();
    assert_eq!(calls.len(), 1, "{lines:?}");
    assert_eq!(calls[0]["level"], "INFO", "{}", calls[0]);
    assert_eq!(calls[0]["outcome"], "already_active");
    assert_eq!(calls[0]["error_code"], "COBROWSE_ALREADY_ACTIVE");
    assert!(
        calls[0]["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("cb-cli")),
        "{}",
        calls[0]
    );
}

#[tokio::test]
async fn an_unreachable_redis_is_one_warning_and_never_its_password() {
    let genesys = genesys(Duration::ZERO).await;
    let nothing_there = common::Unreachable::reserve();
    let redis_url = format!(
        "redis://:r3dis-SHOULD-NOT-LEAK@{}/0",
        nothing_there.address()
    );
    let mut vars = vars(&genesys);
    vars.push(("REDIS_URL", redis_url));
    let running = start(&borrowed(&vars));
    let url = running.start_url();
    for _ in 0..3 {
        let reply = start_session(&url).await;
        assert_eq!(reply["success"], true, "starts work without Redis: {reply}");
    }
    let (status, stderr, lines) = running.stop("TERM");
    assert_eq!(status.code(), Some(0));
    let stdout = lines.join("\n");
    let warnings: Vec<Value> = events(&lines)
        .filter(|e| e["level"] == "WARN" && e["message"].as_str().unwrap().contains("Redis"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning, not one per call:\n{stdout}"
    );
    assert!(!warnings[0]["error"].as_str().unwrap().is_empty());
    assert!(!stdout.contains("r3dis-SHOULD-NOT-LEAK"), "{stdout}");
    assert!(!stderr.contains("r3dis-SHOULD-NOT-LEAK"), "{stderr}");
}
