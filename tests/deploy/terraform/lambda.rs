//! `deploy/aws/terraform/`, the Genesys side of the service on AWS Lambda: the credential is
//! the role Genesys assumes, the integration is Genesys's AWS Lambda data actions type, and
//! the action is what `export-action --integration aws-lambda` prints for the same function;
//! its variables refuse what export-action refuses, and its provider is deploy/terraform's.

use cobrowse_proxy::export::{ActionOptions, export_action};
use hcl::Body;
use serde_json::{Value, json};

use crate::read;
use crate::terraform::blocks::{
    ACTION, CREDENTIAL, INTEGRATION, address, blocks, module, module_at, nested, resource, variable,
};
use crate::terraform::plan::Plan;
use crate::terraform::published::planned_action;

const DIR: &str = "deploy/aws/terraform";
const FUNCTION_ARN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:cobrowse-proxy";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/cobrowse-proxy-GenesysInvokeRole-AbCd";

fn plan(body: &Body, overrides: &[(&str, hcl::Value)]) -> Plan {
    let required = [
        ("function_arn", FUNCTION_ARN.into()),
        ("invoke_role_arn", ROLE_ARN.into()),
    ];
    Plan::at(DIR, body, &required, overrides)
}

/// Whether every validation of variable `name` accepts `value`.
fn accepts(body: &Body, name: &str, value: &str) -> bool {
    let plan = plan(body, &[(name, value.into())]);
    crate::terraform::blocks::nested_all(variable(body, name), "validation")
        .into_iter()
        .all(|validation| plan.attr(validation, "condition") == true)
}

#[test]
fn the_action_is_the_exported_lambda_action() {
    let body = module_at(DIR);
    let plan = plan(&body, &[]);
    let planned = planned_action(&body, &plan);
    let exported = export_action(&ActionOptions::for_function_arn(FUNCTION_ARN)).unwrap();
    for key in ["name", "category", "config", "secure", "contract"] {
        assert!(
            planned[key] == exported[key],
            "{DIR} plans a different {key} than `export-action --integration aws-lambda --function-arn {FUNCTION_ARN}`:\n\
             terraform: {}\nexport:    {}",
            planned[key],
            exported[key]
        );
    }
}

#[test]
fn the_integration_is_genesyss_lambda_type_with_the_role_as_its_credential() {
    let body = module_at(DIR);
    let plan = plan(&body, &[]);
    let credential = resource(&body, CREDENTIAL);
    assert_eq!(
        plan.attr(credential, "credential_type_name"),
        "amazonWebServicesARN"
    );
    assert_eq!(plan.attr(credential, "fields"), json!({"ARN": ROLE_ARN}));

    let integration = resource(&body, INTEGRATION);
    assert_eq!(
        plan.attr(integration, "integration_type"),
        "aws-lambda-data-actions"
    );
    assert_eq!(plan.attr(integration, "intended_state"), "ENABLED");
    let config = nested(integration, "config");
    // The slot is spelt with a capital A, unlike the credential type.
    assert_eq!(
        plan.attr(config, "credentials"),
        json!({"AmazonWebServicesARN": address(credential, "id")})
    );

    let action = resource(&body, ACTION);
    assert_eq!(
        plan.attr(action, "integration_id"),
        address(integration, "id")
    );
    // Architect lists the action under its category: the integration's name.
    assert_eq!(plan.attr(action, "category"), plan.attr(config, "name"));
}

#[test]
fn a_function_arn_is_taken_or_refused_as_export_action_takes_it() {
    let body = module_at(DIR);
    for arn in [
        FUNCTION_ARN,
        "arn:aws:lambda:us-east-1:123456789012:function:cobrowse_proxy-2:live",
        "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy:$LATEST",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:cobrowse-proxy",
        ROLE_ARN,
        "https://abcd.lambda-url.eu-west-1.on.aws/",
        "cobrowse-proxy",
        "arn:aws:lambda:eu-west-1:1234:function:cobrowse-proxy",
        "arn:aws:lambda:eu-west-1:123456789012:function:cobrowse.proxy",
        "arn:aws:lambda:eu-west-1:123456789012:layer:adapter:25",
        "arn:aws:lambda:eu-west-1:123456789012:function:cobrowse-proxy:a.b",
        "arn:aws:lambda:euwest1:123456789012:function:cobrowse-proxy",
    ] {
        let exported = export_action(&ActionOptions::for_function_arn(arn)).is_ok();
        assert_eq!(
            accepts(&body, "function_arn", arn),
            exported,
            "{arn}: export-action {} it, Terraform does not",
            if exported { "takes" } else { "refuses" }
        );
    }
    for (arn, taken) in [
        (ROLE_ARN, true),
        ("arn:aws:iam::123456789012:role/service-role/genesys", true),
        (FUNCTION_ARN, false),
        ("arn:aws:iam::123456789012:user/admin", false),
        ("arn:aws:iam::765628985471:root", false),
    ] {
        assert_eq!(accepts(&body, "invoke_role_arn", arn), taken, "{arn}");
    }
    for (seconds, taken) in [("1", true), ("60", true), ("0", false), ("61", false)] {
        let plan = plan(
            &body,
            &[("timeout_seconds", seconds.parse::<i64>().unwrap().into())],
        );
        let validation =
            &crate::terraform::blocks::nested_all(variable(&body, "timeout_seconds"), "validation")
                [0];
        assert_eq!(plan.attr(validation, "condition"), taken, "{seconds}");
    }
    let defaults = plan(&body, &[]);
    assert_eq!(
        defaults.attr(variable(&body, "timeout_seconds"), "default"),
        export_action(&ActionOptions::for_function_arn(FUNCTION_ARN)).unwrap()["config"]["timeoutSeconds"]
    );
}

#[test]
fn the_provider_is_deploy_terraforms_and_its_lock_file_is_not_ignored() {
    let provider = |body: &Body, dir: &str| -> Value {
        let terraform = blocks(body, "terraform").next().expect("a terraform block");
        Plan::at(dir, body, &[], &[]).attr(nested(terraform, "required_providers"), "genesyscloud")
    };
    assert_eq!(
        provider(&module_at(DIR), DIR),
        provider(&module(), "deploy/terraform"),
        "{DIR} and deploy/terraform pin different genesyscloud providers"
    );
    let ignored = read(&format!("{DIR}/.gitignore"));
    assert!(
        !ignored
            .lines()
            .any(|line| line.trim() == ".terraform.lock.hcl"),
        "{DIR}/.gitignore ignores the lock file HashiCorp says to commit"
    );
    assert!(
        ignored
            .lines()
            .any(|line| line.trim() == "terraform.tfvars")
    );
}
