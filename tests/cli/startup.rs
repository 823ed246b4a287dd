//! What `serve` refuses before it serves, and what it warns of when it starts: missing
//! variables named, a taken port, no subcommand meaning `serve`, inbound authentication off,
//! an orgs file over 1 MiB.

use std::time::Duration;

use crate::common;
use crate::harness::{CLIENT_SECRET, borrowed, command, events, output_within, start, vars_at};

#[test]
fn serve_without_configuration_names_every_missing_variable_and_exits() {
    let output = command(&[("UPSTREAM_TIMEOUT_MS", "0")])
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    for name in [
        "COBROWSE_GENESYS_REGION",
        "COBROWSE_GENESYS_CLIENT_ID",
        "COBROWSE_GENESYS_CLIENT_SECRET",
        "COBROWSE_AUTH_USERNAME",
        "COBROWSE_UPSTREAM_TIMEOUT_MS",
    ] {
        assert!(stderr.contains(name), "{name} missing from:\n{stderr}");
    }
    assert!(output.stdout.is_empty(), "nothing ran");
}

#[test]
fn serve_with_nothing_set_leads_with_the_region() {
    let output = command(&[]).arg("serve").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let problems: Vec<&str> = stderr.lines().filter(|l| l.starts_with("  - ")).collect();
    assert!(
        problems[0].starts_with("  - COBROWSE_GENESYS_REGION is missing")
            && problems[0].contains("COBROWSE_GENESYS_API_URL and COBROWSE_GENESYS_LOGIN_URL"),
        "{stderr}"
    );
    // The URLs are the alternative, not two more missing settings.
    assert!(
        !problems.iter().any(|p| p.contains("_URL is missing")),
        "{stderr}"
    );
}

#[test]
fn a_taken_port_is_named_with_cobrowse_listen_and_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let nothing = common::Unreachable::reserve();
    let mut vars = vars_at(&nothing.url());
    vars.push(("LISTEN", address.clone()));
    let mut command = command(&borrowed(&vars));
    command.arg("serve");
    let output = output_within(command, Duration::from_secs(30));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on {address} (COBROWSE_LISTEN): Address already in use"
        )),
        "{stderr}"
    );
}

#[test]
fn no_subcommand_means_serve_never_the_sandbox() {
    let output = command(&[]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("COBROWSE_GENESYS_CLIENT_ID"), "{stderr}");
}

#[test]
fn disabled_inbound_auth_is_logged_as_a_warning() {
    let running = start(&[
        ("LISTEN", "127.0.0.1:0"),
        ("GENESYS_REGION", "eu-west-1"),
        ("GENESYS_CLIENT_ID", "client"),
        ("GENESYS_CLIENT_SECRET", CLIENT_SECRET),
        ("AUTH_DISABLED", "true"),
    ]);
    let (_, _, lines) = running.stop("TERM");
    let warning = events(&lines)
        .find(|e| e["level"] == "WARN")
        .expect("a warning");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("authentication is disabled")
    );
}

#[test]
fn an_orgs_file_over_1_mib_is_refused_naming_the_variable_its_size_and_the_cap() {
    let dir = std::env::temp_dir().join(format!("cobrowse-cli-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    // A valid org, and a comment taking the file one byte past 1 MiB.
    let org = format!(
        "[orgs.acme]\nregion = \"eu-west-1\"\nclient_id = \"client\"\nclient_secret = \"{CLIENT_SECRET}\"\nauth_username = \"genesys\"\nauth_password = \"password\"\n#"
    );
    let text = format!("{org}{}\n", "x".repeat(1024 * 1024 - org.len()));
    assert_eq!(text.len(), 1024 * 1024 + 1);
    std::fs::write(&file, &text).unwrap();
    let mut command = command(&[
        ("LISTEN", "127.0.0.1:0"),
        ("ORGS_FILE", file.to_str().unwrap()),
    ]);
    command.arg("serve");
    let output = output_within(command, Duration::from_secs(10));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "  - COBROWSE_ORGS_FILE: the orgs file {} is 1048577 bytes, more than the 1 MiB (1048576 bytes) an orgs file may hold",
            file.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(CLIENT_SECRET), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
