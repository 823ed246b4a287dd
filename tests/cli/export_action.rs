//! `export-action` refuses a URL Genesys's cloud could never call (this machine, a private
//! network, a name only a local resolver knows) with a reason, before an admin imports an
//! action that can only fail; the sandbox's and the tests' own URLs pass with `--allow-http`.

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
