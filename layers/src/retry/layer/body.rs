//! [`ResponseBody`]: the body of the responses [`Retry`](super::Retry) returns.
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};

pin_project_lite::pin_project! {
    /// The body of a response returned by [`Retry`](super::Retry): the inner service's body,
    /// passed through, or, when the layer read an error body to find its error code, the
    /// data it read followed by whatever it left unread.
    ///
    /// Either way the caller reads the bytes and trailers the server sent: classifying an
    /// error response never loses its body. Data frames are [`Bytes`] (taken without a copy
    /// from bodies whose data already is `Bytes`, as hyper's and ziggurat's are).
    pub struct ResponseBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Passthrough { #[pin] body: B },
        Buffered {
            data: VecDeque<Bytes>,
            trailers: Option<HeaderMap>,
            rest: Option<Pin<Box<B>>>,
        },
    }
}

impl<B> ResponseBody<B> {
    /// The inner service's body, passed through.
    pub(super) fn passthrough(body: B) -> Self {
        ResponseBody {
            kind: Kind::Passthrough { body },
        }
    }

    /// The data and trailers already read, then `rest` (the unread remainder), if any.
    pub(super) fn buffered(
        data: VecDeque<Bytes>,
        trailers: Option<HeaderMap>,
        rest: Option<Pin<Box<B>>>,
    ) -> Self {
        ResponseBody {
            kind: Kind::Buffered {
                data,
                trailers,
                rest,
            },
        }
    }

    /// Whether the layer read this body (or its start) to classify the response.
    pub fn was_read(&self) -> bool {
        matches!(self.kind, Kind::Buffered { .. })
    }
}

impl<B> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Passthrough { .. } => f.write_str("ResponseBody::Passthrough"),
            Kind::Buffered { data, rest, .. } => f
                .debug_struct("ResponseBody::Buffered")
                .field("buffered", &data.iter().map(Bytes::len).sum::<usize>())
                .field("unread_rest", &rest.is_some())
                .finish(),
        }
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            KindProj::Passthrough { body } => body.poll_frame(cx).map(into_bytes_frame),
            KindProj::Buffered {
                data,
                trailers,
                rest,
            } => {
                if let Some(chunk) = data.pop_front() {
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                if let Some(body) = rest {
                    match body.as_mut().poll_frame(cx) {
                        Poll::Ready(None) => *rest = None,
                        other => return other.map(into_bytes_frame),
                    }
                }
                Poll::Ready(trailers.take().map(|t| Ok(Frame::trailers(t))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Passthrough { body } => body.is_end_stream(),
            Kind::Buffered {
                data,
                trailers,
                rest,
            } => {
                data.is_empty()
                    && trailers.is_none()
                    && rest.as_ref().is_none_or(|r| r.is_end_stream())
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Passthrough { body } => body.size_hint(),
            Kind::Buffered { data, rest, .. } => {
                let held = data.iter().map(|d| d.len() as u64).sum::<u64>();
                let rest = rest
                    .as_ref()
                    .map(|r| r.size_hint())
                    .unwrap_or_else(|| SizeHint::with_exact(0));
                let mut hint = SizeHint::new();
                hint.set_lower(rest.lower().saturating_add(held));
                if let Some(upper) = rest.upper() {
                    hint.set_upper(upper.saturating_add(held));
                }
                hint
            }
        }
    }
}

fn into_bytes_frame<D: Buf, E>(
    frame: Option<Result<Frame<D>, E>>,
) -> Option<Result<Frame<Bytes>, E>> {
    frame.map(|f| f.map(|f| f.map_data(|mut d| d.copy_to_bytes(d.remaining()))))
}
