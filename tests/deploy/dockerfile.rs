//! `deploy/Dockerfile`: Docker cannot run here, so check what can go wrong silently: the port,
//! the user, and the HEALTHCHECK agree with the binary and the Kubernetes manifests.

use std::process::Command;

use cobrowse_proxy::config::DEFAULT_LISTEN;

use crate::{default_settings, read, repo_path};

/// The instructions of the final (runtime) stage, continuation lines joined.
fn runtime_stage() -> Vec<String> {
    let text = read("deploy/Dockerfile").replace("\\\n", " ");
    let instructions: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let last_from = instructions
        .iter()
        .rposition(|line| line.starts_with("FROM "))
        .expect("a FROM");
    instructions[last_from..].to_vec()
}

fn instruction<'a>(stage: &'a [String], keyword: &str) -> &'a str {
    stage
        .iter()
        .find_map(|line| line.strip_prefix(&format!("{keyword} ")))
        .unwrap_or_else(|| panic!("the runtime stage has no {keyword}"))
}

#[test]
fn the_image_exposes_the_port_the_service_listens_on() {
    let stage = runtime_stage();
    let port = default_settings().shared.listen.port().to_string();
    assert_eq!(instruction(&stage, "EXPOSE"), port);
}

#[test]
fn the_image_runs_unprivileged_as_the_pod_expects() {
    let stage = runtime_stage();
    let user = instruction(&stage, "USER");
    let uid = user.split(':').next().unwrap();
    assert!(
        uid.parse::<u32>().is_ok_and(|uid| uid != 0),
        "USER {user}: Kubernetes' runAsNonRoot needs a numeric, non-root uid"
    );
    let deployment: serde_json::Value =
        serde_norway::from_str(&read("deploy/kubernetes/deployment.yaml")).unwrap();
    assert_eq!(
        deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
            .as_u64()
            .map(|u| u.to_string())
            .as_deref(),
        Some(uid),
        "the Deployment's runAsUser is not the image's USER"
    );
}

#[test]
fn the_healthcheck_runs_the_binary_the_image_ships() {
    let stage = runtime_stage();
    let entrypoint = instruction(&stage, "ENTRYPOINT");
    let binary = entrypoint
        .trim_start_matches("[\"")
        .split('"')
        .next()
        .unwrap();
    let healthcheck = instruction(&stage, "HEALTHCHECK");
    assert!(
        healthcheck.contains(&format!(r#"CMD ["{binary}", "healthcheck"]"#)),
        "HEALTHCHECK does not run {binary} healthcheck: {healthcheck}"
    );
    assert!(
        stage
            .iter()
            .any(|line| line.starts_with("COPY --from=") && line.ends_with(binary)),
        "the runtime stage does not copy the binary to {binary}"
    );
    // The subcommand exists and, with no COBROWSE_LISTEN, asks the service's default address.
    let help = Command::new(env!("CARGO_BIN_EXE_cobrowse-proxy"))
        .args(["healthcheck", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    // Both read config::DEFAULT_LISTEN, so they cannot disagree.
    assert!(
        String::from_utf8_lossy(&help.stdout).contains(DEFAULT_LISTEN),
        "healthcheck --help does not show COBROWSE_LISTEN's default"
    );
}

#[test]
fn the_build_copies_only_files_that_exist() {
    let text = read("deploy/Dockerfile");
    for line in text
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        for source in &words[1..words.len() - 1] {
            assert!(
                repo_path(source).exists(),
                "{line}: {source} is not in the repository"
            );
            let ignore = read("deploy/Dockerfile.dockerignore");
            let name = source.trim_end_matches('/');
            assert!(
                ignore
                    .lines()
                    .any(|l| l.trim_end_matches('/') == format!("!{name}")),
                "{source} is excluded from the build context by Dockerfile.dockerignore"
            );
        }
    }
}

#[test]
fn the_image_is_labelled_with_the_version_it_builds() {
    let stage = runtime_stage();
    let version = instruction(&stage, "ARG");
    assert_eq!(
        version,
        format!("VERSION={}", env!("CARGO_PKG_VERSION")),
        "the runtime stage's ARG VERSION is not Cargo.toml's version: set both with each release (CHANGELOG.md)"
    );
    assert!(
        instruction(&stage, "LABEL").contains(r#"org.opencontainers.image.version="${VERSION}""#),
        "the image's org.opencontainers.image.version is not ${{VERSION}}"
    );
}
