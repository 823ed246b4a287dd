//! The three server-side scripts a start runs in Redis, each atomic (no other command runs
//! in between) and idempotent for one start (same keys, same lock token): a script whose
//! connection broke may have run before its answer was lost, and runs again on the next
//! connection without changing what it did. Both keys of a start share one hash tag
//! ([`super::Names`]), so in a cluster each script runs on the one node that holds them.
//!
//! A script is run by its SHA-1 (`EVALSHA`), and by its text (`EVAL`, which also loads it)
//! when the node answers that it does not know it: after a restart, or on a replica just
//! promoted (scripts are not replicated). `EVAL` goes to the node of the keys, where a
//! `SCRIPT LOAD` would go to every node of a cluster, one that is down included.

use std::sync::LazyLock;

use redis::{Cmd, ToRedisArgs};

/// The stored session, or else the start lock (also when the lock is already this start's:
/// the script ran before and its answer was lost).
///
/// KEYS: the session, the start lock. ARGV: this start's lock token, the lock's expiry (ms),
/// [`super::MAX_SESSION_BYTES`], and `1` plus a value the caller read and could not use (an
/// ended offer, not a session), which then counts as absent, or `0`. Answers
/// `{'session', value}`, `{'locked', flaw}` (the lock is now ours) or `{'busy', flaw}`
/// (another start holds it), where `flaw` says why a value that is there was not read (`''`
/// when none was).
const LOOK_TEXT: &str = r"
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
const KEEP_TEXT: &str = r"
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
const UNLOCK_TEXT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A script's text, and its SHA-1, computed once.
pub(super) struct Script {
    text: &'static str,
    sha: LazyLock<String>,
}

pub(super) static LOOK: Script = Script {
    text: LOOK_TEXT,
    sha: LazyLock::new(|| redis::Script::new(LOOK_TEXT).get_hash().to_owned()),
};
pub(super) static KEEP: Script = Script {
    text: KEEP_TEXT,
    sha: LazyLock::new(|| redis::Script::new(KEEP_TEXT).get_hash().to_owned()),
};
pub(super) static UNLOCK: Script = Script {
    text: UNLOCK_TEXT,
    sha: LazyLock::new(|| redis::Script::new(UNLOCK_TEXT).get_hash().to_owned()),
};

impl Script {
    pub(super) fn call(&'static self) -> Call {
        Call {
            script: self,
            keys: Vec::new(),
            args: Vec::new(),
        }
    }
}

/// One run of a script: its keys and arguments.
pub(super) struct Call {
    script: &'static Script,
    keys: Vec<String>,
    args: Vec<Vec<u8>>,
}

impl Call {
    pub(super) fn key(&mut self, key: &str) -> &mut Self {
        self.keys.push(key.to_owned());
        self
    }

    pub(super) fn arg(&mut self, arg: impl ToRedisArgs) -> &mut Self {
        self.args.extend(arg.to_redis_args());
        self
    }

    /// `EVALSHA`, or `EVAL` with the script's text when `by_text`.
    pub(super) fn command(&self, by_text: bool) -> Cmd {
        let mut command = match by_text {
            true => redis::cmd("EVAL").arg(self.script.text).to_owned(),
            false => redis::cmd("EVALSHA")
                .arg(self.script.sha.as_str())
                .to_owned(),
        };
        command.arg(self.keys.len()).arg(&self.keys).arg(&self.args);
        command
    }
}
