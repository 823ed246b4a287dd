//! What the binary writes to stdout, as a log collector reads it: one record per line, each
//! JSON line with unique keys.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::http;
use crate::{CLIENT_SECRET, borrowed, command, events, spawn, start_session, vars};

/// At `debug`, a token Genesys refuses and a readiness probe that fails for it: each line
/// names every key once (a second `message` would make jq and Python keep only one of the
/// two, and strict pipelines drop the line), and `message` is the event's own.
#[tokio::test]
async fn json_lines_of_a_token_failure_and_a_failed_probe_name_each_key_once() {
    let genesys = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("ININ-Correlation-Id", "corr-token")
                .set_body_json(
                    json!({"error": "invalid_client", "description": "client not found"}),
                ),
        )
        .mount(&genesys)
        .await;
    let vars = vars(&genesys);
    let mut debug = command(&borrowed(&vars));
    debug.env("RUST_LOG", "debug");
    let running = spawn(debug);
    let base = format!("http://127.0.0.1:{}", running.port);
    let reply = start_session(&format!("{base}/v1/cobrowse/start")).await;
    assert_eq!(reply["success"], false, "{reply}");
    let probe = http().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(probe.status(), 503);

    // `stop` parses every line strictly: a repeated key fails the test there.
    let (_, _, lines) = running.stop("TERM");
    let stdout = lines.join("\n");
    assert!(!stdout.contains(CLIENT_SECRET), "{stdout}");
    let events: Vec<Value> = events(&lines).collect();
    let refused = events
        .iter()
        .find(|e| e["message"] == "could not obtain a Genesys access token")
        .unwrap_or_else(|| panic!("no token failure line:\n{stdout}"));
    assert_eq!(refused["upstream_status"], 401, "{refused}");
    assert_eq!(refused["correlation_id"], "corr-token", "{refused}");
    let not_ready = events
        .iter()
        .find(|e| e["message"] == "not ready: no Genesys token")
        .unwrap_or_else(|| panic!("no line for the failed probe:\n{stdout}"));
    assert_eq!(not_ready["level"], "DEBUG");
    assert_eq!(not_ready["correlation_id"], "corr-token", "{not_ready}");
    assert!(
        !not_ready["error_message"].as_str().unwrap_or("").is_empty(),
        "the probe's line says what went wrong: {not_ready}"
    );
}
