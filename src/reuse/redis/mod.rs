//! The shared reuse store (`COBROWSE_REDIS_URL`): sessions and short start locks in Redis, so
//! replicas hand out each other's sessions and make one Genesys call for concurrent starts.
//!
//! A start is two steps, each one server-side script that Redis runs atomically (`EVALSHA`,
//! or `EVAL` the first time; `scripts.rs`): the look answers the stored session, or else takes
//! the start lock, in one step, so no start can take the lock between another's finding
//! nothing and its own taking it; the keep stores the session and releases the lock in one
//! step, and only while the lock is still this start's, so a session is stored only by the
//! one start that saw none and never overwrites another. A new start costs two round trips.
//! Both keys of a start share a hash tag, so a cluster runs each script on one node.
//! `connection.rs` is how Redis is reached: one Redis or a cluster, TLS, what a failure says.
//!
//! Only what the flow already receives is stored (the session's fields), never a token or a
//! credential. Every command is bounded by [`COMMAND_TIMEOUT`] and by the start's deadline:
//! Redis is an optimisation, and a slow one must not eat the start's budget. A stored value
//! larger than any session ([`MAX_SESSION_BYTES`]) is never read: `LOOK` measures it first.

mod connection;
mod scripts;

use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::Key;
use connection::Connection;
pub use connection::{RedisSettings, all_tls, check_ca, check_urls};

/// The longest one Redis command may take before the start goes on without it.
pub(super) const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// The largest value read as a session. A session's JSON is about 400 bytes (ids, a join
/// code, a websocket URL, a time); anything past this is not one of ours, and reading it
/// would make every start of its conversation carry it through the shared connection.
pub const MAX_SESSION_BYTES: usize = 16 * 1024;

/// The Redis keys of one start: its session and its lock. The one place keys are named.
///
/// `cobrowse-proxy:{KEY}:session` and `cobrowse-proxy:{KEY}:starting`, where KEY is the
/// start's key ([`Key`]'s text, the org's namespace first): the braces are Redis Cluster's
/// hash tag, so both keys of a start are in one slot, and the two scripts, which name both,
/// run on the one node that holds it (a cluster refuses a script whose keys are in two slots).
pub struct Names {
    pub session: String,
    lock: String,
}

impl Names {
    /// The keys of `key`, whose namespace is `namespace` when it has none of its own (the
    /// environment's one org, with `COBROWSE_REDIS_NAMESPACE`).
    pub fn of(key: &Key, namespace: Option<&str>) -> Self {
        let tag = match namespace.filter(|_| key.namespace.is_empty()) {
            Some(namespace) => format!("{namespace}:{key}"),
            None => key.to_string(),
        };
        Names {
            session: format!("cobrowse-proxy:{{{tag}}}:session"),
            lock: format!("cobrowse-proxy:{{{tag}}}:starting"),
        }
    }
}

/// What [`RedisStore::look`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Look {
    /// A value small enough to be a session, as stored (for the caller to read).
    Stored(Vec<u8>),
    /// No usable session: the start lock is now this start's.
    Locked,
    /// No usable session, and another start holds the lock.
    Busy,
}

/// Why Redis did not answer; the text never holds the URL's password.
#[derive(Debug, thiserror::Error)]
#[error("{text}")]
pub struct StoreError {
    text: String,
    /// No answer in time, or the connection broke after the command may have been sent:
    /// Redis may have carried it out.
    pub may_have_applied: bool,
}

#[derive(Clone)]
pub struct RedisStore {
    connection: Connection,
    cluster: bool,
    /// The passwords of the URLs, so an error that quotes one can be scrubbed.
    passwords: Vec<String>,
    /// The namespace of the keys of the environment's one org (`COBROWSE_REDIS_NAMESPACE`).
    namespace: Option<String>,
}

impl RedisStore {
    /// Prepares the connection; it opens on first use and reopens by itself after a failure,
    /// so a Redis that is down at start-up delays nothing.
    pub fn new(settings: &RedisSettings) -> Result<Self, String> {
        Ok(RedisStore {
            connection: Connection::new(settings)?,
            cluster: settings.cluster,
            passwords: connection::passwords(&settings.url, settings.cluster),
            namespace: settings.namespace.clone(),
        })
    }

    /// The keys of `key` in this store.
    pub fn names(&self, key: &Key) -> Names {
        Names::of(key, self.namespace.as_deref())
    }

    /// The stored session, or else the start lock for `lock_ttl` (one round trip), and why a
    /// value that is there was not read (`Some` only for one too large or not a string).
    /// `passed_over` is a value read before and of no use (an ended offer, not a session): it
    /// counts as absent, unless it has changed since.
    pub async fn look(
        &self,
        names: &Names,
        token: &str,
        lock_ttl: Duration,
        passed_over: Option<&[u8]>,
        deadline: Instant,
    ) -> Result<(Look, Option<String>), StoreError> {
        let mut call = scripts::LOOK.call();
        call.key(&names.session)
            .key(&names.lock)
            .arg(token)
            .arg(millis(lock_ttl))
            .arg(MAX_SESSION_BYTES)
            .arg(if passed_over.is_some() { "1" } else { "0" })
            .arg(passed_over.unwrap_or_default());
        let (what, detail): (String, Vec<u8>) = self.run(&call, deadline).await?;
        if what == "session" {
            return Ok((Look::Stored(detail), None));
        }
        let flaw = (!detail.is_empty()).then(|| String::from_utf8_lossy(&detail).into_owned());
        let look = if what == "locked" {
            Look::Locked
        } else {
            Look::Busy
        };
        Ok((look, flaw))
    }

    /// Stores a session (`json`) for `ttl` and releases the lock, if the lock is still
    /// `token`'s; whether it was stored. A session too large to be read back is not stored.
    pub async fn keep(
        &self,
        names: &Names,
        token: &str,
        json: String,
        ttl: Duration,
        deadline: Instant,
    ) -> Result<bool, StoreError> {
        if json.len() > MAX_SESSION_BYTES {
            self.unlock(names, token, deadline).await?;
            return Ok(false);
        }
        let mut call = scripts::KEEP.call();
        call.key(&names.session)
            .key(&names.lock)
            .arg(token)
            .arg(json)
            .arg(millis(ttl));
        let stored: u8 = self.run(&call, deadline).await?;
        Ok(stored == 1)
    }

    pub async fn unlock(
        &self,
        names: &Names,
        token: &str,
        deadline: Instant,
    ) -> Result<(), StoreError> {
        let mut call = scripts::UNLOCK.call();
        call.key(&names.lock).arg(token);
        let _deleted: u8 = self.run(&call, deadline).await?;
        Ok(())
    }

    /// Runs a script, for at most [`COMMAND_TIMEOUT`] and never past `deadline`.
    async fn run<T: redis::FromRedisValue>(
        &self,
        call: &scripts::Call,
        deadline: Instant,
    ) -> Result<T, StoreError> {
        // A cheap handle onto the shared, multiplexed connection(s).
        let mut connection = self.connection.clone();
        let until = deadline.min(Instant::now() + COMMAND_TIMEOUT);
        // Whether a command may have reached Redis without its answer coming back.
        let mut unanswered = false;
        let attempts = async {
            match connection.invoke(call).await {
                // Redis restarted or failed over since the last command: the connection was
                // dead, and a new one is on its way. Once more on that one, within the same
                // time: every script is idempotent for one start (same keys, same token), so
                // running it twice, should the first have run, changes nothing.
                Err(e) if on_a_dead_connection(&e) => {
                    unanswered = !e.is_connection_refusal();
                    connection.invoke(call).await
                }
                answer => answer,
            }
        };
        match timeout_at(until, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                let unanswered = unanswered
                    || (on_a_dead_connection(&e) && !e.is_connection_refusal())
                    || e.is_timeout();
                Err(self.error(connection::describe(&e, self.cluster), unanswered))
            }
            Err(_) => Err(self.error(
                "no answer within the time left (at most 250 ms a command)".to_owned(),
                true,
            )),
        }
    }

    fn error(&self, mut text: String, may_have_applied: bool) -> StoreError {
        for password in &self.passwords {
            text = text.replace(password.as_str(), "***");
        }
        StoreError {
            text,
            may_have_applied,
        }
    }
}

/// An error of the connection rather than of the command (broken pipe, reset, refused, end
/// of stream): the command was not answered, and the manager reconnects. A timeout is not
/// one: the connection may be fine and only slow.
fn on_a_dead_connection(error: &redis::RedisError) -> bool {
    (error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal())
        && !error.is_timeout()
}

/// At least 1 ms: Redis refuses `PX 0`.
fn millis(duration: Duration) -> u64 {
    (duration.as_millis() as u64).max(1)
}
