//! The roots the service trusts for Genesys's HTTPS: the platform's (here `SSL_CERT_FILE`, as
//! reqwest and curl read it), read once at start-up and shared by every thread's client. A
//! Genesys whose certificate chains to them is reached over HTTPS; one that does not is
//! refused; and the file is not read again after start-up (each thread once read it for
//! itself: four times by the first call, most of a cold start's CPU).

use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SanType};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;

use crate::harness::{borrowed, command, genesys, spawn, start_session, vars_at};

/// A CA of its own.
fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A directory of this test's own.
fn directory(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cobrowse-proxy-roots-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A Genesys over HTTPS on loopback, its certificate (for 127.0.0.1) signed by `authority`:
/// a token for anyone, a session for every start. Its base URL.
fn https_genesys(authority: &CertifiedIssuer<'static, KeyPair>) -> String {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let key = KeyPair::generate().unwrap();
    let certificate = params.signed_by(&key, authority).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let server = HttpServer::new(|| {
        App::new()
            .route(
                "/oauth/token",
                web::post().to(|| async {
                    HttpResponse::Ok().json(
                        json!({"access_token": "a-token", "token_type": "bearer", "expires_in": 86400}),
                    )
                }),
            )
            .route(
                "/api/v2/conversations/{id}/cobrowse",
                web::post().to(|| async {
                    HttpResponse::Ok().json(json!({"id": "s1", "joinCode": "654321"}))
                }),
            )
    })
    .workers(1)
    .disable_signals()
    .bind_rustls_0_23(("127.0.0.1", 0), config)
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("https://127.0.0.1:{port}")
}

/// `serve` with Genesys at `url`, trusting the roots of `roots` only.
fn start_trusting(url: &str, roots: &Path) -> crate::harness::Running {
    let vars = vars_at(url);
    let mut command = command(&borrowed(&vars));
    command.env("SSL_CERT_FILE", roots);
    spawn(command)
}

#[tokio::test]
async fn genesys_over_https_is_reached_when_its_certificate_chains_to_a_trusted_root() {
    let authority = ca("Genesys's test CA");
    let url = https_genesys(&authority);
    let dir = directory("https");
    let trusted = dir.join("trusted.pem");
    std::fs::write(&trusted, authority.pem()).unwrap();
    let untrusted = dir.join("untrusted.pem");
    std::fs::write(&untrusted, ca("another CA").pem()).unwrap();

    let running = start_trusting(&url, &trusted);
    let reply = start_session(&running.start_url()).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(reply["joinCode"], "654321", "{reply}");
    let (status, stderr, _) = running.stop("TERM");
    assert_eq!(status.code(), Some(0), "{stderr}");

    // The same Genesys, its CA not trusted: nothing is sent to it.
    let running = start_trusting(&url, &untrusted);
    let reply = start_session(&running.start_url()).await;
    assert_eq!(reply["success"], false, "{reply}");
    assert_eq!(reply["errorCode"], "GENESYS_UNAVAILABLE", "{reply}");
    let (status, stderr, _) = running.stop("TERM");
    assert_eq!(status.code(), Some(0), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_trusted_roots_are_read_once_at_start_up() {
    let genesys = genesys(Duration::ZERO).await;
    let dir = directory("once");
    let roots = dir.join("roots.pem");
    std::fs::write(&roots, ca("a root").pem()).unwrap();
    let running = start_trusting(&genesys.uri(), &roots);

    // Gone once the service listens (a bundle rewritten by a package upgrade, say): the
    // first call, its token and the threads that serve it need it no more.
    std::fs::remove_file(&roots).unwrap();
    for _ in 0..4 {
        let reply = start_session(&running.start_url()).await;
        assert_eq!(reply["success"], true, "{reply}");
    }
    let (status, stderr, _) = running.stop("TERM");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
