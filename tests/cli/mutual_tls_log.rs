//! What the log says of a refused client certificate (mutual TLS): the reason, the org's
//! expected name and the certificate's region, its expiry, and nothing else of it.

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use serde_json::json;
use wiremock::MockServer;

use crate::common;
use crate::harness::{
    CONVERSATION, PASSWORD, borrowed, command, events, reply, spawn, start_input, start_request,
    vars,
};

#[tokio::test]
async fn a_refused_certificate_is_logged_by_reason_without_its_contents() {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(params, ca_key);
    let key = KeyPair::generate().unwrap();
    let name = "dataactions.prod-usw2.us-west-2.mypurecloud.com";
    let cert = CertificateParams::new(vec![name.to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap()
        .pem();

    let (server_cert, server_key, server_pem) = common::certificate_files("mtls-log");
    let ca_file = server_cert.with_file_name("client-ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let genesys = MockServer::start().await;
    let mut vars = vars(&genesys);
    vars.extend([
        ("TLS_CERT", server_cert.to_str().unwrap().to_owned()),
        ("TLS_KEY", server_key.to_str().unwrap().to_owned()),
        ("TLS_CLIENT_CA", ca_file.to_str().unwrap().to_owned()),
        (
            "TLS_CLIENT_NAME",
            "dataactions.prod.us-east-1.mypurecloud.com".to_owned(),
        ),
    ]);
    let running = spawn(command(&borrowed(&vars)));
    // reqwest is built without a crypto provider (common::http's reason).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(server_pem.as_bytes()).unwrap())
        .identity(
            reqwest::Identity::from_pem(format!("{cert}{}", key.serialize_pem()).as_bytes())
                .unwrap(),
        )
        .build()
        .unwrap();
    let reply: serde_json::Value = client
        .post(format!(
            "https://localhost:{}/v1/cobrowse/start",
            running.port
        ))
        .basic_auth("genesys", Some(PASSWORD))
        .json(&json!({"conversationId": "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["errorCode"], "UNAUTHORIZED", "{reply}");

    let (_, _, lines) = running.stop("TERM");
    let stdout = lines.join("\n");
    let refused = events(&lines)
        .find(|e| {
            e["message"] == "client certificate refused (see docs/security.md for this reason)"
        })
        .unwrap_or_else(|| panic!("no refusal line:\n{stdout}"));
    assert_eq!(refused["level"], "WARN", "{refused}");
    assert_eq!(refused["reason"], "wrong_region_for_org", "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("us-west-2") && detail.contains("prod.us-east-1"),
        "{refused}"
    );
    assert!(
        refused["certificate_expires"].as_i64().unwrap() > 0,
        "{refused}"
    );
    // Nothing of the certificate or its key beyond that.
    let base64_line = cert.lines().nth(2).unwrap();
    assert!(
        !stdout.contains(base64_line) && !stdout.contains("BEGIN"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_certificate_header_from_an_untrusted_peer_is_logged_by_peer_and_name_never_content() {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_pem = params
        .self_signed(&KeyPair::generate().unwrap())
        .unwrap()
        .pem();
    let (server_cert, _, _) = common::certificate_files("mtls-log-header");
    let ca_file = server_cert.with_file_name("client-ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let genesys = MockServer::start().await;
    let mut vars = vars(&genesys);
    vars.extend([
        ("TLS_CLIENT_CA", ca_file.to_str().unwrap().to_owned()),
        (
            "TLS_CLIENT_NAME",
            "dataactions.prod.us-east-1.mypurecloud.com".to_owned(),
        ),
        // Behind proxies, none of them this test's loopback address.
        ("TLS_CLIENT_CERT_PROXIES", "10.0.0.0/8".to_owned()),
    ]);
    let running = spawn(command(&borrowed(&vars)));
    // Any certificate will do: it is not read. The CA's, URL-encoded as ingress-nginx sends it.
    let header: String = ca_pem
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let request = start_request(&running.start_url(), PASSWORD, &start_input(CONVERSATION))
        .header("ssl-client-cert", &header)
        .header("ssl-client-verify", "SUCCESS");
    let answer = reply(request).await;
    assert_eq!(answer["errorCode"], "UNAUTHORIZED", "{answer}");

    let (_, _, lines) = running.stop("TERM");
    let stdout = lines.join("\n");
    let refused = events(&lines)
        .find(|e| {
            e["message"] == "client certificate refused (see docs/security.md for this reason)"
        })
        .unwrap_or_else(|| panic!("no refusal line:\n{stdout}"));
    assert_eq!(refused["level"], "WARN", "{refused}");
    assert_eq!(refused["reason"], "header_from_untrusted_peer", "{refused}");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("127.0.0.1") && detail.contains("ssl-client-cert"),
        "{refused}"
    );
    // The header was not read: no expiry, and nothing of its content.
    assert!(refused.get("certificate_expires").is_none(), "{refused}");
    let base64_line = ca_pem.lines().nth(2).unwrap();
    assert!(
        !stdout.contains(&header[..40]) && !stdout.contains(base64_line),
        "{stdout}"
    );
}
