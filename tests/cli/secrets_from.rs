//! `<NAME>_FROM`: the binary reads a secret setting from Secrets Manager or Parameter Store at
//! start-up, as it runs in Lambda: signed with the `AWS_*` credentials Lambda sets, against a
//! Secrets Manager and a Parameter Store that wiremock plays over real HTTP (named by
//! `AWS_ENDPOINT_URL`, as the AWS SDKs take it). What it read reaches Genesys and is never
//! shown; what keeps it from reading stops start-up with exit 2 and a problem that names the
//! setting.

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use cobrowse_proxy::aws::sigv4::{self, Credentials, Scope};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::{Unreachable, start_requests};
use crate::harness::{
    CLIENT_SECRET, PASSWORD, borrowed, command, genesys, output_within, spawn, start_session, vars,
};

const ACCESS_KEY_ID: &str = "ASIAEXAMPLE";
const SECRET_ACCESS_KEY: &str = "aws-secret-access-key-SHOULD-NOT-LEAK";
const SESSION_TOKEN: &str = "aws-session-token-SHOULD-NOT-LEAK";

/// The binary with the service's `vars` (without their prefix), but `without` them, and AWS's
/// variables as Lambda sets them, its endpoints at `aws`.
fn command_with_aws(vars: &[(&'static str, String)], without: &[&str], aws: &str) -> Command {
    let mut vars = vars.to_vec();
    vars.retain(|(name, _)| !without.contains(name));
    let mut command = command(&borrowed(&vars));
    command.envs([
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ENDPOINT_URL", aws),
    ]);
    command
}

/// Whether `request` is signed as AWS checks it: the credential scope of today, the service and
/// the region, every header that matters signed, and the signature the same headers and body
/// give (the signer is the service's, whose output `sigv4`'s own test holds to AWS's example:
/// this checks that nothing signed changed on the way, the `Host` above all).
fn signed_for(request: &Request, service: &str) -> bool {
    let text = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let amz_date = text("x-amz-date");
    let today = sigv4::amz_date(std::time::SystemTime::now());
    if amz_date.get(..8) != today.get(..8) || text("x-amz-security-token") != SESSION_TOKEN {
        return false;
    }
    let credentials = Credentials {
        access_key_id: ACCESS_KEY_ID.into(),
        secret_access_key: SECRET_ACCESS_KEY.into(),
        session_token: Some(SESSION_TOKEN.into()),
    };
    let scope = Scope {
        region: "eu-west-1",
        service,
        amz_date: &amz_date,
    };
    let (content_type, target) = (text("content-type"), text("x-amz-target"));
    let headers = [
        ("content-type", content_type.as_str()),
        ("x-amz-target", target.as_str()),
    ];
    let expected = sigv4::sign_post(
        &credentials,
        &scope,
        &text("host"),
        request.url.path(),
        &headers,
        &request.body,
    );
    let authorization = &expected
        .iter()
        .find(|(n, _)| *n == "authorization")
        .unwrap()
        .1;
    content_type == "application/x-amz-json-1.1"
        && authorization.contains(
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,",
        )
        && text("authorization") == *authorization
}

/// Secrets Manager answering `secret`'s `SecretString` with `value`, once.
async fn secrets_manager(aws: &MockServer, secret: &str, value: &str) {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .and(body_json(json!({ "SecretId": secret })))
        .and(|request: &Request| signed_for(request, "secretsmanager"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ARN": format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{secret}-AbCdEf"),
            "Name": secret,
            "SecretString": value,
            "VersionStages": ["AWSCURRENT"],
        })))
        .expect(1)
        .mount(aws)
        .await;
}

/// The client credentials the service presented to Genesys's login service.
async fn basic_credentials_sent(genesys: &MockServer) -> String {
    let requests = genesys.received_requests().await.unwrap();
    let token = requests
        .iter()
        .find(|r| r.url.path() == "/oauth/token")
        .expect("a token was asked for");
    let basic = token.headers["authorization"].to_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim_start_matches("Basic "))
        .unwrap();
    String::from_utf8(decoded).unwrap()
}

/// Starts a session through a service started by `command`; what Genesys was sent, and the
/// service's stdout and stderr once stopped.
async fn started_through(command: Command, genesys: &MockServer) -> (String, String) {
    let running = spawn(command);
    let reply: Value = start_session(&running.start_url()).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(start_requests(genesys).await.len(), 1);
    let (status, stderr, lines) = running.stop("TERM");
    assert_eq!(status.code(), Some(0));
    (lines.join("\n"), stderr)
}

fn assert_nothing_secret_in(output: &str) {
    for secret in [
        CLIENT_SECRET,
        PASSWORD,
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
        "SHOULD-NOT-LEAK",
    ] {
        assert!(!output.contains(secret), "{secret} in:\n{output}");
    }
}

#[tokio::test]
async fn the_client_secret_read_from_secrets_manager_is_the_one_genesys_gets_and_never_shown() {
    let aws = MockServer::start().await;
    secrets_manager(&aws, "prod/cobrowse", CLIENT_SECRET).await;
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push((
        "GENESYS_CLIENT_SECRET_FROM",
        "secretsmanager:prod/cobrowse".into(),
    ));
    let command = command_with_aws(&vars, &["GENESYS_CLIENT_SECRET"], &aws.uri());
    let (stdout, stderr) = started_through(command, &genesys).await;
    assert_eq!(
        basic_credentials_sent(&genesys).await,
        format!("client:{CLIENT_SECRET}")
    );
    assert_nothing_secret_in(&stdout);
    assert_nothing_secret_in(&stderr);
}

#[tokio::test]
async fn the_client_secret_read_from_parameter_store_is_the_one_genesys_gets() {
    let aws = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "AmazonSSM.GetParameter"))
        .and(body_json(
            json!({"Name": "/cobrowse/client-secret", "WithDecryption": true}),
        ))
        .and(|request: &Request| signed_for(request, "ssm"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"Parameter": {
                "Name": "/cobrowse/client-secret",
                "Type": "SecureString",
                "Value": CLIENT_SECRET,
                "Version": 3,
            }})),
        )
        .expect(1)
        .mount(&aws)
        .await;
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push((
        "GENESYS_CLIENT_SECRET_FROM",
        "ssm:/cobrowse/client-secret".into(),
    ));
    let command = command_with_aws(&vars, &["GENESYS_CLIENT_SECRET"], &aws.uri());
    let (stdout, stderr) = started_through(command, &genesys).await;
    assert_eq!(
        basic_credentials_sent(&genesys).await,
        format!("client:{CLIENT_SECRET}")
    );
    assert_nothing_secret_in(&stdout);
    assert_nothing_secret_in(&stderr);
}

#[tokio::test]
async fn keys_of_one_json_secret_give_the_client_secret_and_the_inbound_password() {
    let aws = MockServer::start().await;
    let value = json!({"client_secret": CLIENT_SECRET, "password": PASSWORD});
    secrets_manager(&aws, "prod/cobrowse", &value.to_string()).await;
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.extend([
        (
            "GENESYS_CLIENT_SECRET_FROM",
            "secretsmanager:prod/cobrowse#client_secret".to_owned(),
        ),
        (
            "AUTH_PASSWORD_FROM",
            "secretsmanager:prod/cobrowse#password".into(),
        ),
    ]);
    let without = ["GENESYS_CLIENT_SECRET", "AUTH_PASSWORD"];
    let command = command_with_aws(&vars, &without, &aws.uri());
    // The start is posted with PASSWORD: the password read is the one the service accepts.
    let (stdout, stderr) = started_through(command, &genesys).await;
    assert_eq!(
        basic_credentials_sent(&genesys).await,
        format!("client:{CLIENT_SECRET}")
    );
    assert_nothing_secret_in(&stdout);
    assert_nothing_secret_in(&stderr);
}

/// Runs the binary, which must refuse to start; its stderr, and how long it took.
fn refused(command: Command) -> (String, Duration) {
    let started = Instant::now();
    let output = output_within(command, Duration::from_secs(20));
    let took = started.elapsed();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing ran");
    assert_nothing_secret_in(&stderr);
    (stderr, took)
}

#[tokio::test]
async fn a_setting_and_its_from_both_set_is_refused_before_anything_is_read() {
    let aws = MockServer::start().await;
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push((
        "GENESYS_CLIENT_SECRET_FROM",
        "secretsmanager:prod/cobrowse".into(),
    ));
    let (stderr, _) = refused(command_with_aws(&vars, &[], &aws.uri()));
    assert!(
        stderr.contains("COBROWSE_GENESYS_CLIENT_SECRET and COBROWSE_GENESYS_CLIENT_SECRET_FROM are both set: keep one"),
        "{stderr}"
    );
    assert!(aws.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_refusal_names_the_setting_and_what_to_do_and_is_not_retried() {
    let cases = [
        (
            ResponseTemplate::new(400).set_body_json(json!({
                "__type": "AccessDeniedException",
                "Message": "User: arn:aws:sts::123456789012:assumed-role/cobrowse/f is not authorized to perform: secretsmanager:GetSecretValue",
            })),
            "COBROWSE_GENESYS_CLIENT_SECRET_FROM=secretsmanager:prod/cobrowse: Secrets Manager refused it (AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/cobrowse/f is not authorized to perform: secretsmanager:GetSecretValue): give the function's execution role secretsmanager:GetSecretValue on prod/cobrowse",
        ),
        (
            ResponseTemplate::new(400).set_body_json(json!({
                "__type": "ResourceNotFoundException",
                "Message": "Secrets Manager can't find the specified secret.",
            })),
            "COBROWSE_GENESYS_CLIENT_SECRET_FROM=secretsmanager:prod/cobrowse: Secrets Manager refused it (ResourceNotFoundException: Secrets Manager can't find the specified secret.): check the name or ARN, and that it is kept in eu-west-1, where it was looked for",
        ),
        (
            ResponseTemplate::new(403).set_body_string("Forbidden"),
            "COBROWSE_GENESYS_CLIENT_SECRET_FROM=secretsmanager:prod/cobrowse: Secrets Manager refused it (HTTP 403): check the secret and the execution role's secretsmanager:GetSecretValue",
        ),
        (
            ResponseTemplate::new(404),
            "COBROWSE_GENESYS_CLIENT_SECRET_FROM=secretsmanager:prod/cobrowse: Secrets Manager refused it (HTTP 404)",
        ),
    ];
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push((
        "GENESYS_CLIENT_SECRET_FROM",
        "secretsmanager:prod/cobrowse".into(),
    ));
    for (answer, problem) in cases {
        let aws = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(answer)
            .expect(1)
            .mount(&aws)
            .await;
        let command = command_with_aws(&vars, &["GENESYS_CLIENT_SECRET"], &aws.uri());
        let (stderr, _) = refused(command);
        assert!(stderr.contains(problem), "{problem}\nnot in:\n{stderr}");
        // Its one problem: the setting is not reported missing as well.
        assert!(
            !stderr.contains("COBROWSE_GENESYS_CLIENT_SECRET is missing"),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn a_value_read_is_checked_as_the_settings_own_and_never_shown() {
    let aws = MockServer::start().await;
    let padded = format!("{CLIENT_SECRET}\n");
    secrets_manager(&aws, "prod/cobrowse", &padded).await;
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push((
        "GENESYS_CLIENT_SECRET_FROM",
        "secretsmanager:prod/cobrowse".into(),
    ));
    let command = command_with_aws(&vars, &["GENESYS_CLIENT_SECRET"], &aws.uri());
    let (stderr, _) = refused(command);
    assert!(
        stderr.contains("COBROWSE_GENESYS_CLIENT_SECRET has a trailing newline or spaces")
            && stderr.contains("storing it again in secretsmanager:prod/cobrowse without them"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_aws_that_cannot_be_reached_is_asked_again_for_two_seconds_then_named() {
    let nothing = Unreachable::reserve();
    let genesys = genesys(Duration::ZERO).await;
    let mut vars = vars(&genesys);
    vars.push(("AUTH_PASSWORD_FROM", "ssm:/cobrowse/password".into()));
    let command = command_with_aws(&vars, &["AUTH_PASSWORD"], &nothing.url());
    let (stderr, took) = refused(command);
    let problem = format!(
        "COBROWSE_AUTH_PASSWORD_FROM=ssm:/cobrowse/password: no answer from {}/ within 2 s, retrying (Connection refused",
        nothing.url()
    );
    assert!(stderr.contains(&problem), "{problem}\nnot in:\n{stderr}");
    assert!(
        stderr.contains(
            "a function in a VPC needs a VPC endpoint for Parameter Store or a NAT gateway"
        ),
        "{stderr}"
    );
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

#[test]
fn without_aws_credentials_start_up_says_to_run_in_lambda() {
    let mut vars = crate::harness::vars_at("http://127.0.0.1:9");
    vars.retain(|(name, _)| *name != "GENESYS_CLIENT_SECRET");
    vars.push((
        "GENESYS_CLIENT_SECRET_FROM",
        "secretsmanager:prod/cobrowse".into(),
    ));
    let (stderr, _) = refused(command(&borrowed(&vars)));
    assert!(
        stderr.contains("COBROWSE_GENESYS_CLIENT_SECRET_FROM is read from AWS with the credentials Lambda gives the function, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: run the service in Lambda"),
        "{stderr}"
    );
}
