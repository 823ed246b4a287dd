//! A complete Genesys answer, and the error it makes when it is not the one wanted.

use serde::Deserialize;

use super::error::{GenesysError, Operation, Problem};

/// A complete Genesys answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// `ININ-Correlation-Id`, `""` when absent.
    pub correlation_id: String,
    pub body: Vec<u8>,
    /// Attempts made before this answer, for the call's log line.
    pub retries: u8,
}

impl Reply {
    /// This answer came, but with `problem`.
    pub fn answered(&self, operation: Operation, problem: Problem) -> GenesysError {
        GenesysError {
            operation,
            problem,
            status: self.status,
            correlation_id: self.correlation_id.clone(),
            retries: self.retries,
            conversation_id: None,
            after_lookup: false,
            org: None,
        }
    }

    /// A non-2xx answer, with what its error body says.
    pub fn refused(&self, operation: Operation) -> GenesysError {
        let body: ErrorBody = serde_json::from_slice(&self.body).unwrap_or_default();
        let mut error = self.answered(
            operation,
            Problem::Refused {
                code: body.code.or(body.error).unwrap_or_default(),
                message: body.message.or(body.error_description).unwrap_or_default(),
            },
        );
        if error.correlation_id.is_empty() {
            error.correlation_id = body.context_id.unwrap_or_default();
        }
        error
    }
}

/// The fields of either error shape that are worth showing.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
    /// The same id as the `ININ-Correlation-Id` header.
    context_id: Option<String>,
    error: Option<String>,
    #[serde(rename = "error_description")]
    error_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            correlation_id: String::new(),
            body: body.as_bytes().to_vec(),
            retries: 0,
        }
    }

    #[test]
    fn both_error_shapes_are_read() {
        let platform = reply(
            404,
            r#"{"message":"Conversation not found","code":"not.found","status":404,"contextId":"ctx-1"}"#,
        );
        let error = platform.refused(Operation::StartCobrowse);
        assert_eq!(
            error.problem,
            Problem::Refused {
                code: "not.found".into(),
                message: "Conversation not found".into()
            }
        );
        assert_eq!(
            error.correlation_id, "ctx-1",
            "contextId stands in for the header"
        );
        let oauth = reply(
            401,
            r#"{"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"}"#,
        );
        assert_eq!(
            oauth.refused(Operation::Token).problem,
            Problem::Refused {
                code: "invalid_client".into(),
                message: "authentication failed".into()
            }
        );
        let html = reply(502, "<html>bad gateway</html>");
        assert_eq!(
            html.refused(Operation::StartCobrowse).problem,
            Problem::Refused {
                code: String::new(),
                message: String::new()
            }
        );
    }
}
