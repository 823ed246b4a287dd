//! Rotating the OAuth client without a failed call: with a second client set
//! (`COBROWSE_GENESYS_CLIENT_ID_NEXT`/`_SECRET_NEXT`, or `client_id_next`/`client_secret_next`
//! in an org's table), a token request that Genesys refuses with the client in use asks with
//! the other at once, and keeps it; anything but a refusal of the credentials changes nothing.

use base64::Engine;
use serde_json::json;
use wiremock::matchers::{basic_auth, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::token_reply;
use crate::helpers::{
    ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, COBROWSE_PATH, TestApp, assert_failed_with, flat_reply,
    session_reply, spawn_app_with, valid_input,
};
use crate::many_orgs::{TwoOrgs, received};
use crate::metrics::sample;
use crate::orgs_reload::{eventually, rewrite};

const NEXT_ID: &str = "next-client-id";
const NEXT_SECRET: &str = "next-client-s3cret-DEF";

/// The service with both OAuth clients; Genesys starts every session it is asked to.
async fn app_with_two_clients() -> TestApp {
    let app = spawn_app_with(&[
        ("GENESYS_CLIENT_ID_NEXT", NEXT_ID),
        ("GENESYS_CLIENT_SECRET_NEXT", NEXT_SECRET),
    ])
    .await;
    app.mount_cobrowse(session_reply()).await;
    app
}

/// The login service answers `template` to the client `(id, secret)`.
async fn login_answers(genesys: &MockServer, client: (&str, &str), template: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(basic_auth(client.0, client.1))
        .respond_with(template)
        .with_priority(1)
        .mount(genesys)
        .await;
}

fn invalid_client() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({
        "error": "invalid_client",
        "description": "client not found",
        "error_description": "client not found"
    }))
}

/// The OAuth client id of each token request `genesys` received, in order.
async fn token_requests_by(genesys: &MockServer) -> Vec<String> {
    genesys
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .map(|r| {
            let basic = r.headers.get("authorization").unwrap().to_str().unwrap();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic.trim_start_matches("Basic "))
                .unwrap();
            let decoded = String::from_utf8(decoded).unwrap();
            decoded.split_once(':').unwrap().0.to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_refused_first_client_is_followed_by_the_second_within_the_call_and_kept() {
    let app = app_with_two_clients().await;
    login_answers(&app.genesys, (CLIENT_ID, CLIENT_SECRET), invalid_client()).await;
    login_answers(
        &app.genesys,
        (NEXT_ID, NEXT_SECRET),
        token_reply(ACCESS_TOKEN, 86_400),
    )
    .await;

    // Calls at once share the one token request, which asks each client once.
    let input = valid_input();
    let starts = (0..8).map(|_| app.start(&input));
    for reply in futures_util::future::join_all(starts).await {
        let reply = flat_reply(reply).await;
        assert_eq!(reply["success"], true, "{reply}");
    }
    assert_eq!(token_requests_by(&app.genesys).await, [CLIENT_ID, NEXT_ID]);
    let metrics = app.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            r#"cobrowse_proxy_genesys_oauth_client{client="second"}"#
        ),
        Some("1"),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"cobrowse_proxy_genesys_oauth_client{client="first"}"#
        ),
        Some("0"),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            "cobrowse_proxy_genesys_oauth_client_switches_total"
        ),
        Some("1"),
        "{metrics}"
    );

    // The token goes bad early: the renewal asks with the second client only.
    app.answer_first(
        path(COBROWSE_PATH),
        ResponseTemplate::new(401).set_body_json(json!({"code": "bad.credentials"})),
    )
    .await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(
        token_requests_by(&app.genesys).await,
        [CLIENT_ID, NEXT_ID, NEXT_ID],
        "the refused client is not asked again"
    );
}

/// After the swap (the new client first, the old one second) the old one may be the one in
/// use: when Genesys refuses it, the service goes back to the first.
#[tokio::test]
async fn the_switch_goes_back_when_the_other_is_refused_in_turn() {
    let app = app_with_two_clients().await;
    login_answers(&app.genesys, (CLIENT_ID, CLIENT_SECRET), invalid_client()).await;
    app.mount_login(token_reply(ACCESS_TOKEN, 86_400)).await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");

    app.genesys.reset().await;
    app.mount_cobrowse(session_reply()).await;
    login_answers(&app.genesys, (NEXT_ID, NEXT_SECRET), invalid_client()).await;
    app.mount_login(token_reply(ACCESS_TOKEN, 86_400)).await;
    app.answer_first(
        path(COBROWSE_PATH),
        ResponseTemplate::new(401).set_body_json(json!({"code": "bad.credentials"})),
    )
    .await;
    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(token_requests_by(&app.genesys).await, [NEXT_ID, CLIENT_ID]);
    let metrics = app.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            r#"cobrowse_proxy_genesys_oauth_client{client="first"}"#
        ),
        Some("1"),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            "cobrowse_proxy_genesys_oauth_client_switches_total"
        ),
        Some("2")
    );
}

#[tokio::test]
async fn an_accepted_first_client_is_the_only_one_asked() {
    let app = app_with_two_clients().await;
    app.mount_token(86_400).await;

    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(token_requests_by(&app.genesys).await, [CLIENT_ID]);
    let metrics = app.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            r#"cobrowse_proxy_genesys_oauth_client{client="first"}"#
        ),
        Some("1"),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"cobrowse_proxy_genesys_oauth_client{client="second"}"#
        ),
        Some("0"),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            "cobrowse_proxy_genesys_oauth_client_switches_total"
        ),
        Some("0")
    );
}

#[tokio::test]
async fn both_clients_refused_is_genesys_auth_failed() {
    let app = app_with_two_clients().await;
    app.mount_login(invalid_client()).await;

    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_failed_with(&reply, "GENESYS_AUTH_FAILED", "refused the OAuth client");
    assert_eq!(token_requests_by(&app.genesys).await, [CLIENT_ID, NEXT_ID]);
    let metrics = app.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            r#"cobrowse_proxy_genesys_oauth_client{client="first"}"#
        ),
        Some("1"),
        "the client in use stays the first: {metrics}"
    );
}

#[tokio::test]
async fn a_login_service_failing_otherwise_is_no_reason_to_switch() {
    for (template, code) in [
        (
            ResponseTemplate::new(500).set_body_string("oops"),
            "GENESYS_UNAVAILABLE",
        ),
        (
            ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)),
            "UPSTREAM_TIMEOUT",
        ),
    ] {
        let app = app_with_two_clients().await;
        app.mount_login(template).await;
        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["errorCode"], code, "{reply}");
        assert_eq!(
            token_requests_by(&app.genesys).await,
            [CLIENT_ID],
            "{code}: the second client is not asked"
        );
    }
}

#[tokio::test]
async fn an_org_of_the_orgs_file_switches_to_its_own_second_client() {
    let orgs = TwoOrgs::start_with(
        "oauth-rotation",
        &[],
        "client_id_next = \"acme-next\"\nclient_secret_next = \"acme-next-secret\"",
        "",
    )
    .await;
    login_answers(
        &orgs.acme,
        ("acme-client", "acme-client-secret"),
        invalid_client(),
    )
    .await;

    let acme = orgs.as_acme(&valid_input()).await;
    assert_eq!(acme["success"], true, "{acme}");
    assert_eq!(
        token_requests_by(&orgs.acme).await,
        ["acme-client", "acme-next"]
    );
    let globex = orgs.as_globex(&valid_input()).await;
    assert_eq!(globex["success"], true, "{globex}");
    assert_eq!(received(&orgs.globex).await, (1, 1));

    let metrics = orgs.get("/metrics").await.text().await.unwrap();
    for (series, value) in [
        (r#"{org="acme",client="second"}"#, "1"),
        (r#"{org="acme",client="first"}"#, "0"),
        (r#"{org="globex",client="first"}"#, "1"),
    ] {
        assert_eq!(
            sample(
                &metrics,
                &format!("cobrowse_proxy_genesys_oauth_client{series}")
            ),
            Some(value),
            "{series}: {metrics}"
        );
    }
    assert!(
        !metrics.contains(r#"org="globex",client="second""#),
        "globex has one client: {metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"cobrowse_proxy_genesys_oauth_client_switches_total{org="acme"}"#
        ),
        Some("1")
    );

    // Both refused: the org's flows get GENESYS_AUTH_FAILED, as with one client.
    let both = TwoOrgs::start_with(
        "oauth-rotation-refused",
        &[],
        "client_id_next = \"acme-next\"\nclient_secret_next = \"acme-next-secret\"",
        "",
    )
    .await;
    login_answers(
        &both.acme,
        ("acme-client", "acme-client-secret"),
        invalid_client(),
    )
    .await;
    login_answers(
        &both.acme,
        ("acme-next", "acme-next-secret"),
        invalid_client(),
    )
    .await;
    let acme = both.as_acme(&valid_input()).await;
    assert_eq!(acme["errorCode"], "GENESYS_AUTH_FAILED", "{acme}");
    assert_eq!(
        token_requests_by(&both.acme).await,
        ["acme-client", "acme-next"]
    );
}

/// The steps of docs/operations.md with an orgs file, which is read again without a restart:
/// add the org's second client, delete the first in Genesys, make the second the first.
#[tokio::test]
async fn an_org_s_oauth_client_is_rotated_through_the_orgs_file_without_a_failed_call() {
    let orgs = TwoOrgs::start("oauth-rotation-reload", &[]).await;
    assert_eq!(orgs.as_acme(&valid_input()).await["success"], true);
    let metrics = || async { orgs.get("/metrics").await.text().await.unwrap() };
    let second_listed = || async {
        metrics()
            .await
            .contains(r#"cobrowse_proxy_genesys_oauth_client{org="acme",client="second"}"#)
    };

    // 1. The new client as acme's second.
    let original = std::fs::read_to_string(&orgs.file).unwrap();
    let with_next = original.replace(
        "client_secret = \"acme-client-secret\"\n",
        "client_secret = \"acme-client-secret\"\nclient_id_next = \"acme-next\"\nclient_secret_next = \"acme-next-secret\"\n",
    );
    rewrite(&orgs.file, &with_next);
    eventually("acme has a second client", second_listed).await;
    assert_eq!(orgs.as_acme(&valid_input()).await["success"], true);

    // 2. The old client deleted in Genesys: its token refused, the client too.
    login_answers(
        &orgs.acme,
        ("acme-client", "acme-client-secret"),
        invalid_client(),
    )
    .await;
    Mock::given(method("POST"))
        .and(path_regex(r"/cobrowse$"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": "bad.credentials"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&orgs.acme)
        .await;
    assert_eq!(orgs.as_acme(&valid_input()).await["success"], true);
    assert!(
        metrics()
            .await
            .contains(r#"cobrowse_proxy_genesys_oauth_client{org="acme",client="second"} 1"#)
    );

    // 3. The new client as the only one.
    let swapped = original
        .replace("client_id = \"acme-client\"", "client_id = \"acme-next\"")
        .replace("\"acme-client-secret\"", "\"acme-next-secret\"");
    rewrite(&orgs.file, &swapped);
    eventually("acme has one client again", || async {
        !second_listed().await
    })
    .await;
    assert_eq!(orgs.as_acme(&valid_input()).await["success"], true);
    let asked = token_requests_by(&orgs.acme).await;
    // The first token, the reload's fresh start, the refusal and the switch; then the
    // reloaded org asks with its one client.
    assert_eq!(
        asked,
        [
            "acme-client",
            "acme-client",
            "acme-client",
            "acme-next",
            "acme-next"
        ],
        "{asked:?}"
    );
}
