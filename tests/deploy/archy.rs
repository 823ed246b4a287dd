//! `deploy/archy/`: the sample flow parses as YAML and calls the action with the names the
//! contract really has, so it publishes against an action registered from this repository.

use std::collections::BTreeSet;

use cobrowse_proxy::contract::{INPUT_SCHEMA, OUTPUT_SCHEMA};
use cobrowse_proxy::outcome::ErrorCode;
use serde_json::Value;

use crate::{exported_action, files_in};

fn flows() -> Vec<(String, Value)> {
    let files = files_in("deploy/archy", ".yaml");
    assert!(!files.is_empty(), "no flow in deploy/archy");
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).unwrap();
            let flow = serde_norway::from_str(&text)
                .unwrap_or_else(|err| panic!("{} is not YAML: {err}", file.display()));
            (file.display().to_string(), flow)
        })
        .collect()
}

/// Every value under `key` anywhere in `value`.
fn find_all<'a>(value: &'a Value, key: &str, found: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            for (k, child) in map {
                if k == key {
                    found.push(child);
                }
                find_all(child, key, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|child| find_all(child, key, found)),
        _ => {}
    }
}

fn all<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    let mut found = Vec::new();
    find_all(value, key, &mut found);
    found
}

fn property_names(schema: &str) -> BTreeSet<String> {
    let schema: Value = serde_json::from_str(schema).unwrap();
    schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

/// The one Call Data Action in `flow`, as (the action's bindings, the callData step).
fn call_data(name: &str, flow: &Value) -> (Value, Value) {
    let steps = all(flow, "callData");
    assert_eq!(steps.len(), 1, "{name}: expected one callData");
    let step = steps[0];
    let action = exported_action();
    let category = action["category"].as_str().unwrap();
    let action_name = action["name"].as_str().unwrap();
    let bindings = &step["category"][category]["dataAction"][action_name];
    assert!(
        bindings.is_object(),
        "{name}: callData does not call {category} / {action_name}, the names export-action and deploy/terraform use"
    );
    (bindings.clone(), step.clone())
}

#[test]
fn the_flow_passes_only_inputs_the_contract_declares() {
    let inputs = property_names(INPUT_SCHEMA);
    for (name, flow) in flows() {
        let (bindings, _) = call_data(&name, &flow);
        let passed = keys(&bindings["inputs"]);
        let unknown: Vec<_> = passed.difference(&inputs).collect();
        assert!(unknown.is_empty(), "{name}: unknown inputs {unknown:?}");
        assert_eq!(
            bindings["inputs"]["conversationId"]["exp"], "Message.ConversationId",
            "{name}: the conversation is the message's"
        );
        assert!(passed.contains("agentId"), "{name}: no agent input");
    }
}

#[test]
fn the_flow_reads_only_outputs_the_contract_declares_and_branches_on_them() {
    let outputs = property_names(OUTPUT_SCHEMA);
    for (name, flow) in flows() {
        let (bindings, step) = call_data(&name, &flow);
        let read = keys(&bindings["successOutputs"]);
        let unknown: Vec<_> = read.difference(&outputs).collect();
        assert!(unknown.is_empty(), "{name}: unknown outputs {unknown:?}");

        let variable_of = |output: &str| {
            bindings["successOutputs"][output]["var"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: {output} is not bound to a variable"))
                .to_owned()
        };
        let success = variable_of("success");
        let error_code = variable_of("errorCode");
        let conditions: Vec<String> = all(&step, "condition")
            .into_iter()
            .filter_map(|condition| condition["exp"].as_str())
            .map(str::to_owned)
            .collect();
        assert!(
            conditions.iter().any(|c| c.trim() == success),
            "{name}: no decision on {success}"
        );

        // Every errorCode compared against is one the service answers.
        let known: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        let comparison = format!("{error_code} == \"");
        let compared: BTreeSet<&str> = conditions
            .iter()
            .flat_map(|condition| condition.split(comparison.as_str()).skip(1))
            .filter_map(|rest| rest.split('"').next())
            .collect();
        for code in &compared {
            assert!(known.contains(code), "{name}: {code} is not an errorCode");
        }
        for code in [
            "MISSING_PERMISSION",
            "CONVERSATION_NOT_FOUND",
            "RATE_LIMITED",
        ] {
            assert!(compared.contains(code), "{name}: no branch for {code}");
        }
    }
}

#[test]
fn the_flow_handles_every_exit_and_outwaits_the_action() {
    for (name, flow) in flows() {
        let (_, step) = call_data(&name, &flow);
        for exit in ["success", "failure", "timeout"] {
            let actions = step["outputs"][exit]["actions"].as_array();
            assert!(
                actions.is_some_and(|a| !a.is_empty()),
                "{name}: nothing on the {exit} path"
            );
        }
        let seconds = step["timeout"]["lit"]["seconds"].as_u64().unwrap_or(0);
        let action_timeout = exported_action()["config"]["timeoutSeconds"]
            .as_u64()
            .unwrap();
        assert!(
            seconds > action_timeout,
            "{name}: the flow waits {seconds} s, less than the action's {action_timeout} s"
        );
    }
}

#[test]
fn every_variable_the_flow_uses_is_declared() {
    for (name, flow) in flows() {
        let declared: BTreeSet<&str> = all(&flow, "name")
            .into_iter()
            .filter_map(Value::as_str)
            .filter(|n| n.starts_with("Flow."))
            .collect();
        let mut used: Vec<&str> = all(&flow, "var")
            .into_iter()
            .chain(all(&flow, "variable"))
            .filter_map(Value::as_str)
            .collect();
        used.extend(
            all(&flow, "exp")
                .into_iter()
                .filter_map(Value::as_str)
                .flat_map(|exp| exp.split(|c: char| !(c.is_alphanumeric() || c == '.')))
                .filter(|word| word.starts_with("Flow.")),
        );
        for variable in used {
            assert!(
                declared.contains(variable),
                "{name}: {variable} is used but not declared"
            );
        }
    }
}
