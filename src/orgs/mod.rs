//! The orgs a deployment serves, and which one a call is for.
//!
//! A single-org deployment has one [`Org`], built from the environment, and every call that
//! passes its credential is that org's. With `COBROWSE_ORGS_FILE` there are many, and the
//! inbound credential decides the org: nothing in a request can pick another. Each org is
//! sealed off from the others: its own token cache, Genesys limiter, learned request body and
//! reuse store (Redis keys carry its name). What they share is only what carries nothing of
//! an org: the HTTP connection pools, the Redis connection, the metrics registry.
//!
//! Finding the org stays constant-time in the secret: the presented credential (the whole
//! decoded `user:password`, or the bearer token) is hashed with SipHash under a key drawn at
//! random for the process (std's `RandomState`), which is what the table is keyed by, and the
//! one candidate found is then compared in constant time. A wrong password and an unknown
//! user miss the table alike, and the time taken depends on the credential's length only.

pub mod file;
mod reload;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpRequest;
use arc_swap::ArcSwap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::domain::CobrowseType;
use crate::genesys::transport::Transport;
use crate::genesys::{GenesysClient, GenesysSettings};
use crate::inbound_auth::{self, InboundCredential, Refusal, Scheme};
use crate::metrics::{GenesysStatus, Metrics, OrgLabel};
use crate::outcome::ErrorCode;
use crate::reuse::Reuse;
use crate::reuse::redis::RedisStore;
use file::{OrgDefaults, OrgSettings, Version};

pub use reload::Reloaded;

/// One Genesys org as the service serves it.
pub struct Org {
    /// The name in the orgs file; `None` in a single-org deployment, whose logs, metrics and
    /// Redis keys stay as they were.
    pub name: Option<&'static str>,
    pub genesys: Arc<GenesysClient>,
    pub reuse: Arc<Reuse>,
    pub default_cobrowse_type: CobrowseType,
    /// With many orgs, the most of the instance's calls in flight this org may hold
    /// ([`org_share`]); `None` for the one org of the environment, which may hold them all.
    pub in_flight: Option<Arc<Semaphore>>,
    /// What `genesys` was built from: a reload that leaves it unchanged keeps the client,
    /// and so the token and what it learned.
    genesys_settings: Option<GenesysSettings>,
}

/// Every org of the deployment.
pub enum Orgs {
    /// The environment's one org, and its credential.
    One(Arc<Org>, InboundCredential),
    /// The orgs file's orgs, replaced whole by a reload; a call keeps the org it found.
    Many(ManyOrgs),
}

pub struct ManyOrgs {
    current: ArcSwap<OrgSet>,
    file: PathBuf,
    /// The version of the file read at start-up, where the watch for changes starts.
    read_at_start: Version,
    defaults: OrgDefaults,
    builder: OrgBuilder,
    /// One reload at a time (SIGHUP and a file change may come together).
    reloading: tokio::sync::Mutex<()>,
}

/// One version of the orgs file, with the tables that find an org by its credential.
struct OrgSet {
    orgs: Vec<Arc<Org>>,
    /// Keyed hash of `user:password` -> (the org's index, the credential).
    basic: HashMap<u64, Vec<(usize, SecretString)>>,
    /// Keyed hash of the bearer token -> (the org's index, the token).
    bearer: HashMap<u64, Vec<(usize, SecretString)>>,
    hasher: RandomState,
}

/// What every org is built with.
pub struct OrgBuilder {
    /// Shared connection pools; each org gets its own limiter on them.
    transport: Transport,
    redis: Option<RedisStore>,
    reuse_window: Duration,
    metrics: Arc<Metrics>,
    /// `COBROWSE_MAX_IN_FLIGHT`, of which each org gets its [`org_share`].
    max_in_flight: usize,
}

/// The most of the instance's `max_in_flight` calls one org may hold at once: three
/// quarters, so that calls of an org whose Genesys hangs (each held for its whole budget)
/// always leave a quarter of the instance to the other orgs. An org sends at most 15 data
/// actions at once (docs/performance.md), far below three quarters of the default 100.
pub fn org_share(max_in_flight: usize) -> usize {
    (max_in_flight * 3 / 4).max(1)
}

impl OrgBuilder {
    pub fn new(
        upstream_timeout: Duration,
        redis: Option<RedisStore>,
        reuse_window: Duration,
        metrics: Arc<Metrics>,
        max_in_flight: usize,
    ) -> Self {
        OrgBuilder {
            transport: GenesysClient::transport(upstream_timeout, metrics.clone()),
            redis,
            reuse_window,
            metrics,
            max_in_flight,
        }
    }

    fn build(&self, settings: &OrgSettings) -> Org {
        let name = intern(&settings.name);
        // Only the codes alerts count from the first (CobrowseGenesysAuthFailed,
        // CobrowseMissingPermission): every code for every org would be thousands of
        // series, and the alerts on shares need no 0.
        self.metrics.list_calls(
            OrgLabel(Some(name)),
            [ErrorCode::GenesysAuthFailed, ErrorCode::MissingPermission]
                .map(|code| (code.outcome(), code.as_str())),
        );
        Org {
            name: Some(name),
            genesys: Arc::new(GenesysClient::on_transport(
                &settings.genesys,
                self.transport
                    .with_limit(settings.genesys.requests_per_minute),
                self.metrics.clone(),
                OrgLabel(Some(name)),
            )),
            reuse: Arc::new(Reuse::in_namespace(
                name,
                self.reuse_window,
                self.redis.clone(),
                self.metrics.clone(),
            )),
            default_cobrowse_type: settings.default_cobrowse_type,
            in_flight: Some(Arc::new(Semaphore::new(org_share(self.max_in_flight)))),
            genesys_settings: Some(settings.genesys.clone()),
        }
    }
}

impl Orgs {
    /// A single-org deployment's org.
    pub fn one(org: Org, inbound: InboundCredential) -> Self {
        Orgs::One(Arc::new(org), inbound)
    }

    /// A many-org deployment: the file's orgs as read at start-up.
    pub fn many(
        file: PathBuf,
        read_at_start: Version,
        defaults: OrgDefaults,
        settings: &[OrgSettings],
        builder: OrgBuilder,
    ) -> Self {
        let orgs = settings
            .iter()
            .map(|s| Arc::new(builder.build(s)))
            .collect();
        Orgs::Many(ManyOrgs {
            current: ArcSwap::from_pointee(OrgSet::new(orgs, settings)),
            file,
            read_at_start,
            defaults,
            builder,
            reloading: tokio::sync::Mutex::new(()),
        })
    }

    /// The org whose credential the request carries.
    pub fn authenticate(&self, request: &HttpRequest) -> Result<Arc<Org>, Refusal> {
        match self {
            Orgs::One(org, inbound) => inbound.check(request).map(|()| org.clone()),
            Orgs::Many(many) => many.current.load().find(request),
        }
    }

    /// What the caller must change when its credential is refused.
    pub fn credential_hint(&self) -> &'static str {
        match self {
            Orgs::One(..) => {
                "Give the data action integration a Basic Auth credential matching COBROWSE_AUTH_USERNAME/COBROWSE_AUTH_PASSWORD (or a bearer token matching COBROWSE_AUTH_BEARER_TOKEN)."
            }
            Orgs::Many(_) => {
                "Give the data action integration its org's credential from the orgs file (auth_username/auth_password, or auth_bearer_token)."
            }
        }
    }

    /// Every org now, by name (one unnamed in a single-org deployment).
    pub fn list(&self) -> Vec<Arc<Org>> {
        match self {
            Orgs::One(org, _) => vec![org.clone()],
            Orgs::Many(many) => many.current.load().orgs.clone(),
        }
    }

    /// What each org's Genesys client knows now, for `/metrics`.
    pub fn genesys_status(&self) -> Vec<(OrgLabel, GenesysStatus)> {
        self.list()
            .iter()
            .map(|org| (OrgLabel(org.name), org.genesys.status()))
            .collect()
    }

    /// The many-org deployment's orgs, to reload; `None` for a single org.
    pub fn many_orgs(&self) -> Option<&ManyOrgs> {
        match self {
            Orgs::Many(many) => Some(many),
            Orgs::One(..) => None,
        }
    }

    /// Builds the calling thread's HTTP client now (see `GenesysClient::prepare_thread`).
    pub fn prepare_thread(&self) {
        match self {
            Orgs::One(org, _) => org.genesys.prepare_thread(),
            Orgs::Many(many) => {
                many.builder.transport.http();
            }
        }
    }
}

impl Org {
    /// A single-org deployment's org, from the environment.
    pub fn unnamed(
        genesys: GenesysClient,
        reuse: Reuse,
        default_cobrowse_type: CobrowseType,
    ) -> Self {
        Org {
            name: None,
            genesys: Arc::new(genesys),
            reuse: Arc::new(reuse),
            default_cobrowse_type,
            in_flight: None,
            genesys_settings: None,
        }
    }
}

impl OrgSet {
    fn new(orgs: Vec<Arc<Org>>, settings: &[OrgSettings]) -> Self {
        let hasher = RandomState::new();
        let mut basic: HashMap<u64, Vec<(usize, SecretString)>> = HashMap::new();
        let mut bearer: HashMap<u64, Vec<(usize, SecretString)>> = HashMap::new();
        for (index, org) in settings.iter().enumerate() {
            for (is_bearer, credential) in file::accepted(&org.inbound_auth) {
                let table = if is_bearer { &mut bearer } else { &mut basic };
                table
                    .entry(hasher.hash_one(credential.as_bytes()))
                    .or_default()
                    .push((index, SecretString::from(credential)));
            }
        }
        OrgSet {
            orgs,
            basic,
            bearer,
            hasher,
        }
    }

    fn find(&self, request: &HttpRequest) -> Result<Arc<Org>, Refusal> {
        let (scheme, value) = inbound_auth::authorization(request)?;
        let index = match scheme {
            Scheme::Basic if !self.basic.is_empty() => {
                let decoded = STANDARD.decode(value).map_err(|_| Refusal::Wrong)?;
                self.lookup(&self.basic, &decoded)
            }
            Scheme::Bearer if !self.bearer.is_empty() => {
                self.lookup(&self.bearer, value.as_bytes())
            }
            _ => return Err(Refusal::UnsupportedScheme),
        }?;
        Ok(self.orgs[index].clone())
    }

    /// The org of `presented`: the table's candidates for its keyed hash (one, or none),
    /// each compared in constant time.
    fn lookup(
        &self,
        table: &HashMap<u64, Vec<(usize, SecretString)>>,
        presented: &[u8],
    ) -> Result<usize, Refusal> {
        let candidates = table
            .get(&self.hasher.hash_one(presented))
            .map_or(&[][..], Vec::as_slice);
        let mut found = None;
        for (index, credential) in candidates {
            if bool::from(presented.ct_eq(credential.expose_secret().as_bytes())) {
                found = Some(*index);
            }
        }
        found.ok_or(Refusal::Wrong)
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
