//! cobrowse-proxy: a Genesys Cloud Web Services Data Action endpoint that starts a cobrowse
//! session on a conversation.
//!
//! The request path follows the module list: `routes` -> `contract` -> `domain` ->
//! `genesys` -> `outcome`. Data flows one way along it. `export` (the data action an admin
//! imports, built from `contract`), `healthcheck` (the container's probe) and `doctor` (the
//! admin's check of the Genesys set-up, through `genesys::admin`) stand beside it.

pub mod cli;
pub mod config;
pub mod contract;
pub mod doctor;
pub mod domain;
pub mod export;
pub mod genesys;
pub mod healthcheck;
pub mod inbound_auth;
pub mod metrics;
pub mod orgs;
pub mod outcome;
pub mod reuse;
pub mod routes;
pub mod sandbox;
pub mod startup;
pub mod telemetry;
pub mod tls;
