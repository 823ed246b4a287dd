//! A graceful stop: SIGTERM or SIGINT lets the calls in flight finish, the process exits 0,
//! and the line that says so is written before it ends.

use std::time::Duration;

use crate::harness::{borrowed, events, genesys, start, start_session, vars};

#[tokio::test]
async fn sigterm_lets_calls_in_flight_finish_and_exits_zero() {
    stopping_lets_calls_in_flight_finish("TERM").await;
}

/// Ctrl-C in a terminal, and what some process managers send: the same graceful stop.
#[tokio::test]
async fn sigint_lets_calls_in_flight_finish_and_exits_zero() {
    stopping_lets_calls_in_flight_finish("INT").await;
}

async fn stopping_lets_calls_in_flight_finish(stop_signal: &'static str) {
    let genesys = genesys(Duration::from_millis(800)).await;
    let vars = vars(&genesys);
    let running = start(&borrowed(&vars));
    let url = format!("http://127.0.0.1:{}/v1/cobrowse/start", running.port);
    let call = tokio::spawn(async move { start_session(&url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = tokio::task::spawn_blocking(move || running.stop(stop_signal));

    let reply = call.await.unwrap();
    assert_eq!(reply["success"], true, "{reply}");
    let (status, _, lines) = stopping.await.unwrap();
    assert_eq!(status.code(), Some(0));
    // Logged while stopping and written out before the process ended: the log writer's
    // queue is drained at exit.
    let expected = format!("SIG{stop_signal}");
    assert!(
        events(&lines).any(|event| event["signal"] == *expected),
        "no line about {expected}:\n{}",
        lines.join("\n")
    );
}
