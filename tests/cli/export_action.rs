//! `export-action` refuses a URL Genesys's cloud could never call (this machine, a private
//! network, a name only a local resolver knows) with a reason, before an admin imports an
//! action that can only fail; the sandbox's and the tests' own URLs pass with `--allow-http`.
//! For the AWS Lambda integration it takes a function ARN and nothing else that names where
//! the action goes.

use std::process::Output;

use serde_json::Value;

use crate::harness::command;

fn export_action(args: &[&str]) -> Output {
    command(&[])
        .arg("export-action")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_url_genesys_cannot_reach_from_the_internet_is_refused_with_why() {
    for (url, what) in [
        ("https://localhost", "this machine"),
        ("https://LOCALHOST:8443", "this machine"),
        ("https://cobrowse.localhost", "this machine"),
        ("https://127.0.0.1", "this machine"),
        ("https://[::1]", "this machine"),
        ("https://[::ffff:127.0.0.1]", "this machine"),
        ("https://10.0.0.5", "RFC 1918"),
        ("https://172.16.3.4:8443", "RFC 1918"),
        ("https://192.168.1.20", "RFC 1918"),
        ("https://169.254.169.254", "link-local"),
        ("https://[fe80::1]", "link-local"),
        ("https://[fd12:3456::5]", "unique local"),
        ("https://0.0.0.0", "unspecified"),
        ("https://[::]", "unspecified"),
        ("https://100.64.0.7", "carrier-grade NAT"),
        ("https://cobrowse-proxy", "no domain"),
        (
            "https://cobrowse-proxy.default.svc.cluster.local",
            "local network",
        ),
        ("https://cobrowse.corp.internal", "local network"),
        ("https://printer.home.arpa", "local network"),
    ] {
        let output = export_action(&["--url", url]);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{url} was taken: {stderr}");
        assert!(output.stdout.is_empty(), "{url}: an action was printed");
        assert!(stderr.contains(what), "{url}: {stderr}");
        assert!(
            stderr.contains("Genesys calls data actions from the internet")
                && stderr.contains("public name"),
            "{url}: {stderr}"
        );
    }
}

#[test]
fn public_names_and_addresses_are_taken() {
    for url in [
        "https://cobrowse.example.com",
        "https://203.0.113.10:8443",
        "https://[2001:db8::10]",
        // Near the refused ranges, but public.
        "https://172.32.0.1",
        "https://100.128.0.1",
        "https://local.example.com",
    ] {
        let output = export_action(&["--url", url]);
        assert!(
            output.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_sandbox_and_tests_keep_their_local_urls_with_allow_http() {
    for url in ["http://127.0.0.1:8080", "https://localhost:8443"] {
        let output = export_action(&["--url", url, "--allow-http"]);
        assert!(
            output.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let action: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            action["config"]["request"]["requestUrlTemplate"],
            format!("{url}/v1/cobrowse/start")
        );
    }
}

const FUNCTION_ARN: &str = "arn:aws:lambda:eu-west-1:123456789012:function:cobrowse-proxy";

#[test]
fn the_lambda_action_names_the_function_and_keeps_the_web_services_contract() {
    let output = export_action(&[
        "--integration",
        "aws-lambda",
        "--function-arn",
        FUNCTION_ARN,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lambda: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(lambda["integrationType"], "aws-lambda-data-actions");
    let request = &lambda["config"]["request"];
    assert_eq!(request["requestUrlTemplate"], FUNCTION_ARN);
    assert_eq!(request["requestType"], "POST");
    assert_eq!(request["headers"], serde_json::json!({}));
    assert_eq!(request["requestTemplate"], "${input.rawRequest}");
    assert_eq!(
        lambda["config"]["response"]["successTemplate"],
        "${rawResult}"
    );

    let web = export_action(&["--url", "https://cobrowse.example.com"]);
    let web: Value = serde_json::from_slice(&web.stdout).unwrap();
    assert_eq!(lambda["contract"], web["contract"]);
    assert_eq!(lambda["config"]["response"], web["config"]["response"]);
    assert_eq!(
        lambda["config"]["timeoutSeconds"],
        web["config"]["timeoutSeconds"]
    );
}

#[test]
fn what_is_not_a_lambda_function_arn_is_refused_with_what_it_is() {
    for (arn, what) in [
        ("arn:aws:iam::123456789012:role/genesys-invoke", "IAM ARN"),
        ("https://abcd.lambda-url.eu-west-1.on.aws/", "is a URL"),
        ("cobrowse-proxy", "shape of a function ARN"),
        (
            "arn:aws:lambda:eu-west-1:1234:function:cobrowse-proxy",
            "12-digit",
        ),
    ] {
        let output = export_action(&["--integration", "aws-lambda", "--function-arn", arn]);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{arn} was taken: {stderr}");
        assert!(output.stdout.is_empty(), "{arn}: an action was printed");
        assert!(stderr.contains(what), "{arn}: {stderr}");
        assert!(stderr.contains("FunctionArn output"), "{arn}: {stderr}");
    }
}

#[test]
fn the_lambda_and_web_services_options_do_not_mix() {
    for (args, said) in [
        (
            &["--integration", "aws-lambda"][..],
            "--function-arn is missing",
        ),
        (
            &["--function-arn", FUNCTION_ARN][..],
            "--integration aws-lambda",
        ),
        (
            &[
                "--integration",
                "aws-lambda",
                "--function-arn",
                FUNCTION_ARN,
                "--credential",
                "bearer",
            ][..],
            "cannot be used with",
        ),
        (
            &[
                "--url",
                "https://cobrowse.example.com",
                "--function-arn",
                FUNCTION_ARN,
            ][..],
            "cannot be used with",
        ),
    ] {
        let output = export_action(args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?} was taken: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?}: an action was printed");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
}
