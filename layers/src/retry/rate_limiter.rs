//! The adaptive mode's client-side rate limiter: a send-rate token bucket whose fill rate
//! follows CUBIC (the TCP congestion-control curve) on throttling responses.
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// CUBIC's multiplicative decrease: the rate drops to β × the rate at a throttle.
pub const BETA: f64 = 0.7;
/// CUBIC's scale constant C.
pub const SCALE_CONSTANT: f64 = 0.4;
/// Weight of the newest sample in the measured send rate.
pub const SMOOTHING: f64 = 0.8;
/// The lowest fill rate, in requests per second.
pub const MIN_FILL_RATE: f64 = 0.5;
/// The measured send rate is counted in buckets of this many seconds.
pub const TIME_BUCKET: f64 = 0.5;
/// The fill rate never exceeds this multiple of the measured send rate.
pub const MAX_RATE_ADJUST_SCALE: f64 = 2.0;

/// The CUBIC rate calculation: after a throttle the allowed rate drops to β × the rate it
/// had, then grows back along a cubic curve that flattens near the rate of the last throttle
/// and probes beyond it.
///
/// ```
/// use ziggurat_layers::retry::CubicCalculator;
///
/// let mut cubic = CubicCalculator::new(10.0, 5.0);
/// assert!((cubic.success(5.0) - 7.0).abs() < 1e-9); // β × 10 right at the throttle
/// assert!((cubic.success(7.0) - 10.0).abs() < 1e-3); // back near the old maximum
/// assert!((cubic.throttle(8.0, 9.0) - 5.6).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CubicCalculator {
    last_max_rate: f64,
    last_throttle_time: f64,
    k: f64,
}

impl CubicCalculator {
    /// A calculator whose last throttle happened at `last_throttle_time` (seconds) at a rate
    /// of `last_max_rate` (requests per second).
    pub fn new(last_max_rate: f64, last_throttle_time: f64) -> Self {
        CubicCalculator {
            last_max_rate,
            last_throttle_time,
            k: zero_point(last_max_rate),
        }
    }

    /// The allowed rate after a success at `now`.
    pub fn success(&self, now: f64) -> f64 {
        let dt = now - self.last_throttle_time;
        SCALE_CONSTANT * (dt - self.k).powi(3) + self.last_max_rate
    }

    /// The allowed rate after a throttle at `now`, when the client was sending at
    /// `current_rate`.
    pub fn throttle(&mut self, current_rate: f64, now: f64) -> f64 {
        self.last_max_rate = current_rate;
        self.k = zero_point(current_rate);
        self.last_throttle_time = now;
        current_rate * BETA
    }
}

fn zero_point(max_rate: f64) -> f64 {
    (max_rate * (1.0 - BETA) / SCALE_CONSTANT).cbrt()
}

/// What one response did to the limiter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateUpdate {
    /// The measured send rate, requests per second.
    pub measured_rate: f64,
    /// The new fill rate of the send bucket, requests per second.
    pub fill_rate: f64,
}

struct State {
    enabled: bool,
    // The send-rate bucket.
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last_refill: Option<f64>,
    // The measured send rate.
    measured_rate: f64,
    last_bucket: f64,
    count: f64,
    cubic: CubicCalculator,
}

type Clock = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The adaptive retry mode's client-side rate limiter, shared by every call of a client.
///
/// It does nothing until the first throttling response. From then on every attempt takes a
/// token from a bucket that fills at a rate CUBIC adjusts on each response (down to β × the
/// send rate on a throttle, back up along a cubic curve on successes, never above twice the
/// measured send rate nor below 0.5 per second); an attempt that finds the bucket empty
/// waits for it. The constants are botocore's and smithy-rs's (β 0.7, C 0.4, smoothing 0.8,
/// minimum fill rate 0.5, measuring buckets of 0.5 s).
///
/// Time is seconds on a clock: by default tokio's monotonic clock (so it follows
/// `tokio::time::pause`); the `*_at` methods take it explicitly, for tests.
///
/// ```
/// use std::time::Duration;
/// use ziggurat_layers::retry::ClientRateLimiter;
///
/// let limiter = ClientRateLimiter::new();
/// assert_eq!(limiter.acquire_at(0.0), Duration::ZERO); // off until the first throttle
/// let update = limiter.on_response_at(true, 0.1);
/// assert!(limiter.is_enabled());
/// assert_eq!(update.fill_rate, 0.5); // nothing measured yet: the minimum
/// ```
pub struct ClientRateLimiter {
    state: Mutex<State>,
    origin: Instant,
    clock: Option<Clock>,
}

impl fmt::Debug for ClientRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("ClientRateLimiter")
            .field("enabled", &st.enabled)
            .field("fill_rate", &st.fill_rate)
            .field("measured_rate", &st.measured_rate)
            .finish_non_exhaustive()
    }
}

impl Default for ClientRateLimiter {
    fn default() -> Self {
        ClientRateLimiter::new()
    }
}

impl ClientRateLimiter {
    /// A limiter on tokio's monotonic clock, starting now.
    pub fn new() -> Self {
        Self::starting_at(0.0, None)
    }

    /// A limiter on `clock` (seconds, monotonic).
    pub fn with_clock(clock: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        let now = clock();
        Self::starting_at(now, Some(Arc::new(clock)))
    }

    fn starting_at(now: f64, clock: Option<Clock>) -> Self {
        ClientRateLimiter {
            state: Mutex::new(State {
                enabled: false,
                fill_rate: 1.0,
                max_capacity: 1.0,
                capacity: 0.0,
                last_refill: None,
                measured_rate: 0.0,
                last_bucket: now.floor(),
                count: 0.0,
                cubic: CubicCalculator::new(0.0, now),
            }),
            origin: ziggurat_core::retry::monotonic_now(),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Seconds on the limiter's clock.
    pub fn now(&self) -> f64 {
        match &self.clock {
            Some(clock) => clock(),
            None => ziggurat_core::retry::monotonic_now()
                .saturating_duration_since(self.origin)
                .as_secs_f64(),
        }
    }

    /// Whether a throttling response has turned the limiter on.
    pub fn is_enabled(&self) -> bool {
        self.lock().enabled
    }

    /// The send bucket's fill rate, requests per second.
    pub fn fill_rate(&self) -> f64 {
        self.lock().fill_rate
    }

    /// Takes a send token now; returns how long to wait before sending.
    pub fn acquire(&self) -> Duration {
        self.acquire_at(self.now())
    }

    /// Takes a send token at `now`; returns how long to wait before sending. A caller that
    /// must wait takes its token ahead (the bucket goes into debt), so callers are served in
    /// the order they asked.
    pub fn acquire_at(&self, now: f64) -> Duration {
        let mut st = self.lock();
        if !st.enabled {
            return Duration::ZERO;
        }
        refill(&mut st, now);
        let wait = if st.capacity >= 1.0 {
            0.0
        } else {
            (1.0 - st.capacity) / st.fill_rate
        };
        st.capacity -= 1.0;
        Duration::try_from_secs_f64(wait).unwrap_or(Duration::MAX)
    }

    /// Records a response now: `throttled` when it was a throttling error.
    pub fn on_response(&self, throttled: bool) -> RateUpdate {
        self.on_response_at(throttled, self.now())
    }

    /// Records a response at `now`: `throttled` when it was a throttling error.
    pub fn on_response_at(&self, throttled: bool, now: f64) -> RateUpdate {
        let mut st = self.lock();
        let measured = record(&mut st, now);
        let new_rate = if throttled {
            let rate_to_use = if st.enabled {
                measured.min(st.fill_rate)
            } else {
                measured
            };
            st.enabled = true;
            st.cubic.throttle(rate_to_use, now)
        } else {
            st.cubic.success(now)
        };
        set_max_rate(&mut st, new_rate.min(MAX_RATE_ADJUST_SCALE * measured), now);
        RateUpdate {
            measured_rate: measured,
            fill_rate: st.fill_rate,
        }
    }
}

fn refill(st: &mut State, now: f64) {
    let Some(last) = st.last_refill else {
        st.last_refill = Some(now);
        return;
    };
    let filled = (now - last).max(0.0) * st.fill_rate;
    st.capacity = (st.capacity + filled).min(st.max_capacity);
    st.last_refill = Some(now);
}

fn set_max_rate(st: &mut State, rate: f64, now: f64) {
    // Tokens earned at the old rate are counted before the rate changes.
    refill(st, now);
    st.fill_rate = rate.max(MIN_FILL_RATE);
    st.max_capacity = rate.max(1.0);
    st.capacity = st.capacity.min(st.max_capacity);
}

fn record(st: &mut State, now: f64) -> f64 {
    let bucket = (now / TIME_BUCKET).floor() * TIME_BUCKET;
    st.count += 1.0;
    if bucket > st.last_bucket {
        let rate = st.count / (bucket - st.last_bucket);
        st.measured_rate = rate * SMOOTHING + st.measured_rate * (1.0 - SMOOTHING);
        st.count = 0.0;
        st.last_bucket = bucket;
    }
    st.measured_rate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_send_bucket_makes_callers_wait_in_turn() {
        let l = ClientRateLimiter::with_clock(|| 0.0);
        l.on_response_at(true, 0.0); // enabled, fill rate 0.5/s
        assert_eq!(l.acquire_at(0.0), Duration::from_secs(2)); // 1 token at 0.5/s
        assert_eq!(l.acquire_at(0.0), Duration::from_secs(4)); // queued behind the first
        assert_eq!(l.acquire_at(4.0), Duration::from_secs(2));
    }
}
