//! A rate limit per client IP on the public routes: a token bucket per address, refilled at a
//! steady rate. Our own forty lines rather than `tower_governor`: the portal needs one limit,
//! keyed by the connection's peer address, with a Swedish 429 page of its own, and a bounded
//! table that forgets idle clients; that is less code than adapting the crate's key extractor and
//! error type, and adds no dependency.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Clients remembered at most; when full, buckets idle long enough to be full again are dropped.
const MAX_CLIENTS: usize = 100_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_minute` requests a minute on average, up to `burst` at once. `per_minute == 0`
    /// turns the limit off.
    pub fn new(per_minute: u32, burst: u32) -> Option<RateLimiter> {
        (per_minute > 0).then(|| RateLimiter {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// From `INSYN_PORTAL_RATE_PER_MINUTE` (default 600; 0 turns it off) and
    /// `INSYN_PORTAL_RATE_BURST` (default 120).
    pub fn from_env() -> Option<RateLimiter> {
        let read = |name: &str, default: u32| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        RateLimiter::new(
            read("INSYN_PORTAL_RATE_PER_MINUTE", 600),
            read("INSYN_PORTAL_RATE_BURST", 120),
        )
    }

    /// Takes a token for `ip`; `Err(seconds)` says how long until the next one.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&ip) {
            let full_after = self.burst / self.per_second;
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < full_after);
            if buckets.len() >= MAX_CLIENTS {
                return Err(1);
            }
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.burst, now));
        let refilled =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_empties_and_refills() {
        let rl = RateLimiter::new(60, 3).unwrap();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let t = Instant::now();
        for _ in 0..3 {
            assert!(rl.check(ip, t).is_ok());
        }
        assert_eq!(rl.check(ip, t), Err(1));
        // another client has its own bucket
        assert!(rl.check(other, t).is_ok());
        // one token a second comes back
        assert!(rl.check(ip, t + Duration::from_millis(1100)).is_ok());
        assert!(rl.check(ip, t + Duration::from_millis(1100)).is_err());
        assert!(RateLimiter::new(0, 10).is_none());
    }
}
