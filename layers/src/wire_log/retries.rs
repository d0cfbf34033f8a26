//! [`LogRetries`]: a retry strategy that logs its decisions to the wire log.
use std::time::Duration;

use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::OperationOutput;
use ziggurat_core::log_mode::TARGET;
use ziggurat_core::retry::{RetryDecision, RetryState, RetryStrategy};

/// Wraps a strategy and logs, under `ziggurat::wire`, each retry (attempt, delay, reason),
/// each error not retried and why, and attempts exhausted: the wire log's
/// [`LogMode::RETRIES`](ziggurat_core::log_mode::LogMode::RETRIES). It decides nothing itself.
///
/// ```
/// use ziggurat_core::retry::RetryStrategy;
/// use ziggurat_layers::retry::StandardRetry;
/// use ziggurat_layers::wire_log::LogRetries;
///
/// let strategy = LogRetries::new(StandardRetry::new());
/// assert_eq!(strategy.max_attempts(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct LogRetries<S> {
    inner: S,
}

impl<S> LogRetries<S> {
    /// Logs the decisions of `inner`.
    pub fn new(inner: S) -> Self {
        LogRetries { inner }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl<S: RetryStrategy> RetryStrategy for LogRetries<S> {
    fn max_attempts(&self) -> u32 {
        self.inner.max_attempts()
    }
    fn max_attempts_for(&self, ctx: &Context) -> u32 {
        self.inner.max_attempts_for(ctx)
    }
    fn attempt_timeout(&self) -> Option<Duration> {
        self.inner.attempt_timeout()
    }
    fn response_body_idle_timeout(&self) -> Option<Duration> {
        self.inner.response_body_idle_timeout()
    }
    fn before_attempt(&self, ctx: &Context, state: &mut RetryState) -> Duration {
        let wait = self.inner.before_attempt(ctx, state);
        if !wait.is_zero() {
            tracing::info!(
                target: TARGET,
                "{}.{}: client-side rate limit, attempt {} waits {} ms",
                ctx.service(),
                ctx.operation(),
                state.attempt() + 1,
                millis(wait)
            );
        }
        wait
    }
    fn after_attempt(
        &self,
        ctx: &Context,
        state: &mut RetryState,
        result: &Result<OperationOutput, SdkError>,
    ) -> RetryDecision {
        let decision = self.inner.after_attempt(ctx, state, result);
        let Err(e) = result else {
            return decision;
        };
        let (svc, op, n) = (ctx.service(), ctx.operation(), state.attempt());
        let max = state.max_attempts();
        match decision {
            RetryDecision::RetryAfter(_) if state.is_last_attempt() => tracing::info!(
                target: TARGET,
                "{svc}.{op}: attempts exhausted ({n} of {max}): {e}"
            ),
            RetryDecision::RetryAfter(_) if !state.can_replay() => tracing::info!(
                target: TARGET,
                "{svc}.{op}: not retrying attempt {n}, the request body cannot be rewound: {e}"
            ),
            RetryDecision::RetryAfter(delay) => tracing::info!(
                target: TARGET,
                "{svc}.{op}: retrying attempt {n} of {max} in {} ms: {e}",
                millis(delay)
            ),
            RetryDecision::QuotaExceeded(_) => tracing::info!(
                target: TARGET,
                "{svc}.{op}: not retrying attempt {n}, the retry quota is exhausted: {e}"
            ),
            RetryDecision::Stop => tracing::info!(
                target: TARGET,
                "{svc}.{op}: not retrying attempt {n}, the error is not retryable: {e}"
            ),
            _ => {}
        }
        decision
    }
    fn decide(&self, ctx: &Context, result: &Result<OperationOutput, SdkError>) -> RetryDecision {
        self.inner.decide(ctx, result)
    }
}
