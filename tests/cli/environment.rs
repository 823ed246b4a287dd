//! What the binary makes of its environment before it serves: variables that are not text,
//! credentials with whitespace around them, and the healthcheck where the service serves
//! HTTPS itself.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use crate::common;
use crate::harness::{borrowed, command, output_within, spawn, start, vars_at};

/// The image's HEALTHCHECK where there is no ingress: the service serves HTTPS with a
/// certificate for its public name, and the check, run with the same environment, asks it
/// over TLS on loopback.
#[test]
fn the_healthcheck_speaks_tls_to_a_service_that_serves_https() {
    let (cert, key, _) = common::certificate_files("healthcheck");
    let mut vars = common::placeholder_vars();
    vars.extend([
        ("LISTEN", "127.0.0.1:0".to_owned()),
        ("TLS_CERT", cert.to_str().unwrap().to_owned()),
        ("TLS_KEY", key.to_str().unwrap().to_owned()),
    ]);
    let running = start(&borrowed(&vars));
    vars.retain(|(name, _)| *name != "LISTEN");
    vars.push(("LISTEN", format!("127.0.0.1:{}", running.port)));
    let output = command(&borrowed(&vars))
        .arg("healthcheck")
        .output()
        .unwrap();
    running.stop("TERM");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_healthcheck_over_tls_fails_and_says_why_when_nothing_serves() {
    let (cert, _, _) = common::certificate_files("healthcheck-nothing");
    let nothing = common::Unreachable::reserve();
    let output = command(&[
        ("LISTEN", &nothing.address()),
        ("TLS_CERT", cert.to_str().unwrap()),
    ])
    .arg("healthcheck")
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "GET https://{}/healthz: no connection",
            nothing.address()
        )),
        "{stderr}"
    );
}

/// A value that is not UTF-8 text, between readable parts that must never be printed.
const NOT_TEXT: &[u8] = b"Readable-PART-one\xff\xfeReadable-PART-two";

#[test]
fn a_variable_of_another_program_that_is_not_text_is_ignored() {
    let nothing = common::Unreachable::reserve();
    let vars = vars_at(&nothing.url());
    let with_it = || {
        let mut command = command(&borrowed(&vars));
        command.env("OTHER_PROGRAM_KEY", OsStr::from_bytes(NOT_TEXT));
        command
    };
    let (status, stderr, _) = spawn(with_it()).stop("TERM");
    assert_eq!(status.code(), Some(0), "{stderr}");

    let doctor = with_it().arg("doctor").output().unwrap();
    let stdout = String::from_utf8(doctor.stdout).unwrap();
    assert!(stdout.starts_with("ok   configuration:"), "{stdout}");
}

#[test]
fn a_cobrowse_variable_that_is_not_text_is_named_and_never_shown() {
    let nothing = common::Unreachable::reserve();
    let vars = vars_at(&nothing.url());
    for (subcommand, exit_code) in [("serve", 2), ("doctor", 1)] {
        let output = command(&borrowed(&vars))
            .env(
                "COBROWSE_GENESYS_CLIENT_SECRET",
                OsStr::from_bytes(NOT_TEXT),
            )
            .arg(subcommand)
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap()
        );
        assert_eq!(output.status.code(), Some(exit_code), "{printed}");
        assert!(
            printed.contains("COBROWSE_GENESYS_CLIENT_SECRET is not UTF-8 text"),
            "{subcommand}: {printed}"
        );
        assert!(
            !printed.contains("Readable-PART"),
            "{subcommand}: {printed}"
        );
        assert!(!printed.contains("panicked"), "{subcommand}: {printed}");
    }
}

#[test]
fn the_healthcheck_names_a_listen_address_that_is_not_text() {
    // Not a secret: like any wrong --listen, clap quotes it (lossily).
    let output = command(&[])
        .env("COBROWSE_LISTEN", OsStr::from_bytes(b"0.0.0.0:80\xff80"))
        .arg("healthcheck")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("COBROWSE_LISTEN (or --listen) is not UTF-8 text"),
        "{stderr}"
    );
}

/// A Kubernetes Secret made with `--from-file` from a file `echo` wrote.
#[test]
fn a_bearer_token_with_a_trailing_newline_is_refused_at_start_up() {
    let nothing = common::Unreachable::reserve();
    let mut vars = vars_at(&nothing.url());
    vars.push(("AUTH_BEARER_TOKEN", "bearer-SHOULD-NOT-LEAK\n".to_owned()));
    let mut serve = command(&borrowed(&vars));
    serve.arg("serve");
    let output = output_within(serve, Duration::from_secs(10));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("COBROWSE_AUTH_BEARER_TOKEN has a trailing newline"),
        "{stderr}"
    );
    assert!(!stderr.contains("SHOULD-NOT-LEAK"), "{stderr}");
}
