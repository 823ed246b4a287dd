//! The integration's credential: the one the service is configured with, Basic or bearer,
//! sent by the integration, and refused when incomplete before anything is created.

use serde_json::{Value, json};

use crate::exported_action;
use crate::terraform::blocks::{
    ACTION, CREDENTIAL, INTEGRATION, address, attribute, module, nested, resource, variable,
};
use crate::terraform::plan::{BEARER_TOKEN, PASSWORD, Plan, USERNAME};

#[test]
fn the_credential_is_the_one_the_service_is_configured_with() {
    let body = module();
    let credential = resource(&body, CREDENTIAL);

    let basic = Plan::new(&body, &[]);
    assert_eq!(basic.attr(credential, "credential_type_name"), "basicAuth");
    assert_eq!(
        basic.attr(credential, "fields"),
        json!({"userName": USERNAME, "password": PASSWORD})
    );

    let bearer = Plan::new(
        &body,
        &[
            ("credential_type", "bearer".into()),
            ("bearer_token", BEARER_TOKEN.into()),
        ],
    );
    // A User Defined credential whose field the bearer action writes: ${credentials.token}.
    assert_eq!(
        bearer.attr(credential, "credential_type_name"),
        "userDefined"
    );
    assert_eq!(
        bearer.attr(credential, "fields"),
        json!({ (cobrowse_proxy::export::BEARER_TOKEN_FIELD): BEARER_TOKEN })
    );

    for name in ["basic_auth_username", "basic_auth_password", "bearer_token"] {
        let variable = variable(&body, name);
        assert_eq!(
            basic.attr(variable, "sensitive"),
            true,
            "variable {name} must be sensitive"
        );
        assert_eq!(
            basic.attr(variable, "default"),
            Value::Null,
            "variable {name} must have no real default"
        );
    }

    // The integration sends this credential, whichever its type.
    let integration = resource(&body, INTEGRATION);
    assert_eq!(
        basic.attr(integration, "integration_type"),
        "custom-rest-actions"
    );
    assert_eq!(basic.attr(integration, "intended_state"), "ENABLED");
    let config = nested(integration, "config");
    for plan in [&basic, &bearer] {
        assert_eq!(
            plan.attr(config, "credentials"),
            json!({"basicAuth": address(credential, "id")}),
            "the integration does not send the credential"
        );
    }
    // Architect lists the action under the integration's name.
    assert_eq!(basic.attr(config, "name"), exported_action()["category"]);
    assert_eq!(
        attribute(resource(&body, ACTION), "integration_id").to_string(),
        address(integration, "id")
    );
}

#[test]
fn an_incomplete_credential_is_refused_before_anything_is_created() {
    let body = module();
    let credential = resource(&body, CREDENTIAL);
    let lifecycle = nested(credential, "lifecycle");
    let precondition = nested(lifecycle, "precondition");
    let passes = |overrides: &[(&str, hcl::Value)]| {
        Plan::new(&body, overrides).attr(precondition, "condition") == true
    };
    assert!(passes(&[]));
    assert!(!passes(&[("basic_auth_password", hcl::Value::Null)]));
    assert!(!passes(&[("basic_auth_username", hcl::Value::Null)]));
    assert!(!passes(&[("credential_type", "bearer".into())]));
    assert!(passes(&[
        ("credential_type", "bearer".into()),
        ("bearer_token", BEARER_TOKEN.into()),
        ("basic_auth_username", hcl::Value::Null),
        ("basic_auth_password", hcl::Value::Null),
    ]));
}
