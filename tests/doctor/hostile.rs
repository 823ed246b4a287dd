//! Answers doctor must not trust: a `/healthz` that never ends or points elsewhere, and
//! Genesys words that would forge a check's line.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::genesys::{answer, genesys_error, received, token_info};
use crate::harness::{Scenario, service};

/// A service URL whose `/healthz` answers 200 with a 256 MiB body, written until the reader
/// goes away; how many bytes of it were written.
async fn endless_healthz() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicUsize::new(0));
    let counted = written.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut request = [0; 4096];
                let _ = socket.read(&mut request).await;
                let size = 256 * 1024 * 1024;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                for _ in 0..size / chunk.len() {
                    if socket.write_all(&chunk).await.is_err() {
                        return;
                    }
                    counted.fetch_add(chunk.len(), Ordering::SeqCst);
                }
            });
        }
    });
    (url, written)
}

#[tokio::test]
async fn a_huge_healthz_answer_is_read_no_further_than_genesys_answers_are() {
    let (url, written) = endless_healthz().await;
    let scenario = Scenario::calling(&url).await;
    let run = scenario.doctor_on_url(&[], &[]).await;
    run.assert(
        "service-url",
        "FAIL",
        &["over 1048576 bytes", "Route the URL"],
    );
    // Doctor has exited: what was written past what it read sits in socket buffers at most.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = written.load(Ordering::SeqCst);
    assert!(
        written < 32 * 1024 * 1024,
        "{written} bytes were taken from the service URL"
    );
}

#[tokio::test]
async fn a_healthz_that_redirects_is_not_followed() {
    let elsewhere = service().await;
    let service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/healthz", elsewhere.uri()).as_str()),
        )
        .mount(&service)
        .await;
    let scenario = Scenario::calling(&service.uri()).await;
    let run = scenario.doctor_on_url(&[], &[]).await;
    run.assert(
        "service-url",
        "FAIL",
        &["answered 302", "redirect", "does not follow"],
    );
    assert!(
        received(&elsewhere).await.is_empty(),
        "the redirect was followed"
    );
}

#[tokio::test]
async fn whatever_genesys_says_each_check_is_one_line() {
    let scenario = Scenario::healthy().await;
    let mut info = token_info();
    info["organization"]["id"] =
        json!("6b2a\nok   start-permission: FORGED\u{2028}ok   read-permission: FORGED\r");
    answer(
        &scenario.genesys,
        path("/api/v2/tokens/me"),
        ResponseTemplate::new(200).set_body_json(info),
    )
    .await;
    answer(
        &scenario.genesys,
        path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"),
        genesys_error(
            403,
            "missing.any.permissions",
            "Denied.\nok   data-action: FORGED\u{85}ok   service-url: FORGED",
        ),
    )
    .await;
    let run = scenario.doctor_on_url(&[], &[]).await;
    // One line per check, in order, each starting with its own verdict.
    let verdicts = run.verdicts();
    assert_eq!(verdicts[3], "FAIL", "{}", run.stdout);
    assert!(!run.stdout.contains("\nok   start-permission: FORGED"));
    run.assert(
        "org",
        "ok",
        &[r"6b2a\nok   start-permission: FORGED\u2028ok"],
    );
    run.assert("start-permission", "FAIL", &[r"Denied.\nok   data-action"]);
}
