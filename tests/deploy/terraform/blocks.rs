//! The module as Terraform reads it: every `.tf` file of `deploy/terraform/` parsed into one
//! HCL body, its blocks found by kind and label, their attributes, and the address a
//! reference to one is written as.

use hcl::{Block, Body, Expression};

use crate::files_in;

pub const CREDENTIAL: &str = "genesyscloud_integration_credential";
pub const INTEGRATION: &str = "genesyscloud_integration";
pub const ACTION: &str = "genesyscloud_integration_action";
pub const ROLE: &str = "genesyscloud_auth_role";
pub const OAUTH_CLIENT: &str = "genesyscloud_oauth_client";
pub const FLOW: &str = "genesyscloud_flow";
pub const TRIGGER: &str = "genesyscloud_processautomation_trigger";

/// Every `.tf` file in the module, parsed into one body.
pub fn module() -> Body {
    assert!(
        files_in("deploy/terraform", ".tf").len() >= 5,
        "the module is missing files"
    );
    module_at("deploy/terraform")
}

/// Every `.tf` file of the module in `dir`, parsed into one body.
pub fn module_at(dir: &str) -> Body {
    let files = files_in(dir, ".tf");
    assert!(!files.is_empty(), "{dir} has no .tf file");
    let mut blocks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let body = hcl::parse(&text)
            .unwrap_or_else(|err| panic!("{} is not valid HCL: {err}", file.display()));
        blocks.extend(body);
    }
    Body::from_iter(blocks)
}

pub fn blocks<'a>(body: &'a Body, identifier: &'static str) -> impl Iterator<Item = &'a Block> {
    body.blocks()
        .filter(move |block| block.identifier() == identifier)
}

pub fn labelled<'a>(body: &'a Body, identifier: &'static str, label: &str) -> Vec<&'a Block> {
    blocks(body, identifier)
        .filter(|block| block.labels().first().map(|l| l.as_str()) == Some(label))
        .collect()
}

/// The one resource of `kind`.
pub fn resource<'a>(body: &'a Body, kind: &str) -> &'a Block {
    let found = labelled(body, "resource", kind);
    assert_eq!(found.len(), 1, "expected one {kind} resource");
    found[0]
}

/// The resource `kind.name`.
pub fn resource_named<'a>(body: &'a Body, kind: &str, name: &str) -> &'a Block {
    labelled(body, "resource", kind)
        .into_iter()
        .find(|block| block.labels()[1].as_str() == name)
        .unwrap_or_else(|| panic!("no resource {kind}.{name}"))
}

pub fn variable<'a>(body: &'a Body, name: &str) -> &'a Block {
    labelled(body, "variable", name)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no variable {name}"))
}

pub fn output<'a>(body: &'a Body, name: &str) -> &'a Block {
    labelled(body, "output", name)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no output {name}"))
}

pub fn find_attribute<'a>(block: &'a Block, key: &str) -> Option<&'a Expression> {
    block
        .body()
        .attributes()
        .find(|attribute| attribute.key() == key)
        .map(|attribute| attribute.expr())
}

pub fn attribute<'a>(block: &'a Block, key: &str) -> &'a Expression {
    find_attribute(block, key).unwrap_or_else(|| panic!("{} has no {key}", block.identifier()))
}

pub fn nested_all<'a>(block: &'a Block, identifier: &'static str) -> Vec<&'a Block> {
    blocks(block.body(), identifier).collect()
}

pub fn nested<'a>(block: &'a Block, identifier: &'static str) -> &'a Block {
    let found = nested_all(block, identifier);
    assert_eq!(found.len(), 1, "expected one {identifier} block");
    found[0]
}

/// The address a reference to `block`'s attribute is written as: `kind.name.attribute`.
pub fn address(block: &Block, attribute: &str) -> String {
    let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
    let prefix = if block.identifier() == "data" {
        "data."
    } else {
        ""
    };
    format!("{prefix}{}.{attribute}", labels.join("."))
}
