//! What went wrong asking Genesys, told as it happened at the HTTP level.
//!
//! This module only reports: which request, what came back (or did not), the correlation id
//! and how many retries were made. What that means for a flow (its `errorCode`, its status and
//! the words a flow designer reads) is decided in one place, `crate::outcome`.

use std::fmt;

use super::conversation::LiveCobrowse;
use crate::domain::{AgentId, ConversationId};

/// A Genesys request that did not give what it was sent for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{operation}: {problem} (status {status}, {retries} retries)")]
pub struct GenesysError {
    pub operation: Operation,
    pub problem: Problem,
    /// HTTP status of the last answer; 0 when none came.
    pub status: u16,
    /// `ININ-Correlation-Id` of the last answer (or its error body's `contextId`), `""` when none.
    pub correlation_id: String,
    /// Requests sent again before giving up (at most 3: a `u8` keeps the error, returned by
    /// every Genesys request, small).
    pub retries: u8,
    /// The conversation the request was about, for requests that name one.
    pub conversation_id: Option<ConversationId>,
    /// A start that failed after this call had read the conversation: that request was sent.
    pub after_lookup: bool,
    /// The org whose token request failed, by its name in the orgs file; `None` for the
    /// environment's one org, and for the other requests. Its settings are then named where
    /// they are written.
    pub org: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A non-2xx answer, with what its error body said: a Platform API `ErrorBody`'s
    /// `code`/`message`, or the login service's `error`/`error_description`; `""` when absent.
    Refused { code: String, message: String },
    /// A 2xx whose body is not what the operation returns (a token, a conversation, a session).
    Unreadable,
    /// The time budget ran out. The request may have reached Genesys.
    Timeout,
    /// The time budget ran out before the request was sent (spent waiting for a token, a
    /// rate-limit slot or a retry): nothing reached Genesys.
    OutOfTime,
    /// No connection could be opened: nothing was sent.
    Unreachable(String),
    /// The connection failed after the request was sent: it may have been acted on.
    Broken(String),
    /// The answer was larger than any Genesys answer (`transport::MAX_ANSWER_BYTES`).
    TooLarge,
    /// This service's own request limit had no slot until too little of the budget was left
    /// for Genesys to answer (`transport::answer_floor`): nothing was sent.
    Throttled,
    /// The conversation was read: no connected agent, or not the wanted one.
    AgentNotConnected { wanted: Option<AgentId> },
    /// The conversation was read: every participant has left.
    ConversationEnded,
    /// The conversation was read: it shows a cobrowse session offered or under way, so no
    /// start was sent.
    CobrowseLive(LiveCobrowse),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Refused { code, message } => write!(f, "refused ({code}: {message})"),
            Problem::Unreadable => f.write_str("an answer that is not the expected JSON"),
            Problem::Timeout => f.write_str("no answer within the time budget"),
            Problem::OutOfTime => f.write_str("the time budget ran out before it was sent"),
            Problem::Unreachable(why) => write!(f, "no connection ({why})"),
            Problem::Broken(why) => write!(f, "connection failed mid-request ({why})"),
            Problem::TooLarge => f.write_str("an answer too large to be Genesys's"),
            Problem::Throttled => f.write_str("held back by this service's own request limit"),
            Problem::AgentNotConnected { .. } => f.write_str("no such connected agent"),
            Problem::ConversationEnded => f.write_str("every participant has left"),
            Problem::CobrowseLive(live) => {
                write!(f, "a cobrowse session is already {}", live.state)
            }
        }
    }
}

impl GenesysError {
    /// A failure before or without an answer.
    pub fn unanswered(operation: Operation, problem: Problem) -> Self {
        GenesysError {
            operation,
            problem,
            status: 0,
            correlation_id: String::new(),
            retries: 0,
            conversation_id: None,
            after_lookup: false,
            org: None,
        }
    }

    /// This failure came after the call's conversation lookup was sent.
    pub fn after_lookup(mut self) -> Self {
        self.after_lookup = true;
        self
    }

    pub fn about(mut self, conversation_id: ConversationId) -> Self {
        self.conversation_id = Some(conversation_id);
        self
    }

    /// Whether the login service refused the OAuth client's credentials (400, 401 or 403 to a
    /// token request: `invalid_client`, a deleted or disabled client, a wrong secret): the one
    /// failure a second OAuth client may cure, and `GENESYS_AUTH_FAILED` for a flow. A 5xx,
    /// a 429 or no answer says nothing about the credentials.
    pub fn refuses_credentials(&self) -> bool {
        self.operation == Operation::Token
            && matches!(self.problem, Problem::Refused { .. })
            && matches!(self.status, 400 | 401 | 403)
    }

    /// Whether Genesys may have started a session although no session came back: the start
    /// request went out and its outcome is unknown. Such a start must not be retried blindly.
    pub fn may_have_started(&self) -> bool {
        if !matches!(self.operation, Operation::StartCobrowse) {
            return false;
        }
        match &self.problem {
            Problem::Timeout | Problem::Broken(_) | Problem::Unreadable | Problem::TooLarge => true,
            // A gateway error or a status that is no answer at all says nothing of what the
            // API behind it did; 4xx and other 5xx are Genesys refusing to act.
            Problem::Refused { .. } => {
                matches!(self.status, 502 | 504) || !(400..=599).contains(&self.status)
            }
            Problem::Unreachable(_)
            | Problem::OutOfTime
            | Problem::Throttled
            | Problem::AgentNotConnected { .. }
            | Problem::ConversationEnded
            | Problem::CobrowseLive(_) => false,
        }
    }
}

/// Which Genesys request is sent: a metrics label, and whether the rate limit applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// The login service's token endpoint: rare, and limited by Genesys separately.
    Token,
    ReadConversation,
    StartCobrowse,
    /// `cobrowse-proxy doctor` only (`admin`): who the token belongs to.
    TokenInfo,
    /// `cobrowse-proxy doctor` only: the data actions with a name.
    ListActions,
    /// `cobrowse-proxy doctor` only: one data action with its contract and configuration.
    GetAction,
    /// `cobrowse-proxy doctor` only: the data actions' client certificates.
    ListActionCertificates,
    /// `cobrowse-proxy doctor` only: Genesys's public address ranges.
    ListIpRanges,
}

impl Operation {
    /// The operations the service sends while serving: their retry counters are listed from
    /// start-up. The doctor's own requests never reach the service's metrics.
    pub const ALL: [Operation; 3] = [
        Operation::Token,
        Operation::ReadConversation,
        Operation::StartCobrowse,
    ];

    pub(super) fn label(self) -> &'static str {
        match self {
            Operation::Token => "token",
            Operation::ReadConversation => "conversation",
            Operation::StartCobrowse => "cobrowse",
            Operation::TokenInfo => "token_info",
            Operation::ListActions => "list_actions",
            Operation::GetAction => "get_action",
            Operation::ListActionCertificates => "list_action_certificates",
            Operation::ListIpRanges => "list_ip_ranges",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Token => "POST /oauth/token",
            Operation::ReadConversation => "GET /api/v2/conversations/{id}",
            Operation::StartCobrowse => "POST /api/v2/conversations/{id}/cobrowse",
            Operation::TokenInfo => "GET /api/v2/tokens/me",
            Operation::ListActions => "GET /api/v2/integrations/actions",
            Operation::GetAction => "GET /api/v2/integrations/actions/{id}",
            Operation::ListActionCertificates => "GET /api/v2/integrations/actions/certificates",
            Operation::ListIpRanges => "GET /api/v2/ipranges",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_start_whose_answer_was_lost_may_have_started() {
        let start = |status, problem| GenesysError {
            status,
            ..GenesysError::unanswered(Operation::StartCobrowse, problem)
        };
        let refused = || Problem::Refused {
            code: String::new(),
            message: String::new(),
        };
        assert!(start(0, Problem::Timeout).may_have_started());
        assert!(start(0, Problem::Broken("reset".into())).may_have_started());
        assert!(start(502, refused()).may_have_started());
        assert!(start(504, refused()).may_have_started());
        assert!(start(302, refused()).may_have_started());
        assert!(start(200, Problem::Unreadable).may_have_started());
        assert!(!start(503, refused()).may_have_started());
        assert!(!start(400, refused()).may_have_started());
        assert!(!start(0, Problem::Unreachable("refused".into())).may_have_started());
        assert!(
            !start(0, Problem::OutOfTime).may_have_started(),
            "never sent"
        );
        let read = GenesysError::unanswered(Operation::ReadConversation, Problem::Timeout);
        assert!(!read.may_have_started(), "reading starts nothing");
    }
}
