//! Genesys misbehaving: each fault ends in one flat reply, the service keeps serving, and no
//! session is started twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use wiremock::ResponseTemplate;

use crate::helpers::*;

/// A "Genesys API" that reads each request and closes the connection without answering.
async fn resetting_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 4096];
            if socket.read(&mut buffer).await.unwrap_or(0) > 0 {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            drop(socket);
        }
    });
    (url, requests)
}

#[tokio::test]
async fn a_connection_reset_mid_request_is_reported_and_never_retried() {
    let (api_url, requests) = resetting_server().await;
    let app = spawn_app_with(&[("GENESYS_API_URL", &api_url)]).await;
    app.mount_token(86_400).await;

    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&reply, "GENESYS_UNAVAILABLE", "may or may not have started");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "sent more than once");

    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200, "the service keeps serving");
}

#[tokio::test]
async fn an_oversized_genesys_reply_is_invalid_upstream_response() {
    let app = spawn_app().await;
    app.mount_cobrowse(ResponseTemplate::new(200).set_body_string("x".repeat(2 * 1024 * 1024)))
        .await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["errorCode"], "INVALID_UPSTREAM_RESPONSE", "{reply}");
    assert_eq!(reply["upstreamStatus"], 200);
    assert_eq!(app.requests_to("cobrowse").await, 1);
}

#[tokio::test]
async fn a_hanging_token_endpoint_then_a_working_one() {
    let app = spawn_app_with(&[("UPSTREAM_TIMEOUT_MS", "300")]).await;
    app.answer_first(
        wiremock::matchers::path("/oauth/token"),
        ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)),
    )
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;

    let first = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&first, "UPSTREAM_TIMEOUT", "Nothing was started");
    assert_eq!(app.requests_to("cobrowse").await, 0);

    // Once the login service has been left alone for a second, it is asked again.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(second["success"], true, "{second}");
    assert_eq!(app.requests_to("cobrowse").await, 1);
}
