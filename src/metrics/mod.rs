//! Prometheus metrics for `GET /metrics`: what an operator graphs and alerts on.
//!
//! One [`Metrics`] is built at start-up and shared; recording is a few atomic operations, so
//! it stays off the hot path's allocation budget (every label value is `'static`: `labels.rs`).
//! What is kept elsewhere is read when Prometheus scrapes, never on a call: the log lines the
//! log writer dropped and what the Genesys client knows (`scrape.rs`), and the process's own
//! figures (`process.rs`). A reload's removed orgs take their series with them
//! (`departed.rs`). Every metric's name and help text are in `registry.rs`;
//! `deploy/monitoring/` holds the alerts and the dashboard built on them.

mod departed;
mod labels;
mod process;
mod registry;
mod scrape;

pub use labels::{
    CallLabels, CallOutcome, ClientCertificateLabels, OAuthClientInUse, OperationLabels, OrgLabel,
    RequestBodyLabels,
};
pub use scrape::{GenesysStatus, count_dropped_log_lines};

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use labels::OAuthClientLabels;

pub struct Metrics {
    registry: Registry,
    pub calls: Family<CallLabels, Counter>,
    pub genesys_latency: Family<OperationLabels, Histogram, fn() -> Histogram>,
    pub genesys_retries: Family<OperationLabels, Counter>,
    pub token_renewals: Family<OrgLabel, Counter>,
    pub token_failures: Family<OrgLabel, Counter>,
    /// Token requests on which Genesys refused the OAuth client in use and accepted the
    /// other (an org with a second OAuth client).
    pub oauth_client_switches: Family<OrgLabel, Counter>,
    pub in_flight: Gauge,
    pub starts_reused: Family<OrgLabel, Counter>,
    pub reuse_store_errors: Family<OrgLabel, Counter>,
    /// Reloads of the orgs file that changed nothing because the file was invalid; exposed
    /// only by a many-org deployment ([`Metrics::for_many_orgs`]).
    pub orgs_reload_failures: Counter,
    /// 1 while the file's newest version was refused (the orgs served are an earlier one's),
    /// 0 once a version is taken: what an alert must see, since an invalid file is read once
    /// per change and its failure counted once. Many-org only, as the counter.
    pub orgs_file_rejected: Gauge,
    /// Re-reads of `COBROWSE_TLS_CERT`/`_KEY` refused, the served pair kept; exposed only when
    /// the service serves HTTPS ([`Metrics::serving_tls`]), as the two below.
    pub tls_reload_failures: Counter,
    /// 1 while the newest pair of files was refused (an earlier certificate is served), 0
    /// once a pair is taken: as `orgs_file_rejected`.
    pub tls_certificate_rejected: Gauge,
    /// When the certificate served now expires, in seconds since the Unix epoch.
    pub tls_certificate_expiry: Gauge,
    /// Client certificates refused, by reason; exposed only with mutual TLS
    /// ([`Metrics::checking_client_certificates`]).
    pub client_certificate_refusals: Family<ClientCertificateLabels, Counter>,
    /// 1 for the body starts carry now, 0 for the other.
    request_body: Family<RequestBodyLabels, Gauge>,
    /// The settings the live figures are drawn against (`set_limits`).
    in_flight_limit: Gauge,
    genesys_requests_per_minute_limit: Gauge,
    upstream_timeout: Gauge<f64, AtomicU64>,
    /// Read from the Genesys client as each scrape comes in (`render`).
    /// By org: each org has its own token and request limit.
    genesys_requests_last_minute: Family<OrgLabel, Gauge>,
    token_valid: Family<OrgLabel, Gauge>,
    /// 1 for the OAuth client the org's tokens come from, 0 for its other one.
    oauth_client: Family<OAuthClientLabels, Gauge>,
    /// One scrape at a time: a scrape empties the three families above and fills them again,
    /// and another scrape meanwhile would miss their series.
    rendering: std::sync::Mutex<()>,
    /// The orgs a reload removed lately, whose series each scrape removes again.
    departed: departed::Departed,
}

impl Metrics {
    /// Counts one answered call by its outcome and its `errorCode`'s name (`""` when
    /// started).
    pub fn count_call(&self, outcome: CallOutcome, error_code: &'static str) {
        self.count_call_of(OrgLabel(None), outcome, error_code);
    }

    /// [`Metrics::count_call`] for a call of `org`.
    pub fn count_call_of(&self, org: OrgLabel, outcome: CallOutcome, error_code: &'static str) {
        self.calls
            .get_or_create(&CallLabels {
                org,
                outcome,
                error_code,
            })
            .inc();
    }

    /// Lists `org`'s started calls and each of `codes` (an outcome and an `errorCode`) at 0,
    /// before the first call: Prometheus sees a counter's first increase only if it saw the
    /// counter before it, so an alert on the first `GENESYS_AUTH_FAILED` of a process (or of
    /// an org) needs the 0.
    pub fn list_calls(
        &self,
        org: OrgLabel,
        codes: impl IntoIterator<Item = (CallOutcome, &'static str)>,
    ) {
        let started = std::iter::once((CallOutcome::Started, ""));
        for (outcome, error_code) in started.chain(codes) {
            drop(self.calls.get_or_create(&CallLabels {
                org,
                outcome,
                error_code,
            }));
        }
    }

    /// The settings the live figures are drawn against: calls at once, Genesys requests a
    /// minute (0 for no limit), and the time budget of one call.
    pub fn set_limits(
        &self,
        max_in_flight: usize,
        genesys_requests_per_minute: u32,
        upstream_timeout: Duration,
    ) {
        self.in_flight_limit
            .set(i64::try_from(max_in_flight).unwrap_or(i64::MAX));
        self.genesys_requests_per_minute_limit
            .set(i64::from(genesys_requests_per_minute));
        self.upstream_timeout.set(upstream_timeout.as_secs_f64());
    }

    /// Records the body starts carry from now on (`agent-payload`, `empty`), and that
    /// `before`, if any, is no longer the one.
    pub fn set_request_body(&self, before: Option<&'static str>, now: &'static str) {
        self.set_request_body_of(OrgLabel(None), before, now);
    }

    /// [`Metrics::set_request_body`] for `org`'s starts.
    pub fn set_request_body_of(
        &self,
        org: OrgLabel,
        before: Option<&'static str>,
        now: &'static str,
    ) {
        if let Some(mode) = before {
            self.request_body
                .get_or_create(&RequestBodyLabels { org, mode })
                .set(0);
        }
        // A client built again for the org (a reload that changed its Genesys settings) starts
        // over: the mode its predecessor had learned is no longer in use.
        for mode in ["agent-payload", "empty"].into_iter().filter(|m| *m != now) {
            if let Some(old) = self.request_body.get(&RequestBodyLabels { org, mode }) {
                old.set(0);
            }
        }
        self.request_body
            .get_or_create(&RequestBodyLabels { org, mode: now })
            .set(1);
    }
}

/// Counts a call in the in-flight gauge until it ends, however it ends.
pub struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    pub fn enter(gauge: &'a Gauge) -> Self {
        gauge.inc();
        InFlight(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}
