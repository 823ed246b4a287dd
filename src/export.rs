//! `cobrowse-proxy export-action`: the data action an admin imports into Genesys Cloud
//! (Admin > Integrations > Actions > Import), generated from what this binary serves.
//!
//! A hand-copied action drifts from the service: a template with a stray escape, a contract
//! edited in `schemas/` but not in Genesys, a timeout shorter than the service's own upstream
//! budget. Generating the action from the embedded schemas and the service's route keeps the
//! two in step; `deploy/genesys/` holds one export and a test fails when it goes stale.
//!
//! The same action, contract and templates, is exported for either integration an admin may
//! import it into: Web Services Data Actions, which POSTs to the service's URL, or AWS
//! Lambda data actions, which invokes the function named by its ARN (`lambda.rs`).

use serde::Serialize;
use serde_json::Value;

use host::base_url;
use lambda::function_arn;
pub use lambda::function_arn_problem;

use crate::contract::{INPUT_SCHEMA, OUTPUT_SCHEMA};
use crate::routes::START_PATH;

mod host;
mod lambda;

/// Sends every flow input as one JSON object: nothing hand-built, so nothing to escape.
pub const REQUEST_TEMPLATE: &str = "${input.rawRequest}";
/// Hands the service's flat reply to the flow as it is.
pub const SUCCESS_TEMPLATE: &str = "${rawResult}";
/// The action's name in Architect, unless `--name` says otherwise.
pub const DEFAULT_NAME: &str = "Start cobrowse";
/// Genesys shows custom actions under their integration's name; keep the two equal.
pub const DEFAULT_CATEGORY: &str = "Cobrowse proxy";
/// Twice the service's default upstream budget (`COBROWSE_UPSTREAM_TIMEOUT_MS`, 10 s), so the
/// service's own timeout reply (`UPSTREAM_TIMEOUT`) reaches the flow before Genesys gives up.
pub const DEFAULT_TIMEOUT_SECONDS: u8 = 20;
/// The longest timeout Genesys accepts for a data action.
pub const MAX_TIMEOUT_SECONDS: u8 = 60;
/// The field of a *User Defined* credential that holds the bearer token.
pub const BEARER_TOKEN_FIELD: &str = "token";
/// The header a `bearer` action writes: Genesys fills `${credentials.token}` from the
/// integration's User Defined credential (`credentials` is Velocity's name for its fields).
pub const BEARER_AUTHORIZATION: &str = "Bearer ${credentials.token}";

/// The integration the action is imported into, which decides what the request names.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Integration {
    /// Web Services Data Actions (custom-rest-actions): Genesys POSTs to the service at --url
    /// over HTTPS, with the integration's credential.
    #[default]
    WebServices,
    /// AWS Lambda data actions (aws-lambda-data-actions): Genesys invokes the function at
    /// --function-arn by assuming the integration's role; the event is the flow's inputs.
    AwsLambda,
}

impl Integration {
    /// Genesys's name for the integration type, as an exported action carries it.
    pub fn type_name(self) -> &'static str {
        match self {
            Integration::WebServices => "custom-rest-actions",
            Integration::AwsLambda => "aws-lambda-data-actions",
        }
    }
}

/// The credential type of the integration the action is imported into, which decides how
/// the service's inbound credential reaches it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Credential {
    /// Basic Auth (COBROWSE_AUTH_USERNAME and COBROWSE_AUTH_PASSWORD): Genesys sends the
    /// Authorization header itself, so the action adds none.
    #[default]
    Basic,
    /// User Defined, with a field named token (COBROWSE_AUTH_BEARER_TOKEN): Genesys sends a
    /// User Defined field only where the action writes it, so the action adds the header
    /// Authorization: Bearer ${credentials.token}.
    Bearer,
}

/// What the admin chose; everything else in the action is fixed by the service.
#[derive(clap::Args, Clone, Debug)]
pub struct ActionOptions {
    /// The integration type the action is imported into.
    #[arg(long, value_enum, default_value_t = Integration::WebServices)]
    pub integration: Integration,
    /// The service's public base URL, as Genesys reaches it: https, host and optional port,
    /// no path (the action always calls /v1/cobrowse/start). For --integration web-services.
    #[arg(long, conflicts_with = "function_arn")]
    pub url: Option<String>,
    /// The ARN of the Lambda function Genesys invokes (the SAM stack's FunctionArn output),
    /// arn:aws:lambda:<region>:<account id>:function:<name>. For --integration aws-lambda.
    #[arg(long, conflicts_with_all = ["credential", "allow_http"])]
    pub function_arn: Option<String>,
    /// The action's name, as flow designers see it in Architect.
    #[arg(long, default_value = DEFAULT_NAME)]
    pub name: String,
    /// The action's category; use the name of the integration you import it into.
    #[arg(long, default_value = DEFAULT_CATEGORY)]
    pub category: String,
    /// How long Genesys waits for the service (1 to 60, what Genesys accepts); keep it above
    /// COBROWSE_UPSTREAM_TIMEOUT_MS. deploy/terraform's timeout_seconds stops at 55: its
    /// sample workflow's step waits 5 s longer than the action, within the same 60 s.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_SECONDS,
          value_parser = clap::value_parser!(u8).range(1..=i64::from(MAX_TIMEOUT_SECONDS)))]
    pub timeout_seconds: u8,
    /// Mark the action secure (it accepts sensitive data; needed to call it from secure flows).
    #[arg(long)]
    pub secure: bool,
    /// The credential type of the integration the action is imported into.
    #[arg(long, value_enum, default_value_t = Credential::Basic)]
    pub credential: Credential,
    /// Accept an http:// URL, and a host Genesys cannot reach (this machine, a private
    /// network). Only for tests: Genesys calls data actions over HTTPS, from the internet.
    #[arg(long)]
    pub allow_http: bool,
}

impl ActionOptions {
    /// The defaults the command line uses, for `url`.
    pub fn for_url(url: &str) -> Self {
        ActionOptions {
            integration: Integration::WebServices,
            url: Some(url.to_owned()),
            function_arn: None,
            name: DEFAULT_NAME.to_owned(),
            category: DEFAULT_CATEGORY.to_owned(),
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            secure: false,
            credential: Credential::Basic,
            allow_http: false,
        }
    }

    /// The defaults the command line uses, for the AWS Lambda integration and `function_arn`.
    pub fn for_function_arn(function_arn: &str) -> Self {
        ActionOptions {
            integration: Integration::AwsLambda,
            url: None,
            function_arn: Some(function_arn.to_owned()),
            ..ActionOptions::for_url("")
        }
    }
}

/// Why no action was exported; the message says what to pass instead.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExportError(String);

/// The importable action, in the shape Genesys exports one (keys in this order).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Action {
    name: String,
    category: String,
    integration_type: &'static str,
    action_type: &'static str,
    config: ActionConfig,
    contract: Contract,
    secure: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionConfig {
    request: Request,
    response: Response,
    timeout_seconds: u8,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    request_url_template: String,
    request_type: &'static str,
    headers: Headers,
    request_template: &'static str,
}

/// A Lambda action has none: its request is an invocation, not HTTP, and IAM authorizes it.
#[derive(Serialize)]
struct Headers {
    #[serde(rename = "Content-Type", skip_serializing_if = "Option::is_none")]
    content_type: Option<&'static str>,
    /// Genesys fails an action whose reply is not JSON; say so up front.
    #[serde(rename = "Accept", skip_serializing_if = "Option::is_none")]
    accept: Option<&'static str>,
    /// Only for a User Defined credential: Basic Auth sends its own.
    #[serde(rename = "Authorization", skip_serializing_if = "Option::is_none")]
    authorization: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    translation_map: Value,
    translation_map_defaults: Value,
    success_template: &'static str,
}

#[derive(Serialize)]
struct Contract {
    input: InputContract,
    output: OutputContract,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InputContract {
    input_schema: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutputContract {
    success_schema: Value,
}

/// The action for `options` as JSON, refusing a URL Genesys could not or should not call.
pub fn export_action(options: &ActionOptions) -> Result<Value, ExportError> {
    Ok(serde_json::to_value(action(options)?).expect("the action serializes"))
}

/// The action as the file an admin imports: pretty JSON in Genesys's key order, ending in a
/// newline.
pub fn export_action_text(options: &ActionOptions) -> Result<String, ExportError> {
    let mut text = serde_json::to_string_pretty(&action(options)?).expect("JSON serializes");
    text.push('\n');
    Ok(text)
}

fn action(options: &ActionOptions) -> Result<Action, ExportError> {
    let (request_url_template, headers) = target(options)?;
    if !(1..=MAX_TIMEOUT_SECONDS).contains(&options.timeout_seconds) {
        return Err(ExportError(format!(
            "--timeout-seconds {} is out of range: Genesys accepts 1 to {MAX_TIMEOUT_SECONDS}",
            options.timeout_seconds
        )));
    }
    Ok(Action {
        name: options.name.clone(),
        category: options.category.clone(),
        integration_type: options.integration.type_name(),
        action_type: "custom",
        config: ActionConfig {
            request: Request {
                request_url_template,
                request_type: "POST",
                headers,
                request_template: REQUEST_TEMPLATE,
            },
            response: Response {
                translation_map: Value::Object(Default::default()),
                translation_map_defaults: Value::Object(Default::default()),
                success_template: SUCCESS_TEMPLATE,
            },
            timeout_seconds: options.timeout_seconds,
        },
        contract: Contract {
            input: InputContract {
                input_schema: embedded(INPUT_SCHEMA),
            },
            output: OutputContract {
                success_schema: embedded(OUTPUT_SCHEMA),
            },
        },
        secure: options.secure,
    })
}

/// What the request names and the headers it sends, for the integration: the service's start
/// URL with the credential's header, or the function's ARN with none.
fn target(options: &ActionOptions) -> Result<(String, Headers), ExportError> {
    match options.integration {
        Integration::WebServices => {
            let Some(url) = &options.url else {
                if options.function_arn.is_some() {
                    return Err(ExportError(
                        "--function-arn is for the AWS Lambda integration: add --integration aws-lambda (the default, web-services, takes --url)".to_owned(),
                    ));
                }
                return Err(ExportError(
                    "--url is missing: pass the service's public base URL, such as https://cobrowse-proxy.example.com (or --integration aws-lambda --function-arn <ARN> for the AWS Lambda integration)".to_owned(),
                ));
            };
            let base = base_url(url, options.allow_http)?;
            let headers = Headers {
                content_type: Some("application/json"),
                accept: Some("application/json"),
                authorization: match options.credential {
                    Credential::Basic => None,
                    Credential::Bearer => Some(BEARER_AUTHORIZATION),
                },
            };
            Ok((format!("{base}{START_PATH}"), headers))
        }
        Integration::AwsLambda => {
            let arn = function_arn(options)?;
            let none = Headers {
                content_type: None,
                accept: None,
                authorization: None,
            };
            Ok((arn, none))
        }
    }
}

/// The schemas are part of the binary and tested, so a parse failure is a build defect.
fn embedded(schema: &str) -> Value {
    serde_json::from_str(schema).expect("embedded schema is JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(url: &str) -> Result<Value, ExportError> {
        export_action(&ActionOptions::for_url(url))
    }

    fn refusal(url: &str) -> String {
        export(url).unwrap_err().to_string()
    }

    #[test]
    fn the_action_posts_the_raw_flow_inputs_to_the_start_route() {
        let action = export("https://cobrowse.example.com").unwrap();
        let request = &action["config"]["request"];
        assert_eq!(
            request["requestUrlTemplate"],
            "https://cobrowse.example.com/v1/cobrowse/start"
        );
        assert_eq!(request["requestType"], "POST");
        assert_eq!(request["headers"]["Content-Type"], "application/json");
        assert_eq!(request["headers"]["Accept"], "application/json");
        assert_eq!(request["requestTemplate"], "${input.rawRequest}");
        let response = &action["config"]["response"];
        assert_eq!(response["successTemplate"], "${rawResult}");
        assert_eq!(response["translationMap"], serde_json::json!({}));
        assert_eq!(action["integrationType"], "custom-rest-actions");
        assert_eq!(action["actionType"], "custom");
        assert_eq!(action["secure"], false);
        assert_eq!(action["config"]["timeoutSeconds"], 20);
    }

    #[test]
    fn a_basic_credential_adds_no_header_and_a_bearer_one_writes_its_token() {
        let basic = export("https://cobrowse.example.com").unwrap();
        let names: Vec<&String> = basic["config"]["request"]["headers"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(names, ["Accept", "Content-Type"]);

        let mut options = ActionOptions::for_url("https://cobrowse.example.com");
        options.credential = Credential::Bearer;
        let bearer = export_action(&options).unwrap();
        let headers = &bearer["config"]["request"]["headers"];
        assert_eq!(headers["Authorization"], "Bearer ${credentials.token}");
        assert_eq!(headers["Content-Type"], "application/json");
        // Everything else is the same action.
        let mut without = bearer.clone();
        without["config"]["request"]["headers"]
            .as_object_mut()
            .unwrap()
            .remove("Authorization");
        assert_eq!(without, basic);
    }

    #[test]
    fn the_contract_is_the_schemas_the_service_enforces() {
        let action = export("https://cobrowse.example.com").unwrap();
        assert_eq!(
            action["contract"]["input"]["inputSchema"],
            embedded(INPUT_SCHEMA)
        );
        assert_eq!(
            action["contract"]["output"]["successSchema"],
            embedded(OUTPUT_SCHEMA)
        );
    }

    #[test]
    fn a_port_is_kept_and_a_trailing_slash_dropped() {
        let action = export("https://Cobrowse.Example.com:8443/").unwrap();
        assert_eq!(
            action["config"]["request"]["requestUrlTemplate"],
            "https://cobrowse.example.com:8443/v1/cobrowse/start"
        );
    }

    #[test]
    fn plain_http_is_refused_unless_allowed_for_tests() {
        let why = refusal("http://cobrowse.example.com");
        assert!(why.contains("HTTPS only"), "{why}");
        let mut options = ActionOptions::for_url("http://127.0.0.1:8080");
        options.allow_http = true;
        let action = export_action(&options).unwrap();
        assert_eq!(
            action["config"]["request"]["requestUrlTemplate"],
            "http://127.0.0.1:8080/v1/cobrowse/start"
        );
    }

    #[test]
    fn a_url_with_more_than_scheme_host_and_port_is_refused() {
        for (url, hint) in [
            (
                "https://cobrowse.example.com/v1/cobrowse/start",
                "has a path",
            ),
            ("https://cobrowse.example.com/proxy", "has a path"),
            ("https://cobrowse.example.com/?token=x", "query"),
            ("https://cobrowse.example.com/#x", "fragment"),
            ("https://user:secret@cobrowse.example.com", "credentials"),
            ("ftp://cobrowse.example.com", "not https"),
            ("cobrowse.example.com", "not a URL"),
        ] {
            let why = refusal(url);
            assert!(why.contains(hint), "{url}: {why}");
            assert!(why.contains("https://cobrowse-proxy.example.com"), "{why}");
        }
        assert!(!refusal("https://user:secret@cobrowse.example.com").contains("secret"));
    }

    const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy";

    #[test]
    fn the_lambda_action_invokes_the_function_with_the_same_contract_and_templates() {
        let lambda = export_action(&ActionOptions::for_function_arn(FUNCTION_ARN)).unwrap();
        assert_eq!(lambda["integrationType"], "aws-lambda-data-actions");
        let request = &lambda["config"]["request"];
        assert_eq!(request["requestUrlTemplate"], FUNCTION_ARN);
        assert_eq!(request["requestType"], "POST");
        // No credential header, nor any other: IAM authorizes the invocation.
        assert_eq!(request["headers"], serde_json::json!({}));
        assert_eq!(request["requestTemplate"], "${input.rawRequest}");
        assert_eq!(
            lambda["config"]["response"]["successTemplate"],
            "${rawResult}"
        );
        // Everything else is the web services action.
        let web = export("https://cobrowse.example.com").unwrap();
        let mut same = lambda.clone();
        same["integrationType"] = web["integrationType"].clone();
        same["config"]["request"] = web["config"]["request"].clone();
        assert_eq!(same, web);
    }

    #[test]
    fn the_lambda_action_needs_a_function_arn_and_takes_no_url_or_credential() {
        let mut options = ActionOptions::for_function_arn("arn:aws:iam::123456789012:role/x");
        let why = export_action(&options).unwrap_err().to_string();
        assert!(
            why.contains("IAM ARN") && why.contains("FunctionArn"),
            "{why}"
        );

        options.function_arn = None;
        let why = export_action(&options).unwrap_err().to_string();
        assert!(why.contains("--function-arn is missing"), "{why}");

        options.function_arn = Some(FUNCTION_ARN.to_owned());
        options.credential = Credential::Bearer;
        let why = export_action(&options).unwrap_err().to_string();
        assert!(why.contains("sends no credential"), "{why}");
    }

    #[test]
    fn a_timeout_genesys_would_refuse_is_refused() {
        for seconds in [0, 61] {
            let mut options = ActionOptions::for_url("https://cobrowse.example.com");
            options.timeout_seconds = seconds;
            let why = export_action(&options).unwrap_err().to_string();
            assert!(why.contains("1 to 60"), "{why}");
        }
    }
}
