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

use crate::config::Settings;
use crate::contract::Contract;
use crate::genesys::GenesysClient;
use crate::inbound_auth::{InboundAuth, InboundCredential};
use crate::metrics::Metrics;
use crate::outcome::ErrorCode;
use crate::reuse::Reuse;
use crate::reuse::redis::RedisStore;
use crate::routes::{self, AppState};

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
}

impl Application {
    /// Binds the listener and prepares the server; nothing is served until
    /// [`Application::run_until_stopped`] is awaited.
    pub fn build(settings: &Settings) -> Result<Self, StartError> {
        let listener = TcpListener::bind(settings.listen).map_err(|source| StartError::Listen {
            address: settings.listen,
            source,
        })?;
        let port = listener.local_addr()?.port();
        if matches!(settings.inbound_auth, InboundAuth::Disabled) {
            tracing::warn!(
                "inbound authentication is disabled (COBROWSE_AUTH_DISABLED=true): anyone who can reach this port can start cobrowse sessions"
            );
        }
        let metrics = Arc::new(Metrics::default());
        metrics.list_calls(ErrorCode::ALL.map(ErrorCode::as_str));
        metrics.set_limits(
            settings.max_in_flight,
            settings.genesys.requests_per_minute.map_or(0, |n| n.get()),
            settings.genesys.upstream_timeout,
        );
        let redis = match &settings.redis_url {
            Some(url) => Some(RedisStore::new(url).map_err(io::Error::other)?),
            None => None,
        };
        let state = web::Data::new(AppState {
            contract: Contract::compile(),
            genesys: GenesysClient::new(&settings.genesys, metrics.clone()),
            inbound: InboundCredential::new(&settings.inbound_auth),
            error_mode: settings.error_mode,
            default_cobrowse_type: settings.default_cobrowse_type,
            client_timeout: settings.client_timeout,
            in_flight: Arc::new(Semaphore::new(settings.max_in_flight)),
            reuse: Reuse::new(settings.reuse_window, redis, metrics.clone()),
            metrics,
        });
        // Calls in flight at SIGTERM get their whole upstream budget, and a second to answer.
        let grace = settings.genesys.upstream_timeout + Duration::from_secs(1);
        // Each worker keeps its own connections to Genesys (one HTTP client per thread), and
        // one worker serves thousands of calls a second where Genesys sends an org's data
        // actions at most about 15 a second: more workers would only mean more connections
        // gone cold between calls, each costing a TLS handshake to Genesys.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
        let server = HttpServer::new(move || {
            // Runs on each worker thread as it starts.
            state.genesys.prepare_thread();
            App::new()
                .app_data(state.clone())
                .configure(routes::configure)
        })
        .workers(workers)
        // actix would stop at once on SIGINT; `run_until_stopped` stops gracefully on both.
        .disable_signals()
        // Slow-loris clients lose their connection rather than holding a worker.
        .client_request_timeout(settings.client_timeout)
        .shutdown_timeout(grace.as_secs().max(1));
        let server = match &settings.tls {
            Some(tls) => server.listen_rustls_0_23(listener, (*tls.0).clone())?,
            None => server.listen(listener)?,
        }
        .run();
        let scheme = if settings.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tracing::info!(address = %settings.listen, port, scheme, "cobrowse-proxy listening");
        Ok(Application { port, server })
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
        result
    }
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
