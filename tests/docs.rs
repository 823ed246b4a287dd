//! The README documents what the service does: every error code and every setting.

use cobrowse_proxy::config::variable_names;
use cobrowse_proxy::metrics::{Metrics, OperationLabels};
use cobrowse_proxy::outcome::ErrorCode;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_error_code_is_documented_with_its_status() {
    let readme = readme();
    for code in ErrorCode::ALL {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", code.as_str())))
            .unwrap_or_else(|| panic!("{} has no row in the README's error table", code.as_str()));
        assert!(
            row.contains(&code.status().as_u16().to_string()),
            "{row} does not give status {}",
            code.status()
        );
    }
}

#[test]
fn every_setting_is_documented() {
    let readme = readme();
    let names = variable_names();
    for variable in &names {
        assert!(
            readme.contains(&format!("| `{variable}` |")),
            "{variable} is not in the README's configuration table"
        );
    }
    assert!(names.len() >= 14, "found only {} settings", names.len());
}

/// Every metric `/metrics` exposes is in the README's list, under the name it is scraped by.
#[test]
fn every_metric_is_documented() {
    let readme = readme();
    let metrics = Metrics::default();
    // A family is listed once it has a label set.
    metrics.count_call(None);
    metrics.set_request_body(None, "empty");
    let token = OperationLabels { operation: "token" };
    metrics.genesys_latency.get_or_create(&token).observe(0.1);
    metrics.genesys_retries.get_or_create(&token).inc();
    let exposition = metrics.render(Default::default());
    let mut names = 0;
    for line in exposition.lines() {
        let Some(declared) = line.strip_prefix("# TYPE cobrowse_proxy_") else {
            continue;
        };
        let (name, kind) = declared.split_once(' ').unwrap();
        // Counters are scraped with `_total`, and documented so.
        let name = match kind {
            "counter" => format!("{name}_total"),
            _ => name.to_owned(),
        };
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is not in the README's list of metrics"
        );
        names += 1;
    }
    assert!(names >= 10, "found only {names} metrics:\n{exposition}");
}
