//! `schemas/` against the rules Genesys applies to data action contracts: what passes here
//! imports, and every field maps onto one flow variable.

use cobrowse_proxy::contract::{INPUT_SCHEMA, OUTPUT_SCHEMA};
use serde_json::{Map, Value};

const DRAFT_04: &str = "http://json-schema.org/draft-04/schema#";
/// Input names Genesys keeps for itself.
const RESERVED_INPUTS: [&str; 3] = ["orgId", "integrationId", "rawRequest"];
/// The input types Genesys documents, one per input: a type list such as
/// `["string", "null"]` is not among its documented forms, and Genesys leaves null inputs out
/// before it validates anyway.
const INPUT_TYPES: [&str; 4] = ["string", "integer", "number", "boolean"];

fn parse(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("{name} is not JSON: {err}"))
}

fn properties<'a>(name: &str, schema: &'a Value) -> &'a Map<String, Value> {
    schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{name} has no properties"))
}

/// A property's types, whether written `"string"` or `["string", "null"]`.
fn types_of(property: &Value) -> Vec<&str> {
    match &property["type"] {
        Value::String(single) => vec![single.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Every `$ref` anywhere in `value`, by JSON pointer.
fn refs(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{at}/{key}");
                if key == "$ref" {
                    found.push(here.clone());
                }
                refs(child, &here, found);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                refs(child, &format!("{at}/{index}"), found);
            }
        }
        _ => {}
    }
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[test]
fn both_contracts_are_draft_04_objects_without_refs() {
    for (name, text) in [("input", INPUT_SCHEMA), ("output", OUTPUT_SCHEMA)] {
        let schema = parse(name, text);
        assert_eq!(schema["$schema"], DRAFT_04, "{name} schema");
        assert_eq!(schema["type"], "object", "{name} schema's top level");
        let mut found = Vec::new();
        refs(&schema, "", &mut found);
        assert!(found.is_empty(), "{name} schema uses $ref at {found:?}");
        jsonschema::draft4::new(&schema)
            .unwrap_or_else(|err| panic!("{name} schema is not valid draft-04: {err}"));
    }
}

#[test]
fn the_input_is_flat_with_names_and_types_genesys_accepts() {
    let schema = parse("input", INPUT_SCHEMA);
    let properties = properties("input", &schema);
    assert!(!properties.is_empty());
    for (name, property) in properties {
        assert!(
            is_valid_name(name),
            "input {name}: a name starts with a letter and has only letters, digits, - and _"
        );
        assert!(
            !RESERVED_INPUTS.contains(&name.as_str()),
            "input {name} is reserved by Genesys"
        );
        let kind = property["type"].as_str().unwrap_or_else(|| {
            panic!(
                "input {name} has type {}: give each input one type, as Genesys documents",
                property["type"]
            )
        });
        assert!(
            INPUT_TYPES.contains(&kind),
            "input {name} is {kind}; Genesys inputs are {INPUT_TYPES:?}"
        );
    }
    for required in schema["required"].as_array().unwrap() {
        let required = required.as_str().unwrap();
        assert!(
            properties.contains_key(required),
            "required input {required} is not a property"
        );
    }
}

#[test]
fn the_output_is_flat_and_every_field_is_always_there() {
    let schema = parse("output", OUTPUT_SCHEMA);
    let properties = properties("output", &schema);
    for (name, property) in properties {
        assert!(is_valid_name(name), "output {name} is not a plain name");
        let types = types_of(property);
        assert!(!types.is_empty(), "output {name} has no type");
        for kind in types {
            assert!(
                !matches!(kind, "object" | "array"),
                "output {name} is {kind}: a flow maps only flat primitives onto variables"
            );
        }
    }
    // The README promises every field in every reply, so a flow never reads an unset output.
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
    required.sort();
    names.sort();
    assert_eq!(required, names, "output fields not all required");
}
