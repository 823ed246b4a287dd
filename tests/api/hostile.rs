//! Hostile input: whatever arrives, no panic, no 5xx, and nothing unvalidated reaches Genesys.

use std::io::ErrorKind;
use std::sync::LazyLock;
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// One service for every generated case: starting one per case would dominate the run.
static SHARED: LazyLock<(tokio::runtime::Runtime, TestApp)> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        app.mount_cobrowse(session_reply()).await;
        app
    });
    (runtime, app)
});

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,80}".prop_map(Value::String),
        Just(json!(CONVERSATION)),
        Just(json!("../../users/me")),
        Just(json!("5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60/../x")),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn flow_body() -> impl Strategy<Value = Map<String, Value>> {
    let field = prop_oneof![
        Just("conversationId".to_owned()),
        Just("agentId".to_owned()),
        Just("cobrowseType".to_owned()),
        "[a-zA-Z]{1,12}",
    ];
    prop::collection::btree_map(field, json_value(), 0..4).prop_map(|m| m.into_iter().collect())
}

/// Sends one body and checks the promises that hold for any input.
fn check(body: Vec<u8>) -> Result<(), TestCaseError> {
    let (runtime, app) = &*SHARED;
    runtime.block_on(async {
        let response = app.post_raw(body, "application/json", true).await;
        let status = response.status();
        prop_assert!(!status.is_server_error(), "{status}");
        let reply: Value = response.json().await.unwrap();
        assert_fits_output_contract(&reply);
        for request in app.genesys.received_requests().await.unwrap() {
            let path = request.url.path();
            if path == "/oauth/token" {
                continue;
            }
            let id = path
                .trim_start_matches("/api/v2/conversations/")
                .trim_end_matches("/cobrowse");
            prop_assert!(
                id.len() == 36 && uuid::Uuid::parse_str(id).is_ok() && id == id.to_lowercase(),
                "Genesys was called on {path}"
            );
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_get_a_flat_reply_and_no_5xx(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check(body)?;
    }

    #[test]
    fn any_flow_shaped_json_is_parsed_or_refused_safely(body in flow_body()) {
        check(serde_json::to_vec(&Value::Object(body)).unwrap())?;
    }
}

/// How long a raw exchange may take to write its request, and then to read to the end of the
/// answer, before the test fails.
const EXCHANGE_BOUND: Duration = Duration::from_secs(5);

/// A raw HTTP exchange: what actix answers to requests no HTTP client would send.
///
/// Returns once the server has closed the connection (cleanly or with a reset), and fails the
/// test if it has not within `EXCHANGE_BOUND`: an empty answer always means the server closed
/// the connection without answering, never that the test stopped waiting.
async fn raw_exchange(app: &TestApp, request: &[u8], pause: Duration) -> String {
    let address = app.address.trim_start_matches("http://");
    let mut socket = TcpStream::connect(address).await.unwrap();
    // The server may answer and close before it has read everything: a failed write is
    // part of the exchange, and the answer (if any) is what the test checks.
    let written = tokio::time::timeout(EXCHANGE_BOUND, socket.write_all(request)).await;
    assert!(
        written.is_ok(),
        "the server neither read the request nor closed within {EXCHANGE_BOUND:?}"
    );
    tokio::time::sleep(pause).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(EXCHANGE_BOUND, socket.read_to_end(&mut answer)).await;
    match read {
        Err(_) => panic!(
            "the server neither answered nor closed within {EXCHANGE_BOUND:?}; read so far: {:?}",
            String::from_utf8_lossy(&answer)
        ),
        // A close with a reset can discard an answer the server wrote: still a close.
        Ok(Err(err)) => assert!(
            matches!(
                err.kind(),
                ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
            ),
            "reading the answer failed: {err}"
        ),
        Ok(Ok(_)) => {}
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn an_oversized_header_is_refused_without_a_5xx() {
    let app = spawn_app().await;
    let request = format!(
        "POST /v1/cobrowse/start HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\nContent-Length: 2\r\n\r\n{{}}",
        "a".repeat(256 * 1024)
    );
    let answer = raw_exchange(&app, request.as_bytes(), Duration::ZERO).await;
    let status_line = answer.lines().next().unwrap_or_default();
    assert!(
        // actix answers 431 and closes; a close while the rest of the header is still in
        // flight can reset the connection and discard that answer, hence the empty case.
        status_line == "HTTP/1.1 431 Request Header Fields Too Large" || answer.is_empty(),
        "{status_line}"
    );
    assert_eq!(app.genesys.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_body_that_trickles_in_times_out() {
    let app = spawn_app_with(&[("CLIENT_TIMEOUT_MS", "300")]).await;
    let credential = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"))
    };
    let request = format!(
        "POST /v1/cobrowse/start HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {credential}\r\nContent-Type: application/json\r\nContent-Length: 80\r\n\r\n{{\"conversa"
    );
    let started = std::time::Instant::now();
    let answer = raw_exchange(&app, request.as_bytes(), Duration::ZERO).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_request_head_that_trickles_in_is_cut_off() {
    let app = spawn_app_with(&[("CLIENT_TIMEOUT_MS", "300")]).await;
    let started = std::time::Instant::now();
    let answer = raw_exchange(
        &app,
        b"POST /v1/cobrowse/start HTTP/1.1\r\nHost: x\r\n",
        Duration::ZERO,
    )
    .await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "held for {:?}",
        started.elapsed()
    );
}
