//! The alerting rules in deploy/monitoring/alerts.yaml, loaded into a real Prometheus that
//! scrapes the real service: quiet while starts succeed, the auth alert firing once Genesys
//! refuses the OAuth client.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::*;
use crate::many_orgs::TwoOrgs;
use crate::prometheus_server::{self, PrometheusServer};

/// The project's rules with every `for:` cut to a second, so an alert fires within seconds
/// of its condition (scrapes and evaluations are a second apart here).
fn rules_with_short_for() -> String {
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/monitoring/alerts.yaml"
    ))
    .unwrap();
    rules
        .lines()
        .map(|line| match line.trim_start().strip_prefix("for: ") {
            Some(_) => format!("{}for: 1s", &line[..line.len() - line.trim_start().len()]),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits up to 20 s for `done`, checked every 250 ms, after `each` (a call, say).
async fn within_20s<F: Future<Output = bool>>(mut each: impl FnMut() -> F) -> bool {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if each().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

#[tokio::test]
async fn prometheus_stays_quiet_while_starts_succeed_and_pages_when_genesys_refuses_the_client() {
    if !prometheus_server::available() {
        return;
    }
    let app = spawn_app().await;
    app.mount_cobrowse(session_reply()).await;
    let target = app.address.trim_start_matches("http://");
    let prometheus = PrometheusServer::start(target, &rules_with_short_for()).await;

    // Starts succeed, and Prometheus has scraped them and evaluated every rule since.
    for _ in 0..5 {
        assert_eq!(
            flat_reply(app.start(&valid_input()).await).await["success"],
            true
        );
    }
    let scraped = within_20s(|| async {
        prometheus
            .query(r#"sum(cobrowse_proxy_calls_total{outcome="started"})"#)
            .await
            == Some(5.0)
    })
    .await;
    assert!(scraped, "Prometheus never saw the 5 starts");
    let seen_at = prometheus.query("vector(time())").await.unwrap();
    let evaluated = within_20s(|| async {
        let rules = prometheus.rules().await;
        rules.iter().all(|rule| {
            let at = rule["lastEvaluation"].as_str().unwrap_or_default();
            rule["health"] == "ok"
                && humantime::parse_rfc3339_weak(&at[..19]).is_ok_and(|t| {
                    t.duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs_f64()
                        > seen_at + 1.0
                })
        })
    })
    .await;
    let rules = prometheus.rules().await;
    assert!(
        evaluated,
        "the rules were not all evaluated after the starts: {rules:#?}"
    );
    assert_eq!(
        rules.len(),
        rules_with_short_for().matches("- alert: ").count(),
        "every alert of deploy/monitoring/alerts.yaml is loaded"
    );
    let alerts = prometheus.alerts().await;
    assert_eq!(
        alerts,
        Vec::<Value>::new(),
        "alerts while every start succeeds"
    );

    // The org revokes the OAuth client: every start fails with GENESYS_AUTH_FAILED.
    app.revoke_client().await;
    let until = Instant::now() + Duration::from_secs(20);
    let firing = loop {
        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["errorCode"], "GENESYS_AUTH_FAILED", "{reply}");
        let alerts = prometheus.alerts().await;
        let auth = alerts.iter().find(|a| {
            a["labels"]["alertname"] == "CobrowseGenesysAuthFailed" && a["state"] == "firing"
        });
        if let Some(alert) = auth {
            break alert.clone();
        }
        assert!(
            Instant::now() < until,
            "CobrowseGenesysAuthFailed never fired; active: {alerts:#?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(firing["labels"]["severity"], "critical");
    assert_eq!(firing["labels"]["error_code"], "GENESYS_AUTH_FAILED");
    let description = firing["annotations"]["description"].as_str().unwrap();
    assert!(
        description.contains("check the client id/secret, grant type and region"),
        "{description}"
    );
}

#[tokio::test]
async fn prometheus_warns_while_a_refused_orgs_file_is_in_place_and_stops_once_a_valid_one_is_read()
{
    if !prometheus_server::available() {
        return;
    }
    let orgs = TwoOrgs::start("alerting-orgs-file", &[]).await;
    let target = orgs.address.trim_start_matches("http://");
    let prometheus = PrometheusServer::start(target, &rules_with_short_for()).await;
    let rejected = |alerts: &[Value]| {
        alerts
            .iter()
            .find(|a| a["labels"]["alertname"] == "CobrowseOrgsFileRejected")
            .cloned()
    };
    let scraped = within_20s(|| async {
        prometheus.query("cobrowse_proxy_orgs_file_rejected").await == Some(0.0)
    })
    .await;
    assert!(scraped, "Prometheus never scraped the orgs file's gauge");

    // A new version that is not valid: the orgs keep serving, and the alert fires.
    let good = std::fs::read_to_string(&orgs.file).unwrap();
    std::fs::write(
        &orgs.file,
        good.replace("client_id = \"acme-client\"", "clientid = \"acme-client\""),
    )
    .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    let firing = loop {
        let alerts = prometheus.alerts().await;
        if let Some(alert) = rejected(&alerts).filter(|a| a["state"] == "firing") {
            break alert;
        }
        assert!(
            Instant::now() < until,
            "CobrowseOrgsFileRejected never fired; active: {alerts:#?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(firing["labels"]["severity"], "warning");
    let description = firing["annotations"]["description"].as_str().unwrap();
    assert!(
        description.contains("the orgs file was not reloaded"),
        "{description}"
    );
    assert_eq!(orgs.as_acme(&valid_input()).await["joinCode"], "acme");

    // A valid version (not the first: another credential for globex) ends it.
    std::fs::write(
        &orgs.file,
        good.replace("globex-inbound-token", "globex-next-token"),
    )
    .unwrap();
    let resolved = within_20s(|| async { rejected(&prometheus.alerts().await).is_none() }).await;
    assert!(
        resolved,
        "still active: {:#?}",
        rejected(&prometheus.alerts().await)
    );
}
