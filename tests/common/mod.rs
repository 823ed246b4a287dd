//! What every test crate shares: the HTTP client, the settings the service cannot start
//! without, the checks doctor prints, Genesys's token reply and a Genesys issuing tokens,
//! the cobrowse starts Genesys received, an address nothing serves, a self-signed
//! certificate, a real Redis (`redis_server`, `redis_tls` for one serving TLS to an ACL
//! user) or Redis Cluster (`redis_cluster`), and the skip of a test whose program is missing
//! (`tool`). Each crate includes this file as its own `common` module.

// Not every crate uses every helper.
#![allow(dead_code)]

pub mod redis_cluster;
pub mod redis_server;
pub mod redis_tls;
pub mod tool;

use std::path::PathBuf;

use cobrowse_proxy::config::{ConfigError, Deployment};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The checks `cobrowse-proxy doctor` prints, in the order it prints them. Written out rather
/// than taken from the library: they are what an admin reads and a script matches, so a
/// renamed or reordered check must fail a test.
pub const DOCTOR_CHECKS: [&str; 9] = [
    "configuration",
    "token",
    "org",
    "start-permission",
    "read-permission",
    "data-action",
    "client-certificates",
    "egress-ranges",
    "service-url",
];

/// A test client; reqwest is built without a bundled crypto provider, so install ours.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Where the service finds Genesys.
pub enum Genesys<'a> {
    /// `GENESYS_REGION`: the API and login URLs follow from it.
    Region(&'a str),
    /// `GENESYS_API_URL` and `GENESYS_LOGIN_URL` both: one mock serves both.
    At(&'a str),
}

/// The variables the service cannot start without, named without their `COBROWSE_` prefix:
/// where Genesys is, its OAuth client `(id, secret)`, and the inbound Basic credential
/// `(username, password)`.
pub fn required_vars(
    genesys: Genesys<'_>,
    client: (&str, &str),
    inbound: (&str, &str),
) -> Vec<(&'static str, String)> {
    let mut vars = match genesys {
        Genesys::Region(region) => vec![("GENESYS_REGION", region.to_owned())],
        Genesys::At(url) => vec![
            ("GENESYS_API_URL", url.to_owned()),
            ("GENESYS_LOGIN_URL", url.to_owned()),
        ],
    };
    vars.extend([
        ("GENESYS_CLIENT_ID", client.0.to_owned()),
        ("GENESYS_CLIENT_SECRET", client.1.to_owned()),
        ("AUTH_USERNAME", inbound.0.to_owned()),
        ("AUTH_PASSWORD", inbound.1.to_owned()),
    ]);
    vars
}

/// Only the required variables, with placeholder values and a region: every other setting
/// at its default.
pub fn placeholder_vars() -> Vec<(&'static str, String)> {
    required_vars(
        Genesys::Region("eu-west-1"),
        ("id", "secret"),
        ("user", "password"),
    )
}

/// `vars`, named without their `COBROWSE_` prefix, with it.
pub fn prefixed<N: AsRef<str>, V: AsRef<str>>(
    vars: impl IntoIterator<Item = (N, V)>,
) -> impl Iterator<Item = (String, String)> {
    vars.into_iter().map(|(name, value)| {
        (
            format!("COBROWSE_{}", name.as_ref()),
            value.as_ref().to_owned(),
        )
    })
}

/// The service's settings from `vars`, named without their `COBROWSE_` prefix.
pub fn settings<N: AsRef<str>, V: AsRef<str>>(
    vars: impl IntoIterator<Item = (N, V)>,
) -> Result<Deployment, ConfigError> {
    Deployment::from_vars(prefixed(vars))
}

/// Genesys's login service issuing `access_token`, valid for `expires_in` seconds.
pub fn token_reply(access_token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": expires_in
    }))
}

/// A mocked Genesys whose login service issues `access_token`, valid for a day; the test
/// mounts what its API answers.
pub async fn genesys_issuing(access_token: &str) -> MockServer {
    let genesys = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_reply(access_token, 86_400))
        .mount(&genesys)
        .await;
    genesys
}

/// Whether `request` went to a conversation's cobrowse route, where sessions are started.
pub fn is_start(request: &Request) -> bool {
    request.url.path().ends_with("/cobrowse")
}

/// The requests `genesys` received on the cobrowse route, in the order they came.
pub async fn start_requests(genesys: &MockServer) -> Vec<Request> {
    let mut requests = genesys
        .received_requests()
        .await
        .expect("wiremock records requests");
    requests.retain(is_start);
    requests
}

/// A loopback address nothing serves. The socket is bound but never listens: the port stays
/// reserved for as long as this lives (a server spawned by a parallel test cannot take it)
/// and every connection is refused. Binding and dropping a listener would free the port.
pub struct Unreachable {
    _reserved: tokio::net::TcpSocket,
    pub port: u16,
}

impl Unreachable {
    pub fn reserve() -> Self {
        let reserved = tokio::net::TcpSocket::new_v4().unwrap();
        reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = reserved.local_addr().unwrap().port();
        Unreachable {
            _reserved: reserved,
            port,
        }
    }

    /// `127.0.0.1:port`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address())
    }
}

/// A self-signed certificate for localhost, written as PEM files for this test only: the
/// certificate's and the key's paths, and the certificate's PEM text.
pub fn certificate_files(name: &str) -> (PathBuf, PathBuf, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir =
        std::env::temp_dir().join(format!("cobrowse-proxy-tls-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let cert_pem = certified.cert.pem();
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key, cert_pem)
}
