//! cobrowse-proxy: a Genesys Cloud Web Services Data Action endpoint that starts a cobrowse
//! session on a conversation.
//!
//! The request path follows the module list: `routes` -> `contract` -> `domain` ->
//! `genesys` -> `outcome`. Data flows one way along it.

pub mod cli;
pub mod config;
pub mod contract;
pub mod domain;
pub mod genesys;
pub mod inbound_auth;
pub mod outcome;
pub mod routes;
pub mod sandbox;
pub mod startup;
pub mod telemetry;
