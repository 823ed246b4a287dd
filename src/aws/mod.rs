//! Secrets read from AWS once, at start-up: Secrets Manager's `GetSecretValue` and Parameter
//! Store's `GetParameter`, asked directly over HTTPS and signed ([`sigv4`]) with the
//! credentials Lambda gives the function's process (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) in its `AWS_REGION`.
//!
//! Not through the AWS Parameters and Secrets Lambda Extension on `localhost:2773`: AWS
//! documents that it can be called during a Lambda's INVOKE phase only, not INIT, and the
//! service reads its settings during INIT (the Lambda Web Adapter starts it there and waits for
//! `/healthz` before it takes the first event), so it would wait for an extension that cannot
//! answer until it is ready itself. A direct call answers in INIT, needs no layer, and asks for
//! the same permissions. `config::from_aws` says which settings are read, and words a failure.

pub mod sigv4;
mod store;

use std::ffi::OsStr;
use std::time::{Duration, SystemTime};

use futures_util::future::join_all;
use secrecy::SecretString;
use tokio::time::{Instant, sleep, timeout_at};
use url::Url;

use sigv4::{Credentials, Scope};
pub use store::Store;
use store::error_of;

/// How long the reads may take together, retries included: a connection that does not open,
/// a 5xx or a throttled answer is asked again until then, a refusal is not.
pub const RETRY_WINDOW: Duration = Duration::from_secs(2);
const PAUSE: Duration = Duration::from_millis(100);

/// Why a secret could not be read. None of them holds a value.
#[derive(Debug)]
pub enum Failure {
    /// No answer within [`RETRY_WINDOW`]: what the last attempt met.
    Unreachable { endpoint: String, error: String },
    /// A 5xx or a throttled answer, until [`RETRY_WINDOW`] was over.
    Unavailable { endpoint: String, status: u16 },
    /// AWS refused the request: its error type (`AccessDeniedException`) and message.
    Refused { kind: String, message: String },
    /// A secret holding `SecretBinary` only.
    NotText,
    /// An answer that is not what the service sends.
    Malformed,
}

/// The `AWS_*` variables the reads use, taken from the environment the service's own settings
/// come from (nothing else is read from it).
#[derive(Default)]
pub struct AwsEnv {
    access_key_id: Option<String>,
    secret_access_key: Option<SecretString>,
    session_token: Option<SecretString>,
    region: Option<String>,
    default_region: Option<String>,
    endpoint_url: Option<String>,
    endpoint_url_secrets_manager: Option<String>,
    endpoint_url_ssm: Option<String>,
}

impl AwsEnv {
    /// Keeps `value` when `name` is one of the variables read; a value that is not UTF-8 or
    /// is blank counts as unset.
    pub fn capture(&mut self, name: &OsStr, value: &OsStr) {
        let Some(value) = value.to_str().filter(|v| !v.trim().is_empty()) else {
            return;
        };
        let value = value.to_owned();
        match name.to_str() {
            Some("AWS_ACCESS_KEY_ID") => self.access_key_id = Some(value),
            Some("AWS_SECRET_ACCESS_KEY") => self.secret_access_key = Some(value.into()),
            Some("AWS_SESSION_TOKEN") => self.session_token = Some(value.into()),
            Some("AWS_REGION") => self.region = Some(value),
            Some("AWS_DEFAULT_REGION") => self.default_region = Some(value),
            Some("AWS_ENDPOINT_URL") => self.endpoint_url = Some(value),
            Some("AWS_ENDPOINT_URL_SECRETS_MANAGER") => {
                self.endpoint_url_secrets_manager = Some(value)
            }
            Some("AWS_ENDPOINT_URL_SSM") => self.endpoint_url_ssm = Some(value),
            _ => {}
        }
    }

    /// The credentials to sign with, or the names of the variables missing.
    pub fn credentials(&self) -> Result<Credentials, Vec<&'static str>> {
        match (&self.access_key_id, &self.secret_access_key) {
            (Some(id), Some(secret)) => Ok(Credentials {
                access_key_id: id.clone(),
                secret_access_key: secret.clone(),
                session_token: self.session_token.clone(),
            }),
            (id, secret) => Err([
                ("AWS_ACCESS_KEY_ID", id.is_none()),
                ("AWS_SECRET_ACCESS_KEY", secret.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, missing)| missing.then_some(name))
            .collect()),
        }
    }

    /// Where `id` is read: the region of its ARN, else `AWS_REGION` (or
    /// `AWS_DEFAULT_REGION`), and that region's endpoint unless one is given. A problem, in
    /// words, when there is no region or the endpoint given is not a URL.
    pub fn location(&self, store: Store, id: &str) -> Result<Location, String> {
        let from_arn = id
            .strip_prefix("arn:")
            .and_then(|arn| arn.split(':').nth(2))
            .filter(|region| !region.is_empty());
        let Some(region) = from_arn
            .or(self.region.as_deref())
            .or(self.default_region.as_deref())
        else {
            return Err(
                "there is no region to read it in: AWS_REGION is not set (Lambda sets it); set it, or give the ARN"
                    .to_owned(),
            );
        };
        let own = match store {
            Store::SecretsManager => &self.endpoint_url_secrets_manager,
            Store::ParameterStore => &self.endpoint_url_ssm,
        };
        let given = own
            .as_ref()
            .map(|url| (store.endpoint_variable(), url))
            .or(self
                .endpoint_url
                .as_ref()
                .map(|url| ("AWS_ENDPOINT_URL", url)));
        let endpoint = match given {
            Some((variable, url)) => Url::parse(url)
                .ok()
                .filter(|url| url.host_str().is_some())
                .ok_or_else(|| {
                    format!("{variable} is not a URL such as https://vpce-...amazonaws.com")
                })?,
            None => {
                let suffix = if region.starts_with("cn-") { ".cn" } else { "" };
                Url::parse(&format!(
                    "https://{}.{region}.amazonaws.com{suffix}/",
                    store.service()
                ))
                .map_err(|_| format!("the region {region:?} is not a region's name"))?
            }
        };
        Ok(Location {
            region: region.to_owned(),
            endpoint,
        })
    }
}

/// Where a secret is read: its region and the endpoint asked.
pub struct Location {
    pub region: String,
    pub endpoint: Url,
}

/// One secret to read.
pub struct Read<'a> {
    pub store: Store,
    pub id: &'a str,
    pub location: Location,
}

/// Reads every secret at once, within [`RETRY_WINDOW`], on a thread of its own with its own
/// runtime (the settings are read before the server's runtime exists, and `doctor` reads
/// them from inside one); the answers in the order asked.
pub fn read_all(
    credentials: &Credentials,
    reads: &[Read<'_>],
) -> Vec<Result<SecretString, Failure>> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime to read secrets with starts");
                runtime.block_on(async {
                    // As for Genesys: rustls uses `ring`, installed once.
                    let _ = rustls::crypto::ring::default_provider().install_default();
                    let client = reqwest::Client::new();
                    let deadline = Instant::now() + RETRY_WINDOW;
                    join_all(
                        reads
                            .iter()
                            .map(|r| read(&client, credentials, r, deadline)),
                    )
                    .await
                })
            })
            .join()
            .expect("the thread reading secrets does not panic")
    })
}

/// Reads one secret, retrying what may pass until `deadline`.
async fn read(
    client: &reqwest::Client,
    credentials: &Credentials,
    read: &Read<'_>,
    deadline: Instant,
) -> Result<SecretString, Failure> {
    loop {
        let failure = match timeout_at(deadline, attempt(client, credentials, read)).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(failure)) => failure,
            Err(_) => Failure::Unreachable {
                endpoint: read.location.endpoint.to_string(),
                error: "the last attempt was still waiting".to_owned(),
            },
        };
        let passing = matches!(
            failure,
            Failure::Unreachable { .. } | Failure::Unavailable { .. }
        );
        if !passing || Instant::now() + PAUSE >= deadline {
            return Err(failure);
        }
        sleep(PAUSE).await;
    }
}

async fn attempt(
    client: &reqwest::Client,
    credentials: &Credentials,
    read: &Read<'_>,
) -> Result<SecretString, Failure> {
    let endpoint = &read.location.endpoint;
    let host = match endpoint.port() {
        Some(port) => format!("{}:{port}", endpoint.host_str().unwrap_or_default()),
        None => endpoint.host_str().unwrap_or_default().to_owned(),
    };
    let body = read.store.body(read.id);
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", read.store.target()),
    ];
    let amz_date = sigv4::amz_date(SystemTime::now());
    let scope = Scope {
        region: &read.location.region,
        service: read.store.service(),
        amz_date: &amz_date,
    };
    let mut request = client.post(endpoint.clone());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    for (name, value) in
        sigv4::sign_post(credentials, &scope, &host, endpoint.path(), &headers, &body)
    {
        request = request.header(name, value);
    }
    let unreachable = |e: reqwest::Error| Failure::Unreachable {
        endpoint: endpoint.to_string(),
        error: innermost(&e),
    };
    let response = request.body(body).send().await.map_err(unreachable)?;
    let status = response.status().as_u16();
    let answer = response.bytes().await.map_err(unreachable)?;
    if status == 200 {
        return read.store.value(&answer);
    }
    let (kind, message) = error_of(&answer);
    if status >= 500 || kind == "ThrottlingException" {
        return Err(Failure::Unavailable {
            endpoint: endpoint.to_string(),
            status,
        });
    }
    Err(Failure::Refused {
        kind: if kind.is_empty() {
            format!("HTTP {status}")
        } else {
            kind
        },
        message,
    })
}

/// What a failed request met, in the words of its deepest cause ("Connection refused").
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests;
