//! A small bounded cache shared by the SigV4 and SigV4a key caches.
//!
//! Keys are expensive to derive (an HMAC chain for SigV4, a P-256 scalar multiplication for
//! SigV4a) and few are ever live, so a linear scan of a handful of entries under a mutex beats
//! a hash map. A new entry replaces the one it supersedes (same identity, older date), else
//! fills a free slot, else evicts round-robin.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) struct SlotCache<E> {
    slots: Mutex<Slots<E>>,
    derivations: AtomicU64,
    capacity: usize,
}

struct Slots<E> {
    entries: Vec<E>,
    /// Round-robin victim when full.
    next_victim: usize,
}

impl<E> SlotCache<E> {
    pub(crate) const fn new(capacity: usize) -> Self {
        SlotCache {
            slots: Mutex::new(Slots {
                entries: Vec::new(),
                next_victim: 0,
            }),
            derivations: AtomicU64::new(0),
            capacity,
        }
    }

    /// Reads the first entry `hit` accepts.
    pub(crate) fn find<R>(
        &self,
        hit: impl Fn(&E) -> bool,
        read: impl FnOnce(&E) -> R,
    ) -> Option<R> {
        self.lock().entries.iter().find(|e| hit(e)).map(read)
    }

    /// Reads (and may update) the first entry `hit` accepts.
    pub(crate) fn find_mut<R>(
        &self,
        hit: impl Fn(&E) -> bool,
        read: impl FnOnce(&mut E) -> R,
    ) -> Option<R> {
        self.lock().entries.iter_mut().find(|e| hit(e)).map(read)
    }

    /// Stores a newly derived entry, replacing the one `supersedes` accepts if any.
    pub(crate) fn store(&self, entry: E, supersedes: impl Fn(&E) -> bool) {
        self.derivations.fetch_add(1, Ordering::Relaxed);
        let mut slots = self.lock();
        let slots = &mut *slots;
        if let Some(old) = slots.entries.iter_mut().find(|old| supersedes(old)) {
            *old = entry;
        } else if slots.entries.len() < self.capacity {
            slots.entries.push(entry);
        } else {
            let victim = slots.next_victim % self.capacity.max(1);
            if let Some(old) = slots.entries.get_mut(victim) {
                *old = entry;
            }
            slots.next_victim = (victim + 1) % self.capacity.max(1);
        }
    }

    /// How many entries were derived (stored) since creation.
    pub(crate) fn derivations(&self) -> u64 {
        self.derivations.load(Ordering::Relaxed)
    }

    /// How many entries are cached.
    pub(crate) fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        let mut slots = self.lock();
        slots.entries.clear();
        slots.next_victim = 0;
    }

    fn lock(&self) -> MutexGuard<'_, Slots<E>> {
        // Nothing panics while the lock is held, but never propagate a poisoning anyway.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
