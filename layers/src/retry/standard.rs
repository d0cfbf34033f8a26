//! [`StandardRetry`]: the standard and adaptive retry modes.
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::OperationOutput;
use ziggurat_core::retry::{
    ClassifyRetry, RetryAction, RetryBehavior, RetryConfig, RetryDecision, RetryKind, RetryMode,
    RetryState, RetryStrategy, SharedRetryClassifier,
};

use super::classify::classify_error;
use super::rate_limiter::ClientRateLimiter;
use super::token_bucket::TokenBucket;

/// The most attempts by default, counting the first.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The longest backoff by default.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(20);
/// Tokens a retry costs (classic behaviour).
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout costs (classic behaviour).
pub const RETRY_TIMEOUT_COST: u32 = 10;
/// Tokens a retry costs under the 2026 behaviour (throttling excepted).
pub const RETRY_COST_2026: u32 = 14;
/// Tokens a retry after a throttling error costs under the 2026 behaviour.
pub const THROTTLING_RETRY_COST_2026: u32 = 5;
/// Tokens an operation that succeeds at its first attempt gives back.
pub const NO_RETRY_INCREMENT: u32 = 1;
/// The most the `x-amz-retry-after` hint may add to the computed backoff (2026 behaviour).
pub const MAX_RETRY_AFTER_EXTRA: Duration = Duration::from_secs(5);

/// Operations that wait on purpose and back off even when the retry quota is empty (2026
/// behaviour): `(service id, operation)`, compared without regard to case.
pub const LONG_POLLING_OPERATIONS: &[(&str, &str)] = &[
    ("SQS", "ReceiveMessage"),
    ("SFN", "GetActivityTask"),
    ("SWF", "PollForActivityTask"),
    ("SWF", "PollForDecisionTask"),
    ("Kinesis", "ReceiveDeadLetterQueueRecords"),
    ("Kinesis", "ReceiveQueueRecords"),
];

type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The standard retry strategy, and with a rate limiter the adaptive one.
///
/// | | classic ([`new`](StandardRetry::new)) | 2026 ([`RetryBehavior::New2026`]) |
/// |---|---|---|
/// | attempts | 3 | 3 (DynamoDB 4) |
/// | backoff | `rand[0,1) × min(1 s × 2^(attempt-1), 20 s)` | same, base 50 ms (DynamoDB 25 ms), 1 s for throttling |
/// | `x-amz-retry-after` | `min(hint, max backoff)` | clamped to \[backoff, backoff + 5 s\] |
/// | retry cost | 5, 10 after a timeout | 14, 5 for throttling |
/// | success | +1 at the first attempt, else the last retry's cost back | same |
/// | empty quota | fail fast | same; long-polling operations back off first |
///
/// The token bucket (500 tokens) is shared by every call of the strategy (one client), and
/// by its clones. Errors are classified by a [user classifier](StandardRetry::with_classifier)
/// first, then [extra codes](StandardRetry::with_retryable_codes), then the
/// [built-in rules](super::classify_error).
///
/// [Adaptive](StandardRetry::adaptive) adds a [`ClientRateLimiter`]: after the first throttle
/// every attempt, the first included, may wait for a send token.
///
/// Randomness and time are injectable ([`with_jitter`](StandardRetry::with_jitter),
/// [`with_rate_limiter`](StandardRetry::with_rate_limiter)), so tests are deterministic.
///
/// ```
/// use std::time::Duration;
/// use ziggurat_core::context::Context;
/// use ziggurat_core::error::{ApiError, SdkError};
/// use ziggurat_core::retry::{RetryDecision, RetryState, RetryStrategy};
/// use ziggurat_layers::retry::StandardRetry;
///
/// let retry = StandardRetry::new().with_jitter(|| 1.0);
/// let ctx = Context::new("S3", "GetObject");
/// let mut state = RetryState::new(retry.max_attempts(), true);
/// state.set_attempt(1);
/// let failed = Err(SdkError::service(ApiError::new("InternalError", 500)));
/// assert_eq!(
///     retry.after_attempt(&ctx, &mut state, &failed),
///     RetryDecision::RetryAfter(Duration::from_secs(1))
/// );
/// assert_eq!(retry.token_bucket().available(), 495);
/// ```
#[derive(Clone)]
pub struct StandardRetry {
    behavior: RetryBehavior,
    max_attempts: Option<u32>,
    max_backoff: Duration,
    bucket: Arc<TokenBucket>,
    limiter: Option<Arc<ClientRateLimiter>>,
    retryable_codes: Arc<[String]>,
    throttling_codes: Arc<[String]>,
    classifier: Option<SharedRetryClassifier>,
    jitter: Option<Jitter>,
    long_polling: Arc<[(String, String)]>,
}

impl Default for StandardRetry {
    fn default() -> Self {
        StandardRetry::new()
    }
}

impl fmt::Debug for StandardRetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandardRetry")
            .field("behavior", &self.behavior)
            .field("max_attempts", &self.max_attempts())
            .field("max_backoff", &self.max_backoff)
            .field("tokens", &self.bucket.available())
            .field("adaptive", &self.limiter.is_some())
            .finish_non_exhaustive()
    }
}

impl StandardRetry {
    /// Standard mode with the AWS SDK for Go v2 constants and a full 500-token bucket.
    pub fn new() -> Self {
        StandardRetry {
            behavior: RetryBehavior::Classic,
            max_attempts: None,
            max_backoff: DEFAULT_MAX_BACKOFF,
            bucket: Arc::new(TokenBucket::default()),
            limiter: None,
            retryable_codes: Arc::from(Vec::new()),
            throttling_codes: Arc::from(Vec::new()),
            classifier: None,
            jitter: None,
            long_polling: Arc::from(Vec::new()),
        }
    }

    /// Adaptive mode: standard plus a client-side rate limiter.
    pub fn adaptive() -> Self {
        StandardRetry::new().with_rate_limiter(Arc::new(ClientRateLimiter::new()))
    }

    /// The strategy a [`RetryConfig`] describes.
    pub fn from_config(config: &RetryConfig) -> Self {
        let mut s = match config.mode() {
            RetryMode::Adaptive => StandardRetry::adaptive(),
            _ => StandardRetry::new(),
        }
        .with_behavior(config.behavior())
        .with_retryable_codes(config.retryable_codes().iter().cloned())
        .with_throttling_codes(config.throttling_codes().iter().cloned());
        s.max_attempts = config.max_attempts();
        if let Some(max) = config.max_backoff() {
            s.max_backoff = max;
        }
        s.classifier = config.classifier().cloned();
        s
    }

    /// Selects the behaviour generation (classic, or the 2026 rules).
    pub fn with_behavior(mut self, behavior: RetryBehavior) -> Self {
        self.behavior = behavior;
        self
    }

    /// Sets the most attempts, counting the first. 0 means no limit: **dangerous**, since only
    /// the retry quota and an operation timeout then end a call against a failing service.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Caps the backoff (before jitter).
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// Retries these error codes too, as transient errors.
    pub fn with_retryable_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.retryable_codes = extend(&self.retryable_codes, codes);
        self
    }

    /// Retries these error codes too, as throttling errors.
    pub fn with_throttling_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.throttling_codes = extend(&self.throttling_codes, codes);
        self
    }

    /// Consults `classifier` before the built-in rules (a closure
    /// `Fn(&Context, &SdkError) -> RetryAction` will do).
    pub fn with_classifier(mut self, classifier: impl ClassifyRetry) -> Self {
        self.classifier = Some(SharedRetryClassifier::new(classifier));
        self
    }

    /// Draws the jitter factor from `jitter` instead of a uniform random number in \[0, 1):
    /// `|| 1.0` gives the full, deterministic backoff.
    pub fn with_jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Some(Arc::new(jitter));
        self
    }

    /// Uses `bucket` as the retry quota (share one bucket between clients, or start with
    /// another capacity).
    pub fn with_token_bucket(mut self, bucket: Arc<TokenBucket>) -> Self {
        self.bucket = bucket;
        self
    }

    /// Limits the send rate with `limiter` (adaptive mode).
    pub fn with_rate_limiter(mut self, limiter: Arc<ClientRateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Marks an operation as long-polling (2026 behaviour: it backs off even when the quota is
    /// empty). The operations of [`LONG_POLLING_OPERATIONS`] are always marked.
    pub fn with_long_polling(
        mut self,
        service: impl Into<String>,
        operation: impl Into<String>,
    ) -> Self {
        let mut all: Vec<(String, String)> = self.long_polling.to_vec();
        all.push((service.into(), operation.into()));
        self.long_polling = Arc::from(all);
        self
    }

    /// The retry quota.
    pub fn token_bucket(&self) -> &Arc<TokenBucket> {
        &self.bucket
    }

    /// The rate limiter, in adaptive mode.
    pub fn rate_limiter(&self) -> Option<&Arc<ClientRateLimiter>> {
        self.limiter.as_ref()
    }

    /// The behaviour generation.
    pub fn behavior(&self) -> RetryBehavior {
        self.behavior
    }

    /// How an error is classified: user classifier, extra codes, built-in rules.
    pub fn classify(&self, ctx: &Context, error: &SdkError) -> Option<RetryKind> {
        if let Some(c) = &self.classifier {
            match c.classify(ctx, error) {
                RetryAction::Retry(kind) => return Some(kind),
                RetryAction::DoNotRetry => return None,
                _ => {}
            }
        }
        if let Some(code) = error.code() {
            if self.throttling_codes.iter().any(|c| c == code) {
                return Some(RetryKind::Throttling);
            }
            if self.retryable_codes.iter().any(|c| c == code) {
                return Some(RetryKind::Transient);
            }
        }
        classify_error(error)
    }

    /// The backoff before retry number `attempt` (the attempt that just failed, from 1) of an
    /// error of `kind`, with the server's `retry_after` hint.
    pub fn backoff(
        &self,
        ctx: &Context,
        kind: RetryKind,
        attempt: u32,
        retry_after: Option<Duration>,
    ) -> Duration {
        let base = match (self.behavior, kind) {
            (RetryBehavior::New2026, RetryKind::Throttling) => Duration::from_secs(1),
            (RetryBehavior::New2026, _) if is_dynamodb(ctx) => Duration::from_millis(25),
            (RetryBehavior::New2026, _) => Duration::from_millis(50),
            _ => Duration::from_secs(1),
        };
        let exponent = attempt.saturating_sub(1);
        let grown = 1u32
            .checked_shl(exponent)
            .and_then(|factor| base.checked_mul(factor))
            .unwrap_or(self.max_backoff);
        let capped = grown.min(self.max_backoff);
        let jitter = match &self.jitter {
            Some(j) => j(),
            None => fastrand::f64(),
        };
        let t = capped.mul_f64(if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        });
        match (self.behavior, retry_after) {
            (_, None) => t,
            (RetryBehavior::New2026, Some(hint)) => {
                hint.clamp(t, t.saturating_add(MAX_RETRY_AFTER_EXTRA))
            }
            (_, Some(hint)) => hint.min(self.max_backoff),
        }
    }

    fn cost(&self, kind: RetryKind) -> u32 {
        match (self.behavior, kind) {
            (RetryBehavior::New2026, RetryKind::Throttling) => THROTTLING_RETRY_COST_2026,
            (RetryBehavior::New2026, _) => RETRY_COST_2026,
            (_, RetryKind::Timeout) => RETRY_TIMEOUT_COST,
            _ => RETRY_COST,
        }
    }

    fn is_long_polling(&self, ctx: &Context) -> bool {
        let is = |s: &str, o: &str| {
            s.eq_ignore_ascii_case(ctx.service()) && o.eq_ignore_ascii_case(ctx.operation())
        };
        LONG_POLLING_OPERATIONS.iter().any(|(s, o)| is(s, o))
            || self.long_polling.iter().any(|(s, o)| is(s, o))
    }
}

fn extend<I, S>(existing: &[String], more: I) -> Arc<[String]>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    existing
        .iter()
        .cloned()
        .chain(more.into_iter().map(Into::into))
        .collect()
}

fn is_dynamodb(ctx: &Context) -> bool {
    ctx.service().eq_ignore_ascii_case("DynamoDB")
        || ctx.service().eq_ignore_ascii_case("DynamoDB Streams")
}

impl RetryStrategy for StandardRetry {
    fn max_attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS)
    }

    fn max_attempts_for(&self, ctx: &Context) -> u32 {
        match self.max_attempts {
            None if self.behavior == RetryBehavior::New2026 && is_dynamodb(ctx) => 4,
            _ => self.max_attempts(),
        }
    }

    fn before_attempt(&self, _: &Context, _: &mut RetryState) -> Duration {
        match &self.limiter {
            Some(limiter) => limiter.acquire(),
            None => Duration::ZERO,
        }
    }

    fn after_attempt(
        &self,
        ctx: &Context,
        state: &mut RetryState,
        result: &Result<OperationOutput, SdkError>,
    ) -> RetryDecision {
        let error = match result {
            Ok(_) => {
                if let Some(limiter) = &self.limiter {
                    limiter.on_response(false);
                }
                match state.tokens_held() {
                    0 if state.attempt() <= 1 => self.bucket.release(NO_RETRY_INCREMENT),
                    0 => {}
                    held => {
                        self.bucket.release(held);
                        state.set_tokens_held(0);
                    }
                }
                return RetryDecision::Stop;
            }
            Err(e) => e,
        };
        let kind = self.classify(ctx, error);
        if let Some(limiter) = &self.limiter {
            limiter.on_response(kind == Some(RetryKind::Throttling));
        }
        let Some(kind) = kind else {
            return RetryDecision::Stop;
        };
        if !state.can_replay() {
            // Retryable, but the body cannot be sent again: the loop says so. No tokens.
            return RetryDecision::RetryAfter(Duration::ZERO);
        }
        if state.is_last_attempt() {
            return RetryDecision::Stop;
        }
        let delay = self.backoff(ctx, kind, state.attempt(), error.retry_after());
        if !self.bucket.try_acquire(self.cost(kind)) {
            let wait = match self.behavior {
                RetryBehavior::New2026 if self.is_long_polling(ctx) => delay,
                _ => Duration::ZERO,
            };
            return RetryDecision::QuotaExceeded(wait);
        }
        // Only the latest retry's cost comes back on success, as in the other SDKs.
        state.set_tokens_held(self.cost(kind));
        RetryDecision::RetryAfter(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziggurat_core::error::ApiError;

    #[test]
    fn from_config_takes_every_setting() {
        let config = RetryConfig::adaptive()
            .with_behavior(RetryBehavior::New2026)
            .with_max_attempts(7)
            .with_max_backoff(Duration::from_millis(300))
            .with_retryable_codes(["Busy"])
            .with_throttling_codes(["Calm"])
            .with_classifier(|_: &Context, e: &SdkError| match e.code() {
                Some("Never") => RetryAction::DoNotRetry,
                _ => RetryAction::NoOpinion,
            });
        let s = StandardRetry::from_config(&config).with_jitter(|| 1.0);
        let ctx = Context::new("DynamoDB", "GetItem");
        assert!(s.rate_limiter().is_some());
        assert_eq!(s.behavior(), RetryBehavior::New2026);
        assert_eq!(
            s.max_attempts_for(&ctx),
            7,
            "explicit attempts win over DynamoDB's 4"
        );
        let e = |code: &str, status| SdkError::service(ApiError::new(code, status));
        assert_eq!(
            s.classify(&ctx, &e("Busy", 400)),
            Some(RetryKind::Transient)
        );
        assert_eq!(
            s.classify(&ctx, &e("Calm", 400)),
            Some(RetryKind::Throttling)
        );
        assert_eq!(s.classify(&ctx, &e("Never", 503)), None);
        assert_eq!(
            s.backoff(&ctx, RetryKind::Throttling, 5, None),
            Duration::from_millis(300)
        );
        let plain = StandardRetry::from_config(&RetryConfig::standard());
        assert!(plain.rate_limiter().is_none());
        assert_eq!(plain.max_attempts_for(&ctx), 3);
    }

    #[test]
    fn backoff_never_overflows() {
        let s = StandardRetry::new().with_jitter(|| 1.0);
        let ctx = Context::new("S3", "GetObject");
        for attempt in [31, 32, 33, 64, u32::MAX] {
            assert_eq!(
                s.backoff(&ctx, RetryKind::Transient, attempt, None),
                DEFAULT_MAX_BACKOFF
            );
        }
        let weird = StandardRetry::new().with_jitter(|| f64::NAN);
        assert_eq!(
            weird.backoff(&ctx, RetryKind::Transient, 2, None),
            Duration::ZERO
        );
    }
}
