//! cobrowse-proxy: a Genesys Cloud Web Services Data Action endpoint that starts a cobrowse
//! session on a conversation.
//!
//! The request path: `routes` -> `orgs` (the org whose credential the call carries, found by
//! `inbound_auth`) -> `contract` -> `domain` -> the org's `reuse` (a session started moments
//! ago, or a start) -> the org's `genesys` client -> `outcome` -> the flat reply. Data flows
//! one way along it. `config` builds the [`config::Deployment`] (shared settings and a set of
//! orgs, one unnamed org for the environment) that `startup` turns into a running server;
//! `metrics` and `telemetry` count and log along the way; `aws` reads the secrets a
//! setting's `_FROM` says are kept in AWS. `export` (the data action an admin
//! imports, built from `contract`), `healthcheck` (the container's probe) and `doctor` (the
//! admin's check of the Genesys set-up, through `genesys::admin`) stand beside it.

pub mod aws;
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
pub mod org_keys;
pub mod orgs;
pub mod outcome;
pub mod reuse;
pub mod routes;
pub mod sandbox;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod watched_file;
