//! One offer per conversation: a repeated start gets the first session back, on one instance
//! (memory) and across replicas (a real Redis), and nothing but a live session is remembered.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use crate::common::redis_server::{self, RedisServer};
use crate::helpers::*;

const WINDOW: (&str, &str) = ("REUSE_WINDOW_MS", "30000");

/// A session whose offer ends `after` from now.
fn session_ending_in(after: Duration) -> ResponseTemplate {
    let mut body = session_body();
    body["dateOfferEnds"] =
        json!(humantime::format_rfc3339_millis(SystemTime::now() + after).to_string());
    ResponseTemplate::new(200).set_body_json(body)
}

async fn app_with(overrides: &[(&str, &str)], genesys_answer: ResponseTemplate) -> TestApp {
    let app = spawn_app_with(overrides).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(genesys_answer).await;
    app
}

async fn started(app: &TestApp, input: &Value) -> Value {
    let reply = flat_reply(app.start(input).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    reply
}

/// `count` identical starts at once, spread over `apps` in turn.
async fn at_once(apps: &[&TestApp], count: usize) -> Vec<Value> {
    let input = valid_input();
    let starts = (0..count).map(|i| apps[i % apps.len()].start(&input));
    let responses = futures_util::future::join_all(starts).await;
    let mut replies = Vec::new();
    for response in responses {
        replies.push(flat_reply(response).await);
    }
    replies
}

fn assert_one_session_for_all(replies: &[Value]) {
    let fresh = replies.iter().filter(|r| r["reused"] == false).count();
    assert_eq!(fresh, 1, "exactly one start asked Genesys: {replies:?}");
    for reply in replies {
        assert_eq!(reply["success"], true, "{reply}");
        assert_eq!(reply["sessionId"], replies[0]["sessionId"]);
        assert_eq!(reply["joinCode"], "123456");
    }
}

#[tokio::test]
async fn a_repeated_start_gets_the_first_session_back() {
    let app = app_with(&[WINDOW], session_ending_in(Duration::from_secs(300))).await;
    let first = started(&app, &valid_input()).await;
    assert_eq!(first["reused"], false);
    assert_eq!(first["upstreamStatus"], 200);

    let again = started(&app, &valid_input()).await;
    assert_eq!(again["reused"], true, "{again}");
    assert_eq!(again["sessionId"], first["sessionId"]);
    assert_eq!(again["joinCode"], first["joinCode"]);
    assert_eq!(again["websocketUrl"], first["websocketUrl"]);
    assert_eq!(again["upstreamStatus"], 0, "Genesys was not called for it");
    assert_ne!(again["requestId"], first["requestId"]);
    assert_eq!(app.requests_to("cobrowse").await, 1, "one offer");
    assert!(
        app.metrics()
            .await
            .contains("cobrowse_proxy_starts_reused_total 1")
    );
}

#[tokio::test]
async fn another_agent_or_type_is_another_start() {
    let app = app_with(&[WINDOW], session_ending_in(Duration::from_secs(300))).await;
    started(&app, &valid_input()).await;
    let mut control = valid_input();
    control["cobrowseType"] = json!("control");
    assert_eq!(started(&app, &control).await["reused"], false);
    let mut other_agent = valid_input();
    other_agent["agentId"] = json!("22222222-2222-4222-8222-222222222222");
    assert_eq!(started(&app, &other_agent).await["reused"], false);
    assert_eq!(app.requests_to("cobrowse").await, 3);
}

#[tokio::test]
async fn concurrent_identical_starts_share_one_genesys_call() {
    let slow = session_ending_in(Duration::from_secs(300)).set_delay(Duration::from_millis(300));
    let app = app_with(&[WINDOW], slow).await;
    let replies = at_once(&[&app], 8).await;
    assert_one_session_for_all(&replies);
    assert_eq!(app.requests_to("cobrowse").await, 1);
}

#[tokio::test]
async fn reuse_ends_with_the_window_and_with_the_offer() {
    let app = app_with(
        &[("REUSE_WINDOW_MS", "300")],
        session_ending_in(Duration::from_secs(300)),
    )
    .await;
    started(&app, &valid_input()).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(started(&app, &valid_input()).await["reused"], false);
    assert_eq!(app.requests_to("cobrowse").await, 2, "the window is over");

    // An offer that ends before the window does is not handed out after it ends. (Two
    // seconds, so a slow machine still makes the second start before the offer ends.)
    let app = app_with(&[WINDOW], session_ending_in(Duration::from_secs(2))).await;
    started(&app, &valid_input()).await;
    assert_eq!(started(&app, &valid_input()).await["reused"], true);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(started(&app, &valid_input()).await["reused"], false);
    assert_eq!(app.requests_to("cobrowse").await, 2, "the offer ended");
}

#[tokio::test]
async fn failures_and_ambiguous_outcomes_are_never_remembered() {
    for refusal in [
        genesys_error(500, "internal.server.error", "boom"),
        genesys_error(504, "request.timeout", "took too long"),
        ResponseTemplate::new(200).set_body_string("<html>not a session</html>"),
    ] {
        let app = spawn_app_with(&[WINDOW]).await;
        app.mount_token(86_400).await;
        app.answer_first(wiremock::matchers::path_regex(r"/cobrowse$"), refusal)
            .await;
        app.mount_cobrowse(session_ending_in(Duration::from_secs(300)))
            .await;
        let failed = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(failed["success"], false, "{failed}");
        assert_eq!(failed["reused"], false);
        let next = started(&app, &valid_input()).await;
        assert_eq!(next["reused"], false, "Genesys is asked again: {next}");
        assert_eq!(app.requests_to("cobrowse").await, 2);
    }
}

#[tokio::test]
async fn a_zero_window_turns_reuse_off() {
    let app = app_with(
        &[("REUSE_WINDOW_MS", "0")],
        session_ending_in(Duration::from_secs(300)),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(started(&app, &valid_input()).await["reused"], false);
    }
    assert_eq!(app.requests_to("cobrowse").await, 2);
}

// --- across replicas, through a real Redis -------------------------------------------------

#[tokio::test]
async fn replicas_on_one_redis_hand_out_each_others_session() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let url = redis.url();
    let shared = [WINDOW, ("REDIS_URL", url.as_str())];
    let first = app_with(&shared, session_ending_in(Duration::from_secs(300))).await;
    let second = first.replica(&shared);

    let started_here = started(&first, &valid_input()).await;
    let handed_out = started(&second, &valid_input()).await;
    assert_eq!(handed_out["reused"], true, "{handed_out}");
    assert_eq!(handed_out["sessionId"], started_here["sessionId"]);
    assert_eq!(first.requests_to("cobrowse").await, 1);

    // Redis holds what the flow receives, and no token or credential.
    let mut connection = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    assert_eq!(
        keys.len(),
        1,
        "only the session, the start lock is gone: {keys:?}"
    );
    let value: String = redis::cmd("GET")
        .arg(&keys[0])
        .query(&mut connection)
        .unwrap();
    assert!(value.contains("123456"), "{value}");
    for secret in [ACCESS_TOKEN, CLIENT_SECRET, PASSWORD] {
        assert!(!value.contains(secret) && !keys[0].contains(secret));
    }
}

#[tokio::test]
async fn concurrent_starts_across_replicas_make_one_genesys_call() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let url = redis.url();
    let shared = [WINDOW, ("REDIS_URL", url.as_str())];
    let slow = session_ending_in(Duration::from_secs(300)).set_delay(Duration::from_millis(400));
    let first = app_with(&shared, slow).await;
    let second = first.replica(&shared);
    let third = first.replica(&shared);
    let replies = at_once(&[&first, &second, &third], 12).await;
    assert_one_session_for_all(&replies);
    assert_eq!(first.requests_to("cobrowse").await, 1);
}

#[tokio::test]
async fn without_redis_starts_still_work_and_reuse_resumes_when_it_is_back() {
    if !redis_server::available() {
        return;
    }
    let mut redis = RedisServer::start();
    let url = redis.url();
    let app = app_with(
        &[WINDOW, ("REDIS_URL", url.as_str())],
        session_ending_in(Duration::from_secs(300)),
    )
    .await;
    started(&app, &valid_input()).await;

    redis.kill();
    let began = Instant::now();
    let without = started(&app, &valid_input()).await;
    assert_eq!(without["reused"], false, "no store, no reuse: {without}");
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "a missing Redis costs little: {:?}",
        began.elapsed()
    );
    assert_eq!(app.requests_to("cobrowse").await, 2);
    let metrics = app.metrics().await;
    let errors = metrics
        .lines()
        .find_map(|l| l.strip_prefix("cobrowse_proxy_reuse_store_errors_total "))
        .unwrap_or_else(|| panic!("no store error counter in:\n{metrics}"));
    assert!(errors.parse::<u64>().unwrap() >= 1, "{errors}");
    assert_eq!(
        app.get("/readyz").await.status(),
        200,
        "Redis is no dependency"
    );

    redis.restart();
    // The connection comes back by itself, for the first start after Redis does.
    assert_eq!(started(&app, &valid_input()).await["reused"], false);
    let again = started(&app, &valid_input()).await;
    assert_eq!(again["reused"], true, "reuse resumed once Redis was back");
}

// --- when the offer ends, in every form Genesys may write it -------------------------------

/// `at` in RFC 3339 with an offset, `2026-12-05T10:43:27.5+02:00` (to the second, then .5).
fn with_offset(at: SystemTime) -> String {
    let plus_two = time::UtcOffset::from_hms(2, 0, 0).unwrap();
    let t = time::OffsetDateTime::from(at).to_offset(plus_two);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.5+02:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `at` in RFC 3339 with a lower-case `z`, `2026-12-05T08:43:27.500z`.
fn lower_case_z(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at)
        .to_string()
        .replace('Z', "z")
}

fn session_with_offer_end(ends: &str) -> ResponseTemplate {
    let mut body = session_body();
    body["dateOfferEnds"] = json!(ends);
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn an_offer_that_ended_is_not_handed_out_whatever_form_its_end_takes() {
    let a_minute_ago = SystemTime::now() - Duration::from_secs(60);
    for ends in [
        with_offset(a_minute_ago),
        lower_case_z(a_minute_ago),
        // Unreadable: the offer may be over, so it is never handed out again.
        "next Tuesday".to_owned(),
    ] {
        let app = app_with(&[WINDOW], session_with_offer_end(&ends)).await;
        assert_eq!(started(&app, &valid_input()).await["reused"], false);
        let again = started(&app, &valid_input()).await;
        assert_eq!(again["reused"], false, "{ends}: {again}");
        assert_eq!(app.requests_to("cobrowse").await, 2, "{ends}");
    }
}

#[tokio::test]
async fn an_offer_end_with_an_offset_is_read_and_kept_to() {
    // Two seconds, so a slow machine still makes the second start before the offer ends.
    let ends = with_offset(SystemTime::now() + Duration::from_secs(2));
    let app = app_with(&[WINDOW], session_with_offer_end(&ends)).await;
    started(&app, &valid_input()).await;
    assert_eq!(
        started(&app, &valid_input()).await["reused"],
        true,
        "{ends}"
    );
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(
        started(&app, &valid_input()).await["reused"],
        false,
        "{ends}"
    );
    assert_eq!(app.requests_to("cobrowse").await, 2, "the offer ended");
}

#[tokio::test]
async fn a_stored_value_that_is_not_a_session_is_taken_as_absent_and_replaced() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let url = redis.url();
    let app = app_with(
        &[WINDOW, ("REDIS_URL", url.as_str())],
        session_ending_in(Duration::from_secs(300)),
    )
    .await;
    started(&app, &valid_input()).await;
    let mut connection = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("cobrowse-proxy:*:session")
        .query(&mut connection)
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    // Not JSON, JSON that is no session, and not a string at all.
    let spoil: [&[&str]; 3] = [
        &["SET", "<html>"],
        &["SET", r#"{"joinCode": 7}"#],
        &["HSET", "joinCode", "123456"],
    ];
    for (n, command) in spoil.iter().enumerate() {
        let () = redis::cmd("DEL")
            .arg(&keys[0])
            .query(&mut connection)
            .unwrap();
        let () = redis::cmd(command[0])
            .arg(&keys[0])
            .arg(&command[1..])
            .query(&mut connection)
            .unwrap();
        let next = started(&app, &valid_input()).await;
        assert_eq!(next["reused"], false, "{command:?}: {next}");
        assert_eq!(app.requests_to("cobrowse").await, n + 2, "{command:?}");
        // The new session took its place, and is handed out.
        assert_eq!(started(&app, &valid_input()).await["reused"], true);
    }
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("cobrowse_proxy_reuse_store_errors_total 3"),
        "{metrics}"
    );
}
