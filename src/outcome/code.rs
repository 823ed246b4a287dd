//! The catalogue of error codes: each code owns its stable name and its HTTP status.

use actix_web::http::StatusCode;

/// Stable, machine-readable failure codes. Flows branch on these names: never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The body matched JSON but not the input contract, or a value could not be parsed.
    InvalidInput,
    /// The inbound credential was missing or wrong.
    Unauthorized,
    /// The body was not JSON, or not a JSON object.
    MalformedRequest,
    /// The body was larger than the service accepts.
    PayloadTooLarge,
    /// The request did not declare a JSON content type.
    UnsupportedMediaType,
    /// No route matches the method and path.
    UnknownRoute,
    /// Genesys refused the OAuth client credentials or the access token.
    GenesysAuthFailed,
    /// The OAuth client lacks the permission to start cobrowse.
    MissingPermission,
    /// Genesys does not know the conversation.
    ConversationNotFound,
    /// No agent (or not the given agent) is connected to the conversation.
    AgentNotConnected,
    /// Every participant has left the conversation.
    ConversationEnded,
    /// Genesys refused the request for another reason (other 4xx).
    RejectedByGenesys,
    /// Genesys kept answering 429 until the time budget ran out.
    RateLimited,
    /// Genesys answered 5xx or could not be reached.
    GenesysUnavailable,
    /// Genesys did not answer within the time budget.
    UpstreamTimeout,
    /// Genesys answered something that is not the documented response.
    InvalidUpstreamResponse,
    /// This instance already serves `COBROWSE_MAX_IN_FLIGHT` calls.
    Overloaded,
    /// The client did not send its request in time.
    RequestTimeout,
}

impl ErrorCode {
    /// Every code, in the order docs/errors.md documents them.
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::InvalidInput,
        ErrorCode::Unauthorized,
        ErrorCode::MalformedRequest,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::UnknownRoute,
        ErrorCode::GenesysAuthFailed,
        ErrorCode::MissingPermission,
        ErrorCode::ConversationNotFound,
        ErrorCode::AgentNotConnected,
        ErrorCode::ConversationEnded,
        ErrorCode::RejectedByGenesys,
        ErrorCode::RateLimited,
        ErrorCode::GenesysUnavailable,
        ErrorCode::UpstreamTimeout,
        ErrorCode::InvalidUpstreamResponse,
        ErrorCode::Overloaded,
        ErrorCode::RequestTimeout,
    ];

    /// The stable name flows see in `errorCode`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::MalformedRequest => "MALFORMED_REQUEST",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::UnknownRoute => "UNKNOWN_ROUTE",
            ErrorCode::GenesysAuthFailed => "GENESYS_AUTH_FAILED",
            ErrorCode::MissingPermission => "MISSING_PERMISSION",
            ErrorCode::ConversationNotFound => "CONVERSATION_NOT_FOUND",
            ErrorCode::AgentNotConnected => "AGENT_NOT_CONNECTED",
            ErrorCode::ConversationEnded => "CONVERSATION_ENDED",
            ErrorCode::RejectedByGenesys => "REJECTED_BY_GENESYS",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::GenesysUnavailable => "GENESYS_UNAVAILABLE",
            ErrorCode::UpstreamTimeout => "UPSTREAM_TIMEOUT",
            ErrorCode::InvalidUpstreamResponse => "INVALID_UPSTREAM_RESPONSE",
            ErrorCode::Overloaded => "OVERLOADED",
            ErrorCode::RequestTimeout => "REQUEST_TIMEOUT",
        }
    }

    /// The HTTP status that fits the failure. Requests that never reach the contract
    /// always get it; contract-level failures get it only in `status` error mode.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidInput | ErrorCode::MalformedRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnknownRoute | ErrorCode::ConversationNotFound => StatusCode::NOT_FOUND,
            ErrorCode::MissingPermission => StatusCode::FORBIDDEN,
            ErrorCode::AgentNotConnected => StatusCode::CONFLICT,
            ErrorCode::ConversationEnded => StatusCode::GONE,
            ErrorCode::RejectedByGenesys => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::GenesysAuthFailed | ErrorCode::InvalidUpstreamResponse => {
                StatusCode::BAD_GATEWAY
            }
            ErrorCode::GenesysUnavailable | ErrorCode::Overloaded => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// True for failures found before the body reached the contract: these are answered
    /// with their status even in `inline` mode, because there is no valid call to answer.
    pub fn is_before_contract(self) -> bool {
        matches!(
            self,
            ErrorCode::Unauthorized
                | ErrorCode::MalformedRequest
                | ErrorCode::PayloadTooLarge
                | ErrorCode::UnsupportedMediaType
                | ErrorCode::UnknownRoute
                | ErrorCode::RequestTimeout
        )
    }
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
