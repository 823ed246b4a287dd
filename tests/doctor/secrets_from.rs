//! `<NAME>_FROM`: doctor reads a secret setting from AWS as the service does at start-up
//! (Secrets Manager played by wiremock, named by `AWS_ENDPOINT_URL`, with the `AWS_*`
//! credentials Lambda sets), asks Genesys with the value read, and names where it was read
//! when Genesys refuses it: the admin changes the secret, not a variable.

use base64::Engine;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::genesys::{received, refuse_client};
use crate::harness::{CLIENT_ID, CLIENT_SECRET, Run, Scenario, doctor_beside};

const SECRET_NAME: &str = "cobrowse-proxy/genesys-client-secret";

/// Secrets Manager, answering the OAuth client's secret.
async fn secrets_manager() -> MockServer {
    let aws = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .and(body_json(json!({ "SecretId": SECRET_NAME })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ARN": format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{SECRET_NAME}-AbCdEf"),
            "Name": SECRET_NAME,
            "SecretString": CLIENT_SECRET,
            "VersionStages": ["AWSCURRENT"],
        })))
        .mount(&aws)
        .await;
    aws
}

/// doctor with the client secret's `_FROM` in place of its value, and AWS's variables as
/// Lambda sets them.
async fn doctor_reading_from(scenario: &Scenario, aws: &MockServer) -> Run {
    let mut vars = scenario.vars(&[(
        "GENESYS_CLIENT_SECRET_FROM",
        &format!("secretsmanager:{SECRET_NAME}"),
    )]);
    vars.retain(|(name, _)| name != "GENESYS_CLIENT_SECRET");
    let endpoint = aws.uri();
    let aws_vars = [
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "aws-secret-access-key-for-doctor"),
        ("AWS_SESSION_TOKEN", "aws-session-token-for-doctor"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
    ];
    let run = doctor_beside(vars, &aws_vars, &[]).await;
    for aws_secret in [
        "aws-secret-access-key-for-doctor",
        "aws-session-token-for-doctor",
    ] {
        assert!(!run.stdout.contains(aws_secret), "{}", run.stdout);
    }
    run
}

#[tokio::test]
async fn the_client_secret_is_read_from_aws_and_a_refusal_names_the_secret_read() {
    let scenario = Scenario::calling(crate::harness::PUBLIC_URL).await;
    let aws = secrets_manager().await;
    let run = doctor_reading_from(&scenario, &aws).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    run.assert(
        "configuration",
        "ok",
        &[&format!(
            "Read from AWS, as the service reads them at start-up: COBROWSE_GENESYS_CLIENT_SECRET (COBROWSE_GENESYS_CLIENT_SECRET_FROM=secretsmanager:{SECRET_NAME})"
        )],
    );
    // The token was asked for with the value read.
    let token = received(&scenario.genesys)
        .await
        .into_iter()
        .find(|r| r.url.path() == "/oauth/token")
        .expect("a token was asked for");
    let basic = token.headers["authorization"].to_str().unwrap().to_owned();
    let sent = base64::engine::general_purpose::STANDARD
        .decode(basic.trim_start_matches("Basic "))
        .unwrap();
    assert_eq!(
        String::from_utf8(sent).unwrap(),
        format!("{CLIENT_ID}:{CLIENT_SECRET}")
    );

    // Refused: what to check is the secret in Secrets Manager, named with its _FROM.
    refuse_client(&scenario.genesys, "client not found").await;
    let refused = doctor_reading_from(&scenario, &aws).await;
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    let line = refused.assert(
        "token",
        "FAIL",
        &[
            "COBROWSE_GENESYS_CLIENT_ID",
            &format!(
                "the secret COBROWSE_GENESYS_CLIENT_SECRET_FROM names (secretsmanager:{SECRET_NAME})"
            ),
        ],
    );
    assert!(
        !line.contains("COBROWSE_GENESYS_CLIENT_SECRET ("),
        "the variable that is not set is not named: {line}"
    );
}
