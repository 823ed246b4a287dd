//! What `terraform plan` knows for given variables (`Plan`): the variables an admin sets,
//! locals, `path.module`, Terraform's built-in functions as far as the module uses them, and
//! every resource and data source; and whether a variable's validations accept a value.

use std::collections::BTreeMap;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Block, Body, Expression};
use serde_json::Value;

use crate::terraform::blocks::{address, attribute, blocks, find_attribute, nested_all, variable};
use crate::{PLACEHOLDER_URL, repo_path};

// The inbound credential an admin sets in terraform.tfvars, Basic or bearer.
pub const USERNAME: &str = "user-from-tf-var";
pub const PASSWORD: &str = "password-from-tf-var";
pub const BEARER_TOKEN: &str = "token-from-tf-var";
/// What an admin sets in terraform.tfvars for `queue_name`.
pub const QUEUE: &str = "Support";

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

/// The one element of a list of at most one (a resource with `count` 0 or 1), or null.
fn one(args: FuncArgs) -> Result<hcl::Value, String> {
    match args[0].as_array().ok_or("one() takes a list")?.as_slice() {
        [] => Ok(hcl::Value::Null),
        [only] => Ok(only.clone()),
        more => Err(format!("one() of {} elements", more.len())),
    }
}

fn distinct(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut seen = Vec::new();
    for item in args[0].as_array().ok_or("distinct() takes a list")? {
        if !seen.contains(item) {
            seen.push(item.clone());
        }
    }
    Ok(hcl::Value::Array(seen))
}

/// Attributes the provider computes, beside `id`, that the module reads: each stands in as
/// the `"<address>"` string, as `id` does.
const COMPUTED: [(&str, &str); 1] = [("genesyscloud_oauth_client", "client_secret")];

fn floor(args: FuncArgs) -> Result<hcl::Value, String> {
    let number = args[0].as_f64().ok_or("floor() takes a number")?;
    Ok(hcl::Value::from(number.floor()))
}

/// What `terraform plan` knows for given variables: `var`, `local`, `path.module`, the
/// functions, and every resource and data source as an object of its configured attributes
/// plus `id` (and, for data sources, `name`; the attributes of [`COMPUTED`]) as
/// `"<address>"` strings; a resource with `count` is a list of that many.
pub struct Plan {
    context: Context<'static>,
}

impl Plan {
    /// The plan for the variables' defaults, the required variables an admin sets, and
    /// `overrides`.
    pub fn new(body: &Body, overrides: &[(&str, hcl::Value)]) -> Self {
        let required = [
            ("service_url", PLACEHOLDER_URL.into()),
            ("queue_name", QUEUE.into()),
            ("basic_auth_username", USERNAME.into()),
            ("basic_auth_password", PASSWORD.into()),
        ];
        Plan::at("deploy/terraform", body, &required, overrides)
    }

    /// The plan of the module in `dir` (as `path.module`) for the variables' defaults,
    /// `required` and `overrides`.
    pub fn at(
        dir: &str,
        body: &Body,
        required: &[(&str, hcl::Value)],
        overrides: &[(&str, hcl::Value)],
    ) -> Self {
        let mut variables = BTreeMap::new();
        for variable in blocks(body, "variable") {
            let name = variable.labels()[0].as_str().to_owned();
            if let Some(default) = find_attribute(variable, "default") {
                variables.insert(name, default.evaluate(&Context::new()).unwrap());
            }
        }
        for (name, value) in required.iter().chain(overrides) {
            variables.insert((*name).to_owned(), value.clone());
        }

        let mut context = Context::new();
        context.declare_var("var", hcl::Value::Object(variables.into_iter().collect()));
        let module_dir = repo_path(dir);
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
            ("one", FuncDef::builder().param(any()).build(one)),
            ("distinct", FuncDef::builder().param(any()).build(distinct)),
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
    pub fn resolve(&mut self, body: &Body) {
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
                    for (computed_in, computed) in COMPUTED {
                        if computed_in == type_ {
                            object.insert(computed.to_owned(), address(block, computed).into());
                        }
                    }
                    for attribute in block.body().attributes() {
                        if let Ok(value) = attribute.expr().evaluate(&self.context) {
                            object.insert(attribute.key().to_owned(), value);
                        }
                    }
                    // With `count`, a list of that many instances, as Terraform has it.
                    let value = match object.get("count").and_then(hcl::Value::as_u64) {
                        Some(count) => hcl::Value::Array(
                            (0..count)
                                .map(|_| hcl::Value::Object(object.clone()))
                                .collect(),
                        ),
                        None => hcl::Value::Object(object),
                    };
                    table.entry(type_).or_default().insert(name, value);
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

/// Whether every validation of variable `name` accepts `value`.
pub fn accepts(body: &Body, name: &str, value: hcl::Value) -> bool {
    let plan = Plan::new(body, &[(name, value)]);
    nested_all(variable(body, name), "validation")
        .into_iter()
        .all(|validation| plan.attr(validation, "condition") == true)
}
