//! `deploy/archy/`: the sample flows, as `deploy/terraform/` publishes them (placeholders
//! substituted), parse as YAML and call the action with the names the contract really has,
//! and only once an agent has answered.

use std::collections::{BTreeMap, BTreeSet};

use cobrowse_proxy::contract::{INPUT_SCHEMA, OUTPUT_SCHEMA};
use cobrowse_proxy::outcome::ErrorCode;
use serde_json::Value;

use crate::terraform::blocks::{TRIGGER, module, resource};
use crate::terraform::plan::{Plan, QUEUE};
use crate::terraform::published::{PublishedFlow, placeholders, published_flows};
use crate::{exported_action, read};

/// The flow's type (`workflow`, `inboundShortMessage`, ...) and its definition.
fn definition(flow: &PublishedFlow) -> (&str, &Value) {
    let top = flow.flow.as_object().expect("a flow is a mapping");
    assert_eq!(top.len(), 1, "{}: one flow per file", flow.file);
    let (kind, definition) = top.iter().next().unwrap();
    (kind.as_str(), definition)
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

/// The flows that call the action, each with (the action's bindings, the callData step).
fn callers() -> Vec<(PublishedFlow, Value, Value)> {
    let action = exported_action();
    let category = action["category"].as_str().unwrap();
    let action_name = action["name"].as_str().unwrap();
    let mut found = Vec::new();
    for flow in published_flows() {
        let steps: Vec<Value> = all(&flow.flow, "callData").into_iter().cloned().collect();
        if steps.is_empty() {
            continue;
        }
        assert_eq!(steps.len(), 1, "{}: expected one callData", flow.file);
        let step = steps[0].clone();
        let bindings = step["category"][category]["dataAction"][action_name].clone();
        assert!(
            bindings.is_object(),
            "{}: callData does not call {category} / {action_name}, the names export-action and deploy/terraform use",
            flow.file
        );
        found.push((flow, bindings, step));
    }
    assert!(!found.is_empty(), "no sample flow calls the action");
    found
}

/// The variables a flow declares as inputs (`isInput: true`).
fn input_variables(definition: &Value) -> BTreeSet<String> {
    definition["variables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|variable| variable.as_object()?.values().next())
        .filter(|variable| variable["isInput"] == true)
        .filter_map(|variable| variable["name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn only_a_flow_that_runs_after_an_agent_answers_calls_the_action() {
    // Inbound flows run before routing, when no agent is connected: a session started then
    // has nobody to join it. The action is called from a workflow the trigger on
    // user.start (an agent's part of the conversation started) runs.
    for (flow, _, _) in callers() {
        let (kind, _) = definition(&flow);
        assert_eq!(
            kind, "workflow",
            "{}: a {kind} flow calls the action before an agent answers",
            flow.file
        );
    }
}

#[test]
fn the_workflow_passes_the_triggers_conversation_and_lets_the_service_find_the_agent() {
    let inputs = property_names(INPUT_SCHEMA);
    for (flow, bindings, _) in callers() {
        let passed = keys(&bindings["inputs"]);
        let unknown: Vec<_> = passed.difference(&inputs).collect();
        assert!(
            unknown.is_empty(),
            "{}: unknown inputs {unknown:?}",
            flow.file
        );

        // The trigger fills Flow.conversationId from the event's conversationId.
        let (_, definition) = definition(&flow);
        let conversation = bindings["inputs"]["conversationId"]["exp"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no conversationId", flow.file));
        assert_eq!(
            input_variables(definition),
            BTreeSet::from([conversation.to_owned()]),
            "{}: the conversation must be the workflow's one input",
            flow.file
        );
        assert_eq!(conversation, "Flow.conversationId");

        // No agentId: the service uses the agent who is connected, and answers
        // AGENT_NOT_CONNECTED (starting nothing) while none is.
        assert!(
            !passed.contains("agentId"),
            "{}: passes an agent the service would not check is connected",
            flow.file
        );
    }
}

#[test]
fn the_workflow_reads_only_outputs_the_contract_declares_and_branches_on_them() {
    let outputs = property_names(OUTPUT_SCHEMA);
    for (flow, bindings, step) in callers() {
        let name = &flow.file;
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
            "AGENT_NOT_CONNECTED",
            "CONVERSATION_NOT_FOUND",
            "RATE_LIMITED",
            "COBROWSE_ALREADY_ACTIVE",
        ] {
            assert!(compared.contains(code), "{name}: no branch for {code}");
        }
    }
}

/// A consult's or a transfer's `user.start` on a conversation with a live session gets
/// `COBROWSE_ALREADY_ACTIVE`: the workflow ends on a branch of its own that says so, not with
/// the catch-all `NOT_STARTED` an admin is told to investigate.
#[test]
fn a_live_session_ends_the_workflow_as_done() {
    for (flow, _, step) in callers() {
        let branch = all(&step, "decision")
            .into_iter()
            .find(|decision| {
                decision["condition"]["exp"]
                    .as_str()
                    .is_some_and(|exp| exp.contains("\"COBROWSE_ALREADY_ACTIVE\""))
            })
            .unwrap_or_else(|| panic!("{}: no decision on COBROWSE_ALREADY_ACTIVE", flow.file));
        let reasons: Vec<&str> = all(&branch["outputs"]["yes"], "exitReason")
            .into_iter()
            .filter_map(|reason| reason["exp"].as_str().or(reason["lit"].as_str()))
            .collect();
        assert_eq!(reasons.len(), 1, "{}: {reasons:?}", flow.file);
        assert!(
            reasons[0].contains("\"ALREADY_ACTIVE "),
            "{}: the branch ends {}",
            flow.file,
            reasons[0]
        );
    }
}

#[test]
fn the_workflow_handles_every_exit_and_outwaits_the_action() {
    let action_timeout = exported_action()["config"]["timeoutSeconds"]
        .as_u64()
        .unwrap();
    for (flow, _, step) in callers() {
        for exit in ["success", "failure", "timeout"] {
            let actions = step["outputs"][exit]["actions"].as_array();
            assert!(
                actions.is_some_and(|a| !a.is_empty()),
                "{}: nothing on the {exit} path",
                flow.file
            );
        }
        let seconds = step["timeout"]["lit"]["seconds"].as_u64().unwrap_or(0);
        assert!(
            seconds > action_timeout,
            "{}: the flow waits {seconds} s, not more than the action's {action_timeout} s",
            flow.file
        );
    }
}

#[test]
fn every_variable_a_flow_uses_is_declared() {
    for flow in published_flows() {
        let declared: BTreeSet<&str> = all(&flow.flow, "name")
            .into_iter()
            .filter_map(Value::as_str)
            .filter(|n| n.starts_with("Flow."))
            .collect();
        let mut used: Vec<&str> = all(&flow.flow, "var")
            .into_iter()
            .chain(all(&flow.flow, "variable"))
            .filter_map(Value::as_str)
            .collect();
        used.extend(
            all(&flow.flow, "exp")
                .into_iter()
                .filter_map(Value::as_str)
                .flat_map(|exp| exp.split(|c: char| !(c.is_alphanumeric() || c == '.')))
                .filter(|word| word.starts_with("Flow.")),
        );
        for variable in used {
            assert!(
                declared.contains(variable),
                "{}: {variable} is used but not declared",
                flow.file
            );
        }
    }
}

#[test]
fn the_message_flow_routes_to_the_queue_whose_agents_get_cobrowse() {
    let routing: Vec<PublishedFlow> = published_flows()
        .into_iter()
        .filter(|flow| definition(flow).0 == "inboundShortMessage")
        .collect();
    assert_eq!(routing.len(), 1, "expected one inbound message flow");
    let queues: Vec<&Value> = all(&routing[0].flow, "targetQueue");
    assert_eq!(queues.len(), 1);
    // The queue the trigger watches (terraform.rs checks both read queue_name).
    assert_eq!(queues[0]["lit"]["name"], QUEUE);
}

#[test]
fn the_readme_names_every_placeholder() {
    let readme = read("deploy/archy/README.md");
    for flow in published_flows() {
        for placeholder in placeholders(&read(&flow.file)) {
            assert!(
                readme.contains(&format!("`{{{{{placeholder}}}}}`")),
                "deploy/archy/README.md does not explain {{{{{placeholder}}}}} ({})",
                flow.file
            );
        }
    }
}

/// The Archy options files deploy/archy/README.md writes (`cat > NAME <<'EOF'`), by name:
/// their `substitutions`.
fn options_files(readme: &str) -> BTreeMap<String, Value> {
    let mut files = BTreeMap::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .trim()
            .strip_prefix("cat > ")
            .and_then(|rest| rest.strip_suffix(" <<'EOF'"))
        else {
            continue;
        };
        // Indented as the list item's code block is: YAML keeps the relative indentation.
        let yaml: String = lines
            .by_ref()
            .take_while(|line| line.trim() != "EOF")
            .map(|line| format!("{}\n", line.strip_prefix("   ").unwrap_or(line)))
            .collect();
        let options: Value = serde_norway::from_str(&yaml)
            .unwrap_or_else(|err| panic!("{name} is not YAML: {err}\n{yaml}"));
        files.insert(name.to_owned(), options["substitutions"].clone());
    }
    files
}

#[test]
fn publishing_by_hand_gives_each_flow_every_substitution_it_needs() {
    let readme = read("deploy/archy/README.md");
    let options = options_files(&readme);
    for flow in published_flows() {
        let file = flow.file.rsplit('/').next().unwrap();
        let publish = format!("archy publish --file {file} --optionsFile ");
        let (_, rest) = readme
            .split_once(&publish)
            .unwrap_or_else(|| panic!("deploy/archy/README.md does not publish {file} by hand"));
        let options_file = rest.split_whitespace().next().unwrap();
        let substitutions = options
            .get(options_file)
            .unwrap_or_else(|| panic!("{file}: the README never writes {options_file}"));
        assert_eq!(
            keys(substitutions),
            placeholders(&read(&flow.file)),
            "{file}: {options_file} does not fill exactly its placeholders"
        );
        if let Some(queue) = substitutions.get("queue_name") {
            assert_eq!(queue, QUEUE);
        }
    }
}

#[test]
fn the_trigger_made_by_hand_is_the_one_terraform_makes() {
    let readme = read("deploy/archy/README.md");
    let (_, step) = readme
        .split_once("4. Create the trigger by hand")
        .expect("deploy/archy/README.md creates the trigger by hand");
    let step = step.split("\n\n").next().unwrap().replace("\n   ", " ");
    let body = module();
    let plan = Plan::new(&body, &[]);
    let trigger = resource(&body, TRIGGER);
    let topic = plan.attr(trigger, "topic_name");
    let ttl = plan.attr(trigger, "event_ttl_seconds");
    assert!(
        step.contains(&format!("`{}`", topic.as_str().unwrap())),
        "{step}"
    );
    assert!(step.contains("`TopLevelPrimitives`"), "{step}");
    assert!(
        step.contains(&format!("event TTL of {ttl} seconds")),
        "the trigger made by hand lacks Terraform's event TTL ({ttl} s): {step}"
    );
}
