//! Tests that need a program this machine may lack (Debian's `redis-server`, `prometheus`;
//! the AWS Lambda Web Adapter, `lambda-adapter`): each asks [`available`] (or [`located`])
//! first and returns at once when it says no.

use std::io::Write;
use std::path::{Path, PathBuf};
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
        skipped(program, install);
    }
    runs
}

/// Where `program` is, for a program that cannot be asked its version (`lambda-adapter`
/// starts serving whatever its arguments): the file the variable `named_by` names, else the
/// first `program` on `PATH` or in Cargo's `bin` directory (`$CARGO_HOME/bin`, by default
/// `~/.cargo/bin`, where `cargo install` puts it). When there is none, the test is skipped
/// as [`available`] says, or fails under `CI=true`.
pub fn located(program: &str, named_by: &str, install: &str) -> Option<PathBuf> {
    let found = match std::env::var_os(named_by) {
        Some(path) => Some(PathBuf::from(path)).filter(|path| is_executable(path)),
        None => {
            let cargo_home = std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .chain(cargo_home.map(|home| home.join("bin")))
                .map(|dir| dir.join(program))
                .find(|path| is_executable(path))
        }
    };
    if found.is_none() {
        skipped(
            program,
            &format!("{install}, or set {named_by} to its path"),
        );
    }
    found
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Says the running test is skipped for want of `program`; under `CI=true`, fails it.
fn skipped(program: &str, install: &str) {
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
