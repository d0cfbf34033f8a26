//! Injectable time: a [`TimeSource`] for the wall clock and a [`Sleep`] for delays.
//!
//! Signing needs the wall clock and retries need to sleep. Both are behind traits so tests can
//! use a fixed clock and tokio's paused virtual time, and so the behaviour is deterministic.
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use ziggurat_core::time::{StaticTimeSource, TimeSource};
//!
//! let t = UNIX_EPOCH + Duration::from_secs(1_440_938_160);
//! assert_eq!(StaticTimeSource::new(t).now(), t);
//! ```
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A source of wall-clock time.
pub trait TimeSource: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl TimeSource for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that always reads the same time.
#[derive(Debug, Clone, Copy)]
pub struct StaticTimeSource(SystemTime);

impl StaticTimeSource {
    /// A clock stopped at `time`.
    pub fn new(time: SystemTime) -> Self {
        StaticTimeSource(time)
    }
}

impl TimeSource for StaticTimeSource {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// A shareable [`TimeSource`].
#[derive(Debug, Clone)]
pub struct SharedTimeSource(Arc<dyn TimeSource>);

impl SharedTimeSource {
    /// Wraps a time source.
    pub fn new(source: impl TimeSource) -> Self {
        SharedTimeSource(Arc::new(source))
    }
    /// The current time.
    pub fn now(&self) -> SystemTime {
        self.0.now()
    }
}

impl Default for SharedTimeSource {
    fn default() -> Self {
        SharedTimeSource::new(SystemClock)
    }
}

/// A boxed sleep future.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Something that can wait.
pub trait Sleep: Send + Sync + fmt::Debug + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// Sleeps with `tokio::time::sleep`, so `tokio::time::pause` makes it virtual.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A shareable [`Sleep`].
#[derive(Debug, Clone)]
pub struct SharedSleep(Arc<dyn Sleep>);

impl SharedSleep {
    /// Wraps a sleep implementation.
    pub fn new(sleep: impl Sleep) -> Self {
        SharedSleep(Arc::new(sleep))
    }
    /// A future that completes after `duration`.
    pub fn sleep(&self, duration: Duration) -> SleepFuture {
        self.0.sleep(duration)
    }
}

impl Default for SharedSleep {
    fn default() -> Self {
        SharedSleep::new(TokioSleep)
    }
}
