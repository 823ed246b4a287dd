//! Tests that need a program this machine may lack (Debian's `redis-server`, `prometheus`):
//! each asks [`available`] first and returns at once when it says no.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether `program` runs here (`program --version` succeeds). When it does not, the test is
/// skipped and says so, naming itself and `install` (how to get the program), on the test
/// process's own stderr: `cargo test` shows that without flags, where it would swallow an
/// `eprintln!` of a test that passes (libtest captures the macros' output, not direct writes
/// to `std::io::stderr()`). Under `CI=true`, and only that value, a missing program fails the
/// test instead: CI installs it (`.ci/run`), so its absence there is a broken set-up.
pub fn available(program: &str, install: &str) -> bool {
    let runs = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !runs {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        assert!(
            std::env::var_os("CI").as_deref() != Some("true".as_ref()),
            "{test}: {program} is missing, and CI=true requires it: {install}"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: {program} not found ({install}); under CI=true this fails"
        );
    }
    runs
}
