//! `CredentialsCache`: one refresh for many callers, stale-but-valid credentials survive a
//! failing provider, expired ones do not, and the cached path does not allocate.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ziggurat_core::credentials::{
    Credentials, CredentialsCache, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};
use ziggurat_core::time::{SharedTimeSource, TimeSource};

// Counts the allocations made by the current thread.
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

const T0: Duration = Duration::from_secs(1_700_000_000);
const HOUR: Duration = Duration::from_secs(3600);

/// A wall clock the test moves by hand.
#[derive(Debug, Clone)]
struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    fn new() -> Self {
        ManualClock(Arc::new(Mutex::new(UNIX_EPOCH + T0)))
    }
    fn set(&self, since_t0: Duration) {
        *self.0.lock().unwrap() = UNIX_EPOCH + T0 + since_t0;
    }
}

impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// Hands out credentials that expire one hour after `T0 + 1h × (call number − 1)`, taking one
/// (virtual) second per call; fails while `failing` is set.
#[derive(Debug, Clone)]
struct SlowProvider {
    calls: Arc<AtomicU32>,
    failing: Arc<AtomicBool>,
}

impl SlowProvider {
    fn new() -> Self {
        SlowProvider {
            calls: Arc::new(AtomicU32::new(0)),
            failing: Arc::new(AtomicBool::new(false)),
        }
    }
    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl ProvideCredentials for SlowProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let failing = self.failing.load(Ordering::SeqCst);
        ProvideCredentialsFuture::new(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if failing {
                return Err(CredentialsError::provider_error(
                    "the credentials endpoint is down",
                    std::io::Error::other("connection refused"),
                ));
            }
            let expiry = UNIX_EPOCH + T0 + HOUR * n;
            Ok(
                Credentials::new(format!("ASIA{n}"), format!("secret-{n}"), None)
                    .with_expiry(Some(expiry)),
            )
        })
    }
}

fn cache_for(provider: &SlowProvider, clock: &ManualClock) -> CredentialsCache {
    CredentialsCache::new(provider.clone())
        .with_time_source(SharedTimeSource::new(clock.clone()))
        .with_jitter(0.0)
}

/// Runs `n` concurrent callers and returns their results.
async fn concurrent_callers(
    cache: &CredentialsCache,
    n: usize,
) -> Vec<Result<Credentials, CredentialsError>> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let cache = cache.clone();
        set.spawn(async move { cache.provide_credentials().await });
    }
    let mut out = Vec::with_capacity(n);
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

#[tokio::test(start_paused = true)]
async fn a_thousand_callers_of_an_expiring_cache_cause_exactly_one_refresh() {
    let provider = SlowProvider::new();
    let clock = ManualClock::new();
    let cache = cache_for(&provider, &clock);

    // Cold start: 1,000 callers, one fetch.
    let results = concurrent_callers(&cache, 1000).await;
    assert_eq!(provider.calls(), 1);
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().unwrap().access_key_id() == "ASIA1")
    );

    // 56 minutes later the credentials (expiring at 60) are in the 5-minute window.
    clock.set(Duration::from_secs(56 * 60));
    let results = concurrent_callers(&cache, 1000).await;
    assert_eq!(provider.calls(), 2, "exactly one refresh");
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().unwrap().access_key_id() == "ASIA2")
    );

    // Fresh again: served from memory.
    concurrent_callers(&cache, 1000).await;
    assert_eq!(provider.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn refreshes_before_the_window_do_not_happen() {
    let provider = SlowProvider::new();
    let clock = ManualClock::new();
    let cache = cache_for(&provider, &clock);
    cache.provide_credentials().await.unwrap();
    clock.set(Duration::from_secs(54 * 60 + 59));
    cache.provide_credentials().await.unwrap();
    assert_eq!(provider.calls(), 1);
    clock.set(Duration::from_secs(55 * 60));
    cache.provide_credentials().await.unwrap();
    assert_eq!(provider.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_serving_unexpired_credentials() {
    let provider = SlowProvider::new();
    let clock = ManualClock::new();
    let cache = cache_for(&provider, &clock).with_retry_after_failure(Duration::from_secs(30));
    cache.provide_credentials().await.unwrap();

    provider.failing.store(true, Ordering::SeqCst);
    clock.set(Duration::from_secs(57 * 60));
    let results = concurrent_callers(&cache, 100).await;
    assert_eq!(provider.calls(), 2, "one failed refresh for all callers");
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().unwrap().access_key_id() == "ASIA1")
    );

    // Within the back-off, no new attempt: the old credentials are served at once.
    clock.set(Duration::from_secs(57 * 60 + 29));
    assert_eq!(
        cache.provide_credentials().await.unwrap().access_key_id(),
        "ASIA1"
    );
    assert_eq!(provider.calls(), 2);

    // After it, another attempt; once the provider recovers, new credentials.
    clock.set(Duration::from_secs(57 * 60 + 31));
    cache.provide_credentials().await.unwrap();
    assert_eq!(provider.calls(), 3);
    provider.failing.store(false, Ordering::SeqCst);
    // (That attempt failed too, so the next one waits another 30 s.)
    clock.set(Duration::from_secs(58 * 60 + 2));
    assert_eq!(
        cache.provide_credentials().await.unwrap().access_key_id(),
        "ASIA4"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_of_expired_credentials_is_an_error_for_every_waiting_caller() {
    let provider = SlowProvider::new();
    let clock = ManualClock::new();
    let cache = cache_for(&provider, &clock);
    cache.provide_credentials().await.unwrap();

    provider.failing.store(true, Ordering::SeqCst);
    clock.set(HOUR + Duration::from_secs(1));
    let results = concurrent_callers(&cache, 1000).await;
    assert_eq!(provider.calls(), 2, "one attempt shared by all callers");
    for r in &results {
        let err = r.as_ref().unwrap_err();
        assert!(
            err.to_string().contains("the credentials endpoint is down"),
            "{err}"
        );
        // The cause chain survives sharing.
        let mut source = std::error::Error::source(err);
        let mut chain = Vec::new();
        while let Some(s) = source {
            chain.push(s.to_string());
            source = s.source();
        }
        assert!(chain.iter().any(|s| s == "connection refused"), "{chain:?}");
    }

    // The next call tries again (nothing valid to serve, so no back-off).
    assert!(cache.provide_credentials().await.is_err());
    assert_eq!(provider.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_cached_path_does_not_allocate() {
    let provider = SlowProvider::new();
    let clock = ManualClock::new();
    let cache = cache_for(&provider, &clock);
    cache.provide_credentials().await.unwrap();

    let mut cx = Context::from_waker(Waker::noop());
    let before = allocations();
    for _ in 0..100 {
        let fut = pin!(cache.provide_credentials());
        match fut.poll(&mut cx) {
            Poll::Ready(Ok(c)) => assert_eq!(c.access_key_id(), "ASIA1"),
            other => panic!("not ready from the cache: {:?}", other.is_ready()),
        }
    }
    assert_eq!(allocations() - before, 0);
}
