//! The two ways the function is built: `build-zip.sh`'s bootstrap must run on
//! provided.al2023's glibc, and the image carries the same adapter release as the zip form's
//! layer and copies only what its build context holds.

use std::process::Command;

use crate::common::tool;
use crate::{read, repo_path};

const DOCKERFILE: &str = "deploy/aws/Dockerfile";
/// Amazon Linux 2023's glibc, provided.al2023's.
const RUNTIME_GLIBC: (u32, u32) = (2, 34);

/// The Dockerfile's instructions, continuation lines joined, comments left out.
fn instructions() -> Vec<String> {
    read(DOCKERFILE)
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The AWS Lambda Web Adapter's releases and the layer version AWS published each as
/// (its README at each release: 0.9.1 "LambdaAdapterLayerX86:25", 1.0.0-rc1 ":26").
const ADAPTER_LAYERS: [(&str, &str); 2] = [("0.9.1", "25"), ("1.0.0-rc1", "26")];

#[test]
fn the_image_and_the_zip_layer_carry_the_same_pinned_adapter_release() {
    let copy = instructions()
        .into_iter()
        .find(|line| line.contains("aws-lambda-adapter:"))
        .expect("the Dockerfile copies the adapter");
    let words: Vec<&str> = copy.split_whitespace().collect();
    assert_eq!(
        words[3], "/opt/extensions/lambda-adapter",
        "{copy}: Lambda starts extensions from /opt/extensions"
    );
    let version = words[1]
        .strip_prefix("--from=public.ecr.aws/awsguru/aws-lambda-adapter:")
        .unwrap_or_else(|| panic!("{copy}: not AWS's adapter image"));
    let layer = ADAPTER_LAYERS
        .iter()
        .find(|(release, _)| *release == version)
        .unwrap_or_else(|| panic!("{copy}: {version} is not a pinned release this test knows"))
        .1;
    assert!(
        read("deploy/aws/template.yaml")
            .contains(&format!(":layer:LambdaAdapterLayerX86:{layer}\n")),
        "the zip form's adapter layer is not {layer}, the one built from {version}"
    );
}

#[test]
fn the_image_runs_the_service_and_copies_only_what_its_context_holds() {
    let instructions = instructions();
    let last_from = instructions
        .iter()
        .rposition(|line| line.starts_with("FROM "))
        .unwrap();
    let stage = &instructions[last_from..];
    assert!(stage.contains(&r#"ENTRYPOINT ["/usr/local/bin/cobrowse-proxy"]"#.to_owned()));
    assert!(stage.contains(&r#"CMD ["serve"]"#.to_owned()));
    assert!(
        stage.contains(
            &"COPY --from=builder /cobrowse-proxy /usr/local/bin/cobrowse-proxy".to_owned()
        )
    );
    let ignore = read("deploy/aws/Dockerfile.dockerignore");
    for line in instructions
        .iter()
        .filter(|line| line.starts_with("COPY ") && !line.contains("--from"))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        for source in &words[1..words.len() - 1] {
            let name = source.trim_end_matches('/');
            assert!(
                repo_path(source).exists(),
                "{line}: {source} is not in the repository"
            );
            assert!(
                ignore
                    .lines()
                    .any(|l| l.trim_end_matches('/') == format!("!{name}")),
                "{source} is left out of the build context by Dockerfile.dockerignore"
            );
        }
    }
}

#[test]
fn the_zip_build_script_parses_and_checks_provided_al2023s_glibc() {
    let script = "deploy/aws/build-zip.sh";
    let status = Command::new("bash")
        .arg("-n")
        .arg(repo_path(script))
        .status()
        .unwrap();
    assert!(status.success(), "{script} does not parse");
    assert!(
        read("deploy/aws/build-zip.sh").contains(&format!(
            "runtime_glibc={}.{}\n",
            RUNTIME_GLIBC.0, RUNTIME_GLIBC.1
        )),
        "build-zip.sh checks another glibc than provided.al2023's"
    );
}

#[test]
fn the_bootstrap_needs_no_newer_glibc_than_provided_al2023_has() {
    // The zip form runs the ordinary glibc build on Amazon Linux 2023: a symbol from a newer
    // glibc (a newer build host or dependency can bring one) fails there at start-up.
    if !tool::available("objdump", "apt-get install binutils") {
        return;
    }
    let output = Command::new("objdump")
        .arg("-T")
        .arg(env!("CARGO_BIN_EXE_cobrowse-proxy"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let symbols = String::from_utf8_lossy(&output.stdout);
    let newest = symbols
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|word| word.strip_prefix("GLIBC_"))
        .filter_map(|version| {
            let mut parts = version.split('.').map(|part| part.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .max()
        .expect("the binary links glibc");
    assert!(
        newest <= RUNTIME_GLIBC,
        "the binary needs glibc {}.{}, provided.al2023 has {}.{}: build-zip.sh would refuse it",
        newest.0,
        newest.1,
        RUNTIME_GLIBC.0,
        RUNTIME_GLIBC.1
    );
}
