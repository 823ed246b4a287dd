//! What `/metrics` tells an operator beyond the call counters: the settings the live figures
//! are drawn against, the Genesys request limit's count, whether a token is held, the
//! process's own figures and the version; and that a reload that removes an org removes
//! its series.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::helpers::*;
use crate::many_orgs::{TwoOrgs, orgs_toml};
use crate::orgs_reload::{eventually, rewrite};

/// The value of `series` (name and labels, exactly as exposed) in a `/metrics` page, as
/// written; `None` when the page has no such series.
pub fn sample<'a>(metrics: &'a str, series: &str) -> Option<&'a str> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
}

/// The value of `series` in a `/metrics` page, which must have it.
pub fn value_of(metrics: &str, series: &str) -> f64 {
    sample(metrics, series)
        .unwrap_or_else(|| panic!("{series} is not in:\n{metrics}"))
        .parse()
        .unwrap()
}

/// How many client certificates a `/metrics` page counts as refused for `reason` (none
/// before the first).
pub fn certificate_refusals(metrics: &str, reason: &str) -> u64 {
    let series =
        format!("cobrowse_proxy_tls_client_certificate_refusals_total{{reason=\"{reason}\"}}");
    sample(metrics, &series).map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn the_limits_are_exposed_next_to_the_figures_they_bound() {
    let app = spawn_app_with(&[
        ("MAX_IN_FLIGHT", "7"),
        ("GENESYS_REQUESTS_PER_MINUTE", "50"),
        ("UPSTREAM_TIMEOUT_MS", "1500"),
    ])
    .await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let metrics = app.metrics().await;
    for (series, value) in [
        ("cobrowse_proxy_calls_in_flight_limit", 7.0),
        ("cobrowse_proxy_genesys_requests_per_minute_limit", 50.0),
        ("cobrowse_proxy_upstream_timeout_seconds", 1.5),
        ("cobrowse_proxy_genesys_requests_last_minute", 0.0),
    ] {
        assert_eq!(value_of(&metrics, series), value, "{series}");
    }

    // Two starts with agentId: two Genesys requests (the token's is not limited, not counted).
    for _ in 0..2 {
        assert_eq!(
            flat_reply(app.start(&valid_input()).await).await["success"],
            true
        );
    }
    let metrics = app.metrics().await;
    assert_eq!(
        value_of(&metrics, "cobrowse_proxy_genesys_requests_last_minute"),
        2.0
    );
}

#[tokio::test]
async fn every_failure_is_listed_at_zero_before_the_first_call() {
    // Prometheus sees a counter's first increase only if it saw it at 0 first: an alert on
    // the first GENESYS_AUTH_FAILED of a process depends on it.
    let app = spawn_app_with(&[]).await;
    let metrics = app.metrics().await;
    for code in cobrowse_proxy::outcome::ErrorCode::ALL {
        let series = format!(
            r#"cobrowse_proxy_calls_total{{outcome="{}",error_code="{}"}}"#,
            code.outcome().as_str(),
            code.as_str()
        );
        assert_eq!(value_of(&metrics, &series), 0.0, "{series}");
    }
    assert_eq!(
        value_of(
            &metrics,
            r#"cobrowse_proxy_calls_total{outcome="started",error_code=""}"#
        ),
        0.0
    );
    assert_eq!(
        value_of(
            &metrics,
            r#"cobrowse_proxy_genesys_request_duration_seconds_count{operation="cobrowse"}"#
        ),
        0.0
    );
}

#[tokio::test]
async fn token_valid_says_whether_a_token_is_held() {
    let app = spawn_app_with(&[]).await;
    app.mount_token(86_400).await;
    app.mount_cobrowse(session_reply()).await;
    let valid = |metrics: String| value_of(&metrics, "cobrowse_proxy_token_valid");
    assert_eq!(valid(app.metrics().await), 0.0, "no token asked for yet");
    app.start(&valid_input()).await;
    assert_eq!(valid(app.metrics().await), 1.0);

    app.revoke_client().await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["errorCode"], "GENESYS_AUTH_FAILED", "{reply}");
    let metrics = app.metrics().await;
    assert_eq!(valid(metrics.clone()), 0.0);
    assert_eq!(
        value_of(&metrics, "cobrowse_proxy_token_failures_total"),
        1.0
    );
}

#[tokio::test]
async fn process_and_build_figures_are_exposed_under_the_usual_names() {
    let app = spawn_app_with(&[]).await;
    let metrics = app.metrics().await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let started = value_of(&metrics, "process_start_time_seconds");
    // The service runs inside this test process, started moments ago (the slowest test
    // binaries run for minutes).
    assert!(
        started <= now + 1.0 && started > now - 3600.0,
        "started at {started}, now {now}"
    );
    let resident = value_of(&metrics, "process_resident_memory_bytes");
    assert!(resident > 1e6 && resident < 4e9, "{resident}");
    assert!(value_of(&metrics, "process_virtual_memory_bytes") >= resident);
    let open = value_of(&metrics, "process_open_fds");
    // At least the listener, the mock Genesys's and this client's connection.
    assert!(
        open >= 3.0 && open <= value_of(&metrics, "process_max_fds"),
        "{open}"
    );
    assert!(value_of(&metrics, "process_cpu_seconds_total") >= 0.0);
    assert!(metrics.contains("# TYPE process_cpu_seconds counter"));
    let build = format!(
        r#"cobrowse_proxy_build_info{{version="{}"}}"#,
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(value_of(&metrics, &build), 1.0);
}

#[tokio::test]
async fn scrapes_at_once_each_see_every_series() {
    let app = spawn_app().await;
    // Many scrapes at once, as several Prometheus servers (or a retry) may send.
    for _ in 0..10 {
        let scrapes = futures_util::future::join_all(
            (0..20).map(|_| async { app.get("/metrics").await.text().await.unwrap() }),
        )
        .await;
        for text in scrapes {
            for series in [
                "cobrowse_proxy_token_valid ",
                "cobrowse_proxy_genesys_requests_last_minute ",
            ] {
                assert!(
                    text.lines().any(|l| l.starts_with(series)),
                    "{series} missing from a scrape:\n{text}"
                );
            }
        }
    }
}

/// The lines of a `/metrics` page that carry `org="NAME"`.
fn series_of_org<'a>(metrics: &'a str, name: &str) -> Vec<&'a str> {
    let label = format!(r#"org="{name}""#);
    metrics
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains(&label))
        .collect()
}

#[tokio::test]
async fn a_reload_that_removes_an_org_removes_every_series_of_it() {
    let orgs = TwoOrgs::start("metrics-removed-org", &[]).await;
    assert_eq!(orgs.as_acme(&valid_input()).await["success"], true);
    assert_eq!(orgs.as_globex(&valid_input()).await["success"], true);
    let before = orgs.get("/metrics").await.text().await.unwrap();
    for series in [
        r#"cobrowse_proxy_request_body{org="globex",mode="agent-payload"} 1"#,
        r#"cobrowse_proxy_calls_total{org="globex",outcome="started",error_code=""} 1"#,
        r#"cobrowse_proxy_token_renewals_total{org="globex"} 1"#,
    ] {
        assert!(before.contains(series), "{series} in:\n{before}");
    }

    // globex leaves the file; acme stays as it was.
    let text = orgs_toml(&orgs.acme.uri(), &orgs.globex.uri(), "", "");
    rewrite(&orgs.file, &text[..text.find("[orgs.globex]").unwrap()]);
    eventually("globex's credential is refused", || async {
        orgs.as_globex(&valid_input()).await["errorCode"] == "UNAUTHORIZED"
    })
    .await;
    let after = orgs.get("/metrics").await.text().await.unwrap();
    let left = series_of_org(&after, "globex");
    assert!(left.is_empty(), "globex's series stayed: {left:#?}");
    assert_eq!(
        series_of_org(&after, "acme").len(),
        series_of_org(&before, "acme").len(),
        "acme keeps every series:\n{after}"
    );
    assert!(after.contains(r#"cobrowse_proxy_request_body{org="acme",mode="agent-payload"} 1"#));
}
