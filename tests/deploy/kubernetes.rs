//! `deploy/kubernetes/`: the manifests parse, agree with each other, and configure the
//! service the way it actually starts (port, probe paths, settings it knows).

use std::collections::BTreeMap;

use cobrowse_proxy::config::Deployment;
use serde_json::Value;

use crate::{default_settings, documented_settings, files_in, read};

/// Every manifest, by file name.
fn manifests() -> BTreeMap<String, Value> {
    let files = files_in("deploy/kubernetes", ".yaml");
    assert!(files.len() >= 5, "manifests are missing: {files:?}");
    files
        .into_iter()
        .map(|file| {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&file).unwrap();
            let manifest: Value = serde_norway::from_str(&text)
                .unwrap_or_else(|err| panic!("{name} is not YAML: {err}"));
            (name, manifest)
        })
        .collect()
}

fn of_kind(manifests: &BTreeMap<String, Value>, kind: &str) -> Value {
    let found: Vec<_> = manifests.values().filter(|m| m["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind}");
    found[0].clone()
}

fn container(deployment: &Value) -> &Value {
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("the Deployment has containers");
    assert_eq!(containers.len(), 1);
    &containers[0]
}

/// A port given by name or number, as the container's port number.
fn resolve_port(port: &Value, container: &Value) -> u64 {
    match port {
        Value::Number(number) => number.as_u64().unwrap(),
        Value::String(name) => container["ports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name.as_str())
            .and_then(|p| p["containerPort"].as_u64())
            .unwrap_or_else(|| panic!("the container has no port named {name}")),
        other => panic!("{other} is not a port"),
    }
}

/// `selector` matches `labels`: every key/value in it is among them.
fn selects(selector: &Value, labels: &Value) -> bool {
    let selector = selector.as_object().expect("a selector");
    !selector.is_empty() && selector.iter().all(|(key, value)| &labels[key] == value)
}

#[test]
fn every_manifest_is_a_named_kubernetes_object() {
    for (name, manifest) in manifests() {
        if name == "kustomization.yaml" {
            continue;
        }
        for field in ["apiVersion", "kind"] {
            assert!(manifest[field].is_string(), "{name} has no {field}");
        }
        assert!(
            manifest["metadata"]["name"].is_string(),
            "{name} has no name"
        );
    }
}

#[test]
fn the_container_port_and_probes_are_the_services() {
    let manifests = manifests();
    let deployment = of_kind(&manifests, "Deployment");
    let container = container(&deployment);
    let port = u64::from(default_settings().shared.listen.port());
    let container_port = resolve_port(&Value::from("http"), container);
    assert_eq!(
        container_port, port,
        "the container port is not COBROWSE_LISTEN's default"
    );
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert_eq!(resolve_port(&get["port"], container), port, "{probe} port");
    }
}

#[test]
fn the_service_the_autoscaler_and_the_budget_find_the_pods() {
    let manifests = manifests();
    let deployment = of_kind(&manifests, "Deployment");
    let name = &deployment["metadata"]["name"];
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    assert!(selects(
        &deployment["spec"]["selector"]["matchLabels"],
        labels
    ));

    let service = of_kind(&manifests, "Service");
    assert!(
        selects(&service["spec"]["selector"], labels),
        "the Service selects no pod"
    );
    for port in service["spec"]["ports"].as_array().unwrap() {
        assert_eq!(
            resolve_port(&port["targetPort"], container(&deployment)),
            u64::from(default_settings().shared.listen.port()),
            "the Service's targetPort is not the container's"
        );
    }

    let autoscaler = of_kind(&manifests, "HorizontalPodAutoscaler");
    assert_eq!(autoscaler["apiVersion"], "autoscaling/v2");
    assert_eq!(autoscaler["spec"]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(&autoscaler["spec"]["scaleTargetRef"]["name"], name);

    let budget = of_kind(&manifests, "PodDisruptionBudget");
    assert!(
        selects(&budget["spec"]["selector"]["matchLabels"], labels),
        "the PodDisruptionBudget selects no pod"
    );
    // Otherwise a node drain could never evict a pod.
    assert!(
        autoscaler["spec"]["minReplicas"].as_u64() > budget["spec"]["minAvailable"].as_u64(),
        "minReplicas must exceed the budget's minAvailable"
    );
}

#[test]
fn the_pod_runs_unprivileged_with_resources_set() {
    let deployment = of_kind(&manifests(), "Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = container(&deployment);
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    for kind in ["requests", "limits"] {
        for resource in ["cpu", "memory"] {
            assert!(
                container["resources"][kind][resource].is_string(),
                "no {kind}.{resource}"
            );
        }
    }
}

/// The settings the service holds as secrets (`SecretString`): only the Secret may carry them.
const SECRET_SETTINGS: [&str; 6] = [
    "COBROWSE_GENESYS_CLIENT_SECRET",
    "COBROWSE_AUTH_PASSWORD",
    "COBROWSE_AUTH_PASSWORD_NEXT",
    "COBROWSE_AUTH_BEARER_TOKEN",
    "COBROWSE_AUTH_BEARER_TOKEN_NEXT",
    "COBROWSE_REDIS_URL",
];

/// The environment `env_from` gives a container when the ConfigMap holds `config` and the
/// Secret `secret`, as Kubernetes builds it: every key of each source in turn, a later source
/// winning a key both have. Each name must be a setting of docs/configuration.md's table.
fn environment(
    env_from: &Value,
    manifests: &BTreeMap<String, Value>,
    secret_values: &Value,
) -> Vec<(String, String)> {
    let config_map = of_kind(manifests, "ConfigMap");
    let secret = of_kind(manifests, "Secret");
    let known = documented_settings();
    let mut vars = BTreeMap::new();
    for source in env_from.as_array().expect("envFrom is a list") {
        let (reference, manifest, values) =
            match (source.get("configMapRef"), source.get("secretRef")) {
                (Some(reference), None) => (reference, &config_map, &config_map["data"]),
                (None, Some(reference)) => (reference, &secret, secret_values),
                _ => panic!("envFrom takes a ConfigMap or a Secret: {source}"),
            };
        assert_eq!(reference["name"], manifest["metadata"]["name"], "{source}");
        for (name, value) in values.as_object().unwrap() {
            assert!(
                known.iter().any(|k| k == name),
                "{name} is not a setting in docs/configuration.md's table"
            );
            vars.insert(name.clone(), value.as_str().unwrap().to_owned());
        }
    }
    vars.into_iter().collect()
}

#[test]
fn the_environment_is_one_the_service_starts_with() {
    let manifests = manifests();
    let deployment = of_kind(&manifests, "Deployment");
    let secret = of_kind(&manifests, "Secret");
    let served = container(&deployment);
    // Nothing but the two shared sources: an env entry would reach the pods, not doctor.
    assert!(
        served.get("env").is_none(),
        "the Deployment sets variables of its own; put them in configmap.yaml or the Secret"
    );
    let config_map = of_kind(&manifests, "ConfigMap");
    for name in config_map["data"].as_object().unwrap().keys() {
        assert!(
            !SECRET_SETTINGS.contains(&name.as_str()),
            "{name} is a secret: it belongs in the Secret, not the ConfigMap"
        );
    }
    let vars = environment(&served["envFrom"], &manifests, &secret["stringData"]);
    if let Err(err) = Deployment::from_vars(vars) {
        panic!("the service would not start with the Deployment's environment: {err}");
    }
}

#[test]
fn a_secret_with_either_inbound_credential_starts_the_service_and_one_with_none_does_not() {
    let manifests = manifests();
    let deployment = of_kind(&manifests, "Deployment");
    let client = [
        ("COBROWSE_GENESYS_CLIENT_ID", "client-id"),
        ("COBROWSE_GENESYS_CLIENT_SECRET", "client-secret"),
    ];
    let with = |inbound: &[(&str, &str)]| {
        let values: serde_json::Map<String, Value> = client
            .iter()
            .chain(inbound)
            .map(|(key, value)| ((*key).to_owned(), Value::from(*value)))
            .collect();
        Deployment::from_vars(environment(
            &container(&deployment)["envFrom"],
            &manifests,
            &Value::Object(values),
        ))
    };
    // deploy/terraform's credential_type "basic", then "bearer".
    with(&[
        ("COBROWSE_AUTH_USERNAME", "genesys"),
        ("COBROWSE_AUTH_PASSWORD", "a-long-password"),
    ])
    .expect("a Basic-only Secret starts the service");
    with(&[("COBROWSE_AUTH_BEARER_TOKEN", "a-long-token")])
        .expect("a bearer-only Secret starts the service");
    // A Secret without an inbound credential never leaves the service open: it refuses to
    // start instead.
    let err = with(&[]).expect_err("no inbound credential, yet the service starts");
    assert!(
        err.to_string().contains("COBROWSE_AUTH_BEARER_TOKEN"),
        "{err}"
    );
}

#[test]
fn the_example_secret_holds_only_placeholders() {
    let secret = of_kind(&manifests(), "Secret");
    for (key, value) in secret["stringData"].as_object().unwrap() {
        assert!(
            value.as_str().unwrap().starts_with("REPLACE-WITH-"),
            "{key} in the example Secret looks like a real value"
        );
    }
    assert!(read("deploy/kubernetes/secret.example.yaml").contains("EXAMPLE ONLY"));
}

#[test]
fn kustomize_applies_everything_but_the_example_secret() {
    let manifests = manifests();
    let kustomization = &manifests["kustomization.yaml"];
    let mut listed: Vec<&str> = kustomization["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut expected: Vec<&str> = manifests
        .keys()
        .map(String::as_str)
        .filter(|name| !matches!(*name, "kustomization.yaml" | "secret.example.yaml"))
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
}

#[test]
fn the_pods_get_no_service_link_variables() {
    // Kubernetes adds `<SERVICE>_SERVICE_HOST` and the like for every Service in the namespace;
    // for a Service named cobrowse-proxy they start with COBROWSE_, which the service refuses.
    let manifests = manifests();
    let service = of_kind(&manifests, "Service");
    let links = service["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_uppercase()
        .replace('-', "_");
    let deployment = of_kind(&manifests, "Deployment");
    if links.starts_with("COBROWSE_") {
        assert_eq!(
            deployment["spec"]["template"]["spec"]["enableServiceLinks"], false,
            "the pods would get {links}_SERVICE_HOST, which the service refuses as an unknown setting"
        );
    }
}

/// The pod spec `kubectl run ... --overrides='<json>'` in deploy/README.md.
fn doctor_pod() -> Value {
    let readme = read("deploy/README.md");
    let (_, rest) = readme
        .split_once("--overrides='")
        .expect("deploy/README.md shows the one-off doctor pod");
    let (json, _) = rest.split_once('\'').unwrap();
    serde_json::from_str(json).expect("the overrides are JSON")
}

#[test]
fn the_one_off_doctor_pod_runs_doctor_with_the_deployments_settings() {
    let manifests = manifests();
    let deployment = of_kind(&manifests, "Deployment");
    let served = container(&deployment);
    let pod = doctor_pod();
    let spec = &pod["spec"];
    let serving = &deployment["spec"]["template"]["spec"];
    assert_eq!(spec["enableServiceLinks"], false);
    assert_eq!(spec["automountServiceAccountToken"], false);
    assert_eq!(spec["securityContext"], serving["securityContext"]);
    let containers = spec["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let doctor = &containers[0];
    assert_eq!(doctor["image"], served["image"]);
    assert_eq!(doctor["securityContext"], served["securityContext"]);
    assert_eq!(doctor["args"][0], "doctor");
    assert!(
        read("deploy/README.md")
            .contains(&format!("--image={}", served["image"].as_str().unwrap())),
        "kubectl run's --image is the Deployment's"
    );
    // The same sources, whole: whatever a setting added to the ConfigMap or the Secret, both
    // pods get it; and neither has variables of its own.
    assert_eq!(doctor["envFrom"], served["envFrom"]);
    assert!(doctor.get("env").is_none() && served.get("env").is_none());
}
