//! The series of an org a reload removed go with it, so that `/metrics` lists the orgs served
//! and no other, and what the families hold stays bounded by the file however many reloads
//! rename, remove or add orgs (prometheus-client's families never drop a series by
//! themselves).
//!
//! A call of the removed org still in flight, or its token request, may count once more after
//! the reload, which creates the series again: each scrape removes the org's series again
//! until [`LINGER`] has passed since it left, longer than anything of an org outlives its
//! removal (a call lasts `COBROWSE_CLIENT_TIMEOUT_MS` and `COBROWSE_UPSTREAM_TIMEOUT_MS`, a
//! token request the latter: 60 s each at most).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::labels::{CallLabels, RequestBodyLabels};
use super::{CallOutcome, GenesysStatus, Metrics, OrgLabel};

/// How long after an org left its series are removed again at each scrape.
const LINGER: Duration = Duration::from_secs(5 * 60);

/// The orgs a reload removed lately, and when; and the labels of a call's series besides the
/// org (the error codes are `outcome`'s, given by the reload that removes an org).
#[derive(Default)]
pub(super) struct Departed(Mutex<(Vec<(&'static str, Instant)>, CallLabelsList)>);

type CallLabelsList = &'static [(CallOutcome, &'static str)];

impl Metrics {
    /// Removes every series of `org`, which a reload has just removed (and again at the
    /// scrapes of the next few minutes: what it was still doing may count once more).
    /// `call_labels`: every label a call's series may carry besides the org
    /// (`outcome::call_labels`).
    pub fn forget_org(&self, org: &'static str, call_labels: CallLabelsList) {
        self.remove_series_of(org, call_labels);
        let mut guard = self.departed.0.lock().expect("departed orgs lock");
        let (departed, labels) = &mut *guard;
        *labels = call_labels;
        // Those that left long ago are let go here too: without scrapes, the list would grow
        // with every org ever removed.
        departed.retain(|&(name, left)| name != org && left.elapsed() < LINGER);
        departed.push((org, Instant::now()));
    }

    /// At a scrape, with the orgs `served` now: removes again the series of the orgs that
    /// left lately and are not back, and forgets those that left long enough ago.
    pub(super) fn sweep_departed(&self, served: &[(OrgLabel, GenesysStatus)]) {
        let mut guard = self.departed.0.lock().expect("departed orgs lock");
        let (departed, call_labels) = &mut *guard;
        if departed.is_empty() {
            return;
        }
        let call_labels = *call_labels;
        let served: HashSet<&str> = served.iter().filter_map(|(org, _)| org.0).collect();
        departed.retain(|&(org, left)| {
            if !served.contains(org) {
                self.remove_series_of(org, call_labels);
            }
            left.elapsed() < LINGER
        });
    }

    /// Every series of `name` in the families with an `org` label but the three read at each
    /// scrape (`token_valid` and its kin), which each scrape fills from the orgs served then.
    fn remove_series_of(&self, name: &'static str, call_labels: CallLabelsList) {
        let org = OrgLabel(Some(name));
        for &(outcome, error_code) in call_labels {
            self.calls.remove(&CallLabels {
                org,
                outcome,
                error_code,
            });
        }
        for family in [
            &self.token_renewals,
            &self.token_failures,
            &self.oauth_client_switches,
            &self.starts_reused,
            &self.reuse_store_errors,
        ] {
            family.remove(&org);
        }
        for mode in ["agent-payload", "empty"] {
            self.request_body.remove(&RequestBodyLabels { org, mode });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series_of(metrics: &Metrics, served: &[(OrgLabel, GenesysStatus)], org: &str) -> usize {
        let label = format!(r#"org="{org}""#);
        let text = metrics.render(served);
        text.lines().filter(|l| l.contains(&label)).count()
    }

    /// The labels of the calls [`serve`] counts (the service gives `outcome::call_labels`).
    const CALLS: CallLabelsList = &[
        (CallOutcome::Started, ""),
        (CallOutcome::Failed, "GENESYS_AUTH_FAILED"),
        (CallOutcome::Failed, "UPSTREAM_TIMEOUT"),
    ];

    /// What building an org and serving its calls leaves in the families.
    fn serve(metrics: &Metrics, org: &'static str) {
        let org = OrgLabel(Some(org));
        metrics.list_calls(org, [(CallOutcome::Failed, "GENESYS_AUTH_FAILED")]);
        metrics.count_call_of(org, CallOutcome::Failed, "UPSTREAM_TIMEOUT");
        metrics.token_renewals.get_or_create(&org).inc();
        metrics.starts_reused.get_or_create(&org).inc();
        metrics.set_request_body_of(org, None, "empty");
    }

    #[test]
    fn a_removed_org_has_no_series_left_even_after_a_late_call_counts() {
        let metrics = Metrics::for_many_orgs();
        serve(&metrics, "acme");
        serve(&metrics, "globex");
        let acme = [(OrgLabel(Some("acme")), GenesysStatus::default())];
        let both = [
            acme[0],
            (OrgLabel(Some("globex")), GenesysStatus::default()),
        ];
        let acme_series = series_of(&metrics, &both, "acme");
        assert!(series_of(&metrics, &both, "globex") >= 6);

        metrics.forget_org("globex", CALLS);
        assert_eq!(series_of(&metrics, &acme, "globex"), 0);
        assert_eq!(series_of(&metrics, &acme, "acme"), acme_series);

        // A call of globex's that was in flight at the reload ends after it.
        metrics.count_call_of(OrgLabel(Some("globex")), CallOutcome::Started, "");
        assert_eq!(series_of(&metrics, &acme, "globex"), 0, "the next scrape");
    }

    #[test]
    fn an_org_removed_then_added_back_keeps_its_new_series() {
        let metrics = Metrics::for_many_orgs();
        serve(&metrics, "globex");
        metrics.forget_org("globex", CALLS);
        serve(&metrics, "globex");
        let served = [(OrgLabel(Some("globex")), GenesysStatus::default())];
        let text = metrics.render(&served);
        assert!(
            text.contains(r#"cobrowse_proxy_calls_total{org="globex",outcome="failed",error_code="UPSTREAM_TIMEOUT"} 1"#),
            "{text}"
        );
    }
}
