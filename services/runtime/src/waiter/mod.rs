//! Waiters: call an operation until its output (or error) says the resource is in the state
//! asked for, as every AWS SDK does from the models' `waiters-2.json`.
//!
//! `client.wait_until_table_exists().table_name("t").wait(Duration::from_secs(300)).await`
//! calls `DescribeTable` until `Table.TableStatus` is `ACTIVE`. A waiter is data, compiled once:
//! a [`WaiterSchema`] (its delays and acceptors, generated from the model) run by one loop here,
//! for every waiter of every service. The builder it returns is the operation's own fluent
//! builder in [`Waiting`] mode, so it has the same setters, and [`wait`](Waiting) instead of
//! `send`.
//!
//! - **Acceptors** are tried in order after each attempt; the first that matches decides:
//!   `success` ends the wait with the last output (or error, for `TableNotExists`), `failure`
//!   ends it with a [`WaiterError`] that names the acceptor, `retry` polls again. An error no
//!   acceptor matches ends the wait with that error; an output no acceptor matches polls again.
//!   Matchers: `path`, `pathAll`, `pathAny` (a [JMESPath](jmespath) expression over the output,
//!   its member names as the model spells them), `status` (the HTTP status, of an output or of
//!   an error) and `error` (an error code; `true` for any error, `false` for none).
//! - **Delays** as the Smithy waiter specification gives them (and the Go and Rust SDKs do):
//!   after attempt `n`, a random delay between the waiter's minimum delay and
//!   `min_delay × 2ⁿ⁻¹`, capped at its maximum delay; never past the deadline: the last delay
//!   leaves the minimum delay for one more attempt, and when less than that remains the wait
//!   times out. A call in flight when the deadline passes is dropped.
//! - **Time** is tokio's: delays sleep with the client's [`Sleep`](ziggurat_core::time::Sleep)
//!   and elapsed time is measured with `tokio::time::Instant`, so under `tokio::time::pause` a
//!   five-minute wait runs in virtual time, deterministically.
//!
//! ```
//! use std::time::Duration;
//! use ziggurat_runtime::waiter::{delay_for, WaiterSchema};
//!
//! // The delay after the second attempt of a waiter with delays of 20 s to 120 s, with
//! // 300 s left, is drawn between 20 s and 40 s: here, the middle.
//! let d = delay_for(2, Duration::from_secs(20), Duration::from_secs(120), Duration::from_secs(300), 0.5);
//! assert_eq!(d, Some(Duration::from_secs(30)));
//! ```
pub mod document;
pub mod jmespath;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{Input, OperationOutput, Output};
use ziggurat_core::metadata::HasMetadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::schema::Document;
use ziggurat_core::schema::ser::SerializeShape;
use ziggurat_core::stack::OperationSpec;

use crate::{Call, CallOptions, ClientHandle, finish};

/// What the model says of one waiter: the operation it polls, its delays and its acceptors.
#[derive(Debug)]
pub struct WaiterSchema {
    /// The waiter's name in the model (`TableExists`).
    pub name: &'static str,
    /// The operation it polls (`DescribeTable`).
    pub operation: &'static str,
    /// The shortest delay between attempts.
    pub min_delay: Duration,
    /// The longest delay between attempts (120 s unless the model says otherwise).
    pub max_delay: Duration,
    /// How many attempts the model's CLI waits for by default: with `min_delay`, the default
    /// wait of the command line (`zig <service> wait`), as the aws CLI waits.
    pub max_attempts: u32,
    /// The acceptors, in order.
    pub acceptors: &'static [Acceptor],
}

impl WaiterSchema {
    /// The wait the aws CLI allows this waiter by default: `max_attempts × min_delay`.
    pub fn default_max_wait(&self) -> Duration {
        self.min_delay.saturating_mul(self.max_attempts)
    }
}

/// One acceptor: what it matches and the state it moves the waiter to.
#[derive(Debug)]
pub struct Acceptor {
    /// The state when it matches.
    pub state: AcceptorState,
    /// What it matches.
    pub matcher: Matcher,
}

/// The state an acceptor moves a waiter to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptorState {
    /// Done: the resource is in the state waited for.
    Success,
    /// Done: the resource will never get there.
    Failure,
    /// Poll again.
    Retry,
}

/// What an acceptor matches.
#[derive(Debug)]
pub enum Matcher {
    /// The expression's value over the output equals `expected`.
    Path {
        /// A JMESPath expression.
        expression: &'static str,
        /// The value it must have.
        expected: Expected,
    },
    /// The expression gives a non-empty list whose every element equals `expected`.
    PathAll {
        /// A JMESPath expression.
        expression: &'static str,
        /// The value every element must have.
        expected: Expected,
    },
    /// The expression gives a list of which some element equals `expected`.
    PathAny {
        /// A JMESPath expression.
        expression: &'static str,
        /// The value some element must have.
        expected: Expected,
    },
    /// The HTTP status of the response, whether an output or an error.
    Status(u16),
    /// An error with this code.
    ErrorCode(&'static str),
    /// `true`: any service error; `false`: no error at all.
    AnyError(bool),
}

/// The value a path matcher expects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expected {
    /// Text (enum values too).
    String(&'static str),
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
}

impl Expected {
    fn matches(&self, value: &Document) -> bool {
        match (self, value) {
            (Expected::String(e), Document::String(v)) => e == v,
            (Expected::Bool(e), Document::Bool(v)) => e == v,
            (Expected::Number(e), Document::Number(v)) => e == v,
            _ => false,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::String(s) => write!(f, "{s:?}"),
            Expected::Bool(b) => write!(f, "{b}"),
            Expected::Number(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for Acceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            AcceptorState::Success => "success",
            AcceptorState::Failure => "failure",
            AcceptorState::Retry => "retry",
        };
        match &self.matcher {
            Matcher::Path {
                expression,
                expected,
            } => write!(f, "{state} when `{expression}` is {expected}"),
            Matcher::PathAll {
                expression,
                expected,
            } => write!(f, "{state} when all of `{expression}` are {expected}"),
            Matcher::PathAny {
                expression,
                expected,
            } => write!(f, "{state} when any of `{expression}` is {expected}"),
            Matcher::Status(s) => write!(f, "{state} on HTTP status {s}"),
            Matcher::ErrorCode(c) => write!(f, "{state} on error {c}"),
            Matcher::AnyError(true) => write!(f, "{state} on any error"),
            Matcher::AnyError(false) => write!(f, "{state} when there is no error"),
        }
    }
}

/// A fluent builder that sends its call once (every builder's default mode).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sending;

/// A fluent builder that polls its call until a waiter's acceptors say it is done: call
/// `wait(max_wait)`. It holds the waiter and its delays (the model's unless changed with
/// `with_delays`).
#[derive(Debug, Clone, Copy)]
pub struct Waiting {
    schema: &'static WaiterSchema,
    min_delay: Duration,
    max_delay: Duration,
}

impl Waiting {
    /// Waiting with `schema`, at its delays.
    pub fn new(schema: &'static WaiterSchema) -> Self {
        Waiting {
            schema,
            min_delay: schema.min_delay,
            max_delay: schema.max_delay,
        }
    }
    /// The waiter.
    pub fn schema(&self) -> &'static WaiterSchema {
        self.schema
    }
    /// Polls with delays from `min` to `max` instead of the model's (a local test server
    /// that is ready in milliseconds, a job known to take hours).
    pub fn with_delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }
}

/// How a wait ended well: the last poll's result (an output, or the error a `success`
/// acceptor expects, as for `TableNotExists`), and how long it took.
#[derive(Debug)]
pub struct FinalPoll<T, E> {
    result: Result<T, SdkError<E>>,
    attempts: u32,
    elapsed: Duration,
}

impl<T, E> FinalPoll<T, E> {
    /// The last output, when the last poll returned one.
    pub fn output(&self) -> Option<&T> {
        self.result.as_ref().ok()
    }
    /// The last poll's result.
    pub fn as_result(&self) -> Result<&T, &SdkError<E>> {
        self.result.as_ref()
    }
    /// The last poll's result, owned.
    pub fn into_result(self) -> Result<T, SdkError<E>> {
        self.result
    }
    /// How many times the operation was called.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// How long the wait took.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// Why a wait failed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaiterErrorKind {
    /// A `failure` acceptor matched: the resource will not reach the state waited for.
    FailureState {
        /// The acceptor, as text (`failure when \`Table.TableStatus\` is "FAILED"`).
        acceptor: String,
    },
    /// The operation failed in a way no acceptor expects.
    UnexpectedError,
    /// The time allowed ran out.
    Timeout {
        /// The time allowed.
        max_wait: Duration,
    },
    /// An acceptor's expression could not be parsed (a model this runtime cannot read).
    InvalidAcceptor(String),
}

/// A wait that failed: why, the waiter, the attempts, and the last poll's result.
pub struct WaiterError<T, E> {
    kind: WaiterErrorKind,
    waiter: &'static str,
    attempts: u32,
    elapsed: Duration,
    last: Option<Result<T, SdkError<E>>>,
}

impl<T, E> WaiterError<T, E> {
    /// Why the wait failed.
    pub fn kind(&self) -> &WaiterErrorKind {
        &self.kind
    }
    /// Whether the time allowed ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, WaiterErrorKind::Timeout { .. })
    }
    /// The waiter's name (`TableExists`).
    pub fn waiter(&self) -> &'static str {
        self.waiter
    }
    /// How many times the operation was called.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// How long the wait took.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
    /// The last poll's result, when there was one.
    pub fn last(&self) -> Option<Result<&T, &SdkError<E>>> {
        self.last.as_ref().map(Result::as_ref)
    }
    /// The last poll's result, owned.
    pub fn into_last(self) -> Option<Result<T, SdkError<E>>> {
        self.last
    }
}

impl<T, E> fmt::Debug for WaiterError<T, E>
where
    SdkError<E>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaiterError")
            .field("kind", &self.kind)
            .field("waiter", &self.waiter)
            .field("attempts", &self.attempts)
            .field("elapsed", &self.elapsed)
            .field(
                "last_error",
                &self.last.as_ref().and_then(|r| r.as_ref().err()),
            )
            .finish()
    }
}

impl<T, E: fmt::Display> fmt::Display for WaiterError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, n) = (self.waiter, self.attempts);
        let attempts = if n == 1 { "attempt" } else { "attempts" };
        match &self.kind {
            WaiterErrorKind::FailureState { acceptor } => write!(
                f,
                "waiter {w} failed after {n} {attempts}: the acceptor `{acceptor}` matched"
            ),
            WaiterErrorKind::UnexpectedError => {
                write!(
                    f,
                    "waiter {w} stopped after {n} {attempts} on an error no acceptor expects"
                )?;
                if let Some(Err(e)) = &self.last {
                    write!(f, ": {e}")?;
                }
                Ok(())
            }
            WaiterErrorKind::Timeout { max_wait } => write!(
                f,
                "waiter {w} timed out: not done within {max_wait:?} ({n} {attempts})"
            ),
            WaiterErrorKind::InvalidAcceptor(e) => write!(f, "waiter {w} cannot run: {e}"),
        }
    }
}

impl<T, E> std::error::Error for WaiterError<T, E>
where
    E: std::error::Error + 'static,
    SdkError<E>: std::error::Error,
{
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.last {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }
}

/// The delay before attempt `attempt + 1`, after `attempt` attempts, with `remaining` time
/// left and `random` drawn uniformly from `[0, 1)`; `None` when less than `min_delay` is left
/// (the wait has timed out).
pub fn delay_for(
    attempt: u32,
    min_delay: Duration,
    max_delay: Duration,
    remaining: Duration,
    random: f64,
) -> Option<Duration> {
    if remaining <= min_delay {
        return None;
    }
    let max_delay = max_delay.max(min_delay);
    // `min_delay × 2^(attempt-1)`, capped at `max_delay` (the doubling stops long before it
    // could overflow).
    let exponent = attempt.saturating_sub(1).min(32);
    let ceiling = min_delay
        .checked_mul(1u32 << exponent.min(31))
        .map_or(max_delay, |d| d.min(max_delay));
    let span = ceiling.saturating_sub(min_delay);
    let delay = min_delay + span.mul_f64(random.clamp(0.0, 1.0));
    // Leave the minimum delay for one more attempt before the deadline.
    Some(delay.min(remaining - min_delay))
}

/// How an erased wait ended.
struct Ended {
    result: Option<Result<OperationOutput, SdkError>>,
    attempts: u32,
    elapsed: Duration,
    failure: Option<WaiterErrorKind>,
}

/// The first acceptor that matches `result`.
fn matching<'a>(
    schema: &'a WaiterSchema,
    result: &Result<OperationOutput, SdkError>,
    output_shape: fn(&Output) -> Option<&dyn SerializeShape>,
) -> Result<Option<&'a Acceptor>, WaiterErrorKind> {
    let mut document: Option<Document> = None;
    for acceptor in schema.acceptors {
        let matched = match (&acceptor.matcher, result) {
            (Matcher::Status(status), Ok(out)) => out.metadata.http_status() == Some(*status),
            (Matcher::Status(status), Err(e)) => {
                e.as_service_error()
                    .map(|a| a.status())
                    .or(e.metadata().http_status())
                    == Some(*status)
            }
            (Matcher::ErrorCode(code), Err(e)) => {
                e.as_service_error().is_some_and(|a| a.code() == *code)
            }
            (Matcher::AnyError(any), Err(e)) => *any && e.as_service_error().is_some(),
            (Matcher::AnyError(any), Ok(_)) => !*any,
            (Matcher::ErrorCode(_), Ok(_)) => false,
            (
                Matcher::Path {
                    expression,
                    expected,
                }
                | Matcher::PathAll {
                    expression,
                    expected,
                }
                | Matcher::PathAny {
                    expression,
                    expected,
                },
                Ok(out),
            ) => {
                let expr = jmespath::Expression::parse(expression)
                    .map_err(|e| WaiterErrorKind::InvalidAcceptor(e.to_string()))?;
                if document.is_none() {
                    let shape = output_shape(&out.output).ok_or_else(|| {
                        WaiterErrorKind::InvalidAcceptor(format!(
                            "{} returned an output of another type",
                            schema.operation
                        ))
                    })?;
                    document = Some(document::to_document(shape).map_err(|e| {
                        WaiterErrorKind::InvalidAcceptor(format!("cannot read the output: {e}"))
                    })?);
                }
                let value = expr.search(document.as_ref().unwrap_or(&Document::Null));
                match (&acceptor.matcher, value) {
                    (Matcher::Path { .. }, v) => expected.matches(&v),
                    (Matcher::PathAll { .. }, Document::Array(items)) => {
                        !items.is_empty() && items.iter().all(|v| expected.matches(v))
                    }
                    (Matcher::PathAny { .. }, Document::Array(items)) => {
                        items.iter().any(|v| expected.matches(v))
                    }
                    _ => false,
                }
            }
            (_, Err(_)) => false,
        };
        if matched {
            return Ok(Some(acceptor));
        }
    }
    Ok(None)
}

/// Races `call` against `limit`; `None` when the limit passes first.
async fn within<T>(
    call: impl Future<Output = T>,
    sleep: ziggurat_core::time::SleepFuture,
) -> Option<T> {
    let mut call = std::pin::pin!(call);
    let mut sleep = sleep;
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(out) = call.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(out));
        }
        sleep.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// The wait loop, once for every waiter: typed waits call it through [`wait`].
async fn run(
    handle: &ClientHandle,
    spec: &'static OperationSpec,
    input: &(dyn Fn() -> Input + Send + Sync),
    output_shape: fn(&Output) -> Option<&dyn SerializeShape>,
    options: Option<Box<CallOptions>>,
    waiting: Waiting,
    max_wait: Duration,
) -> Ended {
    let schema = waiting.schema;
    let start = tokio::time::Instant::now();
    let mut attempts = 0;
    let mut last = None;
    loop {
        let elapsed = start.elapsed();
        let remaining = max_wait.saturating_sub(elapsed);
        let timeout = |last, attempts, elapsed| Ended {
            result: last,
            attempts,
            elapsed,
            failure: Some(WaiterErrorKind::Timeout { max_wait }),
        };
        if remaining.is_zero() {
            return timeout(last, attempts, elapsed);
        }
        attempts += 1;
        let call = handle.invoke(spec, input(), options.clone());
        let Some(result) = within(call, handle.sleep().sleep(remaining)).await else {
            return timeout(last, attempts, start.elapsed());
        };
        let acceptor = match matching(schema, &result, output_shape) {
            Ok(a) => a,
            Err(kind) => {
                return Ended {
                    result: Some(result),
                    attempts,
                    elapsed: start.elapsed(),
                    failure: Some(kind),
                };
            }
        };
        let failure = match acceptor.map(|a| (a, a.state)) {
            Some((_, AcceptorState::Success)) => Some(None),
            Some((a, AcceptorState::Failure)) => Some(Some(WaiterErrorKind::FailureState {
                acceptor: a.to_string(),
            })),
            None if result.is_err() => Some(Some(WaiterErrorKind::UnexpectedError)),
            Some((_, AcceptorState::Retry)) | None => None,
        };
        if let Some(failure) = failure {
            return Ended {
                result: Some(result),
                attempts,
                elapsed: start.elapsed(),
                failure,
            };
        }
        last = Some(result);
        let elapsed = start.elapsed();
        let remaining = max_wait.saturating_sub(elapsed);
        let Some(delay) = delay_for(
            attempts,
            waiting.min_delay,
            waiting.max_delay,
            remaining,
            fastrand::f64(),
        ) else {
            return timeout(last, attempts, elapsed);
        };
        handle.sleep().sleep(delay).await;
    }
}

/// Polls `call` with `waiter` until an acceptor says it is done, or `max_wait` has passed.
pub async fn wait<O>(
    call: Call<O>,
    waiter: Waiting,
    max_wait: Duration,
) -> Result<FinalPoll<O::Output, O::Error>, WaiterError<O::Output, O::Error>>
where
    O: Operation,
    O::Input: Clone + Sync,
    O::Output: SerializeShape + HasMetadata,
{
    let Call {
        handle,
        input,
        options,
        ..
    } = call;
    let make_input = move || Box::new((*input).clone()) as Input;
    let ended = run(
        &handle,
        O::spec(),
        &make_input,
        output_shape::<O>,
        options,
        waiter,
        max_wait,
    )
    .await;
    let last = ended.result.map(finish::<O>);
    conclude(
        ended.failure,
        last,
        ended.attempts,
        ended.elapsed,
        waiter.schema.name,
        max_wait,
    )
}

/// The end of a wait: its final poll, or why it failed.
fn conclude<T, E>(
    failure: Option<WaiterErrorKind>,
    last: Option<Result<T, SdkError<E>>>,
    attempts: u32,
    elapsed: Duration,
    waiter: &'static str,
    max_wait: Duration,
) -> Result<FinalPoll<T, E>, WaiterError<T, E>> {
    match (failure, last) {
        (None, Some(result)) => Ok(FinalPoll {
            result,
            attempts,
            elapsed,
        }),
        (failure, last) => Err(WaiterError {
            kind: failure.unwrap_or(WaiterErrorKind::Timeout { max_wait }),
            waiter,
            attempts,
            elapsed,
            last,
        }),
    }
}

/// Waits like [`wait`], for callers that do not name the operation's types (the command
/// line): the input is made by `input` for each attempt.
pub async fn wait_erased(
    handle: Arc<ClientHandle>,
    spec: &'static OperationSpec,
    input: &(dyn Fn() -> Input + Send + Sync),
    output_shape: fn(&Output) -> Option<&dyn SerializeShape>,
    waiter: Waiting,
    max_wait: Duration,
) -> Result<
    FinalPoll<OperationOutput, ziggurat_core::error::ApiError>,
    WaiterError<OperationOutput, ziggurat_core::error::ApiError>,
> {
    let ended = run(&handle, spec, input, output_shape, None, waiter, max_wait).await;
    conclude(
        ended.failure,
        ended.result,
        ended.attempts,
        ended.elapsed,
        waiter.schema.name,
        max_wait,
    )
}

fn output_shape<O>(output: &Output) -> Option<&dyn SerializeShape>
where
    O: Operation,
    O::Output: SerializeShape,
{
    output
        .downcast_ref::<O::Output>()
        .map(|o| o as &dyn SerializeShape)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn delays_double_from_the_minimum_up_to_the_maximum() {
        // With the largest random draw, the delay is the ceiling: 20, 40, 80, 120, 120.
        let ceilings: Vec<_> = (1..=5)
            .map(|n| delay_for(n, S(20), S(120), S(10_000), 1.0))
            .collect();
        assert_eq!(
            ceilings,
            [S(20), S(40), S(80), S(120), S(120)].map(Some).to_vec()
        );
        // With the smallest, the minimum.
        for n in 1..=40 {
            assert_eq!(delay_for(n, S(20), S(120), S(10_000), 0.0), Some(S(20)));
        }
    }

    #[test]
    fn the_last_delay_leaves_time_for_one_more_attempt() {
        // 50 s left, min 20 s: at most 30 s, so the next attempt starts with 20 s to spare.
        assert_eq!(delay_for(4, S(20), S(120), S(50), 1.0), Some(S(30)));
        // Less than the minimum left: done.
        assert_eq!(delay_for(1, S(20), S(120), S(20), 0.5), None);
        assert_eq!(delay_for(1, S(20), S(120), S(5), 0.5), None);
    }

    #[test]
    fn a_maximum_below_the_minimum_is_the_minimum() {
        assert_eq!(delay_for(3, S(5), S(1), S(100), 1.0), Some(S(5)));
    }
}
