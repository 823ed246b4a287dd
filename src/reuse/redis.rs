//! The shared reuse store (`COBROWSE_REDIS_URL`): sessions and short start locks in Redis, so
//! replicas hand out each other's sessions and make one Genesys call for concurrent starts.
//!
//! Only what the flow already receives is stored (the session's fields), never a token or a
//! credential. Every command is bounded by [`COMMAND_TIMEOUT`]: Redis is an optimisation, and
//! a slow one must not eat the start's budget.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::timeout;

use super::Key;
use crate::genesys::StartedSession;

/// The longest one Redis command may take before the start goes on without it.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
const SESSION_PREFIX: &str = "cobrowse-proxy:session:";
const LOCK_PREFIX: &str = "cobrowse-proxy:starting:";
/// Deletes the lock only if it still holds our token: a lock that expired and was taken by
/// another replica is not ours to release.
const UNLOCK: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

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
        _ => Err("must be a redis:// or rediss:// URL such as redis://:password@redis:6379/0 (user, password and database optional)".to_owned()),
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

    pub async fn get(&self, key: &Key) -> Result<Option<StartedSession>, StoreError> {
        let value: Option<String> = self
            .run(redis::cmd("GET").arg(format!("{SESSION_PREFIX}{key}")))
            .await?;
        Ok(value.and_then(|json| serde_json::from_str(&json).ok()))
    }

    pub async fn put(
        &self,
        key: &Key,
        session: &StartedSession,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(session).expect("a session serialises");
        self.run(
            redis::cmd("SET")
                .arg(format!("{SESSION_PREFIX}{key}"))
                .arg(json)
                .arg("PX")
                .arg(millis(ttl)),
        )
        .await
    }

    /// Takes the start lock for `key` for `ttl` unless another start holds it.
    pub async fn lock(&self, key: &Key, token: &str, ttl: Duration) -> Result<bool, StoreError> {
        let set: Option<String> = self
            .run(
                redis::cmd("SET")
                    .arg(format!("{LOCK_PREFIX}{key}"))
                    .arg(token)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl)),
            )
            .await?;
        Ok(set.is_some())
    }

    pub async fn unlock(&self, key: &Key, token: &str) -> Result<(), StoreError> {
        let _deleted: u32 = self
            .run(
                redis::cmd("EVAL")
                    .arg(UNLOCK)
                    .arg(1)
                    .arg(format!("{LOCK_PREFIX}{key}"))
                    .arg(token),
            )
            .await?;
        Ok(())
    }

    async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, StoreError> {
        // The manager is a cheap handle onto one shared, multiplexed connection.
        let mut connection = self.connection.clone();
        match timeout(COMMAND_TIMEOUT, command.query_async(&mut connection)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.error(e.to_string(), false)),
            Err(_) => Err(self.error(
                format!("no answer within {} ms", COMMAND_TIMEOUT.as_millis()),
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

/// At least 1 ms: Redis refuses `PX 0`.
fn millis(duration: Duration) -> u64 {
    (duration.as_millis() as u64).max(1)
}
