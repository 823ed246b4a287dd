//! One offer per conversation under the latency of a real network: replicas sharing a real
//! Redis, one or more of them a few milliseconds away from it (`RedisRelay`), and a Redis that
//! stalls in the middle of a start.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

use crate::common::redis_server::{self, RedisServer};
use crate::helpers::*;
use crate::redis_relay::RedisRelay;

const WINDOW: (&str, &str) = ("REUSE_WINDOW_MS", "30000");

/// The `n`th conversation of a test.
pub fn conversation(n: usize) -> String {
    format!("5e0b6a9a-3c8e-4f57-9f0e-{n:012x}")
}

/// Genesys starts a session of its own for each start it receives (`session-N`, join code
/// N), after `delay`; its offer ends in five minutes. When each start was received.
pub async fn mount_numbered_sessions(app: &TestApp, delay: Duration) -> Arc<Mutex<Vec<Instant>>> {
    let received = Arc::new(Mutex::new(Vec::new()));
    let issued = received.clone();
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
        .respond_with(move |_: &wiremock::Request| {
            let n = {
                let mut issued = issued.lock().unwrap();
                issued.push(Instant::now());
                issued.len() - 1
            };
            let mut body = session_body();
            body["id"] = json!(format!("session-{n}"));
            body["joinCode"] = json!(format!("{n:06}"));
            body["dateOfferEnds"] = json!(
                humantime::format_rfc3339_millis(SystemTime::now() + Duration::from_secs(300))
                    .to_string()
            );
            ResponseTemplate::new(200)
                .set_body_json(body)
                .set_delay(delay)
        })
        .mount(&app.genesys)
        .await;
    received
}

/// A replica on the Redis at `url`, with a generous budget and no cap on calls in flight:
/// only the store decides here.
fn settings(url: &str) -> [(&str, &str); 4] {
    [
        WINDOW,
        ("REDIS_URL", url),
        ("UPSTREAM_TIMEOUT_MS", "10000"),
        ("MAX_IN_FLIGHT", "1000"),
    ]
}

#[tokio::test]
async fn hundreds_of_identical_starts_across_replicas_a_few_ms_from_redis_make_one_offer_each() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    // Replies 5 ms and 20 ms late: the gap in which, when finding nothing and taking the lock
    // were two steps, the lock's holder stored its session and let go, and a second start
    // followed.
    let near = RedisRelay::start(redis.port, Duration::from_millis(5)).await;
    let far = RedisRelay::start(redis.port, Duration::from_millis(20)).await;
    let direct = redis.url();
    let (near_url, far_url) = (near.url(), far.url());
    let first = spawn_app_with(&settings(&direct)).await;
    first.mount_token(86_400).await;
    mount_numbered_sessions(&first, Duration::from_millis(150)).await;
    let second = first.replica(&settings(&near_url));
    let third = first.replica(&settings(&far_url));
    let replicas = [&first, &second, &third];

    const CONVERSATIONS: usize = 40;
    const EACH: usize = 9;
    let starts = (0..CONVERSATIONS * EACH).map(|i| {
        let conversation = conversation(i % CONVERSATIONS);
        let replica = replicas[(i / CONVERSATIONS) % replicas.len()];
        async move {
            let input = json!({"conversationId": conversation, "agentId": AGENT});
            (conversation, flat_reply(replica.start(&input).await).await)
        }
    });
    let replies = futures_util::future::join_all(starts).await;

    let mut offers: HashMap<String, usize> = HashMap::new();
    for request in first.start_requests().await {
        *offers.entry(request.url.path().to_owned()).or_default() += 1;
    }
    let twice: Vec<_> = offers.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "started more than once: {twice:?}");
    assert_eq!(offers.len(), CONVERSATIONS);

    let mut sessions: HashMap<String, Vec<Value>> = HashMap::new();
    for (conversation, reply) in replies {
        assert_eq!(reply["success"], true, "{reply}");
        sessions.entry(conversation).or_default().push(reply);
    }
    let mut connection = redis::Client::open(direct.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    for (conversation, replies) in &sessions {
        let session = &replies[0]["sessionId"];
        assert!(
            replies.iter().all(|r| r["sessionId"] == *session),
            "{conversation}: callers got different sessions: {replies:?}"
        );
        let fresh = replies.iter().filter(|r| r["reused"] == false).count();
        assert_eq!(fresh, 1, "{conversation}: {replies:?}");
        // What Redis keeps is that session: no second one overwrote it.
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("*{conversation}*:session"))
            .query(&mut connection)
            .unwrap();
        assert_eq!(keys.len(), 1, "{keys:?}");
        let stored: String = redis::cmd("GET")
            .arg(&keys[0])
            .query(&mut connection)
            .unwrap();
        let stored: Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(stored["sessionId"], *session, "{conversation}");
    }
}

#[tokio::test]
async fn a_redis_that_stalls_after_genesys_answered_does_not_hold_the_reply_past_the_budget() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let relay = RedisRelay::start(redis.port, Duration::ZERO).await;
    let url = relay.url();
    let app = spawn_app_with(&[WINDOW, ("REDIS_URL", &url), ("UPSTREAM_TIMEOUT_MS", "2000")]).await;
    app.mount_token(86_400).await;
    let received = mount_numbered_sessions(&app, Duration::from_millis(1800)).await;

    // Redis answers the look (the lock is taken) and then stops answering, while Genesys
    // takes 1.8 s of the 2 s budget: storing the session and letting go of the lock find
    // no Redis.
    let (reply, ()) = tokio::join!(
        async { flat_reply(app.start(&valid_input()).await).await },
        async {
            tokio::time::sleep(Duration::from_millis(900)).await;
            relay.pause();
        }
    );
    // The budget began before Genesys received the start: timed from there, the reply is
    // late if it comes more than 2 s and 50 ms after.
    let took = received.lock().unwrap()[0].elapsed();
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["reused"], false);
    assert!(
        took <= Duration::from_millis(2050),
        "the reply came {took:?} after Genesys received the start, past the 2 s budget"
    );
    relay.resume();
}
