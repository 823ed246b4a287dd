//! One way to start the real service for a test: on port 0, against a `wiremock` Genesys.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use cobrowse_proxy::contract::OUTPUT_SCHEMA;
use cobrowse_proxy::startup::Application;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{self, Genesys, http, is_start, required_vars, token_reply};

pub const USERNAME: &str = "genesys-integration";
pub const PASSWORD: &str = "inbound-p4ssword-XYZ";
pub const CLIENT_ID: &str = "test-client-id";
pub const CLIENT_SECRET: &str = "client-s3cret-ABC";
pub const ACCESS_TOKEN: &str = "access-token-QWERTY";

pub const CONVERSATION: &str = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";
pub const AGENT: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
pub const COBROWSE_PATH: &str =
    "/api/v2/conversations/5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60/cobrowse";

pub struct TestApp {
    pub address: String,
    /// Shared by replicas of the service (`TestApp::replica`).
    pub genesys: Arc<MockServer>,
    pub http: reqwest::Client,
}

/// The service with test credentials, a 2 s budget, no rate limit, no reuse, and `overrides`
/// (`("ERROR_MODE", "status")`). No Genesys route is mounted: each test says what Genesys
/// answers.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let genesys = Arc::new(MockServer::start().await);
    TestApp {
        address: spawn_service(&genesys, overrides),
        genesys,
        http: http(),
    }
}

/// Builds and runs one service for the environment's one org against `genesys`; its base URL.
fn spawn_service(genesys: &MockServer, overrides: &[(&str, &str)]) -> String {
    let org = required_vars(
        Genesys::At(&genesys.uri()),
        (CLIENT_ID, CLIENT_SECRET),
        (USERNAME, PASSWORD),
    );
    spawn_deployment(org, overrides)
}

/// Builds and runs one service with `orgs` (the variables that say which orgs it serves),
/// on port 0 with a 2 s budget, no rate limit and no reuse unless `overrides` say otherwise;
/// its base URL. Variables are named without `COBROWSE_`.
pub fn spawn_deployment(orgs: Vec<(&str, String)>, overrides: &[(&str, &str)]) -> String {
    let mut vars = vec![("LISTEN", "127.0.0.1:0".to_owned())];
    vars.extend(orgs);
    vars.extend([
        ("UPSTREAM_TIMEOUT_MS", "2000".to_owned()),
        // Bursts of test calls must not meet the client-side rate limit unless a test says so.
        ("GENESYS_REQUESTS_PER_MINUTE", "0".to_owned()),
        // Repeated identical test starts must each reach Genesys unless a test is about reuse.
        ("REUSE_WINDOW_MS", "0".to_owned()),
    ]);
    for (name, value) in overrides {
        vars.retain(|(n, _)| n != name);
        vars.push((name, (*value).to_owned()));
    }
    let deployment = common::settings(vars).expect("test settings are valid");
    let application = Application::build(&deployment).expect("the service binds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    address
}

/// The service with a Genesys that issues a day-long token and on whose conversations
/// `AGENT` is connected on a call (tests mount their own conversation to override it).
pub async fn spawn_app() -> TestApp {
    let app = spawn_app_with(&[]).await;
    app.mount_token(86_400).await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+$"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(conversation_with(&[(
                AGENT,
                "calls",
                "connected",
                "2026-11-24T10:00:00.000Z",
            )])),
        )
        .with_priority(200)
        .mount(&app.genesys)
        .await;
    app
}

/// A Genesys conversation: a connected customer, an ACD leg, and agent participants given
/// as `(userId, media list, state, connectedTime)`, in the order they joined.
pub fn conversation_with(agents: &[(&str, &str, &str, &str)]) -> Value {
    let mut participants = vec![
        json!({"purpose": "customer", "calls": [{"state": "connected"}], "messages": []}),
        json!({"purpose": "acd", "calls": [{"state": "disconnected"}]}),
    ];
    for (user_id, media, state, since) in agents {
        participants.push(json!({
            "purpose": "agent",
            "userId": user_id,
            *media: [{"state": state, "connectedTime": since}]
        }));
    }
    json!({"id": CONVERSATION, "participants": participants})
}

impl TestApp {
    /// A second instance of the service, with `overrides`, talking to the same Genesys.
    pub fn replica(&self, overrides: &[(&str, &str)]) -> TestApp {
        TestApp {
            address: spawn_service(&self.genesys, overrides),
            genesys: self.genesys.clone(),
            http: self.http.clone(),
        }
    }

    /// Genesys's login service issues `ACCESS_TOKEN` for the test client.
    pub async fn mount_token(&self, expires_in: u64) {
        self.mount_login(token_reply(ACCESS_TOKEN, expires_in))
            .await;
    }

    /// Genesys's login service answers every token request `template`.
    pub async fn mount_login(&self, template: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(template)
            .mount(&self.genesys)
            .await;
    }

    /// The cobrowse route answers `template`.
    pub async fn mount_cobrowse(&self, template: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
            .respond_with(template)
            .mount(&self.genesys)
            .await;
    }

    /// The first request matching `route` gets `template`, ahead of every other mock; later
    /// ones fall through to the mocks already mounted (a fault, then recovery).
    pub async fn answer_first(
        &self,
        route: impl wiremock::Match + 'static,
        template: ResponseTemplate,
    ) {
        Mock::given(route)
            .respond_with(template)
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&self.genesys)
            .await;
    }

    /// The conversation lookup answers `template` (over the default conversation).
    pub async fn mount_conversation(&self, template: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v2/conversations/[^/]+$"))
            .respond_with(template)
            .mount(&self.genesys)
            .await;
    }

    /// A POST to the start endpoint, with no credential or body yet.
    pub fn start_request(&self) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/v1/cobrowse/start", self.address))
    }

    /// POSTs `body` (any JSON) to the start endpoint with the right credential.
    pub async fn start(&self, body: &Value) -> reqwest::Response {
        self.post_raw(body.to_string(), "application/json", true)
            .await
    }

    pub async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: &str,
        authenticated: bool,
    ) -> reqwest::Response {
        let mut request = self
            .start_request()
            .header("Content-Type", content_type)
            .body(body);
        if authenticated {
            request = request.basic_auth(USERNAME, Some(PASSWORD));
        }
        request.send().await.expect("the service answers")
    }

    /// GETs `path` (`"/healthz"`) from the service.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("the service answers")
    }

    /// The `/metrics` page's text; the page must answer 200.
    pub async fn metrics(&self) -> String {
        let response = self.get("/metrics").await;
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    /// How many requests Genesys received on `route` (`"/oauth/token"`, `"cobrowse"` for
    /// any cobrowse call, `"conversation"` for any conversation lookup).
    pub async fn requests_to(&self, route: &str) -> usize {
        self.genesys
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| {
                let p = r.url.path();
                match route {
                    "cobrowse" => is_start(r),
                    "conversation" => p.starts_with("/api/v2/conversations/") && !is_start(r),
                    _ => p == route,
                }
            })
            .count()
    }

    /// The requests Genesys received on the cobrowse route, in the order they came.
    pub async fn start_requests(&self) -> Vec<wiremock::Request> {
        common::start_requests(&self.genesys).await
    }
}

/// Reads a reply, checks it against the output contract, and returns it.
pub async fn flat_reply(response: reqwest::Response) -> Value {
    let body: Value = response.json().await.expect("the reply is JSON");
    assert_fits_output_contract(&body);
    body
}

/// The reply is a failure with `code` and a message that contains `hint`.
pub fn assert_failed_with(reply: &Value, code: &str, hint: &str) {
    assert_eq!(reply["errorCode"], code, "{reply}");
    let message = reply["errorMessage"].as_str().unwrap();
    assert!(message.contains(hint), "{code}: {message}");
}

static OUTPUT: LazyLock<(jsonschema::Validator, BTreeSet<String>)> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(OUTPUT_SCHEMA).unwrap();
    let fields = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    (jsonschema::draft4::new(&schema).unwrap(), fields)
});

/// Every reply is one flat object with exactly the fields of the output schema.
pub fn assert_fits_output_contract(body: &Value) {
    let (validator, fields) = &*OUTPUT;
    let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?} in {body}");
    let keys: BTreeSet<String> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(&keys, fields, "reply fields differ from the output schema");
}

/// A typical Genesys `CobrowseWebMessagingSession`.
pub fn session_body() -> Value {
    json!({
        "id": "b1a2c3d4-0000-4000-8000-000000000001",
        "name": "Cobrowse session",
        "joinCode": "123456",
        "websocketUrl": "wss://cobrowse.example/ws/b1a2",
        "dateOfferEnds": "2026-11-24T16:05:00.000Z",
        "communicationType": "Call",
        "selfUri": "/api/v2/conversations/x/cobrowse/b1a2"
    })
}

/// Genesys's answer to a cobrowse start that worked: 200 and `session_body()`.
pub fn session_reply() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(session_body())
}

/// A Genesys `ErrorBody`.
pub fn genesys_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("ININ-Correlation-Id", "corr-from-genesys")
        .set_body_json(json!({
            "message": message,
            "code": code,
            "status": status,
            "contextId": "corr-from-genesys"
        }))
}

pub fn valid_input() -> Value {
    json!({"conversationId": CONVERSATION, "agentId": AGENT})
}
