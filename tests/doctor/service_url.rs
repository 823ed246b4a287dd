//! `--url`: the service's own `/healthz`, skipped without it, failed when it does not
//! answer, and refused over plain HTTP unless `--allow-http` says so.

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::Unreachable;
use crate::genesys::received;
use crate::harness::{PUBLIC_URL, Scenario};

#[tokio::test]
async fn the_service_url_is_skipped_without_url_and_fails_when_it_does_not_answer() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let without = scenario.doctor(&[], &[]).await;
    assert_eq!(without.code, Some(0));
    without.assert("service-url", "skip", &["--url"]);

    let nowhere = Unreachable::reserve();
    let unreachable = scenario
        .doctor(&[], &["--url", &nowhere.url(), "--allow-http"])
        .await;
    assert_eq!(unreachable.code, Some(1));
    unreachable.assert(
        "service-url",
        "FAIL",
        &[&format!("{}/healthz", nowhere.url()), "TLS certificate"],
    );

    let failing = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&failing)
        .await;
    let bad_gateway = scenario
        .doctor(&[], &["--url", &failing.uri(), "--allow-http"])
        .await;
    bad_gateway.assert("service-url", "FAIL", &["answered 502", "routes"]);
}

#[tokio::test]
async fn a_plain_http_url_is_refused_before_anything_is_checked() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let run = scenario
        .doctor(&[], &["--url", "http://cobrowse.example.com"])
        .await;
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("HTTPS only"), "{}", run.stderr);
    assert!(received(&scenario.genesys).await.is_empty());
}
