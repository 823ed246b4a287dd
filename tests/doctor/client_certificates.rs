//! The `client-certificates` check: the data actions' certificates Genesys lists (the SDK's
//! `ActionCertificateListing`), which CA issues them, and whether the service's
//! `COBROWSE_TLS_CLIENT_CA` would accept each, now and when the current one expires.

use wiremock::matchers::path;

use crate::genesys::{action_certificate, answer, list_certificates, missing_permissions};
use crate::harness::{PUBLIC_URL, Run, Scenario};
use crate::pki::{Ca, EU_WEST_1, US_WEST_2, mutual_tls};

/// doctor against `scenario` with mutual TLS trusting `cas`.
async fn with_bundle(scenario: &Scenario, test: &str, cas: &[&Ca]) -> Run {
    let vars = mutual_tls(test, cas);
    let overrides: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (*n, v.as_str())).collect();
    scenario.doctor(&overrides, &[]).await
}

#[tokio::test]
async fn the_certificates_are_listed_with_their_issuer_expiry_and_ca() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let run = scenario.doctor(&[], &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let line = run.assert(
        "client-certificates",
        "ok",
        &[
            "Genesys lists 1 client certificate for the org's data actions",
            &format!("current {EU_WEST_1}"),
            "issued by CN=Genesys Cloud Data Actions CA 2025, O=Genesys",
            "(in 300 days)",
            "The org's data actions use the Genesys regional private CA.",
            "COBROWSE_TLS_CLIENT_CA is unset, so the service asks for none",
        ],
    );
    assert!(!line.contains("would accept"), "{line}");
    assert!(!line.contains("rotation"), "{line}");
}

#[tokio::test]
async fn the_bundle_is_checked_against_each_certificate_and_the_ca_in_use_named() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let genesys = Ca::genesys("2025");
    let digicert = Ca::digicert();
    list_certificates(
        &scenario.genesys,
        vec![
            action_certificate("Genesys", &genesys.client(EU_WEST_1, -10, 355), "Current"),
            action_certificate("DigiCert", &digicert.client(EU_WEST_1, -10, 200), "Current"),
        ],
    )
    .await;
    let run = with_bundle(&scenario, "accepted", &[&genesys]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.assert(
        "client-certificates",
        "ok",
        &[
            "Genesys lists 2 client certificates",
            "O=Genesys (the Genesys regional private CA), expires on",
            "(in 355 days); the service would accept it",
            &format!("issued by {} (DigiCert), expires on", digicert.issuer_name),
            "the service would refuse it (untrusted_chain: it does not chain to COBROWSE_TLS_CLIENT_CA)",
            "Certificates of the Genesys regional private CA and DigiCert are listed: the integration's configuration chooses which its calls present.",
        ],
    );
}

#[tokio::test]
async fn a_bundle_that_verifies_no_current_certificate_fails() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let genesys = Ca::genesys("2025");
    list_certificates(
        &scenario.genesys,
        vec![action_certificate(
            "Genesys",
            &genesys.client(EU_WEST_1, -10, 355),
            "Current",
        )],
    )
    .await;
    let someone_else = Ca::new("Example", "Some other CA");
    let run = with_bundle(&scenario, "untrusted", &[&someone_else]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let line = run.assert(
        "client-certificates",
        "FAIL",
        &[
            "untrusted_chain",
            "The service would accept no current certificate: every call over mutual TLS would be refused.",
            "Put the CA that issues the current certificate in COBROWSE_TLS_CLIENT_CA",
        ],
    );
    assert!(line.contains("What to do:"), "{line}");

    // The right CA, but a certificate of another region's data actions.
    let scenario = Scenario::calling(PUBLIC_URL).await;
    list_certificates(
        &scenario.genesys,
        vec![action_certificate(
            "Genesys",
            &genesys.client(US_WEST_2, -10, 355),
            "Current",
        )],
    )
    .await;
    let run = with_bundle(&scenario, "other-region", &[&genesys]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "client-certificates",
        "FAIL",
        &[
            "wrong_region_for_org",
            &format!(
                "the certificate is for {US_WEST_2} (region us-west-2); the org's is {EU_WEST_1}"
            ),
            "COBROWSE_TLS_CLIENT_NAME",
        ],
    );
}

#[tokio::test]
async fn a_current_certificate_expiring_within_30_days_fails_without_an_upcoming_one_accepted() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let old = Ca::genesys("2025");
    let expiring = old.client(EU_WEST_1, -355, 10);

    // Nothing upcoming yet.
    list_certificates(
        &scenario.genesys,
        vec![action_certificate("Genesys", &expiring, "Current")],
    )
    .await;
    let run = with_bundle(&scenario, "expiring-alone", &[&old]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "client-certificates",
        "FAIL",
        &[
            "The current certificate the service accepts expires on",
            "(in 10 days), and no upcoming certificate it accepts is listed",
            "Genesys lists no upcoming certificate yet",
        ],
    );

    // The upcoming one comes from a new CA the bundle does not hold.
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let new = Ca::genesys("2026");
    let upcoming = new.client(EU_WEST_1, 5, 370);
    list_certificates(
        &scenario.genesys,
        vec![
            action_certificate("Genesys", &expiring, "Current"),
            action_certificate("Genesys", &upcoming, "Upcoming"),
        ],
    )
    .await;
    let run = with_bundle(&scenario, "expiring-refused", &[&old]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "client-certificates",
        "FAIL",
        &[
            "upcoming dataactions",
            "valid from",
            "the service would refuse it (untrusted_chain",
            "no upcoming certificate it accepts is listed",
            "Put the upcoming certificate's CA in COBROWSE_TLS_CLIENT_CA beside the current one",
        ],
    );

    // With both CAs in the bundle, as docs/security.md says for a rotation: it passes.
    let run = with_bundle(&scenario, "expiring-accepted", &[&old, &new]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let line = run.assert(
        "client-certificates",
        "ok",
        &[
            "(in 10 days); the service would accept it",
            "(in 370 days); the service would accept it",
            "An upcoming certificate is listed: a rotation is on its way",
            "this listing can be inconsistent while one is in progress",
        ],
    );
    assert!(!line.contains("Note:"), "{line}");
}

#[tokio::test]
async fn an_upcoming_certificate_of_the_ca_in_use_the_bundle_refuses_is_a_note() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let old = Ca::genesys("2025");
    let new = Ca::genesys("2026");
    list_certificates(
        &scenario.genesys,
        vec![
            action_certificate("Genesys", &old.client(EU_WEST_1, -300, 65), "Current"),
            action_certificate("Genesys", &new.client(EU_WEST_1, -1, 400), "Upcoming"),
        ],
    )
    .await;
    let run = with_bundle(&scenario, "upcoming-refused", &[&old]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.assert(
        "client-certificates",
        "ok",
        &[
            "Note: the service would refuse the upcoming certificate of the Genesys regional private CA: put its CA in COBROWSE_TLS_CLIENT_CA beside the current one before Genesys switches.",
        ],
    );
}

#[tokio::test]
async fn a_rotation_in_progress_is_said_with_genesyss_warning_about_the_listing() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let old = Ca::genesys("2025");
    let new = Ca::genesys("2026");
    // Mid-rotation, Genesys lists the old and the new certificate both as current.
    list_certificates(
        &scenario.genesys,
        vec![
            action_certificate("Genesys", &old.client(EU_WEST_1, -360, 5), "Current"),
            action_certificate("Genesys", &new.client(EU_WEST_1, -1, 364), "Current"),
        ],
    )
    .await;
    let run = with_bundle(&scenario, "rotation", &[&old, &new]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.assert(
        "client-certificates",
        "ok",
        &[
            "Genesys lists 2 client certificates",
            "More than one current certificate of one CA is listed: a rotation is in progress",
            "Genesys says this listing can be inconsistent while one is in progress; run doctor again later to confirm.",
        ],
    );
}

#[tokio::test]
async fn a_listing_without_the_certificates_text_says_what_cannot_be_checked() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    list_certificates(
        &scenario.genesys,
        vec![action_certificate("Genesys", "", "Current")],
    )
    .await;
    let run = with_bundle(&scenario, "no-text", &[&Ca::genesys("2025")]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.assert(
        "client-certificates",
        "skip",
        &[
            "current (the Genesys regional private CA): Genesys gave no certificate doctor can read",
            "cannot say whether COBROWSE_TLS_CLIENT_CA accepts it",
            "article 208665",
        ],
    );
}

#[tokio::test]
async fn without_the_permission_it_names_it_and_skips() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    answer(
        &scenario.genesys,
        path("/api/v2/integrations/actions/certificates"),
        missing_permissions("integrations:actionCertificate:view"),
    )
    .await;
    let run = with_bundle(&scenario, "forbidden", &[&Ca::genesys("2025")]).await;
    assert_eq!(
        run.code,
        Some(0),
        "a skip does not fail the run: {}",
        run.stdout
    );
    run.assert(
        "client-certificates",
        "skip",
        &[
            "may not list the data actions' client certificates (Genesys answered 403",
            "Give the OAuth client's role integrations:actionCertificate:view (read only)",
        ],
    );
    // The checks after it go on.
    run.assert("egress-ranges", "ok", &[]);
}
