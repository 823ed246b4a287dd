//! The `data-action` check: a published data action of the `--action-name` has this binary's
//! input and success contracts and calls the service: with `--url`, a web services action
//! calls its start URL; in AWS Lambda, an AWS Lambda data actions action invokes the function
//! (`--function-arn`), as `target.rs` judges. What differs is named, with the `export-action`
//! command that makes the action to import.

mod target;

use serde_json::Value;

use super::access::{is_forbidden, trouble};
use super::setting::SetIn;
use super::{Check, DATA_ACTION};
use crate::export::Integration;
use crate::genesys::GenesysError;
use crate::genesys::admin::{Action, Admin};
use crate::outcome::genesys_said as said;
use target::kind_of;
pub(super) use target::{Target, given_function_arn};

/// The integration an action of `kind` is imported into, as Admin > Integrations names it.
fn integration_named(kind: Integration) -> &'static str {
    match kind {
        Integration::WebServices => "the Web Services Data Actions integration",
        Integration::AwsLambda => {
            "the AWS Lambda Data Actions integration (its credential: the role Genesys assumes, the stack's GenesysRoleArn)"
        }
    }
}

pub(super) async fn data_action(
    admin: &Admin,
    name: &str,
    target: Target<'_>,
    set_in: SetIn<'_>,
) -> Check {
    let wanted_kind = target.wanted();
    let no_view = |error: &GenesysError| {
        Check::skip(
            DATA_ACTION,
            format!(
                "not checked: the OAuth client may not read data actions (Genesys answered 403{}).",
                said(&error.problem)
            ),
            format!(
                "Give the OAuth client's role integrations:action:view (read only) to have doctor compare the action with this binary, or compare it by hand with `{}`.",
                target.export_command(wanted_kind, name, None)
            ),
        )
    };
    let listed = match admin.find_actions(name).await {
        Ok(listed) => listed,
        Err(error) if is_forbidden(&error) => return no_view(&error),
        Err(error) => {
            return trouble(
                DATA_ACTION,
                "GET /api/v2/integrations/actions",
                &error,
                set_in,
            );
        }
    };
    let wanted = name.trim();
    let (named, similar): (Vec<Action>, Vec<Action>) = listed
        .into_iter()
        .partition(|a| a.name.as_deref().map(str::trim) == Some(wanted));
    if named.is_empty() {
        // Genesys's filter matches part of a name: a few of those may be the one meant.
        let similar: Vec<String> = similar
            .iter()
            .filter_map(|a| a.name.as_deref())
            .take(5)
            .map(|n| format!("{n:?}"))
            .collect();
        let similar = if similar.is_empty() {
            String::new()
        } else {
            format!(" (similar names: {})", similar.join(", "))
        };
        return Check::fail(
            DATA_ACTION,
            format!("no published data action is named {wanted:?}{similar}."),
            format!(
                "Import it: `{}`, then Admin > Integrations > Actions > Import, choose the file and {}, and Save & Publish (a draft is not listed). If the action has another name, pass --action-name.",
                target.export_command(wanted_kind, name, None),
                integration_named(wanted_kind)
            ),
        );
    }
    let input = embedded(crate::contract::INPUT_SCHEMA);
    let success = embedded(crate::contract::OUTPUT_SCHEMA);
    let several = named.len() > 1;
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    let mut todo: Vec<String> = Vec::new();
    let mut calls: Vec<String> = Vec::new();
    for listed in &named {
        let id = listed.id.clone().unwrap_or_default();
        let action = match admin.action(&id).await {
            Ok(action) => action,
            Err(error) if is_forbidden(&error) => return no_view(&error),
            Err(error) => {
                return trouble(
                    DATA_ACTION,
                    &format!("GET /api/v2/integrations/actions/{id}"),
                    &error,
                    set_in,
                );
            }
        };
        let version = action
            .version
            .map(|v| format!(", version {v}"))
            .unwrap_or_default();
        ids.push(format!("id {id}{version}"));
        let which = if several {
            format!("action {id}: ")
        } else {
            String::new()
        };
        let request_url = action.request_url().unwrap_or_default();
        let mut contract_differs = false;
        for (part, found, expected, file) in [
            (
                "input",
                action.input_schema(),
                &input,
                "schemas/start-cobrowse.input.json",
            ),
            (
                "success",
                action.success_schema(),
                &success,
                "schemas/start-cobrowse.output.json",
            ),
        ] {
            if let Some(differences) = schema_differences(found, expected) {
                contract_differs = true;
                problems.push(format!(
                    "{which}its {part} contract is not this binary's {file} ({differences})"
                ));
            }
        }
        if contract_differs {
            // Re-exported as the action it is (the same integration and target), unless
            // the deployment cannot be called by that kind.
            let kind = Some(kind_of(request_url))
                .filter(|kind| target.fits(*kind))
                .unwrap_or(wanted_kind);
            let command = target.export_command(kind, name, Some(request_url.trim()));
            todo.push(format!(
                "Re-export the action (`{command}`) and import it again in place of this one (or paste the \
                 schemas into its Setup > Contracts), publish it, then republish every flow that \
                 calls it: a flow keeps the contract it was published with."
            ));
        }
        match target.problem(request_url, &which, name) {
            Some((problem, what_to_do)) => {
                problems.push(problem);
                todo.push(what_to_do);
            }
            None => calls.push(target.calls(request_url)),
        }
    }
    let ids = ids.join("; ");
    if problems.is_empty() {
        calls.dedup();
        return Check::ok(
            DATA_ACTION,
            format!(
                "data action {wanted:?} ({ids}) has this binary's input and success contracts{}.",
                calls.join(";")
            ),
        );
    }
    // Several actions of the name may need the same thing done: said once.
    let mut said_once: Vec<String> = Vec::new();
    for what_to_do in todo {
        if !said_once.contains(&what_to_do) {
            said_once.push(what_to_do);
        }
    }
    Check::fail(
        DATA_ACTION,
        format!("data action {wanted:?} ({ids}): {}.", problems.join("; ")),
        said_once.join(" "),
    )
}

/// The schemas are part of the binary and tested, so a parse failure is a build defect.
pub(super) fn embedded(schema: &str) -> Value {
    serde_json::from_str(schema).expect("embedded schema is JSON")
}

/// How Genesys's copy of a schema differs from the embedded one, in words; `None` when equal.
/// Genesys's own document id (`id`) and fields it sends as `null` are not part of the
/// contract and are left out of the comparison.
pub(super) fn schema_differences(found: Option<&Value>, expected: &Value) -> Option<String> {
    let Some(Value::Object(found)) = found else {
        return Some("Genesys has no such contract".to_owned());
    };
    let expected = expected
        .as_object()
        .expect("an embedded schema is an object");
    let mut found = found.clone();
    found.retain(|key, value| !value.is_null() && (key != "id" || expected.contains_key("id")));
    if &found == expected {
        return None;
    }
    let mut differences = Vec::new();
    let no_properties = serde_json::Map::new();
    let properties = |schema: &serde_json::Map<String, Value>| match schema.get("properties") {
        Some(Value::Object(properties)) => properties.clone(),
        _ => no_properties.clone(),
    };
    let (have, want) = (properties(&found), properties(expected));
    let lacks: Vec<&str> = want
        .keys()
        .filter(|k| !have.contains_key(*k))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .map(String::as_str)
        .collect();
    let changed: Vec<&str> = want
        .iter()
        .filter(|(k, v)| have.get(*k).is_some_and(|h| h != *v))
        .map(|(k, _)| k.as_str())
        .collect();
    if !lacks.is_empty() {
        differences.push(format!("lacks {}", lacks.join(", ")));
    }
    if !extra.is_empty() {
        differences.push(format!("has extra {}", extra.join(", ")));
    }
    if !changed.is_empty() {
        differences.push(format!("{} differ", changed.join(", ")));
    }
    let mut keys: Vec<&String> = found.keys().chain(expected.keys()).collect();
    keys.sort();
    keys.dedup();
    let other: Vec<&str> = keys
        .into_iter()
        .filter(|k| *k != "properties" && found.get(*k) != expected.get(*k))
        .map(String::as_str)
        .collect();
    if !other.is_empty() {
        differences.push(format!("{} differ", other.join(", ")));
    }
    Some(differences.join("; "))
}

/// Two URLs are the same when they parse to the same URL (host case, default port).
pub(super) fn same_url(found: &str, expected: &str) -> bool {
    match (url::Url::parse(found.trim()), url::Url::parse(expected)) {
        (Ok(found), Ok(expected)) => found == expected,
        _ => found.trim() == expected,
    }
}
