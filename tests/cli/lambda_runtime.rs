//! A Lambda environment for a test: a small Lambda Runtime API (with the Extensions API the
//! Web Adapter registers with), the real AWS Lambda Web Adapter (`lambda-adapter`, found as
//! `common::tool::located` says) in front of the real binary, and events fed to it one at a
//! time, as Lambda feeds a function.
//!
//! The Runtime API is the documented one (docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
//! `GET /2018-06-01/runtime/invocation/next` hands out the next event (and waits while there
//! is none), `POST .../invocation/{id}/response` and `.../error` take the function's answer.
//! The adapter registers as an extension first and then waits on
//! `GET /2020-01-01/extension/event/next`, which, as in Lambda for an extension that asked
//! for no events, never answers. Replies are written whole on connections with `TCP_NODELAY`:
//! a head and a body sent apart would wait on Nagle's algorithm, about 40 ms an event.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

use crate::common::tool;
use crate::harness::{Running, signal, spawn};

/// The adapter's settings for this service, as docs/lambda.md gives them.
pub const PASS_THROUGH_PATH: &str = "/v1/lambda/invoke";
pub const FUNCTION_ARN: &str = "arn:aws:lambda:eu-west-1:111122223333:function:cobrowse-proxy";

/// The adapter binary, or `None` (the test is skipped, or fails under `CI=true`).
pub fn adapter() -> Option<PathBuf> {
    tool::located(
        "lambda-adapter",
        "LAMBDA_ADAPTER",
        "cargo install lambda_web_adapter --version 0.9.1 --locked",
    )
}

/// What the function answered an event: the body it posted, to `/response` or to `/error`.
#[derive(Debug)]
pub struct Answer {
    pub request_id: String,
    pub error: bool,
    pub body: Value,
}

/// The Runtime API's side that handlers share.
struct Queue {
    events: Mutex<mpsc::UnboundedReceiver<(String, Value)>>,
    answers: mpsc::UnboundedSender<Answer>,
}

/// The Lambda Runtime API, on a port of its own.
pub struct Runtime {
    pub port: u16,
    events: mpsc::UnboundedSender<(String, Value)>,
    answers: mpsc::UnboundedReceiver<Answer>,
    server: ServerHandle,
}

impl Runtime {
    pub fn start() -> Runtime {
        let (events, queued) = mpsc::unbounded_channel();
        let (answered, answers) = mpsc::unbounded_channel();
        let queue = web::Data::new(Queue {
            events: Mutex::new(queued),
            answers: answered,
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
                .route("/2018-06-01/runtime/init/error", web::post().to(init_error))
        })
        .workers(1)
        // The adapter's connections stay open across a test, a freeze included.
        .keep_alive(Duration::from_secs(600))
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Runtime {
            port,
            events,
            answers,
            server: handle,
        }
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

/// The next event, when there is one.
async fn next(queue: web::Data<Queue>) -> HttpResponse {
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
    let (request_id, outcome) = path.into_inner();
    if !["response", "error"].contains(&outcome.as_str()) {
        return HttpResponse::NotFound().finish();
    }
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let error = outcome == "error";
    let _ = queue.answers.send(Answer {
        request_id,
        error,
        body,
    });
    HttpResponse::Accepted().json(json!({"status": "OK"}))
}

async fn init_error(body: web::Bytes, queue: web::Data<Queue>) -> HttpResponse {
    let _ = queue.answers.send(Answer {
        request_id: "init".to_owned(),
        error: true,
        body: Value::String(String::from_utf8_lossy(&body).into_owned()),
    });
    HttpResponse::Accepted().json(json!({"status": "OK"}))
}

/// The service and the adapter in front of it, as one Lambda function's environment.
pub struct Function {
    runtime: Runtime,
    adapter: Child,
    adapter_log: PathBuf,
    /// `None` once stopped.
    service: Option<Running>,
}

impl Function {
    /// Starts the binary with `vars` (named without `COBROWSE_`, `LISTEN` on port 0 among
    /// them) and the adapter at `adapter` in front of it, as a Lambda function's environment
    /// runs them.
    pub fn start(adapter: &Path, vars: &[(&str, &str)]) -> Function {
        let service = spawn(crate::harness::command(vars));
        let runtime = Runtime::start();
        let adapter_log = std::env::temp_dir().join(format!(
            "cobrowse-proxy-lambda-adapter-{}-{}.log",
            std::process::id(),
            runtime.port
        ));
        let log = File::create(&adapter_log).unwrap();
        let adapter = Command::new(adapter)
            .env_clear()
            .envs([
                (
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("127.0.0.1:{}", runtime.port),
                ),
                ("AWS_LAMBDA_FUNCTION_NAME", "cobrowse-proxy".to_owned()),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
                ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
                ("AWS_LWA_PORT", service.port.to_string()),
                ("AWS_LWA_READINESS_CHECK_PATH", "/healthz".to_owned()),
                ("AWS_LWA_PASS_THROUGH_PATH", PASS_THROUGH_PATH.to_owned()),
                ("RUST_LOG", "info".to_owned()),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        Function {
            runtime,
            adapter,
            adapter_log,
            service: Some(service),
        }
    }

    /// Feeds `event` to the function and waits for its answer.
    pub async fn invoke(&mut self, event: Value) -> Answer {
        let request_id = uuid::Uuid::new_v4().to_string();
        self.runtime
            .events
            .send((request_id.clone(), event))
            .unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), self.runtime.answers.recv())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                panic!(
                    "no answer in 10 s; the adapter said:\n{}",
                    self.adapter_log()
                )
            });
        assert_eq!(answer.request_id, request_id, "{answer:?}");
        answer
    }

    /// The service's port, which the adapter calls.
    pub fn port(&self) -> u16 {
        self.service.as_ref().unwrap().port
    }

    /// Freezes both processes, as Lambda freezes an environment between invokes
    /// (`SIGSTOP`), or thaws them (`SIGCONT`).
    pub fn signal_all(&self, name: &str) {
        signal(&self.adapter, name);
        signal(&self.service.as_ref().unwrap().child, name);
    }

    /// What the adapter wrote.
    pub fn adapter_log(&self) -> String {
        std::fs::read_to_string(&self.adapter_log).unwrap_or_default()
    }

    /// Stops the adapter, then the service; the service's log lines.
    pub fn stop(mut self) -> Vec<String> {
        let _ = self.adapter.kill();
        let _ = self.adapter.wait();
        let (status, stderr, lines) = self.service.take().unwrap().stop("TERM");
        assert_eq!(status.code(), Some(0), "{stderr}");
        lines
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.adapter.kill();
        let _ = self.adapter.wait();
        // A test that failed half-way: SIGKILL ends a frozen process too.
        if let Some(service) = &mut self.service {
            let _ = service.child.kill();
            let _ = service.child.wait();
        }
        // The stop is sent at once; nothing is left to wait for it.
        drop(self.runtime.server.stop(false));
        let _ = std::fs::remove_file(&self.adapter_log);
    }
}
