//! What signing produces, and how to apply it to a request.

use std::fmt;

use http::uri::PathAndQuery;
use http::{HeaderName, HeaderValue, Uri};

use super::error::SigningError;
use super::params::REDACTED;

/// The result of [`sign`](super::sign): what to add to the request, plus the
/// intermediate strings (useful to debug a signature mismatch).
///
/// `Debug` redacts the signature, the canonical request (it may hold the session token),
/// and the `X-Amz-Signature` and `X-Amz-Security-Token` query values; the
/// `authorization` and `x-amz-security-token` header values are marked sensitive.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningOutput {
    /// Header signing: the headers to set, in this order: `x-amz-security-token` (if
    /// any), `x-amz-date`, `x-amz-region-set` (SigV4a), `x-amz-content-sha256` (if asked
    /// for), `authorization`. Empty when presigning.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Presigning: the query parameters to append, already URI-encoded, in this order:
    /// `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`,
    /// `X-Amz-Expires`, `X-Amz-Security-Token` (if any), `X-Amz-Region-Set` (SigV4a),
    /// `X-Amz-Signature`. Empty with header signing.
    pub query: Vec<(String, String)>,
    /// The signature in lowercase hex: 64 digits (SigV4's HMAC-SHA256), or the DER
    /// encoding of an ECDSA signature (SigV4a, about 140 digits).
    pub signature: String,
    /// The canonical request that was signed.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
}

impl SigningOutput {
    /// Sets the headers on `request` (replacing any previous value, for example an old
    /// `x-amz-date` or `authorization`) and appends the query parameters to its URI.
    ///
    /// # Errors
    ///
    /// [`SigningError::InvalidUri`] if the URI with the appended parameters is not valid;
    /// the request is then left unchanged.
    pub fn apply_to_request<B>(self, request: &mut http::Request<B>) -> Result<(), SigningError> {
        if !self.query.is_empty() {
            let uri = append_query(request.uri(), &self.query)?;
            *request.uri_mut() = uri;
        }
        let headers = request.headers_mut();
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        Ok(())
    }

    /// [`apply_to_request`](Self::apply_to_request) for a request taken apart (as
    /// middleware holds it).
    ///
    /// # Errors
    ///
    /// As [`apply_to_request`](Self::apply_to_request); `parts` is then left unchanged.
    pub fn apply_to_parts(self, parts: &mut http::request::Parts) -> Result<(), SigningError> {
        if !self.query.is_empty() {
            parts.uri = append_query(&parts.uri, &self.query)?;
        }
        for (name, value) in self.headers {
            parts.headers.insert(name, value);
        }
        Ok(())
    }
}

/// `uri` with `params` appended to its query.
fn append_query(uri: &Uri, params: &[(String, String)]) -> Result<Uri, SigningError> {
    let path = uri.path();
    let existing = uri.query().filter(|query| !query.is_empty());
    let added: usize = params
        .iter()
        .map(|(name, value)| name.len() + value.len() + 2)
        .sum();
    let mut path_and_query =
        String::with_capacity(path.len() + existing.map_or(0, str::len) + added + 1);
    path_and_query.push_str(path);
    path_and_query.push('?');
    if let Some(existing) = existing {
        path_and_query.push_str(existing);
        path_and_query.push('&');
    }
    for (index, (name, value)) in params.iter().enumerate() {
        if index > 0 {
            path_and_query.push('&');
        }
        path_and_query.push_str(name);
        path_and_query.push('=');
        path_and_query.push_str(value);
    }
    let invalid = |reason: String| SigningError::InvalidUri { reason };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query =
        Some(PathAndQuery::try_from(path_and_query).map_err(|e| invalid(e.to_string()))?);
    Uri::from_parts(parts).map_err(|e| invalid(e.to_string()))
}

/// The query parameters with secret values redacted.
struct RedactedQuery<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, value)| {
                let secret = name == "X-Amz-Signature" || name == "X-Amz-Security-Token";
                (
                    name.as_str(),
                    if secret { REDACTED } else { value.as_str() },
                )
            }))
            .finish()
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("headers", &self.headers)
            .field("query", &RedactedQuery(&self.query))
            .field("signature", &REDACTED)
            .field("canonical_request", &REDACTED)
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
}
