//! A response body that logs what passes through it, as the caller reads it: it never reads
//! ahead, keeps at most the cap in memory, and logs once, at the end (or when dropped early).
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http_body::{Frame, SizeHint};

/// Text of a body for the log: UTF-8 as it is, anything else escaped; `more` bytes not shown.
pub(crate) fn body_text(bytes: &[u8], more: u64) -> String {
    let mut text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => bytes.escape_ascii().to_string(),
    };
    if more > 0 {
        text.push_str(&format!("… ({more} more bytes)"));
    }
    text
}

/// What one body's log line needs.
pub(crate) struct BodyLog {
    pub(crate) label: String,
    /// `Some(why)` when the body is not shown (sensitive members).
    pub(crate) withheld: Option<String>,
    pub(crate) cap: usize,
    kept: Vec<u8>,
    total: u64,
    done: bool,
}

impl BodyLog {
    pub(crate) fn new(label: String, withheld: Option<String>, cap: usize) -> Self {
        BodyLog {
            label,
            withheld,
            cap,
            kept: Vec::new(),
            total: 0,
            done: false,
        }
    }

    fn take(&mut self, chunk: &[u8]) {
        self.total += chunk.len() as u64;
        if self.withheld.is_none() {
            let room = self.cap.saturating_sub(self.kept.len());
            self.kept
                .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        }
    }

    fn finish(&mut self, how: &str) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let text = match &self.withheld {
            Some(why) => format!("<{} bytes, {why}>", self.total),
            None => body_text(&self.kept, self.total - self.kept.len() as u64),
        };
        tracing::info!(
            target: ziggurat_core::log_mode::TARGET,
            "response body{how}{}:\n{text}",
            self.label
        );
    }
}

impl Drop for BodyLog {
    fn drop(&mut self) {
        self.finish(", not read to the end");
    }
}

pin_project_lite::pin_project! {
    /// A response body, logged as it is read when the wire log asks for bodies.
    pub struct LoggedBody<B> {
        #[pin]
        inner: B,
        log: Option<Box<BodyLog>>,
    }
}

impl<B> LoggedBody<B> {
    pub(crate) fn new(inner: B, log: Option<Box<BodyLog>>) -> Self {
        LoggedBody { inner, log }
    }
}

impl<B> http_body::Body for LoggedBody<B>
where
    B: http_body::Body<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        if let Some(log) = this.log.as_deref_mut() {
            match &polled {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        log.take(data.chunk());
                    }
                }
                Poll::Ready(Some(Err(_))) => log.finish(", ended by an error"),
                Poll::Ready(None) => log.finish(""),
                Poll::Pending => {}
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
