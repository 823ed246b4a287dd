//! The Kubernetes walk of docs/registering.md, step 2 (and docs/multi-org.md for the orgs-file
//! overlay), followed as written: the shell lines of their `sh` blocks are read as a shell
//! would split them, with their variables, and what they make (the Secrets, the image pushed,
//! the `sed` that sets the image) is checked against what `kubectl apply -k` then
//! applies. The manifests must reference only images and Secrets the docs told the admin to
//! make: a Secret nobody made leaves a pod in `CreateContainerConfigError`, an image nobody
//! pushed in `ImagePullBackOff`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::kubernetes::{ORGS_SECRET, SERVICE, container, overlay};
use crate::kustomize::{KITS, images, object, render_at, split_image};
use crate::{read, repo_path};

/// One shell command of a doc's `sh` blocks, as words (quotes removed, variables expanded).
type Words = Vec<String>;

/// The commands of the `sh` blocks of a doc's `text`, with `vars` as the shell's variables (an
/// assignment in the doc sets one; an unset one expands to `$NAME`, a command substitution to
/// `output-of-<the command>`). Continued lines are joined; `&&`, `;`, `|` and a subshell's
/// parentheses end a command; `#` starts a comment.
fn commands(text: &str, vars: &mut BTreeMap<String, String>) -> Vec<Words> {
    let mut found = Vec::new();
    let mut block = None::<String>;
    for line in text.lines() {
        let trimmed = line.trim();
        match &mut block {
            None if trimmed == "```sh" => block = Some(String::new()),
            None => {}
            Some(text) if trimmed == "```" => {
                found.extend(split(&text.replace("\\\n", " "), vars));
                block = None;
            }
            Some(text) => {
                text.push_str(trimmed);
                text.push('\n');
            }
        }
    }
    found
}

/// The commands of one block of shell text.
fn split(text: &str, vars: &mut BTreeMap<String, String>) -> Vec<Words> {
    let mut commands = Vec::new();
    let mut words: Words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars().peekable();
    let mut quote = None::<char>;
    let end_command = |words: &mut Words, commands: &mut Vec<Words>, vars: &mut BTreeMap<_, _>| {
        // Leading NAME=value words are assignments; alone, they set the shell's variables.
        let assignments = words
            .iter()
            .take_while(|w| {
                w.split_once('=').is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                })
            })
            .count();
        if assignments == words.len() {
            for assignment in words.drain(..) {
                let (name, value) = assignment.split_once('=').unwrap();
                vars.insert(name.to_owned(), value.to_owned());
            }
        } else {
            commands.push(std::mem::take(words));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), c) => word.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (_, '$') => {
                let expanded = expand(&mut chars, vars);
                word.get_or_insert_default().push_str(&expanded);
            }
            (Some(_), '\\') => {
                let next = chars.next().unwrap();
                if !matches!(next, '"' | '\\' | '$') {
                    word.get_or_insert_default().push('\\');
                }
                word.get_or_insert_default().push(next);
            }
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '#') if word.is_none() => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            (None, ' ' | '\t') => words.extend(word.take()),
            (None, '\n' | ';' | '|' | '&' | '(' | ')') => {
                words.extend(word.take());
                if !words.is_empty() {
                    end_command(&mut words, &mut commands, vars);
                }
            }
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word.take());
    if !words.is_empty() {
        end_command(&mut words, &mut commands, vars);
    }
    commands
}

/// What follows a `$`: a variable's value, or a command substitution's stand-in.
fn expand(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    vars: &BTreeMap<String, String>,
) -> String {
    match chars.peek() {
        Some('(') => {
            chars.next();
            let mut depth = 1;
            let mut inner = String::new();
            for c in chars.by_ref() {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                if depth == 0 {
                    break;
                }
                inner.push(c);
            }
            // What the command would print stands in for it: `openssl rand`, `terraform output`.
            format!(
                "output-of-{}",
                inner.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            )
        }
        Some('{') => {
            chars.next();
            let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
            vars.get(&name).cloned().unwrap_or(format!("${name}"))
        }
        _ => {
            let mut name = String::new();
            while let Some(&c) = chars
                .peek()
                .filter(|c| c.is_ascii_alphanumeric() || **c == '_')
            {
                name.push(c);
                chars.next();
            }
            vars.get(&name).cloned().unwrap_or(format!("${name}"))
        }
    }
}

/// The Secrets the commands create (not a `--dry-run` that updates one), by name: their keys
/// and values, and how many commands create each.
fn secrets_made(commands: &[Words]) -> BTreeMap<String, (Value, usize)> {
    let mut made: BTreeMap<String, (Value, usize)> = BTreeMap::new();
    for words in commands {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let ["kubectl", "create", "secret", kind, name, options @ ..] = words.as_slice() else {
            continue;
        };
        if options.iter().any(|o| o.starts_with("--dry-run")) {
            continue;
        }
        let mut values = serde_json::Map::new();
        for option in options.iter() {
            if let Some(pair) = option.strip_prefix("--from-literal=") {
                let (key, value) = pair.split_once('=').unwrap();
                values.insert(key.to_owned(), Value::from(value));
            } else if let Some(pair) = option.strip_prefix("--from-file=") {
                let (key, _) = pair.split_once('=').unwrap_or((pair, ""));
                values.insert(key.to_owned(), Value::from("<the file>"));
            }
        }
        if *kind == "tls" {
            for key in ["tls.crt", "tls.key"] {
                values.insert(key.to_owned(), Value::from("<the file>"));
            }
        }
        let entry = made.entry((*name).to_owned()).or_insert((Value::Null, 0));
        entry.0 = Value::Object(values);
        entry.1 += 1;
    }
    made
}

/// The images the commands push (`docker push`): what a cluster can pull.
fn images_pushed(commands: &[Words]) -> BTreeSet<String> {
    commands
        .iter()
        .filter(|words| words.len() == 3 && words[0] == "docker" && words[1] == "push")
        .map(|words| words[2].clone())
        .collect()
}

/// What `kit` applies after the docs' commands edited its files: a copy of `deploy/` whose
/// kits get every `sed -i` the commands run on them, run by the real `sed` from the copy's
/// root as the admin runs it from the repository's.
fn rendered_after(kit: &str, commands: &[Words]) -> Vec<Value> {
    static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("cobrowse-walk-{}-{n}", std::process::id()));
    for dir in KITS {
        copy_dir(&repo_path(dir), &root.join(dir));
    }
    for words in commands {
        let edits_a_kit = words.first().is_some_and(|w| w == "sed")
            && words
                .iter()
                .any(|w| KITS.iter().any(|kit| w.starts_with(kit)));
        if edits_a_kit {
            let status = std::process::Command::new("sed")
                .args(&words[1..])
                .current_dir(&root)
                .status()
                .expect("sed runs");
            assert!(status.success(), "{words:?} fails");
        }
    }
    let objects = render_at(&root.join(kit));
    std::fs::remove_dir_all(&root).unwrap();
    objects
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every Secret `objects` reference: a container's `envFrom` and `env`, a volume, an
/// Ingress's TLS.
fn secrets_referenced(objects: &[Value]) -> BTreeSet<String> {
    let mut referenced = BTreeSet::new();
    let mut name = |value: &Value| {
        if let Some(name) = value.as_str() {
            referenced.insert(name.to_owned());
        }
    };
    for object in objects {
        for tls in object["spec"]["tls"].as_array().into_iter().flatten() {
            name(&tls["secretName"]);
        }
        let pod = &object["spec"]["template"]["spec"];
        for volume in pod["volumes"].as_array().into_iter().flatten() {
            name(&volume["secret"]["secretName"]);
        }
        for container in pod["containers"].as_array().into_iter().flatten() {
            for source in container["envFrom"].as_array().into_iter().flatten() {
                name(&source["secretRef"]["name"]);
            }
            for var in container["env"].as_array().into_iter().flatten() {
                name(&var["valueFrom"]["secretKeyRef"]["name"]);
            }
        }
    }
    referenced
}

/// The commands of `docs` in turn, in one shell: an admin sets nothing but what they set.
fn walk(docs: &[&str]) -> Vec<Words> {
    let mut vars = BTreeMap::new();
    docs.iter()
        .flat_map(|doc| commands(&read(doc), &mut vars))
        .collect()
}

/// The images registering.md names as the public images a pod runs, as they are.
fn public_images() -> BTreeSet<String> {
    read(REGISTERING)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .split("runs the public image `")
        .skip(1)
        .map(|rest| rest.split('`').next().unwrap().to_owned())
        .collect()
}

const REGISTERING: &str = "docs/registering.md";
const MULTI_ORG: &str = "docs/multi-org.md";

#[test]
fn the_walk_applies_only_images_and_secrets_the_docs_made() {
    for (kit, docs) in [
        (KITS[0], &[REGISTERING][..]),
        (KITS[1], &[REGISTERING, MULTI_ORG][..]),
    ] {
        let commands = walk(docs);
        let made = secrets_made(&commands);
        let objects = rendered_after(kit, &commands);
        for secret in secrets_referenced(&objects) {
            assert!(
                made.contains_key(&secret),
                "{kit} references the Secret {secret}, which {docs:?} never create (made: {:?})",
                made.keys()
            );
        }
        let pushed = images_pushed(&commands);
        let public = public_images();
        for image in images(&objects) {
            assert!(
                pushed.contains(&image) || public.contains(&image),
                "{kit} runs the image {image}, which {docs:?} neither push nor name as a public image a pod runs (pushed: {pushed:?}, public: {public:?})"
            );
        }
    }
}

#[test]
fn the_image_pushed_is_the_one_the_manifests_run_whatever_the_registry() {
    let version = env!("CARGO_PKG_VERSION");
    // As written (registry.example.com), and with the registry an admin sets instead.
    for registry in [None, Some("registry.test:5000/team")] {
        let mut text = read(REGISTERING);
        if let Some(registry) = registry {
            // What the admin types instead of the placeholder; every line after uses it.
            let assignment = "REGISTRY=registry.example.com";
            assert!(text.contains(assignment), "registering.md sets no REGISTRY");
            text = text.replace(assignment, &format!("REGISTRY={registry}"));
        }
        let commands = commands(&text, &mut BTreeMap::new());
        let pushed: Vec<String> = images_pushed(&commands).into_iter().collect();
        assert_eq!(
            pushed.len(),
            1,
            "registering.md pushes one image: {pushed:?}"
        );
        let pushed = &pushed[0];
        let built: Vec<&String> = commands
            .iter()
            .filter(|w| w.starts_with(&["docker".to_owned(), "build".to_owned()]))
            .filter_map(|w| w.iter().position(|word| word == "-t").map(|i| &w[i + 1]))
            .collect();
        assert_eq!(built, [pushed], "the image built is not the one pushed");
        assert_eq!(
            split_image(pushed).1,
            format!(":{version}"),
            "the image pushed is not tagged with Cargo.toml's version"
        );
        if let Some(registry) = registry {
            assert!(pushed.starts_with(registry), "{pushed}");
        }
        let objects = rendered_after(KITS[0], &commands);
        let deployment = object(&objects, "Deployment", SERVICE);
        assert_eq!(
            container(deployment)["image"].as_str().unwrap(),
            pushed,
            "after the walk, the Deployment does not run the image the docs push"
        );
    }
    // As committed, before any edit: the placeholder registry, with the crate's version.
    let objects = crate::kustomize::render(KITS[0]);
    assert_eq!(
        container(object(&objects, "Deployment", SERVICE))["image"],
        format!("registry.example.com/cobrowse-proxy:{version}")
    );
}

#[test]
fn each_secret_is_created_once_and_the_walks_secrets_start_the_service() {
    let commands = walk(&[REGISTERING]);
    let made = secrets_made(&commands);
    for (name, (_, times)) in &made {
        assert_eq!(
            *times, 1,
            "registering.md creates the Secret {name} {times} times (AlreadyExists)"
        );
    }
    let secrets: BTreeMap<String, Value> = made
        .into_iter()
        .map(|(name, (values, _))| (name, values))
        .collect();
    let objects = rendered_after(KITS[0], &commands);
    let served = container(object(&objects, "Deployment", SERVICE));
    let vars = crate::kubernetes::environment(&served["envFrom"], &objects, &secrets);
    if let Err(err) = cobrowse_proxy::config::Deployment::from_vars(vars) {
        panic!("the service would not start with the Secrets registering.md makes: {err}");
    }
}

#[test]
fn the_overlay_needs_the_orgs_secret_multi_org_md_makes_and_not_the_orgs() {
    let commands = walk(&[MULTI_ORG]);
    let made = secrets_made(&commands);
    let referenced = secrets_referenced(&overlay());
    assert!(
        made.contains_key(ORGS_SECRET),
        "multi-org.md makes no {ORGS_SECRET}"
    );
    assert!(referenced.contains(ORGS_SECRET));
    assert!(
        !referenced.contains(SERVICE),
        "the overlay still needs the org's Secret {SERVICE}"
    );
}

#[test]
fn the_shell_reader_splits_as_a_shell_does() {
    let mut vars = BTreeMap::new();
    let commands = split(
        "A=1 B=\"two words\"\n(cd x && tool edit set image n=\"$A/y:${B}\")  # a comment\necho 'it''s' \"q\\\"q\" | cat\n",
        &mut vars,
    );
    assert_eq!(vars["B"], "two words");
    assert_eq!(
        commands,
        [
            vec!["cd", "x"],
            vec!["tool", "edit", "set", "image", "n=1/y:two words"],
            vec!["echo", "its", "q\"q"],
            vec!["cat"],
        ]
    );
}

#[test]
fn every_readme_section_a_terraform_comment_names_exists() {
    let pointer = "README.md, \"";
    for file in crate::files_in("deploy/terraform", ".tf") {
        // A comment's lines as one, so a pointer across two lines is read whole.
        let text = std::fs::read_to_string(&file).unwrap().replace("\n#", "");
        for (at, _) in text.match_indices(pointer) {
            // `README.md` is the module's own; `deploy/archy/README.md` another's.
            let directory = text[..at]
                .rsplit(|c: char| c.is_whitespace() || c == '(')
                .next()
                .unwrap();
            let readme = if directory.is_empty() {
                "deploy/terraform/README.md".to_owned()
            } else {
                format!("{directory}README.md")
            };
            let section = text[at + pointer.len()..].split('"').next().unwrap();
            assert!(
                read(&readme).lines().any(|line| line.starts_with('#')
                    && line.trim_start_matches('#').trim().replace('`', "") == section),
                "{} points to the section {section:?} of {readme}, which has none",
                file.display()
            );
        }
    }
}
