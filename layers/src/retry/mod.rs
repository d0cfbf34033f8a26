//! Retries: the standard and adaptive strategies, their retry quota, the client-side rate
//! limiter, error classification, and the `amz-sdk-request` header.
//!
//! A retry strategy plugs into the orchestrator's retry loop at `"Retry"` in the Finalize step
//! (see [`ziggurat_core::retry`]), so every attempt resolves identity and is signed afresh.
//! What is here:
//!
//! - [`StandardRetry`]: standard mode with the AWS SDK for Go v2 constants (3 attempts,
//!   `rand[0,1) × min(1 s × 2^(attempt-1), 20 s)` backoff, a 500-token [`TokenBucket`] per
//!   client: 5 per retry, 10 after a timeout, +1 for a first-attempt success, a retry's cost
//!   back when it succeeds), the 2026 rules as an opt-in
//!   ([`RetryBehavior::New2026`](ziggurat_core::retry::RetryBehavior)), and adaptive mode
//!   ([`StandardRetry::adaptive`]) with a [`ClientRateLimiter`] (CUBIC) shared by the
//!   client's calls. [`NoRetry`](ziggurat_core::retry::NoRetry) is the Go SDK's `NopRetryer`.
//! - [`classify_error`]: the classification every mode shares (throttling and transient
//!   codes, HTTP 500/502/503/504, broken connections, timeouts, S3's "200 with an error
//!   body"); [`StandardRetry::with_classifier`] and
//!   [`with_retryable_codes`](StandardRetry::with_retryable_codes) extend it.
//! - [`SetRequestInfo`]: `amz-sdk-request: attempt=N; max=M` on every attempt.
//! - [`RetryLayer`]: the same strategies as a standalone `tower::Layer` on any
//!   `Service<http::Request<B>>`, classifying raw responses (status, `x-amzn-ErrorType`, the
//!   error code of a JSON or XML body) and transport errors; see [`layer`].
//!
//! # How this differs from tower's `Retry`
//!
//! tower's retry middleware clones the request and asks a `Policy` about raw results. An AWS
//! retry needs more: the error code, a quota shared by all calls of a client, a rate limiter
//! that may delay first attempts, identity and signing redone per attempt, and a clear error
//! when the body cannot be replayed. Inside a client the loop is part of the stack's
//! orchestrator (above the deserializer, so it sees typed errors, and S3's "200 with an error
//! body"), and a strategy is a small trait object the client builds once. Outside a stack,
//! [`RetryLayer`] runs the same strategy and reads the error code from the raw response.
//!
//! # Example
//!
//! A client that retries throttling, with a deterministic backoff for the test, against a
//! mock transport that throttles once:
//!
//! ```
//! use std::time::Duration;
//! use ziggurat_core::body::Body;
//! use ziggurat_core::context::Context;
//! use ziggurat_core::error::{ApiError, SdkError};
//! use ziggurat_core::hook::Output;
//! use ziggurat_core::stack::{ids, Middleware, OperationSpec, Position, ResponseBody, Stack};
//! use ziggurat_core::time::SharedSleep;
//! use ziggurat_core::transport::{Rule, TestTransport};
//! use ziggurat_layers::retry::{SetRequestInfo, StandardRetry, REQUEST_INFO};
//!
//! fn ser(_: &mut (dyn std::any::Any + Send), _: &mut Context) -> Result<http::Request<Body>, SdkError> {
//!     Ok(http::Request::post("https://svc.test/").body(Body::from("{}"))?)
//! }
//! fn de(parts: http::response::Parts, _: ResponseBody, _: &mut Context) -> Result<Output, SdkError> {
//!     match parts.status.as_u16() {
//!         200 => Ok(Box::new(())),
//!         s => Err(SdkError::service(ApiError::new("ThrottlingException", s))),
//!     }
//! }
//! static SPEC: OperationSpec = OperationSpec {
//!     service: "Svc", operation: "Op", serialize: ser, deserialize: de, streaming_output: false,
//!     schema: None,
//! };
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let retry = StandardRetry::new().with_jitter(|| 1.0);
//! let bucket = retry.token_bucket().clone();
//! let mut stack = Stack::new();
//! stack.serialize_mut().add(ids::OPERATION_SERIALIZER, Middleware::operation_serializer(), Position::After)?;
//! stack.finalize_mut()
//!     .add(ids::RETRY, Middleware::retry(retry, SharedSleep::default()), Position::After)?
//!     .add(REQUEST_INFO, Middleware::request_hook(SetRequestInfo), Position::After)?;
//! stack.deserialize_mut().add(ids::OPERATION_DESERIALIZER, Middleware::operation_deserializer(), Position::After)?;
//!
//! let transport = TestTransport::new()
//!     .rule(Rule::any().times(1).respond(400, &[], ""))
//!     .rule(Rule::any().respond(200, &[], ""));
//! let compiled = stack.compile(transport.clone().into_http_client().into_service())?;
//! let out = compiled.invoke(&SPEC, Box::new(()), Context::new("Svc", "Op")).await?;
//! assert_eq!(out.metadata.attempts(), 2);
//! assert_eq!(bucket.available(), 500); // 5 taken for the retry, 5 given back
//! let sent = transport.requests();
//! assert_eq!(sent[1].headers()["amz-sdk-request"], "attempt=2; max=3");
//! # Ok(()) }
//! ```
mod classify;
pub mod layer;
mod rate_limiter;
mod request_info;
mod standard;
mod token_bucket;

pub use classify::{
    THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES, TRANSIENT_STATUS_CODES, classify_error,
};
pub use layer::{
    DEFAULT_ERROR_BODY_LIMIT, ReplayBody, ResponseBody, ResponseFuture, Retry, RetryLayer,
};
pub use rate_limiter::{
    BETA, ClientRateLimiter, CubicCalculator, MAX_RATE_ADJUST_SCALE, MIN_FILL_RATE, RateUpdate,
    SCALE_CONSTANT, SMOOTHING, TIME_BUCKET,
};
pub use request_info::{REQUEST_INFO, REQUEST_INFO_HEADER, SetRequestInfo, request_info_value};
pub use standard::{
    DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_BACKOFF, LONG_POLLING_OPERATIONS, MAX_RETRY_AFTER_EXTRA,
    NO_RETRY_INCREMENT, RETRY_COST, RETRY_COST_2026, RETRY_TIMEOUT_COST, StandardRetry,
    THROTTLING_RETRY_COST_2026,
};
pub use token_bucket::TokenBucket;
