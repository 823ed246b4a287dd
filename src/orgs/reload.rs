//! Reading the orgs file again (on SIGHUP, or when it changes on disk) without a restart.
//!
//! A valid file replaces the set of orgs at once, for calls that start from then on: orgs
//! added are served, removed orgs' credentials are refused, and an org whose Genesys settings
//! did not change keeps its client (its token, its limiter's window, what `auto` learned) and
//! its reuse store, whatever else of it changed (a rotated inbound credential, its default
//! cobrowse type). Calls in flight hold the org they found and finish with it, still counted
//! in the share of the instance their org's name holds (`share`). An invalid file changes
//! nothing.
//!
//! The watch acts on what the file says, not on its being another file: Kubernetes swaps in
//! a new directory for every change to any key of a mounted Secret (a renewed certificate
//! beside the orgs file), and an invalid orgs file must not be logged and counted again each
//! time nothing in it changed.

use std::collections::HashMap;
use std::sync::Arc;

use secrecy::ExposeSecret;
use tokio::signal::unix::Signal;

use super::{Org, OrgSet, Orgs, WatchedFile};
use crate::config::OrgSettings;
use crate::config::orgs_file as file;
use crate::genesys::GenesysSettings;
use crate::metrics::Metrics;
use crate::watched_file::{Version, WATCH_EVERY, digest};

/// What a reload changed, by org name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reloaded {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Orgs whose Genesys settings changed: a new client, token and reuse store.
    pub renewed: Vec<String>,
    /// Orgs kept as they were, but for their credential or default cobrowse type.
    pub kept: usize,
}

impl Orgs {
    /// Reads the orgs file again; on any problem, nothing changes and the problems are
    /// returned. The environment's one org has no file to read: nothing changes.
    pub async fn reload(&self) -> Result<Reloaded, Vec<String>> {
        match &self.file {
            Some(watched) => self.take(watched, &file::read_text(&watched.path)?).await,
            None => Ok(Reloaded::default()),
        }
    }

    /// Checks `text` as the orgs file; if valid, serves its orgs from now on.
    async fn take(&self, watched: &WatchedFile, text: &str) -> Result<Reloaded, Vec<String>> {
        let _one_at_a_time = watched.reloading.lock().await;
        let settings = file::parse(text, &watched.defaults)?;
        if self.builder.requires_client_names {
            let missing = crate::config::missing_tls_client_names(&settings);
            if !missing.is_empty() {
                return Err(missing);
            }
        }
        // Before any org is built: a name gone leaves its calls in flight as orphans.
        if let Some(shares) = &self.builder.shares {
            shares.reload(settings.iter().filter_map(|s| s.name.as_deref()));
        }
        let old = self.current.load_full();
        let by_name: HashMap<&str, &Arc<Org>> = old
            .orgs
            .iter()
            .filter_map(|org| Some((org.name?, org)))
            .collect();
        let mut reloaded = Reloaded::default();
        let orgs: Vec<Arc<Org>> = settings
            .iter()
            .map(
                |new| match by_name.get(new.name.as_deref().unwrap_or_default()) {
                    Some(old) if same_genesys(&old.genesys_settings, &new.genesys) => {
                        reloaded.kept += 1;
                        Arc::new(kept(old, new))
                    }
                    Some(_) => {
                        reloaded.renewed.extend(new.name.clone());
                        Arc::new(self.builder.build(new))
                    }
                    None => {
                        reloaded.added.extend(new.name.clone());
                        Arc::new(self.builder.build(new))
                    }
                },
            )
            .collect();
        reloaded.removed = by_name
            .keys()
            .filter(|name| !settings.iter().any(|s| s.name.as_deref() == Some(**name)))
            .map(|name| (*name).to_owned())
            .collect();
        reloaded.removed.sort();
        self.current.store(Arc::new(OrgSet::new(orgs, &settings)));
        // Their series go with them: `/metrics` lists the orgs served, however many reloads.
        for name in &reloaded.removed {
            self.builder
                .metrics
                .forget_org(super::intern(name), crate::outcome::call_labels());
        }
        Ok(reloaded)
    }
}

impl Orgs {
    /// Reloads on `hangup` (SIGHUP, when it could be listened for) and whenever the file the
    /// path leads to says something else (looked at when it is another file, or has another
    /// size or modification time). Runs until the service stops.
    /// The environment's one org has no file: this returns at once.
    pub async fn watch(&self, mut hangup: Option<Signal>, metrics: &Metrics) {
        let Some(watched) = &self.file else {
            return;
        };
        // From the version read at start-up, not the one there when this task first runs:
        // a change in between is a change.
        let mut seen = watched.read_at_start;
        // A digest of the text last read here (none yet: the first change is read whatever
        // it says), which a new version must differ from to be taken again.
        let mut last_text = None;
        let mut tick = tokio::time::interval(WATCH_EVERY);
        loop {
            // SIGHUP reads the file whatever it says: the operator asked.
            let (cause, asked) = tokio::select! {
                Some(()) = async {
                    match &mut hangup {
                        Some(hangup) => hangup.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    // What this reload reads: the watch does not read the same version again.
                    seen = Version::of(&watched.path);
                    ("SIGHUP", true)
                }
                _ = tick.tick() => {
                    let now = Version::of(&watched.path);
                    if now == seen {
                        continue;
                    }
                    seen = now;
                    ("the file changed", false)
                }
            };
            let text = file::read_text(&watched.path);
            let said = text.as_deref().ok().map(digest);
            if !asked && said.is_some() && said == last_text {
                continue;
            }
            last_text = said;
            let reloaded = match text {
                Ok(text) => self.take(watched, &text).await,
                Err(problems) => Err(problems),
            };
            metrics.orgs_file_rejected.set(i64::from(reloaded.is_err()));
            match reloaded {
                Ok(reloaded) => tracing::info!(
                    cause,
                    added = ?reloaded.added,
                    removed = ?reloaded.removed,
                    renewed = ?reloaded.renewed,
                    kept = reloaded.kept,
                    "reloaded the orgs file"
                ),
                Err(problems) => {
                    metrics.orgs_reload_failures.inc();
                    tracing::error!(
                        cause,
                        problems = %problems.join("; "),
                        "the orgs file was not reloaded: every org keeps serving as before; fix the file"
                    );
                }
            }
        }
    }
}

/// `old`'s Genesys client and reuse store, with what else `new` says.
fn kept(old: &Org, new: &OrgSettings) -> Org {
    Org {
        name: old.name,
        genesys: old.genesys.clone(),
        reuse: old.reuse.clone(),
        default_cobrowse_type: new.default_cobrowse_type,
        // Its calls in flight keep counting against its share.
        in_flight: old.in_flight.clone(),
        tls_client_name: new.tls_client_name.clone(),
        genesys_settings: old.genesys_settings.clone(),
    }
}

fn same_genesys(old: &GenesysSettings, new: &GenesysSettings) -> bool {
    old.api_url == new.api_url
        && old.login_url == new.login_url
        && old.client_id == new.client_id
        && old.client_secret.expose_secret() == new.client_secret.expose_secret()
        && match (&old.client_next, &new.client_next) {
            (None, None) => true,
            (Some(old), Some(new)) => {
                old.id == new.id && old.secret.expose_secret() == new.secret.expose_secret()
            }
            _ => false,
        }
        && old.upstream_timeout == new.upstream_timeout
        && old.requests_per_minute == new.requests_per_minute
        && old.request_body == new.request_body
        && old.verify_agent == new.verify_agent
}
