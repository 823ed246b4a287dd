//! Prometheus metrics for `GET /metrics`: what an operator graphs and alerts on.
//!
//! One [`Metrics`] is built at start-up and shared; recording is a few atomic operations, so
//! it stays off the hot path's allocation budget (label values are `&'static str`). What is
//! kept elsewhere is read when Prometheus scrapes, never on a call: the log lines the log
//! writer dropped, the process's own figures (`process`), and what the Genesys client knows
//! ([`GenesysStatus`]). `deploy/monitoring/` holds the alerts and the dashboard built on them.

mod process;

use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabel, EncodeLabelSet, EncodeLabelValue, EncodeMetric,
    LabelSetEncoder, LabelValueEncoder,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing_appender::non_blocking::ErrorCounter;

use crate::outcome::CallOutcome;

/// `org="acme"` for an org of `COBROWSE_ORGS_FILE`; no label at all for a single org, whose
/// series stay as they always were. Names come from the file, so the label is bounded.
#[derive(Clone, Copy, Debug, Default, Hash, PartialEq, Eq)]
pub struct OrgLabel(pub Option<&'static str>);

impl EncodeLabelSet for OrgLabel {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        match self.0 {
            Some(org) => ("org", org).encode(encoder.encode_label()),
            None => Ok(()),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    #[prometheus(flatten)]
    pub org: OrgLabel,
    /// `started`, `failed`, or `already_active` (no start: the conversation has a session).
    pub outcome: CallOutcome,
    /// The flat reply's `errorCode`, `""` on success.
    pub error_code: &'static str,
}

impl EncodeLabelValue for CallOutcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        self.as_str().encode(encoder)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestBodyLabels {
    #[prometheus(flatten)]
    pub org: OrgLabel,
    /// `agent-payload` or `empty`.
    pub mode: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// `token`, `conversation` or `cobrowse`.
    pub operation: &'static str,
}

fn latency_histogram() -> Histogram {
    // 5 ms to ~10 s: Genesys answers in tens to hundreds of milliseconds; the tail is what
    // eats a data action's timeout.
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub calls: Family<CallLabels, Counter>,
    pub genesys_latency: Family<OperationLabels, Histogram, fn() -> Histogram>,
    pub genesys_retries: Family<OperationLabels, Counter>,
    pub token_renewals: Family<OrgLabel, Counter>,
    pub token_failures: Family<OrgLabel, Counter>,
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
    /// One scrape at a time: a scrape empties the two families above and fills them again,
    /// and another scrape meanwhile would miss their series.
    rendering: std::sync::Mutex<()>,
}

/// What only the Genesys client knows, read when Prometheus scrapes rather than kept up to
/// date on every call.
#[derive(Clone, Copy, Debug, Default)]
pub struct GenesysStatus {
    /// Genesys requests sent in the last 60 s, as the request limit counts them (0 when
    /// `COBROWSE_GENESYS_REQUESTS_PER_MINUTE` is 0: nothing is counted then).
    pub requests_last_minute: u64,
    /// A token is held that has not expired.
    pub token_valid: bool,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut root = Registry::default();
        // The client libraries' names, without the service's prefix, so the usual process
        // dashboards and alerts find them.
        root.register_collector(Box::new(process::ProcessCollector));
        let registry = root.sub_registry_with_prefix("cobrowse_proxy");
        let build_info = Family::<VersionLabels, Gauge>::default();
        registry.register(
            "build_info",
            "Always 1, labelled with the version of cobrowse-proxy running",
            build_info.clone(),
        );
        build_info
            .get_or_create(&VersionLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "calls",
            "Start-cobrowse calls answered, by outcome and errorCode",
            calls.clone(),
        );
        let genesys_latency =
            Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "genesys_request_duration_seconds",
            "Time for one Genesys request attempt, by operation",
            genesys_latency.clone(),
        );
        let genesys_retries = Family::<OperationLabels, Counter>::default();
        registry.register(
            "genesys_retries",
            "Genesys requests sent again after a 429, 503 or failed connection",
            genesys_retries.clone(),
        );
        let token_renewals = Family::<OrgLabel, Counter>::default();
        registry.register(
            "token_renewals",
            "Genesys access tokens obtained",
            token_renewals.clone(),
        );
        let token_failures = Family::<OrgLabel, Counter>::default();
        registry.register(
            "token_failures",
            "Genesys access token requests that failed",
            token_failures.clone(),
        );
        let token_valid = Family::<OrgLabel, Gauge>::default();
        registry.register(
            "token_valid",
            "1 while the service holds a Genesys access token that has not expired (what /readyz needs), else 0",
            token_valid.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "calls_in_flight",
            "Start-cobrowse calls being served now",
            in_flight.clone(),
        );
        let in_flight_limit = Gauge::default();
        registry.register(
            "calls_in_flight_limit",
            "COBROWSE_MAX_IN_FLIGHT: calls served at once before answering OVERLOADED",
            in_flight_limit.clone(),
        );
        let genesys_requests_last_minute = Family::<OrgLabel, Gauge>::default();
        registry.register(
            "genesys_requests_last_minute",
            "Genesys API requests this instance sent in the last 60 s, as its request limit counts them (0 when the limit is off)",
            genesys_requests_last_minute.clone(),
        );
        let genesys_requests_per_minute_limit = Gauge::default();
        registry.register(
            "genesys_requests_per_minute_limit",
            "COBROWSE_GENESYS_REQUESTS_PER_MINUTE: Genesys requests allowed in any 60 s (0: no limit)",
            genesys_requests_per_minute_limit.clone(),
        );
        let upstream_timeout = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "upstream_timeout_seconds",
            "COBROWSE_UPSTREAM_TIMEOUT_MS in seconds: the budget for everything one call asks of Genesys",
            upstream_timeout.clone(),
        );
        let starts_reused = Family::<OrgLabel, Counter>::default();
        registry.register(
            "starts_reused",
            "Starts answered with a session started earlier (COBROWSE_REUSE_WINDOW_MS), without a Genesys start",
            starts_reused.clone(),
        );
        let reuse_store_errors = Family::<OrgLabel, Counter>::default();
        registry.register(
            "reuse_store_errors",
            "Reuse store (Redis) commands that failed or timed out, and stored values that were no session (taken as absent); the start went on without them",
            reuse_store_errors.clone(),
        );
        let request_body = Family::<RequestBodyLabels, Gauge>::default();
        registry.register(
            "request_body",
            "The body start requests carry now (1): agent-payload or empty",
            request_body.clone(),
        );
        registry.register_collector(Box::new(LogLinesDropped));
        // A single org's series exist from the start, at 0, as they always have.
        for family in [
            &token_renewals,
            &token_failures,
            &starts_reused,
            &reuse_store_errors,
        ] {
            drop(family.get_or_create(&OrgLabel(None)));
        }
        Metrics {
            registry: root,
            starts_reused,
            reuse_store_errors,
            request_body,
            calls,
            genesys_latency,
            genesys_retries,
            token_renewals,
            token_failures,
            in_flight,
            in_flight_limit,
            genesys_requests_per_minute_limit,
            upstream_timeout,
            genesys_requests_last_minute,
            token_valid,
            rendering: std::sync::Mutex::new(()),
            orgs_reload_failures: Counter::default(),
            orgs_file_rejected: Gauge::default(),
        }
    }
}

impl Metrics {
    /// The metrics of a many-org deployment: every one of a single org's, and the orgs
    /// file's reloads.
    pub fn for_many_orgs() -> Self {
        let mut metrics = Metrics::default();
        // Every series is an org's here (each org adds its own as it is built).
        for family in [
            &metrics.token_renewals,
            &metrics.token_failures,
            &metrics.starts_reused,
            &metrics.reuse_store_errors,
        ] {
            family.remove(&OrgLabel(None));
        }
        let reload_failures = metrics.orgs_reload_failures.clone();
        let rejected = metrics.orgs_file_rejected.clone();
        // A second registry under the service's prefix: the first was Default's own.
        let registry = metrics.registry.sub_registry_with_prefix("cobrowse_proxy");
        registry.register(
            "orgs_reload_failures",
            "Reloads of COBROWSE_ORGS_FILE refused because the file was invalid; the orgs kept serving as before",
            reload_failures,
        );
        registry.register(
            "orgs_file_rejected",
            "1 while the newest version of COBROWSE_ORGS_FILE was refused and an earlier one is served, 0 once a version is taken",
            rejected,
        );
        metrics
    }

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

    /// The Prometheus text exposition of every metric, with each org's Genesys client as it
    /// is now (one unnamed org in a single-org deployment).
    pub fn render(&self, genesys: &[(OrgLabel, GenesysStatus)]) -> String {
        let _one_at_a_time = self
            .rendering
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Orgs a reload removed have no series left.
        self.genesys_requests_last_minute.clear();
        self.token_valid.clear();
        for (org, status) in genesys {
            self.genesys_requests_last_minute
                .get_or_create(org)
                .set(i64::try_from(status.requests_last_minute).unwrap_or(i64::MAX));
            self.token_valid
                .get_or_create(org)
                .set(i64::from(status.token_valid));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// The log writer's count of the lines it dropped, given once by `telemetry::init`. The
/// writer is one per process, like the subscriber, so its count is too, rather than one per
/// [`Metrics`]; read at each scrape, so it is never behind.
static DROPPED_LOG_LINES: OnceLock<ErrorCounter> = OnceLock::new();

/// Exposes `dropped`, the log writer's count, as `log_lines_dropped_total`.
pub fn count_dropped_log_lines(dropped: ErrorCounter) {
    let _ = DROPPED_LOG_LINES.set(dropped);
}

/// `log_lines_dropped_total`: 0 until logging is set up (and in tests that never set it up).
#[derive(Debug)]
struct LogLinesDropped;

impl Collector for LogLinesDropped {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let dropped = DROPPED_LOG_LINES
            .get()
            .map_or(0, |counter| counter.dropped_lines() as u64);
        let counter = ConstCounter::new(dropped);
        let metric = encoder.encode_descriptor(
            "log_lines_dropped",
            "Log lines dropped because stdout did not take them as fast as they came (the queue of 8192 was full).",
            None,
            counter.metric_type(),
        )?;
        counter.encode(metric)
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
