//! How a CLI test runs the binary: with only the variables it names, `serve` started and its
//! stdout collected (`Running`), stopped by a signal, its log lines read as strict JSON; a
//! Genesys for it to call, and a start posted to it as Genesys's data action does.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{Genesys, genesys_issuing, http, prefixed, required_vars};
use crate::unique_keys;

pub const BINARY: &str = env!("CARGO_BIN_EXE_cobrowse-proxy");
pub const CLIENT_SECRET: &str = "client-secret-SHOULD-NOT-LEAK";
pub const PASSWORD: &str = "inbound-password-SHOULD-NOT-LEAK";
pub const ACCESS_TOKEN: &str = "access-token-SHOULD-NOT-LEAK";
pub const CONVERSATION: &str = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";
pub const AGENT: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

/// The binary with only `vars` (named without their `COBROWSE_` prefix) in its environment.
pub fn command(vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command.env_clear();
    command.envs(prefixed(vars.iter().copied()));
    command
}

/// A running binary whose stdout lines are collected.
pub struct Running {
    pub child: Child,
    pub port: u16,
    pub lines: Arc<Mutex<Vec<String>>>,
    pub reader: Option<std::thread::JoinHandle<()>>,
    /// Logging in JSON (the default), not `COBROWSE_LOG_FORMAT=pretty`.
    pub json: bool,
}

impl Running {
    /// Sends `stop_signal`, waits for the process to exit and for every line it wrote to
    /// be read; returns its exit status, stderr and stdout lines. In JSON format, every line
    /// must be one JSON object that names each key once.
    pub fn stop(mut self, stop_signal: &str) -> (std::process::ExitStatus, String, Vec<String>) {
        signal(&self.child, stop_signal);
        // stdout is the reader thread's; stderr is read to its end, then the exit awaited.
        let mut stderr = Vec::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_end(&mut stderr).unwrap();
        }
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        let lines = std::mem::take(&mut *self.lines.lock().unwrap());
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        if self.json {
            events(&lines).for_each(drop);
        }
        (status, stderr, lines)
    }

    /// The service's URL for `path` (`/metrics`, ...).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Where Genesys's data action posts a start.
    pub fn start_url(&self) -> String {
        self.url("/v1/cobrowse/start")
    }
}

/// Starts `serve` with only `vars` (named without their `COBROWSE_` prefix) in its environment.
pub fn start(vars: &[(&str, &str)]) -> Running {
    spawn(command(vars))
}

/// Starts `serve` as `command` says, collecting its stdout lines; returns once it listens.
pub fn spawn(mut command: Command) -> Running {
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
        reader: Some(reader),
        json,
    }
}

/// A test that fails before `stop` leaves no `serve` behind: it is killed (a stopped one has
/// been waited for already, and the kill is then a no-op).
impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The port in the line that says the service listens, in either log format.
pub fn listening_port(line: &str) -> Option<u16> {
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
pub fn events(lines: &[String]) -> impl Iterator<Item = Value> + use<> {
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
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A Genesys that issues the service a token and starts every session, `delay` after it is
/// asked.
pub async fn genesys(delay: Duration) -> MockServer {
    let server = genesys_issuing(ACCESS_TOKEN).await;
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

pub fn vars(genesys: &MockServer) -> Vec<(&'static str, String)> {
    vars_at(&genesys.uri())
}

/// The variables of a deployment whose Genesys is at `url`.
pub fn vars_at(url: &str) -> Vec<(&'static str, String)> {
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
pub fn exited_within(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
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

pub fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A start posted to `url` as Genesys's data action posts it: `body`, with Basic `genesys`
/// and `password` (the right one or not). A test adds headers before it sends it.
pub fn start_request(url: &str, password: &str, body: &Value) -> reqwest::RequestBuilder {
    http()
        .post(url)
        .basic_auth("genesys", Some(password))
        .json(body)
}

/// Sends `request`; the service's reply, JSON whatever the outcome.
pub async fn reply(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// The start a flow sends for `conversation` and the tests' agent.
pub fn start_input(conversation: &str) -> Value {
    json!({"conversationId": conversation, "agentId": AGENT})
}

/// Starts a session through the service at `url` with the right credential; its reply.
pub async fn start_session(url: &str) -> Value {
    reply(start_request(url, PASSWORD, &start_input(CONVERSATION))).await
}
