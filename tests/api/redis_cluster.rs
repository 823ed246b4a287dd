//! One offer per conversation on Redis Cluster (`COBROWSE_REDIS_CLUSTER=true`), against a real
//! cluster of three primaries with a replica each: the keys of one start share a slot, so the
//! scripts run (no `CROSSSLOT`), the client finds each start's node, and a primary lost while
//! starts go on is replaced by its replica, which holds the sessions the primary held.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::redis_cluster::{self, RedisCluster};
use crate::helpers::*;
use crate::redis_failover::{start_on, store_errors};
use crate::reuse_latency::{conversation, mount_numbered_sessions};

/// A replica of the service on the cluster at `url` (one node, or a seed list).
fn settings(url: &str) -> [(&str, &str); 3] {
    [
        ("REUSE_WINDOW_MS", "30000"),
        ("REDIS_URL", url),
        ("REDIS_CLUSTER", "true"),
    ]
}

/// How many starts Genesys received for each conversation.
async fn offers(app: &TestApp) -> HashMap<String, usize> {
    let mut offers = HashMap::new();
    for request in app.start_requests().await {
        let path = request.url.path();
        let id = path.trim_start_matches("/api/v2/conversations/");
        let id = id.trim_end_matches("/cobrowse").to_owned();
        *offers.entry(id).or_default() += 1;
    }
    offers
}

/// Conversation `n` was offered once, whatever replica started it.
fn assert_offered_once(offers: &HashMap<String, usize>, n: usize) {
    let id = conversation(n);
    assert_eq!(offers.get(&id), Some(&1), "{id}: {offers:?}");
}

/// A start's session key in the cluster (for its slot).
fn session_key(n: usize) -> String {
    format!(
        "cobrowse-proxy:{{{}:{AGENT}:view}}:session",
        conversation(n)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_a_cluster_make_one_offer_per_start() {
    if !redis_cluster::available() {
        return;
    }
    let cluster = tokio::task::block_in_place(RedisCluster::start);
    // One replica is given one node (as a configuration endpoint), the other every node.
    let (one, seeds) = (cluster.url(), cluster.seeds());
    let first = spawn_app_with(&settings(&one)).await;
    first.mount_token(86_400).await;
    mount_numbered_sessions(&first, Duration::from_millis(150)).await;
    let second = first.replica(&settings(&seeds));

    for n in 0..12 {
        let fresh = start_on(&first, n).await;
        assert_eq!(fresh["reused"], false, "{fresh}");
        let handed_out = start_on(&second, n).await;
        assert_eq!(handed_out["reused"], true, "{handed_out}");
        assert_eq!(handed_out["sessionId"], fresh["sessionId"]);
    }
    // At once, across both replicas: one Genesys call per conversation.
    let starts = (12..18).flat_map(|n| {
        [&first, &second, &first, &second]
            .into_iter()
            .map(move |app| start_on(app, n))
    });
    let replies: Vec<Value> = futures_util::future::join_all(starts).await;
    for reply in &replies {
        assert_eq!(reply["success"], true, "{reply}");
    }
    let offers = offers(&first).await;
    for n in 0..18 {
        assert_offered_once(&offers, n);
    }
    assert_eq!(store_errors(&first).await, 0);
    assert_eq!(store_errors(&second).await, 0);

    // The starts are spread over the three shards, each start's keys together.
    let keys = tokio::task::block_in_place(|| cluster.keys());
    let mut shards: Vec<usize> = (0..18)
        .map(|n| tokio::task::block_in_place(|| cluster.primary_of(&session_key(n))).unwrap())
        .collect();
    shards.sort();
    shards.dedup();
    assert_eq!(shards.len(), 3, "{keys:?}");
    for n in 0..18 {
        assert!(
            keys.iter().any(|(_, k)| *k == session_key(n)),
            "{}: {keys:?}",
            session_key(n)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_lost_while_starts_go_on_is_replaced_without_a_second_offer() {
    if !redis_cluster::available() {
        return;
    }
    let mut cluster = tokio::task::block_in_place(RedisCluster::start);
    let url = cluster.url();
    let first = spawn_app_with(&settings(&url)).await;
    first.mount_token(86_400).await;
    mount_numbered_sessions(&first, Duration::ZERO).await;
    let second = first.replica(&settings(&url));
    for n in 0..8 {
        assert_eq!(start_on(&first, n).await["reused"], false);
        assert_eq!(start_on(&second, n).await["reused"], true);
    }
    tokio::task::block_in_place(|| cluster.wait_replicated());

    // The primary of conversation 0's start dies, with sessions on it.
    let lost = tokio::task::block_in_place(|| cluster.primary_of(&session_key(0))).unwrap();
    tokio::task::block_in_place(|| cluster.kill(lost));
    // Starts go on while the cluster notices (1 s) and promotes the replica: each answered
    // within its 2 s budget, Redis or not.
    let began = Instant::now();
    let mut n = 100;
    loop {
        for app in [&first, &second] {
            let asked = Instant::now();
            let input = json!({"conversationId": conversation(n), "agentId": AGENT});
            let reply = flat_reply(app.start(&input).await).await;
            assert_eq!(reply["success"], true, "{reply}");
            let took = asked.elapsed();
            assert!(took < Duration::from_millis(2100), "{took:?}: {reply}");
        }
        n += 1;
        let promoted = tokio::task::block_in_place(|| cluster.primary_of(&session_key(0)));
        if promoted.is_some_and(|p| p != lost) && began.elapsed() > Duration::from_secs(1) {
            break;
        }
        assert!(began.elapsed() < Duration::from_secs(20), "no failover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::task::block_in_place(|| cluster.wait_until_ok());
    // Whether or not a start loaded the scripts on the promoted replica meanwhile, no node
    // knows them now; the lost primary is still a node of the cluster, that answers nothing.
    tokio::task::block_in_place(|| cluster.flush_scripts());

    // Once the cluster answers again: the sessions the lost primary held are handed out by
    // its replica, and new starts make one offer each, whichever replica asks first.
    let errors = (store_errors(&first).await, store_errors(&second).await);
    for n in 0..8 {
        assert_eq!(start_on(&first, n).await["reused"], true, "{n}");
        assert_eq!(start_on(&second, n).await["reused"], true, "{n}");
    }
    for n in 200..212 {
        let (ask_first, then) = if n % 2 == 0 {
            (&first, &second)
        } else {
            (&second, &first)
        };
        assert_eq!(start_on(ask_first, n).await["reused"], false);
        assert_eq!(start_on(then, n).await["reused"], true, "{n}");
    }
    let offers = offers(&first).await;
    for n in (0..8).chain(200..212) {
        assert_offered_once(&offers, n);
    }
    assert_eq!(
        (store_errors(&first).await, store_errors(&second).await),
        errors,
        "no store error once the cluster answered again"
    );
}
