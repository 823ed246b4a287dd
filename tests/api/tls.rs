//! Direct HTTPS with COBROWSE_TLS_CERT / COBROWSE_TLS_KEY.

use crate::common::{self, certificate_files, placeholder_vars};
use crate::helpers::*;

#[tokio::test]
async fn the_service_serves_https_with_the_configured_certificate() {
    let (cert, key, cert_pem) = certificate_files("serve");
    let app = spawn_app_with(&[
        ("TLS_CERT", cert.to_str().unwrap()),
        ("TLS_KEY", key.to_str().unwrap()),
    ])
    .await;
    let port = app.address.rsplit(':').next().unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let response = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let plain = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP was served"
    );
}

#[test]
fn bad_tls_settings_fail_at_start_up() {
    let (cert, _key, _) = certificate_files("bad");
    let with = |extra: &[(&str, &str)]| {
        let vars = placeholder_vars().into_iter().chain(
            extra
                .iter()
                .map(|(name, value)| (*name, (*value).to_owned())),
        );
        common::settings(vars).unwrap_err().to_string()
    };
    let only_cert = with(&[("TLS_CERT", cert.to_str().unwrap())]);
    assert!(only_cert.contains("go together"), "{only_cert}");
    let missing = with(&[
        ("TLS_CERT", "/nonexistent/cert.pem"),
        ("TLS_KEY", "/nonexistent/key.pem"),
    ]);
    // Both named at once, so one restart fixes both.
    assert!(
        missing.contains("COBROWSE_TLS_CERT=\"/nonexistent/cert.pem\"")
            && missing.contains("COBROWSE_TLS_KEY=\"/nonexistent/key.pem\""),
        "{missing}"
    );
    let key_is_a_cert = with(&[
        ("TLS_CERT", cert.to_str().unwrap()),
        ("TLS_KEY", cert.to_str().unwrap()),
    ]);
    assert!(
        key_is_a_cert.contains("COBROWSE_TLS_KEY"),
        "{key_is_a_cert}"
    );
}
