//! The first start of a key in this process: the store, then Genesys.
//!
//! With memory: a remembered session, or a start whose session is remembered. With Redis, the
//! replicas agree in one server-side step per look: a session another replica stored, or else
//! the start lock ([`Lock`]), which one start per key holds until it has stored its session or
//! released the lock, or the lock expires at that start's deadline. Each failure of the store
//! is counted and warned about ([`Trouble`]), and the start goes on without the store.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{Instant, sleep, timeout_at};

use super::redis::{COMMAND_TIMEOUT, Look, Names, RedisStore, StoreError};
use super::{Answer, Key, Reuse, Store, handed_out, offer_is_open};
use crate::genesys::{GenesysError, StartedSession};
use crate::metrics::{Metrics, OrgLabel};
use crate::outcome::Failure;

/// How often a start waiting on another replica's looks for its session.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The least time between two warnings about the store.
const WARN_EVERY: Duration = Duration::from_secs(30);

impl Reuse {
    /// The first start of a key in this process: the store, then Genesys.
    pub(super) async fn lead(
        &self,
        key: Key,
        deadline: Instant,
        start: impl Future<Output = Result<StartedSession, GenesysError>>,
    ) -> Answer {
        let redis = match &self.store {
            Store::Memory(memory) => {
                if let Some(session) = memory.get(&key).filter(offer_is_open) {
                    return Ok((handed_out(session), true));
                }
                let session = start.await?;
                if let Some(ttl) = self.keep_for(&session) {
                    memory.put(key, &session, ttl);
                }
                return Ok((session, false));
            }
            Store::Redis(redis) => redis,
        };
        // One step: the session another replica stored, or else the start lock. While another
        // replica holds the lock, look again until its session is there, or the lock is gone
        // (it failed, or crashed and the lock expired) and this start takes it.
        let names = redis.names(&key);
        let token = uuid::Uuid::new_v4().to_string();
        // A stored value this start read and cannot use, which the next look takes as absent.
        let mut passed_over: Option<Vec<u8>> = None;
        let mut warned = false;
        let held = loop {
            // Held no longer than this start may last, so a crashed holder frees it in time.
            let lock_ttl = deadline.saturating_duration_since(Instant::now());
            if lock_ttl.is_zero() {
                // No time left: the start says so itself, and sends nothing.
                break false;
            }
            let looked = redis
                .look(&names, &token, lock_ttl, passed_over.as_deref(), deadline)
                .await;
            let (look, flaw) = match looked {
                Ok(looked) => looked,
                Err(e) => {
                    // A look that timed out, or whose connection broke, may still have taken
                    // the lock: act as the holder, so the session is stored, or the lock
                    // released, after all (if the lock is not ours, neither does anything).
                    let held = e.may_have_applied;
                    self.trouble.store_failed(e);
                    break held;
                }
            };
            if let Some(flaw) = flaw
                && !std::mem::replace(&mut warned, true)
            {
                self.trouble.unreadable(&names, &flaw);
            }
            match look {
                Look::Stored(value) => {
                    match serde_json::from_slice::<StartedSession>(&value) {
                        Ok(session) if offer_is_open(&session) => {
                            return Ok((handed_out(session), true));
                        }
                        Ok(_) => {}
                        Err(_) => {
                            if !std::mem::replace(&mut warned, true) {
                                self.trouble.unreadable(&names, "not a session's JSON");
                            }
                        }
                    }
                    // Its offer is over, or it is no session: look again at once, with it
                    // taken as absent.
                    passed_over = Some(value);
                    continue;
                }
                Look::Locked => break true,
                Look::Busy => {}
            }
            if Instant::now() + POLL_INTERVAL >= deadline {
                return Err(Failure::start_under_way());
            }
            sleep(POLL_INTERVAL).await;
        };
        let lock = held.then(|| Lock(Some((redis.clone(), names, token))));
        let answer = start.await;
        if let Some(mut lock) = lock {
            match &answer {
                Ok(session) => {
                    lock.keep(session, self.keep_for(session), deadline, &self.trouble)
                        .await;
                }
                // The session may exist: keep the lock until it expires (at this start's
                // deadline), so another replica does not start a second one meanwhile.
                Err(e) if e.may_have_started() => lock.0 = None,
                // Genesys refused: the lock goes as it drops.
                Err(_) => {}
            }
        }
        Ok((answer?, false))
    }
}

/// The store's failures, counted and warned about; shared with the work that finishes after
/// a reply has gone.
pub(super) struct Trouble {
    pub(super) metrics: Arc<Metrics>,
    pub(super) org: OrgLabel,
    /// When the store's last failure was logged, so a Redis outage is one line per 30 s.
    pub(super) last_warning: Mutex<Option<Instant>>,
}

impl Trouble {
    /// Counts a store failure and warns about it, at most once per [`WARN_EVERY`]; the start
    /// goes on without the store.
    fn store_failed(&self, error: StoreError) {
        self.metrics
            .reuse_store_errors
            .get_or_create(&self.org)
            .inc();
        let mut last = self.last_warning.lock().expect("warning lock");
        if last.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            *last = Some(Instant::now());
            tracing::warn!(
                org = self.org.0,
                error = %error,
                "Redis (the reuse store) failed; starting without reuse until it answers (this warning repeats at most every 30 s)"
            );
        }
    }

    /// Counts a stored value that is not a session, and names its key (never the value).
    fn unreadable(&self, names: &Names, flaw: &str) {
        self.metrics
            .reuse_store_errors
            .get_or_create(&self.org)
            .inc();
        tracing::warn!(
            org = self.org.0,
            key = %names.session,
            problem = flaw,
            "Redis holds a value that is not a session where one belongs; it is taken as absent, and the next session started replaces it"
        );
    }
}

/// The Redis start lock of one start, while held. Released when the start is done; if the
/// start is cancelled while holding it (its caller went away), released in the background,
/// so no replica waits for a start that will never finish.
struct Lock(Option<(RedisStore, Names, String)>);

impl Lock {
    /// Stores the session (for `ttl`; when `None`, only releases the lock) in a task of its
    /// own. The reply waits for it until `deadline` at most: a Redis that stalls then
    /// finishes it, or times it out, after the reply has gone.
    async fn keep(
        &mut self,
        session: &StartedSession,
        ttl: Option<Duration>,
        deadline: Instant,
        trouble: &Arc<Trouble>,
    ) {
        let Some((redis, names, token)) = self.0.take() else {
            return;
        };
        let json = ttl.map(|ttl| {
            let json = serde_json::to_string(session).expect("a session serialises");
            (json, ttl)
        });
        let trouble = trouble.clone();
        let task = tokio::spawn(async move {
            let within = Instant::now() + COMMAND_TIMEOUT;
            let kept = match json {
                Some((json, ttl)) => redis.keep(&names, &token, json, ttl, within).await,
                None => redis.unlock(&names, &token, within).await.map(|()| false),
            };
            if let Err(e) = kept {
                trouble.store_failed(e);
            }
        });
        let _ = timeout_at(deadline, task).await;
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some((redis, names, token)) = self.0.take() {
            tokio::spawn(async move {
                let within = Instant::now() + COMMAND_TIMEOUT;
                let _ = redis.unlock(&names, &token, within).await;
            });
        }
    }
}
