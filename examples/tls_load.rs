//! The HTTPS load of `benches/tls.sh`: starts posted to the proxy over TLS, presenting a client
//! certificate when the server asks for one, which `wrk` cannot do.
//!
//! The benchmark compares the proxy with and without mutual TLS, so both rows need the one
//! client: this one, configured alike in both (the same trust, the same client certificate,
//! which rustls sends only when the server asks). `--new-connections` opens a fresh TCP and
//! TLS connection for every call, with session resumption off, so each call pays a full
//! handshake (the worst case: Genesys does not say whether its data actions keep connections
//! or resume sessions); `--resume` lets a connection resume the session of the one before.
//! Without either, each of the `--connections` workers keeps one connection alive.
//!
//! Every start is for a conversation of its own, as in `benches/run.sh`. It waits for `GET
//! /readyz` to answer 200 first, then prints one line the script parses:
//! `RESULT requests=N duration_us=N p50_us=N p99_us=N status_errors=N socket_errors=N
//! cpu_ticks=N`: the calls answered 2xx and their latency, the others, and its own CPU, in
//! clock ticks of /proc/self/stat.
//!
//!     tls_load https://127.0.0.1:PORT --ca CA.pem [--identity CERT_AND_KEY.pem]
//!         [--connections 15] [--duration 10] [--new-connections [--resume]] [--tls12]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use rustls::client::Resumption;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Parser)]
struct Args {
    /// The proxy's base URL, e.g. https://127.0.0.1:18080
    url: String,
    /// PEM of the CA that signed the proxy's certificate.
    #[arg(long)]
    ca: PathBuf,
    /// PEM holding the client certificate and its key, presented when asked for.
    #[arg(long)]
    identity: Option<PathBuf>,
    #[arg(long, default_value_t = 15)]
    connections: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Runtime threads (1, like `benches/run.sh`'s one wrk thread).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// A new connection, and handshake, for every call.
    #[arg(long)]
    new_connections: bool,
    /// With --new-connections: resume the last session (a shorter handshake).
    #[arg(long)]
    resume: bool,
    /// Offer TLS 1.2 only (by default 1.3 is negotiated).
    #[arg(long)]
    tls12: bool,
    /// Basic credential, user:password.
    #[arg(long, default_value = "bench:bench-password")]
    credential: String,
}

const AGENT: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    status_errors: u64,
    socket_errors: u64,
}

fn tls_config(args: &Args) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&args.ca).expect("--ca: a PEM file") {
        roots
            .add(cert.expect("--ca: a certificate"))
            .expect("--ca: a usable CA");
    }
    let versions: &[&rustls::SupportedProtocolVersion] = if args.tls12 {
        &[&rustls::version::TLS12]
    } else {
        rustls::DEFAULT_VERSIONS
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("TLS versions")
        .with_root_certificates(roots);
    let mut config = match &args.identity {
        Some(path) => {
            let chain = CertificateDer::pem_file_iter(path)
                .expect("--identity: a PEM file")
                .collect::<Result<Vec<_>, _>>()
                .expect("--identity: certificates");
            let key = PrivateKeyDer::from_pem_file(path).expect("--identity: a private key");
            builder
                .with_client_auth_cert(chain, key)
                .expect("--identity: a usable certificate and key")
        }
        None => builder.with_no_client_auth(),
    };
    if args.new_connections && !args.resume {
        config.resumption = Resumption::disabled();
    }
    config
}

fn client(args: &Args) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(args))
        .timeout(Duration::from_secs(5));
    if args.new_connections {
        // No connection is kept for the next call: each one opens its own.
        builder = builder.pool_max_idle_per_host(0);
    }
    builder.build().expect("an HTTP client")
}

/// `GET /readyz` until it answers 200 with every token held, for at most 10 s.
async fn wait_ready(client: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(response) = client.get(format!("{url}/readyz")).send().await {
            let ok = response.status().is_success();
            if ok
                && !response
                    .text()
                    .await
                    .unwrap_or_default()
                    .contains("errorCode")
            {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{url}/readyz not ready after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One worker: its own client (so its own connection), calls until `until`.
async fn worker(
    client: reqwest::Client,
    url: String,
    user: String,
    password: String,
    prefix: u32,
    until: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut n: u64 = 0;
    let target = format!("{url}/v1/cobrowse/start");
    while Instant::now() < until {
        n += 1;
        let body = format!(
            r#"{{"conversationId":"{prefix:08x}-0000-4000-8000-{n:012x}","agentId":"{AGENT}","cobrowseType":"view"}}"#
        );
        let sent = Instant::now();
        let reply = client
            .post(&target)
            .basic_auth(&user, Some(&password))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await;
        match reply {
            Ok(response) => {
                let ok = response.status().is_success();
                // Read to the end, so a kept connection is free for the next call.
                match response.bytes().await {
                    Ok(_) if ok => tally
                        .latencies_us
                        .push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX)),
                    Ok(_) => tally.status_errors += 1,
                    Err(_) => tally.socket_errors += 1,
                }
            }
            Err(_) => tally.socket_errors += 1,
        }
    }
    tally
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("a stat line") + 2..]
        .split(' ')
        .collect();
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn percentile(sorted: &[u32], p: usize) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() * p).div_ceil(100)).clamp(1, sorted.len()) - 1]
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .expect("a runtime");
    let (user, password) = args
        .credential
        .split_once(':')
        .expect("--credential: user:password");
    let url = args.url.trim_end_matches('/').to_owned();
    let clients: Vec<_> = (0..args.connections.max(1))
        .map(|_| client(&args))
        .collect();
    runtime.block_on(wait_ready(&clients[0], &url));
    // A prefix per run, so no start repeats one of an earlier run (the warm-up is a run).
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        >> 4;
    let ticks = cpu_ticks();
    let started = Instant::now();
    let until = started + Duration::from_secs(args.duration);
    let tallies = runtime.block_on(async {
        let workers: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(i, client)| {
                let prefix = run.wrapping_add(u32::try_from(i).unwrap() << 24);
                tokio::spawn(worker(
                    client,
                    url.clone(),
                    user.to_owned(),
                    password.to_owned(),
                    prefix,
                    until,
                ))
            })
            .collect();
        let mut tallies = Vec::new();
        for worker in workers {
            tallies.push(worker.await.expect("a worker"));
        }
        tallies
    });
    let elapsed = started.elapsed();
    let ticks = cpu_ticks() - ticks;
    let mut latencies: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.latencies_us.iter().copied())
        .collect();
    latencies.sort_unstable();
    println!(
        "RESULT requests={} duration_us={} p50_us={} p99_us={} status_errors={} socket_errors={} cpu_ticks={ticks}",
        latencies.len(),
        elapsed.as_micros(),
        percentile(&latencies, 50),
        percentile(&latencies, 99),
        tallies.iter().map(|t| t.status_errors).sum::<u64>(),
        tallies.iter().map(|t| t.socket_errors).sum::<u64>(),
    );
}
