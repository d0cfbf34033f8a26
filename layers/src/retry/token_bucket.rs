//! [`TokenBucket`]: the retry quota a client's calls share.
use std::sync::atomic::{AtomicU32, Ordering};

/// A client's retry quota: retries take tokens, successes give some back, and an empty bucket
/// stops retrying (the call fails fast with a quota-exceeded error) until successes refill it.
///
/// It is what keeps a client from turning an outage into a retry storm: with the standard
/// constants (500 tokens, 5 per retry), a client whose every call fails makes at most 100
/// retries before it stops retrying altogether.
///
/// Lock-free: taking and returning tokens are single atomic operations, and a success that
/// finds the bucket full writes nothing.
///
/// ```
/// use ziggurat_layers::retry::TokenBucket;
///
/// let bucket = TokenBucket::new(10);
/// assert!(bucket.try_acquire(5));
/// assert!(bucket.try_acquire(5));
/// assert!(!bucket.try_acquire(5));
/// bucket.release(7);
/// assert_eq!(bucket.available(), 7);
/// bucket.release(100);
/// assert_eq!(bucket.available(), 10); // never above capacity
/// ```
#[derive(Debug)]
pub struct TokenBucket {
    capacity: u32,
    available: AtomicU32,
}

impl TokenBucket {
    /// The standard capacity: 500 tokens.
    pub const DEFAULT_CAPACITY: u32 = 500;

    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        TokenBucket {
            capacity,
            available: AtomicU32::new(capacity),
        }
    }

    /// The most tokens the bucket holds.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The tokens left.
    pub fn available(&self) -> u32 {
        self.available.load(Ordering::Acquire)
    }

    /// Takes `n` tokens if that many are left.
    pub fn try_acquire(&self, n: u32) -> bool {
        self.available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| a.checked_sub(n))
            .is_ok()
    }

    /// Gives back `n` tokens, up to the capacity.
    pub fn release(&self, n: u32) {
        if n == 0 || self.available() >= self.capacity {
            return;
        }
        let capacity = self.capacity;
        // Never fails: the closure always returns `Some`.
        let _ = self
            .available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| {
                Some(a.saturating_add(n).min(capacity))
            });
    }
}

impl Default for TokenBucket {
    fn default() -> Self {
        TokenBucket::new(Self::DEFAULT_CAPACITY)
    }
}
