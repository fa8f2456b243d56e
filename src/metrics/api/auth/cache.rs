//! A small TTL cache for authentication and authorization decisions.
//!
//! Entries expire `ttl` after insertion (upstream: 10 s for tokens, allowed and denied reviews);
//! `now` is always passed in so the cache is deterministic. Capacity is bounded: when full, expired
//! entries are purged first, then the entry closest to expiry is evicted.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

/// Default TTL of cached decisions.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10);
/// Default maximum number of entries.
pub const DEFAULT_CAPACITY: usize = 4096;

/// TTL cache keyed by request identity/attributes.
#[derive(Debug, Clone)]
pub struct AuthCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: HashMap<K, (V, jiff::Timestamp)>,
}

impl<K: Hash + Eq + Clone, V: Clone> Default for AuthCache<K, V> {
    fn default() -> Self {
        Self::new(DEFAULT_TTL, DEFAULT_CAPACITY)
    }
}

impl<K: Hash + Eq + Clone, V: Clone> AuthCache<K, V> {
    /// Cache with the given TTL and capacity (at least one entry).
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self { ttl, capacity: capacity.max(1), entries: HashMap::new() }
    }

    /// The value for `key` if it has not expired at `now`.
    pub fn get(&self, key: &K, now: jiff::Timestamp) -> Option<V> {
        self.entries.get(key).filter(|(_, expires)| now < *expires).map(|(v, _)| v.clone())
    }

    /// Stores `value` for the default TTL from `now`.
    pub fn insert(&mut self, key: K, value: V, now: jiff::Timestamp) {
        self.insert_with_ttl(key, value, now, self.ttl);
    }

    /// Stores `value` for `ttl` from `now` (e.g. a shorter TTL for denials).
    pub fn insert_with_ttl(&mut self, key: K, value: V, now: jiff::Timestamp, ttl: Duration) {
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            self.entries.retain(|_, (_, expires)| now < *expires);
            if self.entries.len() >= self.capacity {
                let soonest = self.entries.iter().min_by_key(|(_, (_, e))| *e).map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    self.entries.remove(&k);
                }
            }
        }
        let expires = jiff::SignedDuration::try_from(ttl)
            .ok()
            .and_then(|d| now.checked_add(d).ok())
            .unwrap_or(jiff::Timestamp::MAX);
        self.entries.insert(key, (value, expires));
    }

    /// Number of stored entries (expired ones included until purged).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
