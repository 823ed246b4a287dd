//! Who may do what, in both templates: cfn-lint skips IAM checks in SAM templates
//! (aws/serverless-application-model#3633), so a widened trust, a wildcard or a second action
//! would pass it unseen. Genesys's account, only with the org's id as external id, may only
//! invoke this function; the function may only write its logs and read its own secrets; a
//! function URL is public only with the Basic credential behind it.

use serde_json::{Value, json};

use crate::aws::template::{
    BOTH, environment, get_att, list, parameter, reference, resource, statements, template,
};

/// Genesys Cloud's AWS account for every commercial region, and its FedRAMP region's (the
/// GenesysCloudBlueprints' trust policies; Resource Center "Create IAM resources to invoke an
/// AWS Lambda function").
const GENESYS_ACCOUNT: &str = "765628985471";
const GENESYS_FEDRAMP_ACCOUNT: &str = "325654371633";

/// Every statement of a role's inline policies; a role with managed policies fails here, since
/// what they allow is not in the template.
fn role_statements(template: &Value, role: &str) -> Vec<Value> {
    let properties = &resource(template, role)["Properties"];
    assert!(
        properties.get("ManagedPolicyArns").is_none(),
        "{role} has managed policies: what they allow is not in the template"
    );
    properties["Policies"]
        .as_array()
        .unwrap_or_else(|| panic!("{role} has no inline policies"))
        .iter()
        .flat_map(|policy| statements(&policy["PolicyDocument"]))
        .cloned()
        .collect()
}

#[test]
fn nothing_but_the_two_roles_grants_anything() {
    for path in BOTH {
        let template = template(path);
        for (name, resource) in template["Resources"].as_object().unwrap() {
            let kind = resource["Type"].as_str().unwrap();
            assert!(
                !matches!(
                    kind,
                    "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy"
                ),
                "{path}: {name} ({kind}) adds permissions the tests do not see"
            );
        }
        let roles: Vec<&String> = template["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, resource)| resource["Type"] == "AWS::IAM::Role")
            .map(|(name, _)| name)
            .collect();
        assert_eq!(roles, ["ExecutionRole", "GenesysInvokeRole"], "{path}");
        // SAM would make a role of its own for `Policies` (with the basic execution role's
        // logs:* on every log group); the function takes the template's.
        let function = &resource(&template, "Function")["Properties"];
        assert_eq!(function["Role"], get_att("ExecutionRole", "Arn"), "{path}");
        assert!(function.get("Policies").is_none(), "{path}");
    }
}

#[test]
fn genesys_assumes_the_invoke_role_from_its_account_with_the_org_id_as_external_id() {
    for path in BOTH {
        let template = template(path);
        let trust = statements(
            &resource(&template, "GenesysInvokeRole")["Properties"]["AssumeRolePolicyDocument"],
        );
        assert_eq!(
            trust,
            [&json!({
                "Effect": "Allow",
                "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${GenesysAccountId}:root"}},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": reference("GenesysOrgId")}},
            })],
            "{path}: GenesysInvokeRole's trust"
        );

        let account = parameter(&template, "GenesysAccountId");
        assert_eq!(account["Default"], GENESYS_ACCOUNT, "{path}");
        assert_eq!(
            account["AllowedValues"],
            json!([GENESYS_ACCOUNT, GENESYS_FEDRAMP_ACCOUNT]),
            "{path}: only Genesys's two accounts may be trusted"
        );
        // The org id has no default: an external id everyone shares protects nothing.
        let org = parameter(&template, "GenesysOrgId");
        assert!(org.get("Default").is_none(), "{path}");
        let pattern = regex::Regex::new(org["AllowedPattern"].as_str().unwrap()).unwrap();
        assert!(pattern.is_match("8a9f4c1e-2b3d-4e5f-9a8b-7c6d5e4f3a2b"));
        for refused in [
            "",
            "*",
            "8a9f4c1e",
            "8A9F4C1E-2B3D-4E5F-9A8B-7C6D5E4F3A2B x",
        ] {
            assert!(!pattern.is_match(refused), "{path}: org id {refused:?}");
        }
    }
}

#[test]
fn genesys_fedramp_region_and_account_go_together() {
    for path in BOTH {
        let template = template(path);
        let rules = &template["Rules"];
        assert_eq!(
            rules["FedRampRegionTrustsFedRampAccount"]["RuleCondition"],
            json!({"Fn::Equals": [reference("GenesysRegion"), "us-east-2"]}),
            "{path}"
        );
        assert_eq!(
            rules["FedRampRegionTrustsFedRampAccount"]["Assertions"][0]["Assert"],
            json!({"Fn::Equals": [reference("GenesysAccountId"), GENESYS_FEDRAMP_ACCOUNT]}),
            "{path}"
        );
        assert_eq!(
            rules["OtherRegionsTrustTheCommercialAccount"]["Assertions"][0]["Assert"],
            json!({"Fn::Equals": [reference("GenesysAccountId"), GENESYS_ACCOUNT]}),
            "{path}"
        );
    }
}

#[test]
fn the_invoke_role_may_only_invoke_this_function() {
    for path in BOTH {
        let template = template(path);
        let granted = role_statements(&template, "GenesysInvokeRole");
        assert_eq!(
            granted,
            [json!({
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": get_att("Function", "Arn"),
            })],
            "{path}: GenesysInvokeRole may do more than invoke the function"
        );
    }
}

#[test]
fn the_function_may_only_write_its_log_group_and_read_its_own_secrets() {
    for path in BOTH {
        let template = template(path);
        let trust = statements(
            &resource(&template, "ExecutionRole")["Properties"]["AssumeRolePolicyDocument"],
        );
        assert_eq!(
            trust,
            [&json!({
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            })],
            "{path}"
        );
        let granted = role_statements(&template, "ExecutionRole");
        assert_eq!(granted.len(), 2, "{path}: {granted:?}");
        for statement in &granted {
            assert_eq!(statement["Effect"], "Allow", "{path}");
            assert!(statement.get("NotAction").is_none() && statement.get("NotResource").is_none());
        }
        assert_eq!(
            granted[0]["Action"],
            json!(["logs:CreateLogStream", "logs:PutLogEvents"]),
            "{path}"
        );
        assert_eq!(granted[0]["Resource"], get_att("LogGroup", "Arn"), "{path}");
        assert_eq!(
            granted[1]["Action"], "secretsmanager:GetSecretValue",
            "{path}"
        );
        // The client secret, and the Basic password only when there is a function URL.
        assert_eq!(
            granted[1]["Resource"],
            json!({"Fn::If": [
                "HasFunctionUrlPassword",
                [reference("GenesysClientSecretArn"), reference("InboundPasswordSecretArn")],
                reference("GenesysClientSecretArn"),
            ]}),
            "{path}"
        );
        assert_eq!(
            template["Conditions"]["HasFunctionUrlPassword"],
            json!({"Fn::And": [
                {"Condition": "HasFunctionUrl"},
                {"Fn::Not": [{"Fn::Equals": [reference("InboundPasswordSecretArn"), ""]}]},
            ]}),
            "{path}"
        );
        // A secret's ARN, not a pattern: nothing else in the account is readable.
        for name in ["GenesysClientSecretArn", "InboundPasswordSecretArn"] {
            let pattern = parameter(&template, name)["AllowedPattern"]
                .as_str()
                .unwrap();
            let pattern = regex::Regex::new(pattern).unwrap();
            assert!(pattern.is_match(
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cobrowse/genesys-AbCdEf"
            ));
            assert!(!pattern.is_match("*"), "{path}: {name} takes *");
            assert!(
                !pattern.is_match("cobrowse/genesys"),
                "{path}: {name} takes a name"
            );
        }
    }
}

#[test]
fn secrets_reach_the_function_as_references_never_as_values() {
    for path in BOTH {
        let text = crate::read(path);
        // A dynamic reference would resolve into the function's configuration, readable by
        // anyone who may read the function, and go stale on rotation.
        assert!(!text.contains("{{resolve:"), "{path}");
        let template = template(path);
        let environment = environment(&template);
        for name in [
            "COBROWSE_GENESYS_CLIENT_SECRET",
            "COBROWSE_AUTH_PASSWORD",
            "COBROWSE_AUTH_BEARER_TOKEN",
        ] {
            assert!(!environment.contains_key(name), "{path}: {name} is a value");
        }
        assert_eq!(
            environment["COBROWSE_GENESYS_CLIENT_SECRET_FROM"],
            json!({"Fn::Sub": "secretsmanager:${GenesysClientSecretArn}"}),
            "{path}"
        );
        assert_eq!(
            environment["COBROWSE_AUTH_PASSWORD_FROM"],
            json!({"Fn::If": [
                "HasFunctionUrl",
                {"Fn::Sub": "secretsmanager:${InboundPasswordSecretArn}"},
                reference("AWS::NoValue"),
            ]}),
            "{path}"
        );
        // No secret is a parameter: a parameter's value is visible to whoever can describe
        // the stack, NoEcho or not, and would be copied into the function's configuration.
        for (name, parameter) in template["Parameters"].as_object().unwrap() {
            if name.contains("Secret") || name.contains("Password") {
                assert!(
                    name.ends_with("Arn"),
                    "{path}: parameter {name} holds a secret"
                );
                assert!(parameter["AllowedPattern"].is_string(), "{path}: {name}");
            }
        }
    }
}

#[test]
fn a_function_url_is_public_only_with_the_basic_credential_behind_it() {
    for path in BOTH {
        let template = template(path);
        assert_eq!(
            template["Conditions"]["HasFunctionUrl"],
            json!({"Fn::Equals": [reference("EnableFunctionUrl"), "true"]}),
            "{path}"
        );
        assert_eq!(
            parameter(&template, "EnableFunctionUrl")["Default"],
            "false"
        );
        let url = resource(&template, "FunctionUrl");
        assert_eq!(url["Condition"], "HasFunctionUrl", "{path}");
        assert_eq!(url["Properties"]["AuthType"], "NONE", "{path}");
        assert_eq!(
            url["Properties"]["TargetFunctionArn"],
            get_att("Function", "Arn")
        );

        // Every public permission is the function URL's, and only with it.
        let permissions: Vec<&Value> = template["Resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|resource| resource["Type"] == "AWS::Lambda::Permission")
            .collect();
        assert_eq!(permissions.len(), 2, "{path}");
        for permission in permissions {
            let properties = &permission["Properties"];
            assert_eq!(permission["Condition"], "HasFunctionUrl", "{path}");
            assert_eq!(properties["FunctionName"], reference("Function"), "{path}");
            match properties["Action"].as_str().unwrap() {
                "lambda:InvokeFunctionUrl" => {
                    assert_eq!(properties["FunctionUrlAuthType"], "NONE", "{path}")
                }
                // Without this, anyone could invoke the function directly, reaching the
                // direct-invoke path that takes no credential.
                "lambda:InvokeFunction" => {
                    assert_eq!(properties["InvokedViaFunctionUrl"], true, "{path}")
                }
                other => panic!("{path}: a public permission for {other}"),
            }
        }

        // With the URL, the service gets the credential, and the stack refuses to deploy
        // without one.
        let environment = environment(&template);
        assert_eq!(
            environment["COBROWSE_AUTH_USERNAME"],
            json!({"Fn::If": ["HasFunctionUrl", reference("InboundUsername"), reference("AWS::NoValue")]}),
            "{path}"
        );
        let rule = &template["Rules"]["FunctionUrlNeedsTheBasicCredential"];
        assert_eq!(
            rule["RuleCondition"],
            template["Conditions"]["HasFunctionUrl"]
        );
        let asserted: Vec<&Value> = list(&rule["Assertions"])
            .into_iter()
            .map(|assertion| &assertion["Assert"])
            .collect();
        for name in ["InboundUsername", "InboundPasswordSecretArn"] {
            assert!(
                asserted.contains(&&json!({"Fn::Not": [{"Fn::Equals": [reference(name), ""]}]})),
                "{path}: the function URL may go without {name}"
            );
        }
    }
}
