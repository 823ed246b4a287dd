//! What a Genesys error means for a flow: its code and the message a flow designer reads.
//!
//! Every status-to-code rule lives here, for the login service and the Platform API alike,
//! and so does every word about what to do next.

use super::{ErrorCode, Failure};
use crate::genesys::Operation;
use crate::genesys::transport::MAX_ANSWER_BYTES;
use crate::genesys::{GenesysError, Problem};
use crate::org_keys::{OrgKey, Settings};

/// The one warning for a start whose outcome is unknown: it may have reached Genesys.
const MAY_HAVE_STARTED: &str = "The session may or may not have started: Genesys may have started it without this service learning so. Check the conversation before starting again.";
/// For everything else: Genesys did not act, so the flow may simply try again.
const NOTHING_STARTED: &str = "Nothing was started; try again.";
/// The longest quote of Genesys's own words in a message.
const MAX_QUOTE: usize = 300;

impl From<GenesysError> for Failure {
    fn from(error: GenesysError) -> Self {
        let (code, message) = match error.operation {
            Operation::Token => token(&error),
            // The doctor's operations never reach a flow; they read as any API request.
            Operation::ReadConversation
            | Operation::StartCobrowse
            | Operation::TokenInfo
            | Operation::ListActions
            | Operation::GetAction
            | Operation::ListActionCertificates
            | Operation::ListIpRanges => api(&error),
        };
        Failure {
            code,
            message,
            upstream_status: error.status,
            correlation_id: error.correlation_id,
        }
    }
}

/// Who was asked, as the message names it.
fn service(operation: Operation) -> &'static str {
    match operation {
        Operation::Token => "The Genesys login service",
        Operation::ReadConversation
        | Operation::StartCobrowse
        | Operation::TokenInfo
        | Operation::ListActions
        | Operation::GetAction
        | Operation::ListActionCertificates
        | Operation::ListIpRanges => "The Genesys Platform API",
    }
}

/// What the flow should know about whether a session exists now.
fn caution(error: &GenesysError) -> &'static str {
    if error.may_have_started() {
        MAY_HAVE_STARTED
    } else {
        NOTHING_STARTED
    }
}

/// `" (Genesys said: code: message)"`, or `""` when Genesys said nothing usable.
pub(crate) fn said(problem: &Problem) -> String {
    let Problem::Refused { code, message } = problem else {
        return String::new();
    };
    let said = match (code.is_empty(), message.is_empty()) {
        (true, true) => return String::new(),
        (false, true) => code.clone(),
        (true, false) => message.clone(),
        (false, false) => format!("{code}: {message}"),
    };
    let said: String = said.chars().take(MAX_QUOTE).collect();
    format!(" (Genesys said: {said})")
}

/// For a request that was not sent: that nothing was, or, for a start after the conversation
/// lookup, that the lookup was sent and the start was not; then `what_to_do`.
fn not_sent(error: &GenesysError, what_to_do: &str) -> String {
    if error.after_lookup && error.operation == Operation::StartCobrowse {
        format!(
            "The conversation lookup was sent; the start was not, so nothing was started; {what_to_do}"
        )
    } else {
        format!("Nothing was sent; {what_to_do}")
    }
}

/// What the flow is told when no usable answer came, whoever was asked.
fn unanswered(error: &GenesysError) -> Option<(ErrorCode, String)> {
    let service = service(error.operation);
    let caution = caution(error);
    Some(match &error.problem {
        Problem::Timeout => (
            ErrorCode::UpstreamTimeout,
            format!(
                "{service} did not answer within the time budget (COBROWSE_UPSTREAM_TIMEOUT_MS). {caution}"
            ),
        ),
        Problem::OutOfTime => (
            ErrorCode::UpstreamTimeout,
            format!(
                "{service} was not asked: the time budget (COBROWSE_UPSTREAM_TIMEOUT_MS) ran out first, or too little of it was left for Genesys to answer. {}",
                not_sent(error, "try again.")
            ),
        ),
        Problem::Unreachable(why) => (
            ErrorCode::GenesysUnavailable,
            format!(
                "{service} could not be reached ({why}). Nothing was sent; check the service's network access to Genesys and try again."
            ),
        ),
        Problem::Broken(why) => (
            ErrorCode::GenesysUnavailable,
            format!("{service}: the connection failed mid-request ({why}). {caution}"),
        ),
        Problem::Throttled => (
            ErrorCode::RateLimited,
            format!(
                "This service's own limit on Genesys requests (COBROWSE_GENESYS_REQUESTS_PER_MINUTE, Genesys's per-token limit) is reached, and no slot frees up while enough of the time budget is left for Genesys to answer. {}",
                not_sent(error, "try again in a few seconds.")
            ),
        ),
        Problem::TooLarge => (
            ErrorCode::InvalidUpstreamResponse,
            format!(
                "{service} answered {} with a body over {MAX_ANSWER_BYTES} bytes, which is not a Genesys answer: check {}. {caution}",
                error.status,
                Settings(error.org, &[OrgKey::ApiUrl, OrgKey::LoginUrl])
            ),
        ),
        Problem::Refused { .. }
        | Problem::Unreadable
        | Problem::AgentNotConnected { .. }
        | Problem::ConversationEnded
        | Problem::CobrowseLive(_) => return None,
    })
}

fn token(error: &GenesysError) -> (ErrorCode, String) {
    if let Some(failure) = unanswered(error) {
        return failure;
    }
    let said = said(&error.problem);
    match (&error.problem, error.status) {
        _ if error.refuses_credentials() => (
            ErrorCode::GenesysAuthFailed,
            format!(
                "Genesys refused the OAuth client credentials{said}. Check {} (and {}, when a second client is set: both were refused), that the OAuth client uses the Client Credentials grant, and that it belongs to this region's org.",
                Settings(error.org, &[OrgKey::ClientId, OrgKey::ClientSecret]),
                Settings(error.org, &[OrgKey::ClientIdNext, OrgKey::ClientSecretNext]),
            ),
        ),
        (Problem::Refused { .. }, 429) => (
            ErrorCode::RateLimited,
            "Genesys is rate limiting token requests for this OAuth client; try again in a minute. Other services sharing the client may be asking too often.".to_owned(),
        ),
        (Problem::Refused { .. }, status @ 300..=399) => (
            ErrorCode::InvalidUpstreamResponse,
            format!(
                "The Genesys login service answered {status}, a redirect, which this service does not follow. Check {} (or leave it unset, so that {} sets it). Nothing was started.",
                Settings(error.org, &[OrgKey::LoginUrl]),
                Settings(error.org, &[OrgKey::Region]),
            ),
        ),
        (Problem::Refused { .. }, status) => (
            ErrorCode::GenesysUnavailable,
            format!(
                "The Genesys login service answered {status}{said}; try again shortly, and check status.mypurecloud.com if it persists."
            ),
        ),
        _ => (
            ErrorCode::InvalidUpstreamResponse,
            format!(
                "The Genesys login service answered without an access_token. Check {} points at a Genesys login service.",
                Settings(error.org, &[OrgKey::LoginUrl]),
            ),
        ),
    }
}

fn api(error: &GenesysError) -> (ErrorCode, String) {
    if let Some(failure) = unanswered(error) {
        return failure;
    }
    let status = error.status;
    let caution = caution(error);
    let conversation = error
        .conversation_id
        .map(|id| id.to_string())
        .unwrap_or_default();
    match &error.problem {
        Problem::ConversationEnded => (
            ErrorCode::ConversationEnded,
            format!(
                "Conversation {conversation} is over: every participant has left. Nothing was started; cobrowse needs a live interaction."
            ),
        ),
        Problem::CobrowseLive(live) => (
            ErrorCode::CobrowseAlreadyActive,
            format!(
                "Conversation {conversation} already has a cobrowse session {} (cobrowseSessionId {:?}), so no second one was offered. Nothing to do: the customer has a session; treat this as done, not as a failure.",
                live.state, live.cobrowse_session_id
            ),
        ),
        Problem::AgentNotConnected {
            wanted: Some(agent_id),
        } => (
            ErrorCode::AgentNotConnected,
            format!(
                "Agent {agent_id} is not connected to conversation {conversation} (not yet answered, transferred away, or a different agent). Nothing was started; pass the agent who holds the interaction, or leave agentId blank to use whoever is connected."
            ),
        ),
        Problem::AgentNotConnected { wanted: None } => (
            ErrorCode::AgentNotConnected,
            format!(
                "No agent is connected to conversation {conversation} yet (it may still be queued or alerting). Nothing was started; start cobrowse after an agent has answered."
            ),
        ),
        Problem::Unreadable => match error.operation {
            Operation::ReadConversation => (
                ErrorCode::InvalidUpstreamResponse,
                format!(
                    "Genesys answered {status} to reading the conversation, but not with a conversation; check {}. Nothing was started.",
                    Settings(error.org, &[OrgKey::ApiUrl])
                ),
            ),
            _ => (
                ErrorCode::InvalidUpstreamResponse,
                format!("Genesys answered {status} but not with a cobrowse session. {caution}"),
            ),
        },
        _ => refused(error, &conversation, caution),
    }
}

/// A non-2xx answer from the Platform API.
fn refused(error: &GenesysError, conversation: &str, caution: &str) -> (ErrorCode, String) {
    let status = error.status;
    let said = said(&error.problem);
    match status {
        401 => (
            ErrorCode::GenesysAuthFailed,
            format!(
                "Genesys refused a freshly issued access token{said}. Check that the OAuth client is active and belongs to this region's org."
            ),
        ),
        403 => (
            ErrorCode::MissingPermission,
            match error.operation {
                Operation::StartCobrowse => format!(
                    "The OAuth client may not start cobrowse{said}. Give its role conversation:cobrowse:add (messaging) and/or conversation:cobrowseVoice:add (voice) in Admin > Roles / Permissions."
                ),
                Operation::ReadConversation
                | Operation::Token
                | Operation::TokenInfo
                | Operation::ListActions
                | Operation::GetAction
                | Operation::ListActionCertificates
                | Operation::ListIpRanges => format!(
                    "The OAuth client may not read the conversation to find its agent{said}. Give its role conversation:communication:view in Admin > Roles / Permissions, or pass agentId from the flow."
                ),
            },
        ),
        404 => (
            ErrorCode::ConversationNotFound,
            format!(
                "Genesys has no conversation {conversation} in this org{said}. Pass the current interaction's id, and check the service points at the org's region."
            ),
        ),
        429 => (
            ErrorCode::RateLimited,
            format!(
                "Genesys is rate limiting this OAuth client{said}; waiting as it asks would exceed the time budget (retried {} times). Nothing was started; try again in a few seconds.",
                error.retries
            ),
        ),
        400..=499 => (
            ErrorCode::RejectedByGenesys,
            format!(
                "Genesys refused the request with {status}{said}. Check the conversation is active and of a media type that supports cobrowse."
            ),
        ),
        502 | 504 => (
            ErrorCode::GenesysUnavailable,
            format!("Genesys answered {status}{said}. {caution}"),
        ),
        500..=599 => (
            ErrorCode::GenesysUnavailable,
            format!(
                "Genesys answered {status}{said}. Nothing was started; try again shortly, and check status.mypurecloud.com if it persists."
            ),
        ),
        _ => (
            ErrorCode::InvalidUpstreamResponse,
            format!(
                "Genesys answered with unexpected status {status}; check {}. {caution}",
                Settings(error.org, &[OrgKey::ApiUrl])
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_failing(status: u16, problem: Problem) -> Failure {
        Failure::from(GenesysError {
            status,
            ..GenesysError::unanswered(Operation::StartCobrowse, problem)
        })
    }

    #[test]
    fn the_ambiguous_outcome_is_worded_once_whatever_hid_it() {
        let refused = || Problem::Refused {
            code: String::new(),
            message: String::new(),
        };
        for failure in [
            start_failing(0, Problem::Timeout),
            start_failing(0, Problem::Broken("reset by peer".into())),
            start_failing(502, refused()),
            start_failing(504, refused()),
            start_failing(200, Problem::Unreadable),
            start_failing(200, Problem::TooLarge),
        ] {
            assert!(failure.message.contains(MAY_HAVE_STARTED), "{failure:?}");
        }
        for failure in [
            start_failing(500, refused()),
            start_failing(0, Problem::Unreachable("refused".into())),
            start_failing(0, Problem::OutOfTime),
            start_failing(404, refused()),
        ] {
            assert!(!failure.message.contains("may"), "{failure:?}");
        }
    }

    #[test]
    fn genesys_own_words_are_quoted_and_cut_short() {
        let long = "x".repeat(1000);
        let failure = start_failing(
            400,
            Problem::Refused {
                code: "bad.request".into(),
                message: long,
            },
        );
        assert_eq!(failure.code, ErrorCode::RejectedByGenesys);
        assert!(failure.message.contains("(Genesys said: bad.request: xxx"));
        assert!(failure.message.len() < 500, "{}", failure.message.len());
    }

    #[test]
    fn the_login_service_and_the_api_read_a_401_differently() {
        let refused = |operation| {
            Failure::from(GenesysError {
                status: 401,
                ..GenesysError::unanswered(
                    operation,
                    Problem::Refused {
                        code: "invalid_client".into(),
                        message: String::new(),
                    },
                )
            })
        };
        let token = refused(Operation::Token);
        assert_eq!(token.code, ErrorCode::GenesysAuthFailed);
        assert!(token.message.contains("COBROWSE_GENESYS_CLIENT_SECRET"));
        let api = refused(Operation::StartCobrowse);
        assert_eq!(api.code, ErrorCode::GenesysAuthFailed);
        assert!(api.message.contains("freshly issued access token"));
    }

    #[test]
    fn a_refused_client_is_named_where_its_org_writes_it() {
        let refused = |org| {
            Failure::from(GenesysError {
                status: 401,
                org,
                ..GenesysError::unanswered(
                    Operation::Token,
                    Problem::Refused {
                        code: "invalid_client".into(),
                        message: String::new(),
                    },
                )
            })
            .message
        };
        let environment = refused(None);
        assert!(
            environment.contains("COBROWSE_GENESYS_CLIENT_ID and COBROWSE_GENESYS_CLIENT_SECRET"),
            "{environment}"
        );
        let acme = refused(Some("acme"));
        assert!(
            acme.contains(
                "client_id and client_secret in [orgs.acme] of the orgs file (COBROWSE_ORGS_FILE)"
            ),
            "{acme}"
        );
        assert!(!acme.contains("COBROWSE_GENESYS"), "{acme}");
    }

    #[test]
    fn an_api_url_that_is_not_genesys_is_named_where_its_org_writes_it() {
        let unexpected = |org| {
            Failure::from(GenesysError {
                status: 302,
                org,
                ..GenesysError::unanswered(
                    Operation::StartCobrowse,
                    Problem::Refused {
                        code: String::new(),
                        message: String::new(),
                    },
                )
            })
            .message
        };
        let environment = unexpected(None);
        assert!(
            environment.contains("check COBROWSE_GENESYS_API_URL."),
            "{environment}"
        );
        let acme = unexpected(Some("acme"));
        assert!(
            acme.contains("check api_url in [orgs.acme] of the orgs file"),
            "{acme}"
        );
        assert!(!acme.contains("COBROWSE_GENESYS"), "{acme}");
    }

    #[test]
    fn a_login_url_that_is_not_genesys_is_named_where_its_org_writes_it() {
        let redirected = |org| {
            Failure::from(GenesysError {
                status: 302,
                org,
                ..GenesysError::unanswered(
                    Operation::Token,
                    Problem::Refused {
                        code: String::new(),
                        message: String::new(),
                    },
                )
            })
            .message
        };
        let environment = redirected(None);
        assert!(
            environment.contains("Check COBROWSE_GENESYS_LOGIN_URL (or leave it unset, so that COBROWSE_GENESYS_REGION sets it)"),
            "{environment}"
        );
        let acme = redirected(Some("acme"));
        assert!(
            acme.contains("Check login_url in [orgs.acme] of the orgs file (COBROWSE_ORGS_FILE) (or leave it unset, so that region in [orgs.acme]"),
            "{acme}"
        );
        assert!(!acme.contains("COBROWSE_GENESYS"), "{acme}");
    }
}
