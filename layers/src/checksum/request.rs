//! Request checksums: which checksum an upload carries, where, and how its payload is signed.
//!
//! [`RequestChecksum`] is a Build-step hook (id [`REQUEST_CHECKSUM`]): it runs once per call,
//! before the retry loop, for operations whose schema has
//! [`REQUEST_CHECKSUM`](ziggurat_core::schema::operation::op_flag::REQUEST_CHECKSUM) or
//! [`CHECKSUM_REQUIRED`](ziggurat_core::schema::operation::op_flag::CHECKSUM_REQUIRED), and
//! asks for response checksums of operations with
//! [`RESPONSE_CHECKSUM`](ziggurat_core::schema::operation::op_flag::RESPONSE_CHECKSUM) (under
//! `when_supported`, or when the caller set `ChecksumMode=ENABLED`), recording
//! [`ValidateResponseChecksum`] in the call's context for the deserializer.
//!
//! **Which algorithm.** The one the caller set (the `ChecksumAlgorithm` member, serialized as
//! `x-amz-sdk-checksum-algorithm`); else CRC32 when the operation requires a checksum or when
//! `request_checksum_calculation` is `when_supported` (the default); else none. A checksum the
//! caller computed (a `x-amz-checksum-*` header, such as the `ChecksumCRC32` member) turns the
//! computation off: it is sent as it is. Any of S3's ten algorithms may be chosen; MD5 is
//! computed only when chosen (see [the parent module](super) for why the SDKs do not).
//!
//! **`Content-MD5`.** An operation with the older `httpChecksumRequired` trait and no flexible
//! `httpChecksum` ([`CONTENT_MD5`](ziggurat_core::schema::operation::op_flag::CONTENT_MD5))
//! gets the base64 MD5 of its body in `Content-MD5`, whatever `request_checksum_calculation`
//! says, as smithy-rs and the Smithy protocol tests (`RestJsonHttpChecksumRequired`) do; a
//! `Content-MD5` or flexible checksum the caller set is kept. The MD5 needs the body in
//! memory, so a stream is refused before sending (smithy-rs refuses such a model outright).
//! S3's required-checksum operations (`DeleteObjects`, `PutBucketLifecycleConfiguration`, ...)
//! carry `httpChecksum` with `requestChecksumRequired` in today's model, so they get a
//! flexible checksum (CRC32 by default), as every AWS SDK sends since 2025.
//!
//! **Where it goes, and how the payload is signed.** Bytes in memory are hashed at once: the
//! checksum goes in its header, and the signer signs the body's SHA-256. A stream (a file, a
//! pipe) of known length goes one of four ways, by [`PayloadSigning`]:
//!
//! | setting | over `https` | over plain `http`, rewindable (a file) | over plain `http`, one-shot |
//! |---|---|---|---|
//! | `Auto` (default) | `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, checksum trailer | whole-body SHA-256, checksum header (read twice) | `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, no checksum (with the signed trailer when the caller chose the algorithm) |
//! | `Auto`, no checksum (`when_required`) | `UNSIGNED-PAYLOAD` | whole-body SHA-256 | `UNSIGNED-PAYLOAD` |
//! | `SignedBody` | whole-body SHA-256, checksum header | same | signed chunks, no checksum |
//! | `SignedChunks` | `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, no checksum | same | same |
//! | `SignedChunksWithTrailer` | `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`, signed trailer | same | same |
//! | `UnsignedWithTrailer` | `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, trailer | same | same |
//! | `Unsigned` | `UNSIGNED-PAYLOAD`, checksum header if rewindable | same | `UNSIGNED-PAYLOAD`, no checksum |
//!
//! Why: over `https` the AWS SDKs send unsigned chunks with a trailer, which every
//! S3-compatible server that speaks `aws-chunked` accepts; TLS protects the bytes and the
//! trailer checks them end to end, and the stream is read once. Over plain `http` a signature
//! is the only protection, and the signed-trailer variant is what some self-hosted S3 servers
//! verify their own way and refuse ("Invalid payload signature"), so a file is hashed whole
//! (read once to hash, once to send) and signed like bytes in memory: the oldest form, which
//! every server accepts, with the checksum in a header. A one-shot stream over `http` cannot be
//! read twice: its chunks are signed instead (there is no header for its checksum, and the
//! signed trailer is the variant that is refused), unless the caller chose an algorithm: a
//! checksum asked for is never dropped, so then it goes in the signed trailer (a setting that
//! cannot carry it is a construction error). With `when_required` and an operation that
//! requires no checksum, no `aws-chunked` body is sent at all.
//!
//! Reading a file ahead is asynchronous, so [`HashPayloadLayer`] (id [`HASH_PAYLOAD`]), a
//! Build-step tower layer after the hook, does it for requests the hook marked with
//! [`HashPayload`]; the signer then finds the SHA-256 in `x-amz-content-sha256` and signs it.
//! A client that never reads ahead (see [`payload_needs_read_ahead`]: the default over
//! `https`) leaves the layer out, since a tower layer costs every call a segment of its own;
//! a call of such a client sent to a plain-`http` endpoint sends a file as a one-shot stream.
//!
//! ```
//! use ziggurat_core::body::Body;
//! use ziggurat_core::config::RequestChecksumCalculation;
//! use ziggurat_core::hook::{HttpRequest, RequestHook};
//! use ziggurat_layers::checksum::request::RequestChecksum;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // What the hook does for an operation that supports checksums, outside a stack: told so.
//! let hook = RequestChecksum::new(RequestChecksumCalculation::WhenSupported).with_supported(true);
//! let (mut parts, ()) = http::Request::put("https://bucket.s3.amazonaws.com/key").body(())?.into_parts();
//! let mut body = Body::from("Hello world");
//! hook.on_request(&mut HttpRequest::new(&mut parts, &mut body, None))?;
//! assert_eq!(parts.headers["x-amz-checksum-crc32"], "i9aeUg==");
//! assert_eq!(parts.headers["x-amz-sdk-checksum-algorithm"], "CRC32");
//! # Ok(()) }
//! ```
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use http::{HeaderName, HeaderValue};
use http_body_util::BodyExt;
use sha2::Digest as _;
use tower_layer::Layer;
use tower_service::Service;
use ziggurat_core::body::{Body, BodyRef};
use ziggurat_core::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use ziggurat_core::error::{BoxError, SdkError};
use ziggurat_core::hook::{HttpRequest, RequestHook};
use ziggurat_core::schema::operation::op_flag;

use super::{Checksum, ChecksumAlgorithm};
use crate::sign::aws_chunked::{AwsChunked, AwsChunkedVariant, PayloadSigning};

/// The id of [`RequestChecksum`] in the Build step.
pub const REQUEST_CHECKSUM: &str = "RequestChecksum";
/// The id of [`HashPayloadLayer`] in the Build step, after [`REQUEST_CHECKSUM`].
pub const HASH_PAYLOAD: &str = "HashPayload";

/// The header of the request algorithm member.
pub const X_AMZ_SDK_CHECKSUM_ALGORITHM: HeaderName =
    HeaderName::from_static("x-amz-sdk-checksum-algorithm");
/// The header of the validation-mode member.
pub const X_AMZ_CHECKSUM_MODE: HeaderName = HeaderName::from_static("x-amz-checksum-mode");
const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");
const CONTENT_MD5: HeaderName = HeaderName::from_static("content-md5");
const UNSIGNED_PAYLOAD: HeaderValue = HeaderValue::from_static("UNSIGNED-PAYLOAD");

/// Decides the checksum of each request, and how a streamed payload is signed (see the
/// [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestChecksum {
    calculation: RequestChecksumCalculation,
    validation: ResponseChecksumValidation,
    payload_signing: PayloadSigning,
    /// The operation's flags, for use outside a stack.
    flags: Option<u32>,
    read_ahead: bool,
}

impl RequestChecksum {
    /// Checksums `when`; responses validated whenever supported; payloads signed
    /// [`PayloadSigning::Auto`].
    pub fn new(when: RequestChecksumCalculation) -> Self {
        RequestChecksum {
            calculation: when,
            validation: ResponseChecksumValidation::WhenSupported,
            payload_signing: PayloadSigning::Auto,
            flags: None,
            read_ahead: true,
        }
    }

    /// Whether a [`HashPayloadLayer`] follows in the stack (the default). Without one, a
    /// rewindable stream cannot be read ahead and goes as a one-shot stream does (see the
    /// table in the [module](self) docs). [`payload_needs_read_ahead`] says when a client
    /// needs the layer.
    pub fn with_read_ahead(mut self, read_ahead: bool) -> Self {
        self.read_ahead = read_ahead;
        self
    }

    /// Response checksums asked for (`x-amz-checksum-mode: ENABLED`) `when`.
    pub fn with_validation(mut self, when: ResponseChecksumValidation) -> Self {
        self.validation = when;
        self
    }

    /// Streamed payloads signed this way.
    pub fn with_payload_signing(mut self, signing: PayloadSigning) -> Self {
        self.payload_signing = signing;
        self
    }

    /// Whether requests support a checksum (as `REQUEST_CHECKSUM` says), for use outside a
    /// stack, where no operation schema says so (inside one, the schema's flags decide and this
    /// is ignored).
    pub fn with_supported(mut self, supported: bool) -> Self {
        self.flags = Some(if supported {
            op_flag::REQUEST_CHECKSUM
        } else {
            0
        });
        self
    }

    /// The operation's [`op_flag`]s (as its `OperationSchema` has them: which checksum it
    /// supports or requires), for use outside a stack, where no context says which operation a
    /// request is of (inside one, the context's schema decides and this is ignored).
    pub fn with_operation_flags(mut self, flags: u32) -> Self {
        self.flags = Some(flags);
        self
    }

    /// The algorithm for a request: the caller's, else CRC32 when one is wanted.
    fn algorithm(
        &self,
        req: &HttpRequest<'_>,
        required: bool,
    ) -> Result<Option<ChecksumAlgorithm>, SdkError> {
        match req.headers().get(X_AMZ_SDK_CHECKSUM_ALGORITHM) {
            Some(v) => {
                let name = v.to_str().unwrap_or_default();
                name.parse::<ChecksumAlgorithm>()
                    .map(Some)
                    .map_err(|e| SdkError::construction(format!("ChecksumAlgorithm: {e}")))
            }
            None if required || self.calculation == RequestChecksumCalculation::WhenSupported => {
                Ok(Some(ChecksumAlgorithm::Crc32))
            }
            None => Ok(None),
        }
    }

    /// What to do with a stream of known length marked `aws-chunked`.
    fn stream_plan(
        &self,
        https: bool,
        rewindable: bool,
        algorithm: Option<ChecksumAlgorithm>,
    ) -> StreamPlan {
        use StreamPlan::*;
        let chunked = |variant| Chunked(variant, algorithm);
        let trailer = |variant| match algorithm {
            Some(_) => chunked(variant),
            None => Chunked(AwsChunkedVariant::SignedChunks, None),
        };
        match self.payload_signing {
            PayloadSigning::SignedChunks => Chunked(AwsChunkedVariant::SignedChunks, None),
            PayloadSigning::SignedChunksWithTrailer => {
                trailer(AwsChunkedVariant::SignedWithTrailer)
            }
            PayloadSigning::UnsignedWithTrailer if algorithm.is_some() => {
                chunked(AwsChunkedVariant::UnsignedWithTrailer)
            }
            PayloadSigning::UnsignedWithTrailer => Unsigned(None),
            PayloadSigning::Unsigned if rewindable && algorithm.is_some() => Unsigned(algorithm),
            PayloadSigning::Unsigned => Unsigned(None),
            PayloadSigning::SignedBody if rewindable => SignedBody(algorithm),
            PayloadSigning::SignedBody => Chunked(AwsChunkedVariant::SignedChunks, None),
            // Auto, and any setting added later.
            _ if https && algorithm.is_some() => chunked(AwsChunkedVariant::UnsignedWithTrailer),
            _ if https => Unsigned(None),
            _ if rewindable => SignedBody(algorithm),
            _ if algorithm.is_some() => Chunked(AwsChunkedVariant::SignedChunks, None),
            _ => Unsigned(None),
        }
    }
}

/// How a stream is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamPlan {
    /// `aws-chunked` in this variant, with this trailer checksum.
    Chunked(AwsChunkedVariant, Option<ChecksumAlgorithm>),
    /// `UNSIGNED-PAYLOAD`; the checksum, if any, read ahead into its header.
    Unsigned(Option<ChecksumAlgorithm>),
    /// The SHA-256 and the checksum, if any, read ahead.
    SignedBody(Option<ChecksumAlgorithm>),
}

impl StreamPlan {
    /// Whether the checksum, if any, goes out.
    fn carries_checksum(&self) -> bool {
        match *self {
            StreamPlan::Chunked(variant, checksum) => variant.has_trailer() && checksum.is_some(),
            StreamPlan::Unsigned(checksum) | StreamPlan::SignedBody(checksum) => checksum.is_some(),
        }
    }
}

/// Whether a `x-amz-checksum-*` header holds a checksum the caller computed.
fn has_precomputed(headers: &http::HeaderMap) -> bool {
    ChecksumAlgorithm::VALIDATION_ORDER
        .iter()
        .any(|a| headers.contains_key(a.header_name()))
}

impl RequestHook for RequestChecksum {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let flags = req
            .context()
            .and_then(|c| c.spec())
            .and_then(|s| s.schema)
            .map(|op| op.flags)
            .or(self.flags)
            .unwrap_or(0);
        let flag = |f: u32| flags & f != 0;
        if flag(op_flag::RESPONSE_CHECKSUM) {
            let asked = req
                .headers()
                .get(X_AMZ_CHECKSUM_MODE)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"ENABLED"));
            let wanted = asked || self.validation == ResponseChecksumValidation::WhenSupported;
            if wanted && !asked {
                req.headers_mut()
                    .insert(X_AMZ_CHECKSUM_MODE, HeaderValue::from_static("ENABLED"));
            }
            if let (true, Some(ctx)) = (wanted, req.context_mut()) {
                ctx.insert(ValidateResponseChecksum);
            }
        }
        if flag(op_flag::CONTENT_MD5) {
            return set_content_md5(req);
        }
        let required = flag(op_flag::CHECKSUM_REQUIRED);
        if !required && !flag(op_flag::REQUEST_CHECKSUM) {
            return Ok(());
        }
        let precomputed = has_precomputed(req.headers());
        let explicit = req.headers().contains_key(X_AMZ_SDK_CHECKSUM_ALGORITHM);
        let algorithm = if precomputed {
            None
        } else {
            self.algorithm(req, required)?
        };
        match req.body() {
            BodyRef::Bytes(bytes) => {
                if let Some(algorithm) = algorithm {
                    let value = Checksum::of(algorithm, bytes);
                    set_checksum_headers(req.headers_mut(), algorithm, &value);
                }
            }
            _ => {
                let Some(marker) = req.parts().extensions.get::<AwsChunked>().copied() else {
                    // No `aws-chunked` (unknown length, or an unsigned operation): the stream
                    // goes as it is, without a checksum.
                    return Ok(());
                };
                let https = req.uri().scheme() == Some(&http::uri::Scheme::HTTPS);
                let rewindable =
                    self.read_ahead && req.body_mut().is_some_and(|b| b.is_replayable());
                let mut plan = match marker.variant() {
                    // A request that asked for a variant keeps it.
                    Some(variant) => StreamPlan::Chunked(variant, algorithm),
                    None => self.stream_plan(https, rewindable, algorithm),
                };
                // A checksum the caller asked for is never dropped silently.
                if let Some(algorithm) = algorithm.filter(|_| explicit && !plan.carries_checksum())
                {
                    plan = match (marker.variant(), self.payload_signing) {
                        (None, PayloadSigning::Auto | PayloadSigning::SignedBody) => {
                            StreamPlan::Chunked(
                                AwsChunkedVariant::SignedWithTrailer,
                                Some(algorithm),
                            )
                        }
                        (variant, signing) => {
                            let how = variant.map_or_else(
                                || format!("PayloadSigning::{signing:?}"),
                                |v| format!("the aws-chunked variant {v:?}"),
                            );
                            return Err(SdkError::construction(format!(
                                "{how} cannot carry the {algorithm} checksum the call asks for \
                                 with this body: choose another payload signing, or leave \
                                 ChecksumAlgorithm unset"
                            )));
                        }
                    };
                }
                apply_stream_plan(req, marker, plan);
            }
        }
        Ok(())
    }
}

/// Whether a client signing payloads by `signing`, with its endpoint over plain `http` or not,
/// ever reads a payload ahead, so that its stack needs a [`HashPayloadLayer`]: `SignedBody`
/// and `Unsigned` (for a rewindable stream), and `Auto` over plain `http`. Other clients leave
/// the layer out (a tower layer costs every call a segment of its own); a call of theirs
/// redirected to a plain-`http` endpoint sends a file as it sends a one-shot stream.
pub fn payload_needs_read_ahead(signing: PayloadSigning, plain_http: bool) -> bool {
    match signing {
        PayloadSigning::SignedBody | PayloadSigning::Unsigned => true,
        PayloadSigning::Auto => plain_http,
        _ => false,
    }
}

/// Sets `Content-MD5` to the MD5 of the body in memory, unless the caller set it or a flexible
/// checksum.
fn set_content_md5(req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
    if req.headers().contains_key(CONTENT_MD5) || has_precomputed(req.headers()) {
        return Ok(());
    }
    let value = match req.body() {
        BodyRef::Bytes(bytes) => Checksum::of(ChecksumAlgorithm::Md5, bytes),
        // A stream, and any kind of body added later.
        _ => {
            return Err(SdkError::construction(
                "the operation requires a Content-MD5 header, which needs the body in memory: \
                 send the body as bytes, or set Content-MD5 yourself",
            ));
        }
    };
    req.headers_mut()
        .insert(CONTENT_MD5, value.to_header_value());
    Ok(())
}

fn set_checksum_headers(
    headers: &mut http::HeaderMap,
    algorithm: ChecksumAlgorithm,
    value: &super::ChecksumValue,
) {
    headers.insert(
        HeaderName::from_static(algorithm.header_name()),
        value.to_header_value(),
    );
    headers.insert(
        X_AMZ_SDK_CHECKSUM_ALGORITHM,
        HeaderValue::from_static(algorithm.as_str()),
    );
}

fn apply_stream_plan(req: &mut HttpRequest<'_>, marker: AwsChunked, plan: StreamPlan) {
    let extensions = &mut req.parts_mut().extensions;
    match plan {
        StreamPlan::Chunked(variant, algorithm) => {
            let mut marker = marker.with_variant(variant);
            if let Some(algorithm) = algorithm.filter(|_| variant.has_trailer()) {
                marker = marker.with_checksum(algorithm);
            }
            extensions.insert(marker);
            if let Some(algorithm) = algorithm.filter(|_| variant.has_trailer()) {
                req.headers_mut().insert(
                    X_AMZ_SDK_CHECKSUM_ALGORITHM,
                    HeaderValue::from_static(algorithm.as_str()),
                );
            }
        }
        StreamPlan::Unsigned(algorithm) => {
            extensions.remove::<AwsChunked>();
            if let Some(algorithm) = algorithm {
                extensions.insert(HashPayload {
                    sha256: false,
                    checksum: Some(algorithm),
                });
            }
            req.headers_mut()
                .insert(X_AMZ_CONTENT_SHA256, UNSIGNED_PAYLOAD);
        }
        StreamPlan::SignedBody(algorithm) => {
            extensions.remove::<AwsChunked>();
            extensions.insert(HashPayload {
                sha256: true,
                checksum: algorithm,
            });
        }
    }
}

/// Recorded in the call's context when its response's checksum is to be validated: the
/// validation mode is `when_supported`, or the caller asked (`ChecksumMode=ENABLED`). The
/// operation's deserializer reads it; a response that carries a checksum nobody asked for is
/// not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidateResponseChecksum;

/// A request extension asking [`HashPayloadLayer`] to read the (rewindable) body ahead: for
/// its SHA-256, signed as `x-amz-content-sha256`, and for its checksum header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashPayload {
    /// Whether the SHA-256 is wanted.
    pub sha256: bool,
    /// The checksum wanted in its header, if any.
    pub checksum: Option<ChecksumAlgorithm>,
}

/// Reads the body of requests marked [`HashPayload`] once ahead, and sets their
/// `x-amz-content-sha256` and checksum headers; passes every other request through.
///
/// The body must be rewindable: it is read from a copy ([`Body::try_clone`]), and the original
/// is sent. Memory stays at one frame of the body.
#[derive(Debug, Clone, Copy, Default)]
pub struct HashPayloadLayer;

impl<S> Layer<S> for HashPayloadLayer {
    type Service = HashPayloadService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HashPayloadService { inner }
    }
}

/// The service of [`HashPayloadLayer`].
#[derive(Debug, Clone)]
pub struct HashPayloadService<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<http::Request<Body>> for HashPayloadService<S>
where
    S: Service<http::Request<Body>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<Result<S::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: http::Request<Body>) -> Self::Future {
        // The inner service was polled ready; the clone takes its place for the next call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let marker = req.extensions_mut().remove::<HashPayload>();
        Box::pin(async move {
            if let Some(marker) = marker {
                hash_ahead(&mut req, marker).await?;
            }
            inner.call(req).await.map_err(Into::into)
        })
    }
}

async fn hash_ahead(req: &mut http::Request<Body>, marker: HashPayload) -> Result<(), SdkError> {
    let Some(mut copy) = req.body().try_clone() else {
        return Err(SdkError::construction(
            "the body could not be rewound to compute its SHA-256 and checksum ahead",
        ));
    };
    let mut sha = marker.sha256.then(sha2::Sha256::new);
    let mut checksum = marker.checksum.map(Checksum::new);
    while let Some(frame) = copy.frame().await {
        let frame = frame.map_err(|e| {
            SdkError::construction(format!(
                "the body could not be read to compute its SHA-256 and checksum: {e}"
            ))
        })?;
        if let Some(data) = frame.data_ref() {
            if let Some(sha) = &mut sha {
                sha.update(data);
            }
            if let Some(checksum) = &mut checksum {
                checksum.update(data);
            }
        }
    }
    let headers = req.headers_mut();
    if let Some(sha) = sha {
        let hex = hex::encode(sha.finalize());
        if let Ok(v) = HeaderValue::try_from(hex) {
            headers.insert(X_AMZ_CONTENT_SHA256, v);
        }
    }
    if let Some(checksum) = checksum {
        let algorithm = checksum.algorithm();
        set_checksum_headers(headers, algorithm, &checksum.finalize());
    }
    Ok(())
}
