//! The settings the server and every org share, whatever the deployment: where it listens,
//! TLS, client timeout, calls in flight, error mode, log format, reuse, whether it runs in
//! AWS Lambda, and the defaults an org leaves unset (`COBROWSE_UPSTREAM_TIMEOUT_MS` and the
//! settings an org may override).

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::env::{NOT_TEXT, RawEnv, parse_with, secret_set, set};
use super::parse::{choice, flag, millis};
use super::{DEFAULT_LISTEN, LAMBDA_LISTEN, OrgDefaults, PREFIX};
use crate::outcome::ErrorMode;
use crate::reuse::redis::{self, RedisSettings};
use crate::telemetry::LogFormat;
use crate::tls::client_auth::{self, ClientAuth};
use crate::tls::forwarded;
use crate::tls::{self, TlsConfig};

/// What the server and every org share. Add a deployment-wide setting here: a field, its
/// rule in [`read`], and its variable in `env::RawEnv`.
#[derive(Debug)]
pub struct SharedSettings {
    pub listen: SocketAddr,
    /// Serve HTTPS directly when set (`COBROWSE_TLS_CERT`/`COBROWSE_TLS_KEY`).
    pub tls: Option<TlsConfig>,
    /// Ask for and check a client certificate (`COBROWSE_TLS_CLIENT_CA`/`_CRL`): mutual TLS,
    /// at the handshake or from trusted proxies (`COBROWSE_TLS_CLIENT_CERT_PROXIES`).
    pub tls_client: Option<ClientAuth>,
    /// How long a client may take to send its request head and body.
    pub client_timeout: Duration,
    /// Calls served at once; more are answered `OVERLOADED` at once.
    pub max_in_flight: usize,
    pub error_mode: ErrorMode,
    pub log_format: LogFormat,
    /// How long a started session is handed out again to the same start; zero turns it off.
    pub reuse_window: Duration,
    /// The shared reuse store (`COBROWSE_REDIS_URL` and the settings beside it, checked);
    /// `None`: this process's memory.
    pub redis: Option<RedisSettings>,
    /// Inside AWS Lambda, behind the Web Adapter (`COBROWSE_LAMBDA`): direct invokes are
    /// served (`routes::LAMBDA_INVOKE_PATH`); the service listens on loopback, in plain HTTP,
    /// for one org.
    pub lambda: bool,
}

/// Reads the shared settings, and what an org leaves unset (`COBROWSE_UPSTREAM_TIMEOUT_MS`
/// and the settings an org may override), in one order whatever the deployment; each is
/// `None` when a variable of it is invalid (a problem says why). `lambda` is
/// `COBROWSE_LAMBDA`, read by the caller (`None`: invalid, reported).
pub(super) fn read(
    p: &mut Vec<String>,
    raw: &RawEnv,
    lambda: Option<bool>,
) -> (Option<SharedSettings>, Option<OrgDefaults>) {
    let upstream_timeout = parse_with(
        p,
        "UPSTREAM_TIMEOUT_MS",
        &raw.upstream_timeout_ms,
        "10000",
        millis(
            100..=60_000,
            " (a data action times out after at most 60 s)",
        ),
    );
    // Read whether or not the budget is valid, so that every problem is named at once.
    let defaults = OrgDefaults::built_in(upstream_timeout.unwrap_or_default())
        .overridden_by(raw, p)
        .filter(|_| upstream_timeout.is_some());
    let default_listen = match lambda {
        Some(true) => LAMBDA_LISTEN,
        _ => DEFAULT_LISTEN,
    };
    let listen = parse_with(p, "LISTEN", &raw.listen, default_listen, |v| {
        v.parse::<SocketAddr>()
            .map_err(|_| "must be an address and port such as 0.0.0.0:8080".to_owned())
    });
    if lambda == Some(true) {
        refuse_in_lambda(p, raw, listen);
    }
    let error_mode = parse_with(p, "ERROR_MODE", &raw.error_mode, "inline", choice);
    let log_format = parse_with(p, "LOG_FORMAT", &raw.log_format, "json", choice);
    let max_in_flight = parse_with(p, "MAX_IN_FLIGHT", &raw.max_in_flight, "100", |v| {
        match v.parse::<usize>() {
            Ok(n @ 1..=100_000) => Ok(n),
            _ => Err("must be a whole number from 1 to 100000".to_owned()),
        }
    });
    let client_timeout = parse_with(
        p,
        "CLIENT_TIMEOUT_MS",
        &raw.client_timeout_ms,
        "5000",
        millis(100..=60_000, ""),
    );
    let reuse_window = parse_with(
        p,
        "REUSE_WINDOW_MS",
        &raw.reuse_window_ms,
        "30000",
        millis(0..=600_000, " (0 turns reuse off)"),
    );
    let redis = redis_settings(p, raw);
    // A path that is not text was reported already; not reported again as missing.
    let tls = if [&raw.tls_cert, &raw.tls_key]
        .iter()
        .any(|path| path.as_deref() == Some(NOT_TEXT))
    {
        None
    } else {
        tls::load(set(&raw.tls_cert).as_deref(), set(&raw.tls_key).as_deref())
            .map_err(|e| p.extend(e.0))
            .ok()
    };
    let tls_client = tls_client(p, raw);

    let shared = (|| {
        Some(SharedSettings {
            listen: listen?,
            tls: tls?,
            tls_client: tls_client?,
            client_timeout: client_timeout?,
            max_in_flight: max_in_flight?,
            error_mode: error_mode?,
            log_format: log_format?,
            reuse_window: reuse_window?,
            redis,
            lambda: lambda?,
        })
    })();
    (shared, defaults)
}

/// What `COBROWSE_LAMBDA=true` cannot run with: the Web Adapter calls the service in plain
/// HTTP on 127.0.0.1, and the direct-invoke path, served without a credential, must be
/// reachable from nowhere else; a direct invoke carries nothing to find one org of many by.
fn refuse_in_lambda(p: &mut Vec<String>, raw: &RawEnv, listen: Option<SocketAddr>) {
    if let Some(listen) = listen.filter(|listen| !listen.ip().is_loopback()) {
        p.push(format!(
            "{PREFIX}LISTEN={listen} is not a loopback address, and {PREFIX}LAMBDA=true serves direct invokes, which carry no credential, to whoever reaches it: listen on 127.0.0.1 (unset, {LAMBDA_LISTEN}, where the AWS Lambda Web Adapter calls by default; AWS_LWA_PORT is the port)"
        ));
    }
    if set(&raw.tls_cert).is_some() || set(&raw.tls_key).is_some() {
        p.push(format!(
            "{PREFIX}TLS_CERT and {PREFIX}TLS_KEY are set, but with {PREFIX}LAMBDA=true the AWS Lambda Web Adapter calls the service in plain HTTP on loopback (HTTPS ends at the function URL or API Gateway): unset them"
        ));
    }
    // Loopback is no protection in Lambda: a function URL or API Gateway reaches it.
    if raw.auth_disabled.as_deref().and_then(|v| flag(v).ok()) == Some(true) {
        p.push(format!(
            "{PREFIX}AUTH_DISABLED=true with {PREFIX}LAMBDA=true would let anyone who reaches a function URL or API Gateway start cobrowse: unset it. In Lambda a direct invoke needs no credential, and with none set every call over HTTP is refused"
        ));
    }
    if set(&raw.orgs_file).is_some() {
        p.push(format!(
            "{PREFIX}ORGS_FILE is set, but {PREFIX}LAMBDA=true serves one org: a direct invoke carries no credential to find an org by (and the role Genesys assumes names one org id). Deploy one function per org, each with its org's {PREFIX}GENESYS_* variables, and unset {PREFIX}ORGS_FILE"
        ));
    }
}

/// Mutual TLS (`COBROWSE_TLS_CLIENT_CA`, `_CRL`, `_CERT_PROXIES`): `Some(None)` without it,
/// `None` when a variable of it is invalid.
fn tls_client(p: &mut Vec<String>, raw: &RawEnv) -> Option<Option<ClientAuth>> {
    let proxies = parse_with(
        p,
        "TLS_CLIENT_CERT_PROXIES",
        &raw.tls_client_cert_proxies,
        "",
        forwarded::parse_proxies,
    );
    // A path that is not text was reported already.
    if [&raw.tls_client_ca, &raw.tls_client_crl]
        .iter()
        .any(|path| path.as_deref() == Some(NOT_TEXT))
    {
        return None;
    }
    let ca = set(&raw.tls_client_ca);
    // Set, even to a value with problems of its own: it says the proxies pass certificates.
    let behind_proxies = set(&raw.tls_client_cert_proxies);
    if ca.is_some() && set(&raw.tls_cert).is_none() && behind_proxies.is_none() {
        p.push(format!(
            "{PREFIX}TLS_CLIENT_CA asks for client certificates, which only a service serving HTTPS itself, or behind a proxy that passes them on, can check: set {PREFIX}TLS_CERT and {PREFIX}TLS_KEY too, or {PREFIX}TLS_CLIENT_CERT_PROXIES to the addresses of the ingress or load balancer that terminates TLS (docs/security.md), or unset it"
        ));
    }
    if ca.is_none() && behind_proxies.is_some_and(|v| v != NOT_TEXT) {
        p.push(format!(
            "{PREFIX}TLS_CLIENT_CERT_PROXIES names proxies trusted to pass a client certificate on, which is checked only with {PREFIX}TLS_CLIENT_CA: set it to the CA bundle the proxy trusts too, or unset {PREFIX}TLS_CLIENT_CERT_PROXIES"
        ));
    }
    let client = client_auth::load(ca.as_deref(), set(&raw.tls_client_crl).as_deref())
        .map_err(|e| p.extend(e.0))
        .ok()?;
    let proxies = proxies?;
    Some(client.map(|client| client.trusting(proxies)))
}

/// `COBROWSE_REDIS_URL` and the settings beside it (`_CLUSTER`, `_CA_FILE`, `_NAMESPACE`);
/// `None` without a URL, when one beside it set is refused: it would do nothing.
fn redis_settings(p: &mut Vec<String>, raw: &RawEnv) -> Option<RedisSettings> {
    let cluster = parse_with(p, "REDIS_CLUSTER", &raw.redis_cluster, "false", flag);
    // A value that is not text was reported already.
    let ca_file = set(&raw.redis_ca_file).filter(|v| v != NOT_TEXT);
    let namespace = set(&raw.redis_namespace).filter(|v| v != NOT_TEXT);
    let Some(url) = secret_set(raw.redis_url.clone()) else {
        let beside = [
            ("REDIS_CLUSTER", cluster == Some(true)),
            ("REDIS_CA_FILE", ca_file.is_some()),
            ("REDIS_NAMESPACE", namespace.is_some()),
        ];
        for (name, _) in beside.iter().filter(|(_, set)| *set) {
            p.push(format!(
                "{PREFIX}{name} is set but {PREFIX}REDIS_URL is not, and it does nothing without Redis: set {PREFIX}REDIS_URL too, or remove it"
            ));
        }
        return None;
    };
    let text = url.expose_secret();
    let urls = (text != NOT_TEXT)
        .then(|| redis::check_urls(text, cluster.unwrap_or(false)))
        .transpose()
        .map_err(|why| p.push(format!("{PREFIX}REDIS_URL {why}")))
        .ok()
        .flatten();
    let ca = ca_file.and_then(|path| {
        let problem = |why: String| format!("{PREFIX}REDIS_CA_FILE={path:?} {why}");
        let pem = std::fs::read(&path)
            .map_err(|e| problem(format!("cannot be read ({e})")))
            .and_then(|pem| redis::check_ca(&pem).map(|()| pem).map_err(problem));
        if let (Ok(_), Some(urls)) = (&pem, &urls)
            && !redis::all_tls(urls)
        {
            p.push(format!(
                "{PREFIX}REDIS_CA_FILE is set but {PREFIX}REDIS_URL is redis://, which is not TLS: use rediss://, whose certificate the CA verifies"
            ));
        }
        pem.map_err(|why| p.push(why)).ok()
    });
    if let Some(name) = &namespace {
        if set(&raw.orgs_file).is_some() {
            p.push(format!(
                "{PREFIX}REDIS_NAMESPACE names the Redis keys of the environment's one org; with {PREFIX}ORGS_FILE each org's keys carry its own name: remove it"
            ));
        } else if !super::orgs_file::valid_name(name) {
            p.push(format!(
                "{PREFIX}REDIS_NAMESPACE must be 1 to 64 letters, digits, - and _: the name the org has, or will have, in an orgs file"
            ));
        }
    }
    Some(RedisSettings {
        url,
        cluster: cluster.unwrap_or(false),
        ca,
        namespace,
    })
}
