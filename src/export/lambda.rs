//! `export-action --integration aws-lambda`: the function ARN the action's request names.
//!
//! Genesys's AWS Lambda data actions integration invokes the function whose ARN is the
//! action's `requestUrlTemplate`, by assuming the integration's role; it calls nothing over
//! HTTP. An ARN of something else (the role, a function URL, a bare name) imports without
//! complaint and fails only when a flow runs the action, so it is refused here, with what
//! was passed instead when that can be told. The shape is the Lambda API's own pattern for a
//! full function ARN (`arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`).

use super::{ActionOptions, Credential, ExportError};

/// The function ARN an AWS Lambda action names, or why there is none to take.
pub(super) fn function_arn(options: &ActionOptions) -> Result<String, ExportError> {
    let Some(arn) = &options.function_arn else {
        return Err(ExportError(
            "--function-arn is missing: the AWS Lambda integration invokes a function by its ARN; pass the stack's FunctionArn output, such as arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy".to_owned(),
        ));
    };
    let arn = arn.trim();
    if let Some(why) = function_arn_problem(arn) {
        return Err(ExportError(format!(
            "--function-arn {arn:?} {why}; pass the function's ARN, such as arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy (the stack's FunctionArn output)"
        )));
    }
    if options.url.is_some() || options.credential != Credential::Basic || options.allow_http {
        return Err(ExportError(
            "--url, --credential and --allow-http are for --integration web-services: the AWS Lambda integration calls no URL and sends no credential (the role Genesys assumes is the integration's)".to_owned(),
        ));
    }
    Ok(arn.to_owned())
}

/// Why `arn` is not a Lambda function ARN, or `None` when it is one (doctor judges an
/// imported action's request URL by it too).
pub fn function_arn_problem(arn: &str) -> Option<String> {
    if arn.starts_with("https://") || arn.starts_with("http://") {
        return Some(
            "is a URL: a function URL is called by a web services data action (--integration web-services --url <the function URL>), not by the AWS Lambda integration".to_owned(),
        );
    }
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() >= 3 && parts[0] == "arn" && parts[2] == "iam" {
        return Some(
            "is an IAM ARN: the role Genesys assumes goes into the integration's credential (Role ARN); the action takes the function's ARN".to_owned(),
        );
    }
    let (partition, service, region, account, kind, name) = match parts.as_slice() {
        ["arn", partition, service, region, account, kind, name]
        | ["arn", partition, service, region, account, kind, name, _] => {
            (*partition, *service, *region, *account, *kind, *name)
        }
        _ => return Some("does not have the shape of a function ARN".to_owned()),
    };
    if !partition.starts_with("aws")
        || !partition
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '-')
    {
        return Some(format!(
            "names partition {partition:?}, not an AWS partition (aws, aws-us-gov, aws-cn)"
        ));
    }
    if service != "lambda" || kind != "function" {
        return Some(format!(
            "is a {service} {kind} ARN, not a Lambda function's"
        ));
    }
    if !is_region(region) {
        return Some(format!(
            "names region {region:?}, not an AWS region such as us-east-1"
        ));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Some(format!(
            "names account {account:?}, not a 12-digit AWS account id"
        ));
    }
    if name.is_empty() || name.len() > 64 || !name.bytes().all(is_name_byte) {
        return Some(format!(
            "names function {name:?}: a Lambda function name is 1 to 64 letters, digits, hyphens and underscores"
        ));
    }
    if let Some(qualifier) = parts.get(7) {
        let version_or_alias = *qualifier == "$LATEST"
            || (!qualifier.is_empty()
                && qualifier.len() <= 128
                && qualifier.bytes().all(is_name_byte));
        if !version_or_alias {
            return Some(format!(
                "ends in {qualifier:?}, which is neither a version nor an alias"
            ));
        }
    }
    None
}

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// `[a-z]{2}(-gov)?-[a-z]+-\d`, the Lambda API's region pattern (us-east-1, us-gov-west-1).
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let (country, middle, number) = match parts.as_slice() {
        [country, area, number] => (*country, vec![*area], *number),
        [country, "gov", area, number] => (*country, vec!["gov", *area], *number),
        _ => return false,
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_lowercase())
        && middle
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()))
        && number.len() == 1
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns_are_taken_with_or_without_a_version_or_alias() {
        for arn in [
            "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy",
            "arn:aws:lambda:eu-central-1:123456789012:function:cobrowse_proxy-2",
            "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy:live",
            "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy:7",
            "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy:$LATEST",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:cobrowse-proxy",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:cobrowse-proxy",
        ] {
            assert_eq!(function_arn_problem(arn), None, "{arn}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_what_it_is() {
        for (arn, why) in [
            ("https://abc.lambda-url.us-east-1.on.aws/", "is a URL"),
            ("arn:aws:iam::123456789012:role/genesys-invoke", "IAM ARN"),
            ("cobrowse-proxy", "shape"),
            ("123456789012:function:cobrowse-proxy", "shape"),
            (
                "arn:aws:lambda:us-east-1:123456789012:layer:adapter:25",
                "lambda layer",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:function:cobrowse-proxy",
                "states function",
            ),
            (
                "arn:gcp:lambda:us-east-1:123456789012:function:cobrowse-proxy",
                "partition",
            ),
            (
                "arn:aws:lambda:useast1:123456789012:function:cobrowse-proxy",
                "region",
            ),
            (
                "arn:aws:lambda::123456789012:function:cobrowse-proxy",
                "region",
            ),
            (
                "arn:aws:lambda:us-east-1:12345678901:function:cobrowse-proxy",
                "12-digit",
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:",
                "function name",
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:cobrowse.proxy",
                "function name",
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy:",
                "version nor an alias",
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy:a.b",
                "version nor an alias",
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:cobrowse-proxy:live:x",
                "shape",
            ),
        ] {
            let problem = function_arn_problem(arn).unwrap_or_else(|| panic!("{arn} was taken"));
            assert!(problem.contains(why), "{arn}: {problem}");
        }
    }
}
