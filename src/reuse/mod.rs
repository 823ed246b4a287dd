//! One offer per conversation: a start that repeats one this service made moments ago gets
//! the first session back instead of making Genesys offer a second one.
//!
//! The key is the parsed request (conversation, agent used, cobrowse type). A session started
//! within `COBROWSE_REUSE_WINDOW_MS` whose offer has not ended is handed out again; starts with
//! the same key that arrive while one is under way wait for it and share its answer. Failures
//! and ambiguous outcomes are never remembered. The store is this process's memory
//! (`memory.rs`), or Redis when replicas share one (`redis.rs`); Redis failing only turns reuse
//! off until it answers.
//!
//! Here are the key and the starts under way in this process, which later arrivals wait for;
//! `lead.rs` is what the first start of a key does with the store before and after Genesys.

mod lead;
mod memory;
pub mod redis;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::time::{Instant, timeout_at};

use crate::domain::{AgentId, CobrowseType, ConversationId, StartRequest};
use crate::genesys::{GenesysError, StartedSession};
use crate::metrics::{Metrics, OrgLabel};
use crate::outcome::Failure;
use lead::Trouble;
use memory::MemoryStore;
use redis::RedisStore;

/// A start's answer: the session and whether it was handed out again (`reused`).
pub type Answer = Result<(StartedSession, bool), Failure>;

enum Store {
    Memory(MemoryStore),
    Redis(RedisStore),
}

pub struct Reuse {
    /// The org's name in a many-org deployment, which every key of its gets; `""` for one org.
    namespace: &'static str,
    /// Zero turns reuse off.
    window: Duration,
    store: Store,
    /// Starts under way in this process, by key: later arrivals wait for the first's answer.
    flights: Mutex<HashMap<Key, watch::Receiver<Option<Answer>>>>,
    trouble: Arc<Trouble>,
    metrics: Arc<Metrics>,
}

/// What makes two starts the same start: the conversation, the agent used and the type.
/// Fixed-size and `Copy`, so keeping and comparing keys allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The org's name (`Reuse::start` sets it), so one conversation id in two orgs is two
    /// starts; `""` in a single-org deployment.
    namespace: &'static str,
    conversation: ConversationId,
    agent: AgentId,
    cobrowse_type: CobrowseType,
}

impl Key {
    pub fn new(request: &StartRequest, agent: AgentId) -> Self {
        Key {
            namespace: "",
            conversation: request.conversation_id,
            agent,
            cobrowse_type: request.cobrowse_type,
        }
    }
}

/// `conversation:agent:type`, as Redis keys name a start; `org:conversation:agent:type` for
/// an org of a many-org deployment. This is the one place an org's namespace enters Redis.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.namespace.is_empty() {
            write!(f, "{}:", self.namespace)?;
        }
        write!(
            f,
            "{}:{}:{}",
            self.conversation,
            self.agent,
            self.cobrowse_type.as_str()
        )
    }
}

impl Reuse {
    pub fn new(window: Duration, redis: Option<RedisStore>, metrics: Arc<Metrics>) -> Self {
        Self::in_namespace("", window, redis, metrics)
    }

    /// An org's own reuse: its own memory, and its own keys in a shared Redis.
    pub fn in_namespace(
        namespace: &'static str,
        window: Duration,
        redis: Option<RedisStore>,
        metrics: Arc<Metrics>,
    ) -> Self {
        // From the start, at 0, as they always did for one org.
        let org = OrgLabel((!namespace.is_empty()).then_some(namespace));
        drop(metrics.starts_reused.get_or_create(&org));
        drop(metrics.reuse_store_errors.get_or_create(&org));
        Reuse {
            namespace,
            window,
            store: match redis {
                Some(redis) => Store::Redis(redis),
                None => Store::Memory(MemoryStore::for_window(window)),
            },
            flights: Mutex::new(HashMap::new()),
            trouble: Arc::new(Trouble {
                metrics: metrics.clone(),
                org,
                last_warning: Mutex::new(None),
            }),
            metrics,
        }
    }

    /// The session for `key`: one remembered, the answer of a start under way, or what
    /// `start` (awaited at most once) gets from Genesys.
    pub async fn start(
        &self,
        key: Key,
        deadline: Instant,
        start: impl Future<Output = Result<StartedSession, GenesysError>>,
    ) -> Answer {
        if self.window.is_zero() {
            return Ok((start.await?, false));
        }
        let key = Key {
            namespace: self.namespace,
            ..key
        };
        loop {
            let arrival = {
                let mut flights = self.flights.lock().expect("flights lock");
                match flights.get(&key) {
                    Some(under_way) => Err(under_way.clone()),
                    None => {
                        let (sender, receiver) = watch::channel(None);
                        flights.insert(key, receiver);
                        Ok(sender)
                    }
                }
            };
            let sender = match arrival {
                Ok(sender) => sender,
                Err(mut under_way) => {
                    match timeout_at(deadline, under_way.wait_for(Option::is_some)).await {
                        Ok(Ok(answer)) => {
                            let answer = answer.clone().expect("waited for an answer");
                            return answer
                                .map(|(session, _)| (handed_out(session), true))
                                .inspect(|_| {
                                    self.metrics.starts_reused.get_or_create(&self.org()).inc();
                                });
                        }
                        // The first start was cancelled (its caller went away) before it had
                        // an answer: look again, to lead or to wait for whoever leads now.
                        Ok(Err(_)) => continue,
                        Err(_) => return Err(Failure::start_under_way()),
                    }
                }
            };
            // Whatever happens to this call, the key is free again when it ends.
            let flight = Flight {
                flights: &self.flights,
                key,
            };
            let answer = self.lead(key, deadline, start).await;
            if let Ok((_, true)) = &answer {
                self.metrics.starts_reused.get_or_create(&self.org()).inc();
            }
            // Out of the map first: from then on nobody new can wait, so when nobody waits
            // the answer need not be copied for them.
            drop(flight);
            if sender.receiver_count() > 0 {
                sender.send_replace(Some(answer.clone()));
            }
            return answer;
        }
    }

    /// The org's metric label.
    fn org(&self) -> OrgLabel {
        OrgLabel((!self.namespace.is_empty()).then_some(self.namespace))
    }

    /// How long to remember a session: the window, or until its offer ends if sooner; not at
    /// all when its offer is over or its end cannot be read.
    fn keep_for(&self, session: &StartedSession) -> Option<Duration> {
        let ttl = match offer_ends(session).ok()? {
            Some(ends) => ends
                .duration_since(SystemTime::now())
                .ok()?
                .min(self.window),
            None => self.window,
        };
        (!ttl.is_zero()).then_some(ttl)
    }
}

/// Removes a key from the flights when its first start ends, however it ends.
struct Flight<'a> {
    flights: &'a Mutex<HashMap<Key, watch::Receiver<Option<Answer>>>>,
    key: Key,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        self.flights.lock().expect("flights lock").remove(&self.key);
    }
}

/// When the session's offer ends: `Ok(None)` when Genesys gave no time, `Err` when it gave one
/// that cannot be read.
fn offer_ends(session: &StartedSession) -> Result<Option<SystemTime>, ()> {
    match session.date_offer_ends.as_str() {
        "" => Ok(None),
        text => crate::genesys::time_of(text).map(Some).ok_or(()),
    }
}

/// A remembered session is handed out only while its offer is open, or has no known end. One
/// whose end cannot be read may be over: never handed out.
fn offer_is_open(session: &StartedSession) -> bool {
    match offer_ends(session) {
        Ok(Some(ends)) => SystemTime::now() < ends,
        Ok(None) => true,
        Err(()) => false,
    }
}

/// A remembered session as a new call reports it: Genesys was not called for it, so no
/// status; the correlation id stays the one of the start that made it.
fn handed_out(mut session: StartedSession) -> StartedSession {
    session.upstream_status = 0;
    session
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::time::sleep;

    use super::*;

    fn a_key() -> Key {
        let id = "5e0b6a9a-3c8e-4f57-9f0e-2c1d3b4a5f60";
        Key {
            namespace: "",
            conversation: ConversationId::parse(id).unwrap(),
            agent: AgentId::parse(id).unwrap(),
            cobrowse_type: CobrowseType::View,
        }
    }

    /// A start that counts itself and takes 200 ms.
    async fn slow_start(calls: Arc<AtomicUsize>) -> Result<StartedSession, GenesysError> {
        calls.fetch_add(1, Ordering::SeqCst);
        sleep(Duration::from_millis(200)).await;
        Ok(StartedSession {
            join_code: "123456".into(),
            ..StartedSession::default()
        })
    }

    #[tokio::test]
    async fn a_cancelled_first_start_leaves_the_others_one_call_between_them() {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let reuse = Arc::new(Reuse::new(
                    Duration::from_secs(30),
                    None,
                    Arc::new(Metrics::default()),
                ));
                let calls = Arc::new(AtomicUsize::new(0));
                let deadline = Instant::now() + Duration::from_secs(5);
                let start = |reuse: &Arc<Reuse>| {
                    let (reuse, calls) = (reuse.clone(), calls.clone());
                    tokio::task::spawn_local(async move {
                        reuse.start(a_key(), deadline, slow_start(calls)).await
                    })
                };
                let first = start(&reuse);
                sleep(Duration::from_millis(20)).await;
                let waiting: Vec<_> = (0..3).map(|_| start(&reuse)).collect();
                sleep(Duration::from_millis(20)).await;
                first.abort();

                let mut fresh = 0;
                for waiter in waiting {
                    let (session, reused) = waiter.await.unwrap().unwrap();
                    assert_eq!(session.join_code, "123456");
                    fresh += usize::from(!reused);
                }
                assert_eq!(
                    fresh, 1,
                    "one of the waiters took over, the others shared it"
                );
                assert_eq!(
                    calls.load(Ordering::SeqCst),
                    2,
                    "the cancelled one, and one more"
                );
                let later = start(&reuse).await.unwrap().unwrap();
                assert!(later.1, "the session is remembered");
                assert_eq!(calls.load(Ordering::SeqCst), 2);
            })
            .await;
    }
}
