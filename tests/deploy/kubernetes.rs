//! `deploy/kubernetes/`: the manifests parse, agree with each other, and configure the
//! service the way it actually starts (port, probe paths, settings it knows), as
//! `kubectl apply -k` renders them (`kustomize.rs`). The Redis the replicas share, and the
//! orgs-file overlay, are checked here too; the Ingress and the NetworkPolicies in
//! `network.rs`, the walk through the docs in `walk.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cobrowse_proxy::config::Deployment;
use serde_json::{Map, Value};

use crate::kustomize::{documents, object, render};
use crate::{default_settings, documented_settings, files_in, read, repo_path};

pub const SERVICE: &str = "cobrowse-proxy";
pub const REDIS: &str = "cobrowse-proxy-redis";
/// The Secret the overlay mounts the orgs file from.
pub const ORGS_SECRET: &str = "cobrowse-proxy-orgs";

/// The base, as `kubectl apply -k deploy/kubernetes` applies it.
pub fn base() -> Vec<Value> {
    render("deploy/kubernetes")
}

/// The orgs-file overlay, as `kubectl apply -k deploy/kubernetes-orgs-file` applies it.
pub fn overlay() -> Vec<Value> {
    render("deploy/kubernetes-orgs-file")
}

pub fn container(deployment: &Value) -> &Value {
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("the Deployment has containers");
    assert_eq!(containers.len(), 1);
    &containers[0]
}

/// A port given by name or number, as the container's port number.
pub fn resolve_port(port: &Value, container: &Value) -> u64 {
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
pub fn selects(selector: &Value, labels: &Value) -> bool {
    let selector = selector.as_object().expect("a selector");
    !selector.is_empty() && selector.iter().all(|(key, value)| &labels[key] == value)
}

pub fn pod_labels(deployment: &Value) -> &Value {
    &deployment["spec"]["template"]["metadata"]["labels"]
}

/// The example Secrets (`secret.example.yaml`), by name: their `stringData`.
fn example_secrets() -> BTreeMap<String, Value> {
    documents(&repo_path("deploy/kubernetes/secret.example.yaml"))
        .into_iter()
        .map(|secret| {
            assert_eq!(secret["kind"], "Secret");
            (
                secret["metadata"]["name"].as_str().unwrap().to_owned(),
                secret["stringData"].clone(),
            )
        })
        .collect()
}

#[test]
fn every_manifest_is_a_named_kubernetes_object() {
    let mut files = files_in("deploy/kubernetes", ".yaml");
    files.extend(files_in("deploy/kubernetes-orgs-file", ".yaml"));
    for file in files {
        for manifest in documents(&file) {
            if manifest["kind"] == "Kustomization" {
                continue;
            }
            for field in ["apiVersion", "kind"] {
                assert!(
                    manifest[field].is_string(),
                    "{} has no {field}",
                    file.display()
                );
            }
            assert!(
                manifest["metadata"]["name"].is_string(),
                "{} has no name",
                file.display()
            );
        }
    }
}

#[test]
fn the_container_port_and_probes_are_the_services() {
    let objects = base();
    let container = container(object(&objects, "Deployment", SERVICE));
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
    let objects = base();
    let deployment = object(&objects, "Deployment", SERVICE);
    let labels = pod_labels(deployment);
    assert!(selects(
        &deployment["spec"]["selector"]["matchLabels"],
        labels
    ));

    let service = object(&objects, "Service", SERVICE);
    assert!(
        selects(&service["spec"]["selector"], labels),
        "the Service selects no pod"
    );
    for port in service["spec"]["ports"].as_array().unwrap() {
        assert_eq!(
            resolve_port(&port["targetPort"], container(deployment)),
            u64::from(default_settings().shared.listen.port()),
            "the Service's targetPort is not the container's"
        );
    }

    let autoscaler = object(&objects, "HorizontalPodAutoscaler", SERVICE);
    assert_eq!(autoscaler["apiVersion"], "autoscaling/v2");
    assert_eq!(autoscaler["spec"]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(autoscaler["spec"]["scaleTargetRef"]["name"], SERVICE);

    let budget = object(&objects, "PodDisruptionBudget", SERVICE);
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
fn every_pod_runs_unprivileged_with_resources_set() {
    let objects = base();
    for name in [SERVICE, REDIS] {
        let deployment = object(&objects, "Deployment", name);
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}");
        assert!(
            pod["securityContext"]["runAsUser"]
                .as_u64()
                .is_some_and(|uid| uid != 0),
            "{name}"
        );
        assert_eq!(pod["automountServiceAccountToken"], false, "{name}");
        let container = container(deployment);
        let security = &container["securityContext"];
        assert_eq!(security["readOnlyRootFilesystem"], true, "{name}");
        assert_eq!(security["allowPrivilegeEscalation"], false, "{name}");
        assert_eq!(security["capabilities"]["drop"][0], "ALL", "{name}");
        for kind in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                assert!(
                    container["resources"][kind][resource].is_string(),
                    "{name}: no {kind}.{resource}"
                );
            }
        }
    }
}

/// The settings the service holds as secrets (`SecretString`): only a Secret may carry them.
const SECRET_SETTINGS: [&str; 6] = [
    "COBROWSE_GENESYS_CLIENT_SECRET",
    "COBROWSE_AUTH_PASSWORD",
    "COBROWSE_AUTH_PASSWORD_NEXT",
    "COBROWSE_AUTH_BEARER_TOKEN",
    "COBROWSE_AUTH_BEARER_TOKEN_NEXT",
    "COBROWSE_REDIS_URL",
];

/// The environment `env_from` gives a container, as Kubernetes builds it: every key of each
/// source in turn (the rendered ConfigMap, or the Secret of that name in `secrets`), a later
/// source winning a key both have. Each name must be a setting of docs/configuration.md's
/// table.
pub fn environment(
    env_from: &Value,
    objects: &[Value],
    secrets: &BTreeMap<String, Value>,
) -> Vec<(String, String)> {
    let known = documented_settings();
    let mut vars = BTreeMap::new();
    for source in env_from.as_array().expect("envFrom is a list") {
        let values = match (source.get("configMapRef"), source.get("secretRef")) {
            (Some(reference), None) => {
                let name = reference["name"].as_str().unwrap();
                object(objects, "ConfigMap", name)["data"].clone()
            }
            (None, Some(reference)) => {
                let name = reference["name"].as_str().unwrap();
                secrets
                    .get(name)
                    .unwrap_or_else(|| panic!("no Secret {name} is made"))
                    .clone()
            }
            _ => panic!("envFrom takes a ConfigMap or a Secret: {source}"),
        };
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
    let objects = base();
    let served = container(object(&objects, "Deployment", SERVICE));
    // Nothing but the shared sources: an env entry would reach the pods, not doctor.
    assert!(
        served.get("env").is_none(),
        "the Deployment sets variables of its own; put them in configmap.yaml or a Secret"
    );
    let config_map = object(&objects, "ConfigMap", SERVICE);
    for name in config_map["data"].as_object().unwrap().keys() {
        assert!(
            !SECRET_SETTINGS.contains(&name.as_str()),
            "{name} is a secret: it belongs in a Secret, not the ConfigMap"
        );
    }
    let vars = environment(&served["envFrom"], &objects, &example_secrets());
    assert!(vars.iter().any(|(name, _)| name == "COBROWSE_REDIS_URL"));
    if let Err(err) = Deployment::from_vars(vars) {
        panic!("the service would not start with the Deployment's environment: {err}");
    }
}

#[test]
fn a_secret_with_either_inbound_credential_starts_the_service_and_one_with_none_does_not() {
    let objects = base();
    let deployment = object(&objects, "Deployment", SERVICE);
    let client = [
        ("COBROWSE_GENESYS_CLIENT_ID", "client-id"),
        ("COBROWSE_GENESYS_CLIENT_SECRET", "client-secret"),
    ];
    let with = |inbound: &[(&str, &str)]| {
        let values: Map<String, Value> = client
            .iter()
            .chain(inbound)
            .map(|(key, value)| ((*key).to_owned(), Value::from(*value)))
            .collect();
        let mut secrets = example_secrets();
        secrets.insert(SERVICE.to_owned(), Value::Object(values));
        Deployment::from_vars(environment(
            &container(deployment)["envFrom"],
            &objects,
            &secrets,
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
fn the_example_secrets_hold_only_placeholders() {
    for (name, values) in example_secrets() {
        for (key, value) in values.as_object().unwrap() {
            assert!(
                value.as_str().unwrap().contains("REPLACE-WITH-"),
                "{key} in the example Secret {name} looks like a real value"
            );
        }
    }
    assert!(read("deploy/kubernetes/secret.example.yaml").contains("EXAMPLE ONLY"));
}

#[test]
fn kustomize_applies_everything_but_the_example_secrets() {
    let kustomization = &documents(&repo_path("deploy/kubernetes/kustomization.yaml"))[0];
    let mut listed: Vec<&str> = kustomization["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let files: Vec<PathBuf> = files_in("deploy/kubernetes", ".yaml");
    let mut expected: Vec<String> = files
        .iter()
        .map(|file| file.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| !matches!(name.as_str(), "kustomization.yaml" | "secret.example.yaml"))
        .collect();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);
    // No Secret is applied: each is made by the admin (docs/registering.md), never from a
    // file of placeholders.
    assert!(base().iter().all(|o| o["kind"] != "Secret"));
}

#[test]
fn the_pods_get_no_service_link_variables() {
    // Kubernetes adds `<SERVICE>_SERVICE_HOST` and the like for every Service in the namespace;
    // for a Service named cobrowse-proxy (or cobrowse-proxy-redis) they start with COBROWSE_,
    // which the service refuses.
    let objects = base();
    for service in objects.iter().filter(|o| o["kind"] == "Service") {
        let links = service["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_uppercase()
            .replace('-', "_");
        if links.starts_with("COBROWSE_") {
            let deployment = object(&objects, "Deployment", SERVICE);
            assert_eq!(
                deployment["spec"]["template"]["spec"]["enableServiceLinks"], false,
                "the pods would get {links}_SERVICE_HOST, which the service refuses as an unknown setting"
            );
        }
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
    let objects = base();
    let deployment = object(&objects, "Deployment", SERVICE);
    let served = container(deployment);
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
    // The same sources, whole: whatever a setting added to the ConfigMap or a Secret, both
    // pods get it; and neither has variables of its own.
    assert_eq!(doctor["envFrom"], served["envFrom"]);
    assert!(doctor.get("env").is_none() && served.get("env").is_none());
}
