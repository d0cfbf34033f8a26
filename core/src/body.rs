//! The request and response body used at every step boundary.
//!
//! A retry loop has to send the same request more than once, so the body type must say whether
//! that is possible. [`Body`] is one of three things:
//!
//! - **empty**;
//! - **in-memory bytes** ([`Bytes`] is reference counted, so cloning is cheap and the body is
//!   always replayable);
//! - a **stream**, replayable only when it was built with a way to rewind it
//!   ([`Body::from_file`] reopens the file; [`Body::from_rewindable_stream`] takes a closure).
//!
//! A non-rewindable stream is sent once: [`Body::try_clone`] returns `None`, and the retry loop
//! reports that the request could not be retried instead of silently sending an empty body
//! (the top complaint about `reqwest-retry`).
//!
//! ```
//! use ziggurat_core::body::Body;
//!
//! let body = Body::from("hello");
//! assert_eq!(body.bytes(), Some(&b"hello"[..]));
//! assert!(body.try_clone().is_some());
//! assert_eq!(body.content_length(), Some(5));
//! ```
use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

use crate::error::BoxError;

type BoxStream = Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError> + Send>>;
type Rewind = Arc<dyn Fn() -> Result<Body, BoxError> + Send + Sync>;

/// An HTTP body: empty, in-memory bytes, or a stream that may be rewindable.
pub struct Body {
    inner: Inner,
}

enum Inner {
    Empty,
    Bytes(Bytes),
    Stream {
        stream: BoxStream,
        rewind: Option<Rewind>,
        len: Option<u64>,
    },
}

impl Body {
    /// An empty body.
    pub const fn empty() -> Self {
        Body {
            inner: Inner::Empty,
        }
    }

    /// A body held in memory. Cloning it is cheap, so it can always be replayed.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        if bytes.is_empty() {
            Body::empty()
        } else {
            Body {
                inner: Inner::Bytes(bytes),
            }
        }
    }

    /// A streaming body that cannot be rewound: it is sent at most once.
    pub fn from_stream<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let len = body.size_hint().exact();
        Body {
            inner: Inner::Stream {
                stream: Box::pin(body.map_err(Into::into)),
                rewind: None,
                len,
            },
        }
    }

    /// A streaming body that can be rewound: `make` is called once now and again for each
    /// replay, and must produce the same bytes each time.
    pub fn from_rewindable_stream<F>(make: F) -> Result<Self, BoxError>
    where
        F: Fn() -> Result<Body, BoxError> + Send + Sync + 'static,
    {
        let rewind: Rewind = Arc::new(make);
        let mut body = rewind()?;
        if let Inner::Stream { rewind: r, .. } = &mut body.inner {
            *r = Some(rewind);
        }
        Ok(body)
    }

    /// Streams a file in 64 KiB chunks. The body knows its length and is rewindable (the file
    /// is opened again for each replay), so it can be retried and signed as a stream.
    pub async fn from_file(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path: PathBuf = path.as_ref().to_path_buf();
        let file = tokio::fs::File::open(&path).await?;
        let len = file.metadata().await?.len();
        let reopen_path = path.clone();
        let rewind: Rewind = Arc::new(move || {
            let file = std::fs::File::open(&reopen_path)?;
            Ok(Body::file_stream(tokio::fs::File::from_std(file), len))
        });
        let mut body = Body::file_stream(file, len);
        if let Inner::Stream { rewind: r, .. } = &mut body.inner {
            *r = Some(rewind);
        }
        Ok(body)
    }

    fn file_stream(file: tokio::fs::File, len: u64) -> Body {
        Body {
            inner: Inner::Stream {
                stream: Box::pin(FileBody {
                    file,
                    remaining: len,
                }),
                rewind: None,
                len: Some(len),
            },
        }
    }

    /// The bytes, when the body is in memory (or empty).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.inner {
            Inner::Empty => Some(&[]),
            Inner::Bytes(b) => Some(b),
            Inner::Stream { .. } => None,
        }
    }

    /// The length in bytes, when it is known without reading the body.
    pub fn content_length(&self) -> Option<u64> {
        match &self.inner {
            Inner::Empty => Some(0),
            Inner::Bytes(b) => Some(b.len() as u64),
            Inner::Stream { len, .. } => *len,
        }
    }

    /// Whether [`Body::try_clone`] will succeed.
    pub fn is_replayable(&self) -> bool {
        match &self.inner {
            Inner::Empty | Inner::Bytes(_) => true,
            Inner::Stream { rewind, .. } => rewind.is_some(),
        }
    }

    /// Whether the body is a stream (not held in memory).
    pub fn is_streaming(&self) -> bool {
        matches!(self.inner, Inner::Stream { .. })
    }

    /// A copy of the body from its start, or `None` for a stream that cannot be rewound.
    /// For a rewindable stream this reopens the source; failing that it returns `None`.
    pub fn try_clone(&self) -> Option<Body> {
        match &self.inner {
            Inner::Empty => Some(Body::empty()),
            Inner::Bytes(b) => Some(Body {
                inner: Inner::Bytes(b.clone()),
            }),
            Inner::Stream { rewind, .. } => {
                let rewind = rewind.as_ref()?;
                let mut body = rewind().ok()?;
                if let Inner::Stream { rewind: r, .. } = &mut body.inner {
                    *r = Some(rewind.clone());
                }
                Some(body)
            }
        }
    }

    /// The bytes, without copying, when the body is in memory; the body itself otherwise.
    pub fn try_into_bytes(self) -> Result<Bytes, Body> {
        match self.inner {
            Inner::Empty => Ok(Bytes::new()),
            Inner::Bytes(b) => Ok(b),
            inner => Err(Body { inner }),
        }
    }

    /// Reads the whole body into memory.
    pub async fn collect(self) -> Result<Bytes, BoxError> {
        match self.inner {
            Inner::Empty => Ok(Bytes::new()),
            Inner::Bytes(b) => Ok(b),
            Inner::Stream { stream, .. } => Ok(stream.collect().await?.to_bytes()),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Empty => f.write_str("Body::Empty"),
            Inner::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            Inner::Stream { rewind, len, .. } => f
                .debug_struct("Body::Stream")
                .field("len", len)
                .field("rewindable", &rewind.is_some())
                .finish(),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body::from_bytes(b)
    }
}
impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body::from_bytes(b)
    }
}
impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::from_bytes(s)
    }
}
impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::from_bytes(Bytes::from_static(s.as_bytes()))
    }
}
impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Self {
        Body::from_bytes(Bytes::from_static(s))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.inner {
            Inner::Empty => Poll::Ready(None),
            Inner::Bytes(_) => {
                let Inner::Bytes(b) = std::mem::replace(&mut self.inner, Inner::Empty) else {
                    return Poll::Ready(None);
                };
                Poll::Ready(Some(Ok(Frame::data(b))))
            }
            Inner::Stream { stream, .. } => stream.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Empty => true,
            Inner::Bytes(_) => false,
            Inner::Stream { stream, .. } => stream.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Empty => SizeHint::with_exact(0),
            Inner::Bytes(b) => SizeHint::with_exact(b.len() as u64),
            Inner::Stream { stream, .. } => stream.size_hint(),
        }
    }
}

/// A view of a request body that a synchronous hook can inspect without owning it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum BodyRef<'a> {
    /// The whole body, in memory.
    Bytes(&'a [u8]),
    /// A stream, with its length when known.
    Stream {
        /// The exact length, when known.
        len: Option<u64>,
    },
}

impl BodyRef<'_> {
    /// The length in bytes, when known.
    pub fn len(&self) -> Option<u64> {
        match self {
            BodyRef::Bytes(b) => Some(b.len() as u64),
            BodyRef::Stream { len } => *len,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

/// Body types whose contents a hook can see: implemented for [`Body`] and the usual in-memory
/// body types, so the standalone layers work on services that take them.
pub trait AsBodyRef {
    /// A view of the body.
    fn as_body_ref(&self) -> BodyRef<'_>;
}

impl AsBodyRef for Body {
    fn as_body_ref(&self) -> BodyRef<'_> {
        match self.bytes() {
            Some(b) => BodyRef::Bytes(b),
            None => BodyRef::Stream {
                len: self.content_length(),
            },
        }
    }
}
impl AsBodyRef for Bytes {
    fn as_body_ref(&self) -> BodyRef<'_> {
        BodyRef::Bytes(self)
    }
}
impl AsBodyRef for String {
    fn as_body_ref(&self) -> BodyRef<'_> {
        BodyRef::Bytes(self.as_bytes())
    }
}
impl AsBodyRef for Vec<u8> {
    fn as_body_ref(&self) -> BodyRef<'_> {
        BodyRef::Bytes(self)
    }
}
impl AsBodyRef for &'static str {
    fn as_body_ref(&self) -> BodyRef<'_> {
        BodyRef::Bytes(self.as_bytes())
    }
}
impl AsBodyRef for &'static [u8] {
    fn as_body_ref(&self) -> BodyRef<'_> {
        BodyRef::Bytes(self)
    }
}
impl AsBodyRef for () {
    fn as_body_ref(&self) -> BodyRef<'_> {
        BodyRef::Bytes(&[])
    }
}
impl<D: bytes::Buf> AsBodyRef for http_body_util::Empty<D> {
    fn as_body_ref(&self) -> BodyRef<'_> {
        BodyRef::Bytes(&[])
    }
}

const FILE_CHUNK: usize = 64 * 1024;

/// Streams a file, stopping at the length it had when opened.
struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        use tokio::io::AsyncRead;
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(self.remaining)
            .unwrap_or(FILE_CHUNK)
            .min(FILE_CHUNK);
        let mut buf = BytesMut::zeroed(want);
        let mut read_buf = tokio::io::ReadBuf::new(&mut buf);
        match Pin::new(&mut self.file).poll_read(cx, &mut read_buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(Ok(())) => {
                let n = read_buf.filled().len();
                if n == 0 {
                    let missing = self.remaining;
                    self.remaining = 0;
                    return Poll::Ready(Some(Err(format!(
                        "file ended {missing} bytes before its length when opened"
                    )
                    .into())));
                }
                buf.truncate(n);
                self.remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(buf.freeze()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::StreamBody;

    #[tokio::test]
    async fn bytes_body_is_replayable_and_collects() {
        let body = Body::from("abc");
        let copy = body.try_clone().unwrap();
        assert_eq!(body.collect().await.unwrap(), "abc");
        assert_eq!(copy.collect().await.unwrap(), "abc");
    }

    #[tokio::test]
    async fn plain_stream_is_not_replayable() {
        let chunks = futures_util::stream::iter(vec![Ok::<_, BoxError>(Frame::data(
            Bytes::from_static(b"xy"),
        ))]);
        let body = Body::from_stream(StreamBody::new(chunks));
        assert!(!body.is_replayable());
        assert!(body.try_clone().is_none());
        assert_eq!(body.bytes(), None);
        assert_eq!(body.collect().await.unwrap(), "xy");
    }

    #[tokio::test]
    async fn file_body_streams_and_rewinds() {
        let dir = std::env::temp_dir().join(format!("zig-body-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let body = Body::from_file(&path).await.unwrap();
        assert_eq!(body.content_length(), Some(200_000));
        assert!(body.is_streaming() && body.is_replayable());
        let again = body.try_clone().unwrap();
        assert_eq!(body.collect().await.unwrap(), data);
        assert_eq!(again.collect().await.unwrap(), data);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn empty_bytes_become_empty_body() {
        let b = Body::from(Vec::new());
        assert_eq!(b.content_length(), Some(0));
        assert!(http_body::Body::is_end_stream(&b));
    }
}
