//! Prometheus metrics for `GET /metrics`: what an operator graphs and alerts on.
//!
//! One [`Metrics`] is built at start-up and shared; recording is a few atomic operations, so
//! it stays off the hot path's allocation budget (label values are `&'static str`). The one
//! count kept elsewhere, the log lines the log writer dropped, is the writer's own and read
//! at each scrape.

use std::sync::OnceLock;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing_appender::non_blocking::ErrorCounter;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    /// `started`, `failed`, or `already_active` (no start: the conversation has a session).
    pub outcome: &'static str,
    /// The flat reply's `errorCode`, `""` on success.
    pub error_code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestBodyLabels {
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

pub struct Metrics {
    registry: Registry,
    pub calls: Family<CallLabels, Counter>,
    pub genesys_latency: Family<OperationLabels, Histogram, fn() -> Histogram>,
    pub genesys_retries: Family<OperationLabels, Counter>,
    pub token_renewals: Counter,
    pub token_failures: Counter,
    pub in_flight: Gauge,
    pub starts_reused: Counter,
    pub reuse_store_errors: Counter,
    /// 1 for the body starts carry now, 0 for the other.
    request_body: Family<RequestBodyLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("cobrowse_proxy");
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
        let token_renewals = Counter::default();
        registry.register(
            "token_renewals",
            "Genesys access tokens obtained",
            token_renewals.clone(),
        );
        let token_failures = Counter::default();
        registry.register(
            "token_failures",
            "Genesys access token requests that failed",
            token_failures.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "calls_in_flight",
            "Start-cobrowse calls being served now",
            in_flight.clone(),
        );
        let starts_reused = Counter::default();
        registry.register(
            "starts_reused",
            "Starts answered with a session started earlier (COBROWSE_REUSE_WINDOW_MS), without a Genesys start",
            starts_reused.clone(),
        );
        let reuse_store_errors = Counter::default();
        registry.register(
            "reuse_store_errors",
            "Reuse store (Redis) commands that failed or timed out; the start went on without reuse",
            reuse_store_errors.clone(),
        );
        let request_body = Family::<RequestBodyLabels, Gauge>::default();
        registry.register(
            "request_body",
            "The body start requests carry now (1): agent-payload or empty",
            request_body.clone(),
        );
        registry.register_collector(Box::new(LogLinesDropped));
        Metrics {
            registry,
            starts_reused,
            reuse_store_errors,
            request_body,
            calls,
            genesys_latency,
            genesys_retries,
            token_renewals,
            token_failures,
            in_flight,
        }
    }
}

impl Metrics {
    /// Counts one answered call by its outcome (`started`, `failed`, `already_active`) and
    /// its `errorCode`'s name (`""` when started). Names, not types, so metrics depend on
    /// nothing they count.
    pub fn count_call(&self, outcome: &'static str, error_code: &'static str) {
        self.calls
            .get_or_create(&CallLabels {
                outcome,
                error_code,
            })
            .inc();
    }

    /// Records the body starts carry from now on (`agent-payload`, `empty`), and that
    /// `before`, if any, is no longer the one.
    pub fn set_request_body(&self, before: Option<&'static str>, now: &'static str) {
        if let Some(mode) = before {
            self.request_body
                .get_or_create(&RequestBodyLabels { mode })
                .set(0);
        }
        self.request_body
            .get_or_create(&RequestBodyLabels { mode: now })
            .set(1);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
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
