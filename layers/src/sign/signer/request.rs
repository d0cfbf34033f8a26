//! The request to sign, as borrowed views of its parts.

use std::fmt;

use http::{HeaderMap, Method, Uri};

/// The payload hash of an unsigned payload.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The payload hash of an `aws-chunked` body whose chunks are signed (S3).
pub const STREAMING_SIGNED_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// The payload hash of an `aws-chunked` body with signed chunks and a signed trailer (S3).
pub const STREAMING_SIGNED_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
/// The payload hash of an `aws-chunked` body with unsigned chunks and a trailer (S3).
pub const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/// The body, as far as the signature is concerned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// The whole body; its SHA-256 is computed.
    Bytes(&'a [u8]),
    /// The body is not signed: the payload hash is `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// A payload hash computed elsewhere: a lowercase hex SHA-256, or one of the
    /// `STREAMING-*` literals (see the constants of this module).
    Precomputed(&'a str),
}

impl fmt::Debug for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The body may hold anything; print its size only.
            Self::Bytes(bytes) => write!(f, "Bytes(<{} bytes>)", bytes.len()),
            Self::Unsigned => f.write_str("Unsigned"),
            Self::Precomputed(hash) => f.debug_tuple("Precomputed").field(hash).finish(),
        }
    }
}

/// A request to sign. The signer only reads it; see
/// [`SigningOutput::apply_to_request`](super::SigningOutput::apply_to_request).
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The request URI, percent-encoded as it goes on the wire. Its authority supplies
    /// `host` when `headers` has no `Host` header.
    pub uri: &'a Uri,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The body, or how to hash it.
    pub payload: Payload<'a>,
}

impl<'a> SignableRequest<'a> {
    /// Borrows the method, URI and headers of `request`; the body is described by `payload`.
    pub fn from_request<B>(request: &'a http::Request<B>, payload: Payload<'a>) -> Self {
        Self {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
            payload,
        }
    }
}
