//! A refused orgs file as the operator sees it: one `error` line per new version (or
//! SIGHUP) that names each problem by org and key and never a value, the orgs kept serving,
//! and a later valid version taken with one `info` line; a file over 1 MiB refused unread.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::http;
use crate::harness::{
    CLIENT_SECRET, CONVERSATION, PASSWORD, Running, borrowed, events, genesys, reply, signal,
    start, start_input, start_request, start_session,
};

/// A value the service must never print, under a key it does not know.
const IN_THE_INVALID_FILE: &str = "typo-key-value-SHOULD-NOT-LEAK";
const NOT_RELOADED: &str = "the orgs file was not reloaded";

fn orgs(genesys: &str, extra: &str) -> String {
    format!(
        "[orgs.acme]\napi_url = \"{genesys}\"\nlogin_url = \"{genesys}\"\nclient_id = \"client\"\nclient_secret = \"{CLIENT_SECRET}\"\nauth_username = \"genesys\"\nauth_password = \"{PASSWORD}\"\n{extra}"
    )
}

/// `serve` with `file` as its orgs, and nothing else set.
fn serve_orgs(file: &Path) -> Running {
    let vars = vec![
        ("LISTEN", "127.0.0.1:0".to_owned()),
        ("ORGS_FILE", file.display().to_string()),
    ];
    start(&borrowed(&vars))
}

/// The log events so far whose message begins with `message`.
fn logged(running: &Running, message: &str) -> Vec<Value> {
    let lines = running.lines.lock().unwrap().clone();
    events(&lines)
        .filter(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(message))
        })
        .collect()
}

/// Waits up to 10 s until `count` events say `message`.
fn wait_for(running: &Running, message: &str, count: usize) {
    let until = Instant::now() + Duration::from_secs(10);
    while logged(running, message).len() < count {
        assert!(
            Instant::now() < until,
            "{count} lines {message:?} not within 10 s: {:#?}",
            running.lines.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_refused_file_is_one_error_line_naming_org_and_key_and_the_orgs_keep_serving() {
    let genesys = genesys(Duration::ZERO).await;
    let dir = std::env::temp_dir().join(format!("cobrowse-cli-orgs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    std::fs::write(&file, orgs(&genesys.uri(), "")).unwrap();
    let running = serve_orgs(&file);
    let url = running.start_url();

    // A new version with a typo'd key holding a value: refused, once, by org and key.
    std::fs::write(
        &file,
        orgs(
            &genesys.uri(),
            &format!("client_secert = \"{IN_THE_INVALID_FILE}\"\n"),
        ),
    )
    .unwrap();
    wait_for(&running, NOT_RELOADED, 1);
    // Three more looks at the file, which has not changed since: no other line.
    std::thread::sleep(Duration::from_millis(3500));
    let refused = logged(&running, NOT_RELOADED);
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0]["level"], "ERROR");
    assert_eq!(refused[0]["cause"], "the file changed");
    let problems = refused[0]["problems"].as_str().unwrap();
    assert!(
        problems.contains("`acme`") && problems.contains("client_secert"),
        "{problems}"
    );
    assert_eq!(
        start_session(&url).await["success"],
        true,
        "acme still served"
    );

    // SIGHUP reads it again: one more line, saying why.
    signal(&running.child, "HUP");
    wait_for(&running, NOT_RELOADED, 2);
    assert_eq!(logged(&running, NOT_RELOADED)[1]["cause"], "SIGHUP");

    // Another invalid version, and SIGHUP right after it: each read once. The watch may
    // see the change before the signal comes (two lines, the file's first), but never reads
    // again a version SIGHUP has just read.
    std::fs::write(&file, orgs(&genesys.uri(), "client_idd = \"x\"\n")).unwrap();
    signal(&running.child, "HUP");
    wait_for(&running, NOT_RELOADED, 3);
    std::thread::sleep(Duration::from_millis(3500));
    let causes: Vec<Value> = logged(&running, NOT_RELOADED)[2..]
        .iter()
        .map(|e| e["cause"].clone())
        .collect();
    assert!(
        causes == ["SIGHUP"] || causes == ["the file changed", "SIGHUP"],
        "{causes:?}"
    );
    let refused = logged(&running, NOT_RELOADED).len();

    // Fixed: taken, with one info line and no error.
    std::fs::write(&file, orgs(&genesys.uri(), "verify_agent = false\n")).unwrap();
    wait_for(&running, "reloaded the orgs file", 1);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(logged(&running, NOT_RELOADED).len(), refused);
    assert_eq!(start_session(&url).await["success"], true);

    let (_, stderr, lines) = running.stop("TERM");
    for text in lines.iter().chain([&stderr]) {
        for secret in [IN_THE_INVALID_FILE, CLIENT_SECRET, PASSWORD] {
            assert!(!text.contains(secret), "{secret} in: {text}");
        }
    }
}

/// Writes a Secret's next version as the kubelet does: a directory of its own with every key,
/// the `..data` symlink swapped to it in one rename, the previous directory removed.
fn project(dir: &std::path::Path, version: u32, orgs: &str, certificate: &str) {
    let new = dir.join(format!("..v{version}"));
    std::fs::create_dir_all(&new).unwrap();
    std::fs::write(new.join("orgs.toml"), orgs).unwrap();
    std::fs::write(new.join("tls.crt"), certificate).unwrap();
    std::os::unix::fs::symlink(format!("..v{version}"), dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    let _ = std::fs::remove_dir_all(dir.join(format!("..v{}", version - 1)));
}

#[tokio::test]
async fn a_refused_secret_is_one_error_line_even_when_another_key_of_it_changes() {
    let genesys = genesys(Duration::ZERO).await;
    // A mounted Secret holding the orgs file and a certificate: orgs.toml -> ..data/orgs.toml.
    let dir = std::env::temp_dir().join(format!("cobrowse-cli-secret-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    project(&dir, 1, &orgs(&genesys.uri(), ""), "certificate 1");
    std::os::unix::fs::symlink("..data/orgs.toml", dir.join("orgs.toml")).unwrap();
    let running = serve_orgs(&dir.join("orgs.toml"));
    let url = running.start_url();

    let refused = orgs(
        &genesys.uri(),
        &format!("client_secert = \"{IN_THE_INVALID_FILE}\"\n"),
    );
    project(&dir, 2, &refused, "certificate 1");
    wait_for(&running, NOT_RELOADED, 1);
    let line = &logged(&running, NOT_RELOADED)[0];
    assert_eq!(line["cause"], "the file changed");
    let problems = line["problems"].as_str().unwrap();
    assert!(
        problems.contains("`acme`") && problems.contains("client_secert"),
        "{problems}"
    );
    assert_eq!(
        start_session(&url).await["success"],
        true,
        "acme still served"
    );

    // The certificate is renewed: a new version of the Secret, the orgs file's text the same.
    // Nothing in it changed, so nothing more is said about it.
    project(&dir, 3, &refused, "certificate 2");
    std::thread::sleep(Duration::from_millis(3500));
    let refusals = logged(&running, NOT_RELOADED);
    assert_eq!(refusals.len(), 1, "{refusals:#?}");

    // Fixed, with a next password for acme: taken, and the next password is served.
    let next = "next-password-SHOULD-NOT-LEAK";
    project(
        &dir,
        4,
        &orgs(
            &genesys.uri(),
            &format!("auth_password_next = \"{next}\"\n"),
        ),
        "certificate 2",
    );
    wait_for(&running, "reloaded the orgs file", 1);
    let reply = reply(start_request(&url, next, &start_input(CONVERSATION))).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(logged(&running, NOT_RELOADED).len(), 1);

    let (_, stderr, lines) = running.stop("TERM");
    for text in lines.iter().chain([&stderr]) {
        for secret in [IN_THE_INVALID_FILE, CLIENT_SECRET, PASSWORD, next] {
            assert!(!text.contains(secret), "{secret} in: {text}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `acme` and as many more orgs as take the file past `bytes`: a file the service would take
/// whole, but for its size.
fn many_orgs(genesys: &str, bytes: usize) -> String {
    let mut text = orgs(genesys, "");
    for n in 0.. {
        if text.len() > bytes {
            break;
        }
        text.push_str(&format!(
            "\n[orgs.org{n}]\napi_url = \"{genesys}\"\nlogin_url = \"{genesys}\"\nclient_id = \"client-{n}\"\nclient_secret = \"secret-{n}\"\nauth_username = \"user-{n}\"\nauth_password = \"password-{n}\"\n"
        ));
    }
    text
}

/// The most memory the process has held so far (its `VmHWM`), in KiB.
fn peak_kib(running: &Running) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", running.child.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

#[tokio::test]
async fn a_file_over_1_mib_is_refused_unread_with_one_error_line_and_the_alert_s_metric() {
    let genesys = genesys(Duration::ZERO).await;
    let dir = std::env::temp_dir().join(format!("cobrowse-cli-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    std::fs::write(&file, orgs(&genesys.uri(), "")).unwrap();
    let running = serve_orgs(&file);
    let url = running.start_url();
    assert_eq!(start_session(&url).await["success"], true);
    let before = peak_kib(&running);

    // 2 MiB of orgs, each valid.
    let large = many_orgs(&genesys.uri(), 2 * 1024 * 1024);
    std::fs::write(&file, &large).unwrap();
    wait_for(&running, NOT_RELOADED, 1);
    std::thread::sleep(Duration::from_millis(2500));
    let refused = logged(&running, NOT_RELOADED);
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0]["level"], "ERROR");
    let problems = refused[0]["problems"].as_str().unwrap();
    assert!(
        problems.contains(&format!(
            "is {} bytes, more than the 1 MiB (1048576 bytes) an orgs file may hold",
            large.len()
        )),
        "{problems}"
    );
    let metrics = http()
        .get(running.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l == "cobrowse_proxy_orgs_file_rejected 1"),
        "{metrics}"
    );
    assert_eq!(
        start_session(&url).await["success"],
        true,
        "acme still served"
    );
    // Never read, so never parsed: taking this file whole costs tens of MB.
    let grown = peak_kib(&running).saturating_sub(before);
    assert!(grown < 8 * 1024, "the peak memory grew by {grown} KiB");
    let _ = running.stop("TERM");
    let _ = std::fs::remove_dir_all(&dir);
}
