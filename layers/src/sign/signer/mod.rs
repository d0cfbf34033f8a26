//! A pure AWS Signature Version 4 (SigV4) request signer.
//!
//! [`sign`] computes the signature of a borrowed request and returns a
//! [`SigningOutput`] describing what to add to it: headers (`Authorization` and
//! friends) or, for a presigned URL, query parameters. It does no I/O and reads no
//! clock: the signing time is an input. Derived signing keys can be reused across calls
//! through a [`SigningKeyCache`].
//!
//! It follows the AWS reference implementations (aws-c-auth, the AWS SDK for Rust) and
//! passes the AWS SigV4 signing test suite:
//!
//! * the canonical URI is the wire path, normalized (RFC 3986 remove-dot-segments, empty
//!   segments dropped) unless [`SigningSettings::normalize_path`] is off, then encoded
//!   once more ([`UriEncoding::Double`], every service but S3) or kept as is
//!   ([`UriEncoding::Single`], S3);
//! * query parameters are percent-decoded, re-encoded with the unreserved set
//!   `A-Z a-z 0-9 - _ . ~`, and sorted by encoded name, then encoded value;
//! * header names are lowercased (as `http` stores them), values trimmed with inner runs
//!   of spaces and tabs collapsed, repeated headers joined with `,`; `host` comes from the
//!   URI authority when there is no `Host` header; hop-by-hop and per-attempt headers
//!   (`user-agent`, `x-amzn-trace-id`, `transfer-encoding`, ...) are never signed;
//! * the signer sets `x-amz-date`, `x-amz-security-token` and `x-amz-content-sha256`
//!   itself, replacing values the request may already carry.
//!
//! [`sign_v4a`] signs with SigV4a (`AWS4-ECDSA-P256-SHA256`, ECDSA P-256 for a region
//! set); its key pairs are cached in a [`SigV4aKeyCache`]. See the [`v4a`] module.
//!
//! [`raw`] signs requests written as HTTP/1.1 text with a JSON context (the formats of the
//! AWS signing test suite), to debug signatures.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use ziggurat_layers::sign::signer::{
//!     Payload, SignableRequest, SigningIdentity, SigningKeyCache, SigningParams,
//!     SigningSettings, sign,
//! };
//!
//! let mut request = http::Request::builder()
//!     .method("GET")
//!     .uri("https://example.amazonaws.com/?Param1=value1")
//!     .body(())?;
//! let settings = SigningSettings::default();
//! let params = SigningParams {
//!     identity: SigningIdentity::new(
//!         "AKIDEXAMPLE",
//!         "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
//!         None,
//!     ),
//!     region: "us-east-1",
//!     service: "service",
//!     // 2015-08-30T12:36:00Z
//!     time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160),
//!     settings: &settings,
//! };
//! let cache = SigningKeyCache::new();
//!
//! let signable = SignableRequest::from_request(&request, Payload::Bytes(b""));
//! let output = sign(&signable, &params, Some(&cache))?;
//! assert_eq!(
//!     output.signature,
//!     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
//! );
//!
//! output.apply_to_request(&mut request)?;
//! assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
//! assert!(
//!     request.headers()["authorization"]
//!         .to_str()?
//!         .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/")
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canonical_headers;
mod canonical_query;
mod canonical_uri;
mod date;
mod encoding;
mod error;
mod key;
mod output;
mod params;
pub(crate) mod post;
pub mod raw;
mod request;
mod signing;
mod slot_cache;
pub mod v4a;

#[cfg(test)]
mod suite_tests;
#[cfg(test)]
mod tests;

pub(crate) use encoding::encode as uri_encode;
pub(crate) use encoding::encode_lower_hex;
pub use error::SigningError;
pub use key::SigningKeyCache;
pub use output::SigningOutput;
pub use params::{
    MAX_PRESIGNED_EXPIRY, PayloadChecksumKind, SessionTokenMode, SignatureLocation,
    SigningIdentity, SigningParams, SigningSettings, UriEncoding,
};
pub use request::{
    Payload, STREAMING_SIGNED_PAYLOAD, STREAMING_SIGNED_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER, SignableRequest, UNSIGNED_PAYLOAD,
};
pub use signing::sign;
pub(crate) use signing::{Algorithm, SigningTexts, sign_reusing};
pub(crate) use v4a::key_for as v4a_key_for;
pub use v4a::{SigV4aKey, SigV4aKeyCache, SigV4aPublicKey, sign_v4a};
