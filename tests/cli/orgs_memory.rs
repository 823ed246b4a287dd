//! The process's memory across reloads that rebuild every org: 200 orgs, each given a new
//! OAuth client secret by every reload, 300 reloads on SIGHUP. Resident memory settles
//! within the first reloads (two sets of orgs live at once during a reload, and the allocator
//! keeps what it freed) and stays there; `/metrics` keeps the same number of lines. The
//! counted side (nothing of a replaced org left, no series of a renamed one) is
//! `src/orgs/memory_tests.rs`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::http;
use crate::harness::{Running, borrowed, events, signal, start};

const ORGS: usize = 200;
const RELOADS: usize = 300;
/// Where memory is first taken: by then it has settled.
const SETTLED: usize = 50;
/// How much more the process may hold after the last reload than after `SETTLED`: well
/// above what the allocator's noise moves it by (under 1 MiB here), well below what a leak
/// of 100 bytes per org per reload would add (5 MiB).
const MARGIN_KB: u64 = 3 * 1024;

/// The process's resident memory now (VmRSS), in kB.
fn resident_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// The orgs file of reload `round`: every OAuth client secret new.
fn orgs(round: usize) -> String {
    (0..ORGS)
        .map(|i| {
            format!(
                "[orgs.org-{i}]\nregion = \"eu-west-1\"\nclient_id = \"client-{i}\"\nclient_secret = \"secret-{i}-{round}\"\nauth_bearer_token = \"token-{i}\"\n\n"
            )
        })
        .collect()
}

/// Writes `text` as the orgs file in one rename, so no reload reads half of it.
fn replace(file: &Path, text: &str) {
    let next = file.with_extension("next");
    std::fs::write(&next, text).unwrap();
    std::fs::rename(&next, file).unwrap();
}

/// Reloads that rebuilt every org so far, reading the lines after `seen` (moved on).
fn rebuilt(running: &Running, seen: &mut usize, count: &mut usize) {
    let lines = running.lines.lock().unwrap();
    for event in events(&lines[*seen..]) {
        // The file watch may read a new version before the signal comes: the signal's
        // reload then keeps every org.
        if event["message"] == "reloaded the orgs file" && event["kept"] == 0 {
            *count += 1;
        }
    }
    *seen = lines.len();
}

async fn metrics_lines(running: &Running) -> usize {
    let page = http().get(running.url("/metrics")).send().await.unwrap();
    page.text().await.unwrap().lines().count()
}

#[tokio::test]
async fn memory_stays_bounded_over_reloads_that_rebuild_every_org() {
    let dir = std::env::temp_dir().join(format!("cobrowse-cli-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("orgs.toml");
    replace(&file, &orgs(0));
    let vars = vec![
        ("LISTEN", "127.0.0.1:0".to_owned()),
        ("ORGS_FILE", file.display().to_string()),
    ];
    let running = start(&borrowed(&vars));
    let pid = running.child.id();
    let (mut seen, mut count) = (0, 0);
    let mut settled = None;
    for round in 1..=RELOADS {
        replace(&file, &orgs(round));
        signal(&running.child, "HUP");
        let until = Instant::now() + Duration::from_secs(20);
        while count < round {
            assert!(Instant::now() < until, "reload {round} not within 20 s");
            std::thread::sleep(Duration::from_millis(5));
            rebuilt(&running, &mut seen, &mut count);
        }
        if round == SETTLED {
            settled = Some((resident_kb(pid), metrics_lines(&running).await));
        }
    }
    let (settled_kb, settled_lines) = settled.unwrap();
    let last_kb = resident_kb(pid);
    assert_eq!(
        metrics_lines(&running).await,
        settled_lines,
        "lines of /metrics"
    );
    eprintln!("resident after {SETTLED} reloads {settled_kb} kB, after {RELOADS} {last_kb} kB");
    assert!(
        last_kb <= settled_kb + MARGIN_KB,
        "resident memory grew from {settled_kb} kB after {SETTLED} reloads to {last_kb} kB after {RELOADS}"
    );
    running.stop("TERM");
    let _ = std::fs::remove_dir_all(&dir);
}
