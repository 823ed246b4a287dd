//! API tests: the real service on a random port, Genesys mocked over HTTP.

mod contract;
mod errors;
mod health;
mod helpers;
mod retries;
mod sandbox;
mod start;
mod tokens;
