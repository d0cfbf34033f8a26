//! What to sign with (identity, scope, time) and how (settings).

use std::fmt;
use std::time::{Duration, SystemTime};

use http::HeaderName;

/// The longest lifetime SigV4 allows for a presigned URL: 7 days (604800 seconds).
pub const MAX_PRESIGNED_EXPIRY: Duration = Duration::from_secs(604_800);

/// Placeholder printed by `Debug` implementations instead of secret material.
pub(crate) const REDACTED: &str = "** redacted **";

/// The credentials a request is signed with, borrowed for the duration of one signing.
///
/// `Debug` shows the access key id only; the secret and the session token print as
/// `** redacted **`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SigningIdentity<'a> {
    /// The access key id, for example `AKIDEXAMPLE`. Appears in the signed request.
    pub access_key_id: &'a str,
    /// The secret access key. Only used to derive the signing key; never output.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    /// `Some("")` is treated as `None`.
    pub session_token: Option<&'a str>,
}

impl<'a> SigningIdentity<'a> {
    /// Bundles an access key id, a secret access key and an optional session token.
    #[must_use]
    pub const fn new(
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: Option<&'a str>,
    ) -> Self {
        Self {
            access_key_id,
            secret_access_key,
            session_token,
        }
    }

    /// The session token, if there is a non-empty one.
    pub(crate) fn token(&self) -> Option<&'a str> {
        self.session_token.filter(|token| !token.is_empty())
    }
}

impl fmt::Debug for SigningIdentity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field("session_token", &self.session_token.map(|_| REDACTED))
            .finish()
    }
}

/// How the path of the request URI is encoded into the canonical request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UriEncoding {
    /// The request path (already percent-encoded for the wire) is percent-encoded once
    /// more, so `%` becomes `%25`. What every AWS service except S3 expects.
    #[default]
    Double,
    /// The request path is used as it goes on the wire. What S3 expects.
    ///
    /// Bytes that are not allowed in a URI path at all (non-ASCII, space, `"`, `{`, `}`,
    /// ...) are percent-encoded; reserved characters and existing `%XX` escapes are kept.
    Single,
}

/// What happens to the session token of temporary credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SessionTokenMode {
    /// `X-Amz-Security-Token` is part of the signature (signed header, or signed query
    /// parameter when presigning). What almost every service expects.
    #[default]
    Include,
    /// `X-Amz-Security-Token` is added to the output but is not signed: it is neither a
    /// signed header nor part of the canonical query.
    AfterSigning,
}

/// Where the signature goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureLocation {
    /// An `Authorization` header (plus `X-Amz-Date` and friends).
    #[default]
    Headers,
    /// Query parameters: a presigned URL valid for `expires_in`, which must be between
    /// 1 second and [`MAX_PRESIGNED_EXPIRY`]. Sub-second parts are ignored.
    Query {
        /// How long the presigned URL stays valid (`X-Amz-Expires`).
        expires_in: Duration,
    },
}

/// Whether the payload hash is also sent (and signed) as a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PayloadChecksumKind {
    /// The payload hash only appears on the last line of the canonical request.
    #[default]
    NoHeader,
    /// With header signing, `x-amz-content-sha256: <payload hash>` is added and signed
    /// (S3 requires it). Ignored when presigning.
    XAmzContentSha256,
}

/// Knobs that vary between services. `Default` suits every service except S3; use
/// [`SigningSettings::s3`] for S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningSettings {
    /// How the URI path is encoded. Default [`UriEncoding::Double`].
    pub uri_encoding: UriEncoding,
    /// Whether the path is normalized first (RFC 3986 remove-dot-segments, and empty
    /// segments from `//` dropped). Default `true`.
    pub normalize_path: bool,
    /// Whether `x-amz-content-sha256` is added. Default [`PayloadChecksumKind::NoHeader`].
    pub payload_checksum_kind: PayloadChecksumKind,
    /// What to do with a session token. Default [`SessionTokenMode::Include`].
    pub session_token_mode: SessionTokenMode,
    /// Header signing or presigned URL. Default [`SignatureLocation::Headers`].
    pub location: SignatureLocation,
    /// Request headers never to sign, on top of the built-in list (`authorization`,
    /// `connection`, `expect`, `sec-websocket-key`, `sec-websocket-protocol`,
    /// `sec-websocket-version`, `transfer-encoding`, `upgrade`, `user-agent`,
    /// `x-amzn-trace-id`; and when presigning also `x-amz-user-agent` and
    /// `x-amz-checksum-mode`). `host` and the headers the signer adds itself are always
    /// signed. Default empty.
    pub excluded_headers: Vec<HeaderName>,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            uri_encoding: UriEncoding::Double,
            normalize_path: true,
            payload_checksum_kind: PayloadChecksumKind::NoHeader,
            session_token_mode: SessionTokenMode::Include,
            location: SignatureLocation::Headers,
            excluded_headers: Vec::new(),
        }
    }
}

impl SigningSettings {
    /// The settings S3 requires: [`UriEncoding::Single`], no path normalization, and
    /// [`PayloadChecksumKind::XAmzContentSha256`]; the rest as in `Default`.
    #[must_use]
    pub fn s3() -> Self {
        Self {
            uri_encoding: UriEncoding::Single,
            normalize_path: false,
            payload_checksum_kind: PayloadChecksumKind::XAmzContentSha256,
            ..Self::default()
        }
    }
}

/// Everything besides the request that determines a signature.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The credentials to sign with.
    pub identity: SigningIdentity<'a>,
    /// The region of the credential scope, for example `us-east-1`.
    pub region: &'a str,
    /// The signing name of the service, for example `s3` or `dynamodb`.
    pub service: &'a str,
    /// The signing time. The signer never reads a clock itself.
    pub time: SystemTime,
    /// Service-specific behaviour.
    pub settings: &'a SigningSettings,
}
