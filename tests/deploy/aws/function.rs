//! The function against the service: the adapter reaches the service where it listens, a
//! direct invoke goes to the path the service serves it on, the timeouts nest, the outputs
//! are what the next steps take, and the two templates are the same stack.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use cobrowse_proxy::export::DEFAULT_TIMEOUT_SECONDS;
use cobrowse_proxy::genesys::region::REGIONS;
use serde_json::{Value, json};

use crate::aws::template::{
    BOTH, IMAGE, ZIP, environment, get_att, parameter, reference, resource, template,
};
use crate::default_settings;

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"))
}

#[test]
fn the_adapter_hands_events_to_the_service_where_it_listens() {
    for path in BOTH {
        let template = template(path);
        let environment = environment(&template);
        assert_eq!(environment["COBROWSE_LAMBDA"], "true", "{path}");
        // Loopback: nothing but the adapter, in the same environment, reaches the service.
        let listen: SocketAddr = text(&environment["COBROWSE_LISTEN"]).parse().unwrap();
        assert!(listen.ip().is_loopback(), "{path}: {listen}");
        assert_eq!(
            text(&environment["AWS_LWA_PORT"]),
            listen.port().to_string(),
            "{path}: the adapter calls another port than COBROWSE_LISTEN's"
        );
        // The adapter calls 127.0.0.1 over plain HTTP (AWS_LWA_HOST's default).
        assert!(!environment.contains_key("AWS_LWA_HOST"), "{path}");
        assert!(
            !environment
                .keys()
                .any(|name| name.starts_with("COBROWSE_TLS_")),
            "{path}: the adapter speaks plain HTTP to the service"
        );
        assert_eq!(
            environment["AWS_LWA_READINESS_CHECK_PATH"], "/healthz",
            "{path}"
        );
        assert_eq!(
            environment["AWS_LWA_PASS_THROUGH_PATH"], "/v1/lambda/invoke",
            "{path}: a direct invoke (Genesys's event) must reach the service's direct-invoke path"
        );
        assert_eq!(
            environment["COBROWSE_GENESYS_REGION"],
            reference("GenesysRegion")
        );
        assert_eq!(
            environment["COBROWSE_GENESYS_CLIENT_ID"],
            reference("GenesysClientId")
        );
        // The region list is the service's: a region it refuses cannot be chosen.
        let regions: Vec<&str> = REGIONS.iter().map(|(name, ..)| *name).collect();
        assert_eq!(
            parameter(&template, "GenesysRegion")["AllowedValues"],
            json!(regions),
            "{path}"
        );
    }
}

#[test]
fn the_function_gives_up_after_the_service_and_before_genesys() {
    let budget = default_settings().defaults.upstream_timeout;
    for path in BOTH {
        let template = template(path);
        let timeout = resource(&template, "Function")["Properties"]["Timeout"]
            .as_u64()
            .unwrap();
        let timeout = Duration::from_secs(timeout);
        // The service's UPSTREAM_TIMEOUT reply must be returned before Lambda stops the
        // function, and the function must stop before the action gives up on it.
        assert!(
            timeout > budget,
            "{path}: {timeout:?} <= the upstream budget {budget:?}"
        );
        assert!(
            timeout < Duration::from_secs(DEFAULT_TIMEOUT_SECONDS.into()),
            "{path}: {timeout:?} is not below the action's {DEFAULT_TIMEOUT_SECONDS} s"
        );
    }
}

#[test]
fn the_log_group_is_the_functions_and_keeps_lines_as_long_as_chosen() {
    for path in BOTH {
        let template = template(path);
        let function = &resource(&template, "Function")["Properties"];
        assert_eq!(function["LoggingConfig"]["LogGroup"], reference("LogGroup"));
        let group = &resource(&template, "LogGroup")["Properties"];
        assert_eq!(group["RetentionInDays"], reference("LogRetentionDays"));
        assert_eq!(
            group["LogGroupName"],
            json!({"Fn::Sub": "/aws/lambda/${FunctionName}"})
        );
        assert_eq!(function["FunctionName"], reference("FunctionName"));
        assert_eq!(parameter(&template, "LogRetentionDays")["Default"], 30);
    }
}

#[test]
fn the_outputs_are_what_the_next_steps_take() {
    for path in BOTH {
        let template = template(path);
        let outputs = &template["Outputs"];
        assert_eq!(outputs["FunctionArn"]["Value"], get_att("Function", "Arn"));
        assert_eq!(
            outputs["GenesysRoleArn"]["Value"],
            get_att("GenesysInvokeRole", "Arn")
        );
        assert_eq!(outputs["FunctionUrl"]["Condition"], "HasFunctionUrl");
        assert_eq!(
            outputs["FunctionUrl"]["Value"],
            get_att("FunctionUrl", "FunctionUrl")
        );

        // The printed command is one export-action takes, once CloudFormation fills the ARN.
        let command = text(&outputs["ExportActionCommand"]["Value"]["Fn::Sub"]);
        let arn = "arn:aws:lambda:eu-west-1:123456789012:function:cobrowse-proxy";
        let command = command.replace("${Function.Arn}", arn);
        let args: Vec<&str> = command
            .strip_prefix("cobrowse-proxy ")
            .unwrap()
            .split(' ')
            .collect();
        let output = Command::new(env!("CARGO_BIN_EXE_cobrowse-proxy"))
            .env_clear()
            .args(&args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{path}: {command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let action: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(action["integrationType"], "aws-lambda-data-actions");
        assert_eq!(action["config"]["request"]["requestUrlTemplate"], arn);
    }
}

/// What only the zip form's function has, and only the image form's.
const ZIP_ONLY: [&str; 5] = ["PackageType", "CodeUri", "Handler", "Runtime", "Layers"];
const IMAGE_ONLY: [&str; 2] = ["PackageType", "ImageUri"];

#[test]
fn the_zip_and_image_templates_are_one_stack_but_for_the_package() {
    let mut zip = template(ZIP);
    let mut image = template(IMAGE);
    for (template, only) in [(&mut zip, &ZIP_ONLY[..]), (&mut image, &IMAGE_ONLY[..])] {
        let function = template["Resources"]["Function"]["Properties"]
            .as_object_mut()
            .unwrap();
        for key in only {
            assert!(function.remove(*key).is_some(), "no {key}");
        }
        template.as_object_mut().unwrap().remove("Description");
    }
    let image_parameters = image["Parameters"].as_object_mut().unwrap();
    assert!(image_parameters.remove("ImageUri").is_some());
    for section in ["Parameters", "Rules", "Conditions", "Resources", "Outputs"] {
        assert!(
            zip[section] == image[section],
            "{ZIP} and {IMAGE} differ in {section} beyond the function's package:\nzip:   {}\nimage: {}",
            zip[section],
            image[section]
        );
    }
    assert_eq!(zip, image);
}

#[test]
fn the_zip_form_runs_the_binary_as_bootstrap_with_the_adapter_as_its_layer() {
    let template = template(ZIP);
    let function = &resource(&template, "Function")["Properties"];
    assert_eq!(function["PackageType"], "Zip");
    assert_eq!(function["Runtime"], "provided.al2023");
    assert_eq!(function["Handler"], "bootstrap");
    assert_eq!(function["Architectures"], json!(["x86_64"]));
    // build-zip.sh writes the bootstrap where CodeUri (relative to the template) points.
    assert_eq!(function["CodeUri"], "../../target/lambda/cobrowse-proxy/");
    assert!(crate::read("deploy/aws/build-zip.sh").contains("out=target/lambda/cobrowse-proxy\n"));
    // Only the x86_64 adapter layer, for the x86_64 function: the service reads its secrets
    // from Secrets Manager itself.
    let layers = function["Layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{layers:?}");
    let adapter = text(&layers[0]["Fn::Sub"]);
    assert!(
        adapter
            .starts_with("arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:"),
        "{adapter}"
    );
}

#[test]
fn the_image_form_runs_the_image_from_ecr() {
    let template = template(IMAGE);
    let function = &resource(&template, "Function")["Properties"];
    assert_eq!(function["PackageType"], "Image");
    assert_eq!(function["ImageUri"], reference("ImageUri"));
    assert_eq!(function["Architectures"], json!(["x86_64"]));
    let pattern = regex::Regex::new(
        parameter(&template, "ImageUri")["AllowedPattern"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    for taken in [
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cobrowse-proxy-lambda:0.1.0",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/cobrowse-proxy-lambda@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        assert!(pattern.is_match(taken), "{taken}");
    }
    // Lambda runs images from Amazon ECR only.
    assert!(!pattern.is_match("public.ecr.aws/acme/cobrowse-proxy:0.1.0"));
    assert!(!pattern.is_match("docker.io/acme/cobrowse-proxy:0.1.0"));
}

/// The function's environment as the service sees it once CloudFormation has filled the
/// parameters in and each `_FROM` has been read: plain values in their place.
fn settings_of(environment: &serde_json::Map<String, Value>, url: bool) -> Vec<(String, String)> {
    let mut vars = Vec::new();
    for (name, value) in environment {
        let Some(name) = name.strip_prefix("COBROWSE_") else {
            continue;
        };
        let value = match value.get("Fn::If") {
            Some(choice) if url => &choice[1],
            Some(_) => continue,
            None => value,
        };
        let value = match value {
            Value::String(text) => text.clone(),
            Value::Object(_) if value.get("Ref") == Some(&json!("GenesysRegion")) => {
                "eu-west-1".to_owned()
            }
            _ => format!("value-of-{name}"),
        };
        let name = name.strip_suffix("_FROM").unwrap_or(name);
        vars.push((format!("COBROWSE_{name}"), value));
    }
    vars
}

#[test]
fn the_service_starts_with_the_functions_environment_with_or_without_the_url() {
    let documented = crate::documented_settings();
    for path in BOTH {
        let template = template(path);
        let environment = environment(&template);
        for url in [false, true] {
            let vars = settings_of(environment, url);
            for (name, _) in &vars {
                assert!(
                    documented.contains(name),
                    "{path}: {name} is not in docs/configuration.md"
                );
            }
            let deployment = cobrowse_proxy::config::Deployment::from_vars(vars.clone())
                .unwrap_or_else(|err| panic!("{path} (function URL: {url}): {err}"));
            assert!(deployment.shared.lambda, "{path}");
            assert!(deployment.shared.listen.ip().is_loopback(), "{path}");
            let names: Vec<&str> = vars.iter().map(|(name, _)| name.as_str()).collect();
            assert_eq!(
                names.contains(&"COBROWSE_AUTH_USERNAME"),
                url,
                "{path}: the Basic credential goes with the function URL, and only with it"
            );
        }
    }
}
