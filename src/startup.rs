//! Building the application from a [`Deployment`] and running it until it is told to stop.
//!
//! Everything shared by requests (the compiled contract, the orgs with their Genesys clients,
//! token caches and reuse stores, the connection pools they share) is built once here and
//! handed to every worker. Binding is
//! separate from running so tests can bind port 0 and learn the port.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use tokio::sync::Semaphore;

use crate::config::Deployment;
use crate::contract::Contract;
use crate::inbound_auth::InboundAuth;
use crate::metrics::{Metrics, OrgLabel};
use crate::orgs::{OrgBuilder, Orgs};
use crate::outcome::ErrorCode;
use crate::reuse::redis::{RedisSettings, RedisStore};
use crate::routes::{self, AppState};
use crate::tls::client_auth;
use crate::tls::forwarded::ClientCertificates;

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
    /// The watches on files read again while serving (a many-org deployment's orgs file,
    /// the served certificate), stopped with the server.
    watches: Vec<tokio::task::JoinHandle<()>>,
    /// SIGTERM and SIGINT, listened for from before the service says it listens, so that a
    /// stop sent as soon as it does is a graceful stop, not the signal's default (death).
    stop_signals: io::Result<StopSignals>,
}

impl Application {
    /// Binds the listener and prepares the server for the deployment's orgs; nothing is
    /// served until [`Application::run_until_stopped`] is awaited.
    pub fn build(deployment: &Deployment) -> Result<Self, StartError> {
        if deployment
            .orgs
            .iter()
            .any(|org| matches!(org.inbound_auth, InboundAuth::Disabled))
        {
            tracing::warn!(
                "inbound authentication is disabled (COBROWSE_AUTH_DISABLED=true): anyone who can reach this port can start cobrowse sessions"
            );
        }
        if deployment.shared.lambda {
            log_lambda(deployment);
        }
        crate::genesys::egress::log_proxies(
            deployment
                .orgs
                .iter()
                .map(|org| (org.name.as_deref(), &org.genesys)),
        );
        let orgs_file = deployment.orgs_file.as_ref();
        let mut metrics = match orgs_file {
            None => Metrics::default(),
            Some(_) => Metrics::for_many_orgs(),
        };
        if deployment.shared.tls.is_some() {
            metrics.serving_tls();
        }
        if deployment.shared.tls_client.is_some() {
            metrics.checking_client_certificates();
        }
        let metrics = Arc::new(metrics);
        let mut builder = OrgBuilder::new(
            deployment.defaults.upstream_timeout,
            redis_store(deployment.shared.redis.as_ref())?,
            deployment.shared.reuse_window,
            metrics.clone(),
            deployment.shared.max_in_flight,
            orgs_file.is_some(),
        );
        builder.requires_client_names = deployment.shared.tls_client.is_some();
        let orgs = Orgs::new(&deployment.orgs, orgs_file, &deployment.defaults, builder);
        if let Some(file) = orgs_file {
            tracing::info!(
                orgs = deployment.orgs.len(),
                file = %file.path.display(),
                "serving the orgs of COBROWSE_ORGS_FILE"
            );
        }
        Self::serve(deployment, orgs, metrics)
    }

    fn serve(
        deployment: &Deployment,
        orgs: Orgs,
        metrics: Arc<Metrics>,
    ) -> Result<Self, StartError> {
        let listener =
            TcpListener::bind(deployment.shared.listen).map_err(|source| StartError::Listen {
                address: deployment.shared.listen,
                source,
            })?;
        let port = listener.local_addr()?.port();
        // With many orgs, the calls refused before an org is known; each org lists its own.
        metrics.list_calls(
            OrgLabel(None),
            ErrorCode::ALL.map(|code| (code.outcome(), code.as_str())),
        );
        let defaults = &deployment.defaults;
        metrics.set_limits(
            deployment.shared.max_in_flight,
            defaults.requests_per_minute.map_or(0, |n| n.get()),
            defaults.upstream_timeout,
        );
        let client_certificates = deployment
            .shared
            .tls_client
            .as_ref()
            .map(ClientCertificates::new)
            .transpose()
            .map_err(io::Error::other)?;
        let state = web::Data::new(AppState {
            contract: Contract::compile(),
            orgs,
            error_mode: deployment.shared.error_mode,
            client_timeout: deployment.shared.client_timeout,
            in_flight: Arc::new(Semaphore::new(deployment.shared.max_in_flight)),
            client_certificates,
            metrics,
            lambda: deployment.shared.lambda,
        });
        let orgs_watch = deployment.orgs_file.is_some().then(|| {
            // Listened for now, before anyone can send it: a SIGHUP then reloads rather than
            // ending the process (its default).
            let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .inspect_err(|e| {
                    tracing::warn!(error = %e, "cannot listen for SIGHUP; the orgs file is reloaded when it changes only")
                })
                .ok();
            let state = state.clone();
            tokio::spawn(async move { state.orgs.watch(hangup, &state.metrics).await })
        });
        let tls = deployment.shared.tls.as_ref();
        let client_verifier = deployment.shared.tls_client.as_ref();
        let refusals = state.metrics.client_certificate_refusals.clone();
        let tls_watch = tls.map(|tls| {
            // Before anything is served, so that the first scrape has it.
            state.metrics.tls_certificate_expiry.set(tls.expires());
            let (tls, state) = (tls.clone(), state.clone());
            tokio::spawn(async move { tls.watch(&state.metrics).await })
        });
        // Calls in flight at SIGTERM get their whole upstream budget, and a second to answer.
        let grace = defaults.upstream_timeout + Duration::from_secs(1);
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
        .client_request_timeout(deployment.shared.client_timeout)
        .shutdown_timeout(grace.as_secs().max(1))
        // A reply written after TLS 1.3's session tickets waited for the client's delayed ACK
        // (40 ms on Linux) on every new connection: docs/performance.md.
        .tcp_nodelay(true)
        // The client certificate, if any, for the calls of the connection (mutual TLS).
        .on_connect(client_auth::keep_peer_certificate);
        let server = match tls {
            Some(tls) => {
                let verifier = client_verifier
                    .as_ref()
                    .map(|client| client.verifier(refusals.clone()))
                    .transpose()
                    .map_err(io::Error::other)?;
                let config = tls.server_config(verifier).map_err(io::Error::other)?;
                server.listen_rustls_0_23(listener, config)?
            }
            None => server.listen(listener)?,
        }
        .run();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let stop_signals = StopSignals::listen();
        tracing::info!(
            address = %deployment.shared.listen,
            port,
            scheme,
            version = env!("CARGO_PKG_VERSION"),
            "cobrowse-proxy listening"
        );
        Ok(Application {
            port,
            server,
            watches: orgs_watch.into_iter().chain(tls_watch).collect(),
            stop_signals,
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
        let stop_signals = self.stop_signals;
        let stop_on_signal = tokio::spawn(async move {
            match stop_signals {
                Ok(mut signals) => {
                    let name = signals.recv().await;
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
        for watch in self.watches {
            watch.abort();
        }
        result
    }
}

/// What runs in AWS Lambda (`COBROWSE_LAMBDA=true`): who is served, with no credential set
/// above all (a function URL then refuses every call).
fn log_lambda(deployment: &Deployment) {
    let direct_invoke_only = deployment
        .orgs
        .iter()
        .all(|org| matches!(org.inbound_auth, InboundAuth::DirectInvokeOnly));
    if direct_invoke_only {
        tracing::info!(
            "running in AWS Lambda (COBROWSE_LAMBDA=true) with no inbound credential: direct invokes (POST /v1/lambda/invoke) are served, and every call over HTTP (POST /v1/cobrowse/start, through a function URL) is refused UNAUTHORIZED"
        );
    } else {
        tracing::info!(
            "running in AWS Lambda (COBROWSE_LAMBDA=true): direct invokes (POST /v1/lambda/invoke) are served with no credential, calls over HTTP (POST /v1/cobrowse/start, through a function URL) with the inbound credential"
        );
    }
}

fn redis_store(settings: Option<&RedisSettings>) -> io::Result<Option<RedisStore>> {
    settings
        .map(|settings| RedisStore::new(settings).map_err(io::Error::other))
        .transpose()
}

/// SIGTERM (Kubernetes, Docker, systemd) and SIGINT (Ctrl-C), listened for.
struct StopSignals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(StopSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for either; returns its name.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}
