//! The operators' kit: `deploy/monitoring/` (alerting rules, their promtool tests, the Grafana
//! dashboard) and `deploy/kubernetes/monitoring/` (ServiceMonitor, PrometheusRule). The rules
//! pass promtool; every alert has a case that makes it fire, a runbook section and the error
//! catalogue's words; the dashboard and the rules name only series the service exposes, and
//! use every one of them; the Kubernetes objects are the rules file and the Service's port.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use cobrowse_proxy::config::Deployment;
use cobrowse_proxy::outcome::ErrorCode;
use cobrowse_proxy::startup::Application;
use serde_json::Value;

use crate::{read, repo_path};

/// Where the runbook sections are, as `runbook_url`s give it (a placeholder for where the
/// repository is browsed, documented in docs/monitoring.md).
const RUNBOOK: &str = "https://github.com/example/cobrowse-proxy/blob/main/docs/alerts.md";
const SEVERITIES: [&str; 3] = ["critical", "warning", "info"];

fn yaml(relative: &str) -> Value {
    serde_norway::from_str(&read(relative))
        .unwrap_or_else(|err| panic!("{relative} is not YAML: {err}"))
}

fn rule_groups() -> Value {
    yaml("deploy/monitoring/alerts.yaml")
}

/// Every alerting rule, by name.
fn alerts() -> BTreeMap<String, Value> {
    let groups = rule_groups();
    let mut alerts = BTreeMap::new();
    for group in groups["groups"].as_array().expect("rule groups") {
        for rule in group["rules"].as_array().expect("rules") {
            let name = rule["alert"].as_str().expect("alerting rules only");
            assert!(
                alerts.insert(name.to_owned(), rule.clone()).is_none(),
                "{name} twice"
            );
        }
    }
    assert!(alerts.len() >= 10, "only {} alerts", alerts.len());
    alerts
}

fn dashboard() -> Value {
    serde_json::from_str(&read("deploy/monitoring/dashboard.json")).expect("the dashboard is JSON")
}

/// The dashboard's panels, those inside rows included.
fn panels(dashboard: &Value) -> Vec<Value> {
    let mut found = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        found.extend(panel["panels"].as_array().into_iter().flatten().cloned());
        found.push(panel.clone());
    }
    found
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .current_dir(repo_path(""))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn promtool_accepts_the_rules_and_passes_their_unit_tests() {
    if !crate::common::tool::available("promtool", "apt-get install prometheus") {
        return;
    }
    run(
        "promtool",
        &["check", "rules", "deploy/monitoring/alerts.yaml"],
    );
    run(
        "promtool",
        &["test", "rules", "deploy/monitoring/alerts.test.yaml"],
    );
}

#[test]
fn every_alert_has_a_case_that_makes_it_fire_and_quiet_cases_check_them_all() {
    let tests = yaml("deploy/monitoring/alerts.test.yaml");
    assert_eq!(
        tests["rule_files"],
        serde_json::json!(["alerts.yaml"]),
        "the tests load the rules file itself"
    );
    let mut fired = BTreeSet::new();
    let mut quiet_cases = 0;
    for case in tests["tests"].as_array().unwrap() {
        for check in case["alert_rule_test"].as_array().into_iter().flatten() {
            if check["exp_alerts"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
            {
                fired.insert(check["alertname"].as_str().unwrap().to_owned());
            }
        }
        // `ALERTS` holds every pending and firing alert: none at all, whatever its name.
        let quiet = case["promql_expr_test"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["expr"] == "ALERTS" && c["exp_samples"] == serde_json::json!([]))
            .count();
        if quiet >= 3 {
            quiet_cases += 1;
        }
    }
    let names: BTreeSet<String> = alerts().into_keys().collect();
    let never_fired: Vec<_> = names.difference(&fired).collect();
    assert!(
        never_fired.is_empty(),
        "no case makes these fire: {never_fired:?}"
    );
    assert!(
        fired.is_subset(&names),
        "cases for alerts that do not exist: {:?}",
        fired.difference(&names).collect::<Vec<_>>()
    );
    assert!(
        quiet_cases >= 3,
        "a quiet night, one failure of each kind, a night too quiet for a share"
    );
}

/// The anchors of docs/alerts.md's `## ` sections, as GitHub makes them.
fn runbook_sections() -> BTreeSet<String> {
    read("docs/alerts.md")
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(|heading| heading.trim().to_lowercase())
        .collect()
}

#[test]
fn every_alert_says_how_bad_what_happened_and_where_its_runbook_is() {
    let sections = runbook_sections();
    for (name, rule) in alerts() {
        let severity = rule["labels"]["severity"].as_str().unwrap_or_default();
        assert!(
            SEVERITIES.contains(&severity),
            "{name}: severity {severity:?}"
        );
        for annotation in ["summary", "description"] {
            let text = rule["annotations"][annotation].as_str().unwrap_or_default();
            assert!(text.len() > 20, "{name}: {annotation} {text:?}");
        }
        let anchor = name.to_lowercase();
        assert_eq!(
            rule["annotations"]["runbook_url"],
            format!("{RUNBOOK}#{anchor}"),
            "{name}"
        );
        assert!(
            sections.contains(&anchor),
            "docs/alerts.md has no section `## {name}`"
        );
    }
    let names: BTreeSet<String> = alerts().keys().map(|n| n.to_lowercase()).collect();
    let stale: Vec<_> = sections.difference(&names).collect();
    assert!(stale.is_empty(), "runbook sections for no alert: {stale:?}");
}

/// docs/errors.md's "what to do" for each code, as plain text (no backticks).
fn what_to_do() -> BTreeMap<&'static str, String> {
    let errors = read("docs/errors.md");
    ErrorCode::ALL
        .iter()
        // A live session that prevented a start is no failure: nothing to page anyone about.
        .filter(|code| code.outcome().as_str() == "failed")
        .map(|code| {
            let row = errors
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", code.as_str())))
                .unwrap();
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
            (code.as_str(), cells.last().unwrap().trim().replace('`', ""))
        })
        .collect()
}

/// The codes an alert counts: those its first `cobrowse_proxy_calls_total` selector (the
/// failures it is about) matches by `error_code`.
fn codes_alerted_on(expr: &str) -> BTreeSet<&'static str> {
    let Some((_, rest)) = expr.split_once("cobrowse_proxy_calls_total{") else {
        return BTreeSet::new();
    };
    let selector = &rest[..rest.find('}').unwrap()];
    // `outcome="failed"` leaves out the codes of calls that did not fail (a live session).
    let failed_only = selector.contains(r#"outcome="failed""#);
    let all: Vec<&'static str> = ErrorCode::ALL
        .iter()
        .filter(|code| !failed_only || code.outcome().as_str() == "failed")
        .map(|code| code.as_str())
        .collect();
    let listed = |value: &str| -> BTreeSet<&'static str> {
        let names: Vec<&str> = value.split('|').collect();
        all.iter().copied().filter(|c| names.contains(c)).collect()
    };
    for matcher in selector.split(',') {
        let matcher = matcher.trim();
        let Some(condition) = matcher.strip_prefix("error_code") else {
            continue;
        };
        let (operator, value) = condition.split_at(condition.find('"').unwrap());
        let value = value.trim_matches('"');
        return match operator.trim() {
            "=" | "=~" => listed(value),
            "!=" | "!~" => {
                let excluded = listed(value);
                all.iter()
                    .copied()
                    .filter(|c| !excluded.contains(c))
                    .collect()
            }
            other => panic!("matcher {other} in {expr}"),
        };
    }
    BTreeSet::new()
}

#[test]
fn every_error_code_is_alerted_on_with_the_catalogues_words() {
    let what_to_do = what_to_do();
    let mut covered = BTreeSet::new();
    for (name, rule) in alerts() {
        let description = rule["annotations"]["description"].as_str().unwrap();
        for code in codes_alerted_on(rule["expr"].as_str().unwrap()) {
            assert!(
                description.contains(&what_to_do[code]),
                "{name}'s description lacks what docs/errors.md says to do about {code}: {:?}",
                what_to_do[code]
            );
            assert!(covered.insert(code), "{code} is in two alerts");
        }
    }
    let missing: Vec<_> = what_to_do
        .keys()
        .filter(|code| !covered.contains(*code))
        .collect();
    assert!(missing.is_empty(), "no alert on {missing:?}");
}

#[test]
fn the_codes_an_alert_counts_are_read_from_its_first_selector() {
    assert_eq!(
        codes_alerted_on(r#"sum(x{error_code=~"RATE_LIMITED|OVERLOADED"}) / sum(y)"#),
        BTreeSet::new(),
        "not a calls_total selector"
    );
    assert_eq!(
        codes_alerted_on(
            r#"sum(cobrowse_proxy_calls_total{outcome="failed", error_code=~"RATE_LIMITED|OVERLOADED"}[5m]) / sum(cobrowse_proxy_calls_total{error_code="INVALID_INPUT"})"#
        ),
        BTreeSet::from(["RATE_LIMITED", "OVERLOADED"])
    );
    let all_but = codes_alerted_on(r#"cobrowse_proxy_calls_total{error_code!~"INVALID_INPUT"}"#);
    assert_eq!(all_but.len(), ErrorCode::ALL.len() - 1);
    assert!(!all_but.contains("INVALID_INPUT"));
}

/// The metric names a PromQL expression reads: identifiers that start a selector (followed by
/// `{` or `[`), and every word with the service's or the process metrics' prefix. Strings,
/// `$variables` and label names inside braces are skipped.
fn series_in(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut in_braces = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1 + usize::from(chars[i] == '\\');
            }
            i += 1;
            continue;
        }
        if c == '{' || c == '}' {
            in_braces = c == '{';
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_:".contains(chars[i])) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let variable = start > 0 && chars[start - 1] == '$';
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let selector = matches!(next, Some('{' | '['));
            let prefixed = word.starts_with("cobrowse_proxy_") || word.starts_with("process_");
            if !variable && !in_braces && (selector || prefixed) {
                names.insert(word);
            }
            continue;
        }
        i += 1;
    }
    names
}

#[test]
fn series_are_read_from_promql_without_functions_labels_or_strings() {
    let found = series_in(
        r#"sum by (le) (rate(cobrowse_proxy_x_bucket{operation="token", job=~"a|up"}[$__rate_interval])) / on () group_left () max(up{job="y"}) > 0.7 * max(process_open_fds)"#,
    );
    assert_eq!(
        found,
        BTreeSet::from([
            "cobrowse_proxy_x_bucket".to_owned(),
            "up".to_owned(),
            "process_open_fds".to_owned()
        ])
    );
}

/// The sample names a running service exposes on `/metrics`: one org's, those only a
/// deployment of many orgs (`COBROWSE_ORGS_FILE`) has, and those of a service serving HTTPS
/// itself (`COBROWSE_TLS_CERT`).
async fn exposed_series() -> BTreeSet<String> {
    let mut vars = crate::common::placeholder_vars();
    vars.push(("LISTEN", "127.0.0.1:0".to_owned()));
    let settings = crate::common::settings(vars.clone()).unwrap();
    let mut series = series_of(Application::build(&settings).unwrap(), None).await;

    let (cert, key, cert_pem) = crate::common::certificate_files("monitoring");
    vars.push(("TLS_CERT", cert.display().to_string()));
    vars.push(("TLS_KEY", key.display().to_string()));
    let settings = crate::common::settings(vars).unwrap();
    let https = series_of(Application::build(&settings).unwrap(), Some(&cert_pem)).await;
    assert!(
        https.contains("cobrowse_proxy_tls_certificate_expiry_timestamp_seconds"),
        "{https:?}"
    );
    series.extend(https);

    let dir = std::env::temp_dir().join(format!("cobrowse-monitoring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    std::fs::write(
        &file,
        "[orgs.acme]\nregion = \"eu-west-1\"\nclient_id = \"c\"\nclient_secret = \"s\"\nauth_bearer_token = \"t\"\n",
    )
    .unwrap();
    let deployment = Deployment::from_vars([
        ("COBROWSE_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        ("COBROWSE_ORGS_FILE".to_owned(), file.display().to_string()),
    ])
    .unwrap();
    let many = series_of(Application::build(&deployment).unwrap(), None).await;
    assert!(
        many.contains("cobrowse_proxy_orgs_file_rejected"),
        "{many:?}"
    );
    series.extend(many);
    series
}

/// Over HTTPS when the service serves `certificate` (a PEM one for localhost).
async fn series_of(application: Application, certificate: Option<&str>) -> BTreeSet<String> {
    let port = application.port();
    tokio::spawn(application.run_until_stopped());
    let mut client = reqwest::Client::builder();
    let url = match certificate {
        Some(pem) => {
            let _ = crate::common::http();
            client = client
                .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap());
            format!("https://localhost:{port}/metrics")
        }
        None => format!("http://127.0.0.1:{port}/metrics"),
    };
    let text = client
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line[..line.find(['{', ' ']).unwrap()].to_owned())
        .collect()
}

#[tokio::test]
async fn the_dashboard_and_the_rules_use_every_series_the_service_exposes_and_no_other() {
    let exposed = exposed_series().await;
    assert!(
        exposed.contains("process_resident_memory_bytes") && exposed.len() >= 20,
        "{exposed:?}"
    );
    let mut queries: Vec<(String, String)> = Vec::new();
    for panel in panels(&dashboard()) {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let title = panel["title"].as_str().unwrap();
            queries.push((
                format!("panel {title:?}"),
                target["expr"].as_str().unwrap().to_owned(),
            ));
        }
    }
    for (name, rule) in alerts() {
        queries.push((
            format!("alert {name}"),
            rule["expr"].as_str().unwrap().to_owned(),
        ));
    }
    let mut used = BTreeSet::new();
    for (user, expr) in &queries {
        for series in series_in(expr) {
            // `up` is Prometheus's own, for every target it scrapes.
            assert!(
                exposed.contains(&series) || series == "up",
                "{user} reads {series}, which the service does not expose"
            );
            used.insert(series);
        }
    }
    let unused: Vec<_> = exposed.difference(&used).collect();
    assert!(unused.is_empty(), "no panel or alert uses {unused:?}");
}

#[test]
fn the_dashboard_is_a_provisionable_grafana_dashboard() {
    let dashboard = dashboard();
    assert_eq!(dashboard["uid"], "cobrowse-proxy");
    assert!(dashboard["title"].is_string() && dashboard["schemaVersion"].as_u64() >= Some(36));
    // Provisioned as a file, it must not carry a database id, and it finds its data source
    // through a variable rather than one Grafana's uid.
    assert!(dashboard.get("id").is_none_or(Value::is_null));
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    assert!(variables.iter().any(|v| v["name"] == "datasource"
        && v["type"] == "datasource"
        && v["query"] == "prometheus"));
    let panels = panels(&dashboard);
    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for panel in &panels {
        let title = panel["title"].as_str().unwrap();
        assert!(
            ids.insert(panel["id"].as_u64().unwrap()),
            "{title}: id used twice"
        );
        let grid = &panel["gridPos"];
        let [x, y, w, h] = ["x", "y", "w", "h"].map(|k| grid[k].as_u64().unwrap());
        assert!(x + w <= 24, "{title} is wider than the dashboard");
        for cell in (x..x + w).flat_map(|cx| (y..y + h).map(move |cy| (cx, cy))) {
            assert!(cells.insert(cell), "{title} overlaps another panel");
        }
        if panel["type"] == "row" {
            continue;
        }
        assert!(
            panel["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{title}"
        );
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{title} has no query");
        for target in targets.iter().chain([panel]) {
            assert_eq!(target["datasource"]["uid"], "${datasource}", "{title}");
        }
    }
}

#[test]
fn the_prometheus_rule_is_the_rules_file_under_spec() {
    let committed = read("deploy/kubernetes/monitoring/prometheusrule.yaml");
    let (head, _) = committed.split_once("\nspec:\n").expect("a `spec:` line");
    // What the regeneration command in its header writes: the header, then every non-empty
    // line of the rules file indented by two.
    let mut generated = format!("{head}\nspec:\n");
    for line in read("deploy/monitoring/alerts.yaml").lines() {
        if !line.is_empty() {
            generated.push_str("  ");
        }
        generated.push_str(line);
        generated.push('\n');
    }
    assert!(
        committed == generated,
        "deploy/kubernetes/monitoring/prometheusrule.yaml is not generated from deploy/monitoring/alerts.yaml: run the command in its header"
    );
    assert!(head.contains("sed 's/^./  &/' deploy/monitoring/alerts.yaml"));
    let rule = yaml("deploy/kubernetes/monitoring/prometheusrule.yaml");
    assert_eq!(rule["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(rule["kind"], "PrometheusRule");
    assert_eq!(rule["spec"], rule_groups());
}

#[test]
fn the_service_monitor_scrapes_the_services_metrics_port_as_the_rules_job() {
    let monitor = yaml("deploy/kubernetes/monitoring/servicemonitor.yaml");
    let service = yaml("deploy/kubernetes/service.yaml");
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(monitor["kind"], "ServiceMonitor");
    let selector = monitor["spec"]["selector"]["matchLabels"]
        .as_object()
        .unwrap();
    assert!(!selector.is_empty());
    for (key, value) in selector {
        assert_eq!(
            &service["metadata"]["labels"][key], value,
            "the ServiceMonitor selects no Service"
        );
    }
    let endpoints = monitor["spec"]["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 1);
    let port_names: Vec<&Value> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["name"])
        .collect();
    assert!(
        port_names.contains(&&endpoints[0]["port"]),
        "no Service port {}",
        endpoints[0]["port"]
    );
    assert_eq!(endpoints[0]["path"], "/metrics");
    // The Operator names the job after the Service (no jobLabel): the rules select `up` by it.
    assert!(monitor["spec"].get("jobLabel").is_none());
    let job = format!(
        r#"up{{job="{}"}}"#,
        service["metadata"]["name"].as_str().unwrap()
    );
    for name in ["CobrowseInstanceDown", "CobrowseNotScraped"] {
        assert!(
            alerts()[name]["expr"].as_str().unwrap().contains(&job),
            "{name} does not select {job}"
        );
    }
}

#[test]
fn the_monitoring_kustomization_applies_the_monitor_and_the_rule() {
    let kustomization = yaml("deploy/kubernetes/monitoring/kustomization.yaml");
    let mut listed: Vec<&str> = kustomization["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    listed.sort();
    let mut files: Vec<String> = crate::files_in("deploy/kubernetes/monitoring", ".yaml")
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| name != "kustomization.yaml")
        .collect();
    files.sort();
    assert_eq!(listed, files);
    assert_eq!(listed, ["prometheusrule.yaml", "servicemonitor.yaml"]);
}
