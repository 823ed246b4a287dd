//! An org's share of the instance across reloads: whichever build of an org began a call, and
//! whatever the org is called now, an org whose Genesys hangs never holds more than three
//! quarters of `COBROWSE_MAX_IN_FLIGHT`, and the other orgs keep the rest.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::task::JoinHandle;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::valid_input;
use crate::many_orgs::{TwoOrgs, received};
use crate::orgs_reload::{eventually, rewrite};

/// 8 calls at once for the instance, so 6 for one org; a 15 s budget, long enough for the
/// reloads (the file is looked at once a second) to happen while acme's calls hang.
const LIMITS: &[(&str, &str)] = &[("MAX_IN_FLIGHT", "8"), ("UPSTREAM_TIMEOUT_MS", "15000")];

/// The service for acme and globex, with acme's Genesys hanging on every start (far past the
/// budget) and acme holding its whole share: 6 calls waiting on it.
async fn acme_holding_its_share(test: &str) -> (TwoOrgs, Vec<JoinHandle<Value>>) {
    let orgs = TwoOrgs::start(test, LIMITS).await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)))
        .with_priority(1)
        .mount(&orgs.acme)
        .await;
    let hanging = (0..6).map(|n| spawn_acme_call(&orgs, n)).collect();
    eventually("acme's 6 calls wait on its Genesys", || async {
        received(&orgs.acme).await.1 == 6
    })
    .await;
    (orgs, hanging)
}

/// A start with acme's credential for a conversation of its own, in the background.
fn spawn_acme_call(orgs: &TwoOrgs, n: usize) -> JoinHandle<Value> {
    let (address, http) = (orgs.address.clone(), orgs.http.clone());
    let mut input = valid_input();
    input["conversationId"] = json!(format!("5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f{n:02}"));
    tokio::spawn(async move {
        http.post(format!("{address}/v1/cobrowse/start"))
            .basic_auth("acme-integration", Some("acme-inbound-pw"))
            .json(&input)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    })
}

/// The file now says `text` with globex's bearer token `marker`; returns once it is served.
async fn reload(orgs: &TwoOrgs, text: &str, marker: &str) {
    rewrite(&orgs.file, &text.replace("globex-inbound-token", marker));
    eventually("the new file is served", || async {
        orgs.call(&valid_input(), |r| r.bearer_auth(marker)).await["joinCode"] == "globex"
    })
    .await;
}

/// With acme's 6 first calls still hanging: 4 more acme calls are each refused at once, none
/// reaching acme's Genesys, and globex's call, made while they wait, is served.
async fn acme_is_held_to_its_share_and_globex_is_served(
    orgs: &TwoOrgs,
    hanging: &[JoinHandle<Value>],
    marker: &str,
) {
    let more: Vec<JoinHandle<Value>> = (6..10).map(|n| spawn_acme_call(orgs, n)).collect();
    // Long enough for any of them let through to hold its place.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let globex = orgs.call(&valid_input(), |r| r.bearer_auth(marker)).await;
    assert_eq!(globex["success"], true, "globex found room: {globex}");
    assert!(
        hanging.iter().all(|call| !call.is_finished()),
        "acme's first calls were still in flight"
    );
    for call in more {
        let reply = tokio::time::timeout(Duration::from_secs(1), call)
            .await
            .expect("refused at once, not held")
            .unwrap();
        assert_eq!(reply["errorCode"], "OVERLOADED", "{reply}");
        assert!(
            reply["errorMessage"]
                .as_str()
                .unwrap()
                .contains("as one org may"),
            "{reply}"
        );
    }
    assert_eq!(
        received(&orgs.acme).await.1,
        6,
        "acme never held more than its share"
    );
}

#[tokio::test]
async fn an_org_renewed_by_a_reload_keeps_the_calls_it_began_in_its_share() {
    let (orgs, hanging) = acme_holding_its_share("share-renewed").await;
    // acme's OAuth client rotated: a new build of acme, its old calls still waiting.
    let text = std::fs::read_to_string(&orgs.file)
        .unwrap()
        .replace("acme-client-secret", "acme-client-secret-2");
    reload(&orgs, &text, "globex-next-token").await;
    acme_is_held_to_its_share_and_globex_is_served(&orgs, &hanging, "globex-next-token").await;
}

#[tokio::test]
async fn an_org_renamed_by_a_reload_keeps_the_calls_it_began_in_its_share() {
    let (orgs, hanging) = acme_holding_its_share("share-renamed").await;
    // The same org, credential and Genesys under another name.
    let text = std::fs::read_to_string(&orgs.file)
        .unwrap()
        .replace("[orgs.acme]", "[orgs.acme2]");
    reload(&orgs, &text, "globex-next-token").await;
    acme_is_held_to_its_share_and_globex_is_served(&orgs, &hanging, "globex-next-token").await;
}

#[tokio::test]
async fn an_org_removed_and_added_again_keeps_the_calls_it_began_in_its_share() {
    let (orgs, hanging) = acme_holding_its_share("share-re-added").await;
    let text = std::fs::read_to_string(&orgs.file).unwrap();
    let globex_only = &text[text.find("[orgs.globex]").unwrap()..];
    reload(&orgs, globex_only, "globex-next-token").await;
    let refused = orgs.as_acme(&valid_input()).await;
    assert_eq!(
        refused["errorCode"], "UNAUTHORIZED",
        "acme removed: {refused}"
    );
    reload(&orgs, &text, "globex-third-token").await;
    acme_is_held_to_its_share_and_globex_is_served(&orgs, &hanging, "globex-third-token").await;
}
