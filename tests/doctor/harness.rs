//! How a doctor test runs `cobrowse-proxy doctor`: the deployment's variables, the binary run
//! with only them in its environment, and what it printed, read check by check (`Run`);
//! what it runs against (`Scenario`): the mocked Genesys org and the service's URL. Every
//! run is checked for secrets in what it printed.

use std::process::Command;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{DOCTOR_CHECKS, Genesys, prefixed, required_vars};
use crate::genesys::healthy_org;

pub const BINARY: &str = env!("CARGO_BIN_EXE_cobrowse-proxy");
pub const CLIENT_ID: &str = "doctor-client-id";
pub const CLIENT_SECRET: &str = "client-secret-DOCTOR-MUST-NOT-PRINT";
pub const ACCESS_TOKEN: &str = "access-token-DOCTOR-MUST-NOT-PRINT";
pub const USERNAME: &str = "genesys-integration";
pub const PASSWORD: &str = "inbound-password-DOCTOR-MUST-NOT-PRINT";
pub const BEARER_TOKEN: &str = "inbound-bearer-DOCTOR-MUST-NOT-PRINT";
pub const SECRETS: [&str; 4] = [CLIENT_SECRET, ACCESS_TOKEN, PASSWORD, BEARER_TOKEN];
/// The service's public URL, where the org's action calls it and doctor is not asked to look.
pub const PUBLIC_URL: &str = "https://cobrowse.example.com";

/// What one run of `cobrowse-proxy doctor` did.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The line of `check`; it must be there once.
    pub fn line(&self, check: &str) -> &str {
        let found: Vec<&str> = self
            .stdout
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some(&format!("{check}:")))
            .collect();
        assert_eq!(found.len(), 1, "{check} in:\n{}", self.stdout);
        found[0]
    }

    /// `check`'s verdict (`ok`, `FAIL`, `skip`) and its line.
    pub fn verdict(&self, check: &str) -> (&str, &str) {
        let line = self.line(check);
        (line.split_whitespace().next().unwrap(), line)
    }

    /// `check`'s line, which must start with `status` and mention every one of `words`.
    pub fn assert(&self, check: &str, status: &str, words: &[&str]) -> &str {
        let (verdict, line) = self.verdict(check);
        assert_eq!(verdict, status, "{line}");
        for word in words {
            assert!(line.contains(word), "{word:?} missing from: {line}");
        }
        line
    }

    /// Every check printed, in order, one line each, and nothing else.
    pub fn verdicts(&self) -> Vec<String> {
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
pub fn vars(genesys: &str, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
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
pub async fn doctor(vars: Vec<(String, String)>, args: &[&str]) -> Run {
    doctor_beside(vars, &[], args).await
}

/// [`doctor`], with `others` in its environment as they are (`AWS_*`, named in full).
pub async fn doctor_beside(
    vars: Vec<(String, String)>,
    others: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .envs(prefixed(vars))
        .envs(others.iter().copied())
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

/// The service, answering `GET /healthz` as cobrowse-proxy does.
pub async fn service() -> MockServer {
    let service = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .mount(&service)
        .await;
    service
}

/// What doctor checks: a healthy Genesys org (`genesys.rs`) whose data action calls `url`,
/// with the deployment's variables pointing at it. A test breaks the org with
/// [`answer`](crate::genesys::answer) before it runs doctor.
pub struct Scenario {
    pub genesys: MockServer,
    /// The service URL the org's action calls, and the one [`Scenario::doctor_on_url`] checks.
    pub url: String,
    /// The service this scenario started at `url`, held so that it answers while it lives.
    _service: Option<MockServer>,
}

impl Scenario {
    /// Everything set up right: the service answering `/healthz`, and the org's action
    /// calling it.
    pub async fn healthy() -> Self {
        let service = service().await;
        let url = service.uri();
        Scenario {
            genesys: healthy_org(&url).await,
            url,
            _service: Some(service),
        }
    }

    /// The org's action calls `url`, where this scenario serves nothing: a public URL doctor
    /// is not asked to reach, or a server the test runs itself.
    pub async fn calling(url: &str) -> Self {
        Scenario {
            genesys: healthy_org(url).await,
            url: url.to_owned(),
            _service: None,
        }
    }

    /// The deployment's variables against this org, then `overrides`.
    pub fn vars(&self, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
        vars(&self.genesys.uri(), overrides)
    }

    /// `doctor args` against this org, the deployment's variables with `overrides`.
    pub async fn doctor(&self, overrides: &[(&str, &str)], args: &[&str]) -> Run {
        doctor(self.vars(overrides), args).await
    }

    /// `doctor --url <url> --allow-http extra`: the service URL checked as well.
    pub async fn doctor_on_url(&self, overrides: &[(&str, &str)], extra: &[&str]) -> Run {
        let mut args = vec!["--url", self.url.as_str(), "--allow-http"];
        args.extend(extra);
        self.doctor(overrides, &args).await
    }
}
