//! cfn-lint (AWS's CloudFormation linter, SAM included) on both templates: no error, warning
//! or informational finding. `.ci/run` installs the pinned release when it is missing; here a
//! missing cfn-lint skips the test, as `tool::available` says.

use std::process::Command;

use crate::aws::template::{BOTH, ZIP};
use crate::common::tool;
use crate::{read, repo_path};

const INSTALL: &str = "pip install cfn-lint==1.58.0; .ci/run puts it in target/ci-tools/cfn-lint";

fn cfn_lint(files: &[&std::path::Path]) -> std::process::Output {
    Command::new("cfn-lint")
        .arg("--")
        .args(files)
        .output()
        .expect("cfn-lint runs")
}

#[test]
fn cfn_lint_finds_nothing_in_either_template() {
    if !tool::available("cfn-lint", INSTALL) {
        return;
    }
    let files: Vec<_> = BOTH.iter().map(|path| repo_path(path)).collect();
    let files: Vec<&std::path::Path> = files.iter().map(|path| path.as_path()).collect();
    let output = cfn_lint(&files);
    let version = Command::new("cfn-lint").arg("--version").output().unwrap();
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "{} finds (exit {:?}):\n{}{}",
        String::from_utf8_lossy(&version.stdout).trim(),
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn cfn_lint_would_see_a_broken_template() {
    // Without this, a cfn-lint that reads nothing (a wrong path, a template it skips) would
    // pass the test above.
    if !tool::available("cfn-lint", INSTALL) {
        return;
    }
    let broken = read(ZIP).replace(
        "      RetentionInDays: !Ref LogRetentionDays",
        "      RetentionInDays: 31",
    );
    assert_ne!(broken, read(ZIP), "the line to break is gone from {ZIP}");
    let dir = std::env::temp_dir().join(format!("cobrowse-cfn-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("template.yaml");
    std::fs::write(&file, broken).unwrap();
    let output = cfn_lint(&[file.as_path()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        !output.status.success(),
        "cfn-lint took a retention of 31 days"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("E3030"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
