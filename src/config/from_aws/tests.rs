//! `_FROM` read through `Deployment::from_vars`, as the service reads it, against a Secrets
//! Manager and a Parameter Store that wiremock plays over real HTTP.

use secrecy::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{body_json, header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::config::{ConfigError, Deployment, PREFIX};

/// The one org's settings but its client secret, `more` (without the prefix), and AWS's
/// variables as Lambda sets them, its endpoints at `aws`.
fn vars(more: &[(&str, &str)], aws: Option<&MockServer>) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = [
        ("GENESYS_REGION", "eu-west-1"),
        ("GENESYS_CLIENT_ID", "client"),
        ("AUTH_USERNAME", "genesys"),
        ("AUTH_PASSWORD", "hunter2"),
    ]
    .iter()
    .chain(more)
    .map(|(name, value)| (format!("{PREFIX}{name}"), (*value).to_owned()))
    .collect();
    if let Some(aws) = aws {
        vars.extend(
            [
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                ("AWS_SECRET_ACCESS_KEY", "aws-secret-key-SHOULD-NOT-LEAK"),
                ("AWS_SESSION_TOKEN", "aws-session-token-SHOULD-NOT-LEAK"),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_ENDPOINT_URL", &aws.uri()),
            ]
            .map(|(name, value)| (name.to_owned(), value.to_owned())),
        );
    }
    vars
}

fn problems(result: Result<Deployment, ConfigError>) -> Vec<String> {
    result.expect_err("refused").problems
}

/// Secrets Manager answering `secret` with `value` as its `SecretString`, `times` times.
async fn secret(aws: &MockServer, secret: &str, value: &str, times: u64) {
    Mock::given(method("POST"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .and(body_json(json!({ "SecretId": secret })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ARN": format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{secret}-AbCdEf"),
            "Name": secret,
            "SecretString": value,
        })))
        .expect(times)
        .mount(aws)
        .await;
}

#[tokio::test]
async fn a_value_read_takes_the_settings_place() {
    let aws = MockServer::start().await;
    secret(&aws, "prod/cobrowse", "client-s3cret", 1).await;
    let from = [("GENESYS_CLIENT_SECRET_FROM", "secretsmanager:prod/cobrowse")];
    let deployment = Deployment::from_vars(vars(&from, Some(&aws))).unwrap();
    let genesys = &deployment.orgs[0].genesys;
    assert_eq!(genesys.client_secret.expose_secret(), "client-s3cret");
}

#[tokio::test]
async fn keys_of_one_json_secret_are_read_with_one_request() {
    let aws = MockServer::start().await;
    let value = json!({"client_secret": "client-s3cret", "password": "inbound-s3cret"});
    secret(&aws, "prod/cobrowse", &value.to_string(), 1).await;
    let mut vars = vars(
        &[
            (
                "GENESYS_CLIENT_SECRET_FROM",
                "secretsmanager:prod/cobrowse#client_secret",
            ),
            (
                "AUTH_BEARER_TOKEN_FROM",
                "secretsmanager:prod/cobrowse#password",
            ),
        ],
        Some(&aws),
    );
    vars.retain(|(name, _)| name != "COBROWSE_AUTH_PASSWORD" && name != "COBROWSE_AUTH_USERNAME");
    let deployment = Deployment::from_vars(vars).unwrap();
    let genesys = &deployment.orgs[0].genesys;
    assert_eq!(genesys.client_secret.expose_secret(), "client-s3cret");
    let auth = format!("{:?}", deployment.orgs[0].inbound_auth);
    assert!(!auth.contains("inbound-s3cret"), "{auth}");
}

#[tokio::test]
async fn a_key_the_secret_lacks_or_a_value_that_is_no_object_is_named_never_shown() {
    let aws = MockServer::start().await;
    secret(
        &aws,
        "json",
        &json!({"password": "p4ss", "n": 4}).to_string(),
        1,
    )
    .await;
    secret(&aws, "plain", "plain-s3cret", 1).await;
    let from = [
        (
            "GENESYS_CLIENT_SECRET_FROM",
            "secretsmanager:json#client_secret",
        ),
        ("AUTH_BEARER_TOKEN_FROM", "secretsmanager:json#n"),
        ("REDIS_URL_FROM", "secretsmanager:plain#url"),
    ];
    let problems = problems(Deployment::from_vars(vars(&from, Some(&aws))));
    assert_eq!(
        problems[..3],
        [
            "COBROWSE_GENESYS_CLIENT_SECRET_FROM=secretsmanager:json#client_secret: it has no key `client_secret` (its keys: n, password): name one of them after the #",
            "COBROWSE_AUTH_BEARER_TOKEN_FROM=secretsmanager:json#n: its key `n` is not text (a JSON string): store it as one",
            "COBROWSE_REDIS_URL_FROM=secretsmanager:plain#url: its value is not a JSON object, so #key picks nothing: drop the #key to use the whole value, or store a JSON object",
        ]
    );
    let all = problems.join("\n");
    assert!(
        !all.contains("p4ss") && !all.contains("plain-s3cret"),
        "{all}"
    );
}

#[tokio::test]
async fn a_value_read_is_checked_as_the_settings_own_and_never_shown() {
    let aws = MockServer::start().await;
    secret(&aws, "padded", "client-s3cret\n", 1).await;
    secret(&aws, "empty", " ", 1).await;
    let from = [
        ("GENESYS_CLIENT_SECRET_FROM", "secretsmanager:padded"),
        ("AUTH_BEARER_TOKEN_FROM", "secretsmanager:empty"),
    ];
    let problems = problems(Deployment::from_vars(vars(&from, Some(&aws))));
    assert_eq!(
        problems,
        [
            "COBROWSE_AUTH_BEARER_TOKEN_FROM=secretsmanager:empty: its value is empty: store the setting's value in it",
            "COBROWSE_GENESYS_CLIENT_SECRET has a trailing newline or spaces (or leading ones), which no credential sent over HTTP carries, so every call would fail: set it without them, storing it again in secretsmanager:padded without them (a value written from a file keeps the file's last newline) (its value is not shown)",
        ]
    );
}

#[test]
fn a_setting_and_its_from_are_not_both_set() {
    let both = [
        ("GENESYS_CLIENT_SECRET", "s3cret"),
        ("GENESYS_CLIENT_SECRET_FROM", "secretsmanager:prod/cobrowse"),
    ];
    // No AWS is reachable: nothing is read.
    assert_eq!(
        problems(Deployment::from_vars(vars(&both, None))),
        [
            "COBROWSE_GENESYS_CLIENT_SECRET and COBROWSE_GENESYS_CLIENT_SECRET_FROM are both set: keep one (COBROWSE_GENESYS_CLIENT_SECRET_FROM reads the value from AWS at start-up)"
        ]
    );
}

#[test]
fn a_from_that_names_no_store_is_refused_without_showing_it() {
    for written in [
        "s3cret-pasted-here",
        "vault:kv/x",
        "secretsmanager:",
        "ssm:p#",
    ] {
        let from = [
            ("GENESYS_CLIENT_SECRET", "s3cret"),
            ("AUTH_PASSWORD_NEXT_FROM", written),
        ];
        let problems = problems(Deployment::from_vars(vars(&from, None)));
        assert_eq!(
            problems,
            [
                "COBROWSE_AUTH_PASSWORD_NEXT_FROM must be secretsmanager:<secret name or ARN> or ssm:<parameter name or ARN>, with #<key> after it to pick a key of a JSON object (its value is not shown)"
            ],
            "{written}"
        );
    }
}

#[test]
fn without_aws_credentials_the_settings_that_need_them_are_named() {
    let from = [
        ("GENESYS_CLIENT_SECRET_FROM", "secretsmanager:prod/cobrowse"),
        ("REDIS_URL_FROM", "ssm:/cobrowse/redis"),
    ];
    let problems = problems(Deployment::from_vars(vars(&from, None)));
    assert_eq!(
        problems,
        [
            "COBROWSE_GENESYS_CLIENT_SECRET_FROM, COBROWSE_REDIS_URL_FROM are read from AWS with the credentials Lambda gives the function, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: run the service in Lambda (its execution role signs the reads), or set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary credentials) and AWS_REGION"
        ]
    );
}

#[test]
fn beside_an_orgs_file_the_one_orgs_from_is_refused_unread() {
    let vars = vec![
        (
            format!("{PREFIX}ORGS_FILE"),
            "/nonexistent/orgs.toml".to_owned(),
        ),
        (
            format!("{PREFIX}AUTH_BEARER_TOKEN_FROM"),
            "secretsmanager:prod/cobrowse".to_owned(),
        ),
    ];
    let problems = problems(Deployment::from_vars(vars));
    assert_eq!(
        problems[0],
        "COBROWSE_AUTH_BEARER_TOKEN_FROM is set, but COBROWSE_ORGS_FILE names the orgs file, the one source of each org's Genesys and inbound settings: remove COBROWSE_AUTH_BEARER_TOKEN_FROM (or unset COBROWSE_ORGS_FILE)"
    );
    assert_eq!(
        problems.len(),
        2,
        "and the file that cannot be read: {problems:?}"
    );
}
