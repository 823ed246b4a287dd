//! The catalogue of error codes: one table, one row per code, holding everything the service
//! decides by the code alone.
//!
//! The table is a macro so that the enum, [`ErrorCode::ALL`] and every per-code answer are
//! generated from the same rows: a code cannot be added without its name, status, outcome and
//! stage, and `ALL` (which drives the docs tests, the metrics listed at 0 and the alert tests)
//! cannot miss one. The shape follows Meilisearch's `make_error_codes!`.

use actix_web::http::StatusCode;

use super::CallOutcome;

/// Generates [`ErrorCode`] and its answers from the rows below. A row is the variant (with
/// its doc comment), then its columns: the stable name, the HTTP status, the call outcome and
/// whether it is decided before the contract.
macro_rules! error_codes {
    ($(
        $(#[$doc:meta])*
        $code:ident, $name:literal, $status:ident, $outcome:ident, $before_contract:literal;
    )*) => {
        /// Stable, machine-readable failure codes. Flows branch on these names: never rename one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ErrorCode {
            $(
                $(#[$doc])*
                $code,
            )*
        }

        impl ErrorCode {
            /// Every code, in the order docs/errors.md documents them.
            pub const ALL: [ErrorCode; [$(ErrorCode::$code),*].len()] = [$(ErrorCode::$code),*];

            /// The stable name flows see in `errorCode`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => $name,)*
                }
            }

            /// The HTTP status that fits the failure. Requests that never reach the contract
            /// always get it; contract-level failures get it only in `status` error mode.
            pub fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$code => StatusCode::$status,)*
                }
            }

            /// What became of a call that ended with this code: `Failed`, or `AlreadyActive`
            /// for the one code that is not a failure (nothing was started because the
            /// customer has a session), so an alert on failures leaves it out.
            pub fn outcome(self) -> CallOutcome {
                match self {
                    $(ErrorCode::$code => CallOutcome::$outcome,)*
                }
            }

            /// True for failures found before the body reached the contract: these are
            /// answered with their status even in `inline` mode, because there is no valid
            /// call to answer.
            pub fn is_before_contract(self) -> bool {
                match self {
                    $(ErrorCode::$code => $before_contract,)*
                }
            }
        }
    };
}

// The order of the rows is the order of `ALL` and of docs/errors.md.
error_codes! {
//  code                     name                         status in `status` mode  outcome         before contract
    /// The body matched JSON but not the input contract, or a value could not be parsed.
    InvalidInput,            "INVALID_INPUT",             BAD_REQUEST,             Failed,          false;
    /// The inbound credential was missing or wrong.
    Unauthorized,            "UNAUTHORIZED",              UNAUTHORIZED,            Failed,          true;
    /// The body was not JSON, or not a JSON object.
    MalformedRequest,        "MALFORMED_REQUEST",         BAD_REQUEST,             Failed,          true;
    /// The body was larger than the service accepts.
    PayloadTooLarge,         "PAYLOAD_TOO_LARGE",         PAYLOAD_TOO_LARGE,       Failed,          true;
    /// The request did not declare a JSON content type.
    UnsupportedMediaType,    "UNSUPPORTED_MEDIA_TYPE",    UNSUPPORTED_MEDIA_TYPE,  Failed,          true;
    /// No route matches the method and path.
    UnknownRoute,            "UNKNOWN_ROUTE",             NOT_FOUND,               Failed,          true;
    /// Genesys refused the OAuth client credentials or the access token.
    GenesysAuthFailed,       "GENESYS_AUTH_FAILED",       BAD_GATEWAY,             Failed,          false;
    /// The OAuth client lacks the permission to start cobrowse.
    MissingPermission,       "MISSING_PERMISSION",        FORBIDDEN,               Failed,          false;
    /// Genesys does not know the conversation.
    ConversationNotFound,    "CONVERSATION_NOT_FOUND",    NOT_FOUND,               Failed,          false;
    /// No agent (or not the given agent) is connected to the conversation.
    AgentNotConnected,       "AGENT_NOT_CONNECTED",       CONFLICT,                Failed,          false;
    /// Every participant has left the conversation.
    ConversationEnded,       "CONVERSATION_ENDED",        GONE,                    Failed,          false;
    /// The conversation already shows a cobrowse session offered or under way: no start was
    /// sent. Not a failure: the customer has a session.
    CobrowseAlreadyActive,   "COBROWSE_ALREADY_ACTIVE",   CONFLICT,                AlreadyActive,   false;
    /// Genesys refused the request for another reason (other 4xx).
    RejectedByGenesys,       "REJECTED_BY_GENESYS",       UNPROCESSABLE_ENTITY,    Failed,          false;
    /// Genesys kept answering 429 until the time budget ran out.
    RateLimited,             "RATE_LIMITED",              TOO_MANY_REQUESTS,       Failed,          false;
    /// Genesys answered 5xx or could not be reached.
    GenesysUnavailable,      "GENESYS_UNAVAILABLE",       SERVICE_UNAVAILABLE,     Failed,          false;
    /// Genesys did not answer within the time budget.
    UpstreamTimeout,         "UPSTREAM_TIMEOUT",          GATEWAY_TIMEOUT,         Failed,          false;
    /// Genesys answered something that is not the documented response.
    InvalidUpstreamResponse, "INVALID_UPSTREAM_RESPONSE", BAD_GATEWAY,             Failed,          false;
    /// This instance already serves `COBROWSE_MAX_IN_FLIGHT` calls.
    Overloaded,              "OVERLOADED",                SERVICE_UNAVAILABLE,     Failed,          false;
    /// The client did not send its request in time.
    RequestTimeout,          "REQUEST_TIMEOUT",           REQUEST_TIMEOUT,         Failed,          true;
}

/// Every label a call's series may carry besides its org: a start, and each code with its
/// outcome. What `metrics` removes of an org a reload removed.
pub fn call_labels() -> &'static [(CallOutcome, &'static str)] {
    static LABELS: std::sync::OnceLock<Vec<(CallOutcome, &'static str)>> =
        std::sync::OnceLock::new();
    LABELS.get_or_init(|| {
        std::iter::once((CallOutcome::Started, ""))
            .chain(ErrorCode::ALL.map(|code| (code.outcome(), code.as_str())))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake_case() {
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        );
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn every_code_has_an_error_status() {
        for code in ErrorCode::ALL {
            assert!(
                code.status().is_client_error() || code.status().is_server_error(),
                "{code:?}"
            );
        }
    }
}
