//! The per-client cache of resolved endpoints, keyed by the parameters of a call.
//!
//! A lookup allocates nothing: the call's parameters are hashed as they are (borrowed from
//! the context and the operation's schema) and compared with the stored copy of the key. The
//! cache is bounded: when it holds [`MAX_ENTRIES`] endpoints it starts again empty, so a
//! client that sees endless distinct buckets or keys never grows without bound. Each thread
//! also keeps the entries it used (a few clients' worth, [`LOCAL_ENTRIES`] each), so a warm
//! call takes no lock and touches no shared counter: on a loaded two-core machine a read lock
//! and an `Arc` clone cost more than the rest of the lookup.
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// The most endpoints one client keeps.
pub const MAX_ENTRIES: usize = 512;

/// The most endpoints of one client a thread keeps.
pub(crate) const LOCAL_ENTRIES: usize = 64;

/// A parameter value of one call, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg<'a> {
    Str(&'a str),
    Bool(bool),
    /// A `stringArray` parameter's value.
    List(&'a [String]),
}

/// A stored key's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OwnedArg {
    Str(Box<str>),
    Bool(bool),
    List(Box<[Box<str>]>),
}

impl OwnedArg {
    fn matches(&self, arg: &Arg<'_>) -> bool {
        match (self, arg) {
            (OwnedArg::Str(a), Arg::Str(b)) => **a == **b,
            (OwnedArg::Bool(a), Arg::Bool(b)) => a == b,
            (OwnedArg::List(a), Arg::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| **x == **y)
            }
            _ => false,
        }
    }
}

type Key = Box<[(&'static str, OwnedArg)]>;

/// The map's keys are already hashes.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else still hashes (FNV-1a).
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A fast, non-cryptographic hash of a call's parameters (FxHash's mixing). A flood of
/// colliding keys costs linear scans of at most [`MAX_ENTRIES`] entries, never memory.
pub(crate) fn hash_args(args: &[(&'static str, Arg<'_>)]) -> u64 {
    let mut h = FxState(0);
    for (name, arg) in args {
        h.add_bytes(name.as_bytes());
        match arg {
            Arg::Str(s) => h.add_bytes(s.as_bytes()),
            Arg::Bool(b) => h.add(2 + u64::from(*b)),
            Arg::List(items) => {
                // The count first, so `["a", "b"]` and `["ab"]` differ beyond each item's
                // length.
                h.add(4 + items.len() as u64);
                for item in *items {
                    h.add_bytes(item.as_bytes());
                }
            }
        }
    }
    h.0
}

struct FxState(u64);

impl FxState {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn add_bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let tail = chunks.remainder();
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
        }
        // The length ends the word, so `ab` + `c` and `a` + `bc` differ.
        self.add(u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    }
}

/// The entries of one hash: almost always one.
type Colliding<T> = Vec<(Key, Arc<T>)>;

/// A bounded map from call parameters to endpoints: the shared cache's, and each thread's
/// copy of the entries it used.
pub(crate) struct Entries<T> {
    by_hash: HashMap<u64, Colliding<T>, BuildHasherDefault<PreHashed>>,
    len: usize,
    max: usize,
}

impl<T> Entries<T> {
    /// An empty map that keeps at most `max` entries.
    pub(crate) fn new(max: usize) -> Self {
        Entries {
            by_hash: HashMap::default(),
            len: 0,
            max,
        }
    }

    /// The endpoint stored for `args`, whose hash is `hash`.
    pub(crate) fn get(&self, hash: u64, args: &[(&'static str, Arg<'_>)]) -> Option<&Arc<T>> {
        self.by_hash
            .get(&hash)?
            .iter()
            .find(|(key, _)| {
                key.len() == args.len()
                    && key
                        .iter()
                        .zip(args)
                        .all(|((kn, kv), (an, av))| kn == an && kv.matches(av))
            })
            .map(|(_, value)| value)
    }

    /// Stores `value` for `args`; when full, the map starts again empty.
    pub(crate) fn insert(&mut self, hash: u64, args: &[(&'static str, Arg<'_>)], value: Arc<T>) {
        if self.get(hash, args).is_some() {
            return;
        }
        let key: Key = args
            .iter()
            .map(|(name, arg)| {
                let owned = match arg {
                    Arg::Str(s) => OwnedArg::Str((*s).into()),
                    Arg::Bool(b) => OwnedArg::Bool(*b),
                    Arg::List(items) => {
                        OwnedArg::List(items.iter().map(|i| i.as_str().into()).collect())
                    }
                };
                (*name, owned)
            })
            .collect();
        if self.len >= self.max {
            self.by_hash.clear();
            self.len = 0;
        }
        self.by_hash.entry(hash).or_default().push((key, value));
        self.len += 1;
    }

    /// How many endpoints are stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Tells caches apart in each thread's copies (see [`EndpointCache::id`]).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Resolved endpoints by call parameters, shared by the clones of one client's stack.
pub(crate) struct EndpointCache<T> {
    entries: RwLock<Entries<T>>,
    id: u64,
}

impl<T> Default for EndpointCache<T> {
    fn default() -> Self {
        EndpointCache {
            entries: RwLock::new(Entries::new(MAX_ENTRIES)),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl<T> EndpointCache<T> {
    /// The endpoint stored for `args`.
    pub(crate) fn get(&self, hash: u64, args: &[(&'static str, Arg<'_>)]) -> Option<Arc<T>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries.get(hash, args).cloned()
    }

    /// Stores `value` for `args`.
    pub(crate) fn insert(&self, hash: u64, args: &[(&'static str, Arg<'_>)], value: Arc<T>) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(hash, args, value);
    }

    /// This cache's id, unique in the process: what a thread's copies are filed under.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// How many endpoints are stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(cache: &EndpointCache<u32>, args: &[(&'static str, Arg<'_>)]) -> Option<u32> {
        cache.get(hash_args(args), args).map(|v| *v)
    }

    #[test]
    fn hits_only_identical_parameters() {
        let cache = EndpointCache::default();
        let a = [("Region", Arg::Str("us-west-2")), ("Bucket", Arg::Str("b"))];
        cache.insert(hash_args(&a), &a, Arc::new(1));
        assert_eq!(lookup(&cache, &a), Some(1));
        // Another value, another name, a missing parameter, another type: all misses.
        assert_eq!(lookup(&cache, &[a[0], ("Bucket", Arg::Str("c"))]), None);
        assert_eq!(lookup(&cache, &[a[0], ("Key", Arg::Str("b"))]), None);
        assert_eq!(lookup(&cache, &a[..1]), None);
        assert_eq!(lookup(&cache, &[a[0], ("Bucket", Arg::Bool(true))]), None);
        // Lists: equal lists hit, a longer, shorter or reordered one misses.
        let (x, y) = ("x".to_owned(), "y".to_owned());
        let xy = [x.clone(), y.clone()];
        let l = [("ResourceArnList", Arg::List(&xy))];
        cache.insert(hash_args(&l), &l, Arc::new(2));
        assert_eq!(
            lookup(&cache, &[("ResourceArnList", Arg::List(&xy.clone()))]),
            Some(2)
        );
        for other in [&[y, x.clone()][..], std::slice::from_ref(&x), &[]] {
            assert_eq!(
                lookup(&cache, &[("ResourceArnList", Arg::List(other))]),
                None
            );
        }
        assert_ne!(
            hash_args(&[("L", Arg::List(&["ab".to_owned()]))]),
            hash_args(&[("L", Arg::List(&["a".to_owned(), "b".to_owned()]))])
        );
        // Values that concatenate alike hash apart.
        assert_ne!(
            hash_args(&[("A", Arg::Str("bc"))]),
            hash_args(&[("Ab", Arg::Str("c"))])
        );
    }

    #[test]
    fn colliding_hashes_keep_both_entries() {
        let cache = EndpointCache::default();
        let (a, b) = ([("R", Arg::Str("a"))], [("R", Arg::Str("b"))]);
        cache.insert(7, &a, Arc::new(1));
        cache.insert(7, &b, Arc::new(2));
        cache.insert(7, &b, Arc::new(3));
        assert_eq!(cache.get(7, &a).map(|v| *v), Some(1));
        assert_eq!(cache.get(7, &b).map(|v| *v), Some(2));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn is_bounded() {
        let cache = EndpointCache::default();
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("bucket-{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            let args = [("Bucket", Arg::Str(name))];
            cache.insert(hash_args(&args), &args, Arc::new(i));
            assert!(cache.len() <= MAX_ENTRIES);
        }
        // Full at the last insert: it started again, with only that one.
        assert_eq!(cache.len(), 1);
    }
}
