//! The in-process reuse store: a bounded map whose entries expire.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::Key;
use crate::genesys::StartedSession;

/// Genesys runs at most about 900 data actions a minute for an org (15 a second), so a window
/// holds at most 15 starts per second of it; twice that, within these bounds, is what is
/// kept. Past it the oldest are forgotten first, and memory stays flat whatever arrives.
const STARTS_PER_SECOND: usize = 2 * 15;
const MIN_ENTRIES: usize = 1024;
const MAX_ENTRIES: usize = 20_000;

/// Sessions by key, and the keys in the order they were stored: every entry lives the window
/// or less, so the oldest stored is the first to expire, and making room is O(1).
pub struct MemoryStore {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Key -> (a sequence number, when it expires, the session).
    entries: HashMap<Key, (u64, Instant, StartedSession)>,
    /// `(sequence number, key)`, oldest first. A key stored again has a newer number, so an
    /// older line for it is recognised as stale and skipped.
    order: VecDeque<(u64, Key)>,
    next: u64,
}

impl MemoryStore {
    /// A store sized for `window`.
    pub fn for_window(window: Duration) -> Self {
        let seconds = usize::try_from(window.as_secs()).unwrap_or(usize::MAX);
        MemoryStore {
            capacity: seconds
                .saturating_mul(STARTS_PER_SECOND)
                .clamp(MIN_ENTRIES, MAX_ENTRIES),
            inner: Mutex::default(),
        }
    }

    pub fn get(&self, key: &Key) -> Option<StartedSession> {
        let inner = self.inner.lock().expect("reuse store lock");
        inner
            .entries
            .get(key)
            .filter(|(_, expires, _)| Instant::now() < *expires)
            .map(|(_, _, session)| session.clone())
    }

    pub fn put(&self, key: Key, session: &StartedSession, ttl: Duration) {
        let now = Instant::now();
        let mut inner = self.inner.lock().expect("reuse store lock");
        // Drop what expired at the old end, then the oldest while full.
        while let Some((sequence, oldest)) = inner.order.front() {
            let current = inner
                .entries
                .get(oldest)
                .is_some_and(|(s, _, _)| s == sequence);
            let expired = inner
                .entries
                .get(oldest)
                .is_none_or(|(_, expires, _)| *expires <= now);
            if current && !expired && inner.entries.len() < self.capacity {
                break;
            }
            let (sequence, oldest) = inner.order.pop_front().expect("a front entry");
            if inner
                .entries
                .get(&oldest)
                .is_some_and(|(s, _, _)| *s == sequence)
            {
                inner.entries.remove(&oldest);
            }
        }
        let sequence = inner.next;
        inner.next += 1;
        inner
            .entries
            .insert(key, (sequence, now + ttl, session.clone()));
        inner.order.push_back((sequence, key));
    }

    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap();
        (inner.entries.len(), inner.order.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AgentId, CobrowseType, ConversationId};

    /// A key of its own for each number.
    fn key(n: usize) -> Key {
        let id = uuid::Uuid::from_u128(n as u128).to_string();
        Key {
            namespace: "",
            conversation: ConversationId::parse(&id).unwrap(),
            agent: AgentId::parse(&id).unwrap(),
            cobrowse_type: CobrowseType::View,
        }
    }

    #[tokio::test]
    async fn entries_expire() {
        let store = MemoryStore::for_window(Duration::from_secs(30));
        let session = StartedSession::default();
        store.put(key(1_000_001), &session, Duration::from_millis(20));
        assert!(store.get(&key(1_000_001)).is_some());
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(store.get(&key(1_000_001)).is_none(), "expired");
        store.put(key(1_000_002), &session, Duration::from_secs(60));
        assert_eq!(store.len(), (1, 1), "the expired entry made room");
    }

    #[test]
    fn a_flood_of_keys_keeps_the_newest_within_the_bound() {
        let store = MemoryStore::for_window(Duration::from_secs(30));
        let session = StartedSession::default();
        for i in 0..3 * MIN_ENTRIES {
            store.put(key(i), &session, Duration::from_secs(60));
        }
        assert_eq!(store.len(), (MIN_ENTRIES, MIN_ENTRIES));
        assert!(
            store.get(&key(3 * MIN_ENTRIES - 1)).is_some(),
            "newest kept"
        );
        assert!(store.get(&key(0)).is_none(), "oldest forgotten");
    }

    #[test]
    fn the_bound_follows_the_window() {
        let default = MemoryStore::for_window(Duration::from_secs(30));
        assert_eq!(
            default.capacity, MIN_ENTRIES,
            "30 s of 15 starts a second, twice"
        );
        let longest = MemoryStore::for_window(Duration::from_secs(600));
        assert_eq!(longest.capacity, 18_000);
    }

    #[test]
    fn a_key_stored_again_is_not_dropped_by_its_older_line() {
        let store = MemoryStore::for_window(Duration::from_secs(30));
        let session = StartedSession::default();
        store.put(key(1_000_003), &session, Duration::from_secs(60));
        for i in 0..MIN_ENTRIES - 2 {
            store.put(key(i), &session, Duration::from_secs(60));
        }
        store.put(key(1_000_003), &session, Duration::from_secs(60));
        // The map is full: the next key pushes out the oldest line, the stale "same".
        store.put(key(1_000_004), &session, Duration::from_secs(60));
        assert!(store.get(&key(1_000_003)).is_some());
    }
}
