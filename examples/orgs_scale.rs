//! What many orgs cost (benches/run.sh's "1,000 orgs" row, docs/multi-org.md): reading and
//! building 1,000 orgs (start-up), reading them again with one changed (a reload), the memory
//! an idle org takes, and finding a call's org by its credential among 1,000 against among 1.
//!
//!     cargo run --release --example orgs_scale [-- ORGS]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use base64::Engine;
use cobrowse_proxy::config::orgs_file as file;
use cobrowse_proxy::config::{Deployment, OrgDefaults, OrgsFile};
use cobrowse_proxy::metrics::Metrics;
use cobrowse_proxy::orgs::{OrgBuilder, Orgs};
use cobrowse_proxy::watched_file::Version;

fn orgs_file(count: usize, rotated: Option<usize>) -> String {
    let mut text = String::new();
    for i in 0..count {
        let password = if Some(i) == rotated {
            "rotated"
        } else {
            "inbound-password"
        };
        write!(
            text,
            "[orgs.org-{i}]\nregion = \"eu-west-1\"\nclient_id = \"client-{i}\"\nclient_secret = \"secret-{i}\"\nauth_username = \"user-{i}\"\nauth_password = \"{password}-{i}\"\n\n"
        )
        .unwrap();
    }
    text
}

/// Resident memory now, in KiB.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Nanoseconds one credential lookup takes among `orgs`.
fn lookup_ns(orgs: &Orgs, user: &str, password: &str) -> f64 {
    let header = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    );
    let request = TestRequest::default()
        .insert_header(("Authorization", header))
        .to_http_request();
    let rounds = 200_000;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(orgs.authenticate(std::hint::black_box(&request)).unwrap());
    }
    started.elapsed().as_nanos() as f64 / rounds as f64
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::args().nth(1).map_or(1000, |n| n.parse().unwrap());
    let dir = std::env::temp_dir().join(format!("cobrowse-orgs-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("orgs.toml");
    std::fs::write(&path, orgs_file(count, None)).unwrap();
    let defaults = OrgDefaults::built_in(Duration::from_secs(10));
    let metrics = Arc::new(Metrics::for_many_orgs());
    let builder = || {
        OrgBuilder::new(
            Duration::from_secs(10),
            None,
            Duration::from_secs(30),
            metrics.clone(),
            100,
            true,
        )
    };

    // One org first, so what follows measures the orgs, not the process's first allocations.
    let one_settings = file::parse(&orgs_file(1, None), &defaults).unwrap();
    let one_file = OrgsFile {
        path: path.clone(),
        version: Version::of(&path),
    };
    let one = Orgs::new(&one_settings, Some(&one_file), &defaults, builder());
    let before = rss_kb();
    let started = Instant::now();
    let many = Deployment::from_vars([(
        "COBROWSE_ORGS_FILE".to_owned(),
        path.to_str().unwrap().to_owned(),
    )])
    .expect("the generated file is valid");
    let orgs = Orgs::new(&many.orgs, many.orgs_file.as_ref(), &defaults, builder());
    let start_up = started.elapsed();
    drop(many);
    let per_org_kb = (rss_kb().saturating_sub(before)) as f64 / count as f64;

    std::fs::write(&path, orgs_file(count, Some(count / 2))).unwrap();
    let started = Instant::now();
    let reloaded = orgs.reload().await.unwrap();
    let reload = started.elapsed();
    assert_eq!(reloaded.kept, count);

    let last = count - 1;
    let among_one = lookup_ns(&one, "user-0", "inbound-password-0");
    let among_many = lookup_ns(
        &orgs,
        &format!("user-{last}"),
        &format!("inbound-password-{last}"),
    );
    println!(
        "{count} orgs: start-up (read, check, build) {:.0} ms; reload (one changed) {:.0} ms; {per_org_kb:.1} KiB per idle org; finding a call's org {among_many:.0} ns among {count}, {among_one:.0} ns among 1",
        start_up.as_secs_f64() * 1000.0,
        reload.as_secs_f64() * 1000.0,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
