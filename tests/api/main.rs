//! API tests: the real service on a random port, Genesys mocked over HTTP.

mod agents;
mod contract;
mod errors;
mod genesys_runtime;
mod health;
mod healthcheck;
mod helpers;
mod retries;
mod sandbox;
mod start;
mod tokens;
