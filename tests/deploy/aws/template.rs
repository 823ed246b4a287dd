//! A template as CloudFormation reads it: YAML whose short-form intrinsics (`!Ref`, `!Sub`,
//! `!GetAtt A.b`, `!If`...) become their long forms (`{"Ref": ...}`, `{"Fn::Sub": ...}`), so a
//! test compares JSON whichever form the file uses.

use serde_json::{Map, Value, json};

use crate::read;

/// The zip form, and the container image form of the same stack.
pub const ZIP: &str = "deploy/aws/template.yaml";
pub const IMAGE: &str = "deploy/aws/template-image.yaml";
pub const BOTH: [&str; 2] = [ZIP, IMAGE];

pub fn template(path: &str) -> Value {
    let yaml: serde_norway::Value = serde_norway::from_str(&read(path))
        .unwrap_or_else(|err| panic!("{path} is not YAML: {err}"));
    long_form(yaml)
}

fn long_form(yaml: serde_norway::Value) -> Value {
    use serde_norway::Value as Yaml;
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(flag) => flag.into(),
        Yaml::Number(number) => serde_json::to_value(number).unwrap(),
        Yaml::String(text) => text.into(),
        Yaml::Sequence(items) => items.into_iter().map(long_form).collect(),
        Yaml::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let key = key.as_str().expect("mapping keys are strings").to_owned();
                object.insert(key, long_form(value));
            }
            Value::Object(object)
        }
        Yaml::Tagged(tagged) => {
            let name = tagged.tag.to_string().trim_start_matches('!').to_owned();
            let value = long_form(tagged.value);
            let (key, value) = match name.as_str() {
                "Ref" | "Condition" => (name, value),
                "GetAtt" => {
                    let text = value.as_str().expect("!GetAtt Resource.Attribute");
                    let (resource, attribute) = text.split_once('.').unwrap();
                    ("Fn::GetAtt".to_owned(), json!([resource, attribute]))
                }
                _ => (format!("Fn::{name}"), value),
            };
            Value::Object(Map::from_iter([(key, value)]))
        }
    }
}

pub fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    let resource = &template["Resources"][name];
    assert!(resource.is_object(), "no resource {name}");
    resource
}

pub fn parameter<'a>(template: &'a Value, name: &str) -> &'a Value {
    let parameter = &template["Parameters"][name];
    assert!(parameter.is_object(), "no parameter {name}");
    parameter
}

/// `{"Fn::GetAtt": [resource, attribute]}`.
pub fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// `{"Ref": name}`.
pub fn reference(name: &str) -> Value {
    json!({ "Ref": name })
}

/// The function's environment variables.
pub fn environment(template: &Value) -> &Map<String, Value> {
    resource(template, "Function")["Properties"]["Environment"]["Variables"]
        .as_object()
        .expect("the function has environment variables")
}

/// A policy document's statements, a single statement or a list alike.
pub fn statements(document: &Value) -> Vec<&Value> {
    match &document["Statement"] {
        Value::Array(items) => items.iter().collect(),
        single @ Value::Object(_) => vec![single],
        other => panic!("a policy without statements: {other}"),
    }
}

/// An `Action` or `Resource`, a string or a list alike.
pub fn list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    }
}
