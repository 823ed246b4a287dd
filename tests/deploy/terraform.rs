//! `deploy/terraform/`: the files parse as HCL, and the action they create is the one
//! `export-action` prints, once Terraform has done its part (variables, `file()`, `$${`).

use std::collections::BTreeMap;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Block, Body, Expression};
use serde_json::{Value, json};

use crate::{PLACEHOLDER_URL, exported_action, files_in, repo_path};

const CREDENTIAL: &str = "genesyscloud_integration_credential";
const INTEGRATION: &str = "genesyscloud_integration";
const ACTION: &str = "genesyscloud_integration_action";
const USERNAME: &str = "user-from-tfvars";
const PASSWORD: &str = "password-from-tfvars";

/// Every `.tf` file in the module, parsed into one body.
fn module() -> Body {
    let files = files_in("deploy/terraform", ".tf");
    assert!(files.len() >= 3, "the module is missing files: {files:?}");
    let mut blocks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let body = hcl::parse(&text)
            .unwrap_or_else(|err| panic!("{} is not valid HCL: {err}", file.display()));
        blocks.extend(body);
    }
    Body::from_iter(blocks)
}

fn blocks<'a>(body: &'a Body, identifier: &'static str) -> impl Iterator<Item = &'a Block> {
    body.blocks()
        .filter(move |block| block.identifier() == identifier)
}

/// The one resource of `kind`.
fn resource<'a>(body: &'a Body, kind: &str) -> &'a Block {
    let found: Vec<_> = blocks(body, "resource")
        .filter(|block| block.labels().first().map(|l| l.as_str()) == Some(kind))
        .collect();
    assert_eq!(found.len(), 1, "expected one {kind} resource");
    found[0]
}

fn attribute<'a>(block: &'a Block, key: &str) -> &'a Expression {
    block
        .body()
        .attributes()
        .find(|attribute| attribute.key() == key)
        .map(|attribute| attribute.expr())
        .unwrap_or_else(|| panic!("{} has no {key}", block.identifier()))
}

fn nested<'a>(block: &'a Block, identifier: &'static str) -> &'a Block {
    let found: Vec<_> = blocks(block.body(), identifier).collect();
    assert_eq!(found.len(), 1, "expected one {identifier} block");
    found[0]
}

/// `file(path)`, as Terraform reads it.
fn file(args: FuncArgs) -> Result<hcl::Value, String> {
    let path = args[0].as_str().ok_or("file() takes a path")?;
    std::fs::read_to_string(path)
        .map(hcl::Value::from)
        .map_err(|err| format!("file({path}): {err}"))
}

/// What Terraform knows when it plans: the variables (defaults, plus what an admin sets in
/// terraform.tfvars), `path.module`, and `file()`.
fn context(body: &Body) -> Context<'static> {
    let mut variables = BTreeMap::new();
    for variable in blocks(body, "variable") {
        let name = variable.labels()[0].as_str().to_owned();
        if let Some(default) = variable
            .body()
            .attributes()
            .find(|attribute| attribute.key() == "default")
        {
            let value = default.expr().evaluate(&Context::new()).unwrap();
            variables.insert(name, value);
        }
    }
    variables.insert("service_url".into(), PLACEHOLDER_URL.into());
    variables.insert("basic_auth_username".into(), USERNAME.into());
    variables.insert("basic_auth_password".into(), PASSWORD.into());

    let mut context = Context::new();
    context.declare_var("var", hcl::Value::Object(variables.into_iter().collect()));
    let module_dir = repo_path("deploy/terraform");
    context.declare_var(
        "path",
        hcl::value!({ module = (module_dir.to_string_lossy().into_owned()) }),
    );
    context.declare_func(
        "file",
        FuncDef::builder().param(ParamType::String).build(file),
    );
    context
}

fn evaluate(expression: &Expression, context: &Context) -> Value {
    let value = expression
        .evaluate(context)
        .unwrap_or_else(|err| panic!("{expression} does not evaluate: {err}"));
    serde_json::to_value(value).unwrap()
}

#[test]
fn the_action_is_the_exported_action() {
    let body = module();
    let context = context(&body);
    let action = resource(&body, ACTION);
    let value = |key: &str| evaluate(attribute(action, key), &context);
    let request = nested(action, "config_request");
    let response = nested(action, "config_response");
    let in_request = |key: &str| evaluate(attribute(request, key), &context);
    let in_response = |key: &str| evaluate(attribute(response, key), &context);

    // The action, as Terraform would send it, in the export's shape.
    let planned = json!({
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
            "input": {"inputSchema": serde_json::from_str::<Value>(value("contract_input").as_str().unwrap()).unwrap()},
            "output": {"successSchema": serde_json::from_str::<Value>(value("contract_output").as_str().unwrap()).unwrap()},
        },
        "secure": value("secure"),
    });
    let exported = exported_action();
    // integrationType and actionType are the integration's business in Terraform.
    for key in ["name", "category", "config", "secure"] {
        assert!(
            planned[key] == exported[key],
            "deploy/terraform/ plans a different {key} than `export-action --url {PLACEHOLDER_URL}`:\n\
             terraform: {}\nexport:    {}",
            planned[key],
            exported[key]
        );
    }
    assert!(
        planned["contract"] == exported["contract"],
        "deploy/terraform/main.tf's contract_input/contract_output are not the files in schemas/"
    );
}

#[test]
fn the_velocity_templates_are_escaped_for_terraform() {
    // Without `$${`, Terraform would try to interpolate ${input.rawRequest} itself and fail.
    let main = std::fs::read_to_string(repo_path("deploy/terraform/main.tf")).unwrap();
    assert!(main.contains(r#"request_template = "$${input.rawRequest}""#));
    assert!(main.contains(r#"success_template = "$${rawResult}""#));
}

#[test]
fn the_integration_sends_a_basic_auth_credential_from_sensitive_variables() {
    let body = module();
    let context = context(&body);

    let credential = resource(&body, CREDENTIAL);
    assert_eq!(
        evaluate(attribute(credential, "credential_type_name"), &context),
        "basicAuth"
    );
    assert_eq!(
        evaluate(attribute(credential, "fields"), &context),
        json!({"userName": USERNAME, "password": PASSWORD})
    );
    for name in ["basic_auth_username", "basic_auth_password"] {
        let variable = blocks(&body, "variable")
            .find(|block| block.labels()[0].as_str() == name)
            .unwrap_or_else(|| panic!("no variable {name}"));
        assert_eq!(
            evaluate(attribute(variable, "sensitive"), &context),
            true,
            "variable {name} must be sensitive"
        );
        assert!(
            !variable
                .body()
                .attributes()
                .any(|attribute| attribute.key() == "default"),
            "variable {name} must have no default"
        );
    }

    let integration = resource(&body, INTEGRATION);
    assert_eq!(
        evaluate(attribute(integration, "integration_type"), &context),
        "custom-rest-actions"
    );
    assert_eq!(
        evaluate(attribute(integration, "intended_state"), &context),
        "ENABLED"
    );
    let config = nested(integration, "config");
    let credential_name = credential.labels()[1].as_str();
    let credentials = attribute(config, "credentials").to_string();
    assert!(
        credentials.contains(&format!("basicAuth = {CREDENTIAL}.{credential_name}.id")),
        "the integration does not send the credential: {credentials}"
    );
    // Architect lists the action under the integration's name.
    assert_eq!(
        evaluate(attribute(config, "name"), &context),
        exported_action()["category"]
    );

    let action = resource(&body, ACTION);
    let integration_name = integration.labels()[1].as_str();
    assert_eq!(
        attribute(action, "integration_id").to_string(),
        format!("{INTEGRATION}.{integration_name}.id")
    );
}

#[test]
fn the_ids_are_outputs() {
    let body = module();
    let outputs: Vec<&str> = blocks(&body, "output")
        .map(|block| block.labels()[0].as_str())
        .collect();
    for name in ["credential_id", "integration_id", "action_id"] {
        assert!(outputs.contains(&name), "no output {name} in {outputs:?}");
    }
}

#[test]
fn the_module_uses_the_genesys_cloud_provider() {
    let body = module();
    let terraform = blocks(&body, "terraform")
        .next()
        .expect("a terraform block");
    let providers = nested(terraform, "required_providers");
    let source = evaluate(attribute(providers, "genesyscloud"), &Context::new());
    assert_eq!(source["source"], "mypurecloud/genesyscloud");
}
