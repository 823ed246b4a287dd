//! How every Genesys request is sent: the HTTP clients (one per server thread, shared by every
//! org, each org with its own request limit on them), and the rules for retrying.
//!
//! Starting a cobrowse session is not idempotent, so the rules are narrow: retry only what
//! Genesys tells us it did not act on (429 and 503, after `Retry-After`) and connections that
//! never opened. A timeout, a broken connection or a 502/504 may hide a session that did
//! start, so those are reported, never retried. Every attempt and every wait stays inside
//! one deadline: the call's total budget.
//!
//! A request leaves only while Genesys has time to answer it: at least [`answer_floor`] of
//! the budget must remain, whether the time went on a token, a conversation lookup, a wait
//! for a rate-limit slot or a `Retry-After`. One sent with less would time out as a start
//! that may have reached Genesys (an offer the flow is told not to retry) where not sending
//! it is a clean "nothing was sent".

mod client_tls;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use reqwest::RequestBuilder;
use thread_local::ThreadLocal;

use client_tls::tls_config;

use tokio::time::{Instant, sleep_until, timeout_at};

use super::error::{GenesysError, Operation, Problem};
use super::limit::RequestLimit;
use super::reply::Reply;
use crate::metrics::{Metrics, OperationLabels};

/// The most attempts one call makes, however generous the budget.
const MAX_ATTEMPTS: u8 = 4;
/// Wait before retrying a 429/503 that carries no usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Wait before retrying a connection that did not open.
const CONNECT_RETRY_DELAY: Duration = Duration::from_millis(200);
/// Genesys answers are a few kilobytes; anything past this is not a Genesys answer.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The least time a request is sent with, whatever the budget: a Genesys API answer usually
/// takes 100 to 300 ms, and this leaves room for a slow one.
const MIN_ANSWER_TIME: Duration = Duration::from_millis(500);

/// How much of the budget must remain for a request to leave: a fifth of the budget or
/// [`MIN_ANSWER_TIME`], whichever is larger, but never more than half the budget (so a short
/// budget still lets the first request go). 2 s of the default 10 s budget, 500 ms of 2 s.
pub fn answer_floor(budget: Duration) -> Duration {
    (budget / 5).max(MIN_ANSWER_TIME).min(budget / 2)
}

/// The HTTP clients (one per thread) with an org's request limit, cloned cheaply (everything
/// is reference-counted inside): every org's `Transport` is a `with_limit` of one shared.
#[derive(Clone)]
pub struct Transport {
    /// One client, and so one connection pool, per server thread. A connection is driven by
    /// the thread that opened it: shared across threads, every Genesys call would wake the
    /// other thread twice, once to send and once to hand the answer back.
    http: Arc<ThreadLocal<reqwest::Client>>,
    /// The TLS set-up every thread's client is built with: see [`tls_config`].
    tls: rustls::ClientConfig,
    connect_timeout: Duration,
    /// [`answer_floor`] of the budget: the least time left a request is sent with.
    floor: Duration,
    metrics: Arc<Metrics>,
    /// Genesys's per-token limit, mirrored: a burst of flows is answered at once rather than
    /// earning this OAuth client 429s.
    limit: Option<Arc<RequestLimit>>,
}

impl Transport {
    pub fn new(
        connect_timeout: Duration,
        floor: Duration,
        metrics: Arc<Metrics>,
        requests_per_minute: Option<NonZeroU32>,
    ) -> Self {
        // reqwest is built without a bundled crypto provider so that rustls uses `ring`
        // (fast to build, no cmake). Installing twice is harmless: the first one stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Every operation's retry counter and latency histogram exists from the start, at 0:
        // a dashboard or alert on it sees a series, not "no data", until the first request.
        for operation in Operation::ALL {
            let labels = OperationLabels {
                operation: operation.label(),
            };
            drop(metrics.genesys_retries.get_or_create(&labels));
            drop(metrics.genesys_latency.get_or_create(&labels));
        }
        let transport = Transport {
            http: Arc::new(ThreadLocal::new()),
            tls: tls_config().expect("the platform's trusted roots load"),
            connect_timeout,
            floor,
            metrics,
            limit: requests_per_minute.map(|n| Arc::new(RequestLimit::per_minute(n))),
        };
        // Build one client now: a TLS set-up that cannot work fails at start-up, not on the
        // first call of each thread (every thread builds with the same settings).
        transport.http();
        transport
    }

    /// The same connection pools with a limiter of their own: an org's (Genesys limits each
    /// OAuth client's token, so one org's burst must not take another's slots).
    pub fn with_limit(&self, requests_per_minute: Option<NonZeroU32>) -> Self {
        Transport {
            limit: requests_per_minute.map(|n| Arc::new(RequestLimit::per_minute(n))),
            ..self.clone()
        }
    }

    /// This thread's client, built on its first use: for server workers, as they start
    /// (`GenesysClient::prepare_thread`).
    pub fn http(&self) -> &reqwest::Client {
        self.http.get_or(|| {
            reqwest::Client::builder()
                .tls_backend_preconfigured(self.tls.clone())
                .connect_timeout(self.connect_timeout)
                // Genesys answers where it is asked. Following a redirect would send a start
                // again (a 307 keeps the method, body and token) or turn it into a GET (a
                // 303): a 3xx is reported like any other unexpected answer.
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(Duration::from_secs(60))
                .user_agent(concat!("cobrowse-proxy/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("the TLS backend initialises")
        })
    }

    /// Genesys requests sent in the last 60 s, as the limit counts them; 0 without a limit.
    pub fn requests_last_minute(&self) -> u64 {
        self.limit
            .as_ref()
            .map_or(0, |limit| limit.sent_in_last_minute() as u64)
    }

    /// Sends the request built by `make` until it has a final answer or `deadline` passes.
    /// `make` is called once per attempt because a request cannot be sent twice.
    pub async fn send(
        &self,
        operation: Operation,
        make: impl Fn() -> RequestBuilder,
        deadline: Instant,
    ) -> Result<Reply, GenesysError> {
        let failed = |problem, retries| GenesysError {
            retries,
            ..GenesysError::unanswered(operation, problem)
        };
        let labels = OperationLabels {
            operation: operation.label(),
        };
        // The last moment a request may leave and still have time to be answered.
        let latest = deadline.checked_sub(self.floor).unwrap_or(deadline);
        let mut retries = 0;
        loop {
            // A request begun with too little time left would be cut off, and its timeout
            // would read as a start that may have reached Genesys: say it was never sent.
            if Instant::now() > latest {
                return Err(failed(Problem::OutOfTime, retries));
            }
            // The token endpoint is limited by Genesys separately, and rarely asked.
            if let (Some(limit), false) = (&self.limit, operation == Operation::Token) {
                limit
                    .take(latest)
                    .await
                    .map_err(|()| failed(Problem::Throttled, retries))?;
            }
            let started = std::time::Instant::now();
            let result = timeout_at(deadline, attempt(make())).await;
            self.metrics
                .genesys_latency
                .get_or_create(&labels)
                .observe(started.elapsed().as_secs_f64());
            let wait = match result {
                Err(_elapsed) => return Err(failed(Problem::Timeout, retries)),
                Ok(Ok(reply)) if matches!(reply.status, 429 | 503) => {
                    let wait = reply.retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                    // Compared as durations: a huge Retry-After must not overflow an Instant.
                    if retries + 1 >= MAX_ATTEMPTS
                        || wait > latest.saturating_duration_since(Instant::now())
                    {
                        return Ok(reply.finish(retries));
                    }
                    wait
                }
                Ok(Ok(reply)) => return Ok(reply.finish(retries)),
                Ok(Err(AttemptError::Connect(why))) => {
                    if retries + 1 >= MAX_ATTEMPTS || Instant::now() + CONNECT_RETRY_DELAY > latest
                    {
                        return Err(failed(Problem::Unreachable(why), retries));
                    }
                    CONNECT_RETRY_DELAY
                }
                Ok(Err(AttemptError::Final(problem, status, correlation_id))) => {
                    return Err(GenesysError {
                        status,
                        correlation_id,
                        ..failed(problem, retries)
                    });
                }
            };
            retries += 1;
            self.metrics.genesys_retries.get_or_create(&labels).inc();
            tracing::debug!(
                retries,
                wait_ms = wait.as_millis() as u64,
                "retrying Genesys"
            );
            sleep_until(Instant::now() + wait).await;
        }
    }
}

struct RawReply {
    status: u16,
    correlation_id: String,
    body: Vec<u8>,
    retry_after: Option<Duration>,
}

impl RawReply {
    fn finish(self, retries: u8) -> Reply {
        Reply {
            status: self.status,
            correlation_id: self.correlation_id,
            body: self.body,
            retries,
        }
    }
}

/// `Retry-After` as seconds (what Genesys sends) or as an HTTP date (what HTTP allows); a
/// date already past means "now". `None` when it is neither.
fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

enum AttemptError {
    /// No connection opened: worth another try.
    Connect(String),
    /// With the answer's status and correlation id when one began to arrive.
    Final(Problem, u16, String),
}

async fn attempt(request: RequestBuilder) -> Result<RawReply, AttemptError> {
    let mut response = request.send().await.map_err(|e| {
        if e.is_connect() {
            AttemptError::Connect(describe(e))
        } else if e.is_timeout() {
            AttemptError::Final(Problem::Timeout, 0, String::new())
        } else {
            AttemptError::Final(Problem::Broken(describe(e)), 0, String::new())
        }
    })?;
    let status = response.status().as_u16();
    let headers = response.headers();
    // Header names are case-insensitive in `HeaderMap`, as they are on the wire.
    let correlation_id = headers
        .get("inin-correlation-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after(v, std::time::SystemTime::now()));
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > MAX_ANSWER_BYTES => {
                return Err(AttemptError::Final(
                    Problem::TooLarge,
                    status,
                    correlation_id,
                ));
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                return Err(AttemptError::Final(
                    Problem::Broken(describe(e)),
                    status,
                    correlation_id,
                ));
            }
        }
    }
    Ok(RawReply {
        status,
        correlation_id,
        body,
        retry_after,
    })
}

/// The error and its causes, without the URL (which is ours and adds nothing to a flow's message).
pub(crate) fn describe(error: reqwest::Error) -> String {
    use std::error::Error;
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        // Sun, 06 Nov 1994 08:49:37 GMT, the date RFC 9110 uses as its example.
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO),
            "a date already past means now"
        );
        assert_eq!(retry_after("soon", SystemTime::now()), None);
        assert_eq!(retry_after("-1", SystemTime::now()), None);
    }

    #[test]
    fn the_floor_is_a_fifth_of_the_budget_at_least_half_a_second_at_most_half() {
        let ms = Duration::from_millis;
        assert_eq!(answer_floor(ms(10_000)), ms(2_000));
        assert_eq!(answer_floor(ms(2_000)), ms(500));
        assert_eq!(answer_floor(ms(800)), ms(400));
        assert_eq!(answer_floor(ms(100)), ms(50));
    }

    #[tokio::test]
    async fn a_request_with_no_time_left_is_not_sent_and_says_so() {
        let genesys = wiremock::MockServer::start().await;
        let transport = Transport::new(
            Duration::from_secs(1),
            Duration::from_millis(500),
            Arc::default(),
            None,
        );
        let url = format!("{}/api/v2/conversations/x/cobrowse", genesys.uri());
        let error = transport
            .send(
                Operation::StartCobrowse,
                || transport.http().post(&url),
                Instant::now(),
            )
            .await
            .unwrap_err();
        assert_eq!(error.problem, Problem::OutOfTime);
        assert!(!error.may_have_started());
        assert!(genesys.received_requests().await.unwrap().is_empty());
    }
}
