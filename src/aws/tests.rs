use std::ffi::OsStr;

use secrecy::ExposeSecret;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

fn env(vars: &[(&str, &str)]) -> AwsEnv {
    let mut env = AwsEnv::default();
    for (name, value) in vars {
        env.capture(OsStr::new(name), OsStr::new(value));
    }
    env
}

#[test]
fn a_secret_is_read_in_its_arns_region_else_the_functions() {
    let env = env(&[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ]);
    let by_name = env
        .location(Store::SecretsManager, "prod/cobrowse")
        .unwrap();
    assert_eq!(by_name.region, "eu-west-1");
    assert_eq!(
        by_name.endpoint.as_str(),
        "https://secretsmanager.eu-west-1.amazonaws.com/"
    );
    let arn = "arn:aws:ssm:ap-south-1:123456789012:parameter/cobrowse/secret";
    let by_arn = env.location(Store::ParameterStore, arn).unwrap();
    assert_eq!(by_arn.region, "ap-south-1");
    assert_eq!(
        by_arn.endpoint.as_str(),
        "https://ssm.ap-south-1.amazonaws.com/"
    );
    let china = env.location(
        Store::SecretsManager,
        "arn:aws-cn:secretsmanager:cn-north-1:1:secret:s",
    );
    assert_eq!(
        china.unwrap().endpoint.as_str(),
        "https://secretsmanager.cn-north-1.amazonaws.com.cn/"
    );
    let default_only = super::tests::env(&[("AWS_DEFAULT_REGION", "us-east-1")]);
    assert_eq!(
        default_only
            .location(Store::SecretsManager, "s")
            .unwrap()
            .region,
        "us-east-1"
    );
    let why = AwsEnv::default()
        .location(Store::SecretsManager, "s")
        .err()
        .unwrap();
    assert!(why.contains("AWS_REGION is not set"), "{why}");
}

#[test]
fn an_endpoint_given_is_used_the_services_own_first() {
    let env = env(&[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        (
            "AWS_ENDPOINT_URL_SSM",
            "https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com",
        ),
    ]);
    let ssm = env.location(Store::ParameterStore, "p").unwrap();
    assert_eq!(
        ssm.endpoint.as_str(),
        "https://vpce-1.ssm.eu-west-1.vpce.amazonaws.com/"
    );
    let secrets = env.location(Store::SecretsManager, "s").unwrap();
    assert_eq!(secrets.endpoint.as_str(), "http://127.0.0.1:4566/");
    let bad = super::tests::env(&[
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "not a url"),
    ]);
    let why = bad.location(Store::SecretsManager, "s").err().unwrap();
    assert!(
        why.starts_with("AWS_ENDPOINT_URL_SECRETS_MANAGER is not a URL"),
        "{why}"
    );
}

#[test]
fn credentials_need_a_key_and_its_secret_and_name_what_is_missing() {
    let missing = env(&[("AWS_SESSION_TOKEN", "t")])
        .credentials()
        .err()
        .unwrap();
    assert_eq!(missing, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    let blank = env(&[
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "  "),
    ]);
    assert_eq!(
        blank.credentials().err().unwrap(),
        ["AWS_SECRET_ACCESS_KEY"]
    );
    let credentials = env(&[
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
    ])
    .credentials()
    .ok()
    .unwrap();
    assert_eq!(credentials.access_key_id, "AKID");
    assert_eq!(credentials.session_token.unwrap().expose_secret(), "token");
}

#[test]
fn an_answer_gives_its_value_and_never_quotes_it_when_it_cannot() {
    let value = Store::SecretsManager
        .value(br#"{"ARN":"a","Name":"n","SecretString":"s3cret","VersionId":"v"}"#)
        .unwrap();
    assert_eq!(value.expose_secret(), "s3cret");
    let parameter = Store::ParameterStore
        .value(br#"{"Parameter":{"Name":"n","Type":"SecureString","Value":"s3cret","Version":1}}"#)
        .unwrap();
    assert_eq!(parameter.expose_secret(), "s3cret");
    assert!(matches!(
        Store::SecretsManager.value(br#"{"SecretBinary":"AAEC"}"#),
        Err(Failure::NotText)
    ));
    let wrong = Store::ParameterStore.value(br#"{"Parameter":{"Value":42}}"#);
    assert!(matches!(wrong, Err(Failure::Malformed)));
}

#[test]
fn an_error_answer_gives_its_type_and_message_cut_short() {
    let (kind, message) = error_of(
        br#"{"__type":"com.amazonaws.secretsmanager#AccessDeniedException","Message":"User: arn:aws:sts::1:assumed-role/r is not authorized\n"}"#,
    );
    assert_eq!(kind, "AccessDeniedException");
    assert_eq!(
        message,
        "User: arn:aws:sts::1:assumed-role/r is not authorized "
    );
    let long = format!(r#"{{"__type":"X","message":"{}"}}"#, "m".repeat(1000));
    assert_eq!(error_of(long.as_bytes()).1.len(), 300);
    assert_eq!(error_of(b"<html>"), (String::new(), String::new()));
}

/// A 5xx or a throttled answer may pass (a service starting, a burst): asked again within the
/// window, and the value read then is the answer. A refusal is not asked again.
#[tokio::test]
async fn what_may_pass_is_asked_again_and_a_refusal_is_not() {
    let aws = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&aws)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"__type": "ThrottlingException"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&aws)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"SecretString": "s3cret"})),
        )
        .expect(1)
        .mount(&aws)
        .await;
    let env = env(&[
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ENDPOINT_URL", &aws.uri()),
    ]);
    let read = Read {
        store: Store::SecretsManager,
        id: "s",
        location: env.location(Store::SecretsManager, "s").unwrap(),
    };
    let credentials = env.credentials().ok().unwrap();
    let answers = read_all(&credentials, std::slice::from_ref(&read));
    assert_eq!(answers[0].as_ref().unwrap().expose_secret(), "s3cret");

    let refusing = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"__type": "AccessDeniedException"})),
        )
        .expect(1)
        .mount(&refusing)
        .await;
    let read = Read {
        location: Location {
            region: "eu-west-1".into(),
            endpoint: refusing.uri().parse().unwrap(),
        },
        ..read
    };
    let answers = read_all(&credentials, std::slice::from_ref(&read));
    assert!(
        matches!(&answers[0], Err(Failure::Refused { kind, .. }) if kind == "AccessDeniedException"),
        "{:?}",
        answers[0].as_ref().err()
    );
}
