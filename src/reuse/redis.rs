//! The shared reuse store (`COBROWSE_REDIS_URL`): sessions and short start locks in Redis, so
//! replicas hand out each other's sessions and make one Genesys call for concurrent starts.
//!
//! A start is two steps, each one server-side script that Redis runs atomically (`EVALSHA`,
//! or `EVAL` the first time): [`LOOK`] answers the stored session, or else takes the start
//! lock, in one step, so no start can take the lock between another's finding nothing and
//! its own taking it; [`KEEP`] stores the session and releases the lock in one step, and only
//! while the lock is still this start's, so a session is stored only by the one start that
//! saw none and never overwrites another. A new start costs two round trips.
//!
//! Only what the flow already receives is stored (the session's fields), never a token or a
//! credential. Every command is bounded by [`COMMAND_TIMEOUT`] and by the start's deadline:
//! Redis is an optimisation, and a slow one must not eat the start's budget. A stored value
//! larger than any session ([`MAX_SESSION_BYTES`]) is never read: `LOOK` measures it first.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::{Instant, timeout_at};

use super::Key;

/// The longest one Redis command may take before the start goes on without it.
pub(super) const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// The largest value read as a session. A session's JSON is about 400 bytes (ids, a join
/// code, a websocket URL, a time); anything past this is not one of ours, and reading it
/// would make every start of its conversation carry it through the shared connection.
pub const MAX_SESSION_BYTES: usize = 16 * 1024;

/// The stored session, or else the start lock (also when the lock is already this start's:
/// the script ran before and its answer was lost).
///
/// KEYS: the session, the start lock. ARGV: this start's lock token, the lock's expiry (ms),
/// [`MAX_SESSION_BYTES`], and `1` plus a value the caller read and could not use (an ended
/// offer, not a session), which then counts as absent, or `0`. Answers `{'session', value}`,
/// `{'locked', flaw}` (the lock is now ours) or `{'busy', flaw}` (another start holds it),
/// where `flaw` says why a value that is there was not read (`''` when none was).
const LOOK: &str = r"
local flaw = ''
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then
  local size = redis.call('STRLEN', KEYS[1])
  if size > tonumber(ARGV[3]) then
    flaw = 'a value of ' .. size .. ' bytes, larger than any session'
  else
    local value = redis.call('GET', KEYS[1])
    if ARGV[4] ~= '1' or value ~= ARGV[5] then
      return {'session', value}
    end
  end
elseif kind ~= 'none' then
  flaw = 'a ' .. kind .. ', not a string'
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2])
    or redis.call('GET', KEYS[2]) == ARGV[1] then
  return {'locked', flaw}
end
return {'busy', flaw}
";

/// Stores the session and releases the lock, if the lock is still this start's.
///
/// KEYS: the session, the start lock. ARGV: the lock token, the session, its expiry (ms).
/// Answers 1 when stored (or stored already: this script ran before, and its answer was
/// lost), 0 when the lock had expired (then nothing is written: another start may hold it
/// now, and its session is the one to keep).
const KEEP: &str = r"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  if redis.call('GET', KEYS[1]) == ARGV[2] then
    return 1
  end
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
";

/// Deletes the lock only if it still holds our token: a lock that expired and was taken by
/// another replica is not ours to release.
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// The scripts with their SHA-1, computed once.
static SCRIPTS: LazyLock<[Script; 3]> =
    LazyLock::new(|| [Script::new(LOOK), Script::new(KEEP), Script::new(UNLOCK)]);

/// The Redis keys of one start: its session and its lock. The one place keys are named.
pub struct Names {
    pub session: String,
    lock: String,
}

impl Names {
    pub fn of(key: &Key) -> Self {
        Names {
            session: format!("cobrowse-proxy:session:{key}"),
            lock: format!("cobrowse-proxy:starting:{key}"),
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
    /// No answer in time: Redis may still have carried the command out.
    pub may_have_applied: bool,
}

#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    /// The URL's password, so an error that quotes it can be scrubbed.
    password: Option<String>,
}

/// Checks a Redis URL: `redis://` or `rediss://`, optional user, password and database. The
/// reason for a refusal never repeats the URL.
pub fn check_url(url: &str) -> Result<redis::Client, String> {
    let scheme_ok = url.starts_with("redis://") || url.starts_with("rediss://");
    match redis::Client::open(url) {
        Ok(client) if scheme_ok => Ok(client),
        _ => Err(
            "must be a redis:// or rediss:// URL such as redis://:password@redis:6379/0 (user, \
             password and database optional)"
                .to_owned(),
        ),
    }
}

impl RedisStore {
    /// Prepares the connection; it opens on first use and reopens by itself after a failure,
    /// so a Redis that is down at start-up delays nothing.
    pub fn new(url: &SecretString) -> Result<Self, String> {
        let client = check_url(url.expose_secret())?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("the Redis connection cannot be set up ({e})"))?;
        let password = url::Url::parse(url.expose_secret())
            .ok()
            .and_then(|u| u.password().map(str::to_owned));
        Ok(RedisStore {
            connection,
            password,
        })
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
        let mut invocation = SCRIPTS[0].prepare_invoke();
        invocation
            .key(&names.session)
            .key(&names.lock)
            .arg(token)
            .arg(millis(lock_ttl))
            .arg(MAX_SESSION_BYTES)
            .arg(if passed_over.is_some() { "1" } else { "0" })
            .arg(passed_over.unwrap_or_default());
        let (what, detail): (String, Vec<u8>) = self.run(&invocation, deadline).await?;
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
        let mut invocation = SCRIPTS[1].prepare_invoke();
        invocation
            .key(&names.session)
            .key(&names.lock)
            .arg(token)
            .arg(json)
            .arg(millis(ttl));
        let stored: u8 = self.run(&invocation, deadline).await?;
        Ok(stored == 1)
    }

    pub async fn unlock(
        &self,
        names: &Names,
        token: &str,
        deadline: Instant,
    ) -> Result<(), StoreError> {
        let mut invocation = SCRIPTS[2].prepare_invoke();
        invocation.key(&names.lock).arg(token);
        let _deleted: u8 = self.run(&invocation, deadline).await?;
        Ok(())
    }

    /// Runs a script, for at most [`COMMAND_TIMEOUT`] and never past `deadline`.
    async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
        deadline: Instant,
    ) -> Result<T, StoreError> {
        // The manager is a cheap handle onto one shared, multiplexed connection.
        let mut connection = self.connection.clone();
        let until = deadline.min(Instant::now() + COMMAND_TIMEOUT);
        let attempts = async {
            match invocation.invoke_async(&mut connection).await {
                // Redis restarted or failed over since the last command: the connection was
                // dead, and the manager has begun a new one. Once more on that one, within
                // the same time: every script is idempotent for one start (same keys, same
                // token), so running it twice, should the first have run, changes nothing.
                Err(e) if on_a_dead_connection(&e) => {
                    invocation.invoke_async(&mut connection).await
                }
                answer => answer,
            }
        };
        match timeout_at(until, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.error(e.to_string(), false)),
            Err(_) => Err(self.error(
                "no answer within the time left (at most 250 ms a command)".to_owned(),
                true,
            )),
        }
    }

    fn error(&self, mut text: String, may_have_applied: bool) -> StoreError {
        if let Some(password) = self.password.as_deref().filter(|p| !p.is_empty()) {
            text = text.replace(password, "***");
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
