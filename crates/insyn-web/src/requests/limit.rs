//! A per-client rate limit for the public request form: at most `limit` posts per `window` from
//! one address (the peer address; behind a proxy every client shares the proxy's address, so
//! the limit then works per proxy — see docs/REQUESTS.md).
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimit {
    limit: usize,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Addresses remembered at most; past it the oldest windows are dropped.
const MAX_CLIENTS: usize = 100_000;

impl RateLimit {
    pub fn new(limit: usize, window: Duration) -> RateLimit {
        RateLimit {
            limit,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit; `Err(seconds)` when the client is over the limit (retry after).
    pub fn hit(&self, client: &str, now: Instant) -> Result<(), u64> {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if hits.len() >= MAX_CLIENTS {
            hits.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let q = hits.entry(client.to_string()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.limit {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_client_and_window() {
        let l = RateLimit::new(3, Duration::from_secs(60));
        let t = Instant::now();
        for _ in 0..3 {
            assert!(l.hit("a", t).is_ok());
        }
        let wait = l.hit("a", t).unwrap_err();
        assert!(wait > 0 && wait <= 60);
        assert!(l.hit("b", t).is_ok(), "another client has its own window");
        assert!(
            l.hit("a", t + Duration::from_secs(61)).is_ok(),
            "the window moves on"
        );
    }
}
