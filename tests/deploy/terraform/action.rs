//! The data action the module creates is the one `export-action` makes, for either
//! credential and for every service URL `export-action --url` takes.

use cobrowse_proxy::export::{ActionOptions, Credential, export_action};

use crate::terraform::blocks::module;
use crate::terraform::plan::{BEARER_TOKEN, Plan, accepts};
use crate::terraform::published::planned_action;
use crate::{PLACEHOLDER_URL, read};

#[test]
fn the_action_is_the_exported_action_for_either_credential() {
    let body = module();
    for (credential_type, credential) in
        [("basic", Credential::Basic), ("bearer", Credential::Bearer)]
    {
        let plan = Plan::new(
            &body,
            &[
                ("credential_type", credential_type.into()),
                ("bearer_token", BEARER_TOKEN.into()),
            ],
        );
        let planned = planned_action(&body, &plan);
        let mut options = ActionOptions::for_url(PLACEHOLDER_URL);
        options.credential = credential;
        let exported = export_action(&options).unwrap();
        // integrationType and actionType are the integration's business in Terraform.
        for key in ["name", "category", "config", "secure"] {
            assert!(
                planned[key] == exported[key],
                "deploy/terraform/ with credential_type {credential_type} plans a different {key} than \
                 `export-action --url {PLACEHOLDER_URL} --credential {credential_type}`:\n\
                 terraform: {}\nexport:    {}",
                planned[key],
                exported[key]
            );
        }
        assert!(
            planned["contract"] == exported["contract"],
            "deploy/terraform/main.tf's contract_input/contract_output are not the files in schemas/"
        );
    }
}

#[test]
fn a_service_url_is_taken_or_refused_as_export_action_takes_it() {
    let body = module();
    for url in [
        PLACEHOLDER_URL,
        "https://cobrowse-proxy.example.com/",
        "https://cobrowse-proxy.example.com:8443",
        "https://cobrowse-proxy.example.com:8443/",
        "https://cobrowse-proxy.example.com//",
        "https://cobrowse-proxy.example.com/proxy",
        "https://cobrowse-proxy.example.com/?org=1",
        "https://cobrowse-proxy.example.com#x",
        "https://user@cobrowse-proxy.example.com",
        "http://cobrowse-proxy.example.com",
        "https://localhost",
        "https://LOCALHOST:8443/",
        "https://cobrowse",
        "https://cobrowse.corp.internal",
        "https://printer.local",
        "https://127.0.0.1",
        "https://10.0.0.5",
        "https://172.20.1.1:8443",
        "https://172.32.1.1",
        "https://192.168.1.10",
        "https://169.254.169.254",
        "https://100.64.0.1",
        "https://[::1]",
        "https://[fd00::1]",
        "https://[2001:db8::1]",
        "https://203.0.113.7",
    ] {
        let exported = export_action(&ActionOptions::for_url(url));
        assert_eq!(
            accepts(&body, "service_url", url.into()),
            exported.is_ok(),
            "service_url = {url:?}: Terraform and `export-action --url` disagree"
        );
        if let Ok(exported) = exported {
            let plan = Plan::new(&body, &[("service_url", url.into())]);
            assert_eq!(
                planned_action(&body, &plan)["config"]["request"]["requestUrlTemplate"],
                exported["config"]["request"]["requestUrlTemplate"],
                "service_url = {url:?}"
            );
        }
    }
}

#[test]
fn the_velocity_templates_are_escaped_for_terraform() {
    // Without `$${`, Terraform would try to interpolate these itself and fail.
    let main = read("deploy/terraform/main.tf");
    assert!(main.contains(r#"request_template = "$${input.rawRequest}""#));
    assert!(main.contains(r#"success_template = "$${rawResult}""#));
    assert!(main.contains(r#"Authorization = "Bearer $${credentials.token}""#));
}
