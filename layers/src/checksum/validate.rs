//! Response validation: a body that computes the checksum of what it yields and fails at its
//! end when that is not the checksum the response declared.
//!
//! An object may be gigabytes, so it is never read whole to be checked: [`ValidatingBody`]
//! hashes each frame as it passes to the reader, and only the last poll (where the inner body
//! ends) compares. A reader that sees the end of the body without an error has received exactly
//! the bytes S3 checksummed; one that reads a corrupted object gets [`ChecksumMismatch`] as the
//! body's last item, after the data, so nothing is silently accepted. (aws-smithy-checksums
//! does the same; the Go SDK logs a mismatch of a streamed output unless told otherwise.)
//!
//! [`response_checksum`] picks the checksum to check from the response headers: the first of
//! [`ChecksumAlgorithm::VALIDATION_ORDER`] present, skipping *composite* checksums (a value
//! ending in `-N`, a checksum of the checksums of N parts, which says nothing checkable about
//! the bytes of the whole) and partial responses (`Content-Range`: the checksum is of the
//! object, not of the range).
//!
//! ```
//! use http_body_util::BodyExt;
//! use ziggurat_layers::checksum::validate::{ValidatingBody, response_checksum};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-amz-checksum-crc32", "i9aeUg==".parse().unwrap());
//! let expected = response_checksum(&headers).unwrap();
//!
//! let good = ValidatingBody::new(http_body_util::Full::new(bytes::Bytes::from("Hello world")), expected.clone());
//! assert_eq!(&good.collect().await.unwrap().to_bytes()[..], b"Hello world");
//!
//! let bad = ValidatingBody::new(http_body_util::Full::new(bytes::Bytes::from("Hello World")), expected);
//! let err = bad.collect().await.unwrap_err();
//! assert!(err.to_string().contains("checksum mismatch"));
//! # }
//! ```
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Frame, SizeHint};
use ziggurat_core::error::BoxError;

use super::{Checksum, ChecksumAlgorithm};

/// The checksum a response declares for its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedChecksum {
    algorithm: ChecksumAlgorithm,
    base64: String,
}

impl ExpectedChecksum {
    /// The checksum `base64` (as S3 sends it) by `algorithm`.
    pub fn new(algorithm: ChecksumAlgorithm, base64: impl Into<String>) -> Self {
        ExpectedChecksum {
            algorithm,
            base64: base64.into(),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        self.algorithm
    }

    /// The value, base64.
    pub fn base64(&self) -> &str {
        &self.base64
    }
}

/// Whether a checksum value is composite (`BASE64-N`: of the parts of a multipart upload).
pub fn is_composite(value: &str) -> bool {
    value
        .rsplit_once('-')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The checksum to validate a response body against: the first algorithm of
/// [`ChecksumAlgorithm::VALIDATION_ORDER`] whose header is present, unless its value is
/// composite; `None` for a partial response (`Content-Range`) or when there is none.
pub fn response_checksum(headers: &HeaderMap) -> Option<ExpectedChecksum> {
    if headers.contains_key(http::header::CONTENT_RANGE) {
        return None;
    }
    // One pass over the response's headers (a lookup per algorithm would parse and hash ten
    // names): the first value of each checksum header, the earliest in the validation order.
    let mut best: Option<(usize, ChecksumAlgorithm, &str)> = None;
    let mut previous: Option<&http::HeaderName> = None;
    for (name, value) in headers {
        // `HeaderMap` yields all the values of a name one after the other: the first counts.
        if previous == Some(name) {
            continue;
        }
        previous = Some(name);
        if !name.as_str().starts_with("x-amz-checksum-") {
            continue;
        }
        let found = ChecksumAlgorithm::VALIDATION_ORDER
            .into_iter()
            .enumerate()
            .find(|(_, algorithm)| algorithm.header_name() == name.as_str());
        if let Some((rank, algorithm)) = found
            && best.is_none_or(|(best_rank, ..)| rank < best_rank)
            && let Ok(value) = value.to_str()
        {
            best = Some((rank, algorithm, value.trim()));
        }
    }
    let (_, algorithm, value) = best?;
    (!is_composite(value)).then(|| ExpectedChecksum::new(algorithm, value))
}

/// The body's checksum is not the one its response declared: the data is corrupt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChecksumMismatch {
    /// The algorithm.
    pub algorithm: ChecksumAlgorithm,
    /// The checksum the response declared (base64).
    pub expected: String,
    /// The checksum of the bytes received (base64).
    pub actual: String,
}

impl ChecksumMismatch {
    /// Data by `algorithm` whose checksum is `actual`, where `expected` was declared.
    pub fn new(
        algorithm: ChecksumAlgorithm,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        ChecksumMismatch {
            algorithm,
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

impl fmt::Display for ChecksumMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "checksum mismatch: the response declared {} {} but the body received has {}",
            self.algorithm,
            // At most the longest value (SHA-512's 88 characters) of what the server sent.
            self.expected.chars().take(88).collect::<String>(),
            self.actual
        )
    }
}

impl std::error::Error for ChecksumMismatch {}

pin_project_lite::pin_project! {
    /// A body that hashes what it yields and ends with [`ChecksumMismatch`] instead of its end
    /// when the checksum is not the expected one (see the [module documentation](self)).
    pub struct ValidatingBody<B> {
        #[pin]
        inner: B,
        checksum: Option<Checksum>,
        expected: ExpectedChecksum,
    }
}

impl<B> ValidatingBody<B> {
    /// Validates `inner` against `expected`.
    pub fn new(inner: B, expected: ExpectedChecksum) -> Self {
        ValidatingBody {
            inner,
            checksum: Some(Checksum::new(expected.algorithm)),
            expected,
        }
    }
}

impl<B> fmt::Debug for ValidatingBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidatingBody")
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl<B> http_body::Body for ValidatingBody<B>
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
        let this = self.project();
        match this.inner.poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Err(e))) => {
                // The body is broken anyway; there is nothing left to compare.
                *this.checksum = None;
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(checksum)) = (frame.data_ref(), this.checksum.as_mut()) {
                    checksum.update(data);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(None) => match this.checksum.take() {
                None => Poll::Ready(None),
                Some(checksum) => {
                    let actual = checksum.finalize();
                    if actual.matches_base64(&this.expected.base64) {
                        Poll::Ready(None)
                    } else {
                        Poll::Ready(Some(Err(Box::new(ChecksumMismatch::new(
                            this.expected.algorithm,
                            this.expected.base64.clone(),
                            actual.to_base64(),
                        )))))
                    }
                }
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        // The end is reported only after the comparison.
        self.checksum.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
