//! Moving one org to an orgs file with a shared Redis: the single-org deployment names its
//! keys as the org is named in the file (`COBROWSE_REDIS_NAMESPACE`), so while the move rolls
//! out, old and new replicas hand out each other's sessions. Without it they do not.

use serde_json::{Value, json};

use crate::common::redis_server::{self, RedisServer};
use crate::common::{Genesys, http, required_vars};
use crate::helpers::*;
use crate::many_orgs::{TwoOrgs, received};

/// A start through the single-org deployment at `address`, with its credential.
async fn as_single_org(address: &str, input: &Value) -> Value {
    http()
        .post(format!("{address}/v1/cobrowse/start"))
        .basic_auth(USERNAME, Some(PASSWORD))
        .json(input)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_one_org_named_in_redis_shares_its_sessions_with_its_org_in_an_orgs_file() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let url = redis.url();
    let shared = [("REUSE_WINDOW_MS", "30000"), ("REDIS_URL", url.as_str())];
    // The new replicas: acme and globex from an orgs file.
    let orgs = TwoOrgs::start("namespace", &shared).await;
    // The old ones: acme alone, from the environment, on acme's Genesys; one names its keys
    // as acme's in the file, one was left as it was.
    let single = |extra: &[(&str, &str)]| {
        let org = required_vars(
            Genesys::At(&orgs.acme.uri()),
            (CLIENT_ID, CLIENT_SECRET),
            (USERNAME, PASSWORD),
        );
        let overrides: Vec<(&str, &str)> = shared.iter().chain(extra).copied().collect();
        spawn_deployment(org, &overrides)
    };
    let named = single(&[("REDIS_NAMESPACE", "acme")]);
    let unnamed = single(&[]);

    let first = as_single_org(&named, &valid_input()).await;
    assert_eq!(
        (first["joinCode"].as_str(), first["reused"].as_bool()),
        (Some("acme"), Some(false)),
        "{first}"
    );
    let handed_out = orgs.as_acme(&valid_input()).await;
    assert_eq!(handed_out["reused"], true, "{handed_out}");
    assert_eq!(handed_out["sessionId"], first["sessionId"]);
    // globex's start of the same conversation id is its own.
    assert_eq!(orgs.as_globex(&valid_input()).await["reused"], false);
    assert_eq!(received(&orgs.acme).await.1, 1);

    // Left unnamed, the one org's keys are not acme's: its start is offered again.
    let other = json!({"conversationId": "5e0b6a9a-3c8e-4f57-9f0e-000000000777", "agentId": AGENT});
    assert_eq!(as_single_org(&unnamed, &other).await["reused"], false);
    assert_eq!(orgs.as_acme(&other).await["reused"], false);
    assert_eq!(received(&orgs.acme).await.1, 3);
}
