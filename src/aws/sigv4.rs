//! AWS Signature Version 4, for the one kind of request this service sends AWS: a POST of a
//! JSON body to a service's root path. Written out (some sixty lines over `ring`, which rustls
//! already builds) rather than taken from the AWS SDK, whose dependencies would outweigh the
//! rest of the service; the tests check it against the example AWS documents.

use std::time::SystemTime;

use ring::{digest, hmac};
use secrecy::{ExposeSecret, SecretString};

/// The credentials a request is signed with: in Lambda, the execution role's, from
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    /// Temporary credentials (a role's) carry one; it is sent, and signed, as
    /// `X-Amz-Security-Token`.
    pub session_token: Option<SecretString>,
}

/// Where and when a request is signed for: the credential scope.
pub struct Scope<'a> {
    pub region: &'a str,
    /// The signing name: `secretsmanager`, `ssm`.
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`, UTC: what `X-Amz-Date` carries.
    pub amz_date: &'a str,
}

/// `X-Amz-Date` for `at`.
pub fn amz_date(at: SystemTime) -> String {
    // "2015-08-30T12:36:00Z" -> "20150830T123600Z"
    humantime::format_rfc3339_seconds(at)
        .to_string()
        .replace(['-', ':'], "")
}

/// The headers a POST of `body` to `host` and `path` (`/`, or an endpoint's own path, which
/// needs no escaping) is sent with, besides `headers` (the request's own, such as
/// `content-type` and `x-amz-target`, named in lower case): `host`, `x-amz-date`,
/// `x-amz-security-token` when there is one, and `authorization`.
pub fn sign_post(
    credentials: &Credentials,
    scope: &Scope<'_>,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let mut added = vec![
        ("host", host.to_owned()),
        ("x-amz-date", scope.amz_date.to_owned()),
    ];
    if let Some(token) = &credentials.session_token {
        added.push(("x-amz-security-token", token.expose_secret().to_owned()));
    }
    let mut signed: Vec<(&str, &str)> = headers.to_vec();
    signed.extend(added.iter().map(|(name, value)| (*name, value.as_str())));
    let authorization = authorization(credentials, scope, "POST", path, "", &signed, body);
    added.push(("authorization", authorization));
    added
}

/// The `Authorization` header of a request: every header in `headers` (lower-case names) is
/// signed, and the body's SHA-256.
fn authorization(
    credentials: &Credentials,
    scope: &Scope<'_>,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> String {
    let mut headers = headers.to_vec();
    headers.sort_by_key(|(name, _)| *name);
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{}\n", value.trim()))
        .collect();
    let signed_headers = headers
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = [
        method,
        path,
        query,
        &canonical_headers,
        &signed_headers,
        &hex(digest::digest(&digest::SHA256, body).as_ref()),
    ]
    .join("\n");
    let date = &scope.amz_date[..8];
    let credential_scope = format!("{date}/{}/{}/aws4_request", scope.region, scope.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{credential_scope}\n{}",
        scope.amz_date,
        hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref())
    );
    let secret = format!("AWS4{}", credentials.secret_access_key.expose_secret());
    let key = [date, scope.region, scope.service, "aws4_request"]
        .iter()
        .fold(secret.into_bytes(), |key, part| mac(&key, part.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={}",
        credentials.access_key_id,
        hex(&mac(&key, string_to_sign.as_bytes()))
    )
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_credentials(session_token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: session_token.map(SecretString::from),
        }
    }

    /// The example of AWS's "Signature Version 4 signing process" documentation: IAM's
    /// ListUsers, signed on 2015-08-30 at 12:36:00 UTC in us-east-1.
    #[test]
    fn the_documented_example_signs_as_aws_says() {
        let scope = Scope {
            region: "us-east-1",
            service: "iam",
            amz_date: "20150830T123600Z",
        };
        let headers = [
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("host", "iam.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ];
        assert_eq!(
            authorization(
                &example_credentials(None),
                &scope,
                "GET",
                "/",
                "Action=ListUsers&Version=2010-05-08",
                &headers,
                b"",
            ),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn a_post_signs_its_body_and_session_token() {
        let scope = Scope {
            region: "eu-west-1",
            service: "secretsmanager",
            amz_date: "20240102T030405Z",
        };
        let headers = [("content-type", "application/x-amz-json-1.1")];
        let sign = |token, body: &[u8]| {
            let added = sign_post(
                &example_credentials(token),
                &scope,
                "secretsmanager.eu-west-1.amazonaws.com",
                "/",
                &headers,
                body,
            );
            let find = |name| {
                added
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
            };
            (find("authorization").unwrap(), find("x-amz-security-token"))
        };
        let (with_token, token) = sign(Some("the-token"), b"{}");
        assert_eq!(token.as_deref(), Some("the-token"));
        assert!(
            with_token.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/secretsmanager/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="
            ),
            "{with_token}"
        );
        let (without_token, token) = sign(None, b"{}");
        assert_eq!(token, None);
        assert!(without_token.contains("SignedHeaders=content-type;host;x-amz-date,"));
        let (other_body, _) = sign(Some("the-token"), b"{ }");
        assert_ne!(with_token, other_body, "the body is signed");
    }

    #[test]
    fn the_date_is_utc_in_the_basic_format() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        assert_eq!(amz_date(at), "20150830T123600Z");
    }
}
