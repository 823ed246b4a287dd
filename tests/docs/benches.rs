//! The benchmarks are run from the docs: every `bash benches/...` a page shows is a script
//! that exists, and every knob (`BENCH_*`) a script reads is explained on
//! docs/performance.md, where a reader learns what the figures mean.

use std::collections::BTreeSet;
use std::path::Path;

use super::{ROOT, markdown_files, page};

/// `bash benches/NAME.sh` in README.md, CHANGELOG.md and docs/: the scripts they name.
fn scripts_named_in_docs() -> BTreeSet<String> {
    let root = Path::new(ROOT);
    let mut files = vec![root.join("README.md"), root.join("CHANGELOG.md")];
    files.extend(markdown_files(&root.join("docs")));
    let command = regex::Regex::new(r"bash (benches/[A-Za-z0-9_.-]+\.sh)").unwrap();
    files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            command
                .captures_iter(&text)
                .map(|c| c[1].to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_benchmark_the_docs_run_exists() {
    let named = scripts_named_in_docs();
    for script in ["benches/run.sh", "benches/tls.sh", "benches/lambda.sh"] {
        assert!(named.contains(script), "no page runs {script}");
    }
    let missing: Vec<_> = named
        .iter()
        .filter(|script| !Path::new(ROOT).join(script).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "the docs run scripts that do not exist: {missing:?}"
    );
}

#[test]
fn every_benchmark_knob_is_on_the_performance_page() {
    let performance = page("docs/performance.md");
    let knob = regex::Regex::new(r"\$\{(BENCH_[A-Z_]+):-").unwrap();
    let mut knobs = BTreeSet::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("benches")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sh") {
            let text = std::fs::read_to_string(&path).unwrap();
            knobs.extend(knob.captures_iter(&text).map(|c| c[1].to_owned()));
        }
    }
    assert!(knobs.contains("BENCH_TLS_KEY"), "found only {knobs:?}");
    let missing: Vec<_> = knobs
        .iter()
        .filter(|k| !performance.contains(&format!("`{k}")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/performance.md does not explain {missing:?}"
    );
}
