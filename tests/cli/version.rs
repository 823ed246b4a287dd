//! Which version runs: `--version` prints it, and the line saying the service listens names it,
//! so an upgrade or a rollback can be checked in the logs as in `build_info`.

use crate::common;
use crate::harness::{borrowed, command, events, start};

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn version_prints_the_version_built() {
    for flag in ["--version", "-V"] {
        let output = command(&[]).arg(flag).output().unwrap();
        assert!(output.status.success(), "{flag}");
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            format!("cobrowse-proxy {VERSION}\n"),
            "{flag}"
        );
    }
}

#[test]
fn the_listening_line_names_the_version() {
    let mut vars = common::placeholder_vars();
    vars.push(("LISTEN", "127.0.0.1:0".to_owned()));
    let running = start(&borrowed(&vars));
    let (_, _, lines) = running.stop("TERM");
    let listening = events(&lines)
        .find(|e| e["message"] == "cobrowse-proxy listening")
        .expect("a listening line");
    assert_eq!(listening["version"], VERSION, "{listening}");
}
