//! `deploy/terraform/`: the files parse as HCL, and what they create is what the service and
//! `export-action` expect, once Terraform has done its part (variables, locals, `file()`,
//! `$${`, substitutions). Provider-computed values (ids, the home division's name) stand in
//! as `"<address>"` strings: what matters is which resource they come from.

use std::collections::{BTreeMap, BTreeSet};

use cobrowse_proxy::export::{ActionOptions, Credential, export_action};
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Block, Body, Expression};
use serde_json::{Value, json};

use crate::{PLACEHOLDER_URL, exported_action, files_in, read, repo_path};

const CREDENTIAL: &str = "genesyscloud_integration_credential";
const INTEGRATION: &str = "genesyscloud_integration";
const ACTION: &str = "genesyscloud_integration_action";
const ROLE: &str = "genesyscloud_auth_role";
const OAUTH_CLIENT: &str = "genesyscloud_oauth_client";
const FLOW: &str = "genesyscloud_flow";
pub const TRIGGER: &str = "genesyscloud_processautomation_trigger";
const USERNAME: &str = "user-from-tf-var";
const PASSWORD: &str = "password-from-tf-var";
const BEARER_TOKEN: &str = "token-from-tf-var";
/// What an admin sets in terraform.tfvars for `queue_name`.
pub const QUEUE: &str = "Support";

/// Every `.tf` file in the module, parsed into one body.
pub fn module() -> Body {
    let files = files_in("deploy/terraform", ".tf");
    assert!(files.len() >= 5, "the module is missing files: {files:?}");
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

fn labelled<'a>(body: &'a Body, identifier: &'static str, label: &str) -> Vec<&'a Block> {
    blocks(body, identifier)
        .filter(|block| block.labels().first().map(|l| l.as_str()) == Some(label))
        .collect()
}

/// The one resource of `kind`.
pub fn resource<'a>(body: &'a Body, kind: &str) -> &'a Block {
    let found = labelled(body, "resource", kind);
    assert_eq!(found.len(), 1, "expected one {kind} resource");
    found[0]
}

/// The resource `kind.name`.
fn resource_named<'a>(body: &'a Body, kind: &str, name: &str) -> &'a Block {
    labelled(body, "resource", kind)
        .into_iter()
        .find(|block| block.labels()[1].as_str() == name)
        .unwrap_or_else(|| panic!("no resource {kind}.{name}"))
}

fn variable<'a>(body: &'a Body, name: &str) -> &'a Block {
    labelled(body, "variable", name)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no variable {name}"))
}

fn output<'a>(body: &'a Body, name: &str) -> &'a Block {
    labelled(body, "output", name)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no output {name}"))
}

fn find_attribute<'a>(block: &'a Block, key: &str) -> Option<&'a Expression> {
    block
        .body()
        .attributes()
        .find(|attribute| attribute.key() == key)
        .map(|attribute| attribute.expr())
}

fn attribute<'a>(block: &'a Block, key: &str) -> &'a Expression {
    find_attribute(block, key).unwrap_or_else(|| panic!("{} has no {key}", block.identifier()))
}

fn nested_all<'a>(block: &'a Block, identifier: &'static str) -> Vec<&'a Block> {
    blocks(block.body(), identifier).collect()
}

fn nested<'a>(block: &'a Block, identifier: &'static str) -> &'a Block {
    let found = nested_all(block, identifier);
    assert_eq!(found.len(), 1, "expected one {identifier} block");
    found[0]
}

/// The address a reference to `block`'s attribute is written as: `kind.name.attribute`.
fn address(block: &Block, attribute: &str) -> String {
    let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
    let prefix = if block.identifier() == "data" {
        "data."
    } else {
        ""
    };
    format!("{prefix}{}.{attribute}", labels.join("."))
}

// --- Terraform's built-in functions, as far as the module uses them -----------------------

fn file(args: FuncArgs) -> Result<hcl::Value, String> {
    let path = args[0].as_str().ok_or("file() takes a path")?;
    std::fs::read_to_string(path)
        .map(hcl::Value::from)
        .map_err(|err| format!("file({path}): {err}"))
}

fn merge(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut merged = hcl::Map::new();
    for object in args.iter() {
        merged.extend(object.as_object().ok_or("merge() takes objects")?.clone());
    }
    Ok(hcl::Value::Object(merged))
}

fn to_string(args: FuncArgs) -> Result<hcl::Value, String> {
    Ok(match &args[0] {
        hcl::Value::String(text) => text.clone().into(),
        hcl::Value::Number(number) => number.to_string().into(),
        hcl::Value::Bool(flag) => flag.to_string().into(),
        other => return Err(format!("tostring({other}) is not a primitive")),
    })
}

fn json_encode(args: FuncArgs) -> Result<hcl::Value, String> {
    let value = serde_json::to_value(&args[0]).map_err(|err| err.to_string())?;
    Ok(value.to_string().into())
}

fn length(args: FuncArgs) -> Result<hcl::Value, String> {
    match &args[0] {
        hcl::Value::Array(items) => Ok(items.len().into()),
        hcl::Value::Object(map) => Ok(map.len().into()),
        hcl::Value::String(text) => Ok(text.chars().count().into()),
        other => Err(format!("length({other})")),
    }
}

fn contains(args: FuncArgs) -> Result<hcl::Value, String> {
    let list = args[0].as_array().ok_or("contains() takes a list")?;
    Ok(list.contains(&args[1]).into())
}

fn all_true(args: FuncArgs) -> Result<hcl::Value, String> {
    let list = args[0].as_array().ok_or("alltrue() takes a list")?;
    Ok(list
        .iter()
        .all(|item| item == &hcl::Value::Bool(true))
        .into())
}

/// Every match of `pattern` in the string (patterns without capture groups, as the module's);
/// the `regex` crate reads the same RE2 syntax Terraform does.
fn regex_all(args: FuncArgs) -> Result<hcl::Value, String> {
    let pattern = args[0].as_str().ok_or("regexall() takes a pattern")?;
    let text = args[1].as_str().ok_or("regexall() takes a string")?;
    let regex = regex::Regex::new(pattern).map_err(|err| err.to_string())?;
    Ok(hcl::Value::Array(
        regex
            .find_iter(text)
            .map(|found| found.as_str().into())
            .collect(),
    ))
}

fn trim_suffix(args: FuncArgs) -> Result<hcl::Value, String> {
    let text = args[0].as_str().ok_or("trimsuffix() takes a string")?;
    let suffix = args[1].as_str().ok_or("trimsuffix() takes a suffix")?;
    Ok(text.strip_suffix(suffix).unwrap_or(text).into())
}

fn floor(args: FuncArgs) -> Result<hcl::Value, String> {
    let number = args[0].as_f64().ok_or("floor() takes a number")?;
    Ok(hcl::Value::from(number.floor()))
}

/// What `terraform plan` knows for given variables: `var`, `local`, `path.module`, the
/// functions, and every resource and data source as an object of its configured attributes
/// plus `id` (and, for data sources, `name`) as `"<address>"` strings.
pub struct Plan {
    context: Context<'static>,
}

impl Plan {
    /// The plan for the variables' defaults, the required variables an admin sets, and
    /// `overrides`.
    pub fn new(body: &Body, overrides: &[(&str, hcl::Value)]) -> Self {
        let mut variables = BTreeMap::new();
        for variable in blocks(body, "variable") {
            let name = variable.labels()[0].as_str().to_owned();
            if let Some(default) = find_attribute(variable, "default") {
                variables.insert(name, default.evaluate(&Context::new()).unwrap());
            }
        }
        for (name, value) in [
            ("service_url", PLACEHOLDER_URL),
            ("queue_name", QUEUE),
            ("basic_auth_username", USERNAME),
            ("basic_auth_password", PASSWORD),
        ] {
            variables.insert(name.to_owned(), value.into());
        }
        for (name, value) in overrides {
            variables.insert((*name).to_owned(), value.clone());
        }

        let mut context = Context::new();
        context.declare_var("var", hcl::Value::Object(variables.into_iter().collect()));
        let module_dir = repo_path("deploy/terraform");
        context.declare_var(
            "path",
            hcl::value!({ module = (module_dir.to_string_lossy().into_owned()) }),
        );
        let any = || ParamType::Any;
        for (name, func) in [
            (
                "file",
                FuncDef::builder().param(ParamType::String).build(file),
            ),
            (
                "merge",
                FuncDef::builder().variadic_param(any()).build(merge),
            ),
            ("tostring", FuncDef::builder().param(any()).build(to_string)),
            (
                "jsonencode",
                FuncDef::builder().param(any()).build(json_encode),
            ),
            ("length", FuncDef::builder().param(any()).build(length)),
            (
                "contains",
                FuncDef::builder().param(any()).param(any()).build(contains),
            ),
            ("alltrue", FuncDef::builder().param(any()).build(all_true)),
            (
                "floor",
                FuncDef::builder().param(ParamType::Number).build(floor),
            ),
            (
                "regexall",
                FuncDef::builder()
                    .param(any())
                    .param(any())
                    .build(regex_all),
            ),
            (
                "trimsuffix",
                FuncDef::builder()
                    .param(any())
                    .param(any())
                    .build(trim_suffix),
            ),
        ] {
            context.declare_func(name, func);
        }

        let mut plan = Plan { context };
        plan.resolve(body);
        plan
    }

    /// Evaluates locals, resources and data sources until nothing more resolves: each may
    /// refer to the others, in any order.
    fn resolve(&mut self, body: &Body) {
        let mut locals = hcl::Map::new();
        let mut resources: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
        let mut data: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
        for _round in 0..8 {
            for block in blocks(body, "locals") {
                for attribute in block.body().attributes() {
                    if let Ok(value) = attribute.expr().evaluate(&self.context) {
                        locals.insert(attribute.key().to_owned(), value);
                    }
                }
            }
            for (kind, table) in [("resource", &mut resources), ("data", &mut data)] {
                for block in blocks(body, kind) {
                    let [type_, name] = [0, 1].map(|i| block.labels()[i].as_str().to_owned());
                    let mut object = hcl::Map::new();
                    object.insert("id".to_owned(), address(block, "id").into());
                    if kind == "data" {
                        object.insert("name".to_owned(), address(block, "name").into());
                    }
                    for attribute in block.body().attributes() {
                        if let Ok(value) = attribute.expr().evaluate(&self.context) {
                            object.insert(attribute.key().to_owned(), value);
                        }
                    }
                    table
                        .entry(type_)
                        .or_default()
                        .insert(name, hcl::Value::Object(object));
                }
            }
            self.context
                .declare_var("local", hcl::Value::Object(locals.clone()));
            for (type_, objects) in &resources {
                self.context
                    .declare_var(type_.clone(), hcl::Value::Object(objects.clone()));
            }
            let data_sources: hcl::Map<String, hcl::Value> = data
                .iter()
                .map(|(type_, objects)| (type_.clone(), hcl::Value::Object(objects.clone())))
                .collect();
            self.context
                .declare_var("data", hcl::Value::Object(data_sources));
        }
    }

    pub fn eval(&self, expression: &Expression) -> Value {
        let value = expression
            .evaluate(&self.context)
            .unwrap_or_else(|err| panic!("{expression} does not evaluate: {err}"));
        serde_json::to_value(value).unwrap()
    }

    pub fn attr(&self, block: &Block, key: &str) -> Value {
        self.eval(attribute(block, key))
    }
}

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
    fn file_of(plan: &Plan, block: &Block) -> String {
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
fn planned_action(body: &Body, plan: &Plan) -> Value {
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

#[test]
fn the_action_is_the_exported_action_for_either_credential() {
    let body = module();
    for (credential_type, credential) in
        [("basic", Credential::Basic), ("bearer", Credential::Bearer)]
    {
        let plan = Plan::new(
            &body,
            &[
                ("credential_type", credential_type.into()),
                ("bearer_token", BEARER_TOKEN.into()),
            ],
        );
        let planned = planned_action(&body, &plan);
        let mut options = ActionOptions::for_url(PLACEHOLDER_URL);
        options.credential = credential;
        let exported = export_action(&options).unwrap();
        // integrationType and actionType are the integration's business in Terraform.
        for key in ["name", "category", "config", "secure"] {
            assert!(
                planned[key] == exported[key],
                "deploy/terraform/ with credential_type {credential_type} plans a different {key} than \
                 `export-action --url {PLACEHOLDER_URL} --credential {credential_type}`:\n\
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
}

#[test]
fn a_service_url_is_taken_or_refused_as_export_action_takes_it() {
    let body = module();
    for url in [
        PLACEHOLDER_URL,
        "https://cobrowse-proxy.example.com/",
        "https://cobrowse-proxy.example.com:8443",
        "https://cobrowse-proxy.example.com:8443/",
        "https://cobrowse-proxy.example.com//",
        "https://cobrowse-proxy.example.com/proxy",
        "https://cobrowse-proxy.example.com/?org=1",
        "https://cobrowse-proxy.example.com#x",
        "https://user@cobrowse-proxy.example.com",
        "http://cobrowse-proxy.example.com",
    ] {
        let exported = export_action(&ActionOptions::for_url(url));
        assert_eq!(
            accepts(&body, "service_url", url.into()),
            exported.is_ok(),
            "service_url = {url:?}: Terraform and `export-action --url` disagree"
        );
        if let Ok(exported) = exported {
            let plan = Plan::new(&body, &[("service_url", url.into())]);
            assert_eq!(
                planned_action(&body, &plan)["config"]["request"]["requestUrlTemplate"],
                exported["config"]["request"]["requestUrlTemplate"],
                "service_url = {url:?}"
            );
        }
    }
}

#[test]
fn the_velocity_templates_are_escaped_for_terraform() {
    // Without `$${`, Terraform would try to interpolate these itself and fail.
    let main = read("deploy/terraform/main.tf");
    assert!(main.contains(r#"request_template = "$${input.rawRequest}""#));
    assert!(main.contains(r#"success_template = "$${rawResult}""#));
    assert!(main.contains(r#"Authorization = "Bearer $${credentials.token}""#));
}

#[test]
fn the_credential_is_the_one_the_service_is_configured_with() {
    let body = module();
    let credential = resource(&body, CREDENTIAL);

    let basic = Plan::new(&body, &[]);
    assert_eq!(basic.attr(credential, "credential_type_name"), "basicAuth");
    assert_eq!(
        basic.attr(credential, "fields"),
        json!({"userName": USERNAME, "password": PASSWORD})
    );

    let bearer = Plan::new(
        &body,
        &[
            ("credential_type", "bearer".into()),
            ("bearer_token", BEARER_TOKEN.into()),
        ],
    );
    // A User Defined credential whose field the bearer action writes: ${credentials.token}.
    assert_eq!(
        bearer.attr(credential, "credential_type_name"),
        "userDefined"
    );
    assert_eq!(
        bearer.attr(credential, "fields"),
        json!({ (cobrowse_proxy::export::BEARER_TOKEN_FIELD): BEARER_TOKEN })
    );

    for name in ["basic_auth_username", "basic_auth_password", "bearer_token"] {
        let variable = variable(&body, name);
        assert_eq!(
            basic.attr(variable, "sensitive"),
            true,
            "variable {name} must be sensitive"
        );
        assert_eq!(
            basic.attr(variable, "default"),
            Value::Null,
            "variable {name} must have no real default"
        );
    }

    // The integration sends this credential, whichever its type.
    let integration = resource(&body, INTEGRATION);
    assert_eq!(
        basic.attr(integration, "integration_type"),
        "custom-rest-actions"
    );
    assert_eq!(basic.attr(integration, "intended_state"), "ENABLED");
    let config = nested(integration, "config");
    for plan in [&basic, &bearer] {
        assert_eq!(
            plan.attr(config, "credentials"),
            json!({"basicAuth": address(credential, "id")}),
            "the integration does not send the credential"
        );
    }
    // Architect lists the action under the integration's name.
    assert_eq!(basic.attr(config, "name"), exported_action()["category"]);
    assert_eq!(
        attribute(resource(&body, ACTION), "integration_id").to_string(),
        address(integration, "id")
    );
}

#[test]
fn an_incomplete_credential_is_refused_before_anything_is_created() {
    let body = module();
    let credential = resource(&body, CREDENTIAL);
    let lifecycle = nested(credential, "lifecycle");
    let precondition = nested(lifecycle, "precondition");
    let passes = |overrides: &[(&str, hcl::Value)]| {
        Plan::new(&body, overrides).attr(precondition, "condition") == true
    };
    assert!(passes(&[]));
    assert!(!passes(&[("basic_auth_password", hcl::Value::Null)]));
    assert!(!passes(&[("basic_auth_username", hcl::Value::Null)]));
    assert!(!passes(&[("credential_type", "bearer".into())]));
    assert!(passes(&[
        ("credential_type", "bearer".into()),
        ("bearer_token", BEARER_TOKEN.into()),
        ("basic_auth_username", hcl::Value::Null),
        ("basic_auth_password", hcl::Value::Null),
    ]));
}

#[test]
fn the_service_role_holds_exactly_what_the_service_calls() {
    let body = module();
    let plan = Plan::new(&body, &[]);
    let role = resource(&body, ROLE);
    let mut granted = BTreeSet::new();
    for policy in nested_all(role, "permission_policies") {
        let domain = plan.attr(policy, "domain");
        let entity = plan.attr(policy, "entity_name");
        for action in plan.attr(policy, "action_set").as_array().unwrap() {
            granted.insert(format!(
                "{}:{}:{}",
                domain.as_str().unwrap(),
                entity.as_str().unwrap(),
                action.as_str().unwrap()
            ));
        }
    }
    let needed: BTreeSet<String> = [
        // POST .../cobrowse on messaging and on voice interactions.
        "conversation:cobrowse:add",
        "conversation:cobrowseVoice:add",
        // GET /api/v2/conversations/{id}: the connected agent.
        "conversation:communication:view",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(granted, needed);
    // The manual set-up (docs/registering.md) names the same permissions.
    let readme = read("docs/registering.md");
    for permission in &needed {
        assert!(
            readme.contains(&format!("`{permission}`")),
            "docs/registering.md does not name {permission}"
        );
    }
}

/// What each data source the module reads needs of Terraform's OAuth client: the provider's
/// documentation (1.84.1) gives `genesyscloud_auth_division_home` only the
/// `authorization`/`authorization:readonly` scopes, and the request it sends,
/// `GET /api/v2/authorization/divisions/home`, requires no permission; a queue by name needs
/// `routing:queue:view`.
const LOOK_UPS: [(&str, &[&str]); 2] = [
    ("genesyscloud_auth_division_home", &[]),
    ("genesyscloud_routing_queue", &["routing:queue:view"]),
];

/// The permissions (`domain:entity:action`) written in backticks in `text`.
fn permissions_in(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            let parts: Vec<&str> = word.split(':').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_look_ups_terraforms_client_is_given_are_what_the_modules_data_sources_need() {
    let body = module();
    let mut needed = BTreeSet::new();
    for data in blocks(&body, "data") {
        let kind = data.labels()[0].as_str();
        let (_, permissions) = LOOK_UPS
            .iter()
            .find(|(known, _)| *known == kind)
            .unwrap_or_else(|| panic!("what does data source {kind} need? Add it to LOOK_UPS"));
        needed.extend(permissions.iter().map(|p| (*p).to_owned()));
    }
    let readme = read("deploy/terraform/README.md");
    let row = readme
        .lines()
        .find(|line| line.starts_with("| the look-ups |"))
        .expect("deploy/terraform/README.md lists the look-ups' permissions");
    assert_eq!(
        permissions_in(row),
        needed,
        "deploy/terraform/README.md: {row}"
    );
    let guide = read("docs/registering.md");
    let (_, item) = guide
        .split_once("\n- look-ups:")
        .expect("docs/registering.md lists the look-ups' permissions");
    let item = item.split("\n- ").next().unwrap();
    assert_eq!(permissions_in(item), needed, "docs/registering.md: {item}");
}

#[test]
fn the_service_client_gets_that_role_in_the_chosen_divisions() {
    let body = module();
    let client = resource(&body, OAUTH_CLIENT);
    let plan = Plan::new(&body, &[]);
    assert_eq!(
        plan.attr(client, "authorized_grant_type"),
        "CLIENT-CREDENTIALS"
    );
    // Without it the provider keeps the secret to itself and the output is empty.
    assert_eq!(plan.attr(client, "expose_client_secret"), true);

    let roles = nested(client, "dynamic");
    assert_eq!(roles.labels()[0].as_str(), "roles");
    let content = nested(roles, "content");
    assert_eq!(
        attribute(content, "role_id").to_string(),
        address(resource(&body, ROLE), "id")
    );
    assert_eq!(attribute(content, "division_id").to_string(), "roles.value");

    // The grants' divisions: the home division unless the admin names others.
    let divisions = |overrides: &[(&str, hcl::Value)]| {
        let plan = Plan::new(&body, overrides);
        plan.eval(&"local.service_division_ids".parse::<Expression>().unwrap())
    };
    assert_eq!(
        divisions(&[]),
        json!(["data.genesyscloud_auth_division_home.home.id"])
    );
    let chosen = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";
    assert_eq!(
        divisions(&[("service_division_ids", hcl::value!([(chosen)]))]),
        json!([chosen])
    );
    assert!(
        attribute(roles, "for_each")
            .to_string()
            .contains("local.service_division_ids")
    );
}

#[test]
fn the_outputs_hand_the_service_its_oauth_client_and_the_admin_the_ids() {
    let body = module();
    let plan = Plan::new(&body, &[]);
    let client = resource(&body, OAUTH_CLIENT);
    for (name, attribute_name) in [
        ("service_client_id", "id"),
        ("service_client_secret", "client_secret"),
    ] {
        let output = output(&body, name);
        assert_eq!(
            plan.attr(output, "sensitive"),
            true,
            "{name} is not sensitive"
        );
        assert_eq!(
            attribute(output, "value").to_string(),
            address(client, attribute_name)
        );
    }
    for name in [
        "credential_id",
        "integration_id",
        "action_id",
        "workflow_id",
        "trigger_id",
        "service_role_id",
    ] {
        output(&body, name);
    }
}

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

/// Whether every validation of variable `name` accepts `value`.
fn accepts(body: &Body, name: &str, value: hcl::Value) -> bool {
    let plan = Plan::new(body, &[(name, value)]);
    nested_all(variable(body, name), "validation")
        .into_iter()
        .all(|validation| plan.attr(validation, "condition") == true)
}

#[test]
fn variables_refuse_what_genesys_or_the_service_would() {
    let body = module();
    for (name, accepted, refused) in [
        (
            "credential_type",
            vec![hcl::value!("basic"), hcl::value!("bearer")],
            vec![hcl::value!("digest"), hcl::value!("Basic")],
        ),
        (
            "timeout_seconds",
            vec![hcl::value!(1), hcl::value!(20), hcl::value!(55)],
            vec![
                hcl::value!(0),
                hcl::value!(56),
                hcl::value!(60),
                hcl::value!(20.5),
            ],
        ),
        (
            "media_types",
            vec![hcl::value!(["MESSAGE"]), hcl::value!(["VOICE", "MESSAGE"])],
            vec![
                hcl::value!([]),
                hcl::value!(["EMAIL"]),
                hcl::value!(["voice"]),
            ],
        ),
        (
            "trigger_delay_seconds",
            vec![hcl::Value::Null, hcl::value!(60), hcl::value!(900)],
            vec![hcl::value!(30), hcl::value!(901)],
        ),
        (
            "service_token_lifetime_seconds",
            vec![hcl::value!(300), hcl::value!(86400), hcl::value!(172800)],
            vec![hcl::value!(299), hcl::value!(172801)],
        ),
    ] {
        for value in accepted {
            assert!(
                accepts(&body, name, value.clone()),
                "{name} = {value} refused"
            );
        }
        for value in refused {
            assert!(
                !accepts(&body, name, value.clone()),
                "{name} = {value} accepted"
            );
        }
    }
    // The default action timeout is the export's, inside the range.
    let plan = Plan::new(&body, &[]);
    assert_eq!(
        plan.attr(variable(&body, "timeout_seconds"), "default"),
        exported_action()["config"]["timeoutSeconds"]
    );
}

#[test]
fn the_provider_is_pinned_and_its_lock_file_is_not_ignored() {
    let body = module();
    let terraform = blocks(&body, "terraform")
        .next()
        .expect("a terraform block");
    let providers = nested(terraform, "required_providers");
    let provider = Plan::new(&body, &[]).attr(providers, "genesyscloud");
    assert_eq!(provider["source"], "mypurecloud/genesyscloud");
    let version = provider["version"].as_str().unwrap();
    assert!(
        version.split('.').count() == 3 && version.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "the provider version {version:?} is not one exact release"
    );
    let ignored = read("deploy/terraform/.gitignore");
    assert!(
        !ignored
            .lines()
            .any(|line| line.trim() == ".terraform.lock.hcl"),
        "deploy/terraform/.gitignore ignores the lock file HashiCorp says to commit"
    );
}
