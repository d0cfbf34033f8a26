//! The body wrapper that frames another body as `aws-chunked` while it streams.
use std::collections::VecDeque;
use std::fmt::{self, Write as _};
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use ziggurat_core::body::Body;
use ziggurat_core::error::BoxError;

use super::{AwsChunkedError, ChunkSigner, Framing};
use crate::checksum::Checksum;

pin_project_lite::pin_project! {
    /// Frames the inner body as `aws-chunked` as it streams: chunks of
    /// [`Framing::chunk_size`] bytes (the last one may be shorter), each signed when the
    /// variant signs chunks, then the final empty chunk and, for the trailer variants, the
    /// checksum trailer (signed or not).
    ///
    /// Only one chunk is held in memory. The inner body must yield exactly
    /// [`Framing::decoded_length`] bytes, or the body fails (the request declared its length).
    /// Its size hint is the exact encoded length, so `Content-Length` can be set up front.
    ///
    /// ```
    /// use http_body_util::BodyExt;
    /// use ziggurat_layers::sign::aws_chunked::{AwsChunkedBody, AwsChunkedVariant, Framing};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let framing = Framing::new(AwsChunkedVariant::UnsignedWithTrailer, 11);
    /// let body = AwsChunkedBody::new(http_body_util::Full::new(bytes::Bytes::from("hello world")), framing, None)?;
    /// let framed = body.collect().await?.to_bytes();
    /// assert_eq!(&framed[..], b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n");
    /// assert_eq!(framed.len() as u64, framing.encoded_length());
    /// # Ok(()) }
    /// ```
    pub struct AwsChunkedBody<B> {
        #[pin]
        inner: B,
        framer: Framer,
    }
}

struct Framer {
    framing: Framing,
    signer: Option<ChunkSigner>,
    checksum: Option<Checksum>,
    /// The chunk being filled.
    buf: BytesMut,
    /// Frames ready to go out.
    pending: VecDeque<Bytes>,
    /// Bytes read from the inner body.
    seen: u64,
    /// Encoded bytes not yet handed out.
    encoded_left: u64,
    inner_done: bool,
    finished: bool,
    /// A chunk's data went out; its closing CRLF goes before the next chunk header.
    crlf_due: bool,
}

impl<B> AwsChunkedBody<B> {
    /// Frames `inner`. `signer` signs the chunks and the trailer; it is required by the
    /// variants that sign, and ignored by the unsigned one.
    ///
    /// # Errors
    ///
    /// [`AwsChunkedError`] when the variant signs but no signer is given.
    pub fn new(
        inner: B,
        framing: Framing,
        signer: Option<ChunkSigner>,
    ) -> Result<Self, AwsChunkedError> {
        let signer = if framing.variant().signs_chunks() {
            Some(signer.ok_or_else(|| {
                AwsChunkedError::signing("a signed aws-chunked body needs a chunk signer")
            })?)
        } else {
            None
        };
        let checksum = framing
            .variant()
            .has_trailer()
            .then(|| Checksum::new(framing.checksum()));
        Ok(AwsChunkedBody {
            inner,
            framer: Framer {
                framing,
                signer,
                checksum,
                buf: BytesMut::new(),
                pending: VecDeque::with_capacity(4),
                seen: 0,
                encoded_left: framing.encoded_length(),
                inner_done: false,
                finished: false,
                crlf_due: false,
            },
        })
    }

    /// The framing.
    pub fn framing(&self) -> &Framing {
        &self.framer.framing
    }
}

impl<B> fmt::Debug for AwsChunkedBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsChunkedBody")
            .field("framing", &self.framer.framing)
            .field("sent_decoded_bytes", &self.framer.seen)
            .finish_non_exhaustive()
    }
}

impl Framer {
    fn chunk_size(&self) -> usize {
        self.framing.chunk_size()
    }

    fn push_chunk(&mut self, data: Bytes) {
        let mut head = BytesMut::with_capacity(2 + 16 + 17 + 64 + 2);
        if self.crlf_due {
            head.extend_from_slice(b"\r\n");
        }
        // Writing to a `BytesMut` cannot fail.
        let _ = write!(head, "{:x}", data.len());
        if let Some(signer) = &mut self.signer {
            head.extend_from_slice(b";chunk-signature=");
            head.extend_from_slice(signer.sign_chunk(&data).as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        if let Some(checksum) = &mut self.checksum {
            checksum.update(&data);
        }
        self.pending.push_back(head.freeze());
        self.pending.push_back(data);
        self.crlf_due = true;
    }

    fn push_final(&mut self) {
        let mut tail = BytesMut::with_capacity(256);
        if self.crlf_due {
            tail.extend_from_slice(b"\r\n");
        }
        tail.extend_from_slice(b"0");
        if let Some(signer) = &mut self.signer {
            tail.extend_from_slice(b";chunk-signature=");
            tail.extend_from_slice(signer.sign_chunk(&[]).as_bytes());
        }
        tail.extend_from_slice(b"\r\n");
        if let Some(checksum) = self.checksum.take() {
            let start = tail.len();
            tail.extend_from_slice(checksum.algorithm().trailer_name().as_bytes());
            tail.extend_from_slice(b":");
            tail.extend_from_slice(checksum.finalize().to_base64().as_bytes());
            if let Some(signer) = &mut self.signer {
                let mut canonical = tail.get(start..).map(<[u8]>::to_vec).unwrap_or_default();
                canonical.push(b'\n');
                let signature = signer.sign_trailer(&canonical);
                tail.extend_from_slice(b"\r\nx-amz-trailer-signature:");
                tail.extend_from_slice(signature.as_bytes());
            }
            tail.extend_from_slice(b"\r\n");
        }
        tail.extend_from_slice(b"\r\n");
        self.pending.push_back(tail.freeze());
        self.finished = true;
    }

    /// Takes in one frame of the inner body's data.
    fn take_data(&mut self, mut data: Bytes) -> Result<(), AwsChunkedError> {
        self.seen = self.seen.saturating_add(data.len() as u64);
        if self.seen > self.framing.decoded_length() {
            return Err(AwsChunkedError::length(
                self.framing.decoded_length(),
                self.seen,
                "more",
            ));
        }
        let size = self.chunk_size();
        if !self.buf.is_empty() {
            let want = size.saturating_sub(self.buf.len());
            if data.len() < want {
                self.buf.extend_from_slice(&data);
                return Ok(());
            }
            self.buf.extend_from_slice(&data.split_to(want));
            let chunk = self.buf.split().freeze();
            self.push_chunk(chunk);
        }
        // Whole chunks straight from the inner body's buffer, without copying.
        while data.len() >= size {
            let chunk = data.split_to(size);
            self.push_chunk(chunk);
        }
        if !data.is_empty() {
            self.buf.reserve(size);
            self.buf.extend_from_slice(&data);
        }
        Ok(())
    }
}

impl<B> http_body::Body for AwsChunkedBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        let framer = &mut *this.framer;
        loop {
            if let Some(bytes) = framer.pending.pop_front() {
                framer.encoded_left = framer.encoded_left.saturating_sub(bytes.len() as u64);
                return Poll::Ready(Some(Ok(Frame::data(bytes))));
            }
            if framer.finished {
                return Poll::Ready(None);
            }
            if framer.inner_done {
                if framer.buf.is_empty() {
                    framer.push_final();
                } else {
                    let last = framer.buf.split().freeze();
                    framer.push_chunk(last);
                }
                continue;
            }
            match this.inner.as_mut().poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
                Poll::Ready(Some(Ok(frame))) => {
                    // HTTP trailers of the inner body have no place in aws-chunked framing.
                    if let Ok(data) = frame.into_data()
                        && let Err(e) = framer.take_data(data)
                    {
                        framer.finished = true;
                        return Poll::Ready(Some(Err(e.into())));
                    }
                }
                Poll::Ready(None) => {
                    framer.inner_done = true;
                    let expected = framer.framing.decoded_length();
                    if framer.seen != expected {
                        framer.finished = true;
                        return Poll::Ready(Some(Err(AwsChunkedError::length(
                            expected,
                            framer.seen,
                            "fewer",
                        )
                        .into())));
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.framer.finished && self.framer.pending.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.framer.encoded_left)
    }
}

/// Frames a [`Body`] as `aws-chunked`, as [`AwsChunkedBody`] does, and returns it as a
/// [`Body`] again: a stream whose length is the encoded length, rewindable when `body` is
/// (each replay frames a fresh copy of `body` with a copy of `signer` as it was here, so it
/// produces the same bytes and signatures).
///
/// # Errors
///
/// [`AwsChunkedError`] when the variant signs but no signer is given, or when `body` is
/// rewindable but cannot be rewound now.
pub fn frame_body(
    body: Body,
    framing: Framing,
    signer: Option<ChunkSigner>,
) -> Result<Body, AwsChunkedError> {
    if !body.is_replayable() {
        return Ok(Body::from_stream(AwsChunkedBody::new(
            body, framing, signer,
        )?));
    }
    let template = Mutex::new(body);
    Body::from_rewindable_stream(move || {
        let copy = template
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_clone()
            .ok_or("the body could not be rewound")?;
        Ok(Body::from_stream(AwsChunkedBody::new(
            copy,
            framing,
            signer.clone(),
        )?))
    })
    .map_err(AwsChunkedError::body)
}
