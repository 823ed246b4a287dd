//! The binary as an operator runs it: start-up checks, log lines, secrets, graceful shutdown;
//! its environment (`environment.rs`), its log lines (`logs.rs`, `stalled_log.rs`), and its
//! memory when Redis holds a value no session can be (`redis_value.rs`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "../common/mod.rs"]
mod common;
mod environment;
mod logs;
mod orgs_reload;
mod redis_value;
mod sandbox;
mod stalled_log;
mod unique_keys;

use common::{Genesys, http, prefixed, required_vars, token_reply};

const BINARY: &str = env!("CARGO_BIN_EXE_cobrowse-proxy");
const CLIENT_SECRET: &str = "client-secret-SHOULD-NOT-LEAK";
const PASSWORD: &str = "inbound-password-SHOULD-NOT-LEAK";
const ACCESS_TOKEN: &str = "access-token-SHOULD-NOT-LEAK";
const CONVERSATION: &str = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";
const AGENT: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

/// The binary with only `vars` (named without their `COBROWSE_` prefix) in its environment.
fn command(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear();
    command.envs(prefixed(vars.iter().copied()));
    command
}

#[test]
fn serve_without_configuration_names_every_missing_variable_and_exits() {
    let output = command(&[("UPSTREAM_TIMEOUT_MS", "0")])
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for name in [
        "COBROWSE_GENESYS_REGION",
        "COBROWSE_GENESYS_CLIENT_ID",
        "COBROWSE_GENESYS_CLIENT_SECRET",
        "COBROWSE_AUTH_USERNAME",
        "COBROWSE_UPSTREAM_TIMEOUT_MS",
    ] {
        assert!(stderr.contains(name), "{name} missing from:\n{stderr}");
    }
    assert!(output.stdout.is_empty(), "nothing ran");
}

#[test]
fn serve_with_nothing_set_leads_with_the_region() {
    let output = command(&[]).arg("serve").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let problems: Vec<&str> = stderr.lines().filter(|l| l.starts_with("  - ")).collect();
    assert!(
        problems[0].starts_with("  - COBROWSE_GENESYS_REGION is missing")
            && problems[0].contains("COBROWSE_GENESYS_API_URL and COBROWSE_GENESYS_LOGIN_URL"),
        "{stderr}"
    );
    // The URLs are the alternative, not two more missing settings.
    assert!(
        !problems.iter().any(|p| p.contains("_URL is missing")),
        "{stderr}"
    );
}

#[test]
fn a_taken_port_is_named_with_cobrowse_listen_and_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let nothing = common::Unreachable::reserve();
    let mut vars = vars_at(&nothing.url());
    vars.push(("LISTEN", address.clone()));
    let mut command = command(&borrowed(&vars));
    command.arg("serve");
    let output = output_within(command, Duration::from_secs(30));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on {address} (COBROWSE_LISTEN): Address already in use"
        )),
        "{stderr}"
    );
}

#[test]
fn no_subcommand_means_serve_never_the_sandbox() {
    let output = command(&[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("COBROWSE_GENESYS_CLIENT_ID"), "{stderr}");
}

/// A running binary whose stdout lines are collected.
struct Running {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    reader: std::thread::JoinHandle<()>,
    /// Logging in JSON (the default), not `COBROWSE_LOG_FORMAT=pretty`.
    json: bool,
}

impl Running {
    /// Sends `stop_signal`, waits for the process to exit and for every line it wrote to
    /// be read; returns its exit status, stderr and stdout lines. In JSON format, every line
    /// must be one JSON object that names each key once.
    fn stop(self, stop_signal: &str) -> (std::process::ExitStatus, String, Vec<String>) {
        signal(&self.child, stop_signal);
        let output = self.child.wait_with_output().unwrap();
        self.reader.join().unwrap();
        let lines = std::mem::take(&mut *self.lines.lock().unwrap());
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if self.json {
            events(&lines).for_each(drop);
        }
        (output.status, stderr, lines)
    }
}

/// Starts `serve` with only `vars` (named without their `COBROWSE_` prefix) in its environment.
fn start(vars: &[(&str, &str)]) -> Running {
    spawn(command(vars))
}

/// Starts `serve` as `command` says, collecting its stdout lines; returns once it listens.
fn spawn(mut command: Command) -> Running {
    let json = !command
        .get_envs()
        .any(|(name, value)| name == "COBROWSE_LOG_FORMAT" && value == Some("pretty".as_ref()));
    let mut child = command
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (port_tx, port_rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let collected = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(port) = listening_port(&line) {
                let _ = port_tx.send(port);
            }
            collected.lock().unwrap().push(line);
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the service logs its port");
    Running {
        child,
        port,
        lines,
        reader,
        json,
    }
}

/// The port in the line that says the service listens, in either log format.
fn listening_port(line: &str) -> Option<u16> {
    if !line.contains("cobrowse-proxy listening") {
        return None;
    }
    if let Ok(event) = serde_json::from_str::<Value>(line) {
        return event["port"].as_u64().map(|port| port as u16);
    }
    let digits = line.split(" port=").nth(1)?;
    digits.split(' ').next()?.parse().ok()
}

/// Every line as the JSON log event it must be: one JSON object with no key repeated
/// (which serde_json alone would let pass). Panics on any other line.
fn events(lines: &[String]) -> impl Iterator<Item = Value> + use<> {
    let events: Vec<Value> = lines
        .iter()
        .map(|line| match unique_keys::parse(line) {
            Ok(event @ Value::Object(_)) => event,
            Ok(_) => panic!("a log line that is not a JSON object: {line}"),
            Err(e) => panic!("a log line that is not strict JSON ({e}): {line}"),
        })
        .collect();
    events.into_iter()
}

/// Sends `signal` (`"TERM"`, `"INT"`) to the child.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn genesys(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply(ACCESS_TOKEN, 86_400))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("/cobrowse$"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ININ-Correlation-Id", "corr-cli")
                .set_body_json(json!({"id": "s1", "joinCode": "123456"}))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

fn vars(genesys: &MockServer) -> Vec<(&'static str, String)> {
    vars_at(&genesys.uri())
}

/// The variables of a deployment whose Genesys is at `url`.
fn vars_at(url: &str) -> Vec<(&'static str, String)> {
    let mut vars = vec![("LISTEN", "127.0.0.1:0".to_owned())];
    vars.extend(required_vars(
        Genesys::At(url),
        ("client", CLIENT_SECRET),
        ("genesys", PASSWORD),
    ));
    vars
}

/// Runs `command` until it exits; one still running after `within` is killed, so a test of a
/// start-up refusal fails instead of hanging when the service starts after all.
pub fn output_within(mut command: Command, within: Duration) -> std::process::Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if exited_within(&mut child, within).is_none() {
        let _ = child.kill();
    }
    child.wait_with_output().unwrap()
}

/// Waits for the child to exit, for `within` at most; `None` if it is still running.
fn exited_within(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Starts a session through the service at `url` with the right credential; its reply.
async fn start_session(url: &str) -> Value {
    http()
        .post(url)
        .basic_auth("genesys", Some(PASSWORD))
        .json(&json!({"conversationId": CONVERSATION, "agentId": AGENT}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn each_call_logs_one_json_line_and_no_secret_ever() {
    let genesys = genesys(Duration::ZERO).await;
    let vars = vars(&genesys);
    let running = start(&borrowed(&vars));
    let http = http();
    let url = format!("http://127.0.0.1:{}/v1/cobrowse/start", running.port);
    let ok = start_session(&url).await;
    assert_eq!(ok["success"], true, "{ok}");
    // A wrong password and a guessed bearer token, which must not be logged either.
    http.post(&url)
        .basic_auth("genesys", Some("guess-SHOULD-NOT-LEAK"))
        .json(&json!({"conversationId": CONVERSATION}))
        .send()
        .await
        .unwrap();
    http.post(&url)
        .bearer_auth("bearer-guess-SHOULD-NOT-LEAK")
        .json(&json!({"conversationId": CONVERSATION}))
        .send()
        .await
        .unwrap();

    // Anyone can send any path: the unknown-route line quotes only the start of it.
    let long_path = format!("/{}", "x".repeat(5000));
    http.get(format!("http://127.0.0.1:{}{long_path}", running.port))
        .send()
        .await
        .unwrap();

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
    let reply: Value = http()
        .post(format!(
            "http://127.0.0.1:{}/v1/cobrowse/start",
            running.port
        ))
        .basic_auth("genesys", Some(PASSWORD))
        .json(&json!({"conversationId": CONVERSATION}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
async fn sigterm_lets_calls_in_flight_finish_and_exits_zero() {
    stopping_lets_calls_in_flight_finish("TERM").await;
}

/// Ctrl-C in a terminal, and what some process managers send: the same graceful stop.
#[tokio::test]
async fn sigint_lets_calls_in_flight_finish_and_exits_zero() {
    stopping_lets_calls_in_flight_finish("INT").await;
}

async fn stopping_lets_calls_in_flight_finish(stop_signal: &'static str) {
    let genesys = genesys(Duration::from_millis(800)).await;
    let vars = vars(&genesys);
    let running = start(&borrowed(&vars));
    let url = format!("http://127.0.0.1:{}/v1/cobrowse/start", running.port);
    let call = tokio::spawn(async move { start_session(&url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = tokio::task::spawn_blocking(move || running.stop(stop_signal));

    let reply = call.await.unwrap();
    assert_eq!(reply["success"], true, "{reply}");
    let (status, _, lines) = stopping.await.unwrap();
    assert_eq!(status.code(), Some(0));
    // Logged while stopping and written out before the process ended: the log writer's
    // queue is drained at exit.
    let expected = format!("SIG{stop_signal}");
    assert!(
        events(&lines).any(|event| event["signal"] == *expected),
        "no line about {expected}:\n{}",
        lines.join("\n")
    );
}

#[test]
fn disabled_inbound_auth_is_logged_as_a_warning() {
    let running = start(&[
        ("LISTEN", "127.0.0.1:0"),
        ("GENESYS_REGION", "eu-west-1"),
        ("GENESYS_CLIENT_ID", "client"),
        ("GENESYS_CLIENT_SECRET", CLIENT_SECRET),
        ("AUTH_DISABLED", "true"),
    ]);
    let (_, _, lines) = running.stop("TERM");
    let warning = events(&lines)
        .find(|e| e["level"] == "WARN")
        .expect("a warning");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("authentication is disabled")
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
    let url = format!("http://127.0.0.1:{}/v1/cobrowse/start", running.port);
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
