//! One deployment for many orgs (`COBROWSE_ORGS_FILE`): two simulated Genesys orgs on
//! loopback, and a call's credential deciding which one it reaches.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::redis_server::{self, RedisServer};
use crate::common::{http, is_start, token_reply};
use crate::helpers::{
    AGENT, CONVERSATION, assert_fits_output_contract, spawn_deployment, valid_input,
};

/// Two orgs' Genesys, and the service serving both.
pub struct TwoOrgs {
    pub address: String,
    pub acme: MockServer,
    pub globex: MockServer,
    pub file: PathBuf,
    pub http: reqwest::Client,
}

/// The orgs file for `acme` (Basic credential) at `acme_url` and `globex` (bearer token) at
/// `globex_url`, each with `extra` lines of its own.
pub fn orgs_toml(acme_url: &str, globex_url: &str, acme_extra: &str, globex_extra: &str) -> String {
    format!(
        r#"
[orgs.acme]
api_url = "{acme_url}"
login_url = "{acme_url}"
client_id = "acme-client"
client_secret = "acme-client-secret"
auth_username = "acme-integration"
auth_password = "acme-inbound-pw"
{acme_extra}

[orgs.globex]
api_url = "{globex_url}"
login_url = "{globex_url}"
client_id = "globex-client"
client_secret = "globex-client-secret"
auth_bearer_token = "globex-inbound-token"
{globex_extra}
"#
    )
}

/// A file of this test's own holding `text`.
pub fn write_orgs_file(test: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cobrowse-orgs-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// An org's Genesys: it issues `<org>-access` and starts sessions whose join code is the
/// org's name.
pub async fn org_genesys(org: &str) -> MockServer {
    let genesys = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply(&format!("{org}-access"), 86_400))
        .mount(&genesys)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": format!("{org}-session"),
            "joinCode": org,
            "dateOfferEnds": "2099-01-01T00:00:00.000Z"
        })))
        .mount(&genesys)
        .await;
    genesys
}

/// The service for `file`, with a 2 s budget, no rate limit or reuse unless `overrides` say.
pub fn spawn_many(file: &std::path::Path, overrides: &[(&str, &str)]) -> String {
    spawn_deployment(
        vec![("ORGS_FILE", file.to_str().unwrap().to_owned())],
        overrides,
    )
}

impl TwoOrgs {
    pub async fn start(test: &str, overrides: &[(&str, &str)]) -> Self {
        Self::start_with(test, overrides, "", "").await
    }

    pub async fn start_with(
        test: &str,
        overrides: &[(&str, &str)],
        acme_extra: &str,
        globex_extra: &str,
    ) -> Self {
        let (acme, globex) = (org_genesys("acme").await, org_genesys("globex").await);
        let file = write_orgs_file(
            test,
            &orgs_toml(&acme.uri(), &globex.uri(), acme_extra, globex_extra),
        );
        TwoOrgs {
            address: spawn_many(&file, overrides),
            acme,
            globex,
            file,
            http: http(),
        }
    }

    /// A start with acme's Basic credential.
    pub async fn as_acme(&self, input: &Value) -> Value {
        self.call(input, |r| {
            r.basic_auth("acme-integration", Some("acme-inbound-pw"))
        })
        .await
    }

    /// A start with globex's bearer token.
    pub async fn as_globex(&self, input: &Value) -> Value {
        self.call(input, |r| r.bearer_auth("globex-inbound-token"))
            .await
    }

    pub async fn call(
        &self,
        input: &Value,
        credential: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Value {
        let request = self
            .http
            .post(format!("{}/v1/cobrowse/start", self.address))
            .json(input);
        let reply: Value = credential(request)
            .send()
            .await
            .expect("the service answers")
            .json()
            .await
            .unwrap();
        assert_fits_output_contract(&reply);
        reply
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }
}

/// Requests `genesys` received: `(token requests, cobrowse starts)`.
pub async fn received(genesys: &MockServer) -> (usize, usize) {
    let requests = genesys.received_requests().await.unwrap();
    let tokens = requests
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count();
    (tokens, requests.iter().filter(|r| is_start(r)).count())
}

fn header(request: &wiremock::Request, name: &str) -> String {
    request
        .headers
        .get(name)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_call_reaches_only_the_genesys_of_the_org_whose_credential_it_carries() {
    let orgs = TwoOrgs::start("routing", &[]).await;

    let acme = orgs.as_acme(&valid_input()).await;
    assert_eq!(acme["success"], true, "{acme}");
    assert_eq!(acme["joinCode"], "acme");
    assert_eq!(received(&orgs.acme).await, (1, 1));
    assert_eq!(
        received(&orgs.globex).await,
        (0, 0),
        "globex is not touched"
    );
    let requests = orgs.acme.received_requests().await.unwrap();
    // acme's OAuth client asked acme's login; acme's token went to acme's API.
    let basic = header(&requests[0], "authorization");
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim_start_matches("Basic "))
        .unwrap();
    assert_eq!(decoded, b"acme-client:acme-client-secret");
    assert_eq!(header(&requests[1], "authorization"), "Bearer acme-access");

    let globex = orgs.as_globex(&valid_input()).await;
    assert_eq!(globex["joinCode"], "globex", "{globex}");
    assert_eq!(received(&orgs.globex).await, (1, 1));
    assert_eq!(received(&orgs.acme).await, (1, 1), "acme got nothing more");

    // A credential of neither org, or one org's user name with a guess, reaches no Genesys.
    for wrong in [
        ("acme-integration", "globex-inbound-token"),
        ("globex", "acme-inbound-pw"),
    ] {
        let reply = orgs
            .call(&valid_input(), |r| r.basic_auth(wrong.0, Some(wrong.1)))
            .await;
        assert_eq!(reply["errorCode"], "UNAUTHORIZED", "{reply}");
        assert!(
            reply["errorMessage"]
                .as_str()
                .unwrap()
                .contains("its org's credential from the orgs file"),
            "{reply}"
        );
    }
    let reply = orgs
        .call(&valid_input(), |r| r.bearer_auth("acme-inbound-pw"))
        .await;
    assert_eq!(reply["errorCode"], "UNAUTHORIZED");
    assert_eq!(received(&orgs.acme).await, (1, 1));
    assert_eq!(received(&orgs.globex).await, (1, 1));
}

#[tokio::test]
async fn the_same_conversation_in_two_orgs_is_two_sessions() {
    let orgs = TwoOrgs::start("same-conversation", &[("REUSE_WINDOW_MS", "30000")]).await;
    let acme = orgs.as_acme(&valid_input()).await;
    let globex = orgs.as_globex(&valid_input()).await;
    assert_eq!(
        (acme["joinCode"].as_str(), acme["reused"].as_bool()),
        (Some("acme"), Some(false))
    );
    assert_eq!(
        (globex["joinCode"].as_str(), globex["reused"].as_bool()),
        (Some("globex"), Some(false)),
        "globex's start is its own, not acme's session: {globex}"
    );
    // Within each org, reuse works as before.
    let again = orgs.as_acme(&valid_input()).await;
    assert_eq!(
        (again["joinCode"].as_str(), again["reused"].as_bool()),
        (Some("acme"), Some(true))
    );
    assert_eq!(received(&orgs.acme).await.1, 1);
    assert_eq!(received(&orgs.globex).await.1, 1);
}

#[tokio::test]
async fn two_orgs_on_one_redis_never_share_a_session() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let url = redis.url();
    let overrides = [("REUSE_WINDOW_MS", "30000"), ("REDIS_URL", url.as_str())];
    let orgs = TwoOrgs::start("redis", &overrides).await;
    // A second replica of the same deployment, on the same Redis.
    let replica = TwoOrgs {
        address: spawn_many(&orgs.file, &overrides),
        acme: MockServer::start().await,
        globex: MockServer::start().await,
        file: orgs.file.clone(),
        http: http(),
    };

    let acme = orgs.as_acme(&valid_input()).await;
    let globex = replica.as_globex(&valid_input()).await;
    assert_eq!(acme["reused"], false);
    assert_eq!(
        (globex["joinCode"].as_str(), globex["reused"].as_bool()),
        (Some("globex"), Some(false)),
        "{globex}"
    );
    // The replica hands out acme's session to acme, from Redis.
    let handed_out = replica.as_acme(&valid_input()).await;
    assert_eq!(
        (
            handed_out["joinCode"].as_str(),
            handed_out["reused"].as_bool()
        ),
        (Some("acme"), Some(true))
    );
    assert_eq!(received(&orgs.acme).await.1, 1);
    assert_eq!(received(&orgs.globex).await.1, 1);

    let mut connection = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
    keys.sort();
    assert_eq!(
        keys,
        [
            format!("cobrowse-proxy:{{acme:{CONVERSATION}:{AGENT}:view}}:session"),
            format!("cobrowse-proxy:{{globex:{CONVERSATION}:{AGENT}:view}}:session"),
        ]
    );
}

#[tokio::test]
async fn one_org_s_login_down_leaves_the_other_as_fast_as_before() {
    let orgs = TwoOrgs::start("login-down", &[]).await;
    // acme's login hangs past the budget; globex's answers.
    orgs.acme.reset().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply("late", 86_400).set_delay(Duration::from_secs(10)))
        .mount(&orgs.acme)
        .await;

    let stuck = async {
        let replies =
            futures_util::future::join(orgs.as_acme(&valid_input()), orgs.as_acme(&valid_input()))
                .await;
        [replies.0, replies.1]
    };
    let served = async {
        // Once acme's calls are waiting on its login.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut slowest = Duration::ZERO;
        for _ in 0..5 {
            let started = std::time::Instant::now();
            let reply = orgs.as_globex(&valid_input()).await;
            assert_eq!(reply["success"], true, "{reply}");
            slowest = slowest.max(started.elapsed());
        }
        slowest
    };
    let (stuck, slowest) = tokio::join!(stuck, served);
    for reply in stuck {
        assert_eq!(reply["errorCode"], "UPSTREAM_TIMEOUT", "{reply}");
    }
    // globex's calls take milliseconds; acme's wait its 2 s budget.
    assert!(
        slowest < Duration::from_millis(1000),
        "globex waited {slowest:?}"
    );
    assert_eq!(
        received(&orgs.acme).await.0,
        1,
        "one token request for acme's burst"
    );
}

#[tokio::test]
async fn one_org_s_hanging_login_never_makes_the_readiness_probe_time_out() {
    // A 10 s budget: the probe's own wait, not the budget, must bound it.
    let orgs = TwoOrgs::start("login-hangs-readyz", &[("UPSTREAM_TIMEOUT_MS", "10000")]).await;
    orgs.acme.reset().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply("late", 86_400).set_delay(Duration::from_secs(30)))
        .mount(&orgs.acme)
        .await;
    let started = std::time::Instant::now();
    let reply = orgs.get("/readyz").await;
    let took = started.elapsed();
    // Within a Kubernetes probe's 5 s, with room to spare.
    assert!(took < Duration::from_secs(4), "/readyz took {took:?}");
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["orgs"]["globex"]["genesys"], "token held", "{body}");
    assert_eq!(
        body["orgs"]["acme"]["errorCode"], "UPSTREAM_TIMEOUT",
        "{body}"
    );
}

#[tokio::test]
async fn every_org_s_client_refused_leaves_the_replica_ready_and_calls_told_why() {
    let orgs = TwoOrgs::start("all-refused", &[]).await;
    for genesys in [&orgs.acme, &orgs.globex] {
        genesys.reset().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(
                ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})),
            )
            .mount(genesys)
            .await;
    }
    let reply = orgs.get("/readyz").await;
    // No org can be served, and still the replica answers: its calls say why.
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    for org in ["acme", "globex"] {
        assert_eq!(
            body["orgs"][org]["genesys"], "login refused (GENESYS_AUTH_FAILED)",
            "{body}"
        );
    }
    assert_eq!(
        orgs.as_acme(&valid_input()).await["errorCode"],
        "GENESYS_AUTH_FAILED"
    );
    assert_eq!(
        orgs.as_globex(&valid_input()).await["errorCode"],
        "GENESYS_AUTH_FAILED"
    );
}

#[tokio::test]
async fn a_file_org_whose_client_is_refused_is_told_to_check_its_table_not_the_variables() {
    let orgs = TwoOrgs::start("refused-names-table", &[]).await;
    orgs.acme.reset().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .mount(&orgs.acme)
        .await;
    let reply = orgs.as_acme(&valid_input()).await;
    let ready: Value = orgs.get("/readyz").await.json().await.unwrap();
    let probe = &ready["orgs"]["acme"];
    assert_eq!(
        probe["genesys"], "login refused (GENESYS_AUTH_FAILED)",
        "{ready}"
    );
    for message in [&reply["errorMessage"], &probe["errorMessage"]] {
        let message = message.as_str().unwrap();
        // The variables are refused beside an orgs file: the org's table is what to edit.
        assert!(
            message.contains("client_id and client_secret in [orgs.acme] of the orgs file"),
            "{message}"
        );
        assert!(!message.contains("COBROWSE_GENESYS_CLIENT"), "{message}");
    }
    assert_eq!(reply["errorCode"], "GENESYS_AUTH_FAILED", "{reply}");
    assert_eq!(ready["orgs"]["globex"]["genesys"], "token held", "{ready}");
}

#[tokio::test]
async fn a_file_org_whose_api_url_is_not_genesys_is_told_to_check_its_table() {
    let orgs = TwoOrgs::start("api-url-names-table", &[]).await;
    orgs.acme.reset().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply("acme-access", 86_400))
        .mount(&orgs.acme)
        .await;
    // What answers at the org's api_url is not Genesys: a redirect to a login page, say.
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/login"))
        .mount(&orgs.acme)
        .await;
    let reply = orgs.as_acme(&valid_input()).await;
    let message = reply["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("check api_url in [orgs.acme] of the orgs file"),
        "{reply}"
    );
    assert!(!message.contains("COBROWSE_GENESYS"), "{message}");
}

#[tokio::test]
async fn an_org_whose_genesys_hangs_leaves_room_for_the_other_orgs() {
    // 8 calls at once for the instance, so 6 for one org.
    let orgs = TwoOrgs::start("org-share", &[("MAX_IN_FLIGHT", "8")]).await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "acme-session", "joinCode": "acme", "dateOfferEnds": "2099-01-01T00:00:00.000Z"}))
                .set_delay(Duration::from_millis(1500)),
        )
        .with_priority(1)
        .mount(&orgs.acme)
        .await;
    // As many acme calls as the whole instance takes, each for its own conversation.
    let orgs = &orgs;
    let acme_calls = futures_util::future::join_all((0..8).map(|n| {
        let mut input = valid_input();
        input["conversationId"] = json!(format!("5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f{n:02}"));
        async move { orgs.as_acme(&input).await }
    }));
    let globex_call = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        orgs.as_globex(&valid_input()).await
    };
    let (acme, globex) = tokio::join!(acme_calls, globex_call);
    assert_eq!(globex["success"], true, "globex found room: {globex}");
    let started = acme.iter().filter(|r| r["success"] == true).count();
    let overloaded: Vec<&Value> = acme
        .iter()
        .filter(|r| r["errorCode"] == "OVERLOADED")
        .collect();
    assert_eq!((started, overloaded.len()), (6, 2), "{acme:#?}");
    assert!(
        overloaded[0]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("as one org may"),
        "{}",
        overloaded[0]
    );
}

#[tokio::test]
async fn a_burst_of_cold_calls_makes_one_token_request_to_each_org() {
    let orgs = TwoOrgs::start("single-flight", &[]).await;
    let orgs_ref = &orgs;
    let calls = (0..6).map(|i| async move {
        if i % 2 == 0 {
            orgs_ref.as_acme(&valid_input()).await
        } else {
            orgs_ref.as_globex(&valid_input()).await
        }
    });
    for reply in futures_util::future::join_all(calls).await {
        assert_eq!(reply["success"], true, "{reply}");
    }
    assert_eq!(received(&orgs.acme).await, (1, 3));
    assert_eq!(received(&orgs.globex).await, (1, 3));
}

#[tokio::test]
async fn each_org_has_its_own_request_limit_and_learns_its_own_request_body() {
    let orgs = TwoOrgs::start_with(
        "limits",
        &[],
        "requests_per_minute = 1",
        "requests_per_minute = 100",
    )
    .await;
    // globex's Genesys refuses the agent payload and takes the start without a body.
    static BODIES: AtomicUsize = AtomicUsize::new(0);
    Mock::given(method("POST"))
        .and(path_regex(r"/cobrowse$"))
        .and(|r: &wiremock::Request| !r.body.is_empty())
        .respond_with(|_: &wiremock::Request| {
            BODIES.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(400)
        })
        .with_priority(1)
        .mount(&orgs.globex)
        .await;

    assert_eq!(orgs.as_acme(&valid_input()).await["success"], true);
    let limited = orgs.as_acme(&valid_input()).await;
    assert_eq!(
        limited["errorCode"], "RATE_LIMITED",
        "acme's one request a minute is spent"
    );
    for _ in 0..3 {
        let reply = orgs.as_globex(&valid_input()).await;
        assert_eq!(reply["success"], true, "globex's limit is its own: {reply}");
    }
    assert_eq!(
        BODIES.load(Ordering::SeqCst),
        1,
        "globex learned to send no body"
    );

    let ready: Value = orgs.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["orgs"]["globex"]["requestBody"], "empty", "{ready}");
    assert_eq!(
        ready["orgs"]["acme"]["requestBody"], "agent-payload",
        "{ready}"
    );
    let acme_starts = orgs.acme.received_requests().await.unwrap();
    assert!(
        acme_starts
            .iter()
            .filter(|r| is_start(r))
            .all(|r| !r.body.is_empty())
    );
}

#[tokio::test]
async fn metrics_carry_the_org_of_each_call_and_token() {
    let orgs = TwoOrgs::start("metrics", &[]).await;
    orgs.as_acme(&valid_input()).await;
    orgs.as_acme(&valid_input()).await;
    orgs.as_globex(&valid_input()).await;
    orgs.call(&valid_input(), |r| r.bearer_auth("nobody")).await;
    let text = orgs.get("/metrics").await.text().await.unwrap();
    for line in [
        r#"cobrowse_proxy_calls_total{org="acme",outcome="started",error_code=""} 2"#,
        r#"cobrowse_proxy_calls_total{org="globex",outcome="started",error_code=""} 1"#,
        // A call no org's credential opens is nobody's.
        r#"cobrowse_proxy_calls_total{outcome="failed",error_code="UNAUTHORIZED"} 1"#,
        r#"cobrowse_proxy_token_renewals_total{org="acme"} 1"#,
        r#"cobrowse_proxy_token_failures_total{org="globex"} 0"#,
        r#"cobrowse_proxy_request_body{org="globex",mode="agent-payload"} 1"#,
        r#"cobrowse_proxy_starts_reused_total{org="acme"} 0"#,
        "cobrowse_proxy_orgs_reload_failures_total 0",
        // At 0 before an org's first failure, so Prometheus sees that failure as an increase.
        r#"cobrowse_proxy_calls_total{org="globex",outcome="failed",error_code="GENESYS_AUTH_FAILED"} 0"#,
        r#"cobrowse_proxy_calls_total{org="acme",outcome="failed",error_code="MISSING_PERMISSION"} 0"#,
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(
        !text.contains("cobrowse_proxy_token_renewals_total 0"),
        "no series of no org:\n{text}"
    );
}
