//! The service's own URL, as the admin gives it with `--url`: refused as `export-action`
//! refuses it, the start URL the data action must call (which `action.rs` compares), and the
//! `service-url` check, which asks the service for `GET /healthz` from where doctor runs
//! (skipped without `--url`, saying why: for a Lambda function, that it has no URL of its own
//! but a function URL).

use std::time::Duration;

use serde_json::Value;

use super::orgs::Deployed;
use super::{Check, DoctorOptions, SERVICE_URL};
use crate::config::PREFIX;
use crate::export::{self, ActionOptions, ExportError};
use crate::genesys::transport::{MAX_ANSWER_BYTES, describe};
use crate::routes::START_PATH;

/// How long the service's `/healthz` may take to answer.
const HEALTHZ_TIMEOUT: Duration = Duration::from_secs(10);

/// The service's URL as the admin gave it: its base and the start URL the action must call.
pub(super) struct ServiceUrl {
    pub(super) base: String,
    pub(super) start: String,
}

/// The `--url` refused the way `export-action` refuses it (not https, a path, credentials...).
pub(super) fn service_url(options: &DoctorOptions) -> Result<Option<ServiceUrl>, ExportError> {
    let Some(url) = &options.url else {
        return Ok(None);
    };
    let mut action_options = ActionOptions::for_url(url);
    action_options.allow_http = options.allow_http;
    let action = export::export_action(&action_options)?;
    let start = action["config"]["request"]["requestUrlTemplate"]
        .as_str()
        .expect("the exported action has a request URL")
        .to_owned();
    let base = start
        .strip_suffix(START_PATH)
        .expect("the exported URL ends in the start path")
        .to_owned();
    Ok(Some(ServiceUrl { base, start }))
}

/// The check without `--url`: a server's URL is not known, and a Lambda function
/// (`deployed`, when the configuration is usable) is invoked through AWS's API, with no URL
/// unless it serves a function URL.
pub(super) fn not_checked(deployed: Option<Deployed>) -> Check {
    let Some(Deployed::Lambda { function_url }) = deployed else {
        return Check::skip(
            SERVICE_URL,
            "not checked: no --url given.",
            "Pass --url with the service's public https base URL (as in the data action) to check \
             that it answers from here and that the action calls it.",
        );
    };
    let why = if function_url {
        format!(
            "not checked: the service runs in AWS Lambda ({PREFIX}LAMBDA=true), which the AWS Lambda data actions integration invokes through AWS's API, and no --url names its function URL to ask for GET /healthz."
        )
    } else {
        format!(
            "not checked: the service runs in AWS Lambda ({PREFIX}LAMBDA=true) and serves direct invokes only (no inbound credential is set), which the AWS Lambda data actions integration makes through AWS's API: there is no URL to ask for GET /healthz."
        )
    };
    Check::skip(
        SERVICE_URL,
        why,
        "Invoke the function as Genesys does, with `aws lambda invoke` (docs/lambda.md, step 3); with a function URL (EnableFunctionUrl=true), pass it as --url to check that it answers from here.",
    )
}

/// `GET <base>/healthz`, from here: DNS, the TLS certificate and routing to the service. No
/// redirect is followed (the data action must reach the service at this URL itself), and no
/// more of the answer is read than Genesys's answers may hold.
pub(super) async fn healthz(base: &str) -> Check {
    let url = format!("{base}/healthz");
    // reqwest is built without a bundled crypto provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = match reqwest::Client::builder()
        .timeout(HEALTHZ_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cobrowse-proxy-doctor/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            return Check::fail(
                SERVICE_URL,
                format!("GET {url}: no HTTP client ({})", describe(error)),
                "Run doctor again.",
            );
        }
    };
    let reach = "Check that the host name resolves from here, that its TLS certificate is valid for it and signed by a public CA (Genesys accepts no other), and that the ingress or load balancer routes it to the cobrowse-proxy service.";
    let mut response = match client.get(&url).send().await {
        Ok(response) => response,
        Err(error) => {
            let why = if error.is_timeout() {
                format!("no answer within {} s", HEALTHZ_TIMEOUT.as_secs())
            } else {
                describe(error)
            };
            return Check::fail(SERVICE_URL, format!("GET {url}: {why}."), reach);
        }
    };
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
            .unwrap_or_default();
        return Check::fail(
            SERVICE_URL,
            format!(
                "GET {url} answered {status}, a redirect (to {location:?}), which doctor does not follow."
            ),
            "Pass --url the base URL at which the service itself answers, and give the data action that URL: a redirect on the way to the service is no place for a start's POST.",
        );
    }
    // Read in pieces, up to the cap: an endless or huge answer is not cobrowse-proxy's.
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > MAX_ANSWER_BYTES => {
                return Check::fail(
                    SERVICE_URL,
                    format!(
                        "GET {url} answered {status} with a body over {MAX_ANSWER_BYTES} bytes, not as cobrowse-proxy does ({{\"status\":\"ok\"}}); doctor read no further."
                    ),
                    "Route the URL to the cobrowse-proxy service, not to another application.",
                );
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            // A body cut short is not the service's answer either.
            Err(_) => {
                body.clear();
                break;
            }
        }
    }
    let is_ours = serde_json::from_slice::<Value>(&body).is_ok_and(|body| body["status"] == "ok");
    match (status, is_ours) {
        (200, true) => Check::ok(
            SERVICE_URL,
            format!("GET {url} answered 200 from here: DNS, TLS and routing reach the service."),
        ),
        (200, false) => Check::fail(
            SERVICE_URL,
            format!(
                "GET {url} answered 200, but not as cobrowse-proxy does ({{\"status\":\"ok\"}})."
            ),
            "Route the URL to the cobrowse-proxy service, not to another application.",
        ),
        (status, _) => Check::fail(SERVICE_URL, format!("GET {url} answered {status}."), reach),
    }
}
