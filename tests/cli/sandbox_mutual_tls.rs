//! `cobrowse-proxy sandbox --mutual-tls` as a newcomer runs it: of the two `curl` lines it
//! prints, the one with the client certificate starts a session and the one without is
//! refused with `UNAUTHORIZED`, sent by a real client (reqwest with the files the line names,
//! and the real `curl` as pasted, where installed); its doctor line passes over HTTPS; and
//! the throw-away files are gone once it stops.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use serde_json::Value;

use crate::common::{DOCTOR_CHECKS, tool};
use crate::harness::{exited_within, signal};
use crate::sandbox::{sandbox, shell_line};

#[tokio::test]
async fn the_curl_with_the_certificate_starts_a_session_and_the_one_without_is_refused() {
    let (sandbox, printed) = sandbox(&["--listen", "127.0.0.1:0", "--mutual-tls"]);
    let [with, without] = <[String; 2]>::try_from(shell_lines(&printed, "curl "))
        .unwrap_or_else(|lines| panic!("not two curl lines: {lines:?}\n{printed}"));
    let (with, without) = (Curl::parse(&with), Curl::parse(&without));
    assert!(with.identity.is_some(), "{printed}");
    assert!(without.identity.is_none(), "{printed}");
    assert!(with.url.starts_with("https://127.0.0.1:"), "{printed}");
    assert_eq!(with.url, without.url);
    let dir = with.cacert.parent().unwrap().to_owned();
    assert!(
        printed.contains(&format!("are in {}", dir.display())),
        "{printed}"
    );

    // As a client sends it with the files the lines name.
    let started = with.send().await;
    assert_eq!(started["success"], true, "{started}");
    assert!(
        !started["joinCode"].as_str().unwrap().is_empty(),
        "{started}"
    );
    let refused = without.send().await;
    assert_eq!(refused["errorCode"], "UNAUTHORIZED", "{refused}");

    // As pasted into a shell, where curl is installed.
    if tool::available("curl", "apt-get install curl") {
        for (curl, line) in [("with", &with.line), ("without", &without.line)] {
            let output = Command::new("/bin/sh")
                .args(["-c", line])
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "curl {curl}: {stdout}{stderr}");
            let reply: Value = serde_json::from_str(&stdout)
                .unwrap_or_else(|e| panic!("curl {curl}: {e}: {stdout}{stderr}"));
            match curl {
                "with" => assert_eq!(reply["success"], true, "{reply}"),
                _ => assert_eq!(reply["errorCode"], "UNAUTHORIZED", "{reply}"),
            }
        }
    }

    assert!(dir.is_dir(), "{}", dir.display());
    stop(sandbox);
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

#[test]
fn the_doctor_line_of_the_mutual_tls_sandbox_passes_over_https() {
    let (sandbox, printed) = sandbox(&["--listen", "127.0.0.1:0", "--mutual-tls"]);
    let line = shell_line(&printed, "SSL_CERT_FILE=");
    let doctor = Command::new("/bin/sh")
        .args(["-c", &line])
        .env_clear()
        .output()
        .unwrap();
    stop(sandbox);

    let stdout = String::from_utf8(doctor.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&doctor.stderr);
    assert_eq!(doctor.status.code(), Some(0), "{line}\n{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), DOCTOR_CHECKS.len(), "{stdout}");
    assert!(
        stdout.lines().all(|line| line.starts_with("ok   ")),
        "{stdout}"
    );
    assert!(
        stdout.contains("GET https://127.0.0.1:") && stdout.contains("/healthz answered 200"),
        "{stdout}"
    );
    // doctor is given the service's client CA and expected name, and the simulated Genesys
    // lists the throw-away client certificate: doctor judges it as the service does.
    let certificates = stdout
        .lines()
        .find(|line| line.starts_with("ok   client-certificates:"))
        .expect("a client-certificates line");
    assert!(
        certificates.contains("current dataactions.prod.us-east-1.mypurecloud.com")
            && certificates.contains("the service would accept it"),
        "{certificates}"
    );
}

/// Stops the sandbox as Ctrl-C does, and waits for it.
fn stop(mut sandbox: Child) {
    signal(&sandbox, "INT");
    let status = exited_within(&mut sandbox, Duration::from_secs(10)).expect("the sandbox stops");
    assert!(status.success(), "{status}");
}

/// Each printed shell line that starts with `first`, its continuation lines joined.
fn shell_lines(printed: &str, first: &str) -> Vec<String> {
    let lines: Vec<&str> = printed.lines().collect();
    (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with(first))
        .map(|i| shell_line(&lines[i..].join("\n"), first))
        .collect()
}

/// What a printed `curl` line sends, read as the shell reads it.
struct Curl {
    line: String,
    cacert: PathBuf,
    /// `--cert` and `--key`.
    identity: Option<(PathBuf, PathBuf)>,
    user: (String, String),
    header: (String, String),
    body: String,
    url: String,
}

impl Curl {
    fn parse(line: &str) -> Curl {
        let words = words(line);
        assert_eq!(words[..2], ["curl", "-s"], "{line}");
        let value = |flag: &str| {
            let at = words.iter().position(|word| word == flag)?;
            Some(words[at + 1].clone())
        };
        let pair = |text: String, by: &str| {
            let (a, b) = text.split_once(by).unwrap();
            (a.to_owned(), b.trim().to_owned())
        };
        Curl {
            line: line.to_owned(),
            cacert: value("--cacert").expect("--cacert").into(),
            identity: value("--cert").map(|cert| (cert.into(), value("--key").unwrap().into())),
            user: pair(value("-u").unwrap(), ":"),
            header: pair(value("-H").unwrap(), ":"),
            body: value("-d").unwrap(),
            url: words.last().unwrap().clone(),
        }
    }

    /// The reply to the same request from reqwest (rustls), given the same files.
    async fn send(&self) -> Value {
        // reqwest is built without a crypto provider (common::http's reason).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let read = |path: &Path| std::fs::read(path).unwrap();
        let mut client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&read(&self.cacert)).unwrap());
        if let Some((cert, key)) = &self.identity {
            let pem = [read(cert), read(key)].concat();
            client = client.identity(reqwest::Identity::from_pem(&pem).unwrap());
        }
        client
            .build()
            .unwrap()
            .post(&self.url)
            .basic_auth(&self.user.0, Some(&self.user.1))
            .header(&self.header.0, &self.header.1)
            .body(self.body.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// A shell line's words: single quotes and backslashes as `sh` reads them.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}
