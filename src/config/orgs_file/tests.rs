use std::num::NonZeroU32;
use std::time::Duration;

use crate::domain::CobrowseType;
use crate::genesys::RequestBody;
use crate::inbound_auth::InboundAuth;

use super::*;
use secrecy::ExposeSecret;

fn defaults() -> OrgDefaults {
    OrgDefaults::built_in(Duration::from_secs(10))
}

/// What `auth` accepts, shown for the comparison (`InboundAuth::accepted` keeps it wrapped).
fn accepted(auth: &InboundAuth) -> Vec<(bool, String)> {
    auth.accepted()
        .into_iter()
        .map(|(bearer, value)| (bearer, value.expose_secret().to_owned()))
        .collect()
}

const TWO_ORGS: &str = r#"
[orgs.acme]
region = "eu-west-1"
client_id = "acme-client"
client_secret = "acme-s3cret"
auth_username = "acme"
auth_password = "acme-inbound-pw"

[orgs.globex]
api_url = "http://127.0.0.1:9001"
login_url = "http://127.0.0.1:9002/"
client_id = "globex-client"
client_secret = "globex-s3cret"
auth_bearer_token = "globex-token"
requests_per_minute = 0
verify_agent = true
request_body = "empty"
default_cobrowse_type = "control"
"#;

/// The problems of a file that must be refused; none may carry a secret of the file.
fn refused(text: &str) -> Vec<String> {
    let problems = parse(text, &defaults()).expect_err("the file is refused");
    for secret in ["s3cret", "inbound-pw", "token-value", "hunter2"] {
        assert!(
            !problems.iter().any(|p| p.contains(secret)),
            "a problem shows a value: {problems:?}"
        );
    }
    problems
}

fn only(problems: Vec<String>) -> String {
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems.into_iter().next().unwrap()
}

#[test]
fn every_org_gets_its_own_settings_and_the_deployment_s_defaults() {
    let orgs = parse(TWO_ORGS, &defaults()).unwrap();
    let names: Vec<_> = orgs.iter().map(|o| o.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["acme", "globex"]);
    let (acme, globex) = (&orgs[0], &orgs[1]);
    assert_eq!(acme.genesys.api_url, "https://api.mypurecloud.ie");
    assert_eq!(acme.genesys.login_url, "https://login.mypurecloud.ie");
    assert_eq!(acme.genesys.client_id, "acme-client");
    assert_eq!(acme.genesys.requests_per_minute, NonZeroU32::new(300));
    assert_eq!(acme.genesys.request_body, RequestBody::Auto);
    assert_eq!(acme.default_cobrowse_type, CobrowseType::View);
    assert_eq!(globex.genesys.api_url, "http://127.0.0.1:9001");
    assert_eq!(globex.genesys.login_url, "http://127.0.0.1:9002");
    assert_eq!(globex.genesys.requests_per_minute, None);
    assert!(globex.genesys.verify_agent);
    assert_eq!(globex.genesys.request_body, RequestBody::Empty);
    assert_eq!(globex.default_cobrowse_type, CobrowseType::Control);
    assert_eq!(
        accepted(&acme.inbound_auth),
        [(false, "acme:acme-inbound-pw".to_owned())]
    );
    assert_eq!(
        accepted(&globex.inbound_auth),
        [(true, "globex-token".to_owned())]
    );
}

#[test]
fn an_unknown_key_is_refused_naming_the_org_and_the_key() {
    let text = TWO_ORGS.replace("client_id = \"acme-client\"", "clientid = \"acme-client\"");
    let problems = refused(&text);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("org `acme`: `clientid` is not a setting")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("org `acme`: `client_id` is missing")),
        "{problems:?}"
    );
    let top = refused(&format!("listen = \"0.0.0.0:1\"\n{TWO_ORGS}"));
    assert!(only(top).contains("`listen` at its top level"));
}

#[test]
fn a_missing_secret_is_refused_naming_the_org_and_the_key() {
    let text = TWO_ORGS.replace("client_secret = \"globex-s3cret\"\n", "");
    assert_eq!(
        only(refused(&text)),
        "org `globex`: `client_secret` is missing: its secret (Client Credentials grant)"
    );
    let blank = TWO_ORGS.replace("\"acme-inbound-pw\"", "\"  \"");
    assert!(only(refused(&blank)).starts_with("org `acme`: `auth_password` is missing"));
}

#[test]
fn a_padded_secret_is_refused_without_showing_it() {
    for (from, to, key) in [
        ("\"acme-s3cret\"", "\"acme-s3cret\\n\"", "client_secret"),
        (
            "\"acme-inbound-pw\"",
            "\" acme-inbound-pw\"",
            "auth_password",
        ),
        (
            "\"globex-token\"",
            "\"globex-token-value \"",
            "auth_bearer_token",
        ),
    ] {
        let problem = only(refused(&TWO_ORGS.replace(from, to)));
        let org = if key == "auth_bearer_token" {
            "globex"
        } else {
            "acme"
        };
        assert!(
            problem.starts_with(&format!("org `{org}`: `{key}` has a trailing newline")),
            "{problem}"
        );
    }
}

#[test]
fn an_unknown_region_or_a_bad_value_is_refused_without_showing_it() {
    let problem = only(refused(&TWO_ORGS.replace("eu-west-1", "mars-north-1")));
    assert!(problem.starts_with("org `acme`: `region` is not a Genesys Cloud region"));
    assert!(!problem.contains("mars"));
    let problem = only(refused(
        &TWO_ORGS.replace("client_secret = \"acme-s3cret\"", "client_secret = 12345"),
    ));
    assert_eq!(
        problem,
        "org `acme`: `client_secret` must be a string in quotes (its value is not shown)"
    );
    assert!(!problem.contains("12345"));
    for (from, to, key) in [
        (
            "requests_per_minute = 0",
            "requests_per_minute = 100001",
            "requests_per_minute",
        ),
        (
            "verify_agent = true",
            "verify_agent = \"yes\"",
            "verify_agent",
        ),
        ("\"empty\"", "\"none\"", "request_body"),
        ("\"control\"", "\"edit\"", "default_cobrowse_type"),
    ] {
        let problem = only(refused(&TWO_ORGS.replace(from, to)));
        assert!(
            problem.starts_with(&format!("org `globex`: `{key}` must be")),
            "{problem}"
        );
    }
}

#[test]
fn two_orgs_sharing_an_inbound_credential_are_refused() {
    let text = TWO_ORGS.replace(
        "auth_bearer_token = \"globex-token\"",
        "auth_username = \"acme\"\nauth_password = \"other\"\nauth_password_next = \"acme-inbound-pw\"",
    );
    let problem = only(refused(&text));
    assert_eq!(
        problem,
        "orgs `acme` and `globex` accept the same inbound credential (auth_username/auth_password): each org needs its own, since the credential decides the org"
    );
    // The same user name with another password is another credential.
    let text = TWO_ORGS.replace(
        "auth_bearer_token = \"globex-token\"",
        "auth_username = \"acme\"\nauth_password = \"other\"",
    );
    assert!(parse(&text, &defaults()).is_ok());
}

#[test]
fn a_file_that_is_not_toml_is_refused_with_its_line_and_never_its_text() {
    let text = TWO_ORGS.replace(
        "client_secret = \"acme-s3cret\"",
        "client_secret = \"acme-s3cret",
    );
    let problem = only(refused(&text));
    assert!(
        problem.starts_with("the orgs file is not valid TOML (line 5)"),
        "{problem}"
    );
    assert!(only(refused("")).contains("names no org"));
    let problem = only(refused("[orgs.\"a b\"]\nclient_id = \"x\""));
    assert!(problem.contains("letters, digits, - and _"), "{problem}");
}

#[test]
fn a_credential_missing_its_other_half_or_none_at_all_is_refused() {
    let text = TWO_ORGS.replace("auth_username = \"acme\"\n", "");
    assert!(only(refused(&text)).starts_with("org `acme`: `auth_username` is missing"));
    let text = TWO_ORGS.replace("auth_bearer_token = ", "auth_bearer_token_next = ");
    let problems = refused(&text);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("org `globex`: `auth_bearer_token_next` is set without"))
    );
}

#[test]
fn an_org_s_second_oauth_client_needs_its_id_and_its_secret() {
    let both = TWO_ORGS.replace(
        "[orgs.globex]\n",
        "client_id_next = \"acme-next\"\nclient_secret_next = \"acme-next-s3cret\"\n\n[orgs.globex]\n",
    );
    let orgs = parse(&both, &defaults()).unwrap();
    let next = orgs[0].genesys.client_next.as_ref().expect("acme's second");
    assert_eq!(next.id, "acme-next");
    assert_eq!(next.secret.expose_secret(), "acme-next-s3cret");
    assert!(orgs[1].genesys.client_next.is_none());

    let id_alone = both.replace("client_secret_next = \"acme-next-s3cret\"\n", "");
    assert_eq!(
        only(refused(&id_alone)),
        "org `acme`: `client_secret_next` is missing: `client_id_next` is set, and the second OAuth client needs both its id and its secret (it is asked for a token when Genesys refuses the first)"
    );
    let secret_alone = both.replace("client_id_next = \"acme-next\"\n", "");
    assert!(
        only(refused(&secret_alone))
            .starts_with("org `acme`: `client_id_next` is missing: `client_secret_next` is set")
    );
    let padded = both.replace("\"acme-next-s3cret\"", "\"acme-next-s3cret\\n\"");
    assert!(
        only(refused(&padded))
            .starts_with("org `acme`: `client_secret_next` has a trailing newline")
    );
}

#[test]
fn a_value_of_the_file_is_taken_as_written() {
    let problem = only(refused(&TWO_ORGS.replace("\"empty\"", "\" empty\"")));
    assert!(
        problem.starts_with("org `globex`: `request_body` must be one of"),
        "{problem}"
    );
    let problem = only(refused(
        &TWO_ORGS.replace("requests_per_minute = 0", "requests_per_minute = -1"),
    ));
    assert!(
        problem.starts_with("org `globex`: `requests_per_minute` must be a whole number"),
        "{problem}"
    );
}

#[test]
fn each_org_sharing_a_credential_is_named_beside_the_first_that_has_it() {
    let shared = "auth_username = \"acme\"\nauth_password = \"acme-inbound-pw\"";
    let text = format!(
        "{}\n[orgs.initech]\nregion = \"eu-west-1\"\nclient_id = \"i\"\nclient_secret = \"i-s\"\n{shared}\n",
        TWO_ORGS.replace("auth_bearer_token = \"globex-token\"", shared)
    );
    assert_eq!(
        refused(&text),
        [
            "orgs `acme` and `globex` accept the same inbound credential (auth_username/auth_password): each org needs its own, since the credential decides the org",
            "orgs `acme` and `initech` accept the same inbound credential (auth_username/auth_password): each org needs its own, since the credential decides the org",
        ]
    );
}

/// A file of exactly `bytes` bytes in a directory of this test's own.
fn file_of(test: &str, bytes: usize) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("cobrowse-orgs-size-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("orgs.toml");
    // A comment the length asked for: what it says does not matter before it is parsed.
    std::fs::write(&path, format!("#{}\n", "x".repeat(bytes - 2))).unwrap();
    path
}

#[test]
fn a_file_of_1_mib_is_read_and_one_byte_more_is_refused_unread_naming_its_size_and_the_cap() {
    let cap = usize::try_from(MAX_BYTES).unwrap();
    assert_eq!(read_text(&file_of("at-cap", cap)).unwrap().len(), cap);
    let path = file_of("over-cap", cap + 1);
    let problem = only(read_text(&path).unwrap_err());
    assert_eq!(
        problem,
        format!(
            "the orgs file {} is 1048577 bytes, more than the 1 MiB (1048576 bytes) an orgs file may hold (as a Kubernetes Secret may): it was not read; check that the path names the orgs file, or split the orgs between deployments",
            path.display()
        )
    );
}

#[test]
fn a_file_whose_size_says_nothing_is_read_no_further_than_the_cap() {
    // A device says its size is 0, and never ends.
    let problem = only(read_text(std::path::Path::new("/dev/zero")).unwrap_err());
    assert!(
        problem.starts_with("the orgs file /dev/zero holds more than the 1 MiB (1048576 bytes)"),
        "{problem}"
    );
}
