//! What reloads leave behind: nothing of a build of an org once a reload has replaced it (its
//! client, token cache and limiter, whatever held them meanwhile), and no series of an org
//! no longer served. Counted, not measured: the resident memory of the process is the
//! allocator's to keep or give back (tests/cli/orgs_memory.rs bounds it).

use std::fmt::Write as _;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{Org, OrgBuilder, Orgs};
use crate::config::orgs_file as file;
use crate::config::{OrgDefaults, OrgsFile};
use crate::genesys::GenesysClient;
use crate::metrics::Metrics;
use crate::watched_file::Version;

const ORGS: usize = 40;

/// `ORGS` orgs of `genesys`, each named `{prefix}-{i}`, with OAuth client secrets of `round`.
fn orgs_file(genesys: &str, prefix: &str, round: usize) -> String {
    let mut text = String::new();
    for i in 0..ORGS {
        writeln!(
            text,
            "[orgs.{prefix}-{i}]\napi_url = \"{genesys}\"\nlogin_url = \"{genesys}\"\nclient_id = \"client-{i}\"\nclient_secret = \"secret-{i}-{round}\"\nauth_bearer_token = \"token-{i}\"\n"
        )
        .unwrap();
    }
    text
}

/// Waits (up to 5 s: a token request's task lets go of its cache once it has answered)
/// until none of `builds` is held any more.
async fn all_dropped<T>(builds: &[Weak<T>], what: &str) {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let alive = builds.iter().filter(|b| b.strong_count() > 0).count();
        if alive == 0 {
            return;
        }
        assert!(Instant::now() < until, "{alive} {what} still held");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_that_rebuild_or_rename_every_org_leave_nothing_of_the_orgs_replaced() {
    let genesys = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"access_token": "t", "token_type": "bearer", "expires_in": 86400}),
        ))
        .mount(&genesys)
        .await;
    let dir = std::env::temp_dir().join(format!("cobrowse-orgs-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("orgs.toml");
    let text = orgs_file(&genesys.uri(), "org", 0);
    std::fs::write(&path, &text).unwrap();
    let defaults = OrgDefaults::built_in(Duration::from_secs(5));
    let metrics = Arc::new(Metrics::for_many_orgs());
    let builder = OrgBuilder::new(
        Duration::from_secs(5),
        None,
        Duration::from_secs(30),
        metrics.clone(),
        100,
        true,
    );
    let settings = file::parse(&text, &defaults).unwrap();
    let version = Version::of(&path);
    let orgs = Orgs::new(
        &settings,
        Some(&OrgsFile {
            path: path.clone(),
            version,
        }),
        &defaults,
        builder,
    );

    let mut lines = None;
    for round in 1..=12 {
        // Every org holds a token, so its token request's task has come and gone.
        for org in orgs.list() {
            org.genesys
                .check_ready(Duration::from_secs(5))
                .await
                .unwrap();
        }
        // As many series as at first: none of an org renamed away.
        let count = metrics.render(&orgs.genesys_status()).lines().count();
        assert_eq!(
            *lines.get_or_insert(count),
            count,
            "lines of /metrics, round {round}"
        );
        let builds: Vec<Weak<Org>> = orgs.list().iter().map(Arc::downgrade).collect();
        let clients: Vec<Weak<GenesysClient>> = orgs
            .list()
            .iter()
            .map(|o| Arc::downgrade(&o.genesys))
            .collect();

        // Every org gets a new OAuth client secret; every third round a new name too.
        let prefix = if round % 3 == 0 {
            format!("renamed{round}")
        } else {
            "org".into()
        };
        std::fs::write(&path, orgs_file(&genesys.uri(), &prefix, round)).unwrap();
        let reloaded = orgs.reload().await.unwrap();
        assert_eq!(reloaded.kept, 0);
        assert_eq!(reloaded.renewed.len() + reloaded.added.len(), ORGS);
        all_dropped(&builds, "orgs replaced").await;
        all_dropped(&clients, "Genesys clients replaced").await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
