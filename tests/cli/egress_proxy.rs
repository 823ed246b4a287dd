//! An egress proxy set in the environment (`HTTPS_PROXY` & co., as curl reads them) carries
//! every Genesys call, and start-up says so without the proxy's password; `NO_PROXY` sends
//! a host direct.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{borrowed, command, events, genesys, spawn, start_session, vars_at};

const PROXY_PASSWORD: &str = "proxy-password-SHOULD-NOT-LEAK";

/// The proxy's log line, if start-up wrote one.
fn proxy_line(lines: &[String]) -> Option<Value> {
    events(lines).find(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Genesys calls go through the egress proxy"))
    })
}

#[tokio::test]
async fn genesys_calls_go_through_the_proxy_the_environment_names() {
    // The mock Genesys is the proxy: Genesys's own host does not resolve, so a start that
    // succeeds was carried by the proxy.
    let proxy = genesys(Duration::ZERO).await;
    let vars = vars_at("http://genesys.invalid");
    let proxy_url = format!(
        "http://me:{PROXY_PASSWORD}@127.0.0.1:{}",
        proxy.address().port()
    );
    let mut command = command(&borrowed(&vars));
    command.env("HTTP_PROXY", &proxy_url);
    let running = spawn(command);

    let reply = start_session(&running.start_url()).await;
    assert_eq!(reply["success"], true, "{reply}");
    let asked: Vec<String> = proxy
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.to_string())
        .collect();
    assert!(
        asked.iter().any(|url| url.contains("/cobrowse")),
        "the start went through the proxy: {asked:?}"
    );

    let (_, stderr, lines) = running.stop("TERM");
    let line = proxy_line(&lines).expect("start-up names the proxy");
    let named = format!("http://127.0.0.1:{}", proxy.address().port());
    assert_eq!(line["api"], named.as_str(), "{line}");
    assert_eq!(line["login"], named.as_str(), "{line}");
    let stdout = lines.join("\n");
    assert!(!stdout.contains(PROXY_PASSWORD), "{stdout}");
    assert!(!stderr.contains(PROXY_PASSWORD), "{stderr}");
}

#[tokio::test]
async fn no_proxy_sends_genesys_calls_direct_and_start_up_says_nothing() {
    let genesys = genesys(Duration::ZERO).await;
    let proxy = wiremock::MockServer::start().await;
    let vars = vars_at(&genesys.uri());
    let mut command = command(&borrowed(&vars));
    command
        .env(
            "HTTP_PROXY",
            format!("http://127.0.0.1:{}", proxy.address().port()),
        )
        .env("NO_PROXY", "127.0.0.1");
    let running = spawn(command);

    let reply = start_session(&running.start_url()).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert!(proxy.received_requests().await.unwrap().is_empty());
    let (_, _, lines) = running.stop("TERM");
    assert_eq!(proxy_line(&lines), None);
}
