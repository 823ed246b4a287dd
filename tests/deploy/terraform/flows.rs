//! The flows the module publishes and the trigger that runs the workflow: every placeholder
//! substituted, the action and the queue named as Terraform names them.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::terraform::blocks::{
    ACTION, FLOW, TRIGGER, address, attribute, labelled, module, nested, resource, resource_named,
};
use crate::terraform::plan::{Plan, QUEUE};
use crate::terraform::published::{PublishedFlow, placeholders, published_flows};
use crate::{exported_action, files_in, read};

#[test]
fn every_flow_placeholder_has_a_substitution_and_every_substitution_a_placeholder() {
    let body = module();
    let plan = Plan::new(&body, &[]);
    let mut published = BTreeSet::new();
    for block in labelled(&body, "resource", FLOW) {
        let flow = PublishedFlow::file_of(&plan, block);
        let keys: BTreeSet<String> = plan
            .attr(block, "substitutions")
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            placeholders(&read(&flow)),
            keys,
            "{flow}'s placeholders are not {}'s substitutions",
            address(block, "substitutions")
        );
        published.insert(flow);
    }
    // Every sample flow is published; none is left for the admin to forget.
    for file in files_in("deploy/archy", ".yaml") {
        let name = format!(
            "deploy/archy/{}",
            file.file_name().unwrap().to_string_lossy()
        );
        assert!(published.contains(&name), "{name} is not published");
    }
    for flow in published_flows() {
        assert!(
            !flow.text.contains("{{"),
            "{} keeps a placeholder",
            flow.file
        );
    }
}

#[test]
fn the_flows_call_the_action_and_route_to_the_queue_by_their_terraform_names() {
    let body = module();
    let plan = Plan::new(&body, &[]);
    let workflow = resource_named(&body, FLOW, "start_cobrowse");
    let substitutions = plan.attr(workflow, "substitutions");
    // Read from the action resource, so a renamed action renames the flow's call.
    let action = resource(&body, ACTION);
    assert!(
        attribute(workflow, "substitutions")
            .to_string()
            .contains(&address(action, "category"))
    );
    assert_eq!(
        substitutions["integration_name"],
        exported_action()["category"]
    );
    assert_eq!(substitutions["action_name"], exported_action()["name"]);
    assert_eq!(substitutions["call_timeout_seconds"], "25");
    // A replaced action (a contract change) publishes the workflow again.
    assert_eq!(
        attribute(workflow, "update_trigger_hash").to_string(),
        address(action, "id")
    );
    let longer = Plan::new(&body, &[("timeout_seconds", 40.into())]);
    assert_eq!(
        longer.attr(workflow, "substitutions")["call_timeout_seconds"],
        "45"
    );

    // Read through the queue's data source, so a queue that does not exist fails the plan.
    let message_flow = resource_named(&body, FLOW, "route_to_queue");
    assert_eq!(
        plan.attr(message_flow, "substitutions")["queue_name"],
        QUEUE
    );
    let queue = labelled(&body, "data", "genesyscloud_routing_queue")[0];
    assert!(
        attribute(message_flow, "substitutions")
            .to_string()
            .contains(&address(queue, "name"))
    );
    assert_eq!(plan.attr(message_flow, "count"), 1);
    let without = Plan::new(&body, &[("create_message_flow", false.into())]);
    assert_eq!(without.attr(message_flow, "count"), 0);
}

#[test]
fn the_trigger_runs_the_workflow_when_an_agent_answers_on_the_queue() {
    let body = module();
    let plan = Plan::new(&body, &[]);
    let trigger = resource(&body, TRIGGER);
    assert_eq!(
        plan.attr(trigger, "topic_name"),
        "v2.detail.events.conversation.{id}.user.start"
    );
    assert_eq!(plan.attr(trigger, "enabled"), true);
    let target = nested(trigger, "target");
    assert_eq!(
        attribute(target, "id").to_string(),
        address(resource_named(&body, FLOW, "start_cobrowse"), "id")
    );
    assert_eq!(plan.attr(target, "type"), "Workflow");
    // The event's fields arrive as the workflow's inputs of the same name.
    assert_eq!(
        plan.attr(nested(target, "workflow_target_settings"), "data_format"),
        "TopLevelPrimitives"
    );

    let criteria = plan.attr(trigger, "match_criteria");
    let criteria: Value = serde_json::from_str(criteria.as_str().unwrap()).unwrap();
    assert_eq!(
        criteria,
        json!([
            {"jsonPath": "queueId", "operator": "Equal", "value": "data.genesyscloud_routing_queue.cobrowse.id"},
            {"jsonPath": "mediaType", "operator": "In", "values": ["MESSAGE", "VOICE"]},
        ])
    );

    // At once for fresh events by default, or after the delay an admin sets.
    assert_eq!(plan.attr(trigger, "event_ttl_seconds"), 60);
    assert_eq!(plan.attr(trigger, "delay_by_seconds"), Value::Null);
    let delayed = Plan::new(&body, &[("trigger_delay_seconds", 90.into())]);
    assert_eq!(delayed.attr(trigger, "event_ttl_seconds"), Value::Null);
    assert_eq!(delayed.attr(trigger, "delay_by_seconds"), 90);
}
