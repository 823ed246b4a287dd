//! The orgs a deployment serves, and which one a call is for.
//!
//! A deployment is a set of orgs: the environment's one org (a set of one, with no name), or
//! the orgs of `COBROWSE_ORGS_FILE`, replaced whole when the file is read again (`reload`).
//! The inbound credential decides the org: nothing in a request can pick another. Each org is
//! sealed off from the others: its own token cache, Genesys limiter, learned request body and
//! reuse store (Redis keys carry its name). What they share is only what carries nothing of
//! an org: the HTTP connection pools, the Redis connection, the metrics registry.
//!
//! What differs between the two kinds of set is a property of the set, read here: where a
//! refused caller finds its credential, whether an org holds a share of the instance, whether
//! a file is watched.

mod reload;
mod share;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{OrgDefaults, OrgSettings, OrgsFile, Version};
use crate::domain::CobrowseType;
use crate::genesys::transport::Transport;
use crate::genesys::{GenesysClient, GenesysSettings};
use crate::inbound_auth::{Credentials, InboundAuth, Refusal};
use crate::metrics::{GenesysStatus, Metrics, OrgLabel};
use crate::outcome::ErrorCode;
use crate::reuse::Reuse;
use crate::reuse::redis::RedisStore;
use actix_web::HttpRequest;
use arc_swap::ArcSwap;

pub use reload::Reloaded;
pub use share::Share;
use share::Shares;

/// One Genesys org as the service serves it.
pub struct Org {
    /// The name in the orgs file; `None` for the environment's one org, whose logs, metrics
    /// and Redis keys carry no name.
    pub name: Option<&'static str>,
    pub genesys: Arc<GenesysClient>,
    pub reuse: Arc<Reuse>,
    pub default_cobrowse_type: CobrowseType,
    /// The instance's calls in flight this org holds, at most [`org_share`] of them, every
    /// build of the org's name counted together (`share`); `None` for the environment's one
    /// org, which may hold them all.
    pub in_flight: Option<Arc<Share>>,
    /// The DNS name its data actions' client certificate must carry (mutual TLS).
    pub tls_client_name: Option<String>,
    /// What `genesys` was built from: a reload that leaves it unchanged keeps the client,
    /// and so the token and what it learned.
    genesys_settings: GenesysSettings,
}

/// Every org of the deployment, and where they come from.
pub struct Orgs {
    /// Replaced whole by a reload; a call keeps the org it found.
    current: ArcSwap<OrgSet>,
    builder: OrgBuilder,
    /// The orgs file, watched and read again; `None` for the environment's one org.
    file: Option<WatchedFile>,
    /// The environment's one org has no credential (`COBROWSE_LAMBDA=true` without
    /// `COBROWSE_AUTH_*`): only the function's direct invokes are served.
    direct_invoke_only: bool,
}

/// `COBROWSE_ORGS_FILE` as the service watches it.
struct WatchedFile {
    path: PathBuf,
    /// The version of the file read at start-up, where the watch for changes starts.
    read_at_start: Version,
    /// What an org of the file leaves unset, for every version of the file.
    defaults: OrgDefaults,
    /// One reload at a time (SIGHUP and a file change may come together).
    reloading: tokio::sync::Mutex<()>,
}

/// One version of the orgs, with the table that finds an org by its credential.
struct OrgSet {
    orgs: Vec<Arc<Org>>,
    credentials: Credentials,
}

/// What every org is built with.
pub struct OrgBuilder {
    /// Shared connection pools; each org gets its own limiter on them.
    transport: Transport,
    redis: Option<RedisStore>,
    reuse_window: Duration,
    metrics: Arc<Metrics>,
    /// Each org's share of the instance's calls in flight, by name, for the orgs of a file.
    shares: Option<Shares>,
    /// Mutual TLS: an org without the name its certificate must carry is refused.
    pub(crate) requires_client_names: bool,
}

/// The most of the instance's `max_in_flight` calls one org may hold at once: three
/// quarters, so that calls of an org whose Genesys hangs (each held for its whole budget)
/// always leave a quarter of the instance to the other orgs, across reloads too (`share`).
/// An org sends at most 15 data actions at once (docs/performance.md), far below three
/// quarters of the default 100.
pub fn org_share(max_in_flight: usize) -> usize {
    (max_in_flight * 3 / 4).max(1)
}

impl OrgBuilder {
    /// `orgs_file`: whether the orgs are a file's, each then held to its [`org_share`].
    pub fn new(
        upstream_timeout: Duration,
        redis: Option<RedisStore>,
        reuse_window: Duration,
        metrics: Arc<Metrics>,
        max_in_flight: usize,
        orgs_file: bool,
    ) -> Self {
        OrgBuilder {
            transport: GenesysClient::transport(upstream_timeout, metrics.clone()),
            redis,
            reuse_window,
            metrics,
            shares: orgs_file.then(|| Shares::new(org_share(max_in_flight))),
            requires_client_names: false,
        }
    }

    fn build(&self, settings: &OrgSettings) -> Org {
        let name = settings.name.as_deref().map(intern);
        // Only the codes alerts count from the first (CobrowseGenesysAuthFailed,
        // CobrowseMissingPermission): every code for every org would be thousands of
        // series, and the alerts on shares need no 0. (The unnamed org has them all.)
        self.metrics.list_calls(
            OrgLabel(name),
            [ErrorCode::GenesysAuthFailed, ErrorCode::MissingPermission]
                .map(|code| (code.outcome(), code.as_str())),
        );
        Org {
            name,
            genesys: Arc::new(GenesysClient::on_transport(
                &settings.genesys,
                self.transport
                    .with_limit(settings.genesys.requests_per_minute),
                self.metrics.clone(),
                OrgLabel(name),
            )),
            reuse: Arc::new(Reuse::in_namespace(
                name.unwrap_or_default(),
                self.reuse_window,
                self.redis.clone(),
                self.metrics.clone(),
            )),
            default_cobrowse_type: settings.default_cobrowse_type,
            in_flight: (self.shares.as_ref())
                .zip(name)
                .map(|(shares, name)| shares.of(name)),
            tls_client_name: settings.tls_client_name.clone(),
            genesys_settings: settings.genesys.clone(),
        }
    }
}

impl Orgs {
    /// The deployment's orgs as read at start-up; `file` when they are an orgs file's, which
    /// is then watched ([`Orgs::watch`]).
    pub fn new(
        settings: &[OrgSettings],
        file: Option<&OrgsFile>,
        defaults: &OrgDefaults,
        builder: OrgBuilder,
    ) -> Self {
        let orgs = settings
            .iter()
            .map(|s| Arc::new(builder.build(s)))
            .collect();
        let direct_invoke_only = file.is_none()
            && settings
                .iter()
                .all(|s| matches!(s.inbound_auth, InboundAuth::DirectInvokeOnly));
        Orgs {
            direct_invoke_only,
            current: ArcSwap::from_pointee(OrgSet::new(orgs, settings)),
            builder,
            file: file.map(|file| WatchedFile {
                path: file.path.clone(),
                read_at_start: file.version,
                defaults: defaults.clone(),
                reloading: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The org whose credential the request carries.
    pub fn authenticate(&self, request: &HttpRequest) -> Result<Arc<Org>, Refusal> {
        let set = self.current.load();
        set.credentials
            .find(request)
            .map(|index| set.orgs[index].clone())
    }

    /// The deployment's org when it has exactly one: the org of a direct invoke, which
    /// carries no credential (`COBROWSE_LAMBDA` refuses an orgs file).
    pub fn only(&self) -> Option<Arc<Org>> {
        match self.current.load().orgs.as_slice() {
            [org] => Some(org.clone()),
            _ => None,
        }
    }

    /// What the caller must change when its credential is refused.
    pub fn credential_hint(&self) -> &'static str {
        match self.file {
            None if self.direct_invoke_only => {
                "This AWS Lambda function has no inbound credential (COBROWSE_LAMBDA=true without COBROWSE_AUTH_*): it serves the direct invokes of Genesys's AWS Lambda data actions integration, and refuses every call over HTTP, such as through its function URL. To call it over HTTP, set COBROWSE_AUTH_USERNAME/COBROWSE_AUTH_PASSWORD (or COBROWSE_AUTH_BEARER_TOKEN) and give the data action integration that credential."
            }
            None => {
                "Give the data action integration a Basic Auth credential matching COBROWSE_AUTH_USERNAME/COBROWSE_AUTH_PASSWORD (or a bearer token matching COBROWSE_AUTH_BEARER_TOKEN)."
            }
            Some(_) => {
                "Give the data action integration its org's credential from the orgs file (auth_username/auth_password, or auth_bearer_token)."
            }
        }
    }

    /// Every org now, by name (one unnamed for the environment's org).
    pub fn list(&self) -> Vec<Arc<Org>> {
        self.current.load().orgs.clone()
    }

    /// What each org's Genesys client knows now, for `/metrics`.
    pub fn genesys_status(&self) -> Vec<(OrgLabel, GenesysStatus)> {
        self.list()
            .iter()
            .map(|org| (OrgLabel(org.name), org.genesys.status()))
            .collect()
    }

    /// Builds the calling thread's HTTP client now (see `GenesysClient::prepare_thread`).
    pub fn prepare_thread(&self) {
        self.builder.transport.http();
    }
}

impl OrgSet {
    fn new(orgs: Vec<Arc<Org>>, settings: &[OrgSettings]) -> Self {
        OrgSet {
            orgs,
            credentials: Credentials::new(settings.iter().map(|s| &s.inbound_auth)),
        }
    }
}

/// An org's name for as long as the process lives: metric labels, log fields and reuse keys
/// hold it without allocating per call. Each distinct name is kept once, so reloads add only
/// the names that are new.
fn intern(name: &str) -> &'static str {
    static NAMES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut names = NAMES.lock().expect("org names lock");
    let names = names.get_or_insert_with(HashSet::new);
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

#[cfg(test)]
mod memory_tests;
