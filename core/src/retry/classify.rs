//! How an error is classified for retry: [`RetryKind`], and the user hook [`ClassifyRetry`].
use std::fmt;
use std::sync::Arc;

use crate::context::Context;
use crate::error::SdkError;

/// Why an error may be retried; the kind decides the backoff and what the retry costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryKind {
    /// A transient failure: HTTP 500/502/503/504, a transient error code, a connection that
    /// broke, S3's "200 with an error body".
    Transient,
    /// The service asked the client to slow down (`Throttling`, `SlowDown`, ...).
    Throttling,
    /// A time limit ran out (connect, read, or the attempt timeout).
    Timeout,
}

/// What a user classifier says about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryAction {
    /// No opinion: the built-in rules decide.
    NoOpinion,
    /// Retry it, as this kind of error.
    Retry(RetryKind),
    /// Never retry it, whatever the built-in rules say.
    DoNotRetry,
}

/// A user-supplied classifier, consulted before the built-in rules. Closures
/// `Fn(&Context, &SdkError) -> RetryAction` implement it.
///
/// ```
/// use ziggurat_core::error::SdkError;
/// use ziggurat_core::retry::{ClassifyRetry, RetryAction, RetryKind};
///
/// let classifier = |_: &ziggurat_core::context::Context, e: &SdkError| match e.code() {
///     Some("TableBusy") => RetryAction::Retry(RetryKind::Transient),
///     Some("Fatal") => RetryAction::DoNotRetry,
///     _ => RetryAction::NoOpinion,
/// };
/// let ctx = ziggurat_core::context::Context::new("DynamoDB", "PutItem");
/// let busy = SdkError::service(ziggurat_core::error::ApiError::new("TableBusy", 400));
/// assert_eq!(classifier.classify(&ctx, &busy), RetryAction::Retry(RetryKind::Transient));
/// ```
pub trait ClassifyRetry: Send + Sync + 'static {
    /// Classifies the error of one attempt.
    fn classify(&self, ctx: &Context, error: &SdkError) -> RetryAction;
}

impl<F> ClassifyRetry for F
where
    F: Fn(&Context, &SdkError) -> RetryAction + Send + Sync + 'static,
{
    fn classify(&self, ctx: &Context, error: &SdkError) -> RetryAction {
        self(ctx, error)
    }
}

/// A shareable [`ClassifyRetry`].
#[derive(Clone)]
pub struct SharedRetryClassifier(Arc<dyn ClassifyRetry>);

impl SharedRetryClassifier {
    /// Wraps a classifier.
    pub fn new(classifier: impl ClassifyRetry) -> Self {
        SharedRetryClassifier(Arc::new(classifier))
    }
}

impl ClassifyRetry for SharedRetryClassifier {
    fn classify(&self, ctx: &Context, error: &SdkError) -> RetryAction {
        self.0.classify(ctx, error)
    }
}

impl fmt::Debug for SharedRetryClassifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedRetryClassifier(..)")
    }
}
