//! The measurements of `benches/lambda.sh`: one peer (the service, or the Node peer) behind the
//! real AWS Lambda Web Adapter, cold and warm as Lambda pays for them, and the same event
//! posted straight to the peer, its own cost.
//!
//! Each trial is one Lambda execution environment: a Runtime API of its own (the documented
//! `GET /2018-06-01/runtime/invocation/next`, `POST .../invocation/{id}/response` and
//! `.../error`, and the Extensions API's register, as `tests/cli/lambda_runtime.rs` serves
//! them) with the first event already waiting; the adapter and the peer spawned together, as
//! Lambda's init starts the extension and the runtime; then
//! - **init**: from the spawn to the adapter's first `GET .../next`, which it sends once the
//!   peer's `/healthz` answers (it tries every 10 ms);
//! - **cold**: from the spawn to the first event's `/response`: what the first invoke of a new
//!   environment waits, Genesys's token included; and the CPU the peer and the adapter had
//!   spent by then (Lambda gives a function CPU in proportion to its memory);
//! - **warm**: `--warm` events, each from being queued (the adapter already waiting on
//!   `/next`) to its `/response`; after each, one more event POSTed straight to the peer's
//!   pass-through path on a kept connection, with the headers the adapter sends (**direct**:
//!   the peer's own cost, with no adapter and no Runtime API);
//!
//! and both processes are killed, as Lambda ends an environment. Every event is a start for a
//! conversation of its own (no reuse), with `agentId`. Any answer that is not a `/response`
//! with `success: true` stops the run, with the logs.
//!
//! The peer and the adapter get this process's environment plus the function's (`AWS_LAMBDA_*`
//! and the `AWS_LWA_*` of docs/lambda.md), as both see the function's environment in Lambda.
//! Prints a line per trial, then `RESULT trials=N events=N cold_p50_us=N cold_p90_us=N
//! cold_max_us=N init_p50_us=N peer_cpu_p50_us=N adapter_cpu_p50_us=N warm_p50_us=N
//! warm_p99_us=N direct_p50_us=N direct_p99_us=N`.
//!
//!     lambda_bench --adapter PATH --port PORT [--trials 20] [--warm 50] [--logs DIR]
//!         -- PEER [ARGS...]

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};

#[derive(Parser)]
struct Args {
    /// The adapter binary (`lambda-adapter`, crate lambda_web_adapter).
    #[arg(long)]
    adapter: PathBuf,
    /// The loopback port the peer listens on (AWS_LWA_PORT).
    #[arg(long)]
    port: u16,
    /// Environments started, one cold start each.
    #[arg(long, default_value_t = 20)]
    trials: usize,
    /// Warm events per environment (and as many direct calls).
    #[arg(long, default_value_t = 50)]
    warm: usize,
    /// Where the peer's and the adapter's output go (peer.log, adapter.log, the last trial's).
    #[arg(long, default_value = ".")]
    logs: PathBuf,
    /// The peer's command line.
    #[arg(last = true, required = true)]
    peer: Vec<String>,
}

const AGENT: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const FUNCTION_ARN: &str = "arn:aws:lambda:eu-west-1:111122223333:function:cobrowse-proxy";
const PASS_THROUGH_PATH: &str = "/v1/lambda/invoke";
/// The longest wait for one answer before the run stops.
const PATIENCE: Duration = Duration::from_secs(10);

/// What the Runtime API saw, when.
enum Seen {
    Next(Instant),
    Answer {
        request_id: String,
        error: bool,
        body: Value,
        at: Instant,
    },
}

/// The Runtime API's side that handlers share.
struct Queue {
    events: Mutex<mpsc::UnboundedReceiver<(String, Value)>>,
    seen: mpsc::UnboundedSender<Seen>,
}

/// One environment's Lambda Runtime API, on a port of its own.
struct Runtime {
    port: u16,
    events: mpsc::UnboundedSender<(String, Value)>,
    seen: mpsc::UnboundedReceiver<Seen>,
    server: ServerHandle,
}

impl Runtime {
    fn start() -> std::io::Result<Runtime> {
        let (events, queued) = mpsc::unbounded_channel();
        let (saw, seen) = mpsc::unbounded_channel();
        let queue = web::Data::new(Queue {
            events: Mutex::new(queued),
            seen: saw,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(queue.clone())
                .route("/2020-01-01/extension/register", web::post().to(register))
                .route("/2020-01-01/extension/event/next", web::get().to(never))
                .route("/2018-06-01/runtime/invocation/next", web::get().to(next))
                .route(
                    "/2018-06-01/runtime/invocation/{id}/{outcome}",
                    web::post().to(answer),
                )
        })
        .workers(1)
        .keep_alive(Duration::from_secs(600))
        // A head and a body written apart would wait on Nagle's algorithm: 40 ms an event.
        .tcp_nodelay(true)
        .disable_signals()
        .bind(("127.0.0.1", 0))?;
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(Runtime {
            port,
            events,
            seen,
            server: handle,
        })
    }

    fn queue(&self, event: Value) -> String {
        let request_id = uuid::Uuid::new_v4().to_string();
        let _ = self.events.send((request_id.clone(), event));
        request_id
    }
}

async fn register() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Lambda-Extension-Identifier", uuid::Uuid::new_v4().to_string()))
        .json(json!({"functionName": "cobrowse-proxy", "functionVersion": "$LATEST", "handler": "bootstrap"}))
}

/// An extension's next event: none ever comes to one that asked for no events.
async fn never() -> HttpResponse {
    std::future::pending().await
}

async fn next(queue: web::Data<Queue>) -> HttpResponse {
    let _ = queue.seen.send(Seen::Next(Instant::now()));
    let Some((request_id, event)) = queue.events.lock().await.recv().await else {
        return std::future::pending().await;
    };
    let deadline = SystemTime::now() + Duration::from_secs(30);
    let deadline_ms = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis();
    HttpResponse::Ok()
        .insert_header(("Lambda-Runtime-Aws-Request-Id", request_id))
        .insert_header(("Lambda-Runtime-Deadline-Ms", deadline_ms.to_string()))
        .insert_header(("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN))
        .insert_header((
            "Lambda-Runtime-Trace-Id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        ))
        .json(event)
}

async fn answer(
    path: web::Path<(String, String)>,
    body: web::Bytes,
    queue: web::Data<Queue>,
) -> HttpResponse {
    let at = Instant::now();
    let (request_id, outcome) = path.into_inner();
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let _ = queue.seen.send(Seen::Answer {
        request_id,
        error: outcome != "response",
        body,
        at,
    });
    HttpResponse::Accepted().json(json!({"status": "OK"}))
}

/// A flow's inputs, as Genesys's AWS Lambda data actions integration sends them: the event.
fn inputs() -> Value {
    json!({"conversationId": uuid::Uuid::new_v4().to_string(), "agentId": AGENT, "cobrowseType": "view"})
}

/// Why the run stopped.
type Failure = String;

/// One environment: the adapter and the peer, and what each trial measured.
struct Environment<'a> {
    args: &'a Args,
    runtime: Runtime,
    children: Vec<Child>,
    first_next: Option<Instant>,
}

impl Environment<'_> {
    /// Waits for the answer to `request_id`, and checks it is a success; its time.
    async fn answered(&mut self, request_id: &str) -> Result<Instant, Failure> {
        loop {
            let seen = tokio::time::timeout(PATIENCE, self.runtime.seen.recv()).await;
            match seen {
                Ok(Some(Seen::Next(at))) => {
                    self.first_next.get_or_insert(at);
                }
                Ok(Some(Seen::Answer {
                    request_id: id,
                    error,
                    body,
                    at,
                })) => {
                    if id != request_id || error || body["success"] != true {
                        return Err(format!(
                            "event {request_id}: the answer to {id} was {} {body}",
                            if error { "an error" } else { "a response" }
                        ));
                    }
                    return Ok(at);
                }
                Ok(None) | Err(_) => {
                    return Err(format!("no answer to event {request_id} in {PATIENCE:?}"));
                }
            }
        }
    }

    fn logs(&self) -> String {
        let read = |name: &str| {
            let text = std::fs::read(self.args.logs.join(name)).unwrap_or_default();
            let start = text.len().saturating_sub(3000);
            String::from_utf8_lossy(&text[start..]).into_owned()
        };
        format!(
            "the peer said:\n{}\nthe adapter said:\n{}",
            read("peer.log"),
            read("adapter.log")
        )
    }
}

impl Drop for Environment<'_> {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        drop(self.runtime.server.stop(false));
    }
}

/// Spawns `command` with the function's environment, its output to `log`.
fn spawn(command: &[String], function: &[(&str, String)], log: &File) -> Result<Child, Failure> {
    Command::new(&command[0])
        .args(&command[1..])
        .envs(function.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log.try_clone().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", command[0]))
}

/// The CPU time of every thread of process `pid` so far (`/proc/PID/task/*/schedstat`, in
/// nanoseconds: finer than `/proc/PID/stat`'s clock ticks, 10 ms here, a whole start-up).
fn cpu_time(pid: u32) -> Duration {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    let nanos = tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split(' ').next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// What one trial measured.
struct Trial {
    init: Duration,
    cold: Duration,
    /// The CPU the peer and the adapter had spent when the first event was answered.
    peer_cpu: Duration,
    adapter_cpu: Duration,
    warm: Vec<Duration>,
    direct: Vec<Duration>,
}

async fn trial(args: &Args) -> Result<Trial, Failure> {
    let runtime = Runtime::start().map_err(|e| format!("the Runtime API: {e}"))?;
    let function = [
        (
            "AWS_LAMBDA_RUNTIME_API",
            format!("127.0.0.1:{}", runtime.port),
        ),
        ("AWS_LAMBDA_FUNCTION_NAME", "cobrowse-proxy".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LWA_PORT", args.port.to_string()),
        ("AWS_LWA_READINESS_CHECK_PATH", "/healthz".to_owned()),
        ("AWS_LWA_PASS_THROUGH_PATH", PASS_THROUGH_PATH.to_owned()),
    ];
    let create =
        |name: &str| File::create(args.logs.join(name)).map_err(|e| format!("{name}: {e}"));
    let (peer_log, adapter_log) = (create("peer.log")?, create("adapter.log")?);
    let first = runtime.queue(inputs());
    let mut environment = Environment {
        args,
        runtime,
        children: Vec::new(),
        first_next: None,
    };
    let adapter = [args.adapter.display().to_string()];

    let spawned = Instant::now();
    let started = spawn(&adapter, &function, &adapter_log)
        .and_then(|a| Ok((a, spawn(&args.peer, &function, &peer_log)?)));
    let (adapter, peer) = started?;
    environment.children.extend([adapter, peer]);
    let answered = environment.answered(&first).await;
    let cold = answered.map_err(|e| format!("{e}; {}", environment.logs()))? - spawned;
    let adapter_cpu = cpu_time(environment.children[0].id());
    let peer_cpu = cpu_time(environment.children[1].id());
    let init = environment.first_next.map_or(cold, |at| at - spawned);

    let mut direct = Direct::connect(args.port).await?;
    // The connection's first call is not counted: the adapter's was the cold event's.
    direct.call().await?;
    let (mut warm, mut directs) = (Vec::new(), Vec::new());
    for _ in 0..args.warm {
        let queued = Instant::now();
        let request_id = environment.runtime.queue(inputs());
        let answered = environment.answered(&request_id).await;
        warm.push(answered.map_err(|e| format!("{e}; {}", environment.logs()))? - queued);
        directs.push(direct.call().await?);
    }
    Ok(Trial {
        init,
        cold,
        peer_cpu,
        adapter_cpu,
        warm,
        direct: directs,
    })
}

/// The peer called straight, on one kept connection, as the adapter calls it.
struct Direct {
    stream: TcpStream,
    port: u16,
}

impl Direct {
    async fn connect(port: u16) -> Result<Direct, Failure> {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| format!("direct: cannot connect to the peer: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Direct { stream, port })
    }

    /// One event posted to the pass-through path; its time.
    async fn call(&mut self) -> Result<Duration, Failure> {
        let body = inputs().to_string();
        let context = json!({
            "request_id": uuid::Uuid::new_v4().to_string(), "deadline": 0,
            "invoked_function_arn": FUNCTION_ARN, "xray_trace_id": null, "client_context": null,
            "identity": null, "env_config": {"function_name": "cobrowse-proxy", "memory": 128,
            "version": "$LATEST", "log_stream": "", "log_group": ""}
        });
        let request = format!(
            "POST {PASS_THROUGH_PATH} HTTP/1.1\r\nhost: 127.0.0.1:{}\r\ncontent-type: application/json\r\nx-amzn-request-context: null\r\nx-amzn-lambda-context: {context}\r\ncontent-length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        let sent = Instant::now();
        let io = |e: std::io::Error| format!("direct: {e}");
        self.stream
            .write_all(request.as_bytes())
            .await
            .map_err(io)?;
        let mut reply = Vec::with_capacity(2048);
        let mut chunk = [0u8; 4096];
        loop {
            let read = self.stream.read(&mut chunk).await.map_err(io)?;
            if read == 0 {
                return Err("direct: the peer closed the connection".to_owned());
            }
            reply.extend_from_slice(&chunk[..read]);
            if let Some(length) = complete(&reply)? {
                let took = sent.elapsed();
                let body: Value = serde_json::from_slice(&reply[length..]).unwrap_or_default();
                if body["success"] != true {
                    return Err(format!("direct: the peer answered {body}"));
                }
                return Ok(took);
            }
        }
    }
}

/// Where the body starts, once `reply` holds a whole HTTP/1.1 response with a content-length.
fn complete(reply: &[u8]) -> Result<Option<usize>, Failure> {
    let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&reply[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .ok_or_else(|| format!("direct: no content-length in {head}"))?;
    Ok((reply.len() >= end + 4 + length).then_some(end + 4))
}

/// The nearest-rank percentile, in microseconds.
fn percentile(values: &mut [Duration], p: usize) -> u128 {
    values.sort();
    let rank = (values.len() * p).div_ceil(100).max(1);
    values[rank - 1].as_micros()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[actix_web::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.trials == 0 || args.warm == 0 {
        eprintln!("lambda_bench: --trials and --warm are at least 1");
        return ExitCode::FAILURE;
    }
    let (mut cold, mut init, mut warm, mut direct) = (vec![], vec![], vec![], vec![]);
    let (mut peer_cpu, mut adapter_cpu) = (vec![], vec![]);
    for n in 1..=args.trials {
        let mut measured = match trial(&args).await {
            Ok(measured) => measured,
            Err(why) => {
                eprintln!("lambda_bench: trial {n}: {why}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "trial {n}: init {}, cold {} (CPU: the peer {}, the adapter {}), warm p50 {} us, direct p50 {} us",
            ms(measured.init),
            ms(measured.cold),
            ms(measured.peer_cpu),
            ms(measured.adapter_cpu),
            percentile(&mut measured.warm, 50),
            percentile(&mut measured.direct, 50)
        );
        cold.push(measured.cold);
        peer_cpu.push(measured.peer_cpu);
        adapter_cpu.push(measured.adapter_cpu);
        init.push(measured.init);
        warm.extend(measured.warm);
        direct.extend(measured.direct);
    }
    println!(
        "RESULT trials={} events={} cold_p50_us={} cold_p90_us={} cold_max_us={} init_p50_us={} peer_cpu_p50_us={} adapter_cpu_p50_us={} warm_p50_us={} warm_p99_us={} direct_p50_us={} direct_p99_us={}",
        args.trials,
        warm.len(),
        percentile(&mut cold, 50),
        percentile(&mut cold, 90),
        percentile(&mut cold, 100),
        percentile(&mut init, 50),
        percentile(&mut peer_cpu, 50),
        percentile(&mut adapter_cpu, 50),
        percentile(&mut warm, 50),
        percentile(&mut warm, 99),
        percentile(&mut direct, 50),
        percentile(&mut direct, 99),
    );
    ExitCode::SUCCESS
}
