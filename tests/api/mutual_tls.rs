//! Mutual TLS (`COBROWSE_TLS_CLIENT_CA`): real handshakes from a real client presenting
//! certificates made here, each refusal counted by reason in /metrics.

use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    date_time_ymd,
};
use serde_json::Value;

use crate::common::certificate_files;
use crate::helpers::*;
use crate::many_orgs::{org_genesys, orgs_toml, spawn_many, write_orgs_file};

pub const US_EAST_1: &str = "dataactions.prod.us-east-1.mypurecloud.com";
pub const US_WEST_2: &str = "dataactions.prod-usw2.us-west-2.mypurecloud.com";

/// A CA of the test's own: its PEM and what signs with it.
pub struct Ca {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

pub fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Ca {
        pem,
        issuer: Issuer::new(params, key),
    }
}

/// A client certificate for `name`, for client authentication, valid now unless `change`
/// says otherwise: its PEM and its key's, as `reqwest::Identity::from_pem` takes them.
pub fn client(ca: Option<&Ca>, name: &str, change: impl FnOnce(&mut CertificateParams)) -> String {
    let (cert, key) = issue(ca, name, change);
    format!("{cert}{key}")
}

/// [`client`]'s certificate and key apart: the PEM of each.
pub fn issue(
    ca: Option<&Ca>,
    name: &str,
    change: impl FnOnce(&mut CertificateParams),
) -> (String, String) {
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    change(&mut params);
    let key = KeyPair::generate().unwrap();
    let cert = match ca {
        Some(ca) => params.signed_by(&key, &ca.issuer).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    (cert.pem(), key.serialize_pem())
}

/// The service's address over HTTPS, and the PEM of its own certificate to trust.
struct Served {
    base: String,
    server_pem: String,
}

impl Served {
    /// A client trusting the service, presenting `identity` if any.
    fn client(&self, identity: Option<&str>) -> reqwest::Client {
        // reqwest is built without a crypto provider (common::http's reason).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder().add_root_certificate(
            reqwest::Certificate::from_pem(self.server_pem.as_bytes()).unwrap(),
        );
        if let Some(identity) = identity {
            builder = builder.identity(reqwest::Identity::from_pem(identity.as_bytes()).unwrap());
        }
        builder.build().unwrap()
    }

    /// A start with acme's (the one org's) Basic credential: the reply, or `None` when the
    /// connection was refused.
    async fn start(&self, identity: Option<&str>, credential: Credential) -> Option<Value> {
        self.start_with(&self.client(identity), credential).await
    }

    /// [`Served::start`] through `client`.
    async fn start_with(&self, client: &reqwest::Client, credential: Credential) -> Option<Value> {
        let request = client
            .post(format!("{}/v1/cobrowse/start", self.base))
            .json(&valid_input());
        let request = match credential {
            Credential::Basic(user, password) => request.basic_auth(user, Some(password)),
            Credential::Bearer(token) => request.bearer_auth(token),
        };
        let response = request.send().await.ok()?;
        Some(response.json().await.unwrap())
    }

    /// How many refusals `/metrics` counts for `reason`.
    async fn refusals(&self, reason: &str) -> u64 {
        let page = self
            .client(None)
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        crate::metrics::certificate_refusals(&page, reason)
    }
}

#[derive(Clone, Copy)]
enum Credential {
    Basic(&'static str, &'static str),
    Bearer(&'static str),
}

const ONE_ORG: Credential = Credential::Basic(USERNAME, PASSWORD);

/// Writes `pem` to a file of the test's own; its path.
pub fn file(test: &str, name: &str, pem: &str) -> String {
    let dir = std::env::temp_dir().join(format!("cobrowse-mtls-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The one org (Genesys at a mock, its certificate name `US_EAST_1`) over mutual TLS with
/// `bundle` as the client CAs.
async fn one_org(test: &str, bundle: &str) -> Served {
    let (cert, key, server_pem) = certificate_files(test);
    let bundle = file(test, "client-ca.pem", bundle);
    let app = spawn_app_with(&[
        ("TLS_CERT", cert.to_str().unwrap()),
        ("TLS_KEY", key.to_str().unwrap()),
        ("TLS_CLIENT_CA", &bundle),
        ("TLS_CLIENT_NAME", US_EAST_1),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    // The mocks live as long as the server: leaked, for the test's length.
    Box::leak(Box::new(app));
    Served {
        base: format!("https://localhost:{port}"),
        server_pem,
    }
}

pub fn started(reply: &Option<Value>) -> bool {
    reply.as_ref().is_some_and(|r| r["errorCode"] == "")
}

/// Refused with the flat reply, saying nothing of the certificate.
pub fn unauthorized(reply: &Option<Value>) -> bool {
    let reply = reply.as_ref().expect("an answer, not a refused connection");
    let text = reply.to_string().to_lowercase();
    reply["errorCode"] == "UNAUTHORIZED" && !text.contains("certificate")
}

#[tokio::test]
async fn the_right_certificate_and_credential_pass_and_every_other_certificate_is_refused_by_reason()
 {
    let genesys_ca = ca("Genesys test CA");
    let served = one_org("mtls-reasons", &genesys_ca.pem).await;
    let right = client(Some(&genesys_ca), US_EAST_1, |_| {});

    let reply = served.start(Some(&right), ONE_ORG).await;
    assert!(started(&reply), "{reply:?}");
    // Mutual TLS adds to the credential: the right certificate with a wrong one is refused.
    let reply = served
        .start(Some(&right), Credential::Basic(USERNAME, "wrong"))
        .await;
    assert!(unauthorized(&reply), "{reply:?}");

    // Refused by the call, with the flat reply.
    let reply = served.start(None, ONE_ORG).await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(served.refusals("no_certificate").await, 1);
    let other_region = client(Some(&genesys_ca), US_WEST_2, |_| {});
    let reply = served.start(Some(&other_region), ONE_ORG).await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(served.refusals("wrong_region_for_org").await, 1);
    let other_name = client(Some(&genesys_ca), "dataactions.example.com", |_| {});
    let reply = served.start(Some(&other_name), ONE_ORG).await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(served.refusals("wrong_name").await, 1);

    // Refused by the handshake: the connection fails.
    let self_signed = client(None, US_EAST_1, |_| {});
    let other_ca = client(Some(&ca("Some other CA")), US_EAST_1, |_| {});
    let expired = client(Some(&genesys_ca), US_EAST_1, |params| {
        params.not_before = date_time_ymd(2019, 1, 1);
        params.not_after = date_time_ymd(2020, 1, 1);
    });
    let server_only = client(Some(&genesys_ca), US_EAST_1, |params| {
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    });
    for (identity, reason, count) in [
        (&self_signed, "untrusted_chain", 1),
        (&other_ca, "untrusted_chain", 2),
        (&expired, "expired", 1),
        (&server_only, "not_for_client_auth", 1),
    ] {
        let reply = served.start(Some(identity), ONE_ORG).await;
        assert!(reply.is_none(), "{reason}: {reply:?}");
        assert_eq!(served.refusals(reason).await, count, "{reason}");
    }
    // Nothing else was counted on the way.
    assert_eq!(served.refusals("no_certificate").await, 1);
    let reply = served.start(Some(&right), ONE_ORG).await;
    assert!(started(&reply), "{reply:?}");
}

#[tokio::test]
async fn a_bundle_holding_the_old_and_the_new_ca_passes_certificates_of_both() {
    let (old, new) = (ca("Genesys CA 2025"), ca("Genesys CA 2026"));
    let served = one_org("mtls-rotation", &format!("{}{}", old.pem, new.pem)).await;
    for ca in [&old, &new] {
        let reply = served
            .start(Some(&client(Some(ca), US_EAST_1, |_| {})), ONE_ORG)
            .await;
        assert!(started(&reply), "{reply:?}");
    }
    assert_eq!(served.refusals("untrusted_chain").await, 0);
}

#[tokio::test]
async fn a_certificate_the_crl_lists_is_refused_and_the_others_pass() {
    let (genesys_ca, next_ca) = (ca("Genesys test CA"), ca("Genesys next CA"));
    let crl = rcgen::CertificateRevocationListParams {
        this_update: date_time_ymd(2025, 1, 1),
        next_update: date_time_ymd(2099, 1, 1),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![rcgen::RevokedCertParams {
            serial_number: rcgen::SerialNumber::from(7u64),
            revocation_time: date_time_ymd(2025, 6, 1),
            reason_code: Some(rcgen::RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    }
    .signed_by(&genesys_ca.issuer)
    .unwrap();
    let test = "mtls-crl";
    let (cert, key, server_pem) = certificate_files(test);
    let app = spawn_app_with(&[
        ("TLS_CERT", cert.to_str().unwrap()),
        ("TLS_KEY", key.to_str().unwrap()),
        (
            "TLS_CLIENT_CA",
            &file(
                test,
                "ca.pem",
                &format!("{}{}", genesys_ca.pem, next_ca.pem),
            ),
        ),
        (
            "TLS_CLIENT_CRL",
            &file(test, "crl.pem", &crl.pem().unwrap()),
        ),
        ("TLS_CLIENT_NAME", US_EAST_1),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let port = app.address.rsplit(':').next().unwrap();
    let served = Served {
        base: format!("https://localhost:{port}"),
        server_pem,
    };
    let serial = |n: u64| {
        move |params: &mut CertificateParams| {
            params.serial_number = Some(rcgen::SerialNumber::from(n));
        }
    };
    let revoked = client(Some(&genesys_ca), US_EAST_1, serial(7));
    assert!(served.start(Some(&revoked), ONE_ORG).await.is_none());
    assert_eq!(served.refusals("revoked").await, 1);
    // Another serial of that CA, and a certificate of a CA the CRL is not about.
    for identity in [
        client(Some(&genesys_ca), US_EAST_1, serial(8)),
        client(Some(&next_ca), US_EAST_1, serial(7)),
    ] {
        let reply = served.start(Some(&identity), ONE_ORG).await;
        assert!(started(&reply), "{reply:?}");
    }
}

#[tokio::test]
async fn an_orgs_credential_with_another_orgs_region_certificate_is_refused() {
    let test = "mtls-orgs";
    let genesys_ca = ca("Genesys test CA");
    let (acme, globex) = (org_genesys("acme").await, org_genesys("globex").await);
    let orgs = write_orgs_file(
        test,
        &orgs_toml(
            &acme.uri(),
            &globex.uri(),
            &format!("tls_client_name = \"{US_EAST_1}\""),
            &format!("tls_client_name = \"{US_WEST_2}\""),
        ),
    );
    let (cert, key, server_pem) = certificate_files(test);
    let bundle = file(test, "client-ca.pem", &genesys_ca.pem);
    let address = spawn_many(
        &orgs,
        &[
            ("TLS_CERT", cert.to_str().unwrap()),
            ("TLS_KEY", key.to_str().unwrap()),
            ("TLS_CLIENT_CA", &bundle),
        ],
    );
    let port = address.rsplit(':').next().unwrap();
    let served = Served {
        base: format!("https://localhost:{port}"),
        server_pem,
    };
    let (acme_cert, globex_cert) = (
        client(Some(&genesys_ca), US_EAST_1, |_| {}),
        client(Some(&genesys_ca), US_WEST_2, |_| {}),
    );
    let as_acme = Credential::Basic("acme-integration", "acme-inbound-pw");
    let as_globex = Credential::Bearer("globex-inbound-token");

    let reply = served.start(Some(&acme_cert), as_acme).await;
    assert!(started(&reply) && reply.unwrap()["joinCode"] == "acme");
    let reply = served.start(Some(&globex_cert), as_globex).await;
    assert!(started(&reply) && reply.unwrap()["joinCode"] == "globex");

    let reply = served.start(Some(&globex_cert), as_acme).await;
    assert!(unauthorized(&reply), "{reply:?}");
    let reply = served.start(Some(&acme_cert), as_globex).await;
    assert!(unauthorized(&reply), "{reply:?}");
    assert_eq!(served.refusals("wrong_region_for_org").await, 2);
    assert_eq!(
        acme.received_requests().await.unwrap().len(),
        2,
        "token and one start"
    );

    // A reload that leaves globex without a name to expect is refused; globex keeps its own.
    crate::orgs_reload::rewrite(
        &orgs,
        &orgs_toml(
            &acme.uri(),
            &globex.uri(),
            &format!("tls_client_name = \"{US_EAST_1}\""),
            "",
        ),
    );
    crate::orgs_reload::eventually("the reload refused", || async {
        let page = served
            .client(None)
            .get(format!("{}/metrics", served.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        page.contains("cobrowse_proxy_orgs_reload_failures_total 1")
    })
    .await;
    let reply = served.start(Some(&globex_cert), as_globex).await;
    assert!(started(&reply), "{reply:?}");
}

#[test]
fn the_region_names_the_certificate_and_settings_that_cannot_work_fail_at_start_up() {
    let (cert, key, _) = certificate_files("mtls-settings");
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let bundle = file("mtls-settings", "client-ca.pem", &ca("Genesys test CA").pem);
    let with = |region: Option<&str>, extra: &[(&str, &str)]| {
        let mut vars = match region {
            Some(region) => crate::common::required_vars(
                crate::common::Genesys::Region(region),
                ("id", "secret"),
                ("user", "password"),
            ),
            None => crate::common::required_vars(
                crate::common::Genesys::At("https://genesys.example"),
                ("id", "secret"),
                ("user", "password"),
            ),
        };
        vars.extend(extra.iter().map(|(n, v)| (*n, (*v).to_owned())));
        crate::common::settings(vars)
    };
    let mutual = [
        ("TLS_CERT", cert),
        ("TLS_KEY", key),
        ("TLS_CLIENT_CA", &bundle),
    ];

    let deployment = with(Some("us-west-2"), &mutual).unwrap();
    let name = deployment.orgs[0].tls_client_name.as_deref();
    assert_eq!(name, Some(US_WEST_2));
    let problem = |region, extra: &[(&str, &str)]| with(region, extra).unwrap_err().to_string();
    // Given by URLs, the org has no region to take the name from.
    let no_name = problem(None, &mutual);
    assert!(
        no_name.contains("COBROWSE_TLS_CLIENT_NAME is missing"),
        "{no_name}"
    );
    let bad_name = problem(
        None,
        &[mutual.as_slice(), &[("TLS_CLIENT_NAME", "not a name")]].concat(),
    );
    assert!(bad_name.contains("COBROWSE_TLS_CLIENT_NAME"), "{bad_name}");
    let without_https = problem(Some("us-west-2"), &[("TLS_CLIENT_CA", &bundle)]);
    assert!(
        without_https.contains("set COBROWSE_TLS_CERT"),
        "{without_https}"
    );
    let crl_alone = problem(Some("us-west-2"), &[("TLS_CLIENT_CRL", &bundle)]);
    assert!(
        crl_alone.contains("without COBROWSE_TLS_CLIENT_CA"),
        "{crl_alone}"
    );
    let not_ca = problem(
        Some("us-west-2"),
        &[("TLS_CERT", cert), ("TLS_KEY", key), ("TLS_CLIENT_CA", key)],
    );
    assert!(not_ca.contains("COBROWSE_TLS_CLIENT_CA="), "{not_ca}");
    let not_crl = problem(
        Some("us-west-2"),
        &[mutual.as_slice(), &[("TLS_CLIENT_CRL", &bundle)]].concat(),
    );
    assert!(not_crl.contains("COBROWSE_TLS_CLIENT_CRL="), "{not_crl}");
}

/// One client (and its TLS session cache, which would resume the first session) whose
/// certificate expires between two connections: the second is refused, as the handshake of
/// every connection judges the certificate now instead of resuming a session that holds it.
#[tokio::test]
async fn a_certificate_that_expired_since_the_last_connection_is_refused_on_the_next() {
    let genesys_ca = ca("Genesys test CA");
    let served = one_org("mtls-resume", &genesys_ca.pem).await;
    let expires = time::OffsetDateTime::now_utc() + time::Duration::seconds(3);
    let soon = client(Some(&genesys_ca), US_EAST_1, |params| {
        params.not_after = expires;
    });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let genesys = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(served.server_pem.as_bytes()).unwrap())
        .identity(reqwest::Identity::from_pem(soon.as_bytes()).unwrap())
        // A new connection for each call, through the same TLS session cache.
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();

    let reply = served.start_with(&genesys, ONE_ORG).await;
    assert!(started(&reply), "{reply:?}");
    let left = expires - time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    tokio::time::sleep(left.try_into().unwrap()).await;

    let reply = served.start_with(&genesys, ONE_ORG).await;
    assert!(
        reply.is_none(),
        "an expired certificate was let in: {reply:?}"
    );
    assert_eq!(served.refusals("expired").await, 1);
}
