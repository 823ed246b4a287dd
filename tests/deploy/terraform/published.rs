//! What the plan hands Genesys: the data action in the export's shape, and each flow as
//! `genesyscloud_flow` publishes it (its Archy file, placeholders substituted).

use std::collections::BTreeSet;

use hcl::{Block, Body};
use serde_json::{Value, json};

use crate::terraform::blocks::{ACTION, FLOW, labelled, module, nested, resource};
use crate::terraform::plan::Plan;
use crate::{read, repo_path};

/// Every `{{placeholder}}` in `text`, by name.
pub fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// A flow as `genesyscloud_flow` publishes it: the Archy file, placeholders substituted.
pub struct PublishedFlow {
    /// `deploy/archy/...`, as the resource names it.
    pub file: String,
    pub text: String,
    pub flow: Value,
}

impl PublishedFlow {
    /// The flow's file, relative to the repository, as `filepath` names it.
    pub fn file_of(plan: &Plan, block: &Block) -> String {
        let path = plan.attr(block, "filepath");
        let path = std::path::Path::new(path.as_str().unwrap());
        let repo = repo_path("").canonicalize().unwrap();
        let file = path
            .canonicalize()
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        file.strip_prefix(&repo)
            .unwrap_or_else(|_| panic!("{} is outside the repository", file.display()))
            .to_string_lossy()
            .into_owned()
    }
}

/// Every flow the module publishes, for the variables' defaults.
pub fn published_flows() -> Vec<PublishedFlow> {
    let body = module();
    let plan = Plan::new(&body, &[]);
    labelled(&body, "resource", FLOW)
        .into_iter()
        .map(|block| {
            let file = PublishedFlow::file_of(&plan, block);
            let substitutions = plan.attr(block, "substitutions");
            let mut text = read(&file);
            for (key, value) in substitutions.as_object().unwrap() {
                let value = value
                    .as_str()
                    .unwrap_or_else(|| panic!("{file}: substitution {key} is not a string"));
                text = text.replace(&format!("{{{{{key}}}}}"), value);
            }
            let flow = serde_norway::from_str(&text)
                .unwrap_or_else(|err| panic!("{file}, substituted, is not YAML: {err}"));
            PublishedFlow { file, text, flow }
        })
        .collect()
}

/// The action as Terraform would send it, in the export's shape.
pub fn planned_action(body: &Body, plan: &Plan) -> Value {
    let action = resource(body, ACTION);
    let value = |key: &str| plan.attr(action, key);
    let request = nested(action, "config_request");
    let response = nested(action, "config_response");
    let in_request = |key: &str| plan.attr(request, key);
    let in_response = |key: &str| plan.attr(response, key);
    let schema = |key: &str| serde_json::from_str::<Value>(value(key).as_str().unwrap()).unwrap();
    json!({
        "name": value("name"),
        "category": value("category"),
        "config": {
            "request": {
                "requestUrlTemplate": in_request("request_url_template"),
                "requestType": in_request("request_type"),
                "headers": in_request("headers"),
                "requestTemplate": in_request("request_template"),
            },
            "response": {
                "translationMap": in_response("translation_map"),
                "translationMapDefaults": in_response("translation_map_defaults"),
                "successTemplate": in_response("success_template"),
            },
            "timeoutSeconds": value("config_timeout_seconds"),
        },
        "contract": {
            "input": {"inputSchema": schema("contract_input")},
            "output": {"successSchema": schema("contract_output")},
        },
        "secure": value("secure"),
    })
}
