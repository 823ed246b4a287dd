//! In AWS Lambda (`COBROWSE_LAMBDA=true`), with the function's environment: the data action
//! is the AWS Lambda data actions integration's, as `export-action --integration aws-lambda`
//! makes it, invoking the function `--function-arn` names, or a web services action to the
//! function URL when the function serves one; an action of the other kind is named as such;
//! what has no URL or certificate in Lambda is skipped, saying why.

use wiremock::ResponseTemplate;
use wiremock::matchers::path;

use crate::genesys::{
    ACTION_ID, OLD_ACTION_ID, action_as_stored, answer, imported, lambda_action_as_stored, listing,
    received,
};
use crate::harness::{PUBLIC_URL, Run, Scenario};

pub const FUNCTION_ARN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:cobrowse-proxy";
const OTHER_FUNCTION: &str =
    "arn:aws:lambda:eu-west-1:123456789012:function:cobrowse-proxy-staging";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/cobrowse-proxy-genesys-invoke";

/// A healthy org whose action is the AWS Lambda one, invoking `arn`.
async fn lambda_org(arn: &str) -> Scenario {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    imported(
        &scenario.genesys,
        lambda_action_as_stored(ACTION_ID, "Start cobrowse", arn),
    )
    .await;
    scenario
}

/// The function's settings as the stack sets them: `COBROWSE_LAMBDA=true`, and without a
/// function URL no inbound credential.
fn function_vars(scenario: &Scenario, function_url: bool) -> Vec<(String, String)> {
    let mut vars = scenario.vars(&[("LAMBDA", "true")]);
    if !function_url {
        vars.retain(|(name, _)| !name.starts_with("AUTH_"));
    }
    vars
}

/// `doctor args` with the function's settings.
async fn doctor_function(scenario: &Scenario, function_url: bool, args: &[&str]) -> Run {
    crate::harness::doctor(function_vars(scenario, function_url), args).await
}

#[tokio::test]
async fn a_function_serving_direct_invokes_passes_with_its_lambda_action_and_skips_what_has_no_url()
{
    let scenario = lambda_org(FUNCTION_ARN).await;
    let run = doctor_function(&scenario, false, &["--function-arn", FUNCTION_ARN]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        run.verdicts(),
        ["ok", "ok", "ok", "ok", "ok", "ok", "skip", "skip", "skip"],
        "{}",
        run.stdout
    );
    run.assert(
        "configuration",
        "ok",
        &[
            "In AWS Lambda (COBROWSE_LAMBDA=true)",
            "direct invokes are served",
            "every call over HTTP (a function URL) is refused UNAUTHORIZED",
        ],
    );
    let line = run.assert(
        "data-action",
        "ok",
        &[
            ACTION_ID,
            "input and success contracts",
            &format!("invokes the Lambda function {FUNCTION_ARN} (AWS Lambda data actions)"),
        ],
    );
    assert!(!line.contains("not compared"), "{line}");
    run.assert(
        "client-certificates",
        "skip",
        &["AWS Lambda", "IAM", "function URL's TLS ends at AWS"],
    );
    run.assert(
        "egress-ranges",
        "skip",
        &["direct invokes only", "no firewall to open"],
    );
    run.assert(
        "service-url",
        "skip",
        &[
            "AWS Lambda (COBROWSE_LAMBDA=true)",
            "direct invokes only",
            "aws lambda invoke",
            "--url",
        ],
    );
    // Nothing was asked of what Lambda does not have.
    let asked: Vec<String> = received(&scenario.genesys)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert!(
        !asked
            .iter()
            .any(|p| p.ends_with("/certificates") || p.ends_with("/ipranges")),
        "{asked:?}"
    );

    // Without --function-arn the function is named, and said not to be compared.
    let without = doctor_function(&scenario, false, &[]).await;
    assert_eq!(without.code, Some(0), "{}", without.stdout);
    without.assert(
        "data-action",
        "ok",
        &[FUNCTION_ARN, "not compared: no --function-arn given"],
    );
}

#[tokio::test]
async fn a_lambda_action_invoking_another_function_fails_naming_both() {
    let scenario = lambda_org(OTHER_FUNCTION).await;
    let run = doctor_function(&scenario, false, &["--function-arn", FUNCTION_ARN]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let line = run.assert(
        "data-action",
        "FAIL",
        &[
            &format!("it invokes \"{OTHER_FUNCTION}\", not \"{FUNCTION_ARN}\""),
            &format!("Set the action's request URL to {FUNCTION_ARN}"),
            "--function-arn",
        ],
    );
    assert!(!line.contains("contract is not"), "{line}");
}

#[tokio::test]
async fn a_lambda_action_whose_target_is_not_a_function_fails_saying_what_it_is() {
    // The role's ARN where the function's belongs: Genesys imports it without complaint.
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let mut action = lambda_action_as_stored(ACTION_ID, "Start cobrowse", FUNCTION_ARN);
    action["config"]["request"]["requestUrlTemplate"] = ROLE_ARN.into();
    imported(&scenario.genesys, action).await;
    let run = doctor_function(&scenario, false, &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "data-action",
        "FAIL",
        &[
            ROLE_ARN,
            "is an IAM ARN",
            "the stack's FunctionArn",
            "cobrowse-proxy export-action --integration aws-lambda --function-arn",
            "AWS Lambda Data Actions integration",
        ],
    );
}

#[tokio::test]
async fn a_web_services_action_fails_when_the_function_serves_direct_invokes_only() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let run = doctor_function(&scenario, false, &["--function-arn", FUNCTION_ARN]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "data-action",
        "FAIL",
        &[
            "it is a web services action",
            &format!("{PUBLIC_URL}/v1/cobrowse/start"),
            "serves direct invokes only",
            "refused UNAUTHORIZED",
            &format!(
                "cobrowse-proxy export-action --integration aws-lambda --function-arn {FUNCTION_ARN} > start-cobrowse.lambda.action.json"
            ),
            "AWS Lambda Data Actions integration",
            "EnableFunctionUrl=true",
        ],
    );
}

#[tokio::test]
async fn a_lambda_action_fails_on_a_server_saying_so() {
    let scenario = lambda_org(FUNCTION_ARN).await;
    let run = scenario.doctor(&[], &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "data-action",
        "FAIL",
        &[
            "it is an AWS Lambda data actions action",
            FUNCTION_ARN,
            "COBROWSE_LAMBDA is not set",
            "COBROWSE_LAMBDA=true",
            "cobrowse-proxy export-action --url",
            "Web Services Data Actions integration",
        ],
    );
    // A server's other checks are as they were: no word of Lambda.
    run.assert("service-url", "skip", &["no --url given"]);
    let (verdict, _) = run.verdict("client-certificates");
    assert_eq!(verdict, "ok");
}

#[tokio::test]
async fn with_a_function_url_a_web_services_action_calling_it_passes_and_it_is_checked() {
    let scenario = Scenario::healthy().await;
    let run = doctor_function(
        &scenario,
        true,
        &["--url", scenario.url.as_str(), "--allow-http"],
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.assert(
        "configuration",
        "ok",
        &["calls over HTTP (a function URL) with the inbound credential"],
    );
    run.assert(
        "data-action",
        "ok",
        &[&format!("calls {}/v1/cobrowse/start", scenario.url)],
    );
    run.assert("egress-ranges", "ok", &[]);
    run.assert("service-url", "ok", &[&format!("{}/healthz", scenario.url)]);

    // The function may be invoked directly too: its Lambda action passes with the same flags.
    imported(
        &scenario.genesys,
        lambda_action_as_stored(ACTION_ID, "Start cobrowse", FUNCTION_ARN),
    )
    .await;
    let lambda = doctor_function(
        &scenario,
        true,
        &["--url", scenario.url.as_str(), "--allow-http"],
    )
    .await;
    assert_eq!(lambda.code, Some(0), "{}", lambda.stdout);
    lambda.assert("data-action", "ok", &[FUNCTION_ARN]);
}

#[tokio::test]
async fn with_a_function_url_and_only_function_arn_a_web_services_action_is_named_as_such() {
    let scenario = Scenario::calling(PUBLIC_URL).await;
    let run = doctor_function(&scenario, true, &["--function-arn", FUNCTION_ARN]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    run.assert(
        "data-action",
        "FAIL",
        &[
            "it is a web services action",
            &format!("not an AWS Lambda data actions action invoking \"{FUNCTION_ARN}\""),
            "--url <the function URL> instead of --function-arn",
        ],
    );
    run.assert("service-url", "skip", &["no --url names its function URL"]);
}

#[tokio::test]
async fn an_action_never_imported_in_lambda_says_how_to_export_the_lambda_action() {
    let scenario = lambda_org(FUNCTION_ARN).await;
    let old = action_as_stored(OLD_ACTION_ID, "Start cobrowse (old)", PUBLIC_URL);
    answer(
        &scenario.genesys,
        path("/api/v2/integrations/actions"),
        ResponseTemplate::new(200).set_body_json(listing(vec![old])),
    )
    .await;
    let run = doctor_function(&scenario, false, &["--function-arn", FUNCTION_ARN]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let line = run.assert(
        "data-action",
        "FAIL",
        &[
            "no published data action is named \"Start cobrowse\"",
            &format!("cobrowse-proxy export-action --integration aws-lambda --function-arn {FUNCTION_ARN}"),
            "the AWS Lambda Data Actions integration",
            "GenesysRoleArn",
        ],
    );
    assert!(!line.contains("Web Services"), "{line}");
}

#[tokio::test]
async fn a_function_arn_that_is_not_a_functions_is_refused_before_anything_is_checked() {
    let scenario = lambda_org(FUNCTION_ARN).await;
    let run = doctor_function(&scenario, false, &["--function-arn", ROLE_ARN]).await;
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("is an IAM ARN"), "{}", run.stderr);
    assert!(received(&scenario.genesys).await.is_empty());
}
