//! The documentation says what the service does: every error code, every setting and every
//! metric is on its page, and every relative link in README.md, CHANGELOG.md, docs/ and
//! deploy/ leads somewhere; CHANGELOG.md is kept by release (`docs/changelog.rs`).

#[path = "docs/benches.rs"]
mod benches;
#[path = "docs/changelog.rs"]
mod changelog;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use cobrowse_proxy::config::variable_names;
use cobrowse_proxy::metrics::{
    ClientCertificateLabels, GenesysStatus, Metrics, OperationLabels, OrgLabel,
};
use cobrowse_proxy::outcome::{CallOutcome, ErrorCode};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn page(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_error_code_is_documented_with_its_status() {
    let errors = page("docs/errors.md");
    for code in ErrorCode::ALL {
        let row = errors
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", code.as_str())))
            .unwrap_or_else(|| panic!("{} has no row in docs/errors.md", code.as_str()));
        assert!(
            row.contains(&code.status().as_u16().to_string()),
            "{row} does not give status {}",
            code.status()
        );
    }
}

/// The README's short contract names every code too, so a flow designer sees them all there.
#[test]
fn the_readme_names_every_error_code() {
    let readme = page("README.md");
    for code in ErrorCode::ALL {
        assert!(
            readme.contains(&format!("`{}`", code.as_str())),
            "README.md does not name {}",
            code.as_str()
        );
    }
}

#[test]
fn every_setting_is_documented() {
    let configuration = page("docs/configuration.md");
    let names = variable_names();
    for variable in &names {
        assert!(
            configuration.contains(&format!("| `{variable}` |")),
            "{variable} is not in docs/configuration.md's table"
        );
    }
    assert!(names.len() >= 14, "found only {} settings", names.len());
}

/// Every metric `/metrics` exposes is in the operations page's list, under the name it is
/// scraped by.
#[test]
fn every_metric_is_documented() {
    let operations = page("docs/operations.md");
    let metrics = Metrics::default();
    // A family is listed once it has a label set.
    metrics.count_call(CallOutcome::Started, "");
    metrics.set_request_body(None, "empty");
    let token = OperationLabels { operation: "token" };
    metrics.genesys_latency.get_or_create(&token).observe(0.1);
    metrics.genesys_retries.get_or_create(&token).inc();
    // The families read from an org's Genesys client at each scrape, a many-org
    // deployment's own (its families have no series until an org is built), and those of a
    // service serving HTTPS itself.
    let org = [(OrgLabel(None), GenesysStatus::default())];
    let mut serving_tls = Metrics::default();
    serving_tls.serving_tls();
    serving_tls.checking_client_certificates();
    let refusals = &serving_tls.client_certificate_refusals;
    refusals
        .get_or_create(&ClientCertificateLabels { reason: "expired" })
        .inc();
    let exposition = metrics.render(&org)
        + &Metrics::for_many_orgs().render(Default::default())
        + &serving_tls.render(Default::default());
    let mut names = 0;
    for line in exposition.lines() {
        // The service's own, documented without their prefix; the process_* ones, as the
        // client libraries name them.
        let Some(declared) = line.strip_prefix("# TYPE cobrowse_proxy_").or_else(|| {
            line.strip_prefix("# TYPE ")
                .filter(|d| d.starts_with("process_"))
        }) else {
            continue;
        };
        let (name, kind) = declared.split_once(' ').unwrap();
        // Counters are scraped with `_total`, and documented so.
        let name = match kind {
            "counter" => format!("{name}_total"),
            _ => name.to_owned(),
        };
        assert!(
            operations.contains(&format!("`{name}`")),
            "{name} is not in docs/operations.md's list of metrics"
        );
        names += 1;
    }
    assert!(names >= 20, "found only {names} metrics:\n{exposition}");
}

/// The README is a front door, not the manual.
#[test]
fn the_readme_is_short() {
    let lines = page("README.md").lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines; move reference text to docs/"
    );
}

/// Every page in docs/ starts with what its reader will be able to do after it.
#[test]
fn every_docs_page_says_what_it_is_for() {
    for file in markdown_files(&Path::new(ROOT).join("docs")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let title = lines.next().unwrap_or_default();
        assert!(title.starts_with("# "), "{}: no title", file.display());
        let intro = lines.next().unwrap_or_default();
        assert!(
            intro.starts_with("After this page you"),
            "{}: the first paragraph should say what the reader can do after it, not {intro:?}",
            file.display()
        );
    }
}

/// A link to a file that moved, or to a heading that was renamed, is a dead end for a reader.
#[test]
fn every_relative_link_resolves() {
    let root = Path::new(ROOT);
    let mut files = vec![root.join("README.md"), root.join("CHANGELOG.md")];
    files.extend(markdown_files(&root.join("docs")));
    files.extend(markdown_files(&root.join("deploy")));
    assert!(files.len() >= 10, "found only {} pages", files.len());
    let mut links = 0;
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            links += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let linked = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !linked.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                let headings = std::fs::read_to_string(&linked)
                    .map(|t| anchors(&t))
                    .unwrap_or_default();
                if !headings.contains(anchor) {
                    broken.push(format!("{}: {target} (no such heading)", file.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(links >= 20, "found only {links} relative links");
}

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(markdown_files(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    found
}

/// The targets of `[text](target)` links outside code blocks.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let Some(end) = rest.find(')') else { break };
            targets.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    targets
}

/// The anchors GitHub makes of a page's headings: lower case, spaces to `-`, punctuation
/// other than `-` and `_` dropped.
fn anchors(text: &str) -> HashSet<String> {
    let mut in_code = false;
    let mut found = HashSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#').trim();
        let slug: String = heading
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        found.insert(slug);
    }
    found
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    let found =
        anchors("# Check the set-up: `cobrowse-proxy doctor`\n## 4. Test the action in Genesys\n");
    assert!(found.contains("check-the-set-up-cobrowse-proxy-doctor"));
    assert!(found.contains("4-test-the-action-in-genesys"));
}
