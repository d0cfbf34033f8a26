//! The read timeout, and the future that carries it.
//!
//! The read timeout bounds the wait for the response head *after the request has been sent*,
//! like Go's `http.Transport.ResponseHeaderTimeout`. Starting the clock when the call starts
//! instead (as a timeout around the whole call does) would count connecting and, worse,
//! uploading: a 5 GiB `PutObject` on a slow link would time out while it is still sending.
//!
//! "Sent" is observed through the request body: the transport wraps it in [`SendBody`], and
//! hyper drops the body once it has written its last frame (at once for an empty body, right
//! after the request head). The drop closes a oneshot channel, and only then does the timer
//! start.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::Authority;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::CaptureConnection;
use pin_project_lite::pin_project;
use tokio::sync::oneshot;
use tokio::time::Sleep;

use super::ConnectionUsage;
use super::error::{ReadTimedOut, map_body_error, map_client_error};
use super::usage::{ConnectionState, UsageGuard};
use crate::body::Body;
use crate::error::{BoxError, SdkError};

/// The request body as hyper sees it: the [`Body`], plus a signal that fires when hyper drops
/// it, that is when the whole request has been written.
pub(crate) struct SendBody {
    body: Body,
    _sent: Option<oneshot::Sender<()>>,
}

impl SendBody {
    pub(crate) fn new(body: Body, sent: Option<oneshot::Sender<()>>) -> Self {
        SendBody { body, _sent: sent }
    }
}

impl http_body::Body for SendBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

pin_project! {
    /// The future of a [`HyperTransport`](super::HyperTransport) call: the response head, with
    /// a body that streams from the connection.
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture {
        #[pin]
        state: State,
    }
}

pin_project! {
    #[project = StateProj]
    enum State {
        Failed { error: Option<SdkError> },
        Waiting {
            response: hyper_util::client::legacy::ResponseFuture,
            authority: Authority,
            read_timeout: Duration,
            // Closed when the request has been written; `None` once it has, or with no timeout.
            sent: Option<oneshot::Receiver<()>>,
            #[pin]
            timer: Option<Sleep>,
            // Only when the request asked for [`MeasureConnection`](super::MeasureConnection).
            probe: Option<Box<ConnectionProbe>>,
        },
    }
}

/// Watches for the moment hyper hands the request a connection: the pool reports it through
/// [`CaptureConnection`] inside the poll of the response future, so checking after each poll
/// needs no waker of its own. With [`ConnectionUsage`] it also acquires the connection's
/// [`ConnectionState`] for `client.http.connections.usage`, and holds it until the response
/// body ends.
pub(crate) struct ConnectionProbe {
    capture: CaptureConnection,
    started: Instant,
    acquired: Option<Instant>,
    usage: Option<ConnectionUsage>,
    guard: Option<UsageGuard>,
}

impl ConnectionProbe {
    pub(crate) fn new(capture: CaptureConnection, usage: Option<ConnectionUsage>) -> Box<Self> {
        Box::new(ConnectionProbe {
            capture,
            started: Instant::now(),
            acquired: None,
            usage,
            guard: None,
        })
    }

    fn check(&mut self) {
        if self.acquired.is_some() {
            return;
        }
        let connected = self.capture.connection_metadata();
        let Some(connected) = connected.as_ref() else {
            return;
        };
        self.acquired = Some(Instant::now());
        if let Some(usage) = &self.usage {
            let mut extras = http::Extensions::new();
            connected.get_extras(&mut extras);
            self.guard = extras
                .get::<ConnectionState>()
                .map(|state| state.acquire(usage));
        }
    }

    /// The wait, once the response is here (it had a connection by then).
    fn wait(&mut self) -> super::ConnectionWait {
        self.check();
        let acquired = self.acquired.unwrap_or_else(Instant::now);
        super::ConnectionWait(acquired.saturating_duration_since(self.started))
    }
}

impl ResponseFuture {
    pub(crate) fn failed(error: SdkError) -> Self {
        ResponseFuture {
            state: State::Failed { error: Some(error) },
        }
    }

    pub(crate) fn waiting(
        response: hyper_util::client::legacy::ResponseFuture,
        authority: Authority,
        read_timeout: Option<(Duration, oneshot::Receiver<()>)>,
        probe: Option<Box<ConnectionProbe>>,
    ) -> Self {
        let (read_timeout, sent) = match read_timeout {
            Some((limit, sent)) => (limit, Some(sent)),
            None => (Duration::ZERO, None),
        };
        ResponseFuture {
            state: State::Waiting {
                response,
                authority,
                read_timeout,
                sent,
                timer: None,
                probe,
            },
        }
    }
}

impl Future for ResponseFuture {
    type Output = Result<http::Response<Body>, SdkError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Failed { error } => Poll::Ready(Err(error.take().unwrap_or_else(|| {
                SdkError::transport(
                    crate::error::TransportErrorKind::Other,
                    "response future polled after completion",
                )
            }))),
            StateProj::Waiting {
                response,
                authority,
                read_timeout,
                sent,
                mut timer,
                probe,
            } => {
                let polled = Pin::new(response).poll(cx);
                if let Some(probe) = probe.as_mut() {
                    probe.check();
                }
                if let Poll::Ready(result) = polled {
                    return Poll::Ready(match result {
                        Ok(mut res) => {
                            let mut guard = None;
                            if let Some(probe) = probe.as_mut() {
                                res.extensions_mut().insert(probe.wait());
                                guard = probe.guard.take();
                            }
                            let authority = authority.clone();
                            Ok(res.map(|incoming| into_body(incoming, authority, guard)))
                        }
                        Err(e) => Err(map_client_error(e, authority)),
                    });
                }
                if let Some(rx) = sent
                    && Pin::new(rx).poll(cx).is_ready()
                {
                    *sent = None;
                    timer.set(Some(tokio::time::sleep(*read_timeout)));
                }
                if let Some(t) = timer.as_pin_mut()
                    && t.poll(cx).is_ready()
                {
                    return Poll::Ready(Err(SdkError::timeout(ReadTimedOut {
                        authority: authority.clone(),
                        after: *read_timeout,
                    })));
                }
                Poll::Pending
            }
        }
    }
}

impl std::fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// The response body: streams from the connection; an error while reading it is an
/// [`SdkError`] inside the body's `BoxError`. A request counted in
/// `client.http.connections.usage` holds its connection until the body ends.
fn into_body(incoming: Incoming, authority: Authority, guard: Option<UsageGuard>) -> Body {
    let body = incoming.map_err(move |e| map_body_error(e, &authority));
    match guard {
        None => Body::from_stream(body),
        Some(guard) => Body::from_stream(Holding {
            body,
            guard: Some(guard),
        }),
    }
}

pin_project! {
    /// A response body that releases its connection's [`UsageGuard`] at its end (or when
    /// dropped before it).
    struct Holding<B> {
        #[pin]
        body: B,
        guard: Option<UsageGuard>,
    }
}

impl<B: http_body::Body> http_body::Body for Holding<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        let polled = this.body.poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            this.guard.take();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
