//! The check of who the OAuth client is: the org its token belongs to (the token itself is
//! `token.rs`'s). Here too are the words for a failure any of doctor's requests can meet
//! ([`trouble`]), which every check uses.

use super::setting::SetIn;
use super::{Check, ORG};
use crate::config::OrgKey;
use crate::genesys::admin::Admin;
use crate::genesys::{GenesysError, GenesysSettings, Problem};
use crate::outcome::genesys_said as said;

/// `" Correlation id: X."` for Genesys support, or `""`.
pub(super) fn correlation(error: &GenesysError) -> String {
    if error.correlation_id.is_empty() {
        String::new()
    } else {
        format!(" Correlation id: {}.", error.correlation_id)
    }
}

/// A failure any request can meet: no answer, an answer that is not Genesys's, a status that
/// no check expects. `asked` names the request in words.
pub(super) fn trouble(
    check: &'static str,
    asked: &str,
    error: &GenesysError,
    set_in: SetIn,
) -> Check {
    let status = error.status;
    let said = said(&error.problem);
    let correlation = correlation(error);
    let (api_url, login_url, region) = (
        set_in.name(OrgKey::ApiUrl),
        set_in.name(OrgKey::LoginUrl),
        set_in.name(OrgKey::Region),
    );
    let api_url_hint = format!(
        "Check that {api_url} and {login_url} point at Genesys (or unset them to use {region}'s)."
    );
    let (detail, todo) = match &error.problem {
        Problem::Unreachable(why) => (
            format!("{asked}: no connection ({why})."),
            format!("Check DNS, firewall and proxy rules from this host to Genesys, and {region}."),
        ),
        Problem::Broken(why) => (
            format!("{asked}: the connection failed mid-request ({why})."),
            "Check the network path to Genesys (proxies, TLS inspection), then run doctor again."
                .to_owned(),
        ),
        Problem::Timeout | Problem::OutOfTime => (
            format!("{asked}: no answer within COBROWSE_UPSTREAM_TIMEOUT_MS."),
            "Check the network path to Genesys, then run doctor again; the service would time out \
             the same way."
                .to_owned(),
        ),
        Problem::Throttled => (
            format!(
                "{asked}: held back by {}.",
                set_in.name(OrgKey::RequestsPerMinute)
            ),
            "Run doctor again in a few seconds.".to_owned(),
        ),
        Problem::TooLarge | Problem::Unreadable => (
            format!("{asked}: the answer ({status}) is not what Genesys answers.{correlation}"),
            api_url_hint.clone(),
        ),
        Problem::AgentNotConnected { .. }
        | Problem::ConversationEnded
        | Problem::CobrowseLive(_) => (
            format!("{asked}: an answer doctor does not expect ({status})."),
            "Run doctor again.".to_owned(),
        ),
        Problem::Refused { .. } => match status {
            401 => (
                format!(
                    "{asked}: the Platform API answered 401{said} to the token the login service \
                     had just issued.{correlation}"
                ),
                format!(
                    "{api_url} and {login_url} must be the same region's (unset both to use \
                     {region}'s); check the OAuth client is active."
                ),
            ),
            429 => (
                format!(
                    "{asked}: Genesys answered 429{said}: it is rate limiting this OAuth \
                     client.{correlation}"
                ),
                "Run doctor again in a minute; other services sharing the OAuth client may be \
                 sending too much."
                    .to_owned(),
            ),
            500..=599 => (
                format!("{asked}: Genesys answered {status}{said}.{correlation}"),
                "Run doctor again shortly; check status.mypurecloud.com if it persists.".to_owned(),
            ),
            _ => (
                format!("{asked}: Genesys answered {status}{said}.{correlation}"),
                format!("Genesys's words say why. {api_url_hint}"),
            ),
        },
    };
    Check::fail(check, detail, todo)
}

pub(super) async fn org(admin: &Admin, genesys: &GenesysSettings, set_in: SetIn<'_>) -> Check {
    match admin.token_info().await {
        Ok(info) => {
            let org = info.organization.unwrap_or_default();
            let client = info.oauth_client.unwrap_or_default();
            let shown = |value: Option<String>| value.unwrap_or_else(|| "(not given)".to_owned());
            Check::ok(
                ORG,
                format!(
                    "the token is for org {:?} (id {}), OAuth client {:?}, through {}.",
                    shown(org.name),
                    shown(org.id),
                    shown(client.name),
                    genesys.api_url
                ),
            )
        }
        Err(error) => trouble(ORG, "GET /api/v2/tokens/me", &error, set_in),
    }
}

pub(super) fn is_forbidden(error: &GenesysError) -> bool {
    matches!(error.problem, Problem::Refused { .. }) && error.status == 403
}
