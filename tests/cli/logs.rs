//! What the binary writes to stdout, as a log collector reads it: one record per line, each
//! JSON line with unique keys.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::http;
use crate::harness::{
    CLIENT_SECRET, PASSWORD, Running, borrowed, command, events, reply, spawn, start_request,
    start_session, vars,
};

/// At `debug`, a token Genesys refuses and a readiness probe that finds no token for it: each line
/// names every key once (a second `message` would make jq and Python keep only one of the
/// two, and strict pipelines drop the line), and `message` is the event's own.
#[tokio::test]
async fn json_lines_of_a_token_failure_and_a_probe_without_token_name_each_key_once() {
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
    let reply = start_session(&running.start_url()).await;
    assert_eq!(reply["success"], false, "{reply}");
    let probe = http().get(running.url("/readyz")).send().await.unwrap();
    assert_eq!(
        probe.status(),
        200,
        "a refused client is no reason to leave the Service"
    );

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
        .find(|e| e["message"] == "readiness probe: no Genesys token")
        .unwrap_or_else(|| panic!("no line for the failed probe:\n{stdout}"));
    assert_eq!(not_ready["level"], "DEBUG");
    assert_eq!(not_ready["correlation_id"], "corr-token", "{not_ready}");
    assert!(
        !not_ready["error_message"].as_str().unwrap_or("").is_empty(),
        "the probe's line says what went wrong: {not_ready}"
    );
}

/// Line breaks a flow input could carry into a log line: `\n` and `\r`, the other line breaks
/// readers honour (vertical tab, form feed, NEL, the Unicode line and paragraph separators),
/// and an escape sequence that would erase the line on a terminal.
const BREAKS: [&str; 8] = [
    "\n", "\r", "\r\n", "\u{b}", "\u{c}", "\u{85}", "\u{2028}", "\u{2029}",
];

/// The text each hostile input carries after its break: a record of its own, if written raw.
const FORGED: &str = "2026-11-25T10:00:00.000000Z  INFO cobrowse_proxy: FORGED";

/// Sends one start per break, its `conversationId` a forged record behind the break (and an
/// erase-line escape sequence), each with its own request id; the ids and values sent.
async fn send_hostile_starts(running: &Running) -> Vec<(String, String)> {
    let url = running.start_url();
    let mut sent = Vec::new();
    for (i, line_break) in BREAKS.iter().enumerate() {
        let request_id = format!("hostile-{i}");
        let value = format!("x\u{1b}[2K{line_break}{FORGED}");
        let reply = reply(
            start_request(&url, PASSWORD, &json!({"conversationId": value}))
                .header("X-Request-Id", &request_id),
        )
        .await;
        assert_eq!(reply["requestId"], *request_id, "{reply}");
        assert_eq!(reply["errorCode"], "INVALID_INPUT", "{reply}");
        sent.push((request_id, value));
    }
    sent
}

/// Characters that end a line for some reader (and terminal escapes): none may be in a line.
fn breaks_a_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `COBROWSE_LOG_FORMAT=pretty`: an input with a line break in it stays inside its call's
/// record, escaped, so it cannot pass for a record of its own.
#[tokio::test]
async fn pretty_lines_keep_a_line_break_from_an_input_inside_its_record() {
    let genesys = MockServer::start().await;
    let mut vars = vars(&genesys);
    vars.push(("LOG_FORMAT", "pretty".to_owned()));
    let running = spawn(command(&borrowed(&vars)));
    let sent = send_hostile_starts(&running).await;
    let (status, _, lines) = running.stop("TERM");
    assert_eq!(status.code(), Some(0));
    let stdout = lines.join("\n");

    // Every line is a record: a timestamp, a level and a target, and nothing that ends a line.
    for line in &lines {
        let mut words = line.split_whitespace();
        let timestamp = words.next().unwrap_or("");
        let level = words.next().unwrap_or("");
        assert!(
            timestamp.len() > 20 && timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
            "not a record: {line:?}\n{stdout}"
        );
        assert!(
            ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level),
            "not a record: {line:?}"
        );
        assert!(!line.contains(breaks_a_line), "{line:?}");
    }
    // The forged text is only ever inside the call's own line, and it is still there to read.
    for line in lines.iter().filter(|line| line.contains("FORGED")) {
        assert!(
            line.contains(" WARN ") && line.contains("cobrowse call request_id=hostile-"),
            "forged record: {line:?}\n{stdout}"
        );
    }
    for (request_id, _) in &sent {
        let records: Vec<&String> = lines
            .iter()
            .filter(|line| line.contains(&format!("request_id={request_id} ")))
            .collect();
        assert_eq!(records.len(), 1, "{request_id}:\n{stdout}");
        assert!(records[0].contains("FORGED"), "{}", records[0]);
    }
}

/// The JSON format: one record per line whatever an input holds, and the value read back is
/// the value sent, break and all.
#[tokio::test]
async fn json_lines_keep_a_line_break_from_an_input_inside_its_record() {
    let genesys = MockServer::start().await;
    let vars = vars(&genesys);
    let running = spawn(command(&borrowed(&vars)));
    let sent = send_hostile_starts(&running).await;
    let (_, _, lines) = running.stop("TERM");
    for line in &lines {
        assert!(!line.contains(breaks_a_line), "{line:?}");
    }
    let events: Vec<Value> = events(&lines).collect();
    for (request_id, value) in &sent {
        let call = events
            .iter()
            .find(|e| e["request_id"] == **request_id)
            .unwrap_or_else(|| panic!("no line for {request_id}:\n{}", lines.join("\n")));
        // The echo keeps the first 64 characters of what the flow sent.
        let echoed: String = value.chars().take(64).collect();
        assert_eq!(call["conversation_id"], *echoed, "{call}");
    }
}
