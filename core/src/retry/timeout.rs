//! [`TimeoutConfig`]: the operation and attempt time limits, and the error they produce.
use std::fmt;
use std::time::Duration;

/// Time limits above the transport's connect and read timeouts.
///
/// - The **operation timeout** bounds the whole call: every attempt and every backoff. When it
///   runs out the call fails with a [timeout](crate::error::ErrorKind::Timeout) error that is
///   not retried.
/// - The **attempt timeout** bounds one attempt (identity, signing, sending, reading the
///   response), backoff excluded. An attempt that runs out fails with a timeout error that
///   the retry strategy may retry.
///
/// Neither is set by default, as in the other AWS SDKs: a large upload may legitimately take
/// hours. A call still cannot hang on a dead peer: the transport's connect timeout (3.1 s)
/// bounds connecting, its read timeout (60 s) the wait for the response head, the
/// [`RESPONSE_BODY_IDLE_TIMEOUT`] (60 s without data) every response body, whether the
/// operation reads it whole or it streams to the caller (S3 `GetObject`), and the retry
/// strategy bounds the attempts.
///
/// Both run on the client's injectable sleep, so they follow `tokio::time::pause`.
///
/// ```
/// use std::time::Duration;
/// use ziggurat_core::retry::TimeoutConfig;
///
/// let t = TimeoutConfig::new()
///     .with_operation_timeout(Duration::from_secs(30))
///     .with_attempt_timeout(Duration::from_secs(5));
/// assert_eq!(t.attempt_timeout(), Some(Duration::from_secs(5)));
/// assert_eq!(TimeoutConfig::default().operation_timeout(), None);
/// assert_eq!(
///     TimeoutConfig::default().response_body_idle_timeout(),
///     Some(Duration::from_secs(60)),
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutConfig {
    operation: Option<Duration>,
    attempt: Option<Duration>,
    response_body_idle: Option<Duration>,
}

impl Default for TimeoutConfig {
    fn default() -> Self {
        TimeoutConfig {
            operation: None,
            attempt: None,
            response_body_idle: Some(RESPONSE_BODY_IDLE_TIMEOUT),
        }
    }
}

impl TimeoutConfig {
    /// No operation or attempt timeout; response bodies limited to
    /// [`RESPONSE_BODY_IDLE_TIMEOUT`] of silence.
    pub fn new() -> Self {
        TimeoutConfig::default()
    }
    /// Bounds the whole operation, all attempts and backoff included.
    pub fn with_operation_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.operation = limit.into();
        self
    }
    /// Bounds each attempt, backoff excluded.
    pub fn with_attempt_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.attempt = limit.into();
        self
    }
    /// Bounds how long a response body may go without data while its reader waits (default
    /// [`RESPONSE_BODY_IDLE_TIMEOUT`]). Raise it for a peer that legitimately pauses longer
    /// mid-stream. `None` removes the limit, which lets a peer that stops sending mid-body
    /// hang the call (or the reader of a streamed output) for ever.
    pub fn with_response_body_idle_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.response_body_idle = limit.into();
        self
    }
    /// The operation timeout.
    pub fn operation_timeout(&self) -> Option<Duration> {
        self.operation
    }
    /// The attempt timeout.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt
    }
    /// The response-body idle limit.
    pub fn response_body_idle_timeout(&self) -> Option<Duration> {
        self.response_body_idle
    }
}

/// The longest a response body may go without sending data while its reader waits, unless
/// [`TimeoutConfig::with_response_body_idle_timeout`] says otherwise.
///
/// A body the operation reads whole that stalls fails the attempt with a timeout error
/// ([`TimeoutScope::ResponseBody`]), which the retry strategy may retry. A body that streams
/// to the caller (S3 `GetObject`) ends with the same error, as the `BoxError` of its next
/// frame; the call has returned by then, so it is not retried. Only the peer's silence
/// counts: time the caller spends between reads does not.
pub const RESPONSE_BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What a [`TimeoutError`] bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutScope {
    /// The whole operation.
    Operation,
    /// One attempt.
    Attempt,
    /// The gap between two pieces of a response body read whole.
    ResponseBody,
}

/// The source of the [timeout](crate::error::ErrorKind::Timeout) error of an operation or an
/// attempt that ran out of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutError {
    scope: TimeoutScope,
    limit: Duration,
}

impl TimeoutError {
    /// A timeout of `scope` after `limit`.
    pub fn new(scope: TimeoutScope, limit: Duration) -> Self {
        TimeoutError { scope, limit }
    }
    /// What ran out of time.
    pub fn scope(&self) -> TimeoutScope {
        self.scope
    }
    /// The limit.
    pub fn limit(&self) -> Duration {
        self.limit
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scope {
            TimeoutScope::Operation => write!(
                f,
                "the operation took longer than its timeout of {:?}",
                self.limit
            ),
            TimeoutScope::Attempt => write!(
                f,
                "the attempt took longer than its timeout of {:?}",
                self.limit
            ),
            TimeoutScope::ResponseBody => {
                write!(f, "the response body sent no data for {:?}", self.limit)
            }
        }
    }
}

impl std::error::Error for TimeoutError {}
