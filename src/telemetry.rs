//! Logging: one JSON object per line in production, readable lines for people.
//!
//! `RUST_LOG` narrows or widens what is logged (default `info`). Nothing secret is ever a
//! field: secrets live in `SecretString`, whose `Debug` is redacted.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
        LogFormat::Pretty => builder.compact().init(),
    }
}
