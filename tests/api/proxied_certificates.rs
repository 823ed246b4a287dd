//! Mutual TLS behind an ingress or load balancer that terminates TLS
//! (`COBROWSE_TLS_CLIENT_CERT_PROXIES`): the client certificate in ingress-nginx's or the AWS
//! ALB's header, from a real client whose TCP peer is 127.0.0.1, so "trusted" is
//! 127.0.0.0/8 and "untrusted" a range without loopback. Each refusal is counted by reason.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rcgen::{ExtendedKeyUsagePurpose, date_time_ymd};
use serde_json::Value;
use wiremock::Match;
use wiremock::matchers::method;

use crate::common::certificate_files;
use crate::helpers::*;
use crate::mutual_tls::{US_EAST_1, US_WEST_2, ca, client, file, issue, started, unauthorized};

/// The loopback range the test client connects from, and one without it.
const TRUSTED: &str = "127.0.0.0/8";
const UNTRUSTED: &str = "10.0.0.0/8,fd00::/8";

/// What the ALB leaves unencoded in `X-Amzn-Mtls-Clientcert-Leaf`: the unreserved characters
/// and "+=/" (AWS's "URL-encoded PEM format of the leaf certificate, with +=/ as safe
/// characters").
const ALB_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'+')
    .remove(b'=')
    .remove(b'/');

/// ingress-nginx's `$ssl_client_escaped_cert`: every character but letters and digits.
fn nginx_escaped(pem: &str) -> String {
    utf8_percent_encode(pem, NON_ALPHANUMERIC).to_string()
}

fn alb_escaped(pem: &str) -> String {
    utf8_percent_encode(pem, ALB_SAFE).to_string()
}

/// The PEM of a client certificate of `ca` for `name` (valid, for client authentication).
fn certificate(ca: &crate::mutual_tls::Ca, name: &str) -> String {
    issue(Some(ca), name, |_| {}).0
}

/// The one org (its certificate name `US_EAST_1`) served over plain HTTP, mutual TLS taken
/// from proxies in `proxies` and checked against `bundle`.
async fn behind(test: &str, proxies: &str, bundle: &str) -> TestApp {
    let bundle = file(test, "client-ca.pem", bundle);
    let app = spawn_app_with(&[
        ("TLS_CLIENT_CA", &bundle),
        ("TLS_CLIENT_NAME", US_EAST_1),
        ("TLS_CLIENT_CERT_PROXIES", proxies),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    app
}

/// A start with the org's credential and `headers`: the reply.
async fn start(app: &TestApp, headers: &[(&str, &str)]) -> Option<Value> {
    let mut request = app
        .start_request()
        .basic_auth(USERNAME, Some(PASSWORD))
        .json(&valid_input());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Some(request.send().await.unwrap().json().await.unwrap())
}

/// How many refusals `/metrics` counts for `reason`.
async fn refusals(app: &TestApp, reason: &str) -> u64 {
    let page = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    crate::metrics::certificate_refusals(&page, reason)
}

/// The starts Genesys received.
async fn starts_received(app: &TestApp) -> usize {
    let requests = app.genesys.received_requests().await.unwrap();
    let is_start = |r: &&wiremock::Request| r.url.path().ends_with("/cobrowse");
    requests
        .iter()
        .filter(|r| method("POST").matches(r))
        .filter(is_start)
        .count()
}

#[tokio::test]
async fn ingress_nginx_s_header_from_a_trusted_proxy_is_honoured_and_checked_like_a_handshake_s() {
    let genesys_ca = ca("Genesys test CA");
    let app = behind("proxied-nginx", TRUSTED, &genesys_ca.pem).await;
    // What ingress-nginx passes for a certificate it verified.
    let passed = |pem: &str| {
        vec![
            ("ssl-client-cert", nginx_escaped(pem)),
            ("ssl-client-verify", "SUCCESS".to_owned()),
        ]
    };
    let send = async |headers: Vec<(&str, String)>| {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        start(&app, &headers).await
    };

    let right = certificate(&genesys_ca, US_EAST_1);
    let reply = send(passed(&right)).await;
    assert!(started(&reply), "{reply:?}");
    assert_eq!(starts_received(&app).await, 1);

    let other_ca = certificate(&ca("Some other CA"), US_EAST_1);
    let expired = issue(Some(&genesys_ca), US_EAST_1, |params| {
        params.not_before = date_time_ymd(2019, 1, 1);
        params.not_after = date_time_ymd(2020, 1, 1);
    })
    .0;
    let server_only = issue(Some(&genesys_ca), US_EAST_1, |params| {
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    })
    .0;
    let other_region = certificate(&genesys_ca, US_WEST_2);
    for (pem, reason) in [
        (&other_ca, "untrusted_chain"),
        (&expired, "expired"),
        (&server_only, "not_for_client_auth"),
        (&other_region, "wrong_region_for_org"),
    ] {
        let reply = send(passed(pem)).await;
        assert!(unauthorized(&reply), "{reason}: {reply:?}");
        assert_eq!(refusals(&app, reason).await, 1, "{reason}");
    }
    // ingress-nginx's verdict is needed as well as ours: a right certificate it did not
    // verify is refused.
    for verify in ["FAILED:certificate has expired", "NONE"] {
        let reply = send(vec![
            ("ssl-client-cert", nginx_escaped(&right)),
            ("ssl-client-verify", verify.to_owned()),
        ])
        .await;
        assert!(unauthorized(&reply), "{verify}: {reply:?}");
    }
    assert_eq!(refusals(&app, "untrusted_chain").await, 3);
    // Verified but not passed on (auth-tls-pass-certificate-to-upstream off), or nothing.
    let reply = send(vec![("ssl-client-verify", "SUCCESS".to_owned())]).await;
    assert!(unauthorized(&reply), "{reply:?}");
    let reply = send(Vec::new()).await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(refusals(&app, "no_certificate").await, 2);
    // Mutual TLS adds to the credential.
    let headers = passed(&right);
    let reply = app
        .start_request()
        .basic_auth(USERNAME, Some("wrong"))
        .header(headers[0].0, &headers[0].1)
        .header(headers[1].0, &headers[1].1)
        .json(&valid_input())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .ok();
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(starts_received(&app).await, 1);
}

#[tokio::test]
async fn the_alb_s_verified_leaf_is_honoured_and_its_passthrough_chain_is_not() {
    let genesys_ca = ca("Genesys test CA");
    let app = behind("proxied-alb", TRUSTED, &genesys_ca.pem).await;
    let right = alb_escaped(&certificate(&genesys_ca, US_EAST_1));

    let reply = start(&app, &[("X-Amzn-Mtls-Clientcert-Leaf", &right)]).await;
    assert!(started(&reply), "{reply:?}");
    assert_eq!(starts_received(&app).await, 1);

    let other_ca = alb_escaped(&certificate(&ca("Some other CA"), US_EAST_1));
    let reply = start(&app, &[("X-Amzn-Mtls-Clientcert-Leaf", &other_ca)]).await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(refusals(&app, "untrusted_chain").await, 1);
    // Passthrough mode: the ALB checked nothing, so its header is not taken.
    let reply = start(&app, &[("X-Amzn-Mtls-Clientcert", &right)]).await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(refusals(&app, "no_certificate").await, 1);
    assert_eq!(starts_received(&app).await, 1);
}

#[tokio::test]
async fn a_header_the_caller_slipped_through_the_proxy_is_refused() {
    let genesys_ca = ca("Genesys test CA");
    let app = behind("proxied-slipped", TRUSTED, &genesys_ca.pem).await;
    let right = certificate(&genesys_ca, US_EAST_1);
    let (nginx, alb) = (nginx_escaped(&right), alb_escaped(&right));

    // Behind an ALB, the caller's own ingress-nginx headers; and a header given twice.
    let reply = start(
        &app,
        &[
            ("X-Amzn-Mtls-Clientcert-Leaf", &alb),
            ("ssl-client-cert", &nginx),
            ("ssl-client-verify", "SUCCESS"),
        ],
    )
    .await;
    assert!(unauthorized(&reply), "{reply:?}");
    let reply = start(
        &app,
        &[
            ("X-Amzn-Mtls-Clientcert-Leaf", &alb),
            ("X-Amzn-Mtls-Clientcert-Leaf", &alb),
        ],
    )
    .await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(refusals(&app, "header_from_untrusted_peer").await, 2);
    assert_eq!(starts_received(&app).await, 0);
}

#[tokio::test]
async fn a_certificate_header_from_a_peer_the_setting_does_not_list_is_refused_unread() {
    let genesys_ca = ca("Genesys test CA");
    let app = behind("proxied-untrusted", UNTRUSTED, &genesys_ca.pem).await;
    let right = certificate(&genesys_ca, US_EAST_1);
    let (nginx, alb) = (nginx_escaped(&right), alb_escaped(&right));

    for headers in [
        vec![
            ("ssl-client-cert", nginx.as_str()),
            ("ssl-client-verify", "SUCCESS"),
        ],
        vec![("X-Amzn-Mtls-Clientcert-Leaf", alb.as_str())],
        vec![("X-Amzn-Mtls-Clientcert", alb.as_str())],
        // Not read, so not even looked at: a header that holds no certificate counts the same.
        vec![("ssl-client-cert", "not a certificate")],
        // The peer is the TCP peer, whatever X-Forwarded-For says.
        vec![
            ("ssl-client-cert", nginx.as_str()),
            ("ssl-client-verify", "SUCCESS"),
            ("X-Forwarded-For", "10.0.0.1"),
        ],
    ] {
        let reply = start(&app, &headers).await;
        assert!(unauthorized(&reply), "{headers:?}: {reply:?}");
    }
    assert_eq!(refusals(&app, "header_from_untrusted_peer").await, 5);
    assert_eq!(refusals(&app, "untrusted_chain").await, 0);
    assert_eq!(starts_received(&app).await, 0);
}

#[tokio::test]
async fn with_no_proxy_trusted_a_certificate_header_is_refused_even_beside_a_right_handshake() {
    let test = "proxied-none-trusted";
    let genesys_ca = ca("Genesys test CA");
    let (cert, key, server_pem) = certificate_files(test);
    let bundle = file(test, "client-ca.pem", &genesys_ca.pem);
    let app = spawn_app_with(&[
        ("TLS_CERT", cert.to_str().unwrap()),
        ("TLS_KEY", key.to_str().unwrap()),
        ("TLS_CLIENT_CA", &bundle),
        ("TLS_CLIENT_NAME", US_EAST_1),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let port = app.address.rsplit(':').next().unwrap();
    // reqwest is built without a crypto provider (common::http's reason).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let identity = client(Some(&genesys_ca), US_EAST_1, |_| {});
    let https = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(server_pem.as_bytes()).unwrap())
        .identity(reqwest::Identity::from_pem(identity.as_bytes()).unwrap())
        .build()
        .unwrap();
    let send = async |header: Option<(&str, &str)>| {
        let mut request = https
            .post(format!("https://localhost:{port}/v1/cobrowse/start"))
            .basic_auth(USERNAME, Some(PASSWORD))
            .json(&valid_input());
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        request.send().await.unwrap().json::<Value>().await.ok()
    };

    let reply = send(None).await;
    assert!(started(&reply), "{reply:?}");
    let header = nginx_escaped(&certificate(&genesys_ca, US_EAST_1));
    let reply = send(Some(("ssl-client-cert", &header))).await;
    assert!(unauthorized(&reply), "{reply:?}");
    let reply = send(Some(("X-Amzn-Mtls-Clientcert-Leaf", &header))).await;
    assert!(unauthorized(&reply), "{reply:?}");
    let metrics = https
        .get(format!("https://localhost:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = "cobrowse_proxy_tls_client_certificate_refusals_total{reason=\"header_from_untrusted_peer\"}";
    assert_eq!(crate::metrics::sample(&metrics, series), Some("2"));
    assert_eq!(starts_received(&app).await, 1);
}

/// Without mutual TLS a certificate header decides nothing, so it is not refused: an ingress
/// that checks certificates itself and passes them on keeps working (docs/security.md).
#[tokio::test]
async fn without_mutual_tls_a_certificate_header_is_left_alone() {
    let app = spawn_app_with(&[]).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let reply = start(&app, &[("ssl-client-cert", "anything")]).await;
    assert!(started(&reply), "{reply:?}");
}

#[test]
fn the_trusted_proxies_are_read_at_start_up_with_every_other_problem() {
    let bundle = file(
        "proxied-settings",
        "client-ca.pem",
        &ca("Genesys test CA").pem,
    );
    let with = |extra: &[(&str, &str)]| {
        let mut vars = crate::common::required_vars(
            crate::common::Genesys::Region("us-east-1"),
            ("id", "secret"),
            ("user", "password"),
        );
        vars.extend(extra.iter().map(|(n, v)| (*n, (*v).to_owned())));
        crate::common::settings(vars)
    };
    // Behind a proxy, mutual TLS needs no HTTPS of the service's own.
    let deployment = with(&[
        ("TLS_CLIENT_CA", &bundle),
        ("TLS_CLIENT_CERT_PROXIES", "10.0.0.0/8, fd00::/8"),
    ])
    .unwrap();
    assert!(deployment.shared.tls.is_none() && deployment.shared.tls_client.is_some());

    let problems = |extra: &[(&str, &str)]| with(extra).unwrap_err().problems;
    let alone = problems(&[("TLS_CLIENT_CERT_PROXIES", "10.0.0.0/8")]);
    assert_eq!(alone.len(), 1, "{alone:?}");
    assert!(
        alone[0].starts_with("COBROWSE_TLS_CLIENT_CERT_PROXIES names proxies")
            && alone[0].contains("COBROWSE_TLS_CLIENT_CA"),
        "{alone:?}"
    );
    let neither = problems(&[("TLS_CLIENT_CA", &bundle)]);
    assert!(
        neither[0].contains("COBROWSE_TLS_CLIENT_CERT_PROXIES"),
        "{neither:?}"
    );
    // Every bad entry, beside another setting's problem, at once.
    let bad = problems(&[
        ("TLS_CLIENT_CA", &bundle),
        ("TLS_CLIENT_CERT_PROXIES", "10.1.2.3/8,0.0.0.0/0,ingress"),
        ("ERROR_MODE", "loud"),
    ]);
    assert_eq!(bad.len(), 2, "{bad:?}");
    let proxies = bad
        .iter()
        .find(|p| p.starts_with("COBROWSE_TLS_CLIENT_CERT_PROXIES="))
        .unwrap_or_else(|| panic!("{bad:?}"));
    for named in [
        "10.0.0.0/8 is the range",
        "trusts every address",
        "\"ingress\"",
    ] {
        assert!(proxies.contains(named), "{named} not in {proxies}");
    }
    assert!(
        bad.iter().any(|p| p.contains("COBROWSE_ERROR_MODE")),
        "{bad:?}"
    );
}
