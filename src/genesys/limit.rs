//! Genesys's per-token request limit, mirrored on our side: at most N requests in any 60 s.
//!
//! Genesys counts requests per OAuth client token per minute (300 by default). A token
//! bucket (N/60 a second, with a burst) refuses a burst of flows that Genesys would accept,
//! so this keeps the send times of the last minute instead (a sliding-window log, at most N
//! instants): a request leaves while fewer than N left in the last 60 s, or waits for the
//! oldest to age out. No crate we know of offers this exact rule; governor's GCRA lets
//! through up to twice the limit in some 60 s windows.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::{Instant, sleep_until};

const WINDOW: Duration = Duration::from_secs(60);

pub struct RequestLimit {
    max: usize,
    /// When each request of the last window left, oldest first. It grows as requests leave,
    /// so an idle org holds no room (300 instants are 4.8 KiB, two thirds of an idle org
    /// before, paid again for every org a reload rebuilds).
    sent: Mutex<VecDeque<Instant>>,
}

impl RequestLimit {
    pub fn per_minute(max: NonZeroU32) -> Self {
        let max = max.get() as usize;
        RequestLimit {
            max,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Takes a slot at `now`, or says when the next one frees up.
    fn try_take(&self, now: Instant) -> Result<(), Instant> {
        let mut sent = self.sent.lock().expect("request limit lock");
        while sent.front().is_some_and(|&at| at + WINDOW <= now) {
            sent.pop_front();
        }
        if sent.len() < self.max {
            sent.push_back(now);
            Ok(())
        } else {
            Err(sent[0] + WINDOW)
        }
    }

    /// Requests sent in the last 60 s, for `/metrics` (read when Prometheus scrapes).
    pub fn sent_in_last_minute(&self) -> usize {
        let now = Instant::now();
        let mut sent = self.sent.lock().expect("request limit lock");
        while sent.front().is_some_and(|&at| at + WINDOW <= now) {
            sent.pop_front();
        }
        sent.len()
    }

    /// Waits for a slot; `Err` at once when none frees up by `latest`.
    pub async fn take(&self, latest: Instant) -> Result<(), ()> {
        loop {
            match self.try_take(Instant::now()) {
                Ok(()) => return Ok(()),
                Err(free_at) if free_at > latest => return Err(()),
                // Another caller may take the freed slot first: then look again.
                Err(free_at) => sleep_until(free_at).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_limit_holds_no_room_and_a_busy_one_only_what_it_sent() {
        let limit = RequestLimit::per_minute(NonZeroU32::new(300).unwrap());
        assert_eq!(limit.sent.lock().unwrap().capacity(), 0);
        let start = Instant::now();
        for _ in 0..3 {
            limit.try_take(start).unwrap();
        }
        assert!(limit.sent.lock().unwrap().capacity() < 300);
    }

    #[test]
    fn a_full_minute_of_requests_can_go_at_once_and_then_one_per_expiry() {
        let limit = RequestLimit::per_minute(NonZeroU32::new(300).unwrap());
        let start = Instant::now();
        for i in 0..300 {
            assert!(
                limit.try_take(start).is_ok(),
                "request {i} of a burst of 300"
            );
        }
        assert_eq!(
            limit.try_take(start),
            Err(start + WINDOW),
            "the 301st waits"
        );
        let later = start + Duration::from_secs(59);
        assert_eq!(
            limit.try_take(later),
            Err(start + WINDOW),
            "still inside the minute"
        );
        assert!(
            limit.try_take(start + WINDOW).is_ok(),
            "the first burst aged out"
        );
    }

    #[test]
    fn the_window_slides_rather_than_resetting_each_minute() {
        let limit = RequestLimit::per_minute(NonZeroU32::new(2).unwrap());
        let start = Instant::now();
        assert!(limit.try_take(start).is_ok());
        assert!(limit.try_take(start + Duration::from_secs(30)).is_ok());
        // At 61 s the first has aged out but the second still counts.
        assert!(limit.try_take(start + Duration::from_secs(61)).is_ok());
        assert_eq!(
            limit.try_take(start + Duration::from_secs(62)),
            Err(start + Duration::from_secs(90))
        );
    }
}
