//! What `kubectl apply -k` applies, rendered here as kustomize renders it, for the parts of
//! kustomize the kits use: `resources` (files of one or more documents, and directories,
//! recursively), `patches` (JSON 6902 operations on a target kind and name) and `images`.
//! Anything else in a kustomization fails the render, so a new feature is added here first.
//! Where `kubectl` is installed, the render is also compared with `kubectl kustomize`.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

use crate::repo_path;

/// The kustomizations the docs apply: the base and the orgs-file overlay.
pub const KITS: [&str; 2] = ["deploy/kubernetes", "deploy/kubernetes-orgs-file"];

/// Every document of a YAML file, nulls (an empty document) left out.
pub fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("{} cannot be read: {err}", path.display()));
    serde_norway::Deserializer::from_str(&text)
        .map(|document| {
            Value::deserialize(document)
                .unwrap_or_else(|err| panic!("{} is not YAML: {err}", path.display()))
        })
        .filter(|document| !document.is_null())
        .collect()
}

/// The objects `kubectl kustomize <dir>` prints, `dir` relative to the repository.
pub fn render(dir: &str) -> Vec<Value> {
    render_dir(&repo_path(dir))
}

/// As [`render`], for a kit anywhere on disk (a copy the docs' commands edited).
pub fn render_at(dir: &Path) -> Vec<Value> {
    render_dir(dir)
}

fn render_dir(dir: &Path) -> Vec<Value> {
    let file = dir.join("kustomization.yaml");
    let kustomization = documents(&file).remove(0);
    for key in kustomization.as_object().unwrap().keys() {
        assert!(
            ["apiVersion", "kind", "resources", "patches", "images"].contains(&key.as_str()),
            "{}: this test's renderer knows no {key}: teach it, or kustomize's output is unchecked",
            file.display()
        );
    }
    let mut objects = Vec::new();
    for resource in list(&kustomization, "resources") {
        let path = dir.join(resource.as_str().expect("a resource is a path"));
        if path.is_dir() {
            objects.extend(render_dir(&path));
        } else {
            objects.extend(documents(&path));
        }
    }
    for patch in list(&kustomization, "patches") {
        apply_patch(&mut objects, patch, &file);
    }
    for image in list(&kustomization, "images") {
        set_image(&mut objects, image);
    }
    objects
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A `patches` entry: JSON 6902 operations (YAML) on every object of the target's kind and
/// name; a target that matches nothing is a mistake kustomize would let pass.
fn apply_patch(objects: &mut [Value], entry: &Value, file: &Path) {
    let target = &entry["target"];
    for key in target.as_object().expect("a patch has a target").keys() {
        assert!(
            ["kind", "name"].contains(&key.as_str()),
            "{}: this renderer matches targets by kind and name only, not {key}",
            file.display()
        );
    }
    let operations: Value = serde_norway::from_str(entry["patch"].as_str().unwrap())
        .unwrap_or_else(|err| panic!("{}: a patch is not YAML: {err}", file.display()));
    let patch: json_patch::Patch = serde_json::from_value(operations)
        .unwrap_or_else(|err| panic!("{}: a patch is not JSON 6902: {err}", file.display()));
    let mut matched = 0;
    for object in objects.iter_mut().filter(|object| {
        object["kind"] == target["kind"] && object["metadata"]["name"] == target["name"]
    }) {
        json_patch::patch(object, &patch).unwrap_or_else(|err| {
            panic!(
                "{}: {target} does not take its patch: {err}",
                file.display()
            )
        });
        matched += 1;
    }
    assert_eq!(
        matched,
        1,
        "{}: the patch of {target} matches {matched} objects",
        file.display()
    );
}

/// An `images` entry: every container whose image has the entry's name gets its new name,
/// tag or digest.
fn set_image(objects: &mut [Value], entry: &Value) {
    let name = entry["name"].as_str().expect("an image entry has a name");
    for object in objects {
        // Not by index: indexing a ConfigMap with `["spec"]` would add one to it.
        let Some(spec) = object.pointer_mut("/spec/template/spec") else {
            continue;
        };
        for key in ["initContainers", "containers"] {
            let Some(containers) = spec.get_mut(key).and_then(Value::as_array_mut) else {
                continue;
            };
            for container in containers {
                let image = container["image"].as_str().unwrap().to_owned();
                let (image_name, tag) = split_image(&image);
                if image_name != name {
                    continue;
                }
                let new_name = entry["newName"].as_str().unwrap_or(image_name);
                container["image"] =
                    Value::from(match (entry.get("digest"), entry.get("newTag")) {
                        (Some(digest), _) => format!("{new_name}@{}", digest.as_str().unwrap()),
                        (None, Some(tag)) => {
                            format!("{new_name}:{}", tag.as_str().expect("newTag is quoted"))
                        }
                        (None, None) => format!("{new_name}{tag}"),
                    });
            }
        }
    }
}

/// `registry:5000/team/name:tag` as its name and what follows it (`:tag`, `@digest`, or
/// nothing).
pub fn split_image(image: &str) -> (&str, &str) {
    let end = image.find('@').unwrap_or(image.len());
    let name_end = match image[..end].rfind(':') {
        Some(colon) if !image[colon..end].contains('/') => colon,
        _ => end,
    };
    image.split_at(name_end)
}

/// Every container image of `objects`.
pub fn images(objects: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    for object in objects {
        let spec = &object["spec"]["template"]["spec"];
        for key in ["initContainers", "containers"] {
            for container in list(spec, key) {
                found.push(container["image"].as_str().unwrap().to_owned());
            }
        }
    }
    found
}

/// The one object of `kind` named `name`.
pub fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "expected one {kind} {name}");
    found[0]
}

/// The objects sorted by kind and name, to compare two renders.
fn sorted(mut objects: Vec<Value>) -> Vec<Value> {
    objects.sort_by_key(|o| format!("{}/{}", o["kind"], o["metadata"]["name"]));
    objects
}

/// `kubectl kustomize <dir>`, or `None` (said on stderr) when kubectl is not installed.
fn kubectl_kustomize(dir: &str) -> Option<Vec<Value>> {
    let runs = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !runs {
        return None;
    }
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(repo_path(dir))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "kubectl kustomize {dir} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    Some(
        serde_norway::Deserializer::from_str(&text)
            .map(|document| Value::deserialize(document).unwrap())
            .filter(|document| !document.is_null())
            .collect(),
    )
}

#[test]
fn the_own_render_is_what_kubectl_kustomize_prints() {
    use std::io::Write;
    for dir in KITS {
        let own = sorted(render(dir));
        assert!(own.len() > 5, "{dir} renders {} objects", own.len());
        match kubectl_kustomize(dir) {
            Some(kubectl) => {
                let kubectl = sorted(kubectl);
                let differing = kubectl
                    .iter()
                    .zip(&own)
                    .find(|(theirs, ours)| theirs != ours);
                assert!(
                    kubectl.len() == own.len() && differing.is_none(),
                    "{dir}: this test's render differs from kubectl kustomize's: {} objects against {}; first difference:\n{differing:#?}",
                    own.len(),
                    kubectl.len()
                );
            }
            // Written to stderr directly: cargo test shows it even for a passing test.
            None => {
                let _ = writeln!(
                    std::io::stderr(),
                    "NOTE the_own_render_is_what_kubectl_kustomize_prints: kubectl not found, so {dir} was rendered by this test's renderer only, not compared with kubectl kustomize"
                );
            }
        }
    }
}

#[test]
fn the_renderer_splits_images_as_kustomize_names_them() {
    for (image, name, rest) in [
        ("cobrowse-proxy", "cobrowse-proxy", ""),
        (
            "registry.example.com/cobrowse-proxy:0.1.0",
            "registry.example.com/cobrowse-proxy",
            ":0.1.0",
        ),
        (
            "registry:5000/team/cobrowse-proxy",
            "registry:5000/team/cobrowse-proxy",
            "",
        ),
        (
            "registry:5000/cobrowse-proxy:1@sha256:ab",
            "registry:5000/cobrowse-proxy",
            ":1@sha256:ab",
        ),
        ("redis@sha256:ab", "redis", "@sha256:ab"),
    ] {
        assert_eq!(split_image(image), (name, rest), "{image}");
    }
}
