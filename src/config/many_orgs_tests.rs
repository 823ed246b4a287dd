//! `COBROWSE_ORGS_FILE`: the environment's side (the file's own rules are tested in
//! `config::orgs_file`).

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::genesys::RequestBody;

/// `text` as an orgs file of this test's own.
fn orgs_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cobrowse-orgs-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("orgs.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const ONE_ORG: &str = r#"
[orgs.acme]
region = "eu-west-1"
client_id = "acme-client"
client_secret = "acme-s3cret"
auth_username = "acme"
auth_password = "acme-pw"
"#;

fn deployment(vars: &[(&str, &str)]) -> Result<Deployment, ConfigError> {
    Deployment::from_vars(
        vars.iter()
            .map(|(n, v)| (format!("COBROWSE_{n}"), (*v).to_owned())),
    )
}

#[test]
fn the_file_s_orgs_get_the_deployment_s_settings_as_defaults() {
    let file = orgs_file("defaults", ONE_ORG);
    let many = deployment(&[
        ("ORGS_FILE", file.to_str().unwrap()),
        ("REQUEST_BODY", "empty"),
        ("UPSTREAM_TIMEOUT_MS", "3000"),
        ("LISTEN", "127.0.0.1:0"),
    ])
    .unwrap();
    assert_eq!(
        many.orgs_file.as_ref().expect("many orgs expected").path,
        file
    );
    assert_eq!(many.orgs.len(), 1);
    let acme = &many.orgs[0].genesys;
    assert_eq!(acme.request_body, RequestBody::Empty);
    assert_eq!(acme.upstream_timeout, Duration::from_secs(3));
    assert_eq!(acme.client_id, "acme-client");
}

#[test]
fn a_single_org_variable_beside_the_file_is_refused_naming_it_and_the_file() {
    let file = orgs_file("refused", ONE_ORG);
    let err = deployment(&[
        ("ORGS_FILE", file.to_str().unwrap()),
        ("GENESYS_CLIENT_ID", "someone"),
        ("GENESYS_CLIENT_SECRET_NEXT", "next-s3cret"),
        ("AUTH_PASSWORD", "hunter2"),
    ])
    .unwrap_err();
    assert_eq!(err.problems.len(), 3, "{err}");
    assert!(err.problems[0].starts_with(
        "COBROWSE_GENESYS_CLIENT_ID is set, but COBROWSE_ORGS_FILE names the orgs file, the one source"
    ));
    assert!(err.problems[1].starts_with("COBROWSE_GENESYS_CLIENT_SECRET_NEXT is set"));
    assert!(err.problems[2].starts_with("COBROWSE_AUTH_PASSWORD is set"));
    assert!(!err.to_string().contains("hunter2") && !err.to_string().contains("s3cret"));
}

#[test]
fn a_problem_in_the_file_fails_start_up_with_every_other_problem() {
    let file = orgs_file(
        "bad",
        &ONE_ORG.replace("\"acme-s3cret\"", "\"acme-s3cret \""),
    );
    let err = deployment(&[
        ("ORGS_FILE", file.to_str().unwrap()),
        ("MAX_IN_FLIGHT", "0"),
    ])
    .unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(err.problems[0].starts_with("COBROWSE_MAX_IN_FLIGHT"));
    assert!(
        err.problems[1]
            .starts_with("COBROWSE_ORGS_FILE: org `acme`: `client_secret` has a trailing newline")
    );
    assert!(!err.to_string().contains("s3cret"));

    let missing = deployment(&[("ORGS_FILE", "/nonexistent/orgs.toml")]).unwrap_err();
    assert!(
        missing.problems[0]
            .starts_with("COBROWSE_ORGS_FILE: the orgs file /nonexistent/orgs.toml cannot be read"),
        "{missing}"
    );
}

#[test]
fn without_the_file_the_environment_is_one_org_as_before() {
    let vars = [
        ("GENESYS_REGION", "eu-west-1"),
        ("GENESYS_CLIENT_ID", "id"),
        ("GENESYS_CLIENT_SECRET", "secret"),
        ("AUTH_USERNAME", "user"),
        ("AUTH_PASSWORD", "password"),
    ];
    let one = deployment(&vars).unwrap();
    assert!(one.orgs_file.is_none() && one.orgs.len() == 1 && one.orgs[0].name.is_none());
}
