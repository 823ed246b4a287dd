//! A stand-in for Genesys that costs almost nothing, for `benches/run.sh`.
//!
//! The benchmark measures the proxy's own cost, so the upstream must answer at once: every
//! reply here is a fixed body, with no parsing, checking or allocation per call beyond what
//! actix-web itself does. It counts the calls it serves so the benchmark can check that the
//! proxy asked for exactly one token, and reports them on `GET /stats`.
//!
//! Usage: `bench_upstream [PORT] [WORKERS]` (defaults 0 and 1; port 0 picks a free port).
//! It listens on 127.0.0.1 only and prints `listening 127.0.0.1:PORT` once bound.

use std::io::{self, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};

/// What `/oauth/token` answers: a day-long token, as Genesys issues by default.
const TOKEN: &str =
    r#"{"access_token":"bench-access-token","token_type":"bearer","expires_in":86400}"#;

/// A `CobrowseWebMessagingSession` shaped like the sandbox's (`src/sandbox.rs`).
const SESSION: &str = r#"{"id":"6f1c2b9e-8d3a-4e5f-9a0b-1c2d3e4f5a6b","name":"Bench cobrowse","joinCode":"6f1c2b","websocketUrl":"wss://bench.invalid/cobrowse/6f1c2b9e-8d3a-4e5f-9a0b-1c2d3e4f5a6b","dateOfferEnds":"2030-01-01T00:00:00.000Z","communicationType":"Call","selfUri":"/api/v2/conversations/bench/cobrowse/6f1c2b9e-8d3a-4e5f-9a0b-1c2d3e4f5a6b"}"#;

/// A call with the benchmark's agent connected, for the scenario where the flow omits agentId.
const CONVERSATION: &str = r#"{"id":"5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60","participants":[{"purpose":"customer","calls":[{"state":"connected"}]},{"purpose":"acd","calls":[{"state":"disconnected"}]},{"purpose":"agent","userId":"0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6","calls":[{"state":"connected"}]}]}"#;

#[derive(Default)]
struct Counters {
    token: AtomicU64,
    conversation: AtomicU64,
    cobrowse: AtomicU64,
}

fn json(counter: &AtomicU64, body: &'static str) -> HttpResponse {
    counter.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("ININ-Correlation-Id", "bench-correlation-id"))
        .body(body)
}

// Each handler takes the body as `Bytes` so the request is read to its end and the
// keep-alive connection stays usable, exactly as a real server would.
async fn token(counters: web::Data<Counters>, _form: web::Bytes) -> HttpResponse {
    json(&counters.token, TOKEN)
}

async fn conversation(counters: web::Data<Counters>) -> HttpResponse {
    json(&counters.conversation, CONVERSATION)
}

async fn cobrowse(counters: web::Data<Counters>, _body: web::Bytes) -> HttpResponse {
    json(&counters.cobrowse, SESSION)
}

async fn stats(counters: web::Data<Counters>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "token_requests": counters.token.load(Ordering::Relaxed),
        "conversation_requests": counters.conversation.load(Ordering::Relaxed),
        "cobrowse_requests": counters.cobrowse.load(Ordering::Relaxed),
    }))
}

fn argument(position: usize, default: u16) -> io::Result<u16> {
    match std::env::args().nth(position) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("usage: bench_upstream [PORT] [WORKERS]; {text:?} is not a number"),
            )
        }),
    }
}

#[actix_web::main]
async fn main() -> io::Result<()> {
    let port = argument(1, 0)?;
    let workers = argument(2, 1)?.max(1);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let address = listener.local_addr()?;
    let counters = web::Data::new(Counters::default());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(counters.clone())
            .route("/oauth/token", web::post().to(token))
            .route(
                "/api/v2/conversations/{id}/cobrowse",
                web::post().to(cobrowse),
            )
            .route("/api/v2/conversations/{id}", web::get().to(conversation))
            .route("/stats", web::get().to(stats))
    })
    .workers(usize::from(workers))
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    // The benchmark script waits for this line to learn the port.
    let mut stdout = io::stdout();
    writeln!(stdout, "listening {address}")?;
    stdout.flush()?;
    server.await
}
