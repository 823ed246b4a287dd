//! The in-process reuse store: a bounded map whose entries expire.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::genesys::StartedSession;

/// Most sessions remembered at once. An org sends at most about 900 starts a minute, so even
/// the longest window (10 minutes) stays under this; past it, the oldest are forgotten first,
/// and memory stays flat however many distinct keys arrive.
const MAX_ENTRIES: usize = 10_000;

/// Sessions by key, and the keys in the order they were stored: every entry lives the window
/// or less, so the oldest stored is the first to expire, and making room is O(1).
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Key -> (when stored, a sequence number, when it expires, the session).
    entries: HashMap<String, (u64, Instant, StartedSession)>,
    /// `(sequence number, key)`, oldest first. A key stored again has a newer number, so an
    /// older line for it is recognised as stale and skipped.
    order: VecDeque<(u64, String)>,
    next: u64,
}

impl MemoryStore {
    pub fn get(&self, key: &str) -> Option<StartedSession> {
        let inner = self.inner.lock().expect("reuse store lock");
        inner
            .entries
            .get(key)
            .filter(|(_, expires, _)| Instant::now() < *expires)
            .map(|(_, _, session)| session.clone())
    }

    pub fn put(&self, key: &str, session: &StartedSession, ttl: Duration) {
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
            if current && !expired && inner.entries.len() < MAX_ENTRIES {
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
            .insert(key.to_owned(), (sequence, now + ttl, session.clone()));
        inner.order.push_back((sequence, key.to_owned()));
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

    #[tokio::test]
    async fn entries_expire() {
        let store = MemoryStore::default();
        let session = StartedSession::default();
        store.put("a", &session, Duration::from_millis(20));
        assert!(store.get("a").is_some());
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(store.get("a").is_none(), "expired");
        store.put("b", &session, Duration::from_secs(60));
        assert_eq!(store.len(), (1, 1), "the expired entry made room");
    }

    #[test]
    fn a_flood_of_keys_keeps_the_newest_within_the_bound() {
        let store = MemoryStore::default();
        let session = StartedSession::default();
        for i in 0..3 * MAX_ENTRIES {
            store.put(&i.to_string(), &session, Duration::from_secs(60));
        }
        assert_eq!(store.len(), (MAX_ENTRIES, MAX_ENTRIES));
        assert!(
            store.get(&(3 * MAX_ENTRIES - 1).to_string()).is_some(),
            "newest kept"
        );
        assert!(store.get("0").is_none(), "oldest forgotten");
    }

    #[test]
    fn a_key_stored_again_is_not_dropped_by_its_older_line() {
        let store = MemoryStore::default();
        let session = StartedSession::default();
        store.put("same", &session, Duration::from_secs(60));
        for i in 0..MAX_ENTRIES - 2 {
            store.put(&i.to_string(), &session, Duration::from_secs(60));
        }
        store.put("same", &session, Duration::from_secs(60));
        // The map is full: the next key pushes out the oldest line, the stale "same".
        store.put("next", &session, Duration::from_secs(60));
        assert!(store.get("same").is_some());
    }
}
