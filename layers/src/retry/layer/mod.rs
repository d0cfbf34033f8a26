//! [`RetryLayer`]: the AWS SDKs' retry behaviour as a standalone `tower::Layer`, for any
//! `Service<http::Request<B>>`.
//!
//! Inside a client the retry loop belongs to the stack's orchestrator (`"Retry"` in the
//! Finalize step). This layer brings the same strategies to services built without a stack:
//! a hyper client signed by [`SigV4Layer`](crate::sign::SigV4Layer), a tower-http stack, a
//! test double. It retries what an AWS SDK retries, waits as long, and stops as early.
//!
//! # How it differs from tower's `retry::RetryLayer`
//!
//! tower's layer runs a `Policy` you write: it decides from the raw `Result`, clones the
//! request through the policy, and brings no backoff, classification or retry quota of its
//! own. `RetryLayer` is built from a [`RetryConfig`] and runs the
//! [`StandardRetry`] strategy of the clients:
//!
//! - **Classification**: HTTP 500, 502, 503 and 504 are transient and 429 is throttling;
//!   so are the error codes of [`classify_error`](super::classify_error), read from the
//!   `x-amzn-ErrorType` header or from a JSON (`__type`, `code`) or XML (`<Code>`) error
//!   body; refused, reset and closed connections (ziggurat's [`SdkError`] transport errors,
//!   hyper's, or an [`io::Error`](std::io::Error) anywhere in the source chain) are retried
//!   as transient, timeouts as timeouts. The config's codes and classifier apply.
//! - **An error body is read, not lost**: to find the code, the body of an error response
//!   (up to [64 KiB](RetryLayer::with_error_body_limit)) is read before deciding; the caller
//!   gets the final response with that body intact ([`ResponseBody`]).
//! - **A retry quota and a rate limiter shared by every clone**: the standard 500-token
//!   [`TokenBucket`](super::TokenBucket) (5 per retry, 10 after a timeout) ends a retry
//!   storm, and adaptive mode's [`ClientRateLimiter`](super::ClientRateLimiter) slows every
//!   request after a throttle. Clones of the service, and services the same layer builds,
//!   share them (and [`from_strategy`](RetryLayer::from_strategy) shares a client's).
//! - **Backoff** with full jitter (`rand[0,1) × min(1 s × 2^(attempt-1), 20 s)`), slept
//!   through an injectable [`SharedSleep`], so tests run in virtual time.
//! - **A body that cannot be replayed is sent once**, never retried with a missing body: the
//!   request body type says whether it can be copied ([`ReplayBody`]:
//!   [`Body`](ziggurat_core::body::Body), and the in-memory body types). A retryable failure
//!   is then returned as it is, with the reason:
//!   [`RetryStop::BodyNotRewindable`](ziggurat_core::error::RetryStop::BodyNotRewindable) in
//!   the response's [`Metadata`](ziggurat_core::metadata::Metadata) (or the error's
//!   [`retry_stop`](SdkError::retry_stop)); an empty quota says
//!   [`RetryStop::QuotaExceeded`](ziggurat_core::error::RetryStop::QuotaExceeded) the same
//!   way.
//! - **`amz-sdk-request: attempt=N; max=M`** on every attempt, as the stack's
//!   [`SetRequestInfo`](super::SetRequestInfo) sets it
//!   ([`without_request_info`](RetryLayer::without_request_info) turns it off).
//!
//! The response body becomes a [`ResponseBody`] and the error a [`BoxError`] (the inner
//! service's error as it was, or an [`SdkError`] that says why retrying stopped early);
//! the response's [`Metadata`](ziggurat_core::metadata::Metadata) extension holds the
//! attempts made.
//!
//! Put it **above** signing, so that every attempt is signed afresh, and below anything that
//! should happen once per call. S3's "200 with an error body" is not detected (it would mean
//! reading every successful body); the stack, which deserializes, does detect it.
//!
//! # Example
//!
//! A service that is unavailable twice, then answers:
//!
//! ```
//! use std::convert::Infallible;
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU32, Ordering};
//!
//! use http_body_util::BodyExt;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//! use ziggurat_core::metadata::Metadata;
//! use ziggurat_core::retry::RetryConfig;
//! use ziggurat_layers::retry::RetryLayer;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), ziggurat_core::error::BoxError> {
//! let calls = Arc::new(AtomicU32::new(0));
//! let counted = calls.clone();
//! let service = ServiceBuilder::new()
//!     .layer(RetryLayer::new(&RetryConfig::standard()))
//!     .service(service_fn(move |req: http::Request<String>| {
//!         let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
//!         assert_eq!(req.headers()["amz-sdk-request"], format!("attempt={n}; max=3"));
//!         async move {
//!             let mut res = http::Response::new(format!("answer {n}"));
//!             if n < 3 {
//!                 *res.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
//!             }
//!             Ok::<_, Infallible>(res)
//!         }
//!     }));
//!
//! let started = tokio::time::Instant::now();
//! let res = service.oneshot(http::Request::new("{}".to_owned())).await?;
//! assert_eq!(res.status(), 200);
//! assert_eq!(res.extensions().get::<Metadata>().map(Metadata::attempts), Some(3));
//! assert!(started.elapsed() <= std::time::Duration::from_secs(3)); // at most 1 s + 2 s of backoff
//! assert_eq!(res.into_body().collect().await?.to_bytes(), "answer 3");
//! # Ok(()) }
//! ```
mod body;
mod future;
mod outcome;
mod replay;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use ziggurat_core::context::Context;
use ziggurat_core::error::{BoxError, SdkError};
use ziggurat_core::retry::{ClassifyRetry, RetryAction, RetryConfig, RetryKind, RetryStrategy};
use ziggurat_core::time::SharedSleep;

pub use body::ResponseBody;
pub use future::ResponseFuture;
pub use replay::ReplayBody;

use super::StandardRetry;

/// The most of an error body read by default to find its error code: 64 KiB.
pub const DEFAULT_ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What every service a [`RetryLayer`] builds shares (behind one `Arc`).
#[derive(Clone)]
pub(crate) struct Shared {
    strategy: Arc<dyn RetryStrategy>,
    sleep: SharedSleep,
    service: &'static str,
    operation: &'static str,
    error_body_limit: usize,
    request_info: bool,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("strategy", &self.strategy)
            .field("service", &self.service)
            .field("operation", &self.operation)
            .field("error_body_limit", &self.error_body_limit)
            .field("request_info", &self.request_info)
            .finish_non_exhaustive()
    }
}

/// Retries requests to any HTTP service the way AWS SDKs do: see the
/// [module documentation](self).
///
/// ```
/// use std::time::Duration;
/// use ziggurat_core::retry::RetryConfig;
/// use ziggurat_core::time::SharedSleep;
/// use ziggurat_layers::retry::RetryLayer;
///
/// let layer = RetryLayer::new(&RetryConfig::adaptive().with_max_attempts(5))
///     .with_sleep(SharedSleep::default())
///     .with_operation("DynamoDB", "GetItem");
/// assert_eq!(layer.strategy().max_attempts(), 5);
/// ```
#[derive(Clone)]
pub struct RetryLayer {
    shared: Arc<Shared>,
}

impl fmt::Debug for RetryLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl RetryLayer {
    /// The strategy `config` describes ([`StandardRetry::from_config`]: standard or adaptive,
    /// 3 attempts by default, the AWS SDK for Go v2 constants), with a fresh retry quota (and
    /// rate limiter, in adaptive mode) for every service this layer builds to share. HTTP 429
    /// counts as throttling whatever its error code, unless the config's classifier says
    /// otherwise: outside AWS a 429 often has no code at all.
    pub fn new(config: &RetryConfig) -> Self {
        let user = config.classifier().cloned();
        let strategy = StandardRetry::from_config(config).with_classifier(
            move |ctx: &Context, e: &SdkError| {
                if let Some(user) = &user {
                    match user.classify(ctx, e) {
                        RetryAction::NoOpinion => {}
                        said => return said,
                    }
                }
                match e.as_service_error() {
                    Some(api) if api.status() == 429 => RetryAction::Retry(RetryKind::Throttling),
                    _ => RetryAction::NoOpinion,
                }
            },
        );
        RetryLayer::from_strategy(strategy)
    }

    /// Standard mode with the default settings.
    pub fn standard() -> Self {
        RetryLayer::new(&RetryConfig::standard())
    }

    /// Runs `strategy`: a [`StandardRetry`] configured by hand, or a client's (its clones
    /// share the client's token bucket and rate limiter), or a strategy of your own. Its
    /// classification is used as it is (no 429 rule is added).
    pub fn from_strategy(strategy: impl RetryStrategy) -> Self {
        RetryLayer::from_shared_strategy(Arc::new(strategy))
    }

    /// Runs a strategy already shared behind an `Arc`.
    pub fn from_shared_strategy(strategy: Arc<dyn RetryStrategy>) -> Self {
        RetryLayer {
            shared: Arc::new(Shared {
                strategy,
                sleep: SharedSleep::default(),
                service: "",
                operation: "",
                error_body_limit: DEFAULT_ERROR_BODY_LIMIT,
                request_info: true,
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Shared)) -> Self {
        f(Arc::make_mut(&mut self.shared));
        self
    }

    /// Sleeps through `sleep` (backoff and rate-limit waits); the default is tokio's, which
    /// `tokio::time::pause` makes virtual.
    pub fn with_sleep(self, sleep: SharedSleep) -> Self {
        self.edit(|s| s.sleep = sleep)
    }

    /// The service id and operation the strategy sees (empty by default): under the 2026
    /// behaviour DynamoDB gets 4 attempts and long-polling operations back off even with an
    /// empty quota. Errors that say why retrying stopped name them too.
    pub fn with_operation(self, service: &'static str, operation: &'static str) -> Self {
        self.edit(|s| {
            s.service = service;
            s.operation = operation;
        })
    }

    /// Reads at most `limit` bytes of an error body to find its error code (default
    /// [`DEFAULT_ERROR_BODY_LIMIT`]); a longer body, or any body with a limit of 0, is
    /// classified by its status and `x-amzn-ErrorType` header only, and passed on unread.
    pub fn with_error_body_limit(self, limit: usize) -> Self {
        self.edit(|s| s.error_body_limit = limit)
    }

    /// Leaves out the `amz-sdk-request` header (for services that are not AWS's).
    pub fn without_request_info(self) -> Self {
        self.edit(|s| s.request_info = false)
    }

    /// The retry strategy.
    pub fn strategy(&self) -> &Arc<dyn RetryStrategy> {
        &self.shared.strategy
    }
}

impl Default for RetryLayer {
    fn default() -> Self {
        RetryLayer::standard()
    }
}

impl<S> tower_layer::Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service made by [`RetryLayer`]: sends a request until it succeeds, fails in a way
/// that is not retried, or runs out of attempts or retry quota.
///
/// `poll_ready` readies the inner service for the first attempt; the call takes that service
/// and leaves a clone behind, and every later attempt readies its service again before
/// calling it.
#[derive(Clone, Debug)]
pub struct Retry<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Retry<S> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, B, RB> tower_service::Service<http::Request<B>> for Retry<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<RB>> + Clone,
    S::Error: Into<BoxError>,
    B: ReplayBody,
    RB: http_body::Body,
    RB::Error: Into<BoxError>,
{
    type Response = http::Response<ResponseBody<RB>>;
    type Error = BoxError;
    type Future = ResponseFuture<S, B, RB>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        // The ready service goes with the call; the clone left behind is readied by the next
        // `poll_ready`.
        let clone = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::new(ready, self.shared.clone(), req)
    }
}
