//! Logging: one JSON object per line in production, readable lines for people.
//!
//! `RUST_LOG` narrows or widens what is logged (default `info`). Nothing secret is ever a
//! field: secrets live in `SecretString`, whose `Debug` is redacted.
//!
//! Lines are formatted on the request's thread but written to stdout by a background
//! thread, so a call never waits for a `write` to a slow pipe or log collector, and lines
//! that pile up while it writes go out in one system call. When the queue is full the
//! caller waits rather than a line being dropped. At exit the queue is written out, for up
//! to a second (tracing-appender's limit): only a log pipe stalled at that moment loses lines.

use std::io::{BufWriter, IsTerminal};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Keeps the log writer running: hold it until the process ends, so the lines still queued
/// are written out when it is dropped.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: WorkerGuard,
}

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(format: LogFormat) -> LogGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // The writer thread flushes whenever its queue runs empty, so lines are never held back.
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        // The queue's slots are allocated up front: 8192 lines (a quarter second at full
        // load) rather than the default 128,000, which would cost about 4 MB of memory.
        .buffered_lines_limit(8192)
        .thread_name("cobrowse-proxy-log")
        .finish(BufWriter::with_capacity(64 * 1024, std::io::stdout()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours for a person at a terminal, never escape codes in a file or a collector.
        .with_ansi(std::io::stdout().is_terminal())
        .with_writer(writer);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
        LogFormat::Pretty => builder.compact().init(),
    }
    LogGuard { _writer: guard }
}
