//! API tests: the real service on a random port, Genesys mocked over HTTP.
#![recursion_limit = "256"]

#[path = "../common/mod.rs"]
mod common;

mod agents;
mod alerting;
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
mod lambda;
mod many_orgs;
mod metrics;
mod mutual_tls;
mod oauth_rotation;
mod orgs_reload;
mod orgs_share;
mod prometheus_server;
mod proxied_certificates;
mod real_conversations;
mod redirects;
mod redis_cluster;
mod redis_failover;
mod redis_namespace;
mod redis_relay;
mod redis_tls;
mod request_body;
mod retries;
mod reuse;
mod reuse_latency;
mod revoked_client;
mod sandbox;
mod skips;
mod start;
mod tls;
mod tokens;
