//! Signing a request written as HTTP/1.1 text, with the parameters of a JSON context: the
//! formats of the AWS signing test suite (aws-c-auth's `request.txt` and `context.json`).
//!
//! It exists to debug signatures: when a service answers `SignatureDoesNotMatch`, write the
//! request down as text, sign it here (or with `zig sign`), and compare the canonical request
//! and string to sign with what the service says it expected. Every intermediate is returned
//! byte for byte as the suite's expected files hold them.
//!
//! The text format: a request line (`METHOD TARGET HTTP/1.1`; the target may hold spaces),
//! then `Name:value` header lines, where a line starting with a space or a tab continues the
//! previous header, then an empty line and the body (if any). Lines may end in `\n` or
//! `\r\n`. The request is sent to `https://<Host header><target>` (or to an absolute
//! target). A target that cannot go on the wire as written (one with a literal space, as in
//! the suite's `get-space-*` cases) is taken as a raw path, encoded once for the canonical
//! request as aws-c-auth does; other targets are taken as already encoded, and encoded once
//! more, as for every service but S3.
//!
//! The context (`context.json`): `credentials` (`access_key_id`, `secret_access_key`,
//! optional `token`), `region` (the region set with SigV4a), `service`, `timestamp`
//! (RFC 3339), and optional `expiration_in_seconds` (presigning, default 3600), `normalize`
//! (path normalization, default `true`), `sign_body` (add and sign `x-amz-content-sha256`,
//! default `false`) and `omit_session_token` (add `X-Amz-Security-Token` after signing,
//! default `false`). Paths are double-encoded, as every service but S3 expects.
//!
//! # Example
//!
//! ```
//! use ziggurat_layers::sign::signer::raw::{RawRequest, SigningContext, sign_raw, RawOptions};
//!
//! let request = RawRequest::parse(b"GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n")?;
//! let context = SigningContext::from_json(r#"{
//!     "credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
//!     "region": "us-east-1", "service": "service", "timestamp": "2015-08-30T12:36:00Z"
//! }"#)?;
//! let signed = sign_raw(&request, &context, RawOptions::default())?;
//! assert_eq!(signed.signature, "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb");
//! assert!(signed.canonical_request.starts_with("GET\n/\nParam1=value1\nhost:example.amazonaws.com\n"));
//! assert!(String::from_utf8(signed.signed_request)?.starts_with(
//!     "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization:AWS4-HMAC-SHA256 "
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use http::{HeaderName, HeaderValue, Method, Uri};
use serde::Deserialize;

use super::encoding::{double_encode_path_into, encode_into};
use super::error::SigningError;
use super::output::SigningOutput;
use super::params::{
    PayloadChecksumKind, REDACTED, SessionTokenMode, SignatureLocation, SigningIdentity,
    SigningParams, SigningSettings, UriEncoding,
};
use super::request::{Payload, SignableRequest};
use super::{sign, sign_v4a};

/// Why a text request or a context could not be used, or signing failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawError {
    /// The request text is malformed.
    Request {
        /// The 1-based line, when one is to blame.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// The context JSON is malformed or incomplete.
    Context {
        /// What is wrong (serde's message, with line and column).
        reason: String,
    },
    /// The signer refused the request.
    Signing(SigningError),
}

impl RawError {
    fn request(line: Option<usize>, reason: impl Into<String>) -> Self {
        Self::Request {
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for RawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request {
                line: Some(line),
                reason,
            } => write!(f, "invalid request, line {line}: {reason}"),
            Self::Request { line: None, reason } => write!(f, "invalid request: {reason}"),
            Self::Context { reason } => write!(f, "invalid context: {reason}"),
            Self::Signing(_) => f.write_str("cannot sign the request"),
        }
    }
}

impl std::error::Error for RawError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Signing(error) => Some(error),
            _ => None,
        }
    }
}

impl From<SigningError> for RawError {
    fn from(error: SigningError) -> Self {
        Self::Signing(error)
    }
}

/// One header of a [`RawRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawHeader {
    name: String,
    /// The value with continuation lines appended (leading whitespace kept; signing
    /// normalizes it).
    value: String,
    /// The header as written, continuation lines included, without the final line break.
    text: String,
    /// The 1-based line it starts on.
    line: usize,
}

/// A request parsed from HTTP/1.1 text; see the [module documentation](self).
#[derive(Clone, PartialEq, Eq)]
pub struct RawRequest {
    method: String,
    target: String,
    version: String,
    headers: Vec<RawHeader>,
    body: Vec<u8>,
}

impl fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("version", &self.version)
            .field(
                "headers",
                &self.headers.iter().map(|h| &h.name).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl RawRequest {
    /// Parses HTTP/1.1 text.
    ///
    /// # Errors
    ///
    /// [`RawError::Request`] for an empty input, a request line that is not
    /// `METHOD TARGET VERSION`, a header line without `:` or with an empty name, a
    /// continuation line before any header, or a head that is not UTF-8.
    pub fn parse(input: &[u8]) -> Result<Self, RawError> {
        let mut lines: Vec<&str> = Vec::new();
        let mut body: &[u8] = &[];
        let mut rest = input;
        while !rest.is_empty() {
            let (line, after) = match rest.iter().position(|&byte| byte == b'\n') {
                Some(end) => (
                    rest.get(..end).unwrap_or_default(),
                    rest.get(end + 1..).unwrap_or_default(),
                ),
                None => (rest, &[][..]),
            };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                if lines.is_empty() {
                    return Err(RawError::request(Some(1), "the request line is empty"));
                }
                body = after;
                break;
            }
            let text = std::str::from_utf8(line).map_err(|_| {
                RawError::request(Some(lines.len() + 1), "the line is not valid utf-8")
            })?;
            lines.push(text);
            rest = after;
        }
        let Some((request_line, header_lines)) = lines.split_first() else {
            return Err(RawError::request(None, "the input is empty"));
        };

        let malformed = || {
            RawError::request(
                Some(1),
                format!("expected `METHOD TARGET HTTP/1.1`, found `{request_line}`"),
            )
        };
        let (method, rest) = request_line.split_once(' ').ok_or_else(malformed)?;
        let (target, version) = rest.rsplit_once(' ').ok_or_else(malformed)?;
        if method.is_empty() || target.is_empty() || !version.starts_with("HTTP/") {
            return Err(malformed());
        }

        let mut headers: Vec<RawHeader> = Vec::new();
        for (index, line) in header_lines.iter().enumerate() {
            let number = index + 2;
            if line.starts_with([' ', '\t']) {
                let Some(previous) = headers.last_mut() else {
                    return Err(RawError::request(
                        Some(number),
                        "a continuation line (starting with whitespace) comes before any header",
                    ));
                };
                previous.value.push_str(line);
                previous.text.push('\n');
                previous.text.push_str(line);
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(RawError::request(
                    Some(number),
                    format!("expected `Name:value`, found `{line}`"),
                ));
            };
            if name.is_empty() || name.contains([' ', '\t']) {
                return Err(RawError::request(
                    Some(number),
                    format!("invalid header name `{name}`"),
                ));
            }
            headers.push(RawHeader {
                name: name.to_owned(),
                value: value.to_owned(),
                text: (*line).to_owned(),
                line: number,
            });
        }
        Ok(Self {
            method: method.to_owned(),
            target: target.to_owned(),
            version: version.to_owned(),
            headers,
            body: body.to_vec(),
        })
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target, as written.
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The request as `http` types, and whether its target had to be encoded for the wire.
    fn to_http(&self) -> Result<(http::Request<()>, bool), RawError> {
        let method = Method::from_bytes(self.method.as_bytes())
            .map_err(|_| RawError::request(Some(1), format!("invalid method `{}`", self.method)))?;
        let absolute = self.target.starts_with("http://") || self.target.starts_with("https://");
        let (target, encoded) = wire_target(&self.target);
        let uri = if absolute {
            target.parse::<Uri>()
        } else {
            let host = self
                .headers
                .iter()
                .find(|header| header.name.eq_ignore_ascii_case("host"))
                .map(|header| header.value.trim())
                .ok_or_else(|| RawError::request(None, "the request has no Host header"))?;
            format!("https://{host}{target}").parse::<Uri>()
        }
        .map_err(|error| {
            RawError::request(
                Some(1),
                format!("the target or host is not a valid uri: {error}"),
            )
        })?;
        let mut request = http::Request::new(());
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        for header in &self.headers {
            let name = HeaderName::from_bytes(header.name.as_bytes()).map_err(|_| {
                RawError::request(
                    Some(header.line),
                    format!("invalid header name `{}`", header.name),
                )
            })?;
            let value = HeaderValue::from_str(&header.value).map_err(|_| {
                RawError::request(
                    Some(header.line),
                    format!("invalid value for header `{}`", header.name),
                )
            })?;
            headers.append(name, value);
        }
        Ok((request, encoded))
    }
}

/// The target as it can go on the wire, and whether it had to be changed for that.
///
/// As written when `http` accepts it. Otherwise (a literal space, say) the path is encoded
/// once, `/` and the unreserved characters kept, which is the canonical URI aws-c-auth
/// computes from a raw path, and which signing with [`UriEncoding::Single`] keeps as it
/// is; in the query, only the characters a URI cannot hold are escaped (the canonical query
/// decodes and re-encodes every parameter anyway).
fn wire_target(target: &str) -> (String, bool) {
    let absolute = target.starts_with("http://") || target.starts_with("https://");
    let valid = if absolute {
        target.parse::<Uri>().is_ok()
    } else {
        target.parse::<http::uri::PathAndQuery>().is_ok()
    };
    if valid {
        return (target.to_owned(), false);
    }
    let mut wire = String::with_capacity(target.len() * 3);
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    if absolute {
        escape_excluded(&mut wire, path);
    } else {
        double_encode_path_into(&mut wire, path);
    }
    if let Some(query) = query {
        wire.push('?');
        escape_excluded(&mut wire, query);
    }
    (wire, true)
}

/// Appends `text` with spaces, control characters and the characters RFC 3986 excludes
/// percent-encoded.
fn escape_excluded(out: &mut String, text: &str) {
    for character in text.chars() {
        let excluded = character.is_ascii_control()
            || matches!(
                character,
                ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'
            );
        if excluded {
            let mut buffer = [0_u8; 4];
            encode_into(out, character.encode_utf8(&mut buffer).as_bytes());
        } else {
            out.push(character);
        }
    }
}

/// The credentials of a [`SigningContext`]. `Debug` redacts the secret and the token.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token, if any.
    #[serde(default)]
    pub token: Option<String>,
}

impl fmt::Debug for ContextCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field("token", &self.token.as_ref().map(|_| REDACTED))
            .finish()
    }
}

fn default_expiration() -> u64 {
    3600
}

fn default_normalize() -> bool {
    true
}

/// The signing parameters of a `context.json`; see the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningContext {
    /// The credentials.
    pub credentials: ContextCredentials,
    /// `X-Amz-Expires` when presigning, in seconds. Default 3600.
    #[serde(default = "default_expiration")]
    pub expiration_in_seconds: u64,
    /// Whether the URI path is normalized. Default `true`.
    #[serde(default = "default_normalize")]
    pub normalize: bool,
    /// The region (SigV4) or region set (SigV4a).
    pub region: String,
    /// The signing name of the service.
    pub service: String,
    /// Whether `x-amz-content-sha256` is added and signed. Default `false`.
    #[serde(default)]
    pub sign_body: bool,
    /// Whether the session token is added after signing instead of signed. Default `false`.
    #[serde(default)]
    pub omit_session_token: bool,
    /// The signing time, RFC 3339 (`2015-08-30T12:36:00Z`).
    pub timestamp: String,
}

impl SigningContext {
    /// Parses a `context.json`.
    ///
    /// # Errors
    ///
    /// [`RawError::Context`] for invalid JSON, a missing or unknown field, or a timestamp
    /// that is not RFC 3339.
    pub fn from_json(json: &str) -> Result<Self, RawError> {
        let context: Self = serde_json::from_str(json).map_err(|error| RawError::Context {
            reason: error.to_string(),
        })?;
        context.time()?;
        Ok(context)
    }

    /// The signing time.
    fn time(&self) -> Result<SystemTime, RawError> {
        time::OffsetDateTime::parse(
            &self.timestamp,
            &time::format_description::well_known::Rfc3339,
        )
        .map(SystemTime::from)
        .map_err(|error| RawError::Context {
            reason: format!("timestamp `{}` is not rfc 3339: {error}", self.timestamp),
        })
    }

    fn settings(&self, query: bool, uri_encoding: UriEncoding) -> SigningSettings {
        SigningSettings {
            uri_encoding,
            normalize_path: self.normalize,
            payload_checksum_kind: if self.sign_body {
                PayloadChecksumKind::XAmzContentSha256
            } else {
                PayloadChecksumKind::NoHeader
            },
            session_token_mode: if self.omit_session_token {
                SessionTokenMode::AfterSigning
            } else {
                SessionTokenMode::Include
            },
            location: if query {
                SignatureLocation::Query {
                    expires_in: Duration::from_secs(self.expiration_in_seconds),
                }
            } else {
                SignatureLocation::Headers
            },
            excluded_headers: Vec::new(),
        }
    }
}

/// How [`sign_raw`] signs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawOptions {
    /// Presign (query parameters) instead of header signing.
    pub query: bool,
    /// SigV4a instead of SigV4.
    pub v4a: bool,
}

/// What [`sign_raw`] produces, each part as the suite's expected files hold it.
#[derive(Clone, PartialEq, Eq)]
pub struct RawSigning {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The signature, in hex.
    pub signature: String,
    /// The signed request as HTTP/1.1 text: the request line (with the signing parameters
    /// appended to the target when presigning), the headers as written, the headers the
    /// signer adds, an empty line and the body.
    pub signed_request: Vec<u8>,
}

impl fmt::Debug for RawSigning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawSigning")
            .field("canonical_request", &REDACTED)
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &REDACTED)
            .field("signed_request", &REDACTED)
            .finish()
    }
}

/// Signs a text request with the parameters of a context.
///
/// # Errors
///
/// [`RawError::Request`] if the request cannot be built (no `Host` header, an invalid
/// method, header or target), [`RawError::Context`] for an invalid timestamp, and
/// [`RawError::Signing`] if the signer refuses (for example an expiry beyond 7 days).
pub fn sign_raw(
    request: &RawRequest,
    context: &SigningContext,
    options: RawOptions,
) -> Result<RawSigning, RawError> {
    let (http_request, encoded) = request.to_http()?;
    let uri_encoding = if encoded {
        UriEncoding::Single
    } else {
        UriEncoding::Double
    };
    let settings = context.settings(options.query, uri_encoding);
    let credentials = &context.credentials;
    let params = SigningParams {
        identity: SigningIdentity::new(
            &credentials.access_key_id,
            &credentials.secret_access_key,
            credentials.token.as_deref(),
        ),
        region: &context.region,
        service: &context.service,
        time: context.time()?,
        settings: &settings,
    };
    let signable = SignableRequest::from_request(&http_request, Payload::Bytes(&request.body));
    let output = if options.v4a {
        sign_v4a(&signable, &params, None)?
    } else {
        sign(&signable, &params, None)?
    };
    let signed_request = render_signed(request, &output);
    Ok(RawSigning {
        canonical_request: output.canonical_request,
        string_to_sign: output.string_to_sign,
        signature: output.signature,
        signed_request,
    })
}

/// The header names as the suite (aws-c-auth) writes the ones the signer adds.
fn display_name(name: &HeaderName) -> &str {
    match name.as_str() {
        "authorization" => "Authorization",
        "x-amz-date" => "X-Amz-Date",
        "x-amz-security-token" => "X-Amz-Security-Token",
        "x-amz-region-set" => "X-Amz-Region-Set",
        other => other,
    }
}

fn render_signed(request: &RawRequest, output: &SigningOutput) -> Vec<u8> {
    let mut text = String::with_capacity(512 + request.target.len());
    text.push_str(&request.method);
    text.push(' ');
    text.push_str(&request.target);
    if !output.query.is_empty() {
        match request.target.rfind('?') {
            None => text.push('?'),
            Some(at) if at + 1 == request.target.len() || request.target.ends_with('&') => {}
            Some(_) => text.push('&'),
        }
        for (index, (name, value)) in output.query.iter().enumerate() {
            if index > 0 {
                text.push('&');
            }
            text.push_str(name);
            text.push('=');
            text.push_str(value);
        }
    }
    text.push(' ');
    text.push_str(&request.version);
    text.push('\n');
    for header in &request.headers {
        let replaced = output
            .headers
            .iter()
            .any(|(name, _)| name.as_str().eq_ignore_ascii_case(&header.name));
        if !replaced {
            text.push_str(&header.text);
            text.push('\n');
        }
    }
    for (name, value) in &output.headers {
        text.push_str(display_name(name));
        text.push(':');
        text.push_str(&String::from_utf8_lossy(value.as_bytes()));
        text.push('\n');
    }
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&request.body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: &str = r#"{
        "credentials": {"access_key_id": "AKIDEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
        "region": "us-east-1", "service": "service", "timestamp": "2015-08-30T12:36:00Z"
    }"#;

    #[test]
    fn parses_continuations_crlf_and_bodies() {
        let request = RawRequest::parse(
            b"POST /a b/?x=1 HTTP/1.1\r\nHost:h\r\nMy-Header: v1\r\n  v2\r\n\r\nbody\r\nmore",
        )
        .unwrap();
        assert_eq!(request.method(), "POST");
        assert_eq!(request.target(), "/a b/?x=1");
        assert_eq!(request.body(), b"body\r\nmore");
        assert_eq!(request.headers[1].value, " v1  v2");
        assert_eq!(request.headers[1].text, "My-Header: v1\n  v2");
        let (http_request, encoded) = request.to_http().unwrap();
        assert!(encoded);
        assert_eq!(http_request.uri().to_string(), "https://h/a%20b/?x=1");
        // A raw path is encoded once, reserved characters and `%` included.
        let (wire, encoded) = wire_target("/a b/@c%41/?q=a b");
        assert!(encoded);
        assert_eq!(wire, "/a%20b/%40c%2541/?q=a%20b");
        assert_eq!(wire_target("/a%20b/@c"), ("/a%20b/@c".to_owned(), false));
    }

    #[test]
    fn bad_requests_and_contexts_are_errors_not_panics() {
        let bad: [&[u8]; 9] = [
            b"",
            b"\n",
            b"GET\n",
            b"GET /\n",
            b"GET / FTP\n",
            b"GET / HTTP/1.1\n  continued\n",
            b"GET / HTTP/1.1\nNoColon\n",
            b"GET / HTTP/1.1\n:empty\n",
            b"GET / HTTP/1.1\nHost:h\xff\n",
        ];
        for input in bad {
            let error = RawRequest::parse(input).unwrap_err();
            assert!(error.to_string().starts_with("invalid request"), "{error}");
        }
        let context = SigningContext::from_json(CONTEXT).unwrap();
        for input in [
            &b"GET / HTTP/1.1\nX:1\n"[..],
            b"G\"T / HTTP/1.1\nHost:h\n",
            b"GET / HTTP/1.1\nHost:h\nBad\x01Name:1\n",
            b"GET / HTTP/1.1\nHost:bad host\n",
        ] {
            let request = RawRequest::parse(input).unwrap();
            let error = sign_raw(&request, &context, RawOptions::default()).unwrap_err();
            assert!(matches!(error, RawError::Request { .. }), "{error}");
        }
        for json in [
            "",
            "{",
            "[]",
            r#"{"region": "r"}"#,
            &CONTEXT.replace("2015-08-30T12:36:00Z", "yesterday"),
            &CONTEXT.replace("\"region\"", "\"regoin\""),
        ] {
            let error = SigningContext::from_json(json).unwrap_err();
            assert!(error.to_string().starts_with("invalid context"), "{error}");
        }
        let mut long = context.clone();
        long.expiration_in_seconds = 604_801;
        let request = RawRequest::parse(b"GET / HTTP/1.1\nHost:h\n").unwrap();
        let options = RawOptions {
            query: true,
            v4a: false,
        };
        assert!(matches!(
            sign_raw(&request, &long, options),
            Err(RawError::Signing(SigningError::ExpiresInTooLong { .. }))
        ));
        assert!(!format!("{context:?}").contains("wJalr"));
    }

    #[test]
    fn presigned_targets_get_the_parameters_appended() {
        let context = SigningContext::from_json(CONTEXT).unwrap();
        let options = RawOptions {
            query: true,
            v4a: true,
        };
        for (target, joined) in [
            ("/", "/?X-Amz"),
            ("/?a=1", "/?a=1&X-Amz"),
            ("/?", "/?X-Amz"),
        ] {
            let text = format!("GET {target} HTTP/1.1\nHost:h\n");
            let request = RawRequest::parse(text.as_bytes()).unwrap();
            let signed = sign_raw(&request, &context, options).unwrap();
            let signed = String::from_utf8(signed.signed_request).unwrap();
            assert!(signed.starts_with(&format!("GET {joined}")), "{signed}");
            assert!(
                signed.contains("&X-Amz-Region-Set=us-east-1&X-Amz-Signature=30"),
                "{signed}"
            );
            assert!(signed.ends_with(" HTTP/1.1\nHost:h\n\n"), "{signed}");
        }
    }
}
