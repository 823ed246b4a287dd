//! How the service reaches Redis (`COBROWSE_REDIS_URL` and the settings beside it): one
//! Redis through one multiplexed connection that reopens by itself, or Redis Cluster from its
//! seed URLs (the client learns the slots, follows `MOVED` and `ASK`, and reconnects to a
//! promoted replica); TLS verified against the system's CAs or the CA file the operator names.
//! A failure is worded here: never with a password, and naming the setting to change when the
//! settings are its cause (a cluster spoken to as one Redis, a certificate the CA did not sign).

use std::fmt;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClientBuilder, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::{
    Cmd, ConnectionAddr, ErrorKind, FromRedisValue, IntoConnectionInfo, RedisError, RedisResult,
    ServerErrorKind, TlsCertificates,
};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use secrecy::{ExposeSecret, SecretString};

use super::COMMAND_TIMEOUT;
use super::scripts::Call;

/// Where the shared reuse store is, as the settings say (checked: see [`check_urls`] and
/// [`check_ca`]).
pub struct RedisSettings {
    /// `COBROWSE_REDIS_URL`: one URL, or with `cluster` one or more seed URLs, comma-separated.
    pub url: SecretString,
    /// `COBROWSE_REDIS_CLUSTER`: Redis Cluster (cluster mode enabled).
    pub cluster: bool,
    /// `COBROWSE_REDIS_CA_FILE`'s certificates (PEM), trusted instead of the system's.
    pub ca: Option<Vec<u8>>,
    /// `COBROWSE_REDIS_NAMESPACE`: the name the environment's one org's keys carry.
    pub namespace: Option<String>,
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &"(not shown)")
            .field("cluster", &self.cluster)
            .field(
                "ca",
                &self.ca.as_ref().map(|pem| format!("{} bytes", pem.len())),
            )
            .field("namespace", &self.namespace)
            .finish()
    }
}

/// Checks `COBROWSE_REDIS_URL`: one `redis://` or `rediss://` URL (optional user, password and
/// database), or with `cluster` one or more, comma-separated, on database 0. The reason for a
/// refusal never repeats a URL.
pub fn check_urls(value: &str, cluster: bool) -> Result<Vec<String>, String> {
    let urls = urls(value, cluster);
    if !cluster
        && [",redis://", ",rediss://"]
            .iter()
            .any(|s| value.contains(s))
    {
        return Err(
            "holds several URLs, which only a cluster's seeds are: set COBROWSE_REDIS_CLUSTER=true for Redis Cluster, or give one URL"
                .to_owned(),
        );
    }
    for url in &urls {
        let scheme_ok = url.starts_with("redis://") || url.starts_with("rediss://");
        let info = url
            .as_str()
            .into_connection_info()
            .ok()
            .filter(|_| scheme_ok);
        let Some(info) = info else {
            return Err(
                "must be a redis:// or rediss:// URL such as redis://:password@redis:6379/0 (user, password and database optional; with COBROWSE_REDIS_CLUSTER=true, one or more, comma-separated)"
                    .to_owned(),
            );
        };
        if cluster && info.redis_settings().db() != 0 {
            return Err(
                "names a database other than 0, which Redis Cluster does not have: leave the database out"
                    .to_owned(),
            );
        }
    }
    Ok(urls)
}

/// The URLs of `COBROWSE_REDIS_URL`: a cluster's are comma-separated (a comma in a password
/// is then written `%2C`); one Redis's is the whole value, whatever its password holds.
fn urls(value: &str, cluster: bool) -> Vec<String> {
    match cluster {
        true => value.split(',').map(|u| u.trim().to_owned()).collect(),
        false => vec![value.trim().to_owned()],
    }
}

/// Whether every URL is `rediss://` (TLS).
pub fn all_tls(urls: &[String]) -> bool {
    urls.iter().all(|url| {
        url.as_str()
            .into_connection_info()
            .is_ok_and(|info| matches!(info.addr(), ConnectionAddr::TcpTls { .. }))
    })
}

/// Checks the CA file's text: PEM holding at least one certificate usable as a trust anchor.
pub fn check_ca(pem: &[u8]) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(pem) {
        let certificate = certificate.map_err(|_| "is not PEM certificates".to_owned())?;
        roots
            .add(certificate)
            .map_err(|e| format!("holds a certificate that is no CA certificate ({e})"))?;
    }
    if roots.is_empty() {
        return Err(
            "holds no certificate (-----BEGIN CERTIFICATE-----): name the PEM file of the CA that signed Redis's certificate"
                .to_owned(),
        );
    }
    Ok(())
}

/// The connection to one Redis or to a cluster: a cheap handle, cloned per command.
#[derive(Clone)]
pub(super) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl Connection {
    /// Prepares the connection; it opens on first use and reopens by itself after a failure,
    /// so a Redis that is down at start-up delays nothing.
    pub(super) fn new(settings: &RedisSettings) -> Result<Self, String> {
        let urls = check_urls(settings.url.expose_secret(), settings.cluster)?;
        let certificates = || TlsCertificates {
            client_tls: None,
            root_cert: settings.ca.clone(),
        };
        let set_up = |e: RedisError| format!("the Redis connection cannot be set up ({e})");
        if settings.cluster {
            let mut builder = ClusterClientBuilder::new(urls)
                .connection_timeout(COMMAND_TIMEOUT)
                .response_timeout(COMMAND_TIMEOUT);
            if settings.ca.is_some() {
                builder = builder.certs(certificates());
            }
            let config = ClusterConfig::new()
                .set_connection_timeout(COMMAND_TIMEOUT)
                .set_response_timeout(COMMAND_TIMEOUT);
            let client = builder.build().map_err(set_up)?;
            return Ok(Connection::Cluster(
                client.get_pending_async_connection_with_config(config),
            ));
        }
        let url = urls[0].as_str();
        let client = match settings.ca {
            Some(_) => redis::Client::build_with_tls(url, certificates()),
            None => redis::Client::open(url),
        }
        .map_err(set_up)?;
        // One attempt per connection, no backoff: a command that meets a dead connection
        // is sent once more on a new one (`RedisStore::run`), and a connection that cannot be
        // made (refused, a certificate not trusted) says why within the command's time,
        // rather than spending it waiting to try again.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(0);
        ConnectionManager::new_lazy_with_config(client, config)
            .map(Connection::Single)
            .map_err(set_up)
    }

    /// Runs a script by its SHA-1, or by its text when the node does not know it.
    pub(super) async fn invoke<T: FromRedisValue>(&mut self, call: &Call) -> RedisResult<T> {
        match self.query(&call.command(false)).await {
            Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                self.query(&call.command(true)).await
            }
            answer => answer,
        }
    }

    async fn query<T: FromRedisValue>(&mut self, command: &Cmd) -> RedisResult<T> {
        match self {
            Connection::Single(connection) => command.query_async(connection).await,
            Connection::Cluster(connection) => command.query_async(connection).await,
        }
    }
}

/// The passwords of `COBROWSE_REDIS_URL`, so an error that quotes one can be scrubbed.
pub(super) fn passwords(url: &SecretString, cluster: bool) -> Vec<String> {
    urls(url.expose_secret(), cluster)
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .filter_map(|u| u.password().map(str::to_owned))
        .filter(|p| !p.is_empty())
        .collect()
}

/// What went wrong, in words, with what to change when the settings are the cause.
pub(super) fn describe(error: &RedisError, settings_cluster: bool) -> String {
    let text = error.to_string();
    let cluster_answer = matches!(
        error.kind(),
        ErrorKind::Server(ServerErrorKind::Moved | ServerErrorKind::Ask)
    );
    if cluster_answer && !settings_cluster {
        return format!(
            "{text}: this Redis is a cluster (cluster mode enabled); set COBROWSE_REDIS_CLUSTER=true"
        );
    }
    if text.contains("invalid peer certificate") {
        return format!(
            "{text}: Redis's certificate is not trusted; COBROWSE_REDIS_CA_FILE must name the CA that signed it (when unset, the system's CAs are used), and the URL's host must be a name or address the certificate holds"
        );
    }
    text
}
