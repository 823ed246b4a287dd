//! A test whose program is missing is skipped where `cargo test` shows it, and fails instead
//! only under `CI=true` (`common::tool::available`, which the Redis tests use).

use std::process::{Command, Output};

use crate::common::tool;

/// A program no machine has.
const MISSING: &str = "cobrowse-proxy-test-no-such-program";

/// A test that needs the missing program, as a reuse test needs `redis-server`. Run only by
/// the test below, in a child process of this test binary.
#[test]
#[ignore = "run by a_missing_program_is_a_visible_skip_and_fails_only_under_ci_true"]
fn needs_a_missing_program() {
    if !tool::available(MISSING, "it exists nowhere") {
        return;
    }
    panic!("{MISSING} runs");
}

/// This test binary running only `needs_a_missing_program`, as `cargo test` runs a test: no
/// flag, output captured; `CI` set to `ci`, or unset.
fn run_probe(ci: Option<&str>) -> Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["skips::needs_a_missing_program", "--exact", "--ignored"])
        .env_remove("CI")
        .env_remove("RUST_TEST_NOCAPTURE");
    if let Some(value) = ci {
        command.env("CI", value);
    }
    command.output().unwrap()
}

#[test]
fn a_missing_program_is_a_visible_skip_and_fails_only_under_ci_true() {
    for ci in [None, Some("false"), Some("1"), Some("TRUE"), Some("")] {
        let run = run_probe(ci);
        let stdout = String::from_utf8_lossy(&run.stdout);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "CI={ci:?}: {stdout}{stderr}");
        assert!(
            stdout.contains("1 passed"),
            "CI={ci:?}: the probe did not run: {stdout}"
        );
        assert!(
            stderr.contains("SKIPPED ")
                && stderr.contains(&format!("{MISSING} not found (it exists nowhere)")),
            "CI={ci:?}: the skip is not in the run's output: {stdout}{stderr}"
        );
    }
    let run = run_probe(Some("true"));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(!run.status.success(), "CI=true: {stdout}");
    assert!(
        stdout.contains(&format!("{MISSING} is missing, and CI=true requires it")),
        "{stdout}"
    );
}
