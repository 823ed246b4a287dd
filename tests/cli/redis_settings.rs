//! What the log says when the Redis settings do not fit the Redis they name: a cluster given
//! as one Redis, a certificate the named CA did not sign. The starts go on without reuse, the
//! warning names the setting to change, and no password is ever written.

use std::time::Duration;

use serde_json::Value;

use crate::common::redis_cluster::{self, RedisCluster};
use crate::harness::{PASSWORD, vars};
use crate::harness::{borrowed, events, genesys, reply, start, start_input, start_request};

/// The `n`th conversation of a test.
fn conversation(n: usize) -> String {
    format!("5e0b6a9a-3c8e-4f57-9f0e-{n:012x}")
}

#[tokio::test]
async fn a_cluster_given_as_one_redis_gets_a_warning_naming_the_setting() {
    if !redis_cluster::available() {
        return;
    }
    let cluster = RedisCluster::start();
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push(("REDIS_URL", cluster.url()));
    let running = start(&borrowed(&vars));
    let url = running.start_url();
    // Starts whose keys the one node named does not hold: it answers MOVED.
    for n in 0..12 {
        let started = reply(start_request(
            &url,
            PASSWORD,
            &start_input(&conversation(n)),
        ))
        .await;
        assert_eq!(started["success"], true, "{started}");
    }
    let (_, _, lines) = running.stop("TERM");
    let warnings: Vec<Value> = events(&lines).filter(|e| e["level"] == "WARN").collect();
    assert!(
        warnings.iter().any(|w| {
            let error = w["error"].as_str().unwrap_or_default();
            error.contains("Moved") && error.contains("set COBROWSE_REDIS_CLUSTER=true")
        }),
        "{warnings:?}"
    );
}
