//! Building the application from [`Settings`] and running it until it is told to stop.
//!
//! Everything shared by requests (the compiled contract, the Genesys client with its pooled
//! connections and token cache) is built once here and handed to every worker. Binding is
//! separate from running so tests can bind port 0 and learn the port.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use tokio::sync::Semaphore;

use crate::config::{Deployment, ManyOrgs, Settings};
use crate::contract::Contract;
use crate::genesys::GenesysClient;
use crate::inbound_auth::{InboundAuth, InboundCredential};
use crate::metrics::{Metrics, OrgLabel};
use crate::orgs::{Org, OrgBuilder, Orgs};
use crate::outcome::{ErrorCode, ErrorMode};
use crate::reuse::Reuse;
use crate::reuse::redis::RedisStore;
use crate::routes::{self, AppState};
use crate::tls::TlsConfig;

/// Server threads: enough for two cores, few enough that each keeps warm connections.
const MAX_WORKERS: usize = 2;

/// Why the service did not start. Every one is a refusal at start-up, before anything is
/// served: the binary exits 2 and says what to change.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address is taken by another process, or is not this host's: the caller names the
    /// setting that chose it (`COBROWSE_LISTEN`, `sandbox --listen`).
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: io::Error,
    },
    #[error(transparent)]
    Other(#[from] io::Error),
}

/// A bound, not yet running, service.
pub struct Application {
    port: u16,
    server: Server,
    /// A many-org deployment's watch on its orgs file, stopped with the server.
    watch: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Binds the listener and prepares the server for the environment's one org; nothing is
    /// served until [`Application::run_until_stopped`] is awaited.
    pub fn build(settings: &Settings) -> Result<Self, StartError> {
        if matches!(settings.inbound_auth, InboundAuth::Disabled) {
            tracing::warn!(
                "inbound authentication is disabled (COBROWSE_AUTH_DISABLED=true): anyone who can reach this port can start cobrowse sessions"
            );
        }
        let metrics = Arc::new(Metrics::default());
        let org = Org::unnamed(
            GenesysClient::new(&settings.genesys, metrics.clone()),
            Reuse::new(
                settings.reuse_window,
                redis_store(settings.redis_url.as_ref())?,
                metrics.clone(),
            ),
            settings.default_cobrowse_type,
        );
        let orgs = Orgs::one(org, InboundCredential::new(&settings.inbound_auth));
        Self::serve(
            Served {
                listen: settings.listen,
                tls: settings.tls.as_ref(),
                client_timeout: settings.client_timeout,
                max_in_flight: settings.max_in_flight,
                error_mode: settings.error_mode,
                upstream_timeout: settings.genesys.upstream_timeout,
                requests_per_minute: settings.genesys.requests_per_minute.map_or(0, |n| n.get()),
            },
            orgs,
            metrics,
        )
    }

    /// [`Application::build`] for the orgs of `COBROWSE_ORGS_FILE`.
    pub fn build_many(many: &ManyOrgs) -> Result<Self, StartError> {
        let metrics = Arc::new(Metrics::for_many_orgs());
        let builder = OrgBuilder::new(
            many.defaults.upstream_timeout,
            redis_store(many.redis_url.as_ref())?,
            many.reuse_window,
            metrics.clone(),
            many.max_in_flight,
        );
        let orgs = Orgs::many(
            many.file.clone(),
            many.version,
            many.defaults.clone(),
            &many.orgs,
            builder,
        );
        tracing::info!(
            orgs = many.orgs.len(),
            file = %many.file.display(),
            "serving the orgs of COBROWSE_ORGS_FILE"
        );
        Self::serve(
            Served {
                listen: many.listen,
                tls: many.tls.as_ref(),
                client_timeout: many.client_timeout,
                max_in_flight: many.max_in_flight,
                error_mode: many.error_mode,
                upstream_timeout: many.defaults.upstream_timeout,
                requests_per_minute: many.defaults.requests_per_minute.map_or(0, |n| n.get()),
            },
            orgs,
            metrics,
        )
    }

    /// Either kind of deployment.
    pub fn build_deployment(deployment: &Deployment) -> Result<Self, StartError> {
        match deployment {
            Deployment::OneOrg(settings) => Self::build(settings),
            Deployment::ManyOrgs(many) => Self::build_many(many),
        }
    }

    fn serve(served: Served<'_>, orgs: Orgs, metrics: Arc<Metrics>) -> Result<Self, StartError> {
        let listener = TcpListener::bind(served.listen).map_err(|source| StartError::Listen {
            address: served.listen,
            source,
        })?;
        let port = listener.local_addr()?.port();
        // With many orgs, the calls refused before an org is known; each org lists its own.
        metrics.list_calls(
            OrgLabel(None),
            ErrorCode::ALL.map(|code| (code.outcome(), code.as_str())),
        );
        metrics.set_limits(
            served.max_in_flight,
            served.requests_per_minute,
            served.upstream_timeout,
        );
        let state = web::Data::new(AppState {
            contract: Contract::compile(),
            orgs,
            error_mode: served.error_mode,
            client_timeout: served.client_timeout,
            in_flight: Arc::new(Semaphore::new(served.max_in_flight)),
            metrics,
        });
        let watch = state.orgs.many_orgs().is_some().then(|| {
            // Listened for now, before anyone can send it: a SIGHUP then reloads rather than
            // ending the process (its default).
            let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "cannot listen for SIGHUP; the orgs file is reloaded when it changes only")
                })
                .ok();
            let state = state.clone();
            tokio::spawn(async move {
                if let Some(many) = state.orgs.many_orgs() {
                    many.watch(hangup, &state.metrics).await;
                }
            })
        });
        // Calls in flight at SIGTERM get their whole upstream budget, and a second to answer.
        let grace = served.upstream_timeout + Duration::from_secs(1);
        // Each worker keeps its own connections to Genesys (one HTTP client per thread), and
        // one worker serves thousands of calls a second where Genesys sends an org's data
        // actions at most about 15 a second: more workers would only mean more connections
        // gone cold between calls, each costing a TLS handshake to Genesys.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
        let server = HttpServer::new(move || {
            // Runs on each worker thread as it starts.
            state.orgs.prepare_thread();
            App::new()
                .app_data(state.clone())
                .configure(routes::configure)
        })
        .workers(workers)
        // actix would stop at once on SIGINT; `run_until_stopped` stops gracefully on both.
        .disable_signals()
        // Slow-loris clients lose their connection rather than holding a worker.
        .client_request_timeout(served.client_timeout)
        .shutdown_timeout(grace.as_secs().max(1));
        let server = match served.tls {
            Some(tls) => server.listen_rustls_0_23(listener, (*tls.0).clone())?,
            None => server.listen(listener)?,
        }
        .run();
        let scheme = if served.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tracing::info!(address = %served.listen, port, scheme, "cobrowse-proxy listening");
        Ok(Application {
            port,
            server,
            watch,
        })
    }

    /// The port actually bound (useful when the settings asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT (or a handle's `stop`), letting calls in flight finish.
    /// actix's own handling would stop at once on SIGINT, so it is off and done here.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        let handle = self.server.handle();
        let stop_on_signal = tokio::spawn(async move {
            match stop_signal().await {
                Ok(name) => {
                    tracing::info!(
                        signal = name,
                        "stopping: no new connections; calls in flight may finish"
                    );
                    handle.stop(true).await;
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    "cannot listen for SIGTERM/SIGINT; stop the process with SIGKILL"
                ),
            }
        });
        let result = self.server.await;
        stop_on_signal.abort();
        if let Some(watch) = self.watch {
            watch.abort();
        }
        result
    }
}

/// What the server itself is set up with, whatever the deployment.
struct Served<'a> {
    listen: std::net::SocketAddr,
    tls: Option<&'a TlsConfig>,
    client_timeout: Duration,
    max_in_flight: usize,
    error_mode: ErrorMode,
    upstream_timeout: Duration,
    /// `COBROWSE_GENESYS_REQUESTS_PER_MINUTE` (0: no limit); with many orgs, the default an
    /// org may override.
    requests_per_minute: u32,
}

fn redis_store(url: Option<&secrecy::SecretString>) -> io::Result<Option<RedisStore>> {
    url.map(|url| RedisStore::new(url).map_err(io::Error::other))
        .transpose()
}

/// Waits for SIGTERM (Kubernetes, Docker, systemd) or SIGINT (Ctrl-C); returns its name.
async fn stop_signal() -> io::Result<&'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(tokio::select! {
        _ = terminate.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    })
}
