//! Mutual TLS on Genesys's side: the integration's certificate authority, written to its
//! properties only when an admin chooses it, in the key an org's exported integration holds.

use serde_json::{Value, json};

use crate::terraform::blocks::{INTEGRATION, module, nested, resource};
use crate::terraform::plan::Plan;

#[test]
fn the_integration_names_its_certificate_authority_only_when_one_is_chosen() {
    let body = module();
    let config = nested(resource(&body, INTEGRATION), "config");

    // By default the module leaves the integration's properties as Genesys has them.
    let default = Plan::new(&body, &[]);
    assert_eq!(default.attr(config, "properties"), Value::Null);

    let chosen = Plan::new(
        &body,
        &[("client_certificate_authority", "Genesys Cloud".into())],
    );
    let properties = chosen.attr(config, "properties");
    let properties: Value = serde_json::from_str(properties.as_str().unwrap()).unwrap();
    assert_eq!(
        properties,
        json!({"clientCertificateAuthority": "Genesys Cloud"})
    );
}
