//! `cobrowse-proxy export-action`: the data action an admin imports into Genesys Cloud
//! (Admin > Integrations > Actions > Import), generated from what this binary serves.
//!
//! A hand-copied action drifts from the service: a template with a stray escape, a contract
//! edited in `schemas/` but not in Genesys, a timeout shorter than the service's own upstream
//! budget. Generating the action from the embedded schemas and the service's route keeps the
//! two in step; `deploy/genesys/` holds one export and a test fails when it goes stale.

use serde::Serialize;
use serde_json::Value;
use url::Url;

use host::unreachable_host;

use crate::contract::{INPUT_SCHEMA, OUTPUT_SCHEMA};
use crate::routes::START_PATH;

mod host;

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
    /// The service's public base URL, as Genesys reaches it: https, host and optional port,
    /// no path (the action always calls /v1/cobrowse/start).
    #[arg(long)]
    pub url: String,
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
            url: url.to_owned(),
            name: DEFAULT_NAME.to_owned(),
            category: DEFAULT_CATEGORY.to_owned(),
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            secure: false,
            credential: Credential::Basic,
            allow_http: false,
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

#[derive(Serialize)]
struct Headers {
    #[serde(rename = "Content-Type")]
    content_type: &'static str,
    /// Genesys fails an action whose reply is not JSON; say so up front.
    #[serde(rename = "Accept")]
    accept: &'static str,
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
    let base = base_url(&options.url, options.allow_http)?;
    if !(1..=MAX_TIMEOUT_SECONDS).contains(&options.timeout_seconds) {
        return Err(ExportError(format!(
            "--timeout-seconds {} is out of range: Genesys accepts 1 to {MAX_TIMEOUT_SECONDS}",
            options.timeout_seconds
        )));
    }
    Ok(Action {
        name: options.name.clone(),
        category: options.category.clone(),
        integration_type: "custom-rest-actions",
        action_type: "custom",
        config: ActionConfig {
            request: Request {
                request_url_template: format!("{base}{START_PATH}"),
                request_type: "POST",
                headers: Headers {
                    content_type: "application/json",
                    accept: "application/json",
                    authorization: match options.credential {
                        Credential::Basic => None,
                        Credential::Bearer => Some(BEARER_AUTHORIZATION),
                    },
                },
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

/// The schemas are part of the binary and tested, so a parse failure is a build defect.
fn embedded(schema: &str) -> Value {
    serde_json::from_str(schema).expect("embedded schema is JSON")
}

/// `scheme://host[:port]` from the admin's `--url`, or why it will not do.
fn base_url(raw: &str, allow_http: bool) -> Result<String, ExportError> {
    let parsed = Url::parse(raw.trim());
    // The refusal quotes the URL, minus any password: error output ends up in CI logs.
    let shown = match &parsed {
        Ok(url) if url.password().is_some() => {
            let mut shown = url.clone();
            let _ = shown.set_password(Some("***"));
            shown.to_string()
        }
        _ => raw.to_owned(),
    };
    let refuse = |why: &str| {
        Err(ExportError(format!(
            "--url {shown:?} {why}; pass the service's public base URL, such as https://cobrowse-proxy.example.com"
        )))
    };
    let url = match parsed {
        Ok(url) => url,
        Err(err) => return refuse(&format!("is not a URL ({err})")),
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return refuse(
                "is not https: Genesys calls data actions over HTTPS only, so put the service behind TLS (--allow-http exists for tests only)",
            );
        }
        other => return refuse(&format!("has scheme {other:?}, not https")),
    }
    let Some(host) = url.host() else {
        return refuse("has no host");
    };
    // The sandbox and the tests serve on this machine; they say so with allow_http.
    if !allow_http && let Some(what) = unreachable_host(&host) {
        return refuse(&format!(
            "names {host}, {what}: Genesys calls data actions from the internet, so the URL needs a public name that resolves to your ingress or load balancer"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse(
            "carries credentials: the integration's Basic Auth credential supplies them, and a URL would show them to everyone who can see the action",
        );
    }
    if url.path() != "/" {
        return refuse(&format!(
            "has a path ({}): the action always calls {START_PATH} on the base URL",
            url.path()
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse("has a query or fragment");
    }
    Ok(url.origin().ascii_serialization())
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
