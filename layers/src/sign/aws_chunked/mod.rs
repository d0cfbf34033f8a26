//! Streaming uploads: `aws-chunked` bodies, signed chunk by chunk, with a checksum trailer.
//!
//! SigV4 signs a SHA-256 of the body, and a body that is not in memory (a file, a pipe) can
//! only be hashed by reading it twice. S3 offers a third way, the Go SDK's "unseekable
//! streaming input": the body is sent in `aws-chunked` framing, each chunk carrying its own
//! signature chained from the request's signature (the *seed*), and optionally a checksum
//! trailer after the last chunk. The body is read once, one chunk (64 KiB by default) at a
//! time, and still signed end to end. Compared with `UNSIGNED-PAYLOAD`, the server can verify
//! that every byte came from the signer and that nothing was lost.
//!
//! | variant | `x-amz-content-sha256` | chunks | trailer |
//! |---|---|---|---|
//! | [`SignedChunks`](AwsChunkedVariant::SignedChunks) | `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` | signed | none |
//! | [`UnsignedWithTrailer`](AwsChunkedVariant::UnsignedWithTrailer) | `STREAMING-UNSIGNED-PAYLOAD-TRAILER` | unsigned | CRC32 |
//! | [`SignedWithTrailer`](AwsChunkedVariant::SignedWithTrailer) | `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` | signed | CRC32, signed |
//!
//! A signed chunk is `hex(len);chunk-signature=SIG\r\nDATA\r\n`; the body ends with an empty
//! chunk, then the trailer lines (`x-amz-checksum-crc32:BASE64`, and
//! `x-amz-trailer-signature:SIG` when signed; the trailer is signed with
//! `AWS4-HMAC-SHA256-TRAILER`, chained from the empty chunk's signature) and a blank line. The
//! request carries `Content-Encoding: aws-chunked`, `x-amz-decoded-content-length` (the real
//! length), `x-amz-trailer` for the trailer variants, and `Content-Length` of the *encoded*
//! body, computed up front ([`Framing::encoded_length`]).
//!
//! # How the seed signature reaches the body
//!
//! The chunk signatures need the request's signature, which exists only once the request is
//! signed, on every attempt anew. Rather than a shared slot that the signer fills and the body
//! reads later (smithy-rs's deferred signer uses a channel), the body is *built* after signing:
//! an operation marks the request with the [`AwsChunked`] extension and leaves its body as it
//! is; on each attempt the [`SigV4`](super::SigV4) hook sets the headers, signs, and replaces
//! the attempt's body with an [`AwsChunkedBody`] holding a [`ChunkSigner`] seeded by value.
//! Nothing is shared between attempts, so a retry (which copies the original body and signs
//! again with a new date) cannot pick up a stale seed. [`frame_body`] keeps the framed body
//! rewindable when the original is, replaying the same signatures.
//!
//! Which variant [`SigV4`](super::SigV4) uses: the one the request asks for, else the one
//! configured with [`SigV4::with_aws_chunked`](super::SigV4::with_aws_chunked) (or, for an S3
//! client, `Config::payload_signing`), else:
//!
//! | target | variant sent | why |
//! |---|---|---|
//! | `https` | [`UnsignedWithTrailer`](AwsChunkedVariant::UnsignedWithTrailer) | TLS already protects the bytes and the CRC32 trailer checks them end to end; what the AWS SDKs send |
//! | plain `http` | [`SignedChunks`](AwsChunkedVariant::SignedChunks) | every chunk is signed, so nothing can be changed on the way; the oldest variant, which every S3-compatible server accepts. The signed-trailer variant is not the default: some self-hosted S3 servers compute trailer signatures their own way and refuse correct ones ("Invalid payload signature") |
//!
//! [`PayloadSigning::Unsigned`] sends no `aws-chunked` body at all: the stream goes as it
//! is, signed as `UNSIGNED-PAYLOAD`, for servers that accept no chunked variant. In-memory
//! bodies are never chunked: their SHA-256 is signed.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use http_body_util::BodyExt;
//! use ziggurat_core::body::Body;
//! use ziggurat_core::context::{Context, Region};
//! use ziggurat_core::credentials::Credentials;
//! use ziggurat_core::hook::{HttpRequest, RequestHook};
//! use ziggurat_core::time::{SharedTimeSource, StaticTimeSource};
//! use ziggurat_layers::sign::SigV4;
//! use ziggurat_layers::sign::aws_chunked::{AwsChunked, AwsChunkedVariant};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let signer = SigV4::s3().with_time_source(SharedTimeSource::new(StaticTimeSource::new(
//!     UNIX_EPOCH + Duration::from_secs(1_440_938_160),
//! )));
//! let mut ctx = Context::new("S3", "PutObject");
//! ctx.set_region(Some(Region::from_static("us-east-1")));
//! ctx.set_identity(Some(Credentials::new("AKIDEXAMPLE", "secret", None)));
//!
//! // What an operation does: mark the request, keep the (streaming) body as it is.
//! let (mut parts, ()) = http::Request::put("http://127.0.0.1:9000/bucket/key")
//!     .extension(AwsChunked::new().with_variant(AwsChunkedVariant::SignedWithTrailer))
//!     .body(())?
//!     .into_parts();
//! let mut body = Body::from_stream(http_body_util::Full::new(bytes::Bytes::from("hello world")));
//!
//! // What the signing hook does on each attempt.
//! signer.on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))?;
//! assert_eq!(parts.headers["x-amz-content-sha256"], "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
//! assert_eq!(parts.headers["content-encoding"], "aws-chunked");
//! assert_eq!(parts.headers["x-amz-decoded-content-length"], "11");
//! assert_eq!(parts.headers["x-amz-trailer"], "x-amz-checksum-crc32");
//! let length: u64 = parts.headers["content-length"].to_str()?.parse()?;
//!
//! let framed = body.collect().await?;
//! assert_eq!(framed.len() as u64, length);
//! assert!(framed.starts_with(b"b;chunk-signature="));
//! assert!(framed.windows(11).any(|w| w == b"hello world"));
//! # Ok(()) }
//! ```
use std::borrow::Cow;
use std::fmt;

use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Uri};
use ziggurat_core::error::BoxError;

use super::signer::{
    STREAMING_SIGNED_PAYLOAD, STREAMING_SIGNED_PAYLOAD_TRAILER, STREAMING_UNSIGNED_PAYLOAD_TRAILER,
};

mod body;
mod signer;
#[cfg(test)]
mod tests;

pub use body::{AwsChunkedBody, frame_body};
pub use signer::ChunkSigner;

/// The chunk size used unless configured otherwise: 64 KiB.
pub const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;
/// The smallest chunk S3 accepts (every chunk but the last must be at least this big).
pub const MIN_CHUNK_SIZE: usize = 8 * 1024;

const X_AMZ_DECODED_CONTENT_LENGTH: HeaderName =
    HeaderName::from_static("x-amz-decoded-content-length");
const X_AMZ_TRAILER: HeaderName = HeaderName::from_static("x-amz-trailer");
const AWS_CHUNKED: &str = "aws-chunked";
/// `;chunk-signature=` followed by 64 hex digits.
const CHUNK_SIGNATURE_LEN: u64 = 17 + 64;
/// `x-amz-trailer-signature:` followed by 64 hex digits and CRLF.
const TRAILER_SIGNATURE_LEN: u64 = 24 + 64 + 2;

/// The three ways to send an `aws-chunked` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AwsChunkedVariant {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: every chunk signed, no trailer.
    SignedChunks,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks, a checksum trailer.
    UnsignedWithTrailer,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: every chunk signed, and a signed
    /// checksum trailer.
    SignedWithTrailer,
}

impl AwsChunkedVariant {
    /// The `x-amz-content-sha256` value, which is also the payload hash that gets signed.
    pub fn payload_hash(self) -> &'static str {
        match self {
            AwsChunkedVariant::SignedChunks => STREAMING_SIGNED_PAYLOAD,
            AwsChunkedVariant::UnsignedWithTrailer => STREAMING_UNSIGNED_PAYLOAD_TRAILER,
            AwsChunkedVariant::SignedWithTrailer => STREAMING_SIGNED_PAYLOAD_TRAILER,
        }
    }

    /// The variant whose `x-amz-content-sha256` value is `hash`.
    pub fn from_payload_hash(hash: &str) -> Option<Self> {
        [
            AwsChunkedVariant::SignedChunks,
            AwsChunkedVariant::UnsignedWithTrailer,
            AwsChunkedVariant::SignedWithTrailer,
        ]
        .into_iter()
        .find(|v| v.payload_hash() == hash)
    }

    /// Whether every chunk carries a signature.
    pub fn signs_chunks(self) -> bool {
        !matches!(self, AwsChunkedVariant::UnsignedWithTrailer)
    }

    /// Whether a checksum trailer follows the last chunk.
    pub fn has_trailer(self) -> bool {
        !matches!(self, AwsChunkedVariant::SignedChunks)
    }
}

/// The checksum sent in the trailer: one of [`checksum`](crate::checksum)'s algorithms.
pub use crate::checksum::ChecksumAlgorithm;

/// How one body is framed: the variant, the chunk size, the trailer checksum and the length
/// of the data. Everything needed to compute the encoded length and the headers up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    variant: AwsChunkedVariant,
    chunk_size: usize,
    checksum: ChecksumAlgorithm,
    decoded_length: u64,
}

impl Framing {
    /// Framing of `decoded_length` bytes in the `variant`, with 64 KiB chunks and a CRC32
    /// trailer (for the trailer variants).
    pub fn new(variant: AwsChunkedVariant, decoded_length: u64) -> Self {
        Framing {
            variant,
            chunk_size: DEFAULT_CHUNK_SIZE,
            checksum: ChecksumAlgorithm::Crc32,
            decoded_length,
        }
    }

    /// Uses chunks of `size` bytes (at least 1). S3 wants at least [`MIN_CHUNK_SIZE`].
    pub fn with_chunk_size(mut self, size: usize) -> Self {
        self.chunk_size = size.max(1);
        self
    }

    /// Uses this trailer checksum.
    pub fn with_checksum(mut self, checksum: ChecksumAlgorithm) -> Self {
        self.checksum = checksum;
        self
    }

    /// The variant.
    pub fn variant(&self) -> AwsChunkedVariant {
        self.variant
    }

    /// The chunk size.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// The trailer checksum.
    pub fn checksum(&self) -> ChecksumAlgorithm {
        self.checksum
    }

    /// The length of the data (`x-amz-decoded-content-length`).
    pub fn decoded_length(&self) -> u64 {
        self.decoded_length
    }

    /// The length of the framed body (`Content-Length`).
    pub fn encoded_length(&self) -> u64 {
        let signature = if self.variant.signs_chunks() {
            CHUNK_SIGNATURE_LEN
        } else {
            0
        };
        let chunk = |n: u64| hex_digits(n) + signature + 2 + n + 2;
        let size = self.chunk_size as u64;
        let full = self.decoded_length / size;
        let rest = self.decoded_length % size;
        let mut total = full.saturating_mul(chunk(size));
        if rest > 0 {
            total = total.saturating_add(chunk(rest));
        }
        // The final empty chunk, the trailer lines, and the closing blank line.
        let mut end = 1 + signature + 2 + 2;
        if self.variant.has_trailer() {
            end += self.checksum.trailer_name().len() as u64
                + 1
                + self.checksum.encoded_len() as u64
                + 2;
            if self.variant.signs_chunks() {
                end += TRAILER_SIGNATURE_LEN;
            }
        }
        total.saturating_add(end)
    }

    /// Sets the headers of an `aws-chunked` request: `Content-Encoding` (`aws-chunked` first,
    /// before any encoding already there), `x-amz-decoded-content-length`, `Content-Length`
    /// (encoded), and `x-amz-trailer` for the trailer variants; removes `Transfer-Encoding`.
    /// `x-amz-content-sha256` is the signer's: it signs
    /// [`payload_hash`](AwsChunkedVariant::payload_hash).
    pub fn apply_headers(&self, headers: &mut HeaderMap) {
        let existing: Vec<&str> = headers
            .get_all(CONTENT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case(AWS_CHUNKED))
            .collect();
        let encoding = if existing.is_empty() {
            HeaderValue::from_static(AWS_CHUNKED)
        } else {
            let joined = format!("{AWS_CHUNKED},{}", existing.join(","));
            HeaderValue::from_str(&joined).unwrap_or(HeaderValue::from_static(AWS_CHUNKED))
        };
        headers.insert(CONTENT_ENCODING, encoding);
        headers.insert(
            X_AMZ_DECODED_CONTENT_LENGTH,
            HeaderValue::from(self.decoded_length),
        );
        headers.insert(CONTENT_LENGTH, HeaderValue::from(self.encoded_length()));
        headers.remove(TRANSFER_ENCODING);
        if self.variant.has_trailer() {
            headers.insert(
                X_AMZ_TRAILER,
                HeaderValue::from_static(self.checksum.trailer_name()),
            );
        } else {
            headers.remove(X_AMZ_TRAILER);
        }
    }
}

fn hex_digits(n: u64) -> u64 {
    if n == 0 {
        1
    } else {
        u64::from((u64::BITS - n.leading_zeros()).div_ceil(4))
    }
}

/// A request extension asking the signing hook to send the body as `aws-chunked`, optionally
/// in a given variant. An operation inserts it when it serializes a body of known length that
/// is not in memory (S3 `PutObject` does).
///
/// ```
/// use ziggurat_layers::sign::aws_chunked::{AwsChunked, AwsChunkedVariant};
///
/// let req = http::Request::put("/bucket/key")
///     .extension(AwsChunked::new().with_variant(AwsChunkedVariant::SignedChunks))
///     .body(())
///     .unwrap();
/// assert_eq!(
///     req.extensions().get::<AwsChunked>().and_then(|c| c.variant()),
///     Some(AwsChunkedVariant::SignedChunks)
/// );
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AwsChunked {
    variant: Option<AwsChunkedVariant>,
    checksum: Option<ChecksumAlgorithm>,
}

impl AwsChunked {
    /// `aws-chunked`, in the variant the signer chooses.
    pub fn new() -> Self {
        AwsChunked::default()
    }

    /// `aws-chunked` in this variant.
    pub fn with_variant(mut self, variant: AwsChunkedVariant) -> Self {
        self.variant = Some(variant);
        self
    }

    /// The variant asked for, if any.
    pub fn variant(&self) -> Option<AwsChunkedVariant> {
        self.variant
    }

    /// The trailer carries this checksum (for the variants with a trailer), instead of the
    /// signer's ([`AwsChunkedOptions::with_checksum`]).
    pub fn with_checksum(mut self, checksum: ChecksumAlgorithm) -> Self {
        self.checksum = Some(checksum);
        self
    }

    /// The trailer checksum asked for, if any.
    pub fn checksum(&self) -> Option<ChecksumAlgorithm> {
        self.checksum
    }
}

/// How the signing hook frames `aws-chunked` requests: the variant when the request does not
/// ask for one (by default chosen by the URI scheme), the chunk size and the trailer checksum.
///
/// ```
/// use ziggurat_layers::sign::SigV4;
/// use ziggurat_layers::sign::aws_chunked::{AwsChunkedOptions, AwsChunkedVariant};
///
/// let signer = SigV4::s3().with_aws_chunked(
///     AwsChunkedOptions::new()
///         .with_variant(AwsChunkedVariant::SignedChunks)
///         .with_chunk_size(1024 * 1024),
/// );
/// # let _ = signer;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsChunkedOptions {
    variant: Option<AwsChunkedVariant>,
    unchunked: bool,
    chunk_size: usize,
    checksum: ChecksumAlgorithm,
}

impl Default for AwsChunkedOptions {
    fn default() -> Self {
        AwsChunkedOptions {
            variant: None,
            unchunked: false,
            chunk_size: DEFAULT_CHUNK_SIZE,
            checksum: ChecksumAlgorithm::Crc32,
        }
    }
}

/// How a streamed upload's payload is signed: the user-facing choice of an `aws-chunked`
/// variant, or none (see the [module documentation](self) for what goes out when, and why).
///
/// ```
/// use ziggurat_layers::sign::aws_chunked::{AwsChunkedOptions, PayloadSigning};
///
/// let options = AwsChunkedOptions::new().with_payload_signing(PayloadSigning::Unsigned);
/// assert!(!options.chunks());
/// assert!(AwsChunkedOptions::new().chunks());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PayloadSigning {
    /// Unsigned chunks with a CRC32 trailer over `https`, signed chunks over plain `http`.
    #[default]
    Auto,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` everywhere.
    SignedChunks,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` everywhere.
    SignedChunksWithTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER` everywhere.
    UnsignedWithTrailer,
    /// No `aws-chunked` framing: the stream is sent as it is, as `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// The SHA-256 of the whole body is signed, as for bytes in memory: a rewindable stream (a
    /// file) is read once to hash it before it is sent. Where the body cannot be read twice
    /// (a one-shot stream), or where no layer can read it ahead (a signer alone), signed
    /// chunks.
    SignedBody,
}

impl AwsChunkedOptions {
    /// The defaults: variant by URI scheme, 64 KiB chunks, CRC32.
    pub fn new() -> Self {
        AwsChunkedOptions::default()
    }

    /// Always this variant (unless the request asks for another).
    pub fn with_variant(mut self, variant: AwsChunkedVariant) -> Self {
        self.variant = Some(variant);
        self
    }

    /// The variant (or none) of `signing`; [`PayloadSigning::Auto`] chooses by URI scheme.
    pub fn with_payload_signing(mut self, signing: PayloadSigning) -> Self {
        self.unchunked = false;
        self.variant = match signing {
            PayloadSigning::Auto => None,
            PayloadSigning::SignedChunks | PayloadSigning::SignedBody => {
                Some(AwsChunkedVariant::SignedChunks)
            }
            PayloadSigning::SignedChunksWithTrailer => Some(AwsChunkedVariant::SignedWithTrailer),
            PayloadSigning::UnsignedWithTrailer => Some(AwsChunkedVariant::UnsignedWithTrailer),
            PayloadSigning::Unsigned => {
                self.unchunked = true;
                None
            }
        };
        self
    }

    /// Whether streamed uploads marked for it are sent `aws-chunked` (not with
    /// [`PayloadSigning::Unsigned`]).
    pub fn chunks(&self) -> bool {
        !self.unchunked
    }

    /// Chunks of `size` bytes, at least [`MIN_CHUNK_SIZE`].
    pub fn with_chunk_size(mut self, size: usize) -> Self {
        self.chunk_size = size.max(MIN_CHUNK_SIZE);
        self
    }

    /// This trailer checksum.
    pub fn with_checksum(mut self, checksum: ChecksumAlgorithm) -> Self {
        self.checksum = checksum;
        self
    }

    /// The variant for `request` sent to `uri`: the request's, else the configured one, else
    /// unsigned chunks with a trailer over `https` and signed chunks without a trailer over
    /// anything else.
    pub fn variant_for(&self, request: &AwsChunked, uri: &Uri) -> AwsChunkedVariant {
        request.variant.or(self.variant).unwrap_or_else(|| {
            if uri.scheme() == Some(&http::uri::Scheme::HTTPS) {
                AwsChunkedVariant::UnsignedWithTrailer
            } else {
                AwsChunkedVariant::SignedChunks
            }
        })
    }

    /// The framing of `decoded_length` bytes in `variant` with these options.
    pub fn framing(&self, variant: AwsChunkedVariant, decoded_length: u64) -> Framing {
        Framing::new(variant, decoded_length)
            .with_chunk_size(self.chunk_size)
            .with_checksum(self.checksum)
    }

    /// The framing of `request`'s `decoded_length` bytes in `variant`: these options, with the
    /// trailer checksum the request asks for, if any.
    pub fn framing_for(
        &self,
        request: &AwsChunked,
        variant: AwsChunkedVariant,
        decoded_length: u64,
    ) -> Framing {
        self.framing(variant, decoded_length)
            .with_checksum(request.checksum.unwrap_or(self.checksum))
    }
}

/// Why an `aws-chunked` body could not be built or sent.
#[derive(Debug)]
#[non_exhaustive]
pub struct AwsChunkedError {
    message: Cow<'static, str>,
    source: Option<BoxError>,
}

impl AwsChunkedError {
    pub(crate) fn signing(message: &'static str) -> Self {
        AwsChunkedError {
            message: Cow::Borrowed(message),
            source: None,
        }
    }

    fn length(declared: u64, seen: u64, which: &str) -> Self {
        AwsChunkedError {
            message: Cow::Owned(format!(
                "the body yielded {which} bytes ({seen}) than its declared length of {declared}"
            )),
            source: None,
        }
    }

    fn body(source: BoxError) -> Self {
        AwsChunkedError {
            message: Cow::Borrowed("the body could not be framed"),
            source: Some(source),
        }
    }
}

impl fmt::Display for AwsChunkedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aws-chunked: {}", self.message)
    }
}

impl std::error::Error for AwsChunkedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e.as_ref() as &(dyn std::error::Error + 'static))
    }
}
