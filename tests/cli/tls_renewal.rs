//! The served certificate renewed without a restart: new files are served from the next
//! handshake on, a pair written one file after the other is taken once both are there
//! without a word, and a pair that is not usable changes nothing but one `error` line and
//! the metrics that say so.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common;
use crate::harness::{Running, borrowed, events, start};

const NOT_RELOADED: &str = "the TLS certificate was not reloaded";
const RELOADED: &str = "reloaded the TLS certificate";

/// A self-signed certificate for localhost valid until the first of January of `year`.
struct Pair {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
    /// Its notAfter, in seconds since the Unix epoch.
    expires: i64,
}

fn pair(year: i32) -> Pair {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.not_after = rcgen::date_time_ymd(year, 1, 1);
    let cert = params.self_signed(&key).unwrap();
    Pair {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        der: cert.der().to_vec(),
        expires: params.not_after.unix_timestamp(),
    }
}

/// `serve` over HTTPS with the files at `cert` and `key`.
fn serve(cert: &Path, key: &Path) -> Running {
    let mut vars = common::placeholder_vars();
    vars.extend([
        ("LISTEN", "127.0.0.1:0".to_owned()),
        ("TLS_CERT", cert.display().to_string()),
        ("TLS_KEY", key.display().to_string()),
    ]);
    start(&borrowed(&vars))
}

/// A new connection (a client of its own) that trusts every one of `pairs`.
fn client(pairs: &[&Pair]) -> reqwest::Client {
    let _ = common::http();
    let mut builder = reqwest::Client::builder().tls_info(true);
    for pair in pairs {
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(pair.cert_pem.as_bytes()).unwrap(),
        );
    }
    builder.build().unwrap()
}

/// The certificate a new connection to the service is handed.
async fn served(running: &Running, pairs: &[&Pair]) -> Vec<u8> {
    let response = client(pairs)
        .get(format!("https://localhost:{}/healthz", running.port))
        .send()
        .await
        .unwrap();
    let info = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .unwrap();
    info.peer_certificate().unwrap().to_vec()
}

/// Waits up to 10 s for a new connection to be handed `pair`'s certificate.
async fn wait_until_served(running: &Running, pair: &Pair, trusted: &[&Pair]) {
    let until = Instant::now() + Duration::from_secs(10);
    while served(running, trusted).await != pair.der {
        assert!(
            Instant::now() < until,
            "the new certificate not served within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the sample `name` (with the service's prefix) on /metrics.
async fn metric(running: &Running, pairs: &[&Pair], name: &str) -> String {
    let text = client(pairs)
        .get(format!("https://localhost:{}/metrics", running.port))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("cobrowse_proxy_{name} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
        .to_owned()
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

async fn wait_for_line(running: &Running, message: &str, count: usize) {
    let until = Instant::now() + Duration::from_secs(10);
    while logged(running, message).len() < count {
        assert!(
            Instant::now() < until,
            "{count} lines {message:?} not within 10 s: {:#?}",
            running.lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn directory(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cobrowse-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_renewed_certificate_is_served_without_a_restart_and_a_refused_one_changes_nothing() {
    let (a, b, c) = (pair(2031), pair(2032), pair(2033));
    let all = [&a, &b, &c];
    let dir = directory("tls-renewal");
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&cert, &a.cert_pem).unwrap();
    std::fs::write(&key, &a.key_pem).unwrap();
    let running = serve(&cert, &key);
    assert_eq!(served(&running, &all).await, a.der);
    let expiry = "tls_certificate_expiry_timestamp_seconds";
    assert_eq!(metric(&running, &all, expiry).await, a.expires.to_string());

    // Renewed as a person or a script does it: the certificate, then its key, a second and
    // a half later (the files are looked at every second, so the service sees the
    // certificate without its key). That is not worth an error.
    std::fs::write(&cert, &b.cert_pem).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::write(&key, &b.key_pem).unwrap();
    wait_until_served(&running, &b, &all).await;
    wait_for_line(&running, RELOADED, 1).await;
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(logged(&running, NOT_RELOADED), Vec::<Value>::new());
    assert_eq!(metric(&running, &all, expiry).await, b.expires.to_string());
    assert_eq!(
        metric(&running, &all, "tls_certificate_rejected").await,
        "0"
    );

    // A certificate whose key does not come: refused, said once, and B is still served.
    std::fs::write(&cert, &c.cert_pem).unwrap();
    wait_for_line(&running, NOT_RELOADED, 1).await;
    std::thread::sleep(Duration::from_millis(4000));
    let refused = logged(&running, NOT_RELOADED);
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0]["level"], "ERROR");
    let problems = refused[0]["problems"].as_str().unwrap();
    assert!(
        problems.contains("the key must be the certificate's"),
        "{problems}"
    );
    assert_eq!(served(&running, &all).await, b.der);
    assert_eq!(
        metric(&running, &all, "tls_certificate_rejected").await,
        "1"
    );
    assert_eq!(
        metric(&running, &all, "tls_reload_failures_total").await,
        "1"
    );
    assert_eq!(metric(&running, &all, expiry).await, b.expires.to_string());

    // A key file that is no key: refused too, naming the file.
    std::fs::write(&key, "not a key\n").unwrap();
    wait_for_line(&running, NOT_RELOADED, 2).await;
    let problems = logged(&running, NOT_RELOADED)[1]["problems"].clone();
    assert!(
        problems.as_str().unwrap().contains("COBROWSE_TLS_KEY="),
        "{problems}"
    );
    assert_eq!(served(&running, &all).await, b.der);

    // Its key at last: C is served, and the metrics say so.
    std::fs::write(&key, &c.key_pem).unwrap();
    wait_until_served(&running, &c, &all).await;
    assert_eq!(
        metric(&running, &all, "tls_certificate_rejected").await,
        "0"
    );
    assert_eq!(metric(&running, &all, expiry).await, c.expires.to_string());
    assert_eq!(
        metric(&running, &all, "tls_reload_failures_total").await,
        "2"
    );

    let (_, stderr, lines) = running.stop("TERM");
    for pair in all {
        // A line of the key's base64, which no log line may hold.
        let key_line = pair.key_pem.lines().nth(1).unwrap();
        for text in lines.iter().chain([&stderr]) {
            assert!(!text.contains(key_line), "a private key in: {text}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes a Secret's next version as the kubelet does (cert-manager's `tls.crt`, `tls.key`
/// and `ca.crt`): a directory of its own, the `..data` symlink swapped to it in one rename.
fn project(dir: &Path, version: u32, pair: &Pair, ca: &str) {
    let new = dir.join(format!("..v{version}"));
    std::fs::create_dir_all(&new).unwrap();
    std::fs::write(new.join("tls.crt"), &pair.cert_pem).unwrap();
    std::fs::write(new.join("tls.key"), &pair.key_pem).unwrap();
    std::fs::write(new.join("ca.crt"), ca).unwrap();
    std::os::unix::fs::symlink(format!("..v{version}"), dir.join("..data_tmp")).unwrap();
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    let _ = std::fs::remove_dir_all(dir.join(format!("..v{}", version - 1)));
}

#[tokio::test]
async fn a_renewed_secret_is_served_and_a_new_version_saying_the_same_is_not_read_again() {
    let (a, b) = (pair(2031), pair(2032));
    let all = [&a, &b];
    let dir = directory("tls-secret");
    project(&dir, 1, &a, "ca 1");
    for file in ["tls.crt", "tls.key"] {
        std::os::unix::fs::symlink(format!("..data/{file}"), dir.join(file)).unwrap();
    }
    let running = serve(&dir.join("tls.crt"), &dir.join("tls.key"));
    assert_eq!(served(&running, &all).await, a.der);

    project(&dir, 2, &b, "ca 1");
    wait_until_served(&running, &b, &all).await;
    wait_for_line(&running, RELOADED, 1).await;

    // Another key of the Secret changes: the files are new ones saying the same.
    project(&dir, 3, &b, "ca 2");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(logged(&running, RELOADED).len(), 1);
    assert_eq!(served(&running, &all).await, b.der);
    running.stop("TERM");
    let _ = std::fs::remove_dir_all(&dir);
}
