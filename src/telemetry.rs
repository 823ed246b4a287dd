//! Logging: one JSON object per line in production, readable lines for people; and the
//! request id that ties a call's reply to its log line.
//!
//! A record is one line in either format, whatever a value holds: control characters and
//! line separators are escaped before the line is queued (`escape.rs`).
//!
//! `RUST_LOG` narrows or widens what is logged (default `info`). Nothing secret is ever a
//! field: secrets live in `SecretString`, whose `Debug` is redacted.
//!
//! Lines are formatted on the request's thread but written to stdout by a background
//! thread, so a call never waits for a `write` to a slow pipe or log collector, and lines
//! that pile up while it writes go out in one system call. Logging never blocks a call: when
//! the queue is full (stdout stalled, or slower than the lines come) a line is dropped,
//! counted, and reported once stdout takes lines again (`drops.rs`). At exit the queue is
//! written out for about a second (tracing-appender's limit): what a slow or stalled stdout
//! has not taken by then is lost, and a stalled one never holds up the exit.

mod drops;
mod escape;

pub use escape::one_line;

use std::io::{BufWriter, IsTerminal};
use std::time::Duration;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use tokio::time::Instant;

use tracing::{Level, field};
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::outcome::{CallOutcome, FlatReply};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `COBROWSE_LOG_FORMAT`: one JSON object per line for collectors, or compact lines for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Keeps the log writer running: hold it until the process ends, so the lines still queued
/// are written out when it is dropped.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    writer: Option<WorkerGuard>,
}

/// The longest the process waits at exit for the queued lines to be written.
const FINAL_WRITE: Duration = Duration::from_secs(2);

impl Drop for LogGuard {
    /// tracing-appender's guard waits up to a second for the queue to be written, but when the
    /// queue is full it then prints a notice to stdout, and on a pipe nobody reads that print
    /// never returns: the process would hang at SIGTERM until it is killed. So it is dropped
    /// on a thread of its own, waited for a bounded time, and left behind if stdout is stuck.
    fn drop(&mut self) {
        let Some(writer) = self.writer.take() else {
            return;
        };
        let (done, finished) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("cobrowse-proxy-log-exit".to_owned())
            .spawn(move || {
                drop(writer);
                let _ = done.send(());
            });
        if spawned.is_ok() {
            let _ = finished.recv_timeout(FINAL_WRITE);
        }
    }
}

/// Installs the global subscriber. Call once, before anything logs.
pub fn init(format: LogFormat) -> LogGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stdout = drops::Watched::new(std::io::stdout());
    let progress = stdout.progress();
    // The writer thread flushes whenever its queue runs empty, so lines are never held back.
    let (writer, guard) = NonBlockingBuilder::default()
        // A full queue drops the line rather than making the call wait: a log collector that
        // stops reading must not stop the service.
        .lossy(true)
        // The queue's slots are allocated up front: 8192 lines (a quarter second at full
        // load) rather than the default 128,000, which would cost about 4 MB of memory.
        .buffered_lines_limit(8192)
        .thread_name("cobrowse-proxy-log")
        .finish(BufWriter::with_capacity(64 * 1024, stdout));
    crate::metrics::count_dropped_log_lines(writer.error_counter());
    drops::report(writer.error_counter(), progress);
    // Colours for a person at a terminal, never escape codes in a file or a collector.
    let colours = std::io::stdout().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours)
        .with_writer(escape::EscapedLines::new(writer, colours));
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init(),
        LogFormat::Pretty => builder.compact().init(),
    }
    LogGuard {
        writer: Some(guard),
    }
}

/// The caller's `X-Request-Id` when it is a sane token (so one id follows a call across
/// systems), otherwise a new one. Anything else is replaced, never echoed into logs.
pub fn request_id(request: &HttpRequest) -> String {
    request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(sane_request_id)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// `id`, trimmed, when it is fit to be a call's request id: 1 to 128 letters, digits and
/// `-_.:/`.
pub fn sane_request_id(id: &str) -> Option<&str> {
    let id = id.trim();
    let sane = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b));
    sane.then_some(id)
}

/// Echoes the call's id in the `X-Request-Id` response header.
pub fn with_request_id(mut response: HttpResponse, request_id: &str) -> HttpResponse {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    response
}

/// The call's one log line: what an operator needs to find it and to ask Genesys about it.
/// `outcome` is the one `calls_total` counts it under: `started` and `already_active` (no
/// start, the customer has a session) are `info`, `failed` is `warn` and names the caller's
/// address. `org` is the call's org in a many-org deployment (no field at all for one org).
pub fn log_call(
    reply: &FlatReply,
    outcome: CallOutcome,
    request: &HttpRequest,
    org: Option<&str>,
    started: Instant,
) {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let connection = (outcome == CallOutcome::Failed).then(|| request.connection_info());
    let peer = connection
        .as_ref()
        .map(|info| info.peer_addr().unwrap_or_default());
    let error_message = (!reply.success).then_some(field::display(&reply.error_message));
    // One list of fields for every call: a field that is `None` is left out of the line. The
    // level of an event is fixed where it is written, hence one event per level below.
    macro_rules! call_line {
        ($level:expr, $error_code:expr) => {
            tracing::event!(
                $level,
                org,
                request_id = %reply.request_id,
                conversation_id = %reply.conversation_id,
                outcome = outcome.as_str(),
                error_code = $error_code,
                upstream_status = reply.upstream_status,
                correlation_id = %reply.correlation_id,
                latency_ms,
                peer,
                error_message,
                "cobrowse call"
            )
        };
    }
    match outcome {
        // Written as a string, so a readable line shows `error_code=""` rather than nothing.
        CallOutcome::Started => call_line!(Level::INFO, ""),
        CallOutcome::AlreadyActive => call_line!(Level::INFO, field::display(reply.error_code)),
        CallOutcome::Failed => call_line!(Level::WARN, field::display(reply.error_code)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};

    use actix_web::test::TestRequest;
    use serde_json::Value;

    use super::*;
    use crate::genesys::StartedSession;
    use crate::outcome::{Echo, ErrorCode, Failure};

    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Written {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The lines of a started, an already-active and a failed call, in `format`.
    fn call_lines(format: LogFormat) -> Vec<String> {
        let written = Written::default();
        let writer = written.clone();
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone());
        let log = || {
            let request = TestRequest::default()
                .peer_addr(([10, 1, 2, 3], 4567).into())
                .to_http_request();
            let session = StartedSession::default();
            let reply = FlatReply::success("r1", Echo::default(), session, false);
            log_call(&reply, CallOutcome::Started, &request, None, Instant::now());
            for code in [ErrorCode::CobrowseAlreadyActive, ErrorCode::InvalidInput] {
                let reply = FlatReply::failure("r2", Echo::default(), Failure::local(code, "why"));
                log_call(&reply, code.outcome(), &request, None, Instant::now());
            }
        };
        match format {
            LogFormat::Json => {
                let json = builder.json().flatten_event(true).finish();
                tracing::subscriber::with_default(json, log);
            }
            LogFormat::Pretty => tracing::subscriber::with_default(builder.compact().finish(), log),
        }
        let text = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn each_outcome_logs_its_level_and_fields() {
        let lines: Vec<Value> = call_lines(LogFormat::Json)
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let common = [
            "timestamp",
            "level",
            "target",
            "message",
            "request_id",
            "conversation_id",
            "outcome",
            "error_code",
            "upstream_status",
            "correlation_id",
            "latency_ms",
        ];
        let expected: [(&str, &str, &[&str]); 3] = [
            ("INFO", "started", &[]),
            ("INFO", "already_active", &["error_message"]),
            ("WARN", "failed", &["peer", "error_message"]),
        ];
        assert_eq!(lines.len(), expected.len());
        for (line, (level, outcome, extra)) in lines.iter().zip(expected) {
            let fields: BTreeSet<&str> = line
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.as_str())
                .collect();
            let want: BTreeSet<&str> = common.iter().chain(extra).copied().collect();
            assert_eq!(fields, want, "{line}");
            assert_eq!(line["level"], level);
            assert_eq!(line["outcome"], outcome);
            assert_eq!(line["message"], "cobrowse call");
        }
        assert_eq!(lines[0]["error_code"], "");
        assert_eq!(lines[2]["peer"], "10.1.2.3");
    }

    #[test]
    fn a_readable_line_shows_a_started_calls_empty_code() {
        let lines = call_lines(LogFormat::Pretty);
        assert!(
            lines[0].contains(r#" outcome="started" error_code="" "#),
            "{}",
            lines[0]
        );
        assert!(
            lines[2].contains(" error_code=INVALID_INPUT "),
            "{}",
            lines[2]
        );
    }
}
