//! The seam between the orchestrator's retry loop and a retry strategy, and the retry and
//! timeout configuration every client reads.
//!
//! The loop itself lives in the orchestrator at the `"Retry"` position of the Finalize step.
//! For every attempt it asks the [`RetryStrategy`] whether to wait first
//! ([`before_attempt`](RetryStrategy::before_attempt), for client-side rate limiting), copies
//! the request (the last possible attempt takes it instead), runs every entry after `"Retry"`
//! (identity, signing) afresh, sends, deserializes, and then asks the strategy what to do
//! ([`after_attempt`](RetryStrategy::after_attempt)). The strategy answers with a
//! [`RetryDecision`]; per-operation bookkeeping (the attempt, whether the request can be sent
//! again, the retry tokens the operation holds) lives in a [`RetryState`] the loop keeps for
//! each call, so a strategy shared by every call of a client needs no per-call allocation.
//!
//! A request whose body cannot be rewound is never retried: when the strategy would retry it,
//! the loop returns an error that says so ([`RetryStop::BodyNotRewindable`]). When the strategy
//! refuses a retry because its quota is empty, the error says that
//! ([`RetryStop::QuotaExceeded`]). Either keeps the last attempt's error as its source.
//!
//! The ready-made strategies (standard, the 2026 standard behaviour, adaptive) are in
//! `ziggurat_layers::retry`; this module holds the trait, [`NoRetry`] (the Go SDK's
//! `NopRetryer`), error classification hooks ([`ClassifyRetry`]), [`RetryConfig`] and
//! [`TimeoutConfig`].
//!
//! ```
//! use std::time::Duration;
//! use ziggurat_core::context::Context;
//! use ziggurat_core::error::SdkError;
//! use ziggurat_core::hook::OperationOutput;
//! use ziggurat_core::retry::{NoRetry, RetryDecision, RetryState, RetryStrategy};
//!
//! /// Retries any error once, after 10 ms.
//! #[derive(Debug)]
//! struct OnceMore;
//!
//! impl RetryStrategy for OnceMore {
//!     fn max_attempts(&self) -> u32 {
//!         2
//!     }
//!     fn decide(&self, _: &Context, result: &Result<OperationOutput, SdkError>) -> RetryDecision {
//!         match result {
//!             Err(_) => RetryDecision::RetryAfter(Duration::from_millis(10)),
//!             Ok(_) => RetryDecision::Stop,
//!         }
//!     }
//! }
//!
//! let ctx = Context::new("S3", "GetObject");
//! let mut state = RetryState::new(2, true);
//! state.set_attempt(1);
//! let failed = Err(SdkError::timeout("slow"));
//! assert_eq!(
//!     OnceMore.after_attempt(&ctx, &mut state, &failed),
//!     RetryDecision::RetryAfter(Duration::from_millis(10))
//! );
//! assert_eq!(NoRetry.max_attempts(), 1);
//! ```
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::context::Context;
use crate::error::SdkError;
use crate::hook::OperationOutput;

mod classify;
mod config;
mod timeout;

pub use crate::error::RetryStop;
pub use classify::{ClassifyRetry, RetryAction, RetryKind, SharedRetryClassifier};
pub use config::{InvalidRetryConfig, RetryBehavior, RetryConfig, RetryMode};
pub use timeout::{RESPONSE_BODY_IDLE_TIMEOUT, TimeoutConfig, TimeoutError, TimeoutScope};

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Return this attempt's result.
    Stop,
    /// Wait, then make another attempt.
    RetryAfter(Duration),
    /// The error was retryable but the retry quota is empty: wait (zero, except for
    /// long-polling operations, which back off anyway), then fail with a
    /// [`RetryStop::QuotaExceeded`] error that keeps this attempt's error as its source.
    QuotaExceeded(Duration),
}

/// The retry loop's bookkeeping for one operation, passed to the strategy on every attempt.
///
/// It lives in the call's (already boxed) state, so it costs no allocation. Strategies that
/// keep a retry quota record here how many tokens the operation holds, to give them back when
/// it succeeds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryState {
    attempt: u32,
    max_attempts: u32,
    replayable: bool,
    tokens_held: u32,
}

impl RetryState {
    /// The state before the first attempt: `max_attempts` counts the first (0 means no limit),
    /// `replayable` says whether the request can be sent more than once.
    pub fn new(max_attempts: u32, replayable: bool) -> Self {
        RetryState {
            attempt: 0,
            max_attempts,
            replayable,
            tokens_held: 0,
        }
    }
    /// The attempt in progress or just made, counting from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// Sets the attempt (done by the loop; useful to drive a strategy in a test).
    pub fn set_attempt(&mut self, attempt: u32) {
        self.attempt = attempt;
    }
    /// The most attempts for this operation, counting the first; 0 means no limit.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// Whether no attempt may follow this one.
    pub fn is_last_attempt(&self) -> bool {
        self.max_attempts != 0 && self.attempt >= self.max_attempts
    }
    /// Whether the request can be sent again. When it cannot (a stream that cannot be
    /// rewound), a strategy should still answer [`RetryDecision::RetryAfter`] for a retryable
    /// error, so the loop can say why it did not retry, but must not take retry quota for it.
    pub fn can_replay(&self) -> bool {
        self.replayable
    }
    pub(crate) fn set_replayable(&mut self, replayable: bool) {
        self.replayable = replayable;
    }
    /// Retry tokens this operation holds (taken for its latest retry).
    pub fn tokens_held(&self) -> u32 {
        self.tokens_held
    }
    /// Sets the retry tokens this operation holds.
    pub fn set_tokens_held(&mut self, tokens: u32) {
        self.tokens_held = tokens;
    }
}

/// Decides whether and when an operation is attempted again.
///
/// A stateless strategy implements [`max_attempts`](RetryStrategy::max_attempts) and
/// [`decide`](RetryStrategy::decide). One with a retry quota or a rate limiter implements
/// [`after_attempt`](RetryStrategy::after_attempt), which also sees successes, and
/// [`before_attempt`](RetryStrategy::before_attempt). One strategy value serves every call of
/// a client at once; what belongs to one call goes in its [`RetryState`].
pub trait RetryStrategy: Send + Sync + fmt::Debug + 'static {
    /// The most attempts, counting the first; 0 means no limit (dangerous: only the quota, if
    /// any, and the operation timeout then end a failing call).
    fn max_attempts(&self) -> u32;

    /// The most attempts for this operation (a strategy may allow some services more).
    fn max_attempts_for(&self, ctx: &Context) -> u32 {
        let _ = ctx;
        self.max_attempts()
    }

    /// The longest one attempt may take, backoff excluded; `None` for no limit. An attempt
    /// that runs out fails with a [timeout](crate::error::ErrorKind::Timeout) error
    /// ([`TimeoutScope::Attempt`]), which the strategy may retry.
    fn attempt_timeout(&self) -> Option<Duration> {
        None
    }

    /// The longest a response body may go without data while its reader waits; `None` for
    /// no limit. A body that goes quiet for longer ends with a timeout error
    /// ([`TimeoutScope::ResponseBody`]): one read whole fails the attempt (which the strategy
    /// may retry), one streamed to the caller fails the caller's read. The default is
    /// [`RESPONSE_BODY_IDLE_TIMEOUT`].
    fn response_body_idle_timeout(&self) -> Option<Duration> {
        Some(RESPONSE_BODY_IDLE_TIMEOUT)
    }

    /// Called before every attempt, the first included: how long to wait before sending
    /// (client-side rate limiting). The default never waits.
    fn before_attempt(&self, ctx: &Context, state: &mut RetryState) -> Duration {
        let _ = (ctx, state);
        Duration::ZERO
    }

    /// Called after every attempt with its result (success included); `state.attempt()` is
    /// the attempt just made. The default stops on success and asks
    /// [`decide`](RetryStrategy::decide) about errors.
    fn after_attempt(
        &self,
        ctx: &Context,
        state: &mut RetryState,
        result: &Result<OperationOutput, SdkError>,
    ) -> RetryDecision {
        let _ = state;
        match result {
            Ok(_) => RetryDecision::Stop,
            Err(_) => self.decide(ctx, result),
        }
    }

    /// The simple form of [`after_attempt`](RetryStrategy::after_attempt), for strategies that
    /// keep no state; `ctx.attempt()` is the attempt just made. The default never retries.
    fn decide(&self, ctx: &Context, result: &Result<OperationOutput, SdkError>) -> RetryDecision {
        let _ = (ctx, result);
        RetryDecision::Stop
    }
}

impl<S: RetryStrategy + ?Sized> RetryStrategy for Arc<S> {
    fn max_attempts(&self) -> u32 {
        (**self).max_attempts()
    }
    fn max_attempts_for(&self, ctx: &Context) -> u32 {
        (**self).max_attempts_for(ctx)
    }
    fn attempt_timeout(&self) -> Option<Duration> {
        (**self).attempt_timeout()
    }
    fn response_body_idle_timeout(&self) -> Option<Duration> {
        (**self).response_body_idle_timeout()
    }
    fn before_attempt(&self, ctx: &Context, state: &mut RetryState) -> Duration {
        (**self).before_attempt(ctx, state)
    }
    fn after_attempt(
        &self,
        ctx: &Context,
        state: &mut RetryState,
        result: &Result<OperationOutput, SdkError>,
    ) -> RetryDecision {
        (**self).after_attempt(ctx, state, result)
    }
    fn decide(&self, ctx: &Context, result: &Result<OperationOutput, SdkError>) -> RetryDecision {
        (**self).decide(ctx, result)
    }
}

/// Never retries (the Go SDK's `NopRetryer`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetry;

impl RetryStrategy for NoRetry {
    fn max_attempts(&self) -> u32 {
        1
    }
}

/// A strategy with its timeouts set from outside (see
/// [`Middleware::retry_with_timeouts`](crate::stack::Middleware::retry_with_timeouts)).
#[derive(Debug)]
pub(crate) struct WithTimeouts<S> {
    pub(crate) inner: S,
    pub(crate) attempt: Option<Duration>,
    pub(crate) response_body_idle: Option<Duration>,
}

impl<S: RetryStrategy> RetryStrategy for WithTimeouts<S> {
    fn max_attempts(&self) -> u32 {
        self.inner.max_attempts()
    }
    fn max_attempts_for(&self, ctx: &Context) -> u32 {
        self.inner.max_attempts_for(ctx)
    }
    fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt
    }
    fn response_body_idle_timeout(&self) -> Option<Duration> {
        self.response_body_idle
    }
    fn before_attempt(&self, ctx: &Context, state: &mut RetryState) -> Duration {
        self.inner.before_attempt(ctx, state)
    }
    fn after_attempt(
        &self,
        ctx: &Context,
        state: &mut RetryState,
        result: &Result<OperationOutput, SdkError>,
    ) -> RetryDecision {
        self.inner.after_attempt(ctx, state, result)
    }
    fn decide(&self, ctx: &Context, result: &Result<OperationOutput, SdkError>) -> RetryDecision {
        self.inner.decide(ctx, result)
    }
}

/// Now, on the monotonic clock retry strategies measure rates and backoff with: tokio's, so
/// that it follows virtual time under `tokio::time::pause` (and the real clock outside a
/// runtime).
pub fn monotonic_now() -> Instant {
    tokio::time::Instant::now().into_std()
}
