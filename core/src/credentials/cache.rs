//! [`CredentialsCache`]: serves credentials from memory and refreshes them before they expire.
//!
//! Temporary credentials (STS, SSO, IMDS, a container endpoint) expire; fetching them costs a
//! network round trip. The cache keeps the last credentials and hands them out without
//! allocating or waiting (a read lock, an `Arc` clone and a clock read) until they enter the
//! *refresh window*: by default 5 minutes before they expire, plus up to 20 % of that at
//! random, so that many processes started together do not all refresh in the same second.
//!
//! In the window, the first caller refreshes and every concurrent caller waits for that one
//! refresh (a single flight: 1,000 callers cause one request to the provider). If the refresh
//! fails while the cached credentials are still valid, the cache keeps serving them and tries
//! again at the earliest after [`with_retry_after_failure`](CredentialsCache::with_retry_after_failure)
//! (10 s by default). Only when there is nothing valid to serve does a caller see the error.
//!
//! Credentials without an expiry are kept for good. The clock is a [`SharedTimeSource`], so
//! tests can move time by hand.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use ziggurat_core::credentials::{
//!     Credentials, CredentialsCache, ProvideCredentials, ProvideCredentialsFuture,
//! };
//!
//! #[derive(Debug)]
//! struct Sts;
//! impl ProvideCredentials for Sts {
//!     fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
//!         ProvideCredentialsFuture::new(async {
//!             // A real provider would call STS here.
//!             let expiry = SystemTime::now() + Duration::from_secs(3600);
//!             Ok(Credentials::new("ASIAEXAMPLE", "secret", Some("token".into()))
//!                 .with_expiry(Some(expiry)))
//!         })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let cache = CredentialsCache::new(Sts);
//! let first = cache.provide_credentials().await.unwrap();
//! let second = cache.provide_credentials().await.unwrap(); // from memory
//! assert_eq!(first, second);
//! # }
//! ```
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use super::SharedCredentialsProvider;
use super::{Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture};
use crate::time::SharedTimeSource;

/// How long before expiry credentials are refreshed, by default.
pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(5 * 60);
/// The largest random extra lead, as a fraction of the buffer, by default.
pub const DEFAULT_JITTER_FRACTION: f64 = 0.2;
/// How long after a failed refresh the cache waits before trying again, by default (while it
/// still has valid credentials to serve).
pub const DEFAULT_RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// A [`ProvideCredentials`] that caches another one's credentials and refreshes them ahead of
/// expiry, one refresh at a time. See the [module documentation](self).
///
/// Cloning is cheap; clones share the cache.
#[derive(Clone)]
pub struct CredentialsCache {
    inner: Arc<Inner>,
}

struct Inner {
    provider: SharedCredentialsProvider,
    time: SharedTimeSource,
    buffer: Duration,
    jitter: f64,
    retry_after_failure: Duration,
    state: RwLock<State>,
    /// Held by the one caller that refreshes; the others wait on it.
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// Bumped by every completed refresh, successful or not.
    generation: u64,
    /// The error of the latest refresh, if it failed.
    last_error: Option<Arc<CredentialsError>>,
    /// After a failed refresh: no new attempt before this time (while the cache still has
    /// valid credentials).
    retry_after: Option<SystemTime>,
}

struct Cached {
    credentials: Credentials,
    /// When to refresh; `None` for credentials that never expire.
    refresh_at: Option<SystemTime>,
}

impl State {
    /// Credentials that can be served without refreshing.
    fn fresh(&self, now: SystemTime) -> Option<&Credentials> {
        let cached = self.cached.as_ref()?;
        let due = cached.refresh_at.is_some_and(|at| now >= at);
        let backing_off = self.retry_after.is_some_and(|at| now < at);
        (!due || (backing_off && !is_expired(&cached.credentials, now)))
            .then_some(&cached.credentials)
    }

    /// Cached credentials that have not expired yet.
    fn unexpired(&self, now: SystemTime) -> Option<&Credentials> {
        self.cached
            .as_ref()
            .map(|c| &c.credentials)
            .filter(|c| !is_expired(c, now))
    }
}

fn is_expired(credentials: &Credentials, now: SystemTime) -> bool {
    credentials.expiry().is_some_and(|expiry| now >= expiry)
}

impl CredentialsCache {
    /// A cache in front of `provider`, with the defaults: refresh 5 minutes (plus up to 20 %
    /// jitter) before expiry, the system clock, 10 s between attempts after a failed refresh.
    pub fn new(provider: impl ProvideCredentials) -> Self {
        Self::from_shared(SharedCredentialsProvider::new(provider))
    }

    /// A cache in front of an already shared provider.
    pub fn from_shared(provider: SharedCredentialsProvider) -> Self {
        CredentialsCache {
            inner: Arc::new(Inner {
                provider,
                time: SharedTimeSource::default(),
                buffer: DEFAULT_REFRESH_BUFFER,
                jitter: DEFAULT_JITTER_FRACTION,
                retry_after_failure: DEFAULT_RETRY_AFTER_FAILURE,
                state: RwLock::new(State::default()),
                refresh: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn configure(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => f(inner),
            None => {
                // Configured after being cloned: build a fresh cache (the clones keep theirs).
                let old = &self.inner;
                let mut inner = Inner {
                    provider: old.provider.clone(),
                    time: old.time.clone(),
                    buffer: old.buffer,
                    jitter: old.jitter,
                    retry_after_failure: old.retry_after_failure,
                    state: RwLock::new(State::default()),
                    refresh: tokio::sync::Mutex::new(()),
                };
                f(&mut inner);
                self.inner = Arc::new(inner);
            }
        }
        self
    }

    /// Refreshes this long before expiry (default 5 minutes).
    pub fn with_refresh_buffer(self, buffer: Duration) -> Self {
        self.configure(|i| i.buffer = buffer)
    }

    /// Adds a random extra lead of up to `fraction` × the buffer, drawn once per set of
    /// credentials (default 0.2; 0 makes refresh times exact). Clamped to `0.0..=1.0`.
    pub fn with_jitter(self, fraction: f64) -> Self {
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self.configure(|i| i.jitter = fraction)
    }

    /// Reads the time from `time` (default: the system clock).
    pub fn with_time_source(self, time: SharedTimeSource) -> Self {
        self.configure(|i| i.time = time)
    }

    /// After a failed refresh, serves the still valid credentials for this long before trying
    /// again (default 10 s).
    pub fn with_retry_after_failure(self, wait: Duration) -> Self {
        self.configure(|i| i.retry_after_failure = wait)
    }

    /// The credentials in the cache, if any, whatever their state.
    pub fn cached(&self) -> Option<Credentials> {
        self.inner
            .read()
            .cached
            .as_ref()
            .map(|c| c.credentials.clone())
    }

    /// Forgets the cached credentials: the next call fetches new ones.
    pub fn invalidate(&self) {
        let mut state = self.inner.write();
        state.cached = None;
        state.retry_after = None;
    }
}

impl Inner {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn refresh_at(&self, credentials: &Credentials, now: SystemTime) -> Option<SystemTime> {
        let expiry = credentials.expiry()?;
        let jitter = if self.jitter > 0.0 {
            self.buffer.mul_f64(self.jitter * fastrand::f64())
        } else {
            Duration::ZERO
        };
        let lead = self.buffer.saturating_add(jitter);
        match expiry.checked_sub(lead) {
            Some(at) if at > now => Some(at),
            // Credentials that arrive already inside the window (or with a lifetime shorter
            // than the buffer) are refreshed halfway to their expiry, not on every call.
            _ => {
                let left = expiry.duration_since(now).unwrap_or_default();
                Some(now + left / 2)
            }
        }
    }

    /// The slow path: wait for (or run) the one refresh.
    async fn refresh(&self, seen_generation: u64) -> Result<Credentials, CredentialsError> {
        let _turn = self.refresh.lock().await;
        let now = self.time.now();
        {
            let state = self.read();
            if state.generation != seen_generation {
                // A refresh completed while this caller waited: share its outcome.
                if let Some(c) = state.unexpired(now) {
                    return Ok(c.clone());
                }
                if let Some(e) = &state.last_error {
                    return Err(shared_error(e));
                }
            }
            if let Some(c) = state.fresh(now) {
                return Ok(c.clone());
            }
        }
        let result = self.provider.provide_credentials().await;
        let now = self.time.now();
        let mut state = self.write();
        state.generation = state.generation.wrapping_add(1);
        match result {
            Ok(credentials) => {
                let refresh_at = self.refresh_at(&credentials, now);
                state.cached = Some(Cached {
                    credentials: credentials.clone(),
                    refresh_at,
                });
                state.last_error = None;
                state.retry_after = None;
                Ok(credentials)
            }
            Err(e) => {
                let e = Arc::new(e);
                state.last_error = Some(e.clone());
                match state.unexpired(now).cloned() {
                    Some(old) => {
                        tracing::warn!(
                            error = %e,
                            "refreshing credentials failed; serving the cached ones until they expire"
                        );
                        state.retry_after = Some(now + self.retry_after_failure);
                        Ok(old)
                    }
                    None => Err(shared_error(&e)),
                }
            }
        }
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        let now = self.inner.time.now();
        let generation = {
            let state = self.inner.read();
            if let Some(c) = state.fresh(now) {
                // The fast path: no allocation, no await.
                return ProvideCredentialsFuture::ready(Ok(c.clone()));
            }
            state.generation
        };
        ProvideCredentialsFuture::new(self.inner.refresh(generation))
    }
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("provider", &self.inner.provider)
            .field("refresh_buffer", &self.inner.buffer)
            .field("jitter", &self.inner.jitter)
            .field("cached", &self.inner.read().cached.is_some())
            .finish_non_exhaustive()
    }
}

/// The error of one failed refresh, handed to every caller that waited for it.
#[derive(Debug)]
struct SharedRefreshError(Arc<CredentialsError>);

impl fmt::Display for SharedRefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedRefreshError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

fn shared_error(e: &Arc<CredentialsError>) -> CredentialsError {
    CredentialsError::provider_error(
        format!("failed to refresh credentials: {e}"),
        SharedRefreshError(e.clone()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TimeSource;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::UNIX_EPOCH;

    #[derive(Debug, Clone)]
    struct Clock(Arc<Mutex<SystemTime>>);
    impl TimeSource for Clock {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }

    #[derive(Debug)]
    struct Counting {
        calls: Arc<AtomicU32>,
        expiry: SystemTime,
    }
    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            ProvideCredentialsFuture::ready(Ok(
                Credentials::new(format!("AK{n}"), "S", None).with_expiry(Some(self.expiry))
            ))
        }
    }

    #[tokio::test]
    async fn refresh_time_includes_buffer_and_bounded_jitter() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let clock = Clock(Arc::new(Mutex::new(t0)));
        let calls = Arc::new(AtomicU32::new(0));
        let expiry = t0 + Duration::from_secs(3600);
        let cache = CredentialsCache::new(Counting {
            calls: calls.clone(),
            expiry,
        })
        .with_time_source(SharedTimeSource::new(clock.clone()));
        cache.provide_credentials().await.unwrap();
        let at = cache
            .inner
            .read()
            .cached
            .as_ref()
            .unwrap()
            .refresh_at
            .unwrap();
        assert!(at <= expiry - Duration::from_secs(300), "{at:?}");
        assert!(at >= expiry - Duration::from_secs(360), "{at:?}");
    }

    #[tokio::test]
    async fn short_lived_credentials_refresh_halfway_not_every_call() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let clock = Clock(Arc::new(Mutex::new(t0)));
        let calls = Arc::new(AtomicU32::new(0));
        let cache = CredentialsCache::new(Counting {
            calls: calls.clone(),
            expiry: t0 + Duration::from_secs(120),
        })
        .with_time_source(SharedTimeSource::new(clock.clone()));
        for _ in 0..5 {
            cache.provide_credentials().await.unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        *clock.0.lock().unwrap() = t0 + Duration::from_secs(61);
        cache.provide_credentials().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn credentials_without_expiry_are_kept_and_invalidate_forgets_them() {
        let calls = Arc::new(AtomicU32::new(0));
        #[derive(Debug)]
        struct Static(Arc<AtomicU32>);
        impl ProvideCredentials for Static {
            fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
                self.0.fetch_add(1, Ordering::SeqCst);
                ProvideCredentialsFuture::ready(Ok(Credentials::new("AK", "S", None)))
            }
        }
        let cache = CredentialsCache::new(Static(calls.clone()));
        for _ in 0..3 {
            cache.provide_credentials().await.unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.invalidate();
        cache.provide_credentials().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(!format!("{cache:?}").contains("\"S\""));
    }
}
