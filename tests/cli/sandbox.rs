//! `cobrowse-proxy sandbox` as a newcomer runs it: the `doctor` line it prints passes as
//! printed, with the lines docs/sandbox.md shows, and an address it cannot serve on is a usage error that says what it takes.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::DOCTOR_CHECKS;
use crate::harness::{command, exited_within, output_within, signal};

/// `sandbox` with `args`, nothing else in its environment (no PATH either, so it names itself
/// by its path); returns the child and what it printed up to its last instruction.
pub fn sandbox(args: &[&str]) -> (Child, String) {
    let mut child = command(&[])
        .arg("sandbox")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (printed, instructions) = mpsc::channel();
    // Reads every line until the sandbox exits, so its log lines never fill the pipe.
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            text.push_str(&line);
            text.push('\n');
            if line == "Stop with Ctrl-C." {
                let _ = printed.send(std::mem::take(&mut text));
            }
        }
    });
    let text = instructions
        .recv_timeout(Duration::from_secs(30))
        .expect("the sandbox prints its instructions");
    (child, text)
}

/// The printed shell line that starts with `first`, its continuation lines joined.
pub fn shell_line(printed: &str, first: &str) -> String {
    let mut lines = printed
        .lines()
        .skip_while(|line| !line.trim_start().starts_with(first));
    let mut joined = String::new();
    for line in lines.by_ref() {
        match line.trim().strip_suffix('\\') {
            Some(continued) => {
                joined.push_str(continued);
                joined.push(' ');
            }
            None => {
                joined.push_str(line.trim());
                return joined;
            }
        }
    }
    panic!("no line starting {first} in:\n{printed}");
}

#[test]
fn the_doctor_line_the_sandbox_prints_passes_every_check_as_printed() {
    let (mut sandbox, printed) = sandbox(&["--listen", "127.0.0.1:0"]);
    let line = shell_line(&printed, "COBROWSE_GENESYS_API_URL=");
    let url = printed
        .split("the service on ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("the sandbox says where it serves");
    assert!(
        line.ends_with(&format!(" doctor --url {url} --allow-http")),
        "{line}"
    );
    // Without --mutual-tls: plain HTTP, and no certificate anywhere in what it prints.
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    for tls in ["--cacert", "--cert", "SSL_CERT_FILE", "Mutual TLS"] {
        assert!(!printed.contains(tls), "{printed}");
    }

    // Run as a user pastes it: by a shell, with nothing else set.
    let doctor = Command::new("/bin/sh")
        .args(["-c", &line])
        .env_clear()
        .output()
        .unwrap();
    signal(&sandbox, "TERM");
    exited_within(&mut sandbox, Duration::from_secs(10)).expect("the sandbox stops");

    let stdout = String::from_utf8(doctor.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&doctor.stderr);
    assert_eq!(doctor.status.code(), Some(0), "{line}\n{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), DOCTOR_CHECKS.len(), "{stdout}");
    for (line, check) in lines.iter().zip(DOCTOR_CHECKS) {
        assert!(line.starts_with(&format!("ok   {check}: ")), "{stdout}");
    }
    // The data action is the one export-action makes for the sandbox's URL.
    assert!(
        stdout.contains(&format!("calls {url}/v1/cobrowse/start")),
        "{stdout}"
    );
    // docs/sandbox.md shows the same lines, but for the ports and the id doctor makes up.
    let documented = documented_doctor_output();
    assert_eq!(
        lines.iter().map(|l| normalized(l)).collect::<Vec<_>>(),
        documented.iter().map(|l| normalized(l)).collect::<Vec<_>>(),
        "docs/sandbox.md's doctor output is not what doctor prints"
    );
}

/// The `ok   ...` lines of docs/sandbox.md's example of doctor's output.
fn documented_doctor_output() -> Vec<String> {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sandbox.md")).unwrap();
    doc.lines()
        .filter(|line| line.starts_with("ok   "))
        .map(str::to_owned)
        .collect()
}

/// A doctor line without what changes from run to run: ports, the conversation made up.
fn normalized(line: &str) -> String {
    let ports = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let made_up = regex::Regex::new(r"00000000-0000-4000-8000-[0-9a-f]{12}").unwrap();
    let line = ports.replace_all(line, "127.0.0.1:PORT");
    made_up.replace_all(&line, "MADE-UP").into_owned()
}

#[test]
fn a_listen_address_off_loopback_is_a_usage_error_that_says_what_is_taken() {
    let output = command(&[])
        .args(["sandbox", "--listen", "0.0.0.0:8080"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("0.0.0.0:8080") && stderr.contains("127.0.0.0/8"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing was served");
}

#[test]
fn a_taken_port_is_named_with_sandbox_listen_and_exits_2() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let mut command = command(&[]);
    command.args(["sandbox", "--listen", &address]);
    let output = output_within(command, Duration::from_secs(30));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on {address} (sandbox --listen): Address already in use"
        )),
        "{stderr}"
    );
}
