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
    // Stopped once the start is at Genesys (which answers 800 ms later): in flight, on a busy
    // machine too, where a fixed wait may stop the service before the call reached it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !genesys
        .received_requests()
        .await
        .unwrap()
        .iter()
        .any(|request| request.url.path().ends_with("/cobrowse"))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the start never reached Genesys"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
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

/// A stop sent the moment the service says it listens (a rollout that replaces a pod just
/// started) is graceful too: the signals are listened for before that line is written.
#[test]
fn a_stop_sent_as_soon_as_it_listens_is_graceful() {
    let nothing = crate::common::Unreachable::reserve();
    let vars = crate::harness::vars_at(&nothing.url());
    // A busy machine (a node under load) widens the gap between the line and what follows.
    let busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let spinners: Vec<_> = (0..4)
        .map(|_| {
            let busy = busy.clone();
            std::thread::spawn(move || {
                while busy.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        })
        .collect();
    let statuses: Vec<_> = (0..20)
        .map(|_| {
            let running = crate::harness::spawn(crate::harness::command(&borrowed(&vars)));
            running.stop("TERM")
        })
        .collect();
    busy.store(false, std::sync::atomic::Ordering::Relaxed);
    spinners.into_iter().for_each(|s| s.join().unwrap());
    for (attempt, (status, stderr, _)) in statuses.iter().enumerate() {
        assert_eq!(status.code(), Some(0), "attempt {attempt}: {stderr}");
    }
}
