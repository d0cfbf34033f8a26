//! Running a compiled stack: one flat async function per segment.
//!
//! For each call the orchestrator runs, in order: the request side of every entry before the
//! retry loop; then, per attempt, a copy of the request through the entries after `"Retry"`,
//! the tail (a tower layer's service, or the transport and the operation deserializer), and the
//! response side of those entries in reverse; and finally the response side of the entries
//! before the loop, in reverse. Hooks are plain calls; nothing is boxed unless a tower layer
//! was inserted, so a call through a stack of hooks costs little more than the hooks themselves.
use std::any::Any;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{HeaderMap, HeaderName};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::idle_body::IdleLimited;
use super::middleware::HttpService;
use super::plan::{CompiledStack, Entry, Segment, Tail};
use crate::body::Body;
use crate::context::Context;
use crate::credentials::ProvideCredentials;
use crate::error::SdkError;
use crate::hook::{HttpRequest, HttpResponse, Input, OperationOutput, Output};
use crate::metadata::Metadata;
use crate::retry::{
    RetryDecision, RetryState, RetryStop, RetryStrategy, TimeoutError, TimeoutScope,
};
use crate::time::{SharedSleep, SleepFuture};

/// A response body as the operation deserializer receives it.
#[derive(Debug)]
pub enum ResponseBody {
    /// Read whole (every non-streaming output, and every error response).
    Buffered(Bytes),
    /// Left unread, for outputs that stream (S3 `GetObject`).
    Streaming(Body),
}

/// Serializes an erased input into a request whose URI holds the path and query only.
///
/// It takes the input mutably so that a body which cannot be cloned (a one-shot stream) can be
/// moved into the request.
pub type SerializeFn =
    fn(&mut (dyn Any + Send), &mut Context) -> Result<http::Request<Body>, SdkError>;
/// Deserializes a response into an erased output or an error.
pub type DeserializeFn =
    fn(http::response::Parts, ResponseBody, &mut Context) -> Result<Output, SdkError>;

/// What the stack needs to know about one operation: its names, its serializer and its
/// deserializer. The only per-operation code that runs inside the stack.
#[derive(Debug)]
pub struct OperationSpec {
    /// The service id (`S3`).
    pub service: &'static str,
    /// The operation name (`GetObject`).
    pub operation: &'static str,
    /// The serializer.
    pub serialize: SerializeFn,
    /// The deserializer.
    pub deserialize: DeserializeFn,
    /// Whether a successful response body is handed over unread.
    pub streaming_output: bool,
    /// The operation's schema, when it has one (generated operations do): what middleware
    /// may read about it, such as whether its input or output holds sensitive members.
    pub schema: Option<&'static crate::schema::operation::OperationSchema>,
}

/// Everything one call carries. Boxed once per call, so the futures that work on it stay small
/// (a request head alone is 224 bytes, and moving large futures showed up as a quarter of the
/// stack's time in profiles).
pub(crate) struct State {
    input: Option<Input>,
    /// The request: being built before the retry loop, then the attempt's request (the
    /// entries after `"Retry"` work on it in place, and the transport takes it).
    parts: Option<http::request::Parts>,
    body: Body,
    ctx: Context,
    /// The copy kept for the next attempt.
    next: Option<Box<KeptRequest>>,
    /// The response head of the attempt in progress, while its body is read.
    response: Option<http::response::Parts>,
    /// The retry loop's bookkeeping for this call.
    retry: RetryState,
    /// The attempt's span and its HTTP exchange's (disabled without a subscriber). Kept here,
    /// in the boxed state, so the call's future does not grow by them.
    attempt_span: tracing::Span,
    http_span: tracing::Span,
    /// What interceptors of the response refused, for the attempt in progress.
    refusals: Vec<crate::interceptor::InterceptorFailure>,
}

impl State {
    /// The state of a call (with its input) or of a segment behind a tower layer (with its
    /// request).
    fn boxed(
        input: Option<Input>,
        request: Option<(http::request::Parts, Body)>,
        ctx: Context,
    ) -> Box<Self> {
        let (parts, body) = match request {
            Some((parts, body)) => (Some(parts), body),
            None => (None, Body::empty()),
        };
        Box::new(State {
            input,
            parts,
            body,
            ctx,
            next: None,
            response: None,
            retry: RetryState::default(),
            attempt_span: tracing::Span::none(),
            http_span: tracing::Span::none(),
            refusals: Vec::new(),
        })
    }
}

impl CompiledStack {
    /// Runs one operation through the stack.
    ///
    /// `ctx` carries the per-call values (region, overrides); the service and operation names
    /// come from `spec`. Errors name the service and operation.
    pub fn invoke(
        &self,
        spec: &'static OperationSpec,
        input: Input,
        mut ctx: Context,
    ) -> impl Future<Output = Result<OperationOutput, SdkError>> + Send + 'static {
        // Built before the future, so the future holds a pointer, not the arguments; and it
        // owns its segment, so callers can box it directly instead of wrapping it.
        let head = self.head.clone();
        ctx.set_spec(spec);
        let mut st = State::boxed(Some(input), None, ctx);
        async move {
            run_segment(&head, &mut st)
                .await
                .map_err(|e| e.with_operation(spec.service, spec.operation))
        }
    }
}

fn no_request() -> SdkError {
    SdkError::construction("a request hook ran before the operation serializer")
}

fn request_side(entry: &Entry, st: &mut State) -> Result<(), SdkError> {
    match entry {
        Entry::Input(h) => match st.input.as_mut() {
            Some(input) => h.on_input(input, &mut st.ctx),
            None => Ok(()),
        },
        Entry::Request(h, _) => {
            let parts = st.parts.as_mut().ok_or_else(no_request)?;
            h.on_request(&mut HttpRequest::new(
                parts,
                &mut st.body,
                Some(&mut st.ctx),
            ))
        }
        Entry::Serializer => {
            let Some(spec) = st.ctx.spec() else {
                return Err(SdkError::construction("no operation is being run"));
            };
            let input = st
                .input
                .as_deref_mut()
                .ok_or_else(|| SdkError::construction("the input was already consumed"))?;
            let started = st.ctx.timing_mut().map(|_| Instant::now());
            let _span = tracing::debug_span!(target: "ziggurat", "serialize").entered();
            let (parts, body) = (spec.serialize)(input, &mut st.ctx)?.into_parts();
            if let (Some(t), Some(marks)) = (started, st.ctx.timing_mut()) {
                marks.serialization = t.elapsed();
            }
            st.parts = Some(parts);
            st.body = body;
            Ok(())
        }
        Entry::Retry(..) | Entry::GetIdentity(_) => Ok(()),
    }
}

fn response_side(entry: &Entry, ctx: &mut Context, result: &mut Result<OperationOutput, SdkError>) {
    match entry {
        Entry::Input(h) => h.on_output(ctx, result),
        Entry::Request(h, true) => {
            let failed = result.is_err();
            // Copied (errors only) because the metadata is borrowed mutably from the error.
            let code = match &*result {
                Err(e) => e.code().map(str::to_owned),
                Ok(_) => None,
            };
            let metadata = match result {
                Ok(out) => &mut out.metadata,
                Err(e) => e.metadata_mut(),
            };
            let status = metadata
                .http_status()
                .and_then(|s| http::StatusCode::from_u16(s).ok());
            h.on_response(
                &mut HttpResponse::new(status, None, metadata, Some(ctx), failed)
                    .with_error_code(code.as_deref()),
            );
            h.on_result(ctx, result);
        }
        // No response side (known when the stack was compiled), or no hook.
        Entry::Request(_, false) | Entry::Serializer | Entry::Retry(..) | Entry::GetIdentity(_) => {
        }
    }
}

fn set_attempts(result: &mut Result<OperationOutput, SdkError>, attempts: u32) {
    match result {
        Ok(out) => out.metadata.set_attempts(attempts),
        Err(e) => e.metadata_mut().set_attempts(attempts),
    }
}

/// Polls `$fut` to completion, or until the attempt's deadline (an `Option<SleepFuture>`)
/// fires: `Some(output)` or `None`. Written as a macro so that the future stays a local of the
/// caller's state machine instead of being moved into a wrapper future.
macro_rules! until_deadline {
    ($fut:expr, $deadline:expr) => {{
        let mut fut = std::pin::pin!($fut);
        let deadline: &mut Option<SleepFuture> = $deadline;
        std::future::poll_fn(|cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            match deadline.as_mut().map(|d| d.as_mut().poll(cx)) {
                Some(Poll::Ready(())) => Poll::Ready(None),
                _ => Poll::Pending,
            }
        })
        .await
    }};
}

fn attempt_timed_out(limit: Option<std::time::Duration>) -> SdkError {
    SdkError::timeout(TimeoutError::new(
        TimeoutScope::Attempt,
        limit.unwrap_or_default(),
    ))
}

/// Runs one segment: request side, the attempt loop with the tail, response side.
///
/// Per attempt: the strategy's pre-attempt wait (client-side rate limiting), a copy of the
/// request (the last possible attempt takes it), the entries after `"Retry"`, the tail, the
/// response side of those entries, and the strategy's decision. The attempt timeout, when the
/// strategy has one, covers the entries and the tail, not the waits.
pub(crate) async fn run_segment(
    seg: &Segment,
    st: &mut State,
) -> Result<OperationOutput, SdkError> {
    let entries = seg.entries.as_slice();
    let retry_at = seg.retry_at.min(entries.len());
    let (before, rest) = entries.split_at(retry_at);
    let (strategy, attempt_entries) = match rest.split_first() {
        Some((Entry::Retry(s, sleep), after)) => (Some((s, sleep)), after),
        _ => (None, rest),
    };

    let mut ran = 0;
    let mut early = None;
    for entry in before {
        let step = match entry {
            // After a tower layer the rest of the stack runs as its own segment, which may hold
            // identity resolution outside a retry loop.
            Entry::GetIdentity(provider) => resolve_identity(provider.as_ref(), &mut st.ctx).await,
            entry => request_side(entry, st),
        };
        if let Err(e) = step {
            early = Some(e);
            break;
        }
        ran += 1;
    }

    let mut result = match early {
        Some(e) => Err(e),
        None => {
            let (max, limit) = match strategy {
                Some((s, _)) => (s.max_attempts_for(&st.ctx), s.attempt_timeout()),
                None => (1, None),
            };
            st.ctx.set_max_attempts(max);
            st.retry = RetryState::new(max, st.body.is_replayable());
            let mut attempt = 0u32;
            loop {
                attempt = attempt.saturating_add(1);
                st.ctx.set_attempt(attempt);
                st.retry.set_attempt(attempt);
                // One span per attempt (DEBUG): its hooks, identity, the exchange and the
                // retry decision happen in it. Free when no subscriber wants it. Integers are
                // recorded as `i64`: tracing-opentelemetry exports a `u64` field as text.
                st.attempt_span = tracing::debug_span!(
                    target: "ziggurat",
                    "attempt",
                    attempt = i64::from(attempt)
                );
                if let Some(marks) = st.ctx.timing_mut() {
                    let offset = marks.start.map(|s| s.elapsed()).unwrap_or_default();
                    marks.current_attempt(attempt).started = offset;
                }
                if let Some((s, sleep)) = strategy {
                    let wait = s.before_attempt(&st.ctx, &mut st.retry);
                    if !wait.is_zero() {
                        tracing::debug!(
                            service = st.ctx.service(),
                            operation = st.ctx.operation(),
                            attempt,
                            delay_ms = wait.as_millis() as u64,
                            "client-side rate limit: waiting before the attempt"
                        );
                        sleep.sleep(wait).await;
                    }
                }
                // Every attempt sends the request it has; one that may be followed by another
                // first keeps a copy, in a recycled box (see `keep_copy`). The attempt's
                // request lives in the (boxed) state, not in this future.
                if !start_attempt(st, attempt) {
                    break Err(no_request());
                }
                let mut deadline = match (limit, strategy) {
                    (Some(limit), Some((_, sleep))) => Some(sleep.sleep(limit)),
                    _ => None,
                };

                let mut ran_attempt = 0;
                let mut failed = None;
                for entry in attempt_entries {
                    let step = match entry {
                        Entry::Request(h, _) => match st.parts.as_mut() {
                            Some(parts) => st.attempt_span.in_scope(|| {
                                h.on_request(&mut HttpRequest::new(
                                    parts,
                                    &mut st.body,
                                    Some(&mut st.ctx),
                                ))
                            }),
                            None => Err(no_request()),
                        },
                        Entry::GetIdentity(provider) if !st.attempt_span.is_disabled() => {
                            // Boxed, with its span: only when a subscriber records spans.
                            let span = tracing::debug_span!(
                                target: "ziggurat",
                                parent: &st.attempt_span,
                                "identity"
                            );
                            // A concrete box: one pointer in the call's future.
                            let traced = Box::pin(tracing::Instrument::instrument(
                                resolve_identity(provider.as_ref(), &mut st.ctx),
                                span,
                            ));
                            until_deadline!(traced, &mut deadline)
                                .unwrap_or_else(|| Err(attempt_timed_out(limit)))
                        }
                        Entry::GetIdentity(provider) => until_deadline!(
                            resolve_identity(provider.as_ref(), &mut st.ctx),
                            &mut deadline
                        )
                        .unwrap_or_else(|| Err(attempt_timed_out(limit))),
                        Entry::Input(_) | Entry::Serializer | Entry::Retry(..) => Ok(()),
                    };
                    if let Err(e) = step {
                        failed = Some(e);
                        break;
                    }
                    ran_attempt += 1;
                }

                let mut res = match (failed, &seg.tail) {
                    (Some(e), _) => Err(e),
                    (None, Tail::Transmit(svc)) if !st.attempt_span.is_disabled() => {
                        let span = st.attempt_span.clone();
                        let traced = Box::pin(tracing::Instrument::instrument(
                            transmit(svc, st, strategy),
                            span,
                        ));
                        until_deadline!(traced, &mut deadline)
                            .unwrap_or_else(|| Err(attempt_timed_out(limit)))
                    }
                    (None, Tail::Transmit(svc)) => {
                        until_deadline!(transmit(svc, st, strategy), &mut deadline)
                            .unwrap_or_else(|| Err(attempt_timed_out(limit)))
                    }
                    (None, Tail::Node(node)) => match call_node(node, st) {
                        None => Err(no_request()),
                        Some((call, carrier)) => {
                            let res = until_deadline!(call, &mut deadline)
                                .unwrap_or_else(|| Err(attempt_timed_out(limit)));
                            // The segment behind the layer puts the context back when it
                            // finishes or is dropped (a timed-out attempt).
                            if let Some(ctx) = carrier.take() {
                                st.ctx = ctx;
                            }
                            res
                        }
                    },
                };
                drop(deadline);
                if let Some(marks) = st.ctx.timing_mut() {
                    let now = marks.start.map(|s| s.elapsed()).unwrap_or_default();
                    let a = marks.current_attempt(attempt);
                    a.total = now.saturating_sub(a.started);
                }
                // A request the attempt did not send (an entry failed) is not sent later.
                st.parts = None;
                st.attempt_span.in_scope(|| {
                    for entry in attempt_entries[..ran_attempt].iter().rev() {
                        response_side(entry, &mut st.ctx, &mut res);
                    }
                });

                let (decision, sleep) = match strategy {
                    Some((s, sleep)) => (s.after_attempt(&st.ctx, &mut st.retry, &res), sleep),
                    None => {
                        // A segment without the loop (the one above a tower layer of the Build
                        // step) keeps the count of the segment behind the layer, which has it.
                        let counted = match &res {
                            Ok(out) => out.metadata.attempts(),
                            Err(e) => e.metadata().attempts(),
                        };
                        if counted == 0 {
                            set_attempts(&mut res, attempt);
                        }
                        break res;
                    }
                };
                // Decided (and logged) before waiting: the result is not `Sync`, so no borrow of
                // it may live across an await.
                let (stop, delay) =
                    st.attempt_span
                        .in_scope(|| match (res.as_ref().err(), decision) {
                            (Some(e), RetryDecision::RetryAfter(delay))
                                if !st.retry.is_last_attempt() =>
                            {
                                if st.retry.can_replay() {
                                    tracing::debug!(
                                        service = st.ctx.service(),
                                        operation = st.ctx.operation(),
                                        attempt,
                                        max_attempts = max,
                                        delay_ms = delay.as_millis() as u64,
                                        reason = %e,
                                        "retrying"
                                    );
                                    (None, Some(delay))
                                } else {
                                    tracing::debug!(
                                        service = st.ctx.service(),
                                        operation = st.ctx.operation(),
                                        attempt,
                                        reason = %e,
                                        "not retrying: the request body cannot be rewound"
                                    );
                                    (Some(RetryStop::BodyNotRewindable), None)
                                }
                            }
                            (Some(e), RetryDecision::QuotaExceeded(delay)) => {
                                tracing::debug!(
                                    service = st.ctx.service(),
                                    operation = st.ctx.operation(),
                                    attempt,
                                    delay_ms = delay.as_millis() as u64,
                                    reason = %e,
                                    "not retrying: the retry quota is exhausted"
                                );
                                (Some(RetryStop::QuotaExceeded), Some(delay))
                            }
                            _ => (None, None),
                        });
                if let Some(delay) = delay.filter(|d| !d.is_zero()) {
                    sleep.sleep(delay).await;
                }
                if stop.is_none() && delay.is_some() {
                    continue;
                }
                set_attempts(&mut res, attempt);
                break match (stop, res) {
                    (Some(reason), Err(e)) => Err(SdkError::retry_stopped(reason, e)),
                    (_, res) => res,
                };
            }
        }
    };

    // The copy kept for an attempt that did not come.
    if let Some(kept) = st.next.take() {
        recycle(kept);
    }
    for entry in before[..ran].iter().rev() {
        response_side(entry, &mut st.ctx, &mut result);
    }
    result
}

/// Readies the request of attempt `attempt`: the built request for the first, the copy kept
/// by the previous attempt for the others. When another attempt may follow, a copy of it is
/// kept (see [`keep_copy`]). `false` when there is no request. A plain function, so that no
/// request head ever lives in the segment's future; the attempt's request stays where it is.
fn start_attempt(st: &mut State, attempt: u32) -> bool {
    if attempt > 1 {
        let Some(kept) = st.next.take() else {
            return false;
        };
        let KeptRequest { parts, body, .. } = *kept;
        st.parts = Some(parts);
        st.body = body;
    }
    let Some(parts) = &st.parts else {
        return false;
    };
    if !st.retry.is_last_attempt() && st.retry.can_replay() {
        match st.body.try_clone() {
            Some(body) => {
                let mut kept = SPARE_REQUESTS
                    .with(|spare| spare.borrow_mut().pop())
                    .unwrap_or_else(|| {
                        Box::new(KeptRequest {
                            parts: http::Request::new(()).into_parts().0,
                            body: Body::empty(),
                            holds_secret: false,
                        })
                    });
                kept.body = body;
                kept.holds_secret = keep_copy(&mut kept.parts, parts);
                st.next = Some(kept);
            }
            // A rewind that failed: nothing is left to resend.
            None => st.retry.set_replayable(false),
        }
    }
    true
}

/// The boxed call of a tower layer's service, with the attempt's request and the context
/// riding in its extensions; `None` when there is no request. Boxed: only stacks with a tower
/// layer take this path, and it should not make every call's future larger.
fn call_node(
    node: &super::middleware::UpperService,
    st: &mut State,
) -> Option<(
    BoxFuture<'static, Result<OperationOutput, SdkError>>,
    ContextCarrier,
)> {
    let parts = st.parts.take()?;
    let body = std::mem::take(&mut st.body);
    let carrier = ContextCarrier::new(std::mem::replace(&mut st.ctx, Context::new("", "")));
    let mut req = http::Request::from_parts(parts, body);
    req.extensions_mut().insert(carrier.clone());
    Some((Box::pin(node.clone().oneshot(req)), carrier))
}

/// A copy of a request kept for the next attempt. Boxed, and the boxes recycled, so that
/// keeping one moves a pointer, not a request head.
struct KeptRequest {
    parts: http::request::Parts,
    body: Body,
    /// Whether a header value is sensitive (found while copying, so it costs no extra pass).
    holds_secret: bool,
}

thread_local! {
    /// Copies that were never sent (their bodies dropped), kept for the next copy on this
    /// thread. The boxes themselves are what is recycled: `st.next` holds one.
    #[allow(clippy::vec_box)]
    static SPARE_REQUESTS: RefCell<Vec<Box<KeptRequest>>> = const { RefCell::new(Vec::new()) };
}

/// Spare copies kept per thread, and the largest header map worth keeping.
const SPARE_KEPT: usize = 8;
const SPARE_MAX_CAPACITY: usize = 128;

/// Makes `copy` a copy of `parts`, for the next attempt.
///
/// Retrying needs the request as it was before the attempt's entries (identity, signing)
/// changed it, and the transport takes the request it sends. So an attempt that may be
/// followed by another keeps a copy. The copy is the one kept (the original, whose header map
/// already has room for the signing headers, is sent), and it is made in a boxed copy from a
/// small per-thread pool of copies that were never sent: on the success path, the usual one,
/// the copy allocates nothing, and what it already holds (the same operation last time: the
/// same header names, the same endpoint, the same static values) is kept, not copied again.
///
/// Returns whether a header value is sensitive.
fn keep_copy(copy: &mut http::request::Parts, parts: &http::request::Parts) -> bool {
    let holds_secret = match overwrite_same_shape(&mut copy.headers, &parts.headers) {
        Some(holds_secret) => holds_secret,
        None => {
            let headers = &mut copy.headers;
            headers.clear();
            headers.reserve(parts.headers.len());
            let mut holds_secret = false;
            for (name, value) in &parts.headers {
                holds_secret |= value.is_sensitive();
                headers.append(name.clone(), value.clone());
            }
            holds_secret
        }
    };
    if copy.method != parts.method {
        copy.method = parts.method.clone();
    }
    if !same_uri(&copy.uri, &parts.uri) {
        copy.uri = parts.uri.clone();
    }
    copy.version = parts.version;
    copy.extensions = parts.extensions.clone();
    holds_secret
}

/// Whether two URIs view the very same text (see [`same_value`]).
fn same_uri(a: &http::Uri, b: &http::Uri) -> bool {
    let same = |x: Option<&str>, y: Option<&str>| match (x, y) {
        (Some(x), Some(y)) => std::ptr::eq(x, y),
        (None, None) => true,
        _ => false,
    };
    a.scheme_str() == b.scheme_str()
        && same(
            a.authority().map(http::uri::Authority::as_str),
            b.authority().map(http::uri::Authority::as_str),
        )
        && same(
            a.path_and_query().map(http::uri::PathAndQuery::as_str),
            b.path_and_query().map(http::uri::PathAndQuery::as_str),
        )
}

/// When `copy` (a recycled map) has the same names in the same order as `source` (the usual
/// case: the same operation again), replaces its values in place, in one pass: no hashing, no
/// inserting. Returns whether a value is sensitive, or `None` when the shapes differ; `copy`
/// may then be partly overwritten, and the caller rebuilds it.
pub(crate) fn overwrite_same_shape(copy: &mut HeaderMap, source: &HeaderMap) -> Option<bool> {
    if copy.len() != source.len() || copy.keys_len() != source.keys_len() {
        return None;
    }
    let mut holds_secret = false;
    for ((name, to), (source_name, from)) in copy.iter_mut().zip(source.iter()) {
        // Names made from the same static text (every name the stack sets) are the same
        // text: one pointer comparison instead of comparing the bytes.
        if !std::ptr::eq(name.as_str(), source_name.as_str()) && name != source_name {
            return None;
        }
        holds_secret |= from.is_sensitive();
        // A value that views the same live bytes is the same value (static text the client
        // set, like its user agent): nothing to copy.
        if !same_value(to, from) {
            *to = from.clone();
        }
    }
    Some(holds_secret)
}

/// Whether two header values view the very same bytes. Both are alive, so their buffers
/// cannot have been reused: the same view means the same content.
fn same_value(a: &http::HeaderValue, b: &http::HeaderValue) -> bool {
    std::ptr::eq(a.as_bytes(), b.as_bytes()) && a.is_sensitive() == b.is_sensitive()
}

/// Returns a copy that was not needed to the pool. Its header names, values and URI are kept
/// (the next copy of the same operation keeps what is the same, and overwrites the rest in
/// place); they are shared references to small values. Its body and extensions are dropped
/// now, and so is a copy holding a sensitive value (an SSE-C key, say): no secret outlives
/// its call in the pool.
fn recycle(mut kept: Box<KeptRequest>) {
    if kept.holds_secret || kept.parts.headers.capacity() > SPARE_MAX_CAPACITY {
        return;
    }
    kept.body = Body::empty();
    kept.parts.extensions.clear();
    SPARE_REQUESTS.with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < SPARE_KEPT {
            spare.push(kept);
        }
    });
}

/// Resolves the attempt's credentials: the per-call override, else the entry's provider; with
/// neither, the request goes unsigned (signing then reports the missing credentials).
async fn resolve_identity(
    provider: Option<&crate::credentials::SharedCredentialsProvider>,
    ctx: &mut Context,
) -> Result<(), SdkError> {
    // On a DynamoDB client the endpoint entry resolved them just before the first attempt:
    // once is enough (a retry resolves them again).
    if ctx.identity_is_current() {
        return Ok(());
    }
    let Some(provider) = ctx.identity_override().or(provider).cloned() else {
        return Ok(());
    };
    if let Some(marks) = ctx.timing_mut() {
        marks.identity_started = Some(Instant::now());
    }
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(SdkError::construction)?;
    let attempt = ctx.attempt();
    if let Some(marks) = ctx.timing_mut()
        && let Some(t) = marks.identity_started.take()
    {
        marks.current_attempt(attempt).identity = t.elapsed();
    }
    ctx.set_resolved_identity(credentials);
    Ok(())
}

static X_AMZN_REQUESTID: HeaderName = HeaderName::from_static("x-amzn-requestid");
static X_AMZ_REQUEST_ID: HeaderName = HeaderName::from_static("x-amz-request-id");
static X_AMZ_ID_2: HeaderName = HeaderName::from_static("x-amz-id-2");
static X_AMZ_RETRY_AFTER: HeaderName = HeaderName::from_static("x-amz-retry-after");

fn response_metadata(parts: &http::response::Parts) -> Metadata {
    let mut meta = parts
        .extensions
        .get::<Metadata>()
        .cloned()
        .unwrap_or_default();
    meta.set_http_status(parts.status.as_u16());
    let header = |name: &HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if meta.request_id().is_none()
        && let Some(id) = header(&X_AMZN_REQUESTID).or_else(|| header(&X_AMZ_REQUEST_ID))
    {
        meta.set_request_id(id);
    }
    if meta.extended_request_id().is_none()
        && let Some(id) = header(&X_AMZ_ID_2)
    {
        meta.set_extended_request_id(id);
    }
    // Only error responses: clock-skew correction needs the server time when a signature is
    // refused, and parsing it costs ~100 ns.
    if parts.status.as_u16() >= 400
        && let Some(time) = parts
            .headers
            .get(http::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()
            })
    {
        meta.set_server_time(time.into());
    }
    meta
}

/// The end of the line: send through the lower chain, then deserialize.
///
/// Only small values live across its awaits: the request moves into the service's (boxed)
/// future, the response head waits in the (boxed) state while the body is read, and a body
/// that is not in memory already is read by a boxed future of its own.
async fn transmit(
    svc: &HttpService,
    st: &mut State,
    strategy: Option<(&Arc<dyn RetryStrategy>, &SharedSleep)>,
) -> Result<OperationOutput, SdkError> {
    let Some(spec) = st.ctx.spec() else {
        return Err(SdkError::construction("no operation is being run"));
    };
    let started = st.ctx.timing_mut().map(|_| Instant::now());
    let mut svc = svc.clone();
    std::future::poll_fn(|cx| tower::Service::poll_ready(&mut svc, cx)).await?;
    st.http_span = tracing::debug_span!(
        target: "ziggurat",
        "http",
        http.request.method = tracing::field::Empty,
        http.request.body.size = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        http.response.body.size = tracing::field::Empty,
    );
    let call = {
        let Some(mut parts) = st.parts.take() else {
            return Err(no_request());
        };
        if let Some(marks) = st.ctx.timing() {
            parts.extensions.insert(crate::transport::MeasureConnection);
            if let Some(usage) = &marks.connection_usage {
                parts.extensions.insert(usage.clone());
            }
        }
        let body = std::mem::take(&mut st.body);
        if !st.http_span.is_disabled() {
            st.http_span
                .record("http.request.method", parts.method.as_str());
            if let Some(size) = http_body::Body::size_hint(&body).exact() {
                st.http_span.record(
                    "http.request.body.size",
                    i64::try_from(size).unwrap_or(i64::MAX),
                );
            }
        }
        tower::Service::call(&mut svc, http::Request::from_parts(parts, body))
    };
    let response = if st.http_span.is_disabled() {
        call.await?
    } else {
        // Boxed, with its span: only when a subscriber records spans.
        Box::pin(tracing::Instrument::instrument(call, st.http_span.clone())).await?
    };
    let body = {
        let (parts, body) = response.into_parts();
        st.http_span.record(
            "http.response.status_code",
            i64::from(parts.status.as_u16()),
        );
        st.response = Some(parts);
        body
    };
    // The interceptors of the response, when some are registered (one pointer test when not).
    // Nothing of theirs is held across an await: the call's future stays small.
    st.refusals.clear();
    let body = match st.ctx.interceptors().cloned() {
        Some(all) => after_transmit(&all, st, body),
        None => body,
    };
    let wired = started.map(|t| (t, Instant::now()));
    let streaming = spec.streaming_output
        && st
            .response
            .as_ref()
            .is_some_and(|parts| parts.status.is_success());
    let body = if streaming {
        // Left for the caller to read, still bounded: a peer that goes quiet mid-body ends it
        // with a timeout error rather than leaving the reader waiting.
        Ok(ResponseBody::Streaming(
            IdleLimited::new(body, strategy).into_body(),
        ))
    } else {
        match body.try_into_bytes() {
            Ok(bytes) => Ok(ResponseBody::Buffered(bytes)),
            Err(stream) => Box::pin(collect_stream(stream, strategy))
                .await
                .map(ResponseBody::Buffered),
        }
    };
    if let Ok(ResponseBody::Buffered(bytes)) = &body {
        st.http_span.record(
            "http.response.body.size",
            i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        );
    }
    let interceptors = st.ctx.interceptors().cloned();
    let body = match (&interceptors, body) {
        (Some(all), Ok(body)) if st.refusals.is_empty() => before_deserialization(all, st, body),
        (_, body) => body,
    };
    let Some(parts) = st.response.take() else {
        return Err(no_request());
    };
    if !st.refusals.is_empty() {
        // An interceptor refused the response: it is not deserialized.
        let mut e = crate::interceptor::error_of(std::mem::take(&mut st.refusals));
        *e.metadata_mut() = response_metadata(&parts);
        return Err(e);
    }
    let mut result = finish_attempt(spec, parts, body, &mut st.ctx, wired);
    if let Some(all) = &interceptors {
        let failures = crate::interceptor::run_hook(
            all.iter(),
            &mut st.ctx,
            crate::interceptor::Hook::ReadAfterDeserialization,
            |i, ctx| i.read_after_deserialization(&result, ctx),
        );
        crate::interceptor::fail(&mut result, failures);
    }
    result
}

/// `read_after_transmit`: the response head, its body not read yet.
fn after_transmit(
    all: &[crate::interceptor::SharedInterceptor],
    st: &mut State,
    body: Body,
) -> Body {
    let Some(parts) = st.response.take() else {
        return body;
    };
    let response = http::Response::from_parts(parts, body);
    st.refusals.extend(crate::interceptor::run_hook(
        all.iter(),
        &mut st.ctx,
        crate::interceptor::Hook::ReadAfterTransmit,
        |i, ctx| i.read_after_transmit(&response, ctx),
    ));
    let (parts, body) = response.into_parts();
    st.response = Some(parts);
    body
}

/// `modify_before_deserialization` and `read_before_deserialization`: the response with its
/// body in memory (or left streaming, for streaming outputs).
fn before_deserialization(
    all: &[crate::interceptor::SharedInterceptor],
    st: &mut State,
    body: ResponseBody,
) -> Result<ResponseBody, crate::error::BoxError> {
    let Some(parts) = st.response.take() else {
        return Ok(body);
    };
    let streaming = matches!(body, ResponseBody::Streaming(_));
    let body = match body {
        ResponseBody::Buffered(bytes) => Body::from(bytes),
        ResponseBody::Streaming(body) => body,
    };
    let mut response = http::Response::from_parts(parts, body);
    use crate::interceptor::Hook;
    st.refusals.extend(crate::interceptor::run_hook(
        all.iter(),
        &mut st.ctx,
        Hook::ModifyBeforeDeserialization,
        |i, ctx| i.modify_before_deserialization(&mut response, ctx),
    ));
    if st.refusals.is_empty() {
        st.refusals.extend(crate::interceptor::run_hook(
            all.iter(),
            &mut st.ctx,
            Hook::ReadBeforeDeserialization,
            |i, ctx| i.read_before_deserialization(&response, ctx),
        ));
    }
    let (parts, body) = response.into_parts();
    st.response = Some(parts);
    if streaming {
        return Ok(ResponseBody::Streaming(body));
    }
    match body.try_into_bytes() {
        Ok(bytes) => Ok(ResponseBody::Buffered(bytes)),
        // An interceptor put a stream in: it is read whole here, without the idle limit
        // (the interceptor's body is in-process).
        Err(_) => Err("an interceptor replaced the response body with a stream".into()),
    }
}

/// Deserializes a response whose body was read (or left streaming): the output with its
/// metadata, or the error with the metadata and retry hint of the response.
fn finish_attempt(
    spec: &OperationSpec,
    parts: http::response::Parts,
    body: Result<ResponseBody, crate::error::BoxError>,
    ctx: &mut Context,
    wired: Option<(Instant, Instant)>,
) -> Result<OperationOutput, SdkError> {
    let metadata = response_metadata(&parts);
    let body = match body {
        Ok(body) => body,
        Err(e) => return Err(io_error(e).with_metadata(metadata)),
    };
    let retry_after = if parts.status.is_success() {
        None
    } else {
        retry_after_hint(&parts.headers)
    };
    let connection = wired.and_then(|_| {
        parts
            .extensions
            .get::<crate::transport::ConnectionWait>()
            .map(|w| w.0)
    });
    let result = tracing::debug_span!(target: "ziggurat", "deserialize")
        .in_scope(|| (spec.deserialize)(parts, body, ctx));
    let attempt = ctx.attempt();
    if let (Some((start, wire_end)), Some(marks)) = (wired, ctx.timing_mut()) {
        let t = marks.current_attempt(attempt);
        t.wire = wire_end.duration_since(start);
        t.connection = connection;
        t.deserialization = wire_end.elapsed();
    }
    match result {
        Ok(output) => Ok(OperationOutput { output, metadata }),
        Err(mut e) => {
            let mut m = metadata;
            m.merge_missing(std::mem::take(e.metadata_mut()));
            let e = match retry_after {
                Some(after) if e.retry_after().is_none() => e.with_retry_after(Some(after)),
                _ => e,
            };
            Err(e.with_metadata(m))
        }
    }
}

/// The server's retry hint: `x-amz-retry-after`, in milliseconds. Anything else is ignored.
fn retry_after_hint(headers: &HeaderMap) -> Option<std::time::Duration> {
    let value = headers.get(&X_AMZ_RETRY_AFTER)?.to_str().ok()?;
    value
        .trim()
        .parse::<u64>()
        .ok()
        .map(std::time::Duration::from_millis)
}

/// Reads a whole body that is not in memory yet, failing with a (retryable) timeout if the
/// peer goes quiet mid-body for longer than the strategy allows (see [`IdleLimited`]).
async fn collect_stream(
    body: Body,
    strategy: Option<(&Arc<dyn RetryStrategy>, &SharedSleep)>,
) -> Result<Bytes, crate::error::BoxError> {
    let mut body = IdleLimited::new(body, strategy);
    let mut first: Option<Bytes> = None;
    let mut rest = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        match first.take() {
            // Most responses arrive in one frame: keep it without copying.
            None if rest.is_empty() => first = Some(data),
            prev => {
                if let Some(prev) = prev {
                    rest.extend_from_slice(&prev);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(match first {
        Some(bytes) => bytes,
        None => rest.freeze(),
    })
}

fn io_error(e: crate::error::BoxError) -> SdkError {
    // The transport reports body errors as an `SdkError` inside the body's error (a timeout
    // stays a timeout); anything else that breaks off mid-way is a transport failure
    // (retryable), not a bad response.
    match e.downcast::<SdkError>() {
        Ok(e) => *e,
        Err(e) => SdkError::transport(crate::error::TransportErrorKind::Io, e),
    }
}

/// How the [`Context`] rides in request extensions across a tower layer (extensions need
/// `Clone`, a context is not).
#[derive(Clone)]
pub(crate) struct ContextCarrier(Arc<Mutex<Option<Context>>>);

impl ContextCarrier {
    fn new(ctx: Context) -> Self {
        ContextCarrier(Arc::new(Mutex::new(Some(ctx))))
    }
    fn take(&self) -> Option<Context> {
        self.0.lock().ok().and_then(|mut g| g.take())
    }
    fn put(&self, ctx: Context) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(ctx);
        }
    }
}

/// The service behind a tower layer: runs the rest of the stack.
#[derive(Clone)]
pub(crate) struct SegmentService {
    segment: Arc<Segment>,
}

impl SegmentService {
    pub(crate) fn new(segment: Arc<Segment>) -> Self {
        SegmentService { segment }
    }
}

impl tower::Service<http::Request<Body>> for SegmentService {
    type Response = OperationOutput;
    type Error = SdkError;
    type Future = BoxFuture<'static, Result<OperationOutput, SdkError>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), SdkError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let segment = self.segment.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let carrier = parts.extensions.remove::<ContextCarrier>();
            let Some(ctx) = carrier.as_ref().and_then(ContextCarrier::take) else {
                return Err(SdkError::construction(
                    "a tower layer in the stack dropped the request extensions",
                ));
            };
            let mut guard = PutContextBack {
                carrier,
                st: State::boxed(None, Some((parts, body)), ctx),
            };
            run_segment(&segment, &mut guard.st).await
        })
    }
}

/// Hands the context back to the segment above when the segment behind a tower layer ends,
/// or is dropped (an attempt that timed out, a cancelled call).
struct PutContextBack {
    carrier: Option<ContextCarrier>,
    st: Box<State>,
}

impl Drop for PutContextBack {
    fn drop(&mut self) {
        if let Some(carrier) = self.carrier.take() {
            carrier.put(std::mem::replace(&mut self.st.ctx, Context::new("", "")));
        }
    }
}

#[cfg(test)]
mod pool_tests {
    use super::*;

    /// A copy of a request with one header, made as the retry loop makes it.
    fn kept_with(header: http::HeaderValue) -> Box<KeptRequest> {
        let mut source = http::Request::new(()).into_parts().0;
        source.headers.insert("x-test", header);
        let mut parts = http::Request::new(()).into_parts().0;
        let holds_secret = keep_copy(&mut parts, &source);
        Box::new(KeptRequest {
            parts,
            body: Body::from("body"),
            holds_secret,
        })
    }

    /// On a thread of its own, so that the pool starts empty.
    #[test]
    fn copies_with_sensitive_values_are_not_kept() {
        std::thread::spawn(|| {
            let pooled = || SPARE_REQUESTS.with(|spare| spare.borrow().len());
            let mut secret = http::HeaderValue::from_static("customer-key");
            secret.set_sensitive(true);
            recycle(kept_with(secret));
            assert_eq!(pooled(), 0);
            recycle(kept_with(http::HeaderValue::from_static("plain")));
            assert_eq!(pooled(), 1);
            // What is kept has dropped its body.
            SPARE_REQUESTS.with(|spare| {
                let spare = spare.borrow();
                assert!(
                    spare
                        .iter()
                        .all(|kept| http_body::Body::size_hint(&kept.body).exact() == Some(0))
                );
            });
        })
        .join()
        .unwrap();
    }
}
