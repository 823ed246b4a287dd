//! A redirect from Genesys is an answer, reported with its status and never followed:
//! following a 307 would send the start again, bearer token included, wherever it points, and
//! a 303 would turn it into a GET.

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::token_reply;
use crate::helpers::*;

/// Where the redirects point: a path that answers as Genesys would, and must never be asked.
const ELSEWHERE: &str = "/elsewhere";

/// `status` with a `Location` on the same Genesys.
fn redirect(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("Location", ELSEWHERE)
}

#[tokio::test]
async fn a_redirected_start_is_reported_with_its_status_and_never_followed() {
    for status in [307, 303] {
        let app = spawn_app().await;
        Mock::given(path(ELSEWHERE))
            .respond_with(session_reply())
            .mount(&app.genesys)
            .await;
        app.mount_cobrowse(redirect(status)).await;

        let reply = flat_reply(app.start(&valid_input()).await).await;
        assert_eq!(reply["success"], false, "{status}: {reply}");
        assert_eq!(reply["upstreamStatus"], status, "{reply}");
        assert_failed_with(
            &reply,
            "INVALID_UPSTREAM_RESPONSE",
            &format!("unexpected status {status}"),
        );
        assert_eq!(app.requests_to("cobrowse").await, 1, "{status}");
        assert_eq!(app.requests_to(ELSEWHERE).await, 0, "{status}");
    }
}

#[tokio::test]
async fn a_redirected_token_request_is_reported_with_its_status_and_never_followed() {
    let app = spawn_app_with(&[]).await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(redirect(307))
        .mount(&app.genesys)
        .await;
    Mock::given(path(ELSEWHERE))
        .respond_with(token_reply(ACCESS_TOKEN, 86_400))
        .mount(&app.genesys)
        .await;
    app.mount_cobrowse(session_reply()).await;

    let reply = flat_reply(app.start(&valid_input()).await).await;
    assert_eq!(reply["upstreamStatus"], 307, "{reply}");
    assert_failed_with(
        &reply,
        "INVALID_UPSTREAM_RESPONSE",
        "COBROWSE_GENESYS_LOGIN_URL",
    );
    assert_eq!(app.requests_to("/oauth/token").await, 1);
    assert_eq!(app.requests_to(ELSEWHERE).await, 0);
    assert_eq!(app.requests_to("cobrowse").await, 0);
}
