//! The error type of the signer.

use std::fmt;
use std::time::Duration;

use http::HeaderName;

/// Why a request could not be signed, or a signature could not be applied.
///
/// Messages are lowercase, without a trailing period, and never contain a
/// secret, a session token, a signature, or a header value.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningError {
    /// A presigned URL was asked to live longer than SigV4 allows (7 days).
    ExpiresInTooLong {
        /// The requested lifetime.
        expires_in: Duration,
    },
    /// A presigned URL was asked to live for less than one whole second.
    ExpiresInTooShort,
    /// A request header value is not valid UTF-8, so it has no canonical form.
    InvalidHeaderValue {
        /// The offending header.
        name: HeaderName,
    },
    /// The session token cannot be carried in an HTTP header.
    InvalidSessionToken,
    /// The precomputed payload hash is empty or not visible ASCII.
    InvalidPayloadHash,
    /// The access key id, region or service is unusable in a credential scope.
    InvalidScope {
        /// Which input: `"access key id"`, `"region"` or `"service"`.
        field: &'static str,
    },
    /// The signing time cannot be written as `YYYYMMDD'T'HHMMSS'Z'`.
    InvalidTime,
    /// The request has no `host` header and its URI has no authority.
    MissingHost,
    /// Query signing was asked for a URI that already carries a signing parameter.
    ForbiddenQueryParameter {
        /// The parameter name as it appears in the URI (for example `X-Amz-Signature`).
        name: String,
    },
    /// The URI with the signing parameters appended is not a valid URI.
    InvalidUri {
        /// What the `http` crate reported.
        reason: String,
    },
    /// No SigV4a key can be derived from the credentials (254 KDF rounds out of range,
    /// which happens with a probability of about 2⁻⁸⁰⁰⁰).
    V4aKeyDerivation,
    /// The ECDSA signature of a SigV4a string to sign failed.
    V4aSignature,
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExpiresInTooLong { expires_in } => write!(
                f,
                "presigned url expiry of {} seconds exceeds the maximum of 604800 seconds (7 days)",
                expires_in.as_secs()
            ),
            Self::ExpiresInTooShort => {
                f.write_str("presigned url expiry must be at least 1 second")
            }
            Self::InvalidHeaderValue { name } => {
                write!(f, "value of header `{name}` is not valid utf-8")
            }
            Self::InvalidSessionToken => {
                f.write_str("session token is not a valid http header value")
            }
            Self::InvalidPayloadHash => {
                f.write_str("precomputed payload hash must be non-empty visible ascii")
            }
            Self::InvalidScope { field } => write!(
                f,
                "signing {field} must be non-empty visible ascii without `/`"
            ),
            Self::InvalidTime => f.write_str("signing time is outside the years 0000 through 9999"),
            Self::MissingHost => {
                f.write_str("request has neither a host header nor a uri authority to sign")
            }
            Self::ForbiddenQueryParameter { name } => write!(
                f,
                "request uri already contains the signing query parameter `{name}`"
            ),
            Self::InvalidUri { reason } => write!(f, "signed uri is invalid: {reason}"),
            Self::V4aKeyDerivation => {
                f.write_str("no sigv4a key can be derived from these credentials")
            }
            Self::V4aSignature => f.write_str("sigv4a ecdsa signing failed"),
        }
    }
}

impl std::error::Error for SigningError {}
