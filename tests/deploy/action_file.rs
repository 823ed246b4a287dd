//! `export-action` as an admin runs it, and the committed export in `deploy/genesys/`.

use std::process::{Command, Output};
use std::time::Duration;

use cobrowse_proxy::export::DEFAULT_TIMEOUT_SECONDS;
use serde_json::Value;

use crate::{PLACEHOLDER_URL, default_settings, read};

const ACTION_FILE: &str = "deploy/genesys/start-cobrowse.action.json";

fn export_action(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cobrowse-proxy"))
        .env_clear()
        .arg("export-action")
        .args(args)
        .output()
        .unwrap()
}

fn printed_action(args: &[&str]) -> Value {
    let output = export_action(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("export-action prints JSON")
}

#[test]
fn the_committed_action_is_what_export_action_prints() {
    let committed: Value = serde_json::from_str(&read(ACTION_FILE)).expect("the file is JSON");
    let printed = printed_action(&["--url", PLACEHOLDER_URL]);
    assert!(
        committed == printed,
        "{ACTION_FILE} is out of date (schemas/ or export-action changed). Regenerate it with:\n\n  \
         cargo run --quiet -- export-action --url {PLACEHOLDER_URL} > {ACTION_FILE}\n"
    );
}

#[test]
fn plain_http_is_refused_with_a_reason_and_nothing_printed() {
    let output = export_action(&["--url", "http://cobrowse-proxy.example.com"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "an action was printed");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("HTTPS only"), "{stderr}");

    let allowed = printed_action(&["--url", "http://127.0.0.1:8080", "--allow-http"]);
    assert_eq!(
        allowed["config"]["request"]["requestUrlTemplate"],
        "http://127.0.0.1:8080/v1/cobrowse/start"
    );
}

#[test]
fn a_url_with_a_path_or_credentials_is_refused() {
    for (url, reason) in [
        (
            "https://cobrowse-proxy.example.com/v1/cobrowse/start",
            "has a path",
        ),
        ("https://cobrowse-proxy.example.com/?x=1", "query"),
        (
            "https://admin:hunter2@cobrowse-proxy.example.com",
            "credentials",
        ),
    ] {
        let output = export_action(&["--url", url]);
        assert_eq!(output.status.code(), Some(2), "{url}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(reason), "{url}: {stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "the password was printed: {stderr}"
        );
    }
}

#[test]
fn the_flags_reach_the_action() {
    let action = printed_action(&[
        "--url",
        PLACEHOLDER_URL,
        "--name",
        "Cobrowse now",
        "--category",
        "Support tools",
        "--timeout-seconds",
        "45",
        "--secure",
    ]);
    assert_eq!(action["name"], "Cobrowse now");
    assert_eq!(action["category"], "Support tools");
    assert_eq!(action["config"]["timeoutSeconds"], 45);
    assert_eq!(action["secure"], true);
}

#[test]
fn a_bearer_credential_sends_its_token_and_basic_sends_nothing_extra() {
    // Basic Auth: Genesys adds the Authorization header itself; the action must not.
    let basic = printed_action(&["--url", PLACEHOLDER_URL]);
    assert!(
        basic["config"]["request"]["headers"]
            .get("Authorization")
            .is_none()
    );
    assert_eq!(
        printed_action(&["--url", PLACEHOLDER_URL, "--credential", "basic"]),
        basic
    );

    // A User Defined field reaches the service only where the action writes it.
    let bearer = printed_action(&["--url", PLACEHOLDER_URL, "--credential", "bearer"]);
    assert_eq!(
        bearer["config"]["request"]["headers"]["Authorization"],
        "Bearer ${credentials.token}"
    );

    let output = export_action(&["--url", PLACEHOLDER_URL, "--credential", "digest"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "an action was printed");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("basic") && stderr.contains("bearer"),
        "{stderr}"
    );
}

#[test]
fn a_timeout_genesys_does_not_accept_is_refused() {
    for seconds in ["0", "61"] {
        let output = export_action(&["--url", PLACEHOLDER_URL, "--timeout-seconds", seconds]);
        assert_eq!(output.status.code(), Some(2), "{seconds}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("1..=60"), "{stderr}");
    }
}

#[test]
fn the_default_timeout_outlasts_the_services_upstream_budget() {
    // Genesys must still be waiting when the service gives up on Genesys and answers
    // UPSTREAM_TIMEOUT, or the flow takes the Timeout path and never learns why.
    let budget = default_settings().defaults.upstream_timeout;
    let timeout = Duration::from_secs(DEFAULT_TIMEOUT_SECONDS.into());
    assert!(
        timeout >= budget + Duration::from_secs(5),
        "the action's default timeout ({timeout:?}) is not comfortably above the service's default budget ({budget:?})"
    );
}
