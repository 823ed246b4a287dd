//! Back-pressure: a cap on calls in flight, and a client-side limit on Genesys requests.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::ResponseTemplate;

use crate::helpers::*;

#[tokio::test]
async fn calls_beyond_the_in_flight_cap_are_overloaded_at_once() {
    let app = spawn_app_with(&[("MAX_IN_FLIGHT", "2")]).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply().set_delay(Duration::from_millis(600)))
        .await;
    let input = valid_input();
    let started = Instant::now();
    let replies = futures_util::future::join_all((0..5).map(|_| async {
        let reply = flat_reply(app.start(&input).await).await;
        (reply, started.elapsed())
    }))
    .await;
    let started_sessions = replies.iter().filter(|(r, _)| r["success"] == true).count();
    let overloaded: Vec<_> = replies
        .iter()
        .filter(|(r, _)| r["errorCode"] == "OVERLOADED")
        .collect();
    assert_eq!(started_sessions, 2);
    assert_eq!(overloaded.len(), 3);
    for (_, elapsed) in overloaded {
        assert!(
            *elapsed < Duration::from_millis(400),
            "queued for {elapsed:?}"
        );
    }
    assert_eq!(app.requests_to("cobrowse").await, 2);
    // The permits come back: the next call is served.
    assert_eq!(flat_reply(app.start(&input).await).await["success"], true);
}

#[tokio::test]
async fn the_default_limit_lets_a_burst_through_that_genesys_would_accept() {
    // Genesys allows a token 300 requests a minute: 100 starts at once are well inside it.
    let app = spawn_app_with(&[("GENESYS_REQUESTS_PER_MINUTE", "")]).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let input = valid_input();
    let starts = (0..100).map(|_| app.start(&input));
    let replies = futures_util::future::join_all(starts).await;
    for response in replies {
        let reply = flat_reply(response).await;
        assert_eq!(reply["success"], true, "{reply}");
    }
    assert_eq!(app.requests_to("cobrowse").await, 100);
}

#[tokio::test]
async fn the_genesys_rate_limit_answers_rate_limited_rather_than_waiting_past_the_budget() {
    // 3 requests in any minute; a 500 ms budget cannot wait for the first to age out.
    let app = spawn_app_with(&[
        ("GENESYS_REQUESTS_PER_MINUTE", "3"),
        ("UPSTREAM_TIMEOUT_MS", "500"),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        let reply = flat_reply(app.start(&valid_input()).await).await;
        codes.push(reply["errorCode"].as_str().unwrap().to_owned());
        if reply["errorCode"] == "RATE_LIMITED" {
            let message = reply["errorMessage"].as_str().unwrap();
            assert!(
                message.contains("COBROWSE_GENESYS_REQUESTS_PER_MINUTE"),
                "{message}"
            );
            assert_eq!(reply["upstreamStatus"], 0);
        }
    }
    assert_eq!(codes, ["", "", "", "RATE_LIMITED"]);
    assert_eq!(
        app.requests_to("cobrowse").await,
        3,
        "the fourth was never sent"
    );
    assert_eq!(
        app.requests_to("/oauth/token").await,
        1,
        "tokens are not limited"
    );
}

#[tokio::test]
async fn metrics_count_calls_latency_retries_and_tokens() {
    let app = spawn_app().await;
    app.answer_first(
        wiremock::matchers::path(COBROWSE_PATH),
        genesys_error(429, "too.many.requests", "slow").insert_header("Retry-After", "0"),
    )
    .await;
    app.mount_cobrowse(session_reply()).await;
    app.start(&valid_input()).await;
    app.start(&serde_json::json!({"conversationId": "NOT_SET"}))
        .await;

    let text = app.metrics().await;
    for line in [
        r#"cobrowse_proxy_calls_total{outcome="started",error_code=""} 1"#,
        r#"cobrowse_proxy_calls_total{outcome="failed",error_code="INVALID_INPUT"} 1"#,
        r#"cobrowse_proxy_genesys_request_duration_seconds_count{operation="cobrowse"} 2"#,
        r#"cobrowse_proxy_genesys_request_duration_seconds_count{operation="token"} 1"#,
        r#"cobrowse_proxy_genesys_retries_total{operation="cobrowse"} 1"#,
        "cobrowse_proxy_token_renewals_total 1",
        "cobrowse_proxy_token_failures_total 0",
        "cobrowse_proxy_calls_in_flight 0",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
}

#[tokio::test]
async fn a_slot_that_frees_too_late_for_genesys_to_answer_is_not_waited_for() {
    // One request a minute and a 60 s budget: the second start's slot frees a moment before
    // its deadline, far too late for Genesys (which takes a second) to answer a start sent then.
    let app = spawn_app_with(&[
        ("GENESYS_REQUESTS_PER_MINUTE", "1"),
        ("UPSTREAM_TIMEOUT_MS", "60000"),
    ])
    .await;
    app.mount_token(86_400).await;
    app.answer_first(wiremock::matchers::path(COBROWSE_PATH), session_reply())
        .await;
    app.mount_cobrowse(session_reply().set_delay(Duration::from_secs(1)))
        .await;
    assert_eq!(
        flat_reply(app.start(&valid_input()).await).await["success"],
        true
    );

    let began = Instant::now();
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&reply, "RATE_LIMITED", "Nothing was sent");
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(
        app.requests_to("cobrowse").await,
        1,
        "the second was never sent"
    );
}

#[tokio::test]
async fn when_the_lookup_took_the_last_slot_the_flow_is_told_it_was_sent_and_the_start_was_not() {
    let app = spawn_app_with(&[("GENESYS_REQUESTS_PER_MINUTE", "1")]).await;
    app.mount_token(86_400).await;
    app.mount_conversation(
        ResponseTemplate::new(200).set_body_json(conversation_with(&[(
            AGENT,
            "calls",
            "connected",
            "2026-11-24T10:00:00.000Z",
        )])),
    )
    .await;
    app.mount_cobrowse(session_reply()).await;

    let reply = flat_reply(app.start(&json!({"conversationId": CONVERSATION})).await).await;
    assert_failed_with(
        &reply,
        "RATE_LIMITED",
        "COBROWSE_GENESYS_REQUESTS_PER_MINUTE",
    );
    let message = reply["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("The conversation lookup was sent; the start was not"),
        "{message}"
    );
    assert!(!message.contains("Nothing was sent"), "{message}");
    assert_eq!(app.requests_to("conversation").await, 1);
    assert_eq!(app.requests_to("cobrowse").await, 0);
}
