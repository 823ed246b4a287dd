//! A log collector that stops reading: stdout is a pipe nobody empties, the log writer's
//! queue fills, and calls must still be answered; what could not be written is dropped,
//! counted, and reported once the pipe drains.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinSet;

use crate::common::http;
use crate::harness::{
    borrowed, command, events, exited_within, genesys, listening_port, start_session, vars,
};

/// Calls, each logging a line: well over the 8,192 lines the log writer queues plus what the
/// pipe and the writer's buffer hold (about 500 of these lines).
const FLOOD: usize = 12_000;
/// Calls sent at once.
const SENDERS: usize = 16;
/// How long one call may take before the test says it got no answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// The line that reports dropped lines once stdout takes lines again.
const DROP_REPORT: &str = "log lines dropped: stdout did not take them as fast as they came";

/// The child, killed if the test fails before it stops it.
struct Killed(Option<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_log_pipe_never_holds_up_a_call_and_what_it_drops_is_counted() {
    let genesys = genesys(Duration::ZERO).await;
    let (mut child, base, stdout) = serve_into_a_stalled_pipe(&genesys).await;
    flood(&base).await;

    // A start for Genesys still gets its reply, though its log line cannot be written.
    let reply = tokio::time::timeout(
        ANSWER_WITHIN,
        start_session(&format!("{base}/v1/cobrowse/start")),
    )
    .await
    .expect("the start is answered while the log pipe is stalled");
    assert_eq!(reply["success"], true, "{reply}");
    let dropped_while_stalled = dropped_lines(&base).await;
    assert!(dropped_while_stalled > 0, "lines were dropped and counted");

    // The pipe drains: one line says how many lines were lost.
    let (line_tx, line_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in stdout.lines() {
            let _ = line_tx.send(line.unwrap());
        }
    });
    let mut lines = Vec::new();
    let report = tokio::task::spawn_blocking(move || {
        let report = loop {
            let line = line_rx
                .recv_timeout(Duration::from_secs(15))
                .expect("a line reports the dropped lines once stdout drains");
            lines.push(line);
            let event: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
            if event["message"] == DROP_REPORT {
                break event;
            }
        };
        (report, lines, line_rx)
    });
    let (report, mut lines, line_rx) = report.await.unwrap();
    assert_eq!(report["level"], "WARN", "{report}");
    let reported = report["dropped_lines"].as_u64().unwrap();
    let dropped = dropped_lines(&base).await;
    assert!(
        reported >= dropped_while_stalled && reported <= dropped,
        "reported {reported}; the metric said {dropped_while_stalled}, then {dropped}"
    );

    let mut child = child.0.take().unwrap();
    crate::harness::signal(&child, "TERM");
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    reader.join().unwrap();
    lines.extend(line_rx.try_iter());
    // What was written is whole records; with what was dropped, that is every call.
    let calls = events(&lines)
        .filter(|e| e["message"] == "unknown route" || e["message"] == "cobrowse call")
        .count();
    let answered = FLOOD + 1;
    assert!(calls < answered, "{calls} call lines for {answered} calls");
    assert!(
        calls as u64 + dropped >= answered as u64,
        "{calls} call lines and {dropped} dropped for {answered} calls"
    );
}

/// Reads `stdout` up to the line that gives the port; the port and the reader, unread beyond.
fn read_port(mut stdout: BufReader<ChildStdout>) -> (u16, BufReader<ChildStdout>) {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "stdout ended");
        if let Some(port) = listening_port(line.trim_end()) {
            return (port, stdout);
        }
    }
}

/// `cobrowse_proxy_log_lines_dropped_total` on `/metrics`.
async fn dropped_lines(base: &str) -> u64 {
    let metrics = http()
        .get(format!("{base}/metrics"))
        .timeout(ANSWER_WITHIN)
        .send()
        .await
        .expect("/metrics answers while the log pipe is stalled")
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("cobrowse_proxy_log_lines_dropped_total "))
        .unwrap_or_else(|| panic!("no log_lines_dropped_total in:\n{metrics}"))
        .parse()
        .unwrap()
}

/// `serve` with stdout read up to the line with the port and from then on by nobody; the
/// child, its base URL and its stdout, unread beyond that line.
async fn serve_into_a_stalled_pipe(
    genesys: &wiremock::MockServer,
) -> (Killed, String, BufReader<ChildStdout>) {
    let vars = vars(genesys);
    let mut child = command(&borrowed(&vars))
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Killed(Some(child));
    let (port, stdout) = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::task::spawn_blocking(move || read_port(BufReader::new(stdout))),
    )
    .await
    .expect("the service logs its port")
    .unwrap();
    (child, format!("http://127.0.0.1:{port}"), stdout)
}

/// [`FLOOD`] calls to a path the service does not have (the cheapest call): each is answered
/// 404 and logs an `unknown route` warning.
async fn flood(base: &str) {
    let http = http();
    let mut senders = JoinSet::new();
    for _ in 0..SENDERS {
        let http = http.clone();
        let url = format!("{base}/no-such-route");
        senders.spawn(async move {
            for _ in 0..FLOOD / SENDERS {
                let reply = http
                    .get(&url)
                    .timeout(ANSWER_WITHIN)
                    .send()
                    .await
                    .expect("every call is answered while the log pipe is stalled");
                assert_eq!(reply.status(), 404);
            }
        });
    }
    while let Some(sender) = senders.join_next().await {
        sender.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_log_pipe_never_holds_up_the_exit() {
    let genesys = genesys(Duration::ZERO).await;
    let (mut child, base, _stdout) = serve_into_a_stalled_pipe(&genesys).await;
    flood(&base).await;

    crate::harness::signal(child.0.as_ref().unwrap(), "TERM");
    // Killed (by `Killed`'s drop) if it is still running when the wait is over.
    let exited = tokio::task::spawn_blocking(move || {
        exited_within(child.0.as_mut().unwrap(), Duration::from_secs(10))
    })
    .await
    .unwrap();
    let status = exited.expect("the service exits on SIGTERM though its log pipe is stalled");
    assert_eq!(status.code(), Some(0));
}
