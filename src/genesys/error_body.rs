//! What Genesys says when it refuses a request, in a form fit for a flow's `errorMessage`.
//!
//! Platform API errors are an `ErrorBody` (`message`, `code`, `contextId`); the login service
//! answers OAuth errors (`error`, `error_description`). Either is quoted, cut short, so the
//! flow designer sees Genesys's own words without the reply growing unbounded.

use serde::Deserialize;

/// The fields of either error shape that are worth showing.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub message: Option<String>,
    pub code: Option<String>,
    /// The same id as the `ININ-Correlation-Id` header.
    pub context_id: Option<String>,
    pub error: Option<String>,
    #[serde(rename = "error_description")]
    pub error_description: Option<String>,
}

impl ErrorBody {
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

const MAX_QUOTE: usize = 300;

/// `" (Genesys said: code: message)"`, or `""` when the body says nothing usable.
pub fn genesys_said(body: &[u8]) -> String {
    let parsed = ErrorBody::parse(body);
    let code = parsed.code.or(parsed.error).unwrap_or_default();
    let message = parsed
        .message
        .or(parsed.error_description)
        .unwrap_or_default();
    let said = match (code.is_empty(), message.is_empty()) {
        (true, true) => return String::new(),
        (false, true) => code,
        (true, false) => message,
        (false, false) => format!("{code}: {message}"),
    };
    let said: String = said.chars().take(MAX_QUOTE).collect();
    format!(" (Genesys said: {said})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_error_shapes_are_quoted() {
        let platform = br#"{"message":"Conversation not found","code":"not.found","status":404}"#;
        assert_eq!(
            genesys_said(platform),
            " (Genesys said: not.found: Conversation not found)"
        );
        let oauth = br#"{"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"}"#;
        assert_eq!(
            genesys_said(oauth),
            " (Genesys said: invalid_client: authentication failed)"
        );
        assert_eq!(genesys_said(b"<html>bad gateway</html>"), "");
    }
}
