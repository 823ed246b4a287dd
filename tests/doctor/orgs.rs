//! Doctor with `COBROWSE_ORGS_FILE`: one block per org of the file, each against its own
//! simulated Genesys, `--org NAME` for one of them, and what to do named as the file's keys.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wiremock::matchers::{basic_auth, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::DOCTOR_CHECKS;
use crate::genesys::{
    ORG_NAME, answer, healthy_org, received, refuse_client, started_on, token_info,
    withhold_read_permission,
};
use crate::harness::{ACCESS_TOKEN, CLIENT_SECRET, PASSWORD, Run, Scenario, doctor, service, vars};

const GLOBEX_NAME: &str = "Globex Care US";
const GLOBEX_ID: &str = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/// The checks of an org's block, in order: every check but the deployment's `service-url`.
const ORG_CHECKS: &[&str] = DOCTOR_CHECKS.split_at(DOCTOR_CHECKS.len() - 1).0;

/// A file with `acme` and `globex` at their Genesys, each with `extra` lines of its own. The
/// secrets hold the ones `doctor()` looks for in what was printed.
fn orgs_file(test: &str, acme: &str, globex: &str, acme_extra: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cobrowse-doctor-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[orgs.acme]
api_url = "{acme}"
login_url = "{acme}"
client_id = "acme-client"
client_secret = "{CLIENT_SECRET}-acme"
auth_username = "acme-integration"
auth_password = "{PASSWORD}-acme"
{acme_extra}

[orgs.globex]
api_url = "{globex}"
login_url = "{globex}"
client_id = "globex-client"
client_secret = "{CLIENT_SECRET}-globex"
auth_username = "globex-integration"
auth_password = "{PASSWORD}-globex"
"#
        ),
    )
    .unwrap();
    file
}

/// The deployment's variables with `file` as its orgs: none of one org's.
fn orgs_vars(file: &Path) -> Vec<(String, String)> {
    vars("http://127.0.0.1:9", &[])
        .into_iter()
        .filter(|(name, _)| !name.starts_with("GENESYS_") && !name.starts_with("AUTH_"))
        .chain([("ORGS_FILE".to_owned(), file.display().to_string())])
        .collect()
}

/// Two healthy orgs, each at its own Genesys, their actions calling one service (acme is the
/// tests' healthy org, globex the same but another org), and the orgs file naming both.
struct TwoOrgs {
    service: MockServer,
    acme: MockServer,
    globex: MockServer,
    file: PathBuf,
}

impl TwoOrgs {
    /// `test` names the file's folder; `acme_extra` holds lines of acme's own.
    async fn start(test: &str, acme_extra: &str) -> Self {
        let service = service().await;
        let acme = healthy_org(&service.uri()).await;
        let globex = healthy_org(&service.uri()).await;
        let mut info = token_info();
        info["organization"] = json!({"id": GLOBEX_ID, "name": GLOBEX_NAME});
        answer(
            &globex,
            path("/api/v2/tokens/me"),
            ResponseTemplate::new(200).set_body_json(info),
        )
        .await;
        let file = orgs_file(test, &acme.uri(), &globex.uri(), acme_extra);
        TwoOrgs {
            service,
            acme,
            globex,
            file,
        }
    }

    /// `doctor args` with the file as the deployment's orgs.
    async fn doctor(&self, args: &[&str]) -> Run {
        doctor(orgs_vars(&self.file), args).await
    }
}

/// What a run printed: the lines outside any block, and each org's block (its lines without
/// their indent), in the order printed.
struct Blocks {
    top: Vec<String>,
    orgs: Vec<(String, Vec<String>)>,
}

impl Blocks {
    fn of(run: &Run) -> Self {
        let mut blocks = Blocks {
            top: Vec::new(),
            orgs: Vec::new(),
        };
        for line in run.stdout.lines() {
            if let Some(name) = line
                .strip_prefix("[orgs.")
                .and_then(|l| l.strip_suffix(']'))
            {
                blocks.orgs.push((name.to_owned(), Vec::new()));
            } else if let Some(check) = line.strip_prefix("  ") {
                let (_, block) = blocks.orgs.last_mut().expect("an indented line in a block");
                block.push(check.to_owned());
            } else {
                blocks.top.push(line.to_owned());
            }
        }
        blocks
    }

    fn names(&self) -> Vec<&str> {
        self.orgs.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// `org`'s checks by name: (verdict, line); every check of a block, in order, once.
    fn org(&self, org: &str) -> BTreeMap<String, (String, String)> {
        let (_, lines) = self.orgs.iter().find(|(n, _)| n == org).expect(org);
        let names: Vec<&str> = lines
            .iter()
            .map(|l| l.split_whitespace().nth(1).unwrap().trim_end_matches(':'))
            .collect();
        assert_eq!(names, ORG_CHECKS, "{org}'s block: {lines:#?}");
        lines
            .iter()
            .map(|l| {
                let mut words = l.split_whitespace();
                let verdict = words.next().unwrap().to_owned();
                let name = words.next().unwrap().trim_end_matches(':').to_owned();
                (name, (verdict, l.clone()))
            })
            .collect()
    }
}

fn verdicts(checks: &BTreeMap<String, (String, String)>) -> Vec<&str> {
    ORG_CHECKS.iter().map(|c| checks[*c].0.as_str()).collect()
}

/// The token requests `genesys` received.
async fn token_requests(genesys: &MockServer) -> usize {
    received(genesys)
        .await
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count()
}

#[tokio::test]
async fn every_org_of_the_file_is_a_block_of_its_own_checked_against_its_own_genesys() {
    let orgs = TwoOrgs::start("all", "").await;
    let run = orgs
        .doctor(&["--url", &orgs.service.uri(), "--allow-http"])
        .await;
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let blocks = Blocks::of(&run);
    assert_eq!(blocks.names(), ["acme", "globex"], "{}", run.stdout);
    assert_eq!(blocks.top.len(), 2, "{}", run.stdout);
    assert!(
        blocks.top[0].starts_with("ok   configuration:")
            && blocks.top[0].contains(&orgs.file.display().to_string())
            && blocks.top[0].contains("2 orgs"),
        "{}",
        blocks.top[0]
    );
    assert!(
        blocks.top[1].starts_with("ok   service-url:"),
        "{}",
        run.stdout
    );
    for (org, genesys, name) in [
        ("acme", &orgs.acme, ORG_NAME),
        ("globex", &orgs.globex, GLOBEX_NAME),
    ] {
        let checks = blocks.org(org);
        assert_eq!(verdicts(&checks), ["ok"; 8], "{}", run.stdout);
        assert!(
            checks["configuration"].1.contains(&genesys.uri()),
            "{}",
            run.stdout
        );
        assert!(checks["org"].1.contains(name), "{}", checks["org"].1);
        // Each org's checks went to its own Genesys, once each, and started nothing real.
        assert_eq!(token_requests(genesys).await, 1, "{org}");
        assert_eq!(started_on(genesys).await.len(), 1, "{org}");
    }
}

#[tokio::test]
async fn json_names_the_org_of_each_check() {
    let orgs = TwoOrgs::start("json", "").await;
    let run = orgs.doctor(&["--format", "json"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let checks: Value = serde_json::from_str(&run.stdout).unwrap();
    let named: Vec<(Option<&str>, &str)> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["org"].as_str(), c["check"].as_str().unwrap()))
        .collect();
    let mut expected = vec![(None, "configuration")];
    for org in ["acme", "globex"] {
        expected.extend(ORG_CHECKS.iter().map(|c| (Some(org), *c)));
    }
    expected.push((None, "service-url"));
    assert_eq!(named, expected);
}

#[tokio::test]
async fn a_failing_org_fails_its_own_block_naming_its_keys_while_the_others_pass() {
    let orgs = TwoOrgs::start("failing", "verify_agent = true").await;
    // globex's OAuth client is refused; acme's cannot read conversations, which it needs.
    refuse_client(&orgs.globex, "client not found").await;
    withhold_read_permission(&orgs.acme).await;
    let run = orgs.doctor(&[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let blocks = Blocks::of(&run);

    let globex_checks = blocks.org("globex");
    assert_eq!(
        verdicts(&globex_checks),
        ["ok", "FAIL", "skip", "skip", "skip", "skip", "skip", "skip"],
        "{}",
        run.stdout
    );
    let token = &globex_checks["token"].1;
    for words in [
        "client_id in [orgs.globex]",
        "client_secret in [orgs.globex]",
    ] {
        assert!(token.contains(words), "{words:?} missing from: {token}");
    }
    assert!(!token.contains("COBROWSE_GENESYS_CLIENT_ID"), "{token}");

    let acme_checks = blocks.org("acme");
    assert_eq!(
        verdicts(&acme_checks),
        ["ok", "ok", "ok", "ok", "FAIL", "ok", "ok", "ok"],
        "{}",
        run.stdout
    );
    let read = &acme_checks["read-permission"].1;
    assert!(
        read.contains("verify_agent in [orgs.acme] is on")
            && read.contains("verify_agent = false in [orgs.acme]"),
        "{read}"
    );
    assert!(
        acme_checks["configuration"]
            .1
            .contains("verify_agent in [orgs.acme] is on"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn org_checks_that_org_only() {
    let orgs = TwoOrgs::start("one", "").await;
    let run = orgs.doctor(&["--org", "globex"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let blocks = Blocks::of(&run);
    assert_eq!(blocks.names(), ["globex"], "{}", run.stdout);
    assert!(
        blocks.top[0].contains("--org checks org globex of its 2"),
        "{}",
        run.stdout
    );
    assert!(blocks.org("globex")["org"].1.contains(GLOBEX_NAME));
    assert!(
        received(&orgs.acme).await.is_empty(),
        "acme was asked nothing"
    );
    assert_eq!(token_requests(&orgs.globex).await, 1);
}

#[tokio::test]
async fn an_org_not_in_the_file_fails_the_configuration_naming_the_orgs_and_asks_no_genesys() {
    let orgs = TwoOrgs::start("unknown", "").await;
    let run = orgs.doctor(&["--org", "initech"]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "configuration",
        "FAIL",
        &["no org \"initech\"", "acme, globex", "What to do:"],
    );
    for check in [
        "token",
        "org",
        "start-permission",
        "read-permission",
        "data-action",
    ] {
        run.assert(check, "skip", &["usable configuration"]);
    }
    assert!(received(&orgs.acme).await.is_empty());
    assert!(received(&orgs.globex).await.is_empty());
}

#[tokio::test]
async fn org_without_an_orgs_file_fails_the_configuration_and_asks_genesys_nothing() {
    let scenario = Scenario::healthy().await;
    let run = scenario.doctor(&[], &["--org", "acme"]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "configuration",
        "FAIL",
        &["COBROWSE_ORGS_FILE is not set", "Run doctor without --org"],
    );
    assert!(received(&scenario.genesys).await.is_empty());
}

#[tokio::test]
async fn an_invalid_orgs_file_fails_the_configuration_naming_org_and_key_never_a_value() {
    // A key the file does not know, holding a secret: named, its value never printed.
    let orgs = TwoOrgs::start("invalid", &format!("client_secert = \"{ACCESS_TOKEN}\"")).await;
    let run = orgs.doctor(&[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "configuration",
        "FAIL",
        &["COBROWSE_ORGS_FILE", "acme", "client_secert", "What to do:"],
    );
    assert!(Blocks::of(&run).orgs.is_empty(), "{}", run.stdout);
    assert!(received(&orgs.acme).await.is_empty());
    assert!(received(&orgs.globex).await.is_empty());
}

#[tokio::test]
async fn an_org_s_second_oauth_client_is_checked_and_named_as_its_keys() {
    let orgs = TwoOrgs::start(
        "rotation",
        &format!("client_id_next = \"acme-next\"\nclient_secret_next = \"{CLIENT_SECRET}-next\""),
    )
    .await;
    // acme's first client was deleted: its second one works.
    Mock::given(path("/oauth/token"))
        .and(basic_auth("acme-client", format!("{CLIENT_SECRET}-acme")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .with_priority(1)
        .mount(&orgs.acme)
        .await;
    let run = orgs.doctor(&[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let blocks = Blocks::of(&run);
    let acme = blocks.org("acme");
    assert_eq!(verdicts(&acme), ["ok"; 8], "{}", run.stdout);
    let token = &acme["token"].1;
    for words in [
        "refused the first OAuth client (client_id in [orgs.acme])",
        "issued a token to the second OAuth client (client_id_next in [orgs.acme])",
        "remove client_id_next in [orgs.acme] and client_secret_next in [orgs.acme]",
    ] {
        assert!(token.contains(words), "{words:?} missing from: {token}");
    }
    assert!(
        blocks.org("globex")["token"]
            .1
            .contains("issued a token to the OAuth client"),
        "globex has one client: {}",
        run.stdout
    );
    assert_eq!(token_requests(&orgs.acme).await, 2);
}
