//! What an admin sets: each variable refuses what Genesys or the service would, and the
//! provider is pinned to one release whose lock file is kept.

use crate::terraform::blocks::{blocks, module, nested, variable};
use crate::terraform::plan::{Plan, accepts};
use crate::{exported_action, read};

#[test]
fn variables_refuse_what_genesys_or_the_service_would() {
    let body = module();
    for (name, accepted, refused) in [
        (
            "credential_type",
            vec![hcl::value!("basic"), hcl::value!("bearer")],
            vec![hcl::value!("digest"), hcl::value!("Basic")],
        ),
        (
            "client_certificate_authority",
            vec![hcl::Value::Null, hcl::value!("Genesys Cloud")],
            vec![
                hcl::value!(""),
                hcl::value!("genesys"),
                hcl::value!("Genesys cloud"),
            ],
        ),
        (
            "timeout_seconds",
            vec![hcl::value!(1), hcl::value!(20), hcl::value!(55)],
            vec![
                hcl::value!(0),
                hcl::value!(56),
                hcl::value!(60),
                hcl::value!(20.5),
            ],
        ),
        (
            "media_types",
            vec![hcl::value!(["MESSAGE"]), hcl::value!(["VOICE", "MESSAGE"])],
            vec![
                hcl::value!([]),
                hcl::value!(["EMAIL"]),
                hcl::value!(["voice"]),
            ],
        ),
        (
            "trigger_delay_seconds",
            vec![hcl::Value::Null, hcl::value!(60), hcl::value!(900)],
            vec![hcl::value!(30), hcl::value!(901)],
        ),
        (
            "service_clients",
            vec![
                hcl::value!(["a"]),
                hcl::value!(["a", "b"]),
                hcl::value!(["b"]),
                hcl::value!(["b", "a"]),
            ],
            vec![
                hcl::value!([]),
                hcl::value!(["c"]),
                hcl::value!(["A"]),
                hcl::value!(["a", "a"]),
                hcl::value!(["a", "b", "a"]),
            ],
        ),
        (
            "service_token_lifetime_seconds",
            vec![hcl::value!(300), hcl::value!(86400), hcl::value!(172800)],
            vec![hcl::value!(299), hcl::value!(172801)],
        ),
    ] {
        for value in accepted {
            assert!(
                accepts(&body, name, value.clone()),
                "{name} = {value} refused"
            );
        }
        for value in refused {
            assert!(
                !accepts(&body, name, value.clone()),
                "{name} = {value} accepted"
            );
        }
    }
    // The default action timeout is the export's, inside the range.
    let plan = Plan::new(&body, &[]);
    assert_eq!(
        plan.attr(variable(&body, "timeout_seconds"), "default"),
        exported_action()["config"]["timeoutSeconds"]
    );
}

#[test]
fn the_provider_is_pinned_and_its_lock_file_is_not_ignored() {
    let body = module();
    let terraform = blocks(&body, "terraform")
        .next()
        .expect("a terraform block");
    let providers = nested(terraform, "required_providers");
    let provider = Plan::new(&body, &[]).attr(providers, "genesyscloud");
    assert_eq!(provider["source"], "mypurecloud/genesyscloud");
    let version = provider["version"].as_str().unwrap();
    assert!(
        version.split('.').count() == 3 && version.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "the provider version {version:?} is not one exact release"
    );
    let ignored = read("deploy/terraform/.gitignore");
    assert!(
        !ignored
            .lines()
            .any(|line| line.trim() == ".terraform.lock.hcl"),
        "deploy/terraform/.gitignore ignores the lock file HashiCorp says to commit"
    );
}
