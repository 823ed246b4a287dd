//! The binary as an operator runs it, through `harness.rs`: what `serve` refuses and warns
//! of at start-up (`startup.rs`), its log line per call and its secrets (`calls.rs`), its
//! graceful stop (`shutdown.rs`), its environment (`environment.rs`), its log lines
//! (`logs.rs`, `stalled_log.rs`), a refused orgs file (`orgs_reload.rs`), its memory over
//! reloads that rebuild every org (`orgs_memory.rs`), a renewed
//! certificate (`tls_renewal.rs`), its version (`version.rs`), its memory when Redis holds a
//! value no session can be (`redis_value.rs`), the sandbox (`sandbox.rs`; with mutual TLS,
//! `sandbox_mutual_tls.rs`), the URLs
//! `export-action` refuses (`export_action.rs`), an egress proxy (`egress_proxy.rs`), the
//! secret settings read from AWS at start-up (`secrets_from.rs`), the service as an AWS
//! Lambda function behind the real Web Adapter (`lambda.rs`, fed events by
//! `lambda_runtime.rs`), and the roots it trusts for Genesys's HTTPS, read once
//! (`trusted_roots.rs`).

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod lambda_runtime;
mod unique_keys;

mod calls;
mod egress_proxy;
mod environment;
mod export_action;
mod lambda;
mod logs;
mod mutual_tls_log;
mod orgs_memory;
mod orgs_reload;
mod redis_settings;
mod redis_value;
mod sandbox;
mod sandbox_mutual_tls;
mod secrets_from;
mod shutdown;
mod stalled_log;
mod startup;
mod tls_renewal;
mod trusted_roots;
mod version;
