//! `cobrowse-proxy doctor` as an admin runs it: the binary, with `COBROWSE_*` variables,
//! against Genesys mocked over HTTP with the published SDK's models (`genesys.rs`), run and
//! read by `harness.rs`; the tests by concern, one file each (`lambda.rs`: a deployment in AWS
//! Lambda; `secrets_from.rs`: a secret read from AWS).
//!
//! Every run is checked for secrets in what it printed, and every test that reaches Genesys
//! for what it sent: the only cobrowse start goes to a conversation id doctor made up.

#[path = "../common/mod.rs"]
mod common;

mod genesys;
mod harness;
mod pki;

mod access;
mod client_certificates;
mod data_action;
mod egress_ranges;
mod healthy;
mod hostile;
mod lambda;
mod orgs;
mod output;
mod permissions;
mod rotation;
mod secrets_from;
mod service_url;
