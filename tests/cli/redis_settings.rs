//! What the log says when the Redis settings do not fit the Redis they name: a cluster given
//! as one Redis, a certificate the named CA did not sign. The starts go on without reuse, the
//! warning names the setting to change, and no password is ever written.

use std::time::Duration;

use serde_json::Value;

use crate::common::redis_cluster::{self, RedisCluster};
use crate::common::redis_server;
use crate::common::redis_tls::{self, TlsRedis};
use crate::harness::{CONVERSATION, PASSWORD, vars};
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

#[tokio::test]
async fn a_certificate_the_named_ca_did_not_sign_is_refused_naming_the_setting_not_the_password() {
    if !redis_server::available() {
        return;
    }
    let redis = TlsRedis::start();
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push(("REDIS_URL", redis.url()));
    let wrong_ca = redis.other_ca_file.to_str().unwrap().to_owned();
    vars.push(("REDIS_CA_FILE", wrong_ca));
    let running = start(&borrowed(&vars));
    let url = running.start_url();
    // Starts go on, without reuse: each reaches Genesys.
    for _ in 0..2 {
        let started = reply(start_request(&url, PASSWORD, &start_input(CONVERSATION))).await;
        assert_eq!(started["success"], true, "{started}");
        assert_eq!(started["reused"], false, "{started}");
    }
    let starts = crate::common::start_requests(&genesys).await.len();
    assert_eq!(starts, 2, "no store, no reuse");
    let (_, stderr, lines) = running.stop("TERM");
    let stdout = lines.join("\n");
    assert!(
        !stdout.contains(redis_tls::PASSWORD) && !stderr.contains(redis_tls::PASSWORD),
        "the ACL password was written:\n{stdout}\n{stderr}"
    );
    let warnings: Vec<Value> = events(&lines).filter(|e| e["level"] == "WARN").collect();
    assert!(
        warnings.iter().any(|w| {
            let error = w["error"].as_str().unwrap_or_default();
            error.contains("not trusted") && error.contains("COBROWSE_REDIS_CA_FILE")
        }),
        "{warnings:?}"
    );
}
