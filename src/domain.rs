//! Flow inputs parsed into types that carry their own rules.
//!
//! The contract (`contract.rs`) has already checked the JSON types; here the values are
//! *parsed*, not merely validated: a [`ConversationId`] is a UUID and can be put in a URL
//! path as it is, so nothing downstream re-checks or escapes a string by hand. This is also
//! where Architect's habits are forgiven: blank optional inputs are absent, and the cobrowse
//! type is trimmed and case-insensitive.

use std::fmt;

use serde_json::{Map, Value};
use uuid::Uuid;

/// A Genesys conversation id (a UUID), safe to place in a URL path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConversationId(Uuid);

/// A Genesys user id (a UUID) of the agent who joins the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AgentId(Uuid);

/// Whether the agent only watches (`view`) or can also click and type (`control`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CobrowseType {
    View,
    Control,
}

/// A start-cobrowse call after parsing: nothing in it is a raw flow string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartRequest {
    pub conversation_id: ConversationId,
    pub agent_id: Option<AgentId>,
    pub cobrowse_type: CobrowseType,
}

/// Parses a Genesys id. The message names the input and tells the flow designer what to fix.
fn parse_genesys_id(input: &str, field: &str, example: &str) -> Result<Uuid, String> {
    let trimmed = input.trim();
    // Only the hyphenated form: it is the one Genesys uses, and refusing the others keeps
    // ids such as `{...}` or `urn:uuid:...` from being silently rewritten.
    match Uuid::try_parse(trimmed) {
        Ok(id) if trimmed.len() == 36 => Ok(id),
        _ if trimmed == "NOT_SET" || trimmed.starts_with("${") => Err(format!(
            "{field} is {trimmed:?}: the flow variable was never set; pass {example}"
        )),
        _ => Err(format!(
            "{field} must be a Genesys id (a UUID such as 5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60), got {}; pass {example}",
            shorten(trimmed)
        )),
    }
}

/// Quotes a value for a message, cut short so a hostile input cannot flood a reply or a log.
pub fn shorten(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}...", &value[..cut]),
        None => format!("{value:?}"),
    }
}

impl ConversationId {
    pub fn parse(input: &str) -> Result<Self, String> {
        parse_genesys_id(
            input,
            "conversationId",
            "the interaction's id, e.g. Call.ConversationId or Message.ConversationId",
        )
        .map(ConversationId)
    }
}

impl AgentId {
    pub fn parse(input: &str) -> Result<Self, String> {
        parse_genesys_id(input, "agentId", "the agent's Genesys user id").map(AgentId)
    }
}

impl ConversationId {
    /// The canonical (lower-case, hyphenated) text, written into `buffer`: no allocation.
    pub fn encode(self, buffer: &mut [u8; uuid::fmt::Hyphenated::LENGTH]) -> &str {
        self.0.hyphenated().encode_lower(buffer)
    }
}

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl CobrowseType {
    /// Trimmed and case-insensitive: ` Control ` is `control`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.eq_ignore_ascii_case("view") {
            Ok(CobrowseType::View)
        } else if trimmed.eq_ignore_ascii_case("control") {
            Ok(CobrowseType::Control)
        } else {
            Err(format!(
                "cobrowseType must be \"view\" or \"control\" (or blank for the default), got {}",
                shorten(trimmed)
            ))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CobrowseType::View => "view",
            CobrowseType::Control => "control",
        }
    }
}

impl std::str::FromStr for CobrowseType {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        CobrowseType::parse(value)
    }
}

/// An optional input as the flow meant it: null, empty and whitespace-only are absent.
fn present<'a>(input: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    match input.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    }
}

impl StartRequest {
    /// Parses a body that has passed the input contract. Every problem is reported, not
    /// just the first, so a flow designer fixes the flow in one go.
    pub fn parse(
        input: &Map<String, Value>,
        default_type: CobrowseType,
    ) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let conversation_id = match present(input, "conversationId") {
            Some(raw) => ConversationId::parse(raw)
                .map_err(|e| problems.push(e))
                .ok(),
            None => {
                problems.push(
                    "conversationId is empty; pass the interaction's id, e.g. Call.ConversationId or Message.ConversationId".to_owned(),
                );
                None
            }
        };
        let agent_id = present(input, "agentId")
            .map(AgentId::parse)
            .transpose()
            .unwrap_or_else(|e| {
                problems.push(e);
                None
            });
        let cobrowse_type = present(input, "cobrowseType")
            .map(CobrowseType::parse)
            .transpose()
            .unwrap_or_else(|e| {
                problems.push(e);
                None
            })
            .unwrap_or(default_type);
        match conversation_id {
            Some(conversation_id) if problems.is_empty() => Ok(StartRequest {
                conversation_id,
                agent_id,
                cobrowse_type,
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<StartRequest, Vec<String>> {
        StartRequest::parse(body.as_object().unwrap(), CobrowseType::View)
    }

    #[test]
    fn blank_optional_inputs_are_absent() {
        let req = parse(json!({
            "conversationId": "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60",
            "agentId": "  ",
            "cobrowseType": null
        }))
        .unwrap();
        assert_eq!(req.agent_id, None);
        assert_eq!(req.cobrowse_type, CobrowseType::View);
    }

    #[test]
    fn cobrowse_type_is_trimmed_and_case_insensitive() {
        assert_eq!(CobrowseType::parse(" Control "), Ok(CobrowseType::Control));
        assert_eq!(CobrowseType::parse("VIEW"), Ok(CobrowseType::View));
        assert!(CobrowseType::parse("edit").is_err());
    }

    #[test]
    fn ids_are_canonical_and_path_safe() {
        let id = ConversationId::parse(" 5E0B6A9A-3C8E-4F57-9F0E-2C1D3B4A5F60 ").unwrap();
        assert_eq!(id.to_string(), "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60");
        for hostile in [
            "../../users/me",
            "5e0b6a9a3c8e4f579f0e2c1d3b4a5f60",
            "{5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60}",
            "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f6%",
        ] {
            assert!(ConversationId::parse(hostile).is_err(), "{hostile}");
        }
    }

    #[test]
    fn an_unset_flow_variable_is_named_as_such() {
        let err = ConversationId::parse("NOT_SET").unwrap_err();
        assert!(err.contains("never set"), "{err}");
    }

    #[test]
    fn every_problem_is_reported() {
        let problems = parse(json!({
            "conversationId": "nope",
            "agentId": "also-nope",
            "cobrowseType": "edit"
        }))
        .unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let err = ConversationId::parse(&"x".repeat(10_000)).unwrap_err();
        assert!(err.len() < 300, "{err}");
    }
}
