//! `deploy/terraform/` (and `deploy/aws/terraform/`, the Genesys side of the service on AWS
//! Lambda, in `lambda.rs`): the files parse as HCL, and what they create is what the service and
//! `export-action` expect, once Terraform has done its part (variables, locals, `file()`,
//! `$${`, substitutions). Provider-computed values (ids, the home division's name) stand in
//! as `"<address>"` strings: what matters is which resource they come from.
//!
//! The harness reads the module (`blocks.rs`), plans it for given variables (`plan.rs`) and
//! shows what the plan hands Genesys (`published.rs`); the tests, by concern, are the other
//! files.

pub mod blocks;
pub mod plan;
pub mod published;

mod access;
mod action;
mod credential;
mod flows;
mod lambda;
mod mutual_tls;
mod variables;
