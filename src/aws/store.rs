//! Where a secret is kept, and what each store's answers hold: its value, or its refusal.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::Failure;

/// Where a secret is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    SecretsManager,
    ParameterStore,
}

impl Store {
    /// In words, as the AWS console names it.
    pub fn name(self) -> &'static str {
        match self {
            Store::SecretsManager => "Secrets Manager",
            Store::ParameterStore => "Parameter Store",
        }
    }

    /// The IAM action the execution role needs.
    pub fn permission(self) -> &'static str {
        match self {
            Store::SecretsManager => "secretsmanager:GetSecretValue",
            Store::ParameterStore => "ssm:GetParameter",
        }
    }

    /// The service's signing name and endpoint prefix.
    pub(super) fn service(self) -> &'static str {
        match self {
            Store::SecretsManager => "secretsmanager",
            Store::ParameterStore => "ssm",
        }
    }

    /// The AWS SDKs' variable for this service's endpoint (a VPC endpoint, a local stand-in).
    pub fn endpoint_variable(self) -> &'static str {
        match self {
            Store::SecretsManager => "AWS_ENDPOINT_URL_SECRETS_MANAGER",
            Store::ParameterStore => "AWS_ENDPOINT_URL_SSM",
        }
    }

    pub(super) fn target(self) -> &'static str {
        match self {
            Store::SecretsManager => "secretsmanager.GetSecretValue",
            Store::ParameterStore => "AmazonSSM.GetParameter",
        }
    }

    pub(super) fn body(self, id: &str) -> Vec<u8> {
        match self {
            Store::SecretsManager => json!({ "SecretId": id }),
            Store::ParameterStore => json!({ "Name": id, "WithDecryption": true }),
        }
        .to_string()
        .into_bytes()
    }

    /// The value in a successful answer. serde's own message is never kept: it may quote it.
    pub(super) fn value(self, answer: &[u8]) -> Result<SecretString, Failure> {
        #[derive(Deserialize)]
        struct Secret {
            #[serde(rename = "SecretString")]
            string: Option<SecretString>,
        }
        #[derive(Deserialize)]
        struct Parameter {
            #[serde(rename = "Parameter")]
            parameter: Value,
        }
        #[derive(Deserialize)]
        struct Value {
            #[serde(rename = "Value")]
            value: SecretString,
        }
        match self {
            Store::SecretsManager => match serde_json::from_slice::<Secret>(answer) {
                Ok(Secret {
                    string: Some(value),
                }) => Ok(value),
                Ok(Secret { string: None }) => Err(Failure::NotText),
                Err(_) => Err(Failure::Malformed),
            },
            Store::ParameterStore => serde_json::from_slice::<Parameter>(answer)
                .map(|p| p.parameter.value)
                .map_err(|_| Failure::Malformed),
        }
    }
}

/// An AWS JSON error answer's type (without its namespace) and message, each cut short and
/// without control characters; empty when the answer is not one.
pub(super) fn error_of(answer: &[u8]) -> (String, String) {
    #[derive(Deserialize, Default)]
    struct Error {
        #[serde(rename = "__type", default)]
        kind: String,
        #[serde(alias = "Message", default)]
        message: String,
    }
    let error: Error = serde_json::from_slice(answer).unwrap_or_default();
    let clean = |text: &str, most: usize| -> String {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(most)
            .collect()
    };
    let kind = error.kind.rsplit('#').next().unwrap_or_default();
    (clean(kind, 80), clean(&error.message, 300))
}
