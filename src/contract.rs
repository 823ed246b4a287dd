//! The data action contract: `schemas/` compiled once, and its verdicts in words a flow
//! designer understands.
//!
//! The schema files are the single source of truth. They are embedded at build time, so the
//! binary can never disagree with the files an admin imports into Genesys, and compiled once
//! at start-up (compiling per request would dominate the proxy's own cost).

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

/// `schemas/start-cobrowse.input.json`, as the binary was built with it.
pub const INPUT_SCHEMA: &str = include_str!("../schemas/start-cobrowse.input.json");
/// `schemas/start-cobrowse.output.json`, as the binary was built with it.
pub const OUTPUT_SCHEMA: &str = include_str!("../schemas/start-cobrowse.output.json");

/// The compiled input contract.
pub struct Contract {
    input: Validator,
    allowed_inputs: String,
    /// Declared inputs that are not `required`: JSON `null` for one of them means absent.
    optional_inputs: Vec<String>,
}

impl Contract {
    /// Compiles the embedded schemas. They are part of the binary and tested, so a failure
    /// here is a build defect, not a run-time condition.
    pub fn compile() -> Self {
        let schema: Value =
            serde_json::from_str(INPUT_SCHEMA).expect("embedded input schema is JSON");
        let input =
            jsonschema::draft4::new(&schema).expect("embedded input schema is valid draft-04");
        let allowed_inputs = schema["properties"]
            .as_object()
            .map(|props| props.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let optional_inputs = schema["properties"]
            .as_object()
            .map(|props| {
                props
                    .keys()
                    .filter(|name| !required.contains(&name.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Contract {
            input,
            allowed_inputs,
            optional_inputs,
        }
    }

    /// Checks a request body against the input contract. On failure, one sentence per
    /// problem, each naming the field and what is allowed.
    ///
    /// An optional input sent as JSON `null` is checked as absent: the schema gives each
    /// input one type, as Genesys documents, and Genesys itself leaves null inputs out before
    /// it validates, so a caller sending `null` means what Genesys would have sent.
    pub fn check_input(&self, body: &Value) -> Result<(), Vec<String>> {
        let without_nulls;
        let body = match body.as_object() {
            Some(input)
                if input
                    .iter()
                    .any(|(name, value)| self.is_null_optional(name, value)) =>
            {
                without_nulls = Value::Object(
                    input
                        .iter()
                        .filter(|(name, value)| !self.is_null_optional(name, value))
                        .map(|(name, value)| (name.clone(), value.clone()))
                        .collect(),
                );
                &without_nulls
            }
            _ => body,
        };
        let problems: Vec<String> = self
            .input
            .iter_errors(body)
            .map(|error| self.describe(&error))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn is_null_optional(&self, name: &str, value: &Value) -> bool {
        value.is_null() && self.optional_inputs.iter().any(|optional| optional == name)
    }

    fn describe(&self, error: &ValidationError<'_>) -> String {
        let path = error.instance_path().to_string();
        let field = path.trim_start_matches('/');
        match error.kind() {
            ValidationErrorKind::Required { property } => format!(
                "{} is required",
                property.as_str().unwrap_or("a required input")
            ),
            ValidationErrorKind::AdditionalProperties { unexpected } => format!(
                "unknown input {}: this action accepts {}",
                unexpected.join(", "),
                self.allowed_inputs
            ),
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => t.to_string(),
                    TypeKind::Multiple(set) => set
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                format!(
                    "{field} must be {expected}, got {}",
                    json_type(error.instance())
                )
            }
            ValidationErrorKind::MaxLength { limit } => {
                format!("{field} is longer than {limit} characters")
            }
            _ => format!("{field}: {error}"),
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_name_the_field_and_what_is_allowed() {
        let contract = Contract::compile();
        let problems = contract
            .check_input(&json!({"agentId": 42, "colour": "red"}))
            .unwrap_err();
        let all = problems.join("\n");
        assert!(all.contains("conversationId is required"), "{all}");
        assert!(all.contains("agentId must be"), "{all}");
        assert!(all.contains("string"), "{all}");
        assert!(all.contains("unknown input colour"), "{all}");
        assert!(
            all.contains("conversationId, agentId, cobrowseType")
                || all.contains("agentId, cobrowseType, conversationId"),
            "{all}"
        );
    }

    #[test]
    fn null_counts_as_absent_only_for_optional_inputs() {
        let contract = Contract::compile();
        assert!(
            contract
                .check_input(&json!({"conversationId": "x", "agentId": null, "cobrowseType": null}))
                .is_ok()
        );
        let all = contract
            .check_input(&json!({"conversationId": null, "colour": null}))
            .unwrap_err()
            .join("\n");
        assert!(
            all.contains("conversationId must be string, got null"),
            "{all}"
        );
        assert!(all.contains("unknown input colour"), "{all}");
    }

    #[test]
    fn the_sample_shapes_pass() {
        let contract = Contract::compile();
        assert!(
            contract
                .check_input(&json!({"conversationId": "x", "agentId": null, "cobrowseType": ""}))
                .is_ok()
        );
    }
}
