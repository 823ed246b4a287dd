//! The registry behind `GET /metrics`: every metric the service exposes, registered with its
//! name and help text when [`Metrics`] is built, and the series that must exist at 0 before
//! anything is counted. The name and help of each are what `docs/operations.md` lists and
//! what the alerts and the dashboard in `deploy/monitoring/` query.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::Metrics;
use super::labels::{
    CallLabels, OAuthClientLabels, OperationLabels, OrgLabel, RequestBodyLabels, VersionLabels,
};
use super::process::ProcessCollector;
use super::scrape::LogLinesDropped;

fn latency_histogram() -> Histogram {
    // 5 ms to ~10 s: Genesys answers in tens to hundreds of milliseconds; the tail is what
    // eats a data action's timeout.
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

impl Default for Metrics {
    fn default() -> Self {
        let mut root = Registry::default();
        // The client libraries' names, without the service's prefix, so the usual process
        // dashboards and alerts find them.
        root.register_collector(Box::new(ProcessCollector));
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
            "1 while the service holds a Genesys access token that has not expired (what /readyz reports as token held), else 0",
            token_valid.clone(),
        );
        let oauth_client_switches = Family::<OrgLabel, Counter>::default();
        registry.register(
            "genesys_oauth_client_switches",
            "Token requests on which Genesys refused the OAuth client in use and accepted the org's other one, which is used from then on",
            oauth_client_switches.clone(),
        );
        let oauth_client = Family::<OAuthClientLabels, Gauge>::default();
        registry.register(
            "genesys_oauth_client",
            "1 for the OAuth client the org's tokens come from (client: first, or second during a rotation), 0 for its other one",
            oauth_client.clone(),
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
            &oauth_client_switches,
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
            oauth_client_switches,
            oauth_client,
            in_flight,
            in_flight_limit,
            genesys_requests_per_minute_limit,
            upstream_timeout,
            genesys_requests_last_minute,
            token_valid,
            rendering: std::sync::Mutex::new(()),
            departed: Default::default(),
            orgs_reload_failures: Counter::default(),
            orgs_file_rejected: Gauge::default(),
            tls_reload_failures: Counter::default(),
            tls_certificate_rejected: Gauge::default(),
            tls_certificate_expiry: Gauge::default(),
            client_certificate_refusals: Family::default(),
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
            &metrics.oauth_client_switches,
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
}

impl Metrics {
    /// Adds the served certificate's metrics: the service serves HTTPS itself.
    pub fn serving_tls(&mut self) {
        let registry = self.registry.sub_registry_with_prefix("cobrowse_proxy");
        registry.register(
            "tls_reload_failures",
            "Re-reads of COBROWSE_TLS_CERT and COBROWSE_TLS_KEY refused (not a usable pair); the certificate served before kept being served",
            self.tls_reload_failures.clone(),
        );
        registry.register(
            "tls_certificate_rejected",
            "1 while the newest COBROWSE_TLS_CERT and COBROWSE_TLS_KEY were refused and an earlier certificate is served, 0 once a pair is taken",
            self.tls_certificate_rejected.clone(),
        );
        registry.register(
            "tls_certificate_expiry_timestamp_seconds",
            "When the certificate served now expires (its notAfter), in seconds since the Unix epoch",
            self.tls_certificate_expiry.clone(),
        );
    }
}

impl Metrics {
    /// Adds the refusals of client certificates: mutual TLS (`COBROWSE_TLS_CLIENT_CA`).
    pub fn checking_client_certificates(&mut self) {
        let registry = self.registry.sub_registry_with_prefix("cobrowse_proxy");
        registry.register(
            "tls_client_certificate_refusals",
            "Calls or handshakes refused for their client certificate (mutual TLS), by reason: no_certificate, untrusted_chain, expired, revoked, not_for_client_auth, wrong_name, wrong_region_for_org, header_from_untrusted_peer",
            self.client_certificate_refusals.clone(),
        );
    }
}
