//! The reuse store over TLS with a private CA (`COBROWSE_REDIS_CA_FILE`) and an ACL user
//! allowed nothing but the service's keys and its scripts' commands, as a managed Redis with
//! in-transit encryption runs: replicas hand out each other's sessions through it.

use crate::common::redis_server;
use crate::common::redis_tls::{self, TlsRedis};
use crate::helpers::*;
use crate::redis_failover::{start_on, store_errors};
use crate::reuse_latency::mount_numbered_sessions;

#[tokio::test]
async fn replicas_share_sessions_over_tls_verified_against_a_private_ca_as_an_acl_user() {
    if !redis_server::available() {
        return;
    }
    let redis = TlsRedis::start();
    let (url, ca) = (redis.url(), redis.ca_file.to_str().unwrap().to_owned());
    let settings = [
        ("REUSE_WINDOW_MS", "30000"),
        ("REDIS_URL", url.as_str()),
        ("REDIS_CA_FILE", ca.as_str()),
    ];
    let first = spawn_app_with(&settings).await;
    first.mount_token(86_400).await;
    mount_numbered_sessions(&first, std::time::Duration::ZERO).await;
    let second = first.replica(&settings);

    for n in 0..3 {
        let fresh = start_on(&first, n).await;
        assert_eq!(fresh["reused"], false, "{fresh}");
        let handed_out = start_on(&second, n).await;
        assert_eq!(handed_out["reused"], true, "{handed_out}");
        assert_eq!(handed_out["sessionId"], fresh["sessionId"]);
    }
    assert_eq!(first.start_requests().await.len(), 3);
    assert_eq!(store_errors(&first).await, 0);
    assert_eq!(store_errors(&second).await, 0);
    // Stored under the user's keys, where its ACL lets it write.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("cobrowse-proxy:*:session")
        .query(&mut redis.server.connection())
        .unwrap();
    assert_eq!(keys.len(), 3, "{keys:?} ({})", redis_tls::ACL);
}
