//! The seam between the orchestrator's retry loop and a retry strategy.
//!
//! The loop itself lives in the orchestrator at the `"Retry"` position of the Finalize step: it
//! copies the request for each attempt, runs every entry after `"Retry"` (identity, signing)
//! afresh, sends, deserializes, and then asks the [`RetryStrategy`] what to do. A request whose
//! body cannot be rewound is never retried; the error says so.
//!
//! ```
//! use ziggurat_core::retry::{NoRetry, RetryStrategy};
//! assert_eq!(NoRetry.max_attempts(), 1);
//! ```
use std::fmt;
use std::time::Duration;

use crate::context::Context;
use crate::error::SdkError;
use crate::hook::OperationOutput;

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Return this attempt's result.
    Stop,
    /// Wait, then make another attempt.
    RetryAfter(Duration),
}

/// Decides whether and when an operation is attempted again.
pub trait RetryStrategy: Send + Sync + fmt::Debug + 'static {
    /// The most attempts, counting the first.
    fn max_attempts(&self) -> u32;

    /// Called after each attempt with its result; `ctx.attempt()` is the attempt just made.
    fn decide(&self, ctx: &Context, result: &Result<OperationOutput, SdkError>) -> RetryDecision;
}

/// Never retries (the Go SDK's `NopRetryer`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetry;

impl RetryStrategy for NoRetry {
    fn max_attempts(&self) -> u32 {
        1
    }
    fn decide(&self, _: &Context, _: &Result<OperationOutput, SdkError>) -> RetryDecision {
        RetryDecision::Stop
    }
}
