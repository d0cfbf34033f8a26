//! [`ResponseFuture`]: the retry loop of one call, as a state machine.
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, ready};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http::HeaderMap;
use tower_service::Service;
use ziggurat_core::context::Context;
use ziggurat_core::error::{BoxError, RetryStop, SdkError};
use ziggurat_core::metadata::Metadata;
use ziggurat_core::retry::{RetryDecision, RetryState};
use ziggurat_core::time::SleepFuture;

use super::Shared;
use super::body::ResponseBody;
use super::outcome::{self, Otherwise, View};
use super::replay::ReplayBody;
use crate::retry::request_info::{REQUEST_INFO_HEADER, request_info_value};

/// What the future resolves to.
type Finished<RB> = Result<http::Response<ResponseBody<RB>>, BoxError>;

pin_project_lite::pin_project! {
    /// The future of [`Retry`](super::Retry): every attempt of one call, with the backoff
    /// between them.
    ///
    /// It holds the inner service (the one made ready by `poll_ready` for the first attempt;
    /// it is made ready again before each retry), the copy of the request kept for the next
    /// attempt, and the call's retry bookkeeping. Nothing is boxed except the sleeps and, for
    /// an error response whose body is read to classify it, that body.
    pub struct ResponseFuture<S, B, RB>
    where
        S: Service<http::Request<B>>,
    {
        #[pin]
        state: State<S::Future, RB>,
        svc: S,
        // The inner service is ready for the first attempt (made ready by `Retry::poll_ready`).
        ready: bool,
        shared: Arc<Shared>,
        ctx: Context,
        retry: RetryState,
        // The request of the coming attempt.
        request: Option<http::Request<B>>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, RB> {
        // Before an attempt: ask the strategy whether to wait (client-side rate limiting).
        Start,
        // Waiting for the rate limiter.
        RateLimited { sleep: SleepFuture },
        // Making the inner service ready, then calling it.
        Ready,
        // The inner service's call.
        Calling { #[pin] fut: F },
        // Reading an error body to find its error code.
        Reading {
            parts: Option<http::response::Parts>,
            body: Option<Pin<Box<RB>>>,
            data: VecDeque<Bytes>,
            len: usize,
            trailers: Option<HeaderMap>,
        },
        // The backoff before the next attempt.
        Backoff { sleep: SleepFuture },
        // The retry quota is empty: waiting (long-polling operations back off anyway), then
        // returning the last attempt's result.
        Failing { sleep: SleepFuture, result: Option<Finished<RB>> },
        // Finished.
        Done,
    }
}

impl<S, B, RB> ResponseFuture<S, B, RB>
where
    S: Service<http::Request<B>>,
    B: ReplayBody,
{
    pub(super) fn new(svc: S, shared: Arc<Shared>, request: http::Request<B>) -> Self {
        let mut ctx = Context::new(shared.service, shared.operation);
        let max = shared.strategy.max_attempts_for(&ctx);
        ctx.set_max_attempts(max);
        let retry = RetryState::new(max, request.body().is_replayable());
        ResponseFuture {
            state: State::Start,
            svc,
            ready: true,
            shared,
            ctx,
            retry,
            request: Some(request),
        }
    }
}

/// What follows an attempt.
enum Next<RB> {
    Retry(Duration),
    Return(Finished<RB>),
    FailAfter(Duration, Finished<RB>),
}

impl<S, B, RB> Future for ResponseFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = http::Response<RB>>,
    S::Error: Into<BoxError>,
    B: ReplayBody,
    RB: http_body::Body,
    RB::Error: Into<BoxError>,
{
    type Output = Finished<RB>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let next = match this.state.as_mut().project() {
                StateProj::Start => {
                    let attempt = this.retry.attempt().saturating_add(1);
                    this.retry.set_attempt(attempt);
                    this.ctx.set_attempt(attempt);
                    let wait = this.shared.strategy.before_attempt(this.ctx, this.retry);
                    if wait.is_zero() {
                        this.state.set(State::Ready);
                    } else {
                        tracing::debug!(
                            target: "ziggurat",
                            attempt,
                            wait_ms = wait.as_millis() as u64,
                            "client-side rate limit: waiting before the attempt"
                        );
                        let sleep = this.shared.sleep.sleep(wait);
                        this.state.set(State::RateLimited { sleep });
                    }
                    continue;
                }
                StateProj::RateLimited { sleep } => {
                    ready!(sleep.as_mut().poll(cx));
                    this.state.set(State::Ready);
                    continue;
                }
                StateProj::Backoff { sleep } => {
                    ready!(sleep.as_mut().poll(cx));
                    this.state.set(State::Start);
                    continue;
                }
                StateProj::Ready => {
                    if !*this.ready
                        && let Err(e) = ready!(this.svc.poll_ready(cx))
                    {
                        this.state.set(State::Done);
                        return Poll::Ready(Err(e.into()));
                    }
                    *this.ready = false;
                    let Some(mut request) = this.request.take() else {
                        this.state.set(State::Done);
                        return Poll::Ready(Err("retry: no request left to send".into()));
                    };
                    // An attempt that may be followed by another keeps a copy first.
                    if !this.retry.is_last_attempt() && this.retry.can_replay() {
                        *this.request = copy(&request);
                        if this.request.is_none() {
                            // The body could not be copied after all (a file that cannot be
                            // reopened): this attempt is the only one.
                            *this.retry = not_replayable(this.retry);
                        }
                    }
                    if this.shared.request_info {
                        let value =
                            request_info_value(this.retry.attempt(), this.retry.max_attempts());
                        request.headers_mut().insert(REQUEST_INFO_HEADER, value);
                    }
                    let fut = this.svc.call(request);
                    this.state.set(State::Calling { fut });
                    continue;
                }
                StateProj::Calling { fut } => match ready!(fut.poll(cx)) {
                    Err(e) => {
                        let (view, original) =
                            outcome::failure_view(e.into(), Otherwise::NotRetried);
                        decide(
                            this.shared,
                            this.ctx,
                            this.retry,
                            this.request,
                            Err(original),
                            view,
                        )
                    }
                    Ok(response) => {
                        let (parts, body) = response.into_parts();
                        let limit = this.shared.error_body_limit;
                        let read = outcome::needs_body(&parts)
                            && limit > 0
                            && !body.is_end_stream()
                            && body.size_hint().lower() <= limit as u64;
                        if read {
                            this.state.set(State::Reading {
                                parts: Some(parts),
                                body: Some(Box::pin(body)),
                                data: VecDeque::new(),
                                len: 0,
                                trailers: None,
                            });
                            continue;
                        }
                        let view = outcome::response_view(&parts, &[]);
                        let response =
                            http::Response::from_parts(parts, ResponseBody::passthrough(body));
                        decide(
                            this.shared,
                            this.ctx,
                            this.retry,
                            this.request,
                            Ok(response),
                            view,
                        )
                    }
                },
                StateProj::Reading {
                    parts,
                    body,
                    data,
                    len,
                    trailers,
                } => {
                    let limit = this.shared.error_body_limit;
                    let mut failed = None;
                    while let Some(stream) = body.as_mut() {
                        if *len > limit {
                            break;
                        }
                        match ready!(stream.as_mut().poll_frame(cx)) {
                            None => *body = None,
                            Some(Err(e)) => {
                                failed = Some(e.into());
                                break;
                            }
                            Some(Ok(frame)) => match frame.into_data() {
                                Ok(mut chunk) => {
                                    let chunk = chunk.copy_to_bytes(chunk.remaining());
                                    *len += chunk.len();
                                    if !chunk.is_empty() {
                                        data.push_back(chunk);
                                    }
                                }
                                Err(frame) => {
                                    if let Ok(t) = frame.into_trailers() {
                                        trailers.get_or_insert_with(HeaderMap::new).extend(t);
                                    }
                                }
                            },
                        }
                    }
                    if let Some(e) = failed {
                        // The body broke off: the attempt failed like a broken connection.
                        let (view, original) = outcome::failure_view(e, Otherwise::Broken);
                        decide(
                            this.shared,
                            this.ctx,
                            this.retry,
                            this.request,
                            Err(original),
                            view,
                        )
                    } else {
                        let Some(parts) = parts.take() else {
                            this.state.set(State::Done);
                            return Poll::Ready(Err(
                                "retry: response polled after completion".into()
                            ));
                        };
                        let data = std::mem::take(data);
                        let rest = body.take();
                        // A body longer than the limit is classified by its status alone.
                        let view = if rest.is_some() {
                            outcome::response_view(&parts, &[])
                        } else {
                            match data.len() {
                                0 => outcome::response_view(&parts, &[]),
                                1 => outcome::response_view(&parts, &data[0]),
                                _ => {
                                    let whole: Vec<u8> =
                                        data.iter().flat_map(|d| d.iter().copied()).collect();
                                    outcome::response_view(&parts, &whole)
                                }
                            }
                        };
                        let body = ResponseBody::buffered(data, trailers.take(), rest);
                        let response = http::Response::from_parts(parts, body);
                        decide(
                            this.shared,
                            this.ctx,
                            this.retry,
                            this.request,
                            Ok(response),
                            view,
                        )
                    }
                }
                StateProj::Failing { sleep, result } => {
                    ready!(sleep.as_mut().poll(cx));
                    let result = result
                        .take()
                        .unwrap_or_else(|| Err("retry: response polled after completion".into()));
                    this.state.set(State::Done);
                    return Poll::Ready(result);
                }
                StateProj::Done => {
                    return Poll::Ready(Err("retry: response polled after completion".into()));
                }
            };
            match next {
                Next::Retry(delay) if delay.is_zero() => this.state.set(State::Start),
                Next::Retry(delay) => {
                    let sleep = this.shared.sleep.sleep(delay);
                    this.state.set(State::Backoff { sleep });
                }
                Next::Return(result) => {
                    this.state.set(State::Done);
                    return Poll::Ready(result);
                }
                Next::FailAfter(delay, result) => {
                    let sleep = this.shared.sleep.sleep(delay);
                    this.state.set(State::Failing {
                        sleep,
                        result: Some(result),
                    });
                }
            }
        }
    }
}

/// Asks the strategy about the attempt just made, and says what follows. `outcome` is the
/// response, or the inner error when it is not an [`SdkError`] (the view holds an
/// [`SdkError`] error itself).
fn decide<B, RB>(
    shared: &Shared,
    ctx: &Context,
    retry: &mut RetryState,
    request: &Option<http::Request<B>>,
    outcome: Result<http::Response<ResponseBody<RB>>, Option<BoxError>>,
    view: View,
) -> Next<RB> {
    let attempt = retry.attempt();
    let decision = shared.strategy.after_attempt(ctx, retry, &view);
    let (stop, wait) = match decision {
        RetryDecision::RetryAfter(delay) if !retry.is_last_attempt() => {
            if retry.can_replay() && request.is_some() {
                tracing::debug!(
                    target: "ziggurat",
                    attempt,
                    max_attempts = retry.max_attempts(),
                    backoff_ms = delay.as_millis() as u64,
                    "retrying"
                );
                return Next::Retry(delay);
            }
            tracing::debug!(
                target: "ziggurat",
                attempt,
                "not retrying: the request body cannot be replayed"
            );
            (Some(RetryStop::BodyNotRewindable), Duration::ZERO)
        }
        RetryDecision::QuotaExceeded(delay) => {
            tracing::debug!(
                target: "ziggurat",
                attempt,
                "not retrying: the retry quota is exhausted"
            );
            (Some(RetryStop::QuotaExceeded), delay)
        }
        _ => (None, Duration::ZERO),
    };
    let result = finish(shared, attempt, outcome, view, stop);
    if wait.is_zero() {
        Next::Return(result)
    } else {
        Next::FailAfter(wait, result)
    }
}

/// The call's result: the last response with the attempts (and why retrying stopped early)
/// in its [`Metadata`], or the last error, inside an error that says why retrying stopped
/// early when it did.
fn finish<RB>(
    shared: &Shared,
    attempts: u32,
    outcome: Result<http::Response<ResponseBody<RB>>, Option<BoxError>>,
    view: View,
    stop: Option<RetryStop>,
) -> Finished<RB> {
    match outcome {
        Ok(mut response) => {
            let extensions = response.extensions_mut();
            if extensions.get::<Metadata>().is_none() {
                extensions.insert(Metadata::default());
            }
            if let Some(meta) = extensions.get_mut::<Metadata>() {
                meta.set_attempts(attempts);
                if let Some(reason) = stop {
                    meta.set_retry_stop(reason);
                }
            }
            Ok(response)
        }
        Err(original) => {
            let Err(seen) = view else {
                return Err("retry: a failed attempt was seen as a success".into());
            };
            let mut error = match (original, stop) {
                (Some(original), None) => return Err(original),
                (Some(original), Some(reason)) => {
                    SdkError::retry_stopped(reason, outcome::rebuild(&seen, original))
                }
                (None, Some(reason)) => SdkError::retry_stopped(reason, seen),
                (None, None) => seen,
            };
            error.metadata_mut().set_attempts(attempts);
            if stop.is_some() && !shared.service.is_empty() {
                error = error.with_operation(shared.service, shared.operation);
            }
            Err(Box::new(error))
        }
    }
}

/// A copy of `request` for another attempt, or `None` when its body cannot be replayed.
fn copy<B: ReplayBody>(request: &http::Request<B>) -> Option<http::Request<B>> {
    let body = request.body().try_replay()?;
    let mut copy = http::Request::new(body);
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    Some(copy)
}

/// `state`, with the request marked as one that cannot be sent again.
fn not_replayable(state: &RetryState) -> RetryState {
    let mut next = RetryState::new(state.max_attempts(), false);
    next.set_attempt(state.attempt());
    next.set_tokens_held(state.tokens_held());
    next
}
