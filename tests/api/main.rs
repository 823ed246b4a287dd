//! API tests: the real service on a random port, Genesys mocked over HTTP.
#![recursion_limit = "256"]

#[path = "../common/mod.rs"]
mod common;

mod agents;
mod backpressure;
mod contract;
mod errors;
mod faults;
mod genesys_runtime;
mod health;
mod healthcheck;
mod helpers;
mod hostile;
mod inbound;
mod real_conversations;
mod redirects;
mod redis_relay;
mod redis_server;
mod request_body;
mod retries;
mod reuse;
mod reuse_latency;
mod sandbox;
mod start;
mod tls;
mod tokens;
