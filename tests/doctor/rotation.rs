//! Doctor during a rotation of the OAuth client: with a second client set
//! (`COBROWSE_GENESYS_CLIENT_ID_NEXT`/`_SECRET_NEXT`, or `client_id_next` in an org's table),
//! the `token` check asks with each on its own and says which works, and the checks after it
//! are of the client the service would use.

use base64::Engine;
use serde_json::json;
use wiremock::matchers::{basic_auth, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::genesys::received;
use crate::harness::{CLIENT_ID, CLIENT_SECRET, Run, Scenario};

const NEXT_ID: &str = "doctor-next-client-id";
const NEXT_SECRET: &str = "next-secret-DOCTOR-MUST-NOT-PRINT";
const BOTH: [(&str, &str); 2] = [
    ("GENESYS_CLIENT_ID_NEXT", NEXT_ID),
    ("GENESYS_CLIENT_SECRET_NEXT", NEXT_SECRET),
];

/// The login service refuses the client `(id, secret)`, as once it is deleted.
async fn refuse(genesys: &MockServer, client: (&str, &str)) {
    Mock::given(path("/oauth/token"))
        .and(basic_auth(client.0, client.1))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "client not found"
        })))
        .with_priority(1)
        .mount(genesys)
        .await;
}

/// The client id of each token request, sorted (the two clients ask at once).
async fn asked_by(genesys: &MockServer) -> Vec<String> {
    let mut ids: Vec<String> = received(genesys)
        .await
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
        .collect();
    ids.sort();
    ids
}

fn assert_no_next_secret(run: &Run) {
    assert!(
        !run.stdout.contains(NEXT_SECRET) && !run.stderr.contains(NEXT_SECRET),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn both_clients_accepted_is_ok_naming_both() {
    let scenario = Scenario::healthy().await;
    let run = scenario.doctor_on_url(&BOTH, &[]).await;
    assert_no_next_secret(&run);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.verdicts(), ["ok"; 9]);
    run.assert(
        "token",
        "ok",
        &[
            "both OAuth clients",
            "the first OAuth client (COBROWSE_GENESYS_CLIENT_ID)",
            "the second OAuth client (COBROWSE_GENESYS_CLIENT_ID_NEXT)",
        ],
    );
    let mut expected = vec![CLIENT_ID.to_owned(), NEXT_ID.to_owned()];
    expected.sort();
    assert_eq!(asked_by(&scenario.genesys).await, expected);
}

#[tokio::test]
async fn a_refused_first_client_is_ok_with_the_second_and_a_note_to_finish_the_rotation() {
    let scenario = Scenario::healthy().await;
    refuse(&scenario.genesys, (CLIENT_ID, CLIENT_SECRET)).await;
    let run = scenario.doctor_on_url(&BOTH, &[]).await;
    assert_no_next_secret(&run);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.verdicts(), ["ok"; 9]);
    run.assert(
        "token",
        "ok",
        &[
            "refused the first OAuth client (COBROWSE_GENESYS_CLIENT_ID) with 401",
            "invalid_client",
            "the service uses the second",
            "Note: if the first was deleted to finish a rotation",
            "COBROWSE_GENESYS_CLIENT_SECRET_NEXT",
        ],
    );
}

#[tokio::test]
async fn a_refused_second_client_fails_while_the_checks_go_on_with_the_first() {
    let scenario = Scenario::healthy().await;
    refuse(&scenario.genesys, (NEXT_ID, NEXT_SECRET)).await;
    let run = scenario.doctor_on_url(&BOTH, &[]).await;
    assert_no_next_secret(&run);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(
        run.verdicts(),
        ["ok", "FAIL", "ok", "ok", "ok", "ok", "ok", "ok", "ok"]
    );
    let token = run.assert(
        "token",
        "FAIL",
        &[
            "refused the second OAuth client (COBROWSE_GENESYS_CLIENT_ID_NEXT) with 401",
            "The first OAuth client (COBROWSE_GENESYS_CLIENT_ID) got a token",
            "What to do: Check COBROWSE_GENESYS_CLIENT_ID_NEXT and COBROWSE_GENESYS_CLIENT_SECRET_NEXT",
        ],
    );
    assert!(
        !token.contains("COBROWSE_GENESYS_CLIENT_SECRET "),
        "{token}"
    );
}

#[tokio::test]
async fn both_clients_refused_fails_naming_all_four_settings() {
    let scenario = Scenario::healthy().await;
    refuse(&scenario.genesys, (CLIENT_ID, CLIENT_SECRET)).await;
    refuse(&scenario.genesys, (NEXT_ID, NEXT_SECRET)).await;
    let run = scenario.doctor(&BOTH, &[]).await;
    assert_no_next_secret(&run);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "token",
        "FAIL",
        &[
            "refused both OAuth clients",
            "COBROWSE_GENESYS_CLIENT_ID and COBROWSE_GENESYS_CLIENT_SECRET",
            "COBROWSE_GENESYS_CLIENT_ID_NEXT and COBROWSE_GENESYS_CLIENT_SECRET_NEXT",
        ],
    );
    for check in ["org", "start-permission", "read-permission", "data-action"] {
        run.assert(check, "skip", &["needs a token"]);
    }
}
