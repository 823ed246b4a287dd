//! A single Redis primary going away and coming back while replicas of the service keep their
//! connections: restarted empty on the same address, or replaced by its replica (promoted, and
//! the address moved to it, as a managed service's primary endpoint moves). The first start of
//! each replica once Redis answers again uses it: no second offer, no store error. A command
//! whose connection broke may have run: asked again, it changes nothing.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::redis_server::{self, RedisServer};
use crate::helpers::*;
use crate::redis_relay::RedisRelay;
use crate::reuse_latency::{conversation, mount_numbered_sessions};

/// Two replicas of the service on the Redis at `url`.
async fn two_replicas(url: &str) -> (TestApp, TestApp) {
    let shared = [("REUSE_WINDOW_MS", "30000"), ("REDIS_URL", url)];
    let first = spawn_app_with(&shared).await;
    first.mount_token(86_400).await;
    mount_numbered_sessions(&first, Duration::ZERO).await;
    let second = first.replica(&shared);
    (first, second)
}

/// Starts cobrowse on the `n`th conversation through `app`; the reply, a success.
pub async fn start_on(app: &TestApp, n: usize) -> Value {
    let input = json!({"conversationId": conversation(n), "agentId": AGENT});
    let reply = flat_reply(app.start(&input).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    reply
}

/// The replica's `cobrowse_proxy_reuse_store_errors_total`.
pub async fn store_errors(app: &TestApp) -> u64 {
    let metrics = app.metrics().await;
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("cobrowse_proxy_reuse_store_errors_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no store error counter in:\n{metrics}"))
}

/// Both replicas start on conversation 0, so each has its connection to Redis open.
async fn connect_both(first: &TestApp, second: &TestApp) {
    assert_eq!(start_on(first, 0).await["reused"], false);
    assert_eq!(start_on(second, 0).await["reused"], true);
}

#[tokio::test]
async fn after_a_redis_restart_the_first_start_on_each_replica_uses_it() {
    if !redis_server::available() {
        return;
    }
    let mut redis = RedisServer::start();
    let (first, second) = two_replicas(&redis.url()).await;
    connect_both(&first, &second).await;

    // Back, empty, on the same address, and answering: the replicas' connections are the
    // ones Redis had before, now dead.
    redis.restart();
    let fresh = start_on(&first, 1).await;
    assert_eq!(fresh["reused"], false, "{fresh}");
    let handed_out = start_on(&second, 1).await;
    assert_eq!(
        handed_out["reused"], true,
        "the other replica's first start after the restart found the session: {handed_out}"
    );
    assert_eq!(handed_out["sessionId"], fresh["sessionId"]);
    assert_eq!(first.start_requests().await.len(), 2, "one offer each");
    assert_eq!(store_errors(&first).await, 0, "no look failed");
    assert_eq!(store_errors(&second).await, 0, "no look failed");
}

#[tokio::test]
async fn when_its_replica_takes_over_the_primary_s_sessions_and_locks_are_used_at_once() {
    if !redis_server::available() {
        return;
    }
    let mut primary = RedisServer::start();
    let standby = primary.replica();
    // The address the service is given: the primary's, until the failover moves it.
    let endpoint = RedisRelay::start(primary.port, Duration::ZERO).await;
    let (first, second) = two_replicas(&endpoint.url()).await;
    connect_both(&first, &second).await;
    let copies: i64 = redis::cmd("WAIT")
        .arg(1)
        .arg(2000)
        .query(&mut primary.connection())
        .unwrap();
    assert_eq!(copies, 1, "the session reached the replica");

    // The primary dies; its replica is promoted and the address moved to it.
    primary.kill();
    let () = redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query(&mut standby.connection())
        .unwrap();
    endpoint.point_to(standby.port);

    let kept = start_on(&first, 0).await;
    assert_eq!(
        kept["reused"], true,
        "the session the old primary held is handed out by the new one: {kept}"
    );
    assert_eq!(start_on(&second, 1).await["reused"], false);
    assert_eq!(start_on(&first, 1).await["reused"], true);
    assert_eq!(first.start_requests().await.len(), 2, "one offer each");
    assert_eq!(store_errors(&first).await, 0, "no look failed");
    assert_eq!(store_errors(&second).await, 0, "no look failed");
}

#[tokio::test]
async fn a_look_whose_answer_was_lost_is_asked_again_and_the_start_goes_on() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let relay = RedisRelay::start(redis.port, Duration::ZERO).await;
    let app = spawn_app_with(&[("REUSE_WINDOW_MS", "30000"), ("REDIS_URL", &relay.url())]).await;
    app.mount_token(86_400).await;
    mount_numbered_sessions(&app, Duration::ZERO).await;
    start_on(&app, 0).await;

    // The look reaches Redis and takes the lock; its answer never comes back. Asked again
    // on a new connection, it finds the lock its own, not another start's to wait for.
    relay.cut_after(1);
    let reply = start_on(&app, 1).await;
    assert_eq!(reply["reused"], false, "{reply}");
    assert_eq!(
        start_on(&app, 1).await["reused"],
        true,
        "its session is kept"
    );
    assert_eq!(app.start_requests().await.len(), 2, "one offer each");
    assert_eq!(store_errors(&app).await, 0, "no look failed");
}

#[tokio::test]
async fn a_look_lost_with_its_connection_still_stores_its_session_for_the_others() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let relay = RedisRelay::start(redis.port, Duration::ZERO).await;
    let through_relay = [("REUSE_WINDOW_MS", "30000"), ("REDIS_URL", &relay.url())];
    let first = spawn_app_with(&through_relay).await;
    first.mount_token(86_400).await;
    mount_numbered_sessions(&first, Duration::from_millis(400)).await;
    let direct = redis.url();
    let second = first.replica(&[("REUSE_WINDOW_MS", "30000"), ("REDIS_URL", &direct)]);
    start_on(&first, 0).await;

    // The look reaches Redis and takes the lock; then its connection breaks, and no new one
    // can be made (nothing answers where the relay now sends them), so the look fails.
    let nothing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = nothing.local_addr().unwrap().port();
    drop(nothing);
    relay.cut_after(1);
    relay.point_to(nowhere);
    let (leading, waiting) = tokio::join!(start_on(&first, 1), async {
        // Redis is back for the first replica before Genesys answers it (400 ms); the
        // other replica's start finds the lock held, and waits.
        tokio::time::sleep(Duration::from_millis(200)).await;
        relay.point_to(redis.port);
        start_on(&second, 1).await
    });
    assert_eq!(leading["reused"], false, "{leading}");
    assert_eq!(
        waiting["sessionId"], leading["sessionId"],
        "the start that may hold the lock stored its session: {waiting}"
    );
    assert_eq!(waiting["reused"], true);
    let offers = first.start_requests().await.len();
    assert_eq!(offers, 2, "one offer each");
}
