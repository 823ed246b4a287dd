//! The in-process reuse store: a bounded map whose entries expire.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::genesys::StartedSession;

/// Most sessions remembered at once. An org sends at most about 900 starts a minute, so even
/// the longest window (10 minutes) stays under this; past it, new sessions are simply not
/// remembered, and memory stays flat however many distinct keys arrive.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, (Instant, StartedSession)>>,
}

impl MemoryStore {
    pub fn get(&self, key: &str) -> Option<StartedSession> {
        let mut entries = self.entries.lock().expect("reuse store lock");
        match entries.get(key) {
            Some((expires, session)) if Instant::now() < *expires => Some(session.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, key: &str, session: &StartedSession, ttl: Duration) {
        let now = Instant::now();
        let mut entries = self.entries.lock().expect("reuse store lock");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
            entries.retain(|_, (expires, _)| now < *expires);
            if entries.len() >= MAX_ENTRIES {
                return;
            }
        }
        entries.insert(key.to_owned(), (now + ttl, session.clone()));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_expire_and_the_map_stays_bounded() {
        let store = MemoryStore::default();
        let session = StartedSession::default();
        store.put("a", &session, Duration::from_millis(20));
        assert!(store.get("a").is_some());
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(store.get("a").is_none(), "expired");

        for i in 0..MAX_ENTRIES + 500 {
            store.put(&i.to_string(), &session, Duration::from_secs(60));
        }
        assert_eq!(store.len(), MAX_ENTRIES, "never more than the bound");
    }

    #[tokio::test]
    async fn a_full_map_makes_room_by_dropping_what_expired() {
        let store = MemoryStore::default();
        let session = StartedSession::default();
        for i in 0..MAX_ENTRIES {
            store.put(&i.to_string(), &session, Duration::from_millis(10));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        store.put("new", &session, Duration::from_secs(60));
        assert_eq!(store.len(), 1);
        assert!(store.get("new").is_some());
    }
}
