//! `COBROWSE_LAMBDA`: what it refuses at start-up, and the credential it makes optional.

use super::*;
use crate::inbound_auth::InboundAuth;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (format!("{PREFIX}{k}"), (*v).to_owned()))
        .collect()
}

/// A Lambda function's variables: its org, and no inbound credential.
fn in_lambda() -> Vec<(&'static str, &'static str)> {
    vec![
        ("LAMBDA", "true"),
        ("GENESYS_REGION", "eu-west-1"),
        ("GENESYS_CLIENT_ID", "client"),
        ("GENESYS_CLIENT_SECRET", "s3cret"),
    ]
}

fn refused(pairs: &[(&str, &str)]) -> Vec<String> {
    Deployment::from_vars(vars(pairs)).unwrap_err().problems
}

#[test]
fn off_by_default() {
    let mut pairs = in_lambda();
    pairs.retain(|(k, _)| *k != "LAMBDA");
    pairs.extend([("AUTH_USERNAME", "genesys"), ("AUTH_PASSWORD", "hunter2")]);
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    assert!(!s.shared.lambda);
}

#[test]
fn in_lambda_it_listens_on_the_adapters_default_and_needs_no_credential() {
    let s = Deployment::from_vars(vars(&in_lambda())).unwrap();
    assert!(s.shared.lambda);
    assert_eq!(s.shared.listen, "127.0.0.1:8080".parse().unwrap());
    assert!(matches!(
        s.orgs[0].inbound_auth,
        InboundAuth::DirectInvokeOnly
    ));
}

#[test]
fn a_credential_set_in_lambda_is_the_function_urls() {
    let mut pairs = in_lambda();
    pairs.extend([("AUTH_USERNAME", "genesys"), ("AUTH_PASSWORD", "hunter2")]);
    let s = Deployment::from_vars(vars(&pairs)).unwrap();
    match &s.orgs[0].inbound_auth {
        InboundAuth::Required {
            basic: Some(basic), ..
        } => assert_eq!(basic.username, "genesys"),
        other => panic!("{other:?}"),
    }
    // Half a credential is still a problem.
    let mut pairs = in_lambda();
    pairs.push(("AUTH_USERNAME", "genesys"));
    let problems = refused(&pairs);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("AUTH_PASSWORD is missing")),
        "{problems:?}"
    );
}

#[test]
fn in_lambda_a_listen_address_off_loopback_tls_and_an_orgs_file_are_refused_together() {
    let mut pairs = in_lambda();
    pairs.extend([
        ("LISTEN", "0.0.0.0:8080"),
        ("TLS_CERT", "/nonexistent/cert.pem"),
        ("TLS_KEY", "/nonexistent/key.pem"),
    ]);
    let problems = refused(&pairs);
    let about = |words: &str| problems.iter().filter(|p| p.contains(words)).count();
    assert_eq!(
        about("COBROWSE_LISTEN=0.0.0.0:8080 is not a loopback address"),
        1,
        "{problems:?}"
    );
    assert_eq!(about("plain HTTP on loopback"), 1, "{problems:?}");
    let files = refused(&[("LAMBDA", "true"), ("ORGS_FILE", "/nonexistent/orgs.toml")]);
    assert!(
        files
            .iter()
            .any(|p| p.contains("serves one org") && p.contains("one function per org")),
        "{files:?}"
    );
    // Loopback in either family is fine.
    for listen in ["127.0.0.1:9000", "[::1]:9000"] {
        let mut pairs = in_lambda();
        pairs.push(("LISTEN", listen));
        let s = Deployment::from_vars(vars(&pairs)).unwrap();
        assert_eq!(s.shared.listen, listen.parse().unwrap());
    }
}

#[test]
fn an_invalid_lambda_is_its_only_problem() {
    let mut pairs = in_lambda();
    pairs.retain(|(k, _)| *k != "LAMBDA");
    pairs.push(("LAMBDA", "yes please"));
    let problems = refused(&pairs);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("COBROWSE_LAMBDA=\"yes please\""),
        "{problems:?}"
    );
}

#[test]
fn outside_lambda_a_credential_is_still_required() {
    let mut pairs = in_lambda();
    pairs.retain(|(k, _)| *k != "LAMBDA");
    let problems = refused(&pairs);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("COBROWSE_AUTH_USERNAME and COBROWSE_AUTH_PASSWORD are missing")),
        "{problems:?}"
    );
}

#[test]
fn running_without_inbound_authentication_is_refused_in_lambda() {
    let mut pairs = in_lambda();
    pairs.push(("AUTH_DISABLED", "true"));
    let problems = refused(&pairs);
    assert!(
        problems.iter().any(|p| p
            .starts_with("COBROWSE_AUTH_DISABLED=true with COBROWSE_LAMBDA=true")
            && p.contains("function URL")),
        "{problems:?}"
    );
}
