//! Per-client rate limits with bounded memory.
//!
//! GCRA (the generic cell rate algorithm): each key keeps one number, the time at
//! which its budget would be full again. A request is allowed while that time is at
//! most one full budget ahead of now. It is exact, smooth (no minute boundary to burst
//! across) and needs 16 bytes a key.
//!
//! Memory is bounded whatever the number of addresses: past its capacity a shard first
//! drops keys whose budget is full again (they are indistinguishable from keys never
//! seen, so nothing is lost), and only then arbitrary keys. IPv6 clients are keyed by
//! their /64, which is what one subscriber usually gets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

const SHARDS: usize = 16;
/// Keys kept across all shards at most.
pub const DEFAULT_CAPACITY: usize = 100_000;

pub struct RateLimiter {
    /// Nanoseconds between two requests at the sustained rate.
    interval: u64,
    /// How far ahead of now the "full again" time may run: one minute's budget.
    burst: u64,
    capacity_per_shard: usize,
    shards: Vec<Mutex<HashMap<u128, u64>>>,
    epoch: Instant,
}

/// The key of an address: IPv4 as is, IPv6 by its /64 prefix.
pub fn key_of(address: IpAddr) -> u128 {
    match super::client_address::canonical(address) {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        // The top bit keeps IPv6 prefixes apart from IPv4 values.
        IpAddr::V6(v6) => (u128::from(v6) >> 64) | (1 << 127),
    }
}

impl RateLimiter {
    /// `per_minute` requests a minute per client, sustained, with up to a minute's worth
    /// in a burst; 0 disables the limit.
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, DEFAULT_CAPACITY)
    }

    pub fn with_capacity(per_minute: u32, capacity: usize) -> Self {
        let minute = Duration::from_secs(60).as_nanos() as u64;
        let interval = minute.checked_div(u64::from(per_minute)).unwrap_or(0);
        RateLimiter {
            interval,
            burst: minute.saturating_sub(interval),
            capacity_per_shard: capacity.div_ceil(SHARDS).max(1),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            epoch: Instant::now(),
        }
    }

    /// Counts a request now; false when the client is over its budget.
    pub fn allow(&self, address: IpAddr) -> bool {
        let now = self.epoch.elapsed().as_nanos() as u64;
        self.allow_at(address, now)
    }

    /// [`allow`](Self::allow) at a given time (nanoseconds on the limiter's clock), so
    /// tests control time.
    pub fn allow_at(&self, address: IpAddr, now: u64) -> bool {
        self.allow_key_at(key_of(address), now)
    }

    /// Counts a request of any keyed client (an account, say) now.
    pub fn allow_key(&self, key: u128) -> bool {
        let now = self.epoch.elapsed().as_nanos() as u64;
        self.allow_key_at(key, now)
    }

    pub fn allow_key_at(&self, key: u128, now: u64) -> bool {
        if self.interval == 0 {
            return true;
        }
        let shard = &self.shards[(key % SHARDS as u128) as usize];
        let mut entries = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity_per_shard && !entries.contains_key(&key) {
            entries.retain(|_, full_again| *full_again > now);
            if entries.len() >= self.capacity_per_shard {
                // Every key is active: forget an arbitrary tenth, which at worst hands
                // those clients a fresh budget.
                let drop: Vec<u128> = entries
                    .keys()
                    .take(self.capacity_per_shard / 10 + 1)
                    .copied()
                    .collect();
                for key in drop {
                    entries.remove(&key);
                }
            }
        }
        let full_again = entries.get(&key).copied().unwrap_or(now).max(now);
        if full_again - now > self.burst {
            return false;
        }
        entries.insert(key, full_again + self.interval);
        true
    }

    /// Keys held now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_burst_of_one_minutes_budget_then_the_sustained_rate() {
        let limiter = RateLimiter::new(60); // one a second
        let a = ip("192.0.2.1");
        assert!(
            (0..60).all(|_| limiter.allow_at(a, 0)),
            "a minute's budget at once"
        );
        assert!(!limiter.allow_at(a, 0));
        assert!(!limiter.allow_at(a, SECOND / 2));
        assert!(limiter.allow_at(a, SECOND), "one more each second");
        assert!(!limiter.allow_at(a, SECOND));
        assert!(
            limiter.allow_at(ip("192.0.2.2"), 0),
            "budgets are per address"
        );
        // After a quiet minute the whole budget is back.
        assert!((0..60).all(|_| limiter.allow_at(a, 62 * SECOND)));
    }

    #[test]
    fn ipv6_clients_share_a_budget_per_64() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.allow_at(ip("2001:db8:1:2::1"), 0));
        assert!(limiter.allow_at(ip("2001:db8:1:2:ffff::9"), 0));
        assert!(!limiter.allow_at(ip("2001:db8:1:2::3"), 0), "same /64");
        assert!(limiter.allow_at(ip("2001:db8:1:3::1"), 0), "another /64");
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::new(0);
        assert!((0..10_000).all(|_| limiter.allow_at(ip("192.0.2.1"), 0)));
        assert!(limiter.is_empty());
    }

    #[test]
    fn memory_stays_bounded_across_a_million_addresses() {
        let limiter = RateLimiter::with_capacity(600, 10_000);
        let mut peak = 0;
        for n in 0u32..1_000_000 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(n.wrapping_mul(2_654_435_761)));
            assert!(limiter.allow_at(address, u64::from(n) * 1_000));
            if n % 1000 == 0 {
                peak = peak.max(limiter.len());
            }
        }
        peak = peak.max(limiter.len());
        assert!(peak <= 10_000 + SHARDS, "peak {peak}");
        // A client that keeps sending is still limited under the flood.
        let busy = ip("198.51.100.1");
        let now = 1_000_000 * 1_000;
        assert!((0..600).all(|_| limiter.allow_at(busy, now)));
        assert!(!limiter.allow_at(busy, now));
    }
}
