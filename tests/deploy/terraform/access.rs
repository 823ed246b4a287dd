//! What the module grants: the service's role and OAuth client, what Terraform's own client
//! needs for the module's look-ups (as the docs name it), and the outputs that hand the
//! service its client.

use std::collections::BTreeSet;

use hcl::Expression;
use serde_json::{Value, json};

use crate::read;
use crate::terraform::blocks::{
    OAUTH_CLIENT, ROLE, address, attribute, blocks, module, nested, nested_all, output, resource,
    resource_named, variable,
};
use crate::terraform::plan::Plan;

/// The permissions (`domain:entity:action`) doctor's checks name in `src/doctor/`: what it
/// asks Genesys whether the OAuth client holds, the service's own (starting cobrowse, reading
/// the conversation) and its data-action check's read of the published action.
fn doctor_needs() -> BTreeSet<String> {
    let mut needed = BTreeSet::new();
    for file in crate::files_in("src/doctor", ".rs") {
        let text = std::fs::read_to_string(&file).unwrap();
        needed.extend(permissions_named(&text));
    }
    needed
}

/// The `domain:entity:action` words of `text`, as Genesys spells permissions.
fn permissions_named(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .filter(|word| {
            let parts: Vec<&str> = word.split(':').collect();
            parts.len() == 3
                && parts.iter().all(|p| {
                    p.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                        && p.chars().all(|c| c.is_ascii_alphabetic())
                })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_service_role_holds_exactly_what_the_service_and_doctor_call() {
    let body = module();
    let plan = Plan::new(&body, &[]);
    let role = resource(&body, ROLE);
    let mut granted = BTreeSet::new();
    for policy in nested_all(role, "permission_policies") {
        let domain = plan.attr(policy, "domain");
        let entity = plan.attr(policy, "entity_name");
        for action in plan.attr(policy, "action_set").as_array().unwrap() {
            granted.insert(format!(
                "{}:{}:{}",
                domain.as_str().unwrap(),
                entity.as_str().unwrap(),
                action.as_str().unwrap()
            ));
        }
    }
    let service: BTreeSet<String> = [
        // POST .../cobrowse on messaging and on voice interactions.
        "conversation:cobrowse:add",
        "conversation:cobrowseVoice:add",
        // GET /api/v2/conversations/{id}: the connected agent.
        "conversation:communication:view",
    ]
    .map(str::to_owned)
    .into();
    let doctor = doctor_needs();
    assert!(
        doctor.is_superset(&service),
        "doctor checks {doctor:?}, not every permission the service needs"
    );
    // Without one of doctor's, its check is a skip in every real org (a 403), while the
    // sandbox, which grants everything, shows ok.
    for permission in &doctor {
        assert!(
            granted.contains(permission),
            "the role lacks {permission}, which doctor's checks need"
        );
    }
    assert_eq!(granted, doctor, "the role grants more than anything calls");
    // The manual set-up (docs/registering.md) names the same permissions.
    let readme = read("docs/registering.md");
    for permission in &doctor {
        assert!(
            readme.contains(&format!("`{permission}`")),
            "docs/registering.md does not name {permission}"
        );
    }
}

/// What each data source the module reads needs of Terraform's OAuth client: the provider's
/// documentation (1.84.1) gives `genesyscloud_auth_division_home` only the
/// `authorization`/`authorization:readonly` scopes, and the request it sends,
/// `GET /api/v2/authorization/divisions/home`, requires no permission; a queue by name needs
/// `routing:queue:view`.
const LOOK_UPS: [(&str, &[&str]); 2] = [
    ("genesyscloud_auth_division_home", &[]),
    ("genesyscloud_routing_queue", &["routing:queue:view"]),
];

/// The permissions (`domain:entity:action`) written in backticks in `text`.
fn permissions_in(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| {
            let parts: Vec<&str> = word.split(':').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_look_ups_terraforms_client_is_given_are_what_the_modules_data_sources_need() {
    let body = module();
    let mut needed = BTreeSet::new();
    for data in blocks(&body, "data") {
        let kind = data.labels()[0].as_str();
        let (_, permissions) = LOOK_UPS
            .iter()
            .find(|(known, _)| *known == kind)
            .unwrap_or_else(|| panic!("what does data source {kind} need? Add it to LOOK_UPS"));
        needed.extend(permissions.iter().map(|p| (*p).to_owned()));
    }
    let readme = read("deploy/terraform/README.md");
    let row = readme
        .lines()
        .find(|line| line.starts_with("| the look-ups |"))
        .expect("deploy/terraform/README.md lists the look-ups' permissions");
    assert_eq!(
        permissions_in(row),
        needed,
        "deploy/terraform/README.md: {row}"
    );
    let guide = read("docs/registering.md");
    let (_, item) = guide
        .split_once("\n- look-ups:")
        .expect("docs/registering.md lists the look-ups' permissions");
    let item = item.split("\n- ").next().unwrap();
    assert_eq!(permissions_in(item), needed, "docs/registering.md: {item}");
}

/// The service's OAuth clients: slot "a" (the one since the first apply) and slot "b" (the
/// other side of a rotation).
const SLOTS: [(&str, &str); 2] = [("a", "service"), ("b", "service_b")];

#[test]
fn each_service_client_gets_that_role_in_the_chosen_divisions() {
    let body = module();
    let plan = Plan::new(&body, &[]);
    for (_, name) in SLOTS {
        let client = resource_named(&body, OAUTH_CLIENT, name);
        assert_eq!(
            plan.attr(client, "authorized_grant_type"),
            "CLIENT-CREDENTIALS"
        );
        // Without it the provider keeps the secret to itself and the output is empty.
        assert_eq!(plan.attr(client, "expose_client_secret"), true);
        assert_eq!(
            attribute(client, "access_token_validity_seconds").to_string(),
            "var.service_token_lifetime_seconds"
        );

        let roles = nested(client, "dynamic");
        assert_eq!(roles.labels()[0].as_str(), "roles");
        let content = nested(roles, "content");
        assert_eq!(
            attribute(content, "role_id").to_string(),
            address(resource(&body, ROLE), "id")
        );
        assert_eq!(attribute(content, "division_id").to_string(), "roles.value");
        assert!(
            attribute(roles, "for_each")
                .to_string()
                .contains("local.service_division_ids")
        );
    }

    // The grants' divisions: the home division unless the admin names others.
    let divisions = |overrides: &[(&str, hcl::Value)]| {
        let plan = Plan::new(&body, overrides);
        plan.eval(&"local.service_division_ids".parse::<Expression>().unwrap())
    };
    assert_eq!(
        divisions(&[]),
        json!(["data.genesyscloud_auth_division_home.home.id"])
    );
    let chosen = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";
    assert_eq!(
        divisions(&[("service_division_ids", hcl::value!([(chosen)]))]),
        json!([chosen])
    );
}

/// What the outputs hand the service for `service_clients`: the client of
/// `COBROWSE_GENESYS_CLIENT_ID` and that of `_NEXT` (`None`: null), by resource name.
fn handed_over(slots: hcl::Value) -> [(String, Value); 4] {
    let body = module();
    let plan = Plan::new(&body, &[("service_clients", slots)]);
    [
        "service_client_id",
        "service_client_secret",
        "service_client_next_id",
        "service_client_next_secret",
    ]
    .map(|name| {
        let output = output(&body, name);
        assert_eq!(
            plan.attr(output, "sensitive"),
            true,
            "{name} is not sensitive"
        );
        (name.to_owned(), plan.attr(output, "value"))
    })
}

#[test]
fn a_rotation_creates_the_free_slot_hands_it_over_as_next_and_deletes_the_old_slot() {
    let body = module();
    let client = |name: &str, attribute: &str| {
        json!(address(
            resource_named(&body, OAUTH_CLIENT, name),
            attribute
        ))
    };
    let both = |first: &str, next: Option<&str>| {
        [
            ("service_client_id", client(first, "id")),
            ("service_client_secret", client(first, "client_secret")),
            (
                "service_client_next_id",
                next.map_or(Value::Null, |n| client(n, "id")),
            ),
            (
                "service_client_next_secret",
                next.map_or(Value::Null, |n| client(n, "client_secret")),
            ),
        ]
        .map(|(name, value)| (name.to_owned(), value))
    };
    // One rotation, then the next one back to slot "a".
    for (slots, created, first, next) in [
        (hcl::value!(["a"]), [1, 0], "service", None),
        (
            hcl::value!(["a", "b"]),
            [1, 1],
            "service",
            Some("service_b"),
        ),
        (hcl::value!(["b"]), [0, 1], "service_b", None),
        (
            hcl::value!(["b", "a"]),
            [1, 1],
            "service_b",
            Some("service"),
        ),
    ] {
        let plan = Plan::new(&body, &[("service_clients", slots.clone())]);
        for ((_, name), count) in SLOTS.iter().zip(created) {
            let resource = resource_named(&body, OAUTH_CLIENT, name);
            assert_eq!(plan.attr(resource, "count"), count, "{slots}: {name}");
        }
        assert_eq!(handed_over(slots.clone()), both(first, next), "{slots}");
    }
    // The default is one client, in slot "a", which was the only one before slots.
    assert_eq!(
        Plan::new(&body, &[]).attr(variable(&body, "service_clients"), "default"),
        json!(["a"])
    );
    let plan = Plan::new(&body, &[]);
    let [a, b] =
        SLOTS.map(|(_, name)| plan.attr(resource_named(&body, OAUTH_CLIENT, name), "name"));
    assert_eq!(a, "Cobrowse proxy service");
    assert_eq!(b, "Cobrowse proxy service (b)");
}

#[test]
fn the_outputs_hand_the_admin_the_ids() {
    let body = module();
    for name in [
        "credential_id",
        "integration_id",
        "action_id",
        "workflow_id",
        "trigger_id",
        "service_role_id",
    ] {
        output(&body, name);
    }
}
