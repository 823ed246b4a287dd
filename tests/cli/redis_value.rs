//! A value in Redis where a session belongs that no session can be: 100 MB, written by
//! someone else. The service never reads it (its memory stays where it was), calls for other
//! conversations stay fast, and the log names the key, never the value.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::http;
use crate::common::redis_server::{self, RedisServer};
use crate::harness::{
    PASSWORD, borrowed, events, genesys, reply, start, start_input, start_request, vars,
};

/// The conversation whose session key holds the huge value.
const SPOILT: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/// What the huge value is made of: never to be seen in a log line.
const FILLING: &str = "VALUE-MUST-NOT-BE-LOGGED-";
/// 100 MB of it.
const REPEATS: usize = 4_000_000;

/// The process's peak resident memory so far (VmHWM), in kB.
fn peak_memory_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// Starts cobrowse on `conversation` through the service at `url`: the reply and how long
/// it took.
async fn start_on(url: &str, conversation: &str) -> (Value, Duration) {
    let began = Instant::now();
    let reply = reply(start_request(url, PASSWORD, &start_input(conversation))).await;
    (reply, began.elapsed())
}

/// A conversation of its own for each `n`.
fn other(n: usize) -> String {
    format!("5e0b6a9a-3c8e-4f57-9f0e-{n:012x}")
}

#[tokio::test]
async fn a_huge_value_where_a_session_belongs_is_never_read() {
    if !redis_server::available() {
        return;
    }
    let redis = RedisServer::start();
    let genesys: MockServer = genesys(Duration::ZERO).await;
    let spoilt_start = format!("/api/v2/conversations/{SPOILT}/cobrowse");
    // The spoilt conversation's first start works (so its session key is known); Genesys
    // refuses the later ones, so nothing replaces the huge value and every start meets it.
    Mock::given(method("POST"))
        .and(path(spoilt_start.as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "s0", "joinCode": "000000"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&genesys)
        .await;
    Mock::given(method("POST"))
        .and(path(spoilt_start.as_str()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "message": "Cobrowse is not available", "code": "bad.request", "status": 400
        })))
        .with_priority(2)
        .mount(&genesys)
        .await;
    let mut vars = vars(&genesys);
    vars.push(("REDIS_URL", redis.url()));
    let running = start(&borrowed(&vars));
    let url = running.start_url();

    let (first, _) = start_on(&url, SPOILT).await;
    assert_eq!(first["success"], true, "{first}");
    let mut connection = redis::Client::open(redis.url().as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("*{SPOILT}*:session"))
        .query(&mut connection)
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let key = &keys[0];
    // Built inside Redis, so this test never holds it either.
    let () = redis::cmd("EVAL")
        .arg("redis.call('SET', KEYS[1], string.rep(ARGV[1], tonumber(ARGV[2]))) return nil")
        .arg(1)
        .arg(key)
        .arg(FILLING)
        .arg(REPEATS)
        .query(&mut connection)
        .unwrap();
    for n in 0..3 {
        let (warm, _) = start_on(&url, &other(n)).await;
        assert_eq!(warm["success"], true, "{warm}");
    }
    let pid = running.child.id();
    let normal = peak_memory_kb(pid);

    let mut latencies = Vec::new();
    for round in 0..5 {
        let spoilt = (0..4).map(|_| start_on(&url, SPOILT));
        let conversations = [other(100 + 2 * round), other(101 + 2 * round)];
        let others = conversations.iter().map(|c| start_on(&url, c));
        let (spoilt, others) = tokio::join!(
            futures_util::future::join_all(spoilt),
            futures_util::future::join_all(others)
        );
        for (reply, _) in spoilt {
            // Taken as absent: Genesys was asked, and its refusal is the answer.
            assert_eq!(reply["errorCode"], "REJECTED_BY_GENESYS", "{reply}");
        }
        for (reply, took) in others {
            assert_eq!(reply["success"], true, "{reply}");
            latencies.push(took);
        }
    }
    let grew_kb = peak_memory_kb(pid).saturating_sub(normal);
    assert!(
        grew_kb < 20 * 1024,
        "the service's peak memory grew by {grew_kb} kB"
    );
    latencies.sort();
    let slowest = latencies[latencies.len() - 1];
    let median = latencies[latencies.len() / 2];
    assert!(
        median < Duration::from_millis(250) && slowest < Duration::from_secs(1),
        "calls for other conversations slowed down: median {median:?}, slowest {slowest:?}"
    );
    let metrics = http()
        .get(running.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let errors: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("cobrowse_proxy_reuse_store_errors_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no store error counter in:\n{metrics}"));
    assert!(errors >= 5, "every round met the value: {errors}");

    let (_, stderr, lines) = running.stop("TERM");
    let stdout = lines.join("\n");
    assert!(!stdout.contains(FILLING) && !stderr.contains(FILLING));
    let warnings: Vec<Value> = events(&lines)
        .filter(|e| e["level"] == "WARN" && e["key"] == key.as_str())
        .collect();
    assert!(!warnings.is_empty(), "no warning names {key}:\n{stdout}");
}
