//! `deploy/kubernetes-orgs-file/`, the base for an orgs file: the orgs Secret mounted read
//! only as a directory (so Kubernetes's updates reach the file), `COBROWSE_ORGS_FILE` naming
//! the file in it, and nothing the service refuses beside an orgs file; the service starts
//! with what the overlay gives it and docs/multi-org.md's example file.

use std::collections::BTreeMap;

use cobrowse_proxy::config::Deployment;
use serde_json::{Value, json};

use crate::kubernetes::{ORGS_SECRET, SERVICE, base, container, environment, overlay};
use crate::kustomize::object;
use crate::read;

/// The orgs file of docs/multi-org.md's example (its first `toml` block).
fn documented_orgs_file() -> String {
    let doc = read("docs/multi-org.md");
    let (_, rest) = doc
        .split_once("```toml\n")
        .expect("multi-org.md shows an orgs file");
    rest.split_once("```").unwrap().0.to_owned()
}

/// The key of the orgs Secret multi-org.md creates (`--from-file=KEY=...`).
fn documented_key() -> String {
    let doc = read("docs/multi-org.md");
    let command = format!("kubectl create secret generic {ORGS_SECRET} --from-file=");
    let (_, rest) = doc
        .split_once(&command)
        .expect("multi-org.md creates the orgs Secret");
    rest.split('=').next().unwrap().to_owned()
}

/// The placeholder values of the other Secrets the overlay reads.
fn redis_secret() -> BTreeMap<String, Value> {
    BTreeMap::from([(
        "cobrowse-proxy-redis".to_owned(),
        json!({"COBROWSE_REDIS_URL": "redis://:password@cobrowse-proxy-redis:6379/0"}),
    )])
}

#[test]
fn the_orgs_secret_is_mounted_read_only_where_cobrowse_orgs_file_points() {
    let objects = overlay();
    let deployment = object(&objects, "Deployment", SERVICE);
    let pod = &deployment["spec"]["template"]["spec"];
    let volumes: Vec<&Value> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["secret"]["secretName"] == ORGS_SECRET)
        .collect();
    assert_eq!(volumes.len(), 1, "the orgs Secret is not a volume");
    let mounts: Vec<&Value> = container(deployment)["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"] == volumes[0]["name"])
        .collect();
    assert_eq!(mounts.len(), 1, "the orgs volume is not mounted");
    let mount = mounts[0];
    assert_eq!(mount["readOnly"], true);
    // A subPath mount is a copy the kubelet never updates: no reload would ever happen.
    assert!(mount.get("subPath").is_none(), "mounted with subPath");
    let file = object(&objects, "ConfigMap", SERVICE)["data"]["COBROWSE_ORGS_FILE"]
        .as_str()
        .expect("the ConfigMap sets COBROWSE_ORGS_FILE")
        .to_owned();
    assert_eq!(
        file,
        format!(
            "{}/{}",
            mount["mountPath"].as_str().unwrap(),
            documented_key()
        ),
        "COBROWSE_ORGS_FILE is not the key multi-org.md creates, in the mounted directory"
    );
}

#[test]
fn the_overlay_leaves_out_what_an_orgs_file_refuses_and_the_service_starts() {
    let objects = overlay();
    let served = container(object(&objects, "Deployment", SERVICE));
    assert!(
        !served["envFrom"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["secretRef"]["name"] == SERVICE),
        "the org's Secret is still read"
    );
    let dir = std::env::temp_dir().join(format!("cobrowse-overlay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    std::fs::write(&file, documented_orgs_file()).unwrap();
    // The overlay's environment, but for the file's place on this machine.
    let at_hand = |vars: Vec<(String, String)>| -> Vec<(String, String)> {
        vars.into_iter()
            .map(|(name, value)| match name.as_str() {
                "COBROWSE_ORGS_FILE" => (name, file.display().to_string()),
                _ => (name, value),
            })
            .collect()
    };
    let vars = at_hand(environment(&served["envFrom"], &objects, &redis_secret()));
    assert!(vars.iter().any(|(name, _)| name == "COBROWSE_ORGS_FILE"));
    if let Err(err) = Deployment::from_vars(vars) {
        panic!("the service would not start with the overlay's environment: {err}");
    }

    // The base as it was, with only COBROWSE_ORGS_FILE added: refused, which is why the
    // overlay leaves out the org's Secret and the region.
    let base = base();
    let mut secrets = redis_secret();
    secrets.insert(
        SERVICE.to_owned(),
        json!({"COBROWSE_GENESYS_CLIENT_ID": "id", "COBROWSE_GENESYS_CLIENT_SECRET": "secret",
               "COBROWSE_AUTH_USERNAME": "genesys", "COBROWSE_AUTH_PASSWORD": "a-long-password"}),
    );
    let mut vars = environment(
        &container(object(&base, "Deployment", SERVICE))["envFrom"],
        &base,
        &secrets,
    );
    vars.push(("COBROWSE_ORGS_FILE".to_owned(), file.display().to_string()));
    let err = Deployment::from_vars(vars).expect_err("the base takes an orgs file as it is");
    for refused in ["COBROWSE_GENESYS_CLIENT_ID", "COBROWSE_GENESYS_REGION"] {
        assert!(err.to_string().contains(refused), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_overlay_changes_nothing_else() {
    let base = base();
    let overlay = overlay();
    assert_eq!(base.len(), overlay.len());
    for object in &overlay {
        let changed = matches!(
            (
                object["kind"].as_str().unwrap(),
                object["metadata"]["name"].as_str().unwrap()
            ),
            ("Deployment", SERVICE) | ("ConfigMap", SERVICE)
        );
        if !changed {
            assert!(
                base.contains(object),
                "the overlay changes {}",
                object["metadata"]["name"]
            );
        }
    }
}
