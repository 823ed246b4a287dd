//! `cobrowse-proxy doctor` as an admin runs it: the binary, with `COBROWSE_*` variables,
//! against Genesys mocked over HTTP with the published SDK's models (`TokenInfo`,
//! `ActionEntityListing`, `Action` with its `ActionContract` and `ActionConfig`).
//!
//! Every run is checked for secrets in what it printed, and every test that reaches Genesys
//! for what it sent: the only cobrowse start goes to a conversation id doctor made up.

use std::process::Command;

use cobrowse_proxy::export::{ActionOptions, export_action};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod common;
#[path = "doctor/hostile.rs"]
mod hostile;
#[path = "doctor/orgs.rs"]
mod orgs;

use common::{DOCTOR_CHECKS, Genesys, Unreachable, is_start, prefixed, required_vars, token_reply};

const BINARY: &str = env!("CARGO_BIN_EXE_cobrowse-proxy");
const CLIENT_ID: &str = "doctor-client-id";
const CLIENT_SECRET: &str = "client-secret-DOCTOR-MUST-NOT-PRINT";
const ACCESS_TOKEN: &str = "access-token-DOCTOR-MUST-NOT-PRINT";
const USERNAME: &str = "genesys-integration";
const PASSWORD: &str = "inbound-password-DOCTOR-MUST-NOT-PRINT";
const BEARER_TOKEN: &str = "inbound-bearer-DOCTOR-MUST-NOT-PRINT";
const SECRETS: [&str; 4] = [CLIENT_SECRET, ACCESS_TOKEN, PASSWORD, BEARER_TOKEN];

const ORG_ID: &str = "6b2a5d1c-0d5e-4c6f-9a1b-2c3d4e5f6a7b";
const ORG_NAME: &str = "Acme Support EU";
const OAUTH_CLIENT_NAME: &str = "cobrowse-proxy production";
const ACTION_ID: &str = "custom_-_3f1e2d3c-4b5a-4d6e-8f70-000000000001";
const OLD_ACTION_ID: &str = "custom_-_3f1e2d3c-4b5a-4d6e-8f70-000000000002";
const RENAMED_ACTION_ID: &str = "custom_-_3f1e2d3c-4b5a-4d6e-8f70-000000000003";
const INTEGRATION_ID: &str = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";
/// A conversation that exists in the org: doctor must never touch it.
const REAL_CONVERSATION: &str = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";

/// What one run of `cobrowse-proxy doctor` did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The line of `check`; it must be there once.
    fn line(&self, check: &str) -> &str {
        let found: Vec<&str> = self
            .stdout
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some(&format!("{check}:")))
            .collect();
        assert_eq!(found.len(), 1, "{check} in:\n{}", self.stdout);
        found[0]
    }

    /// `check`'s verdict (`ok`, `FAIL`, `skip`) and its line.
    fn verdict(&self, check: &str) -> (&str, &str) {
        let line = self.line(check);
        (line.split_whitespace().next().unwrap(), line)
    }

    /// `check`'s line, which must start with `status` and mention every one of `words`.
    fn assert(&self, check: &str, status: &str, words: &[&str]) -> &str {
        let (verdict, line) = self.verdict(check);
        assert_eq!(verdict, status, "{line}");
        for word in words {
            assert!(line.contains(word), "{word:?} missing from: {line}");
        }
        line
    }

    /// Every check printed, in order, one line each, and nothing else.
    fn verdicts(&self) -> Vec<String> {
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), DOCTOR_CHECKS.len(), "{}", self.stdout);
        for (line, check) in lines.iter().zip(DOCTOR_CHECKS) {
            assert_eq!(
                line.split_whitespace().nth(1),
                Some(format!("{check}:").as_str()),
                "checks out of order:\n{}",
                self.stdout
            );
        }
        lines
            .iter()
            .map(|l| l.split_whitespace().next().unwrap().to_owned())
            .collect()
    }
}

/// The variables of a deployment against `genesys`, with a 2 s budget, then `overrides`.
fn vars(genesys: &str, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = required_vars(
        Genesys::At(genesys),
        (CLIENT_ID, CLIENT_SECRET),
        (USERNAME, PASSWORD),
    )
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v))
    .collect();
    vars.push(("AUTH_BEARER_TOKEN".into(), BEARER_TOKEN.into()));
    vars.push(("UPSTREAM_TIMEOUT_MS".into(), "2000".into()));
    for (name, value) in overrides {
        vars.retain(|(n, _)| n != name);
        vars.push(((*name).to_owned(), (*value).to_owned()));
    }
    vars
}

/// Runs `cobrowse-proxy doctor args` with only `vars` (without their prefix) in its
/// environment; whatever it printed, no secret is in it.
async fn doctor(vars: Vec<(String, String)>, args: &[&str]) -> Run {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .envs(prefixed(vars))
        .arg("doctor")
        .args(args);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    for secret in SECRETS {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret was printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

/// The data action as `export-action --url <url>` makes it, as Genesys stores it: every
/// field of the SDK's `Action`, `ActionContract` (`ActionInput`, `ActionOutput`),
/// `ActionConfig`, `RequestConfig` and `ResponseConfig`, its schemas as `JsonSchemaDocument`s
/// (with the document `id` Genesys gives them).
fn action_as_stored(id: &str, name: &str, url: &str) -> Value {
    let mut options = ActionOptions::for_url(url);
    options.allow_http = true;
    let exported = export_action(&options).unwrap();
    let document = |schema: &Value, id: &str| {
        let mut schema = schema.clone();
        schema["id"] = json!(id);
        schema
    };
    let input = document(&exported["contract"]["input"]["inputSchema"], "input");
    let success = document(&exported["contract"]["output"]["successSchema"], "success");
    let error = json!({"id": "error", "$schema": "http://json-schema.org/draft-04/schema#", "title": "error", "description": "", "type": "object", "required": [], "properties": {}, "additionalProperties": true});
    let request = &exported["config"]["request"];
    let response = &exported["config"]["response"];
    json!({
        "id": id,
        "name": name,
        "integrationId": INTEGRATION_ID,
        "category": exported["category"],
        "contract": {
            "output": {
                "successSchema": success,
                "successSchemaUri": format!("/api/v2/integrations/actions/{id}/schemas/successSchema.json"),
                "errorSchema": error,
                "errorSchemaUri": format!("/api/v2/integrations/actions/{id}/schemas/errorSchema.json"),
                "successSchemaFlattened": {"schema": success, "arrayProperties": []},
                "errorSchemaFlattened": {"schema": error, "arrayProperties": []}
            },
            "input": {
                "inputSchema": input,
                "inputSchemaFlattened": input,
                "inputSchemaUri": format!("/api/v2/integrations/actions/{id}/schemas/inputSchema.json")
            }
        },
        "version": 3,
        "secure": exported["secure"],
        "config": {
            "timeoutSeconds": exported["config"]["timeoutSeconds"],
            "request": {
                "requestUrlTemplate": request["requestUrlTemplate"],
                "requestTemplate": request["requestTemplate"],
                "requestTemplateUri": format!("/api/v2/integrations/actions/{id}/templates/requesttemplate.vm"),
                "requestType": request["requestType"],
                "headers": request["headers"]
            },
            "response": {
                "translationMap": response["translationMap"],
                "translationMapDefaults": response["translationMapDefaults"],
                "successTemplate": response["successTemplate"],
                "successTemplateUri": format!("/api/v2/integrations/actions/{id}/templates/successtemplate.vm")
            }
        },
        "selfUri": format!("/api/v2/integrations/actions/{id}")
    })
}

/// `ActionEntityListing`: one page holding `entities`.
fn listing(entities: Vec<Value>) -> Value {
    let total = entities.len();
    json!({
        "entities": entities,
        "pageSize": 100,
        "pageNumber": 1,
        "total": total,
        "lastUri": "/api/v2/integrations/actions?pageSize=100&pageNumber=1",
        "firstUri": "/api/v2/integrations/actions?pageSize=100&pageNumber=1",
        "selfUri": "/api/v2/integrations/actions?pageSize=100&pageNumber=1",
        "nextUri": null,
        "previousUri": null,
        "pageCount": 1
    })
}

/// `TokenInfo` for a client-credentials token, every field of it and of `OrgOAuthClient`.
fn token_info() -> Value {
    let org = json!({"id": ORG_ID, "name": ORG_NAME});
    let admin = json!({"id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "name": "Org Admin", "selfUri": "/api/v2/users/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"});
    json!({
        "organization": org,
        "homeOrganization": org,
        "authorizedScope": ["conversations", "integrations"],
        "clonedUser": {"id": "", "organization": {"id": ORG_ID}},
        "dateTokenIdles": "2026-11-25T10:00:00.000Z",
        "OAuthClient": {
            "id": CLIENT_ID,
            "name": OAUTH_CLIENT_NAME,
            "dateCreated": "2026-01-12T09:30:00.000Z",
            "dateModified": "2026-11-02T14:00:00.000Z",
            "createdBy": admin,
            "modifiedBy": admin,
            "authorizedGrantType": "CLIENT-CREDENTIALS",
            "scope": [],
            "roleDivisions": [{"roleId": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a", "divisionId": "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b"}],
            "state": "active",
            "dateToDelete": null,
            "organization": org
        }
    })
}

/// A Genesys `ErrorBody`, with every field.
fn genesys_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("ININ-Correlation-Id", "corr-doctor-1")
        .set_body_json(json!({
            "message": message,
            "code": code,
            "status": status,
            "entityId": "",
            "entityName": "",
            "messageWithParams": message,
            "messageParams": {},
            "contextId": "corr-doctor-1",
            "details": [],
            "errors": [],
            "limit": null
        }))
}

fn missing_permissions(permissions: &str) -> ResponseTemplate {
    genesys_error(
        403,
        "missing.any.permissions",
        &format!(
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: [{permissions}]"
        ),
    )
}

/// A Genesys org where everything is set up right, and the service at `service` (whose URL
/// the action calls).
async fn healthy_org(service: &str) -> MockServer {
    let genesys = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply(ACCESS_TOKEN, 86_400))
        .mount(&genesys)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/tokens/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_info()))
        .mount(&genesys)
        .await;
    // Any conversation but a real one is unknown to Genesys; the real one would start a session.
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+/cobrowse$"))
        .respond_with(genesys_error(
            404,
            "not.found",
            "The requested conversation was not found.",
        ))
        .mount(&genesys)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/api/v2/conversations/{REAL_CONVERSATION}/cobrowse"
        )))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "session-started", "joinCode": "123456"})),
        )
        .with_priority(1)
        .mount(&genesys)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v2/conversations/[^/]+$"))
        .respond_with(genesys_error(
            404,
            "not.found",
            "The requested conversation was not found.",
        ))
        .mount(&genesys)
        .await;
    let action = action_as_stored(ACTION_ID, "Start cobrowse", service);
    let old = action_as_stored(OLD_ACTION_ID, "Start cobrowse (old)", service);
    mount_actions(&genesys, "Start cobrowse", vec![old, action.clone()]).await;
    mount_action(&genesys, action).await;
    genesys
}

/// `GET /api/v2/integrations/actions?name=<name>` answers `entities`.
async fn mount_actions(genesys: &MockServer, name: &str, entities: Vec<Value>) {
    Mock::given(method("GET"))
        .and(path("/api/v2/integrations/actions"))
        .and(query_param("name", name))
        .respond_with(ResponseTemplate::new(200).set_body_json(listing(entities)))
        .with_priority(2)
        .mount(genesys)
        .await;
}

/// `GET /api/v2/integrations/actions/{id}?expand=contract&includeConfig=true` answers `action`.
async fn mount_action(genesys: &MockServer, action: Value) {
    let id = action["id"].as_str().unwrap().to_owned();
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/integrations/actions/{id}")))
        .and(query_param("expand", "contract"))
        .and(query_param("includeConfig", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(action))
        .with_priority(2)
        .mount(genesys)
        .await;
}

/// `route` answers `template`, ahead of the healthy org's mocks.
async fn answer(
    genesys: &MockServer,
    route: impl wiremock::Match + 'static,
    template: ResponseTemplate,
) {
    Mock::given(route)
        .respond_with(template)
        .with_priority(1)
        .mount(genesys)
        .await;
}

/// The service, answering `GET /healthz` as cobrowse-proxy does.
async fn service() -> MockServer {
    let service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .mount(&service)
        .await;
    service
}

async fn received(genesys: &MockServer) -> Vec<Request> {
    genesys.received_requests().await.unwrap()
}

/// The conversation ids doctor sent cobrowse starts to.
async fn started_on(genesys: &MockServer) -> Vec<String> {
    received(genesys)
        .await
        .iter()
        .filter(|r| is_start(r))
        .map(|r| r.url.path().split('/').nth(4).unwrap().to_owned())
        .collect()
}

/// Doctor against a healthy org and a service that answers, with `--url` and `extra` args.
async fn healthy_run(overrides: &[(&str, &str)], extra: &[&str]) -> (Run, MockServer) {
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    let url = service.uri();
    let mut args = vec!["--url", &url, "--allow-http"];
    args.extend(extra);
    let run = doctor(vars(&genesys.uri(), overrides), &args).await;
    drop(service);
    (run, genesys)
}

#[tokio::test]
async fn a_healthy_set_up_passes_every_check_and_starts_nothing() {
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", &service.uri(), "--allow-http"],
    )
    .await;
    assert_eq!(run.verdicts(), ["ok"; 7], "{}", run.stdout);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    run.assert("org", "ok", &[ORG_NAME, ORG_ID, OAUTH_CLIENT_NAME]);
    run.assert(
        "start-permission",
        "ok",
        &["conversation:cobrowse:add", "Nothing was started"],
    );
    run.assert(
        "read-permission",
        "ok",
        &["conversation:communication:view"],
    );
    run.assert(
        "data-action",
        "ok",
        &[ACTION_ID, &format!("{}/v1/cobrowse/start", service.uri())],
    );
    run.assert(
        "service-url",
        "ok",
        &[&format!("{}/healthz", service.uri())],
    );

    // One start, on a conversation no one has: a fresh random id, which Genesys did not know.
    let requests = received(&genesys).await;
    let starts: Vec<&Request> = requests.iter().filter(|r| is_start(r)).collect();
    assert_eq!(starts.len(), 1, "exactly one cobrowse request");
    let probe = starts[0].url.path().split('/').nth(4).unwrap().to_owned();
    let probe_id = Uuid::parse_str(&probe).expect("the probe's id is a UUID");
    assert_eq!(probe_id.get_version_num(), 4, "a random (v4) id");
    assert_ne!(probe, REAL_CONVERSATION);
    // The body the service sends (COBROWSE_REQUEST_BODY), for an agent made up as well.
    let body: Value = serde_json::from_slice(&starts[0].body).unwrap();
    Uuid::parse_str(body["agentId"].as_str().unwrap()).expect("a made-up agent id");
    assert_eq!(body["cobrowseType"], "view");
    // The only other POST is the token request; the conversation read used the same id.
    for request in &requests {
        if request.method.as_str() == "POST" {
            assert!(
                is_start(request) || request.url.path() == "/oauth/token",
                "{}",
                request.url
            );
        }
    }
    assert!(
        requests.iter().any(|r| r.method.as_str() == "GET"
            && r.url.path() == format!("/api/v2/conversations/{probe}")),
        "the read permission is asked on the same made-up id"
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.url.path() == "/oauth/token")
            .count(),
        1,
        "one token for every check"
    );

    // Another run makes up another id, and sends no body when the service sends none.
    doctor(
        vars(&genesys.uri(), &[("REQUEST_BODY", "empty")]),
        &["--url", &service.uri(), "--allow-http"],
    )
    .await;
    let ids = started_on(&genesys).await;
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "each run makes up its own conversation id");
    let second = received(&genesys)
        .await
        .into_iter()
        .filter(is_start)
        .nth(1)
        .unwrap();
    assert!(
        second.body.is_empty(),
        "COBROWSE_REQUEST_BODY=empty sends no body"
    );
}

#[tokio::test]
async fn json_prints_the_same_checks_as_one_array() {
    let (text, _genesys) = healthy_run(&[("VERIFY_AGENT", "true")], &[]).await;
    let (json_run, _genesys) =
        healthy_run(&[("VERIFY_AGENT", "true")], &["--format", "json"]).await;
    assert_eq!(json_run.code, Some(0));
    let checks: Value = serde_json::from_str(&json_run.stdout).expect("one JSON document");
    let checks = checks.as_array().expect("an array");
    let names: Vec<&str> = checks
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(names, DOCTOR_CHECKS);
    for (check, verdict) in checks.iter().zip(text.verdicts()) {
        assert_eq!(check["status"], verdict.as_str());
        assert!(check["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(check["todo"], "", "nothing to do on a healthy set-up");
        assert!(check.get("org").is_none(), "one org: no org field");
    }
    assert!(checks[2]["detail"].as_str().unwrap().contains(ORG_NAME));
}

#[tokio::test]
async fn an_unusable_configuration_fails_naming_every_problem_and_asks_genesys_nothing() {
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    let mut vars = vars(&genesys.uri(), &[("UPSTREAM_TIMEOUT_MS", "0")]);
    vars.retain(|(name, _)| name != "GENESYS_CLIENT_SECRET");
    let run = doctor(vars, &["--url", &service.uri(), "--allow-http"]).await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "configuration",
        "FAIL",
        &[
            "COBROWSE_GENESYS_CLIENT_SECRET",
            "COBROWSE_UPSTREAM_TIMEOUT_MS",
            "What to do:",
        ],
    );
    for check in [
        "token",
        "org",
        "start-permission",
        "read-permission",
        "data-action",
    ] {
        run.assert(check, "skip", &["usable configuration", "What to do:"]);
    }
    run.assert("service-url", "ok", &[]);
    assert!(
        received(&genesys).await.is_empty(),
        "Genesys was asked nothing"
    );
}

#[tokio::test]
async fn a_refused_oauth_client_fails_naming_the_variables_the_grant_and_the_region() {
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    answer(
        &genesys,
        path("/oauth/token"),
        ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "description": "authentication failed",
            "error_description": "authentication failed"
        })),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "token",
        "FAIL",
        &[
            "invalid_client: authentication failed",
            "COBROWSE_GENESYS_CLIENT_ID",
            "COBROWSE_GENESYS_CLIENT_SECRET",
            "Client Credentials",
            &format!("region of {}", genesys.uri()),
            "COBROWSE_GENESYS_REGION",
        ],
    );
    for check in ["org", "start-permission", "read-permission", "data-action"] {
        run.assert(check, "skip", &["needs a token"]);
    }
    assert!(started_on(&genesys).await.is_empty());
}

#[tokio::test]
async fn a_login_service_out_of_reach_fails_the_token_check() {
    let nowhere = Unreachable::reserve();
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let run = doctor(
        vars(&genesys.uri(), &[("GENESYS_LOGIN_URL", &nowhere.url())]),
        &[],
    )
    .await;
    assert_eq!(run.code, Some(1));
    run.assert("token", "FAIL", &[&nowhere.url(), "no connection", "DNS"]);
    run.assert("org", "skip", &[]);
}

#[tokio::test]
async fn a_token_the_api_refuses_fails_the_org_check_and_skips_the_rest() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path("/api/v2/tokens/me"),
        genesys_error(401, "bad.credentials", "Invalid login credentials."),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(run.code, Some(1));
    run.assert("token", "ok", &[]);
    run.assert(
        "org",
        "FAIL",
        &[
            "401",
            "bad.credentials",
            "corr-doctor-1",
            "COBROWSE_GENESYS_API_URL",
            "COBROWSE_GENESYS_LOGIN_URL",
        ],
    );
    for check in ["start-permission", "read-permission", "data-action"] {
        run.assert(check, "skip", &["org"]);
    }
    assert!(started_on(&genesys).await.is_empty());
}

#[tokio::test]
async fn a_client_without_the_cobrowse_permission_fails_naming_what_genesys_named() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path_regex("/cobrowse$"),
        missing_permissions("conversation:cobrowse:add, conversation:cobrowseVoice:add"),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(run.code, Some(1));
    let line = run.assert(
        "start-permission",
        "FAIL",
        &[
            "403",
            "missing.any.permissions",
            "Admin > Roles / Permissions",
        ],
    );
    let todo = line.split("What to do:").nth(1).unwrap();
    assert!(
        todo.contains("conversation:cobrowse:add / conversation:cobrowseVoice:add"),
        "{todo}"
    );
    run.assert("read-permission", "ok", &[]);
    run.assert("data-action", "ok", &[]);
}

#[tokio::test]
async fn without_the_read_permission_verify_agent_fails_and_otherwise_a_note_says_who_needs_it() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path_regex(r"^/api/v2/conversations/[^/]+$"),
        missing_permissions("conversation:communication:view"),
    )
    .await;

    let verifying = doctor(vars(&genesys.uri(), &[("VERIFY_AGENT", "true")]), &[]).await;
    assert_eq!(verifying.code, Some(1));
    verifying.assert(
        "read-permission",
        "FAIL",
        &[
            "COBROWSE_VERIFY_AGENT is on",
            "conversation:communication:view",
            "COBROWSE_VERIFY_AGENT=false",
        ],
    );

    let passing_agents = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(passing_agents.code, Some(0), "{}", passing_agents.stdout);
    passing_agents.assert(
        "read-permission",
        "ok",
        &[
            "may not read conversations",
            "Note:",
            "agentId blank",
            "conversation:communication:view",
        ],
    );
}

#[tokio::test]
async fn an_action_never_imported_fails_saying_how_to_import_it() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let old = action_as_stored(
        OLD_ACTION_ID,
        "Start cobrowse (old)",
        "https://cobrowse.example.com",
    );
    answer(
        &genesys,
        path("/api/v2/integrations/actions"),
        ResponseTemplate::new(200).set_body_json(listing(vec![old])),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "data-action",
        "FAIL",
        &[
            "no published data action is named \"Start cobrowse\"",
            "\"Start cobrowse (old)\"",
            "cobrowse-proxy export-action --url",
            "Admin > Integrations > Actions > Import",
            "Publish",
            "--action-name",
        ],
    );
}

#[tokio::test]
async fn an_action_with_an_old_contract_fails_saying_to_reimport_and_republish() {
    let service = service().await;
    let genesys = healthy_org(&service.uri()).await;
    let mut stale = action_as_stored(ACTION_ID, "Start cobrowse", &service.uri());
    let success = &mut stale["contract"]["output"]["successSchema"];
    success["properties"]
        .as_object_mut()
        .unwrap()
        .remove("mediaType");
    success["required"] = json!(["success", "errorCode"]);
    answer(
        &genesys,
        path(format!("/api/v2/integrations/actions/{ACTION_ID}")),
        ResponseTemplate::new(200).set_body_json(stale),
    )
    .await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", &service.uri(), "--allow-http"],
    )
    .await;
    assert_eq!(run.code, Some(1));
    let line = run.assert(
        "data-action",
        "FAIL",
        &[
            ACTION_ID,
            "success contract",
            "schemas/start-cobrowse.output.json",
            "lacks mediaType",
            "required",
            "export-action",
            "republish every flow",
        ],
    );
    assert!(!line.contains("input contract"), "{line}");
    assert!(!line.contains("request URL"), "{line}");
}

#[tokio::test]
async fn an_action_calling_another_url_fails_naming_both() {
    let service = service().await;
    let genesys = healthy_org("https://old-host.example.com").await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", &service.uri(), "--allow-http"],
    )
    .await;
    assert_eq!(run.code, Some(1));
    run.assert(
        "data-action",
        "FAIL",
        &[
            "https://old-host.example.com/v1/cobrowse/start",
            &format!("{}/v1/cobrowse/start", service.uri()),
        ],
    );
    run.assert("service-url", "ok", &[]);
}

#[tokio::test]
async fn without_the_right_to_read_actions_the_action_is_skipped_naming_the_permission() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path("/api/v2/integrations/actions"),
        missing_permissions("integrations:action:view"),
    )
    .await;
    let run = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(run.code, Some(0), "a skip fails nothing:\n{}", run.stdout);
    run.assert(
        "data-action",
        "skip",
        &[
            "403",
            "integrations:action:view",
            "What to do:",
            "export-action",
        ],
    );
}

#[tokio::test]
async fn another_action_name_is_looked_up_by_that_name() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let renamed = action_as_stored(
        RENAMED_ACTION_ID,
        "Cobrowse now",
        "https://cobrowse.example.com",
    );
    mount_actions(&genesys, "Cobrowse now", vec![renamed.clone()]).await;
    mount_action(&genesys, renamed).await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--action-name", "Cobrowse now"],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.assert(
        "data-action",
        "ok",
        &[
            "\"Cobrowse now\"",
            RENAMED_ACTION_ID,
            "request URL was not compared",
        ],
    );
}

#[tokio::test]
async fn the_service_url_is_skipped_without_url_and_fails_when_it_does_not_answer() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let without = doctor(vars(&genesys.uri(), &[]), &[]).await;
    assert_eq!(without.code, Some(0));
    without.assert("service-url", "skip", &["--url"]);

    let nowhere = Unreachable::reserve();
    let unreachable = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", &nowhere.url(), "--allow-http"],
    )
    .await;
    assert_eq!(unreachable.code, Some(1));
    unreachable.assert(
        "service-url",
        "FAIL",
        &[&format!("{}/healthz", nowhere.url()), "TLS certificate"],
    );

    let failing = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&failing)
        .await;
    let bad_gateway = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", &failing.uri(), "--allow-http"],
    )
    .await;
    bad_gateway.assert("service-url", "FAIL", &["answered 502", "routes"]);
}

#[tokio::test]
async fn a_plain_http_url_is_refused_before_anything_is_checked() {
    let genesys = healthy_org("https://cobrowse.example.com").await;
    let run = doctor(
        vars(&genesys.uri(), &[]),
        &["--url", "http://cobrowse.example.com"],
    )
    .await;
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("HTTPS only"), "{}", run.stderr);
    assert!(received(&genesys).await.is_empty());
}

#[tokio::test]
async fn neither_format_prints_a_secret_whatever_fails() {
    // `doctor()` asserts it of every run; here every Genesys check that can fail does.
    let genesys = healthy_org("https://cobrowse.example.com").await;
    answer(
        &genesys,
        path_regex("/cobrowse$"),
        missing_permissions("conversation:cobrowse:add, conversation:cobrowseVoice:add"),
    )
    .await;
    answer(
        &genesys,
        path_regex(r"^/api/v2/conversations/[^/]+$"),
        missing_permissions("conversation:communication:view"),
    )
    .await;
    answer(
        &genesys,
        path("/api/v2/integrations/actions"),
        genesys_error(400, "bad.request", "Malformed request"),
    )
    .await;
    let overrides = [("VERIFY_AGENT", "true")];
    let text = doctor(vars(&genesys.uri(), &overrides), &[]).await;
    assert_eq!(text.code, Some(1));
    let json_run = doctor(vars(&genesys.uri(), &overrides), &["--format", "json"]).await;
    assert_eq!(json_run.code, Some(1));
    let checks: Value = serde_json::from_str(&json_run.stdout).unwrap();
    let failed: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "FAIL")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        ["start-permission", "read-permission", "data-action"]
    );
    text.assert("data-action", "FAIL", &["bad.request: Malformed request"]);
}
