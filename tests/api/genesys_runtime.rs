//! The exported data action run the way Genesys runs it: render the request template for a
//! flow's inputs, call the real service with the integration's credential (Basic Auth, or
//! the User Defined fields the action's headers write), apply the response template, and
//! check the result against the action's own success contract.
//!
//! This is the loop a unit test cannot close: that the templates, headers and URL the admin
//! imports, and the schema Genesys checks replies against, fit the service as it is.

use std::path::Path;
use std::time::Duration;

use cobrowse_proxy::export::{ActionOptions, BEARER_TOKEN_FIELD, Credential, export_action};
use serde_json::Value;

use crate::helpers::*;

/// The exit a Call Data Action step takes, as Genesys decides it.
enum Exit {
    /// 2xx, JSON, and the transformed result fits the success contract: the flow's outputs.
    Success(Value),
    /// Anything else; the flow learns nothing of the service's body.
    Failure(String),
    /// No answer within the action's `timeoutSeconds`.
    Timeout,
}

/// The integration's credential, as Genesys holds it.
enum IntegrationCredential<'a> {
    /// Basic Auth: Genesys sends `Authorization: Basic ...` with every request by itself.
    Basic(&'a str, &'a str),
    /// User Defined: named fields that reach the service only where the action's request
    /// writes `${credentials.<field>}`; Genesys sends nothing by itself.
    UserDefined(&'a [(&'a str, &'a str)]),
}

use IntegrationCredential::{Basic, UserDefined};

struct GenesysRuntime {
    action: Value,
    http: reqwest::Client,
}

impl GenesysRuntime {
    /// The action exported for `app`, as an admin would import it.
    fn for_app(app: &TestApp) -> Self {
        Self::for_app_with(app, Credential::Basic)
    }

    /// The action exported for `app` with `export-action --credential <credential>`.
    fn for_app_with(app: &TestApp, credential: Credential) -> Self {
        let mut options = ActionOptions::for_url(&app.address);
        options.allow_http = true;
        options.credential = credential;
        let action = export_action(&options).unwrap();
        let timeout = Duration::from_secs(action["config"]["timeoutSeconds"].as_u64().unwrap());
        let http = reqwest::Client::builder().timeout(timeout).build().unwrap();
        GenesysRuntime { action, http }
    }

    /// Executes the action for `raw_request`, the flow inputs as one JSON object.
    async fn execute(&self, raw_request: &str, credential: &IntegrationCredential<'_>) -> Exit {
        let request = &self.action["config"]["request"];
        let body = render(
            request["requestTemplate"].as_str().unwrap(),
            "${input.rawRequest}",
            raw_request,
        );
        let method: reqwest::Method = request["requestType"].as_str().unwrap().parse().unwrap();
        let mut call = self
            .http
            .request(method, request["requestUrlTemplate"].as_str().unwrap())
            .body(body);
        if let Basic(username, password) = credential {
            call = call.basic_auth(username, Some(password));
        }
        for (name, value) in request["headers"].as_object().unwrap() {
            call = call.header(
                name,
                render_credentials(value.as_str().unwrap(), credential),
            );
        }
        let reply = match call.send().await {
            Ok(reply) => reply,
            Err(err) if err.is_timeout() => return Exit::Timeout,
            Err(err) => return Exit::Failure(err.to_string()),
        };
        let status = reply.status();
        let is_json = reply
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let raw_result = reply.text().await.unwrap();
        if !status.is_success() || !is_json {
            return Exit::Failure(format!("{status}: {raw_result}"));
        }

        let response = &self.action["config"]["response"];
        assert_eq!(
            response["translationMap"],
            serde_json::json!({}),
            "this runtime does not apply JSONPath translations"
        );
        let result = render(
            response["successTemplate"].as_str().unwrap(),
            "${rawResult}",
            &raw_result,
        );
        let result: Value = match serde_json::from_str(&result) {
            Ok(result) => result,
            Err(err) => return Exit::Failure(format!("the result is not JSON: {err}")),
        };
        let schema = &self.action["contract"]["output"]["successSchema"];
        let validator = jsonschema::draft4::new(schema).unwrap();
        let problems: Vec<String> = validator
            .iter_errors(&result)
            .map(|e| e.to_string())
            .collect();
        if problems.is_empty() {
            Exit::Success(result)
        } else {
            Exit::Failure(format!(
                "the result does not fit the contract: {problems:?}"
            ))
        }
    }
}

/// Velocity, as far as the exported action uses it: one reference, replaced by its value.
/// Anything more in the template means this runtime no longer renders it faithfully.
fn render(template: &str, reference: &str, value: &str) -> String {
    let rest = template.replacen(reference, "", 1);
    assert!(
        !rest.contains('$') && !rest.contains('#'),
        "the template {template:?} uses more Velocity than {reference}"
    );
    template.replacen(reference, value, 1)
}

/// A header value as Genesys renders it: each `${credentials.<field>}` is the credential's
/// field. A reference to a field the credential does not have stays as it is written, as
/// Velocity leaves an undefined reference; anything else Velocity would do is not modelled.
fn render_credentials(template: &str, credential: &IntegrationCredential<'_>) -> String {
    const OPEN: &str = "${credentials.";
    let mut rendered = String::new();
    let mut rest = template;
    while let Some(start) = rest.find(OPEN) {
        let (before, reference) = rest.split_at(start);
        assert!(
            !before.contains('$') && !before.contains('#'),
            "the header {template:?} uses more Velocity than ${{credentials.<field>}}"
        );
        rendered.push_str(before);
        let end = reference.find('}').expect("a closed reference");
        let field = &reference[OPEN.len()..end];
        let value = match credential {
            UserDefined(fields) => fields.iter().find(|(name, _)| *name == field),
            Basic(..) => None,
        };
        match value {
            Some((_, value)) => rendered.push_str(value),
            None => rendered.push_str(&reference[..=end]),
        }
        rest = &reference[end + 1..];
    }
    assert!(
        !rest.contains('$') && !rest.contains('#'),
        "the header {template:?} uses more Velocity than ${{credentials.<field>}}"
    );
    rendered.push_str(rest);
    rendered
}

fn flow_payloads() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut payloads: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "json")
                && path.file_name().is_some_and(|n| n != "expectations.json")
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    payloads.sort();
    assert!(payloads.len() >= 6, "the sample flow payloads are missing");
    payloads
}

#[tokio::test]
async fn every_sample_flow_payload_reaches_the_flow_on_the_success_path() {
    let app = spawn_app().await;
    app.mount_cobrowse(session_reply()).await;
    let runtime = GenesysRuntime::for_app(&app);
    let expectations: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/expectations.json"),
        )
        .unwrap(),
    )
    .unwrap();

    for (name, payload) in flow_payloads() {
        match runtime.execute(&payload, &Basic(USERNAME, PASSWORD)).await {
            // Even a refused input is a Success-path result: the flow can read why.
            Exit::Success(outputs) => {
                assert_eq!(
                    outputs["success"], expectations[&name]["reply"]["success"],
                    "{name}: {outputs}"
                );
                if outputs["success"] == false {
                    assert_ne!(outputs["errorCode"], "", "{name}: no errorCode");
                }
            }
            Exit::Failure(why) => panic!("{name} took the Failure path: {why}"),
            Exit::Timeout => panic!("{name} took the Timeout path"),
        }
    }
}

#[tokio::test]
async fn a_slow_genesys_still_reaches_the_flow_before_the_action_times_out() {
    let app = spawn_app().await;
    app.mount_cobrowse(session_reply().set_delay(Duration::from_secs(30)))
        .await;
    let runtime = GenesysRuntime::for_app(&app);
    match runtime
        .execute(&valid_input().to_string(), &Basic(USERNAME, PASSWORD))
        .await
    {
        Exit::Success(outputs) => assert_eq!(outputs["errorCode"], "UPSTREAM_TIMEOUT"),
        Exit::Failure(why) => panic!("took the Failure path: {why}"),
        Exit::Timeout => panic!("took the Timeout path: the flow never learns why"),
    }
}

#[tokio::test]
async fn a_wrong_integration_credential_takes_the_failure_path() {
    // The one failure a flow cannot be told about: the credential Genesys sends is wrong.
    let app = spawn_app().await;
    let runtime = GenesysRuntime::for_app(&app);
    match runtime
        .execute(
            &valid_input().to_string(),
            &Basic(USERNAME, "not-the-password"),
        )
        .await
    {
        Exit::Failure(why) => assert!(why.contains("401"), "{why}"),
        Exit::Success(outputs) => panic!("a wrong credential reached the flow: {outputs}"),
        Exit::Timeout => panic!("took the Timeout path"),
    }
}

/// The service as an admin runs it for a User Defined credential: a bearer token and no
/// Basic credential at all.
const BEARER_TOKEN: &str = "bearer-t0ken-from-the-user-defined-credential";

async fn spawn_bearer_only_app() -> TestApp {
    // An empty value counts as unset.
    let app = spawn_app_with(&[
        ("AUTH_USERNAME", ""),
        ("AUTH_PASSWORD", ""),
        ("AUTH_BEARER_TOKEN", BEARER_TOKEN),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    app
}

#[tokio::test]
async fn a_bearer_action_sends_the_user_defined_token_and_the_session_starts() {
    let app = spawn_bearer_only_app().await;
    let runtime = GenesysRuntime::for_app_with(&app, Credential::Bearer);
    let credential = UserDefined(&[(BEARER_TOKEN_FIELD, BEARER_TOKEN)]);
    match runtime
        .execute(&valid_input().to_string(), &credential)
        .await
    {
        Exit::Success(outputs) => {
            assert_eq!(outputs["success"], true, "{outputs}");
            assert_eq!(outputs["joinCode"], session_body()["joinCode"]);
        }
        Exit::Failure(why) => panic!("took the Failure path: {why}"),
        Exit::Timeout => panic!("took the Timeout path"),
    }
    assert_eq!(app.requests_to("cobrowse").await, 1);
}

#[tokio::test]
async fn a_user_defined_credential_without_the_bearer_header_never_reaches_the_service() {
    // What the README once promised: a User Defined credential on the Basic export. Genesys
    // sends its fields only where the action writes them, so no credential arrives.
    let app = spawn_bearer_only_app().await;
    let runtime = GenesysRuntime::for_app(&app);
    let credential = UserDefined(&[(BEARER_TOKEN_FIELD, BEARER_TOKEN)]);
    match runtime
        .execute(&valid_input().to_string(), &credential)
        .await
    {
        Exit::Failure(why) => assert!(why.contains("401"), "{why}"),
        Exit::Success(outputs) => panic!("reached the flow without a credential: {outputs}"),
        Exit::Timeout => panic!("took the Timeout path"),
    }
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[tokio::test]
async fn a_wrong_or_missing_token_field_takes_the_failure_path() {
    let app = spawn_bearer_only_app().await;
    let runtime = GenesysRuntime::for_app_with(&app, Credential::Bearer);
    for fields in [
        &[(BEARER_TOKEN_FIELD, "not-the-token")][..],
        // A field named otherwise: `${credentials.token}` is sent as written.
        &[("apiKey", BEARER_TOKEN)][..],
    ] {
        match runtime
            .execute(&valid_input().to_string(), &UserDefined(fields))
            .await
        {
            Exit::Failure(why) => assert!(why.contains("401"), "{fields:?}: {why}"),
            Exit::Success(outputs) => panic!("{fields:?} reached the flow: {outputs}"),
            Exit::Timeout => panic!("took the Timeout path"),
        }
    }
    assert_eq!(app.requests_to("cobrowse").await, 0);
}

#[test]
fn the_lambda_action_invokes_with_the_body_the_web_services_action_posts() {
    // Genesys's AWS Lambda integration invokes the function with the rendered request
    // template as the event and maps the function's return value through the success
    // template, against the same contract: the service answers that event as it answers
    // POST /v1/cobrowse/start, so it must be that POST's body, for every flow payload.
    let web = export_action(&ActionOptions::for_url("https://cobrowse.example.com")).unwrap();
    let lambda = export_action(&ActionOptions::for_function_arn(
        "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy",
    ))
    .unwrap();
    let body = |action: &Value, payload: &str| {
        render(
            action["config"]["request"]["requestTemplate"]
                .as_str()
                .unwrap(),
            "${input.rawRequest}",
            payload,
        )
    };
    for (name, payload) in flow_payloads() {
        assert_eq!(body(&lambda, &payload), body(&web, &payload), "{name}");
    }
    assert_eq!(lambda["config"]["response"], web["config"]["response"]);
    assert_eq!(lambda["contract"], web["contract"]);
}
