//! What is read when Prometheus scrapes, never kept up to date on a call: what each org's
//! Genesys client knows ([`GenesysStatus`]) and the count of log lines the log writer
//! dropped, written out with every other metric by [`Metrics::render`].

use std::sync::OnceLock;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use tracing_appender::non_blocking::ErrorCounter;

use super::labels::OAuthClientLabels;
use super::{Metrics, OAuthClientInUse, OrgLabel};

/// What only the Genesys client knows, read when Prometheus scrapes rather than kept up to
/// date on every call.
#[derive(Clone, Copy, Debug, Default)]
pub struct GenesysStatus {
    /// Genesys requests sent in the last 60 s, as the request limit counts them (0 when
    /// `COBROWSE_GENESYS_REQUESTS_PER_MINUTE` is 0: nothing is counted then).
    pub requests_last_minute: u64,
    /// A token is held that has not expired.
    pub token_valid: bool,
    /// The OAuth client token requests ask with first (the one Genesys last accepted).
    pub oauth_client: OAuthClientInUse,
    /// The org has a second OAuth client (a rotation under way).
    pub second_oauth_client: bool,
}

impl Metrics {
    /// The Prometheus text exposition of every metric, with each org's Genesys client as it
    /// is now (one unnamed org in a single-org deployment).
    pub fn render(&self, genesys: &[(OrgLabel, GenesysStatus)]) -> String {
        let _one_at_a_time = self
            .rendering
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Orgs a reload removed have no series left.
        self.sweep_departed(genesys);
        self.genesys_requests_last_minute.clear();
        self.token_valid.clear();
        self.oauth_client.clear();
        for (org, status) in genesys {
            self.genesys_requests_last_minute
                .get_or_create(org)
                .set(i64::try_from(status.requests_last_minute).unwrap_or(i64::MAX));
            self.token_valid
                .get_or_create(org)
                .set(i64::from(status.token_valid));
            let clients = if status.second_oauth_client {
                &[OAuthClientInUse::First, OAuthClientInUse::Second][..]
            } else {
                &[OAuthClientInUse::First]
            };
            for &client in clients {
                self.oauth_client
                    .get_or_create(&OAuthClientLabels { org: *org, client })
                    .set(i64::from(client == status.oauth_client));
            }
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
pub(super) struct LogLinesDropped;

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
