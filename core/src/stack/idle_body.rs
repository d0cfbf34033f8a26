//! A response body that may not go quiet for longer than a limit: the retry strategy's
//! [`response_body_idle_timeout`](RetryStrategy::response_body_idle_timeout), by default
//! [`RESPONSE_BODY_IDLE_TIMEOUT`].
//!
//! The transport's read timeout ends with the response head. After that, a peer that stops
//! sending in the middle of a body would leave its reader waiting for ever; [`IdleLimited`]
//! fails such a body with a (retryable) timeout error instead. It serves both kinds of body the
//! orchestrator hands on: one the operation reads whole, and one that streams to the caller
//! (S3 `GetObject`).
//!
//! Only the peer's silence counts: the timer runs while the reader waits on a frame that is not
//! there yet, and starts again with each frame, so a slow reader never trips it. The timer is
//! made only when a frame is not ready at once.
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::body::Body;
use crate::error::{ApiError, BoxError, SdkError};
use crate::retry::{RESPONSE_BODY_IDLE_TIMEOUT, RetryStrategy, TimeoutError, TimeoutScope};
use crate::time::{SharedSleep, SleepFuture};

/// A body whose frames must each arrive within `limit` of waiting (no limit when `None`).
pub(crate) struct IdleLimited {
    /// `None` once the body has ended, failed or timed out.
    inner: Option<Body>,
    limit: Option<Duration>,
    sleep: Option<SharedSleep>,
    timer: Option<SleepFuture>,
}

impl IdleLimited {
    /// Watches `body` with the limit of the segment's retry strategy
    /// ([`RetryStrategy::response_body_idle_timeout`]), timed with its sleep; with no strategy,
    /// [`RESPONSE_BODY_IDLE_TIMEOUT`] on tokio's timer.
    pub(crate) fn new(
        body: Body,
        strategy: Option<(&Arc<dyn RetryStrategy>, &SharedSleep)>,
    ) -> Self {
        let (limit, sleep) = match strategy {
            Some((s, sleep)) => (s.response_body_idle_timeout(), Some(sleep.clone())),
            None => (Some(RESPONSE_BODY_IDLE_TIMEOUT), None),
        };
        IdleLimited {
            inner: Some(body),
            limit,
            sleep,
            timer: None,
        }
    }

    /// The watched body as a [`Body`]; the body itself when there is no limit to watch.
    pub(crate) fn into_body(self) -> Body {
        if self.limit.is_some() {
            return Body::from_stream(self);
        }
        self.inner.unwrap_or_default()
    }

    /// The error a body that went quiet for `limit` ends with.
    fn timed_out(limit: Duration) -> BoxError {
        Box::new(SdkError::<ApiError>::timeout(TimeoutError::new(
            TimeoutScope::ResponseBody,
            limit,
        )))
    }
}

impl http_body::Body for IdleLimited {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let Some(body) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(frame) = Pin::new(body).poll_frame(cx) {
            this.timer = None;
            if !matches!(frame, Some(Ok(_))) {
                this.inner = None;
            }
            return Poll::Ready(frame);
        }
        let Some(limit) = this.limit else {
            return Poll::Pending;
        };
        let sleep = &this.sleep;
        let timer = this.timer.get_or_insert_with(|| match sleep {
            Some(s) => s.sleep(limit),
            None => SharedSleep::default().sleep(limit),
        });
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                // Dropping the body closes its connection: nothing more will be read from it.
                this.timer = None;
                this.inner = None;
                Poll::Ready(Some(Err(Self::timed_out(limit))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Some(body) => body.size_hint(),
            None => SizeHint::with_exact(0),
        }
    }
}
