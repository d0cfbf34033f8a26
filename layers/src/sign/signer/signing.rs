//! The signing procedure: canonical request, string to sign, signature, output.

use std::borrow::Cow;
use std::time::Duration;

use arrayvec::ArrayString;
use hmac::Mac;
use http::{HeaderName, HeaderValue, Uri};
use sha2::{Digest, Sha256};
use ziggurat_core::header_buffer::shared_header_value;

use super::canonical_headers::{
    AUTHORIZATION, AddedHeaders, HeaderFilter, Lines, X_AMZ_CONTENT_SHA256, X_AMZ_DATE,
    X_AMZ_REGION_SET, X_AMZ_SECURITY_TOKEN, select_headers, signed_headers_len,
    write_canonical_headers, write_signed_headers,
};
use super::canonical_query::{
    QueryParam, collect_query_params, find_signing_parameter, write_canonical_query,
};
use super::canonical_uri::write_canonical_uri;
use super::date::AmzDate;
use super::encoding::{encode, encode_lower_hex};
use super::error::SigningError;
use super::key::{SigningKeyCache, mac_over};
use super::output::SigningOutput;
use super::params::{
    MAX_PRESIGNED_EXPIRY, PayloadChecksumKind, SessionTokenMode, SignatureLocation, SigningParams,
};
use super::request::{Payload, SignableRequest, UNSIGNED_PAYLOAD};
use super::v4a::SigV4aKey;

/// The SigV4 algorithm name.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The SigV4a algorithm name.
pub(crate) const ALGORITHM_V4A: &str = "AWS4-ECDSA-P256-SHA256";
/// SHA-256 of the empty string, the payload hash of every bodiless request.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The last component of every credential scope.
const SCOPE_TERMINATOR: &str = "aws4_request";

/// Signs `request` with SigV4, without touching it: the returned [`SigningOutput`] says
/// what to add (see [`SigningOutput::apply_to_request`]).
///
/// With `key_cache`, the derived signing key is reused across calls for the same
/// (secret, date, region, service); without it, the key is derived on every call.
///
/// # Errors
///
/// See [`SigningError`]: an out-of-range presign expiry, a non-UTF-8 header value, an
/// unusable access key id, region, service, session token or precomputed payload hash,
/// a time outside the years 0 to 9999, a request without any host, or (presigning) a
/// URI that already has signing parameters.
pub fn sign(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    key_cache: Option<&SigningKeyCache>,
) -> Result<SigningOutput, SigningError> {
    sign_with(request, params, Algorithm::V4 { key_cache })
}

/// The algorithm, and the key material it signs with.
pub(crate) enum Algorithm<'a> {
    /// SigV4: HMAC-SHA256 with a key derived per day, region and service.
    V4 {
        key_cache: Option<&'a SigningKeyCache>,
    },
    /// SigV4a: ECDSA P-256 with a key derived from the credentials alone; the `region` of
    /// the [`SigningParams`] is the region set.
    V4a { key: &'a SigV4aKey },
}

impl Algorithm<'_> {
    fn name(&self) -> &'static str {
        match self {
            Self::V4 { .. } => ALGORITHM,
            Self::V4a { .. } => ALGORITHM_V4A,
        }
    }

    fn is_v4a(&self) -> bool {
        matches!(self, Self::V4a { .. })
    }
}

/// Signs with either algorithm; see [`sign`] and [`sign_v4a`](super::sign_v4a).
pub(crate) fn sign_with(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    algorithm: Algorithm<'_>,
) -> Result<SigningOutput, SigningError> {
    let mut scratch = Scratch::default();
    let signed = sign_into(request, params, algorithm, &mut scratch)?;
    Ok(SigningOutput {
        headers: signed
            .headers
            .map(SignatureHeaders::into_pairs)
            .unwrap_or_default(),
        query: signed.query,
        signature: signed.signature.as_str().to_owned(),
        canonical_request: scratch.canonical_request,
        string_to_sign: scratch.string_to_sign,
    })
}

/// The text buffers of a signing: the canonical request, the string to sign and the signed
/// header names. Reused from call to call on a thread by [`sign_reusing`], so that a warm
/// signature allocates only the headers it adds.
#[derive(Default)]
pub(crate) struct Scratch {
    canonical_request: String,
    string_to_sign: String,
    signed_headers: String,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// What a signing adds to a request (the texts it signed stay in the [`Scratch`]).
pub(crate) struct Signed {
    /// As [`SigningOutput::headers`] (`None` when presigning).
    pub(crate) headers: Option<SignatureHeaders>,
    /// As [`SigningOutput::query`].
    pub(crate) query: Vec<(String, String)>,
    /// The signature.
    pub(crate) signature: Signature,
}

/// A signature in lowercase hex: an HMAC-SHA256 (64 digits, kept inline) or a DER-encoded
/// ECDSA signature.
pub(crate) enum Signature {
    Hmac(Hex64),
    Ecdsa(String),
}

impl Signature {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Signature::Hmac(hex) => hex,
            Signature::Ecdsa(hex) => hex,
        }
    }
}

/// A SHA-256 digest in lowercase hex, kept inline.
pub(crate) type Hex64 = ArrayString<64>;

/// `digest` in lowercase hex.
pub(crate) fn hex64(digest: &[u8]) -> Hex64 {
    let mut hex = [0_u8; 64];
    encode_lower_hex(digest, &mut hex);
    // Hex digits are ASCII: this cannot fail.
    Hex64::from_byte_string(&hex).unwrap_or_default()
}

/// What sees a signature's canonical request and string to sign (the wire log).
pub(crate) type SigningTexts<'a> = &'a dyn Fn(&str, &str);

/// [`sign_with`] without the intermediate texts, in this thread's reusable buffers: what
/// the signing middleware runs for every request.
///
/// `texts`, when given, sees the canonical request and the string to sign (the wire log).
pub(crate) fn sign_reusing(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    algorithm: Algorithm<'_>,
    texts: Option<SigningTexts<'_>>,
) -> Result<Signed, SigningError> {
    let run = |scratch: &mut Scratch| {
        let signed = sign_into(request, params, algorithm, scratch);
        if let (Some(texts), Ok(_)) = (texts, &signed) {
            texts(&scratch.canonical_request, &scratch.string_to_sign);
        }
        signed
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => run(&mut scratch),
        // Not reachable (signing never signs), but never worth a panic.
        Err(_) => run(&mut Scratch::default()),
    })
}

/// The signing procedure, writing its texts into `scratch`.
fn sign_into(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    algorithm: Algorithm<'_>,
    scratch: &mut Scratch,
) -> Result<Signed, SigningError> {
    let inputs = Inputs::new(request, params, &algorithm)?;
    let presign = build_canonical_request(request, params, &inputs, scratch)?;
    let scope = inputs.scope(params);
    let algorithm_name = algorithm.name();

    let string_to_sign = &mut scratch.string_to_sign;
    string_to_sign.clear();
    string_to_sign.reserve(algorithm_name.len() + 16 + scope.len() + 67);
    string_to_sign.push_str(algorithm_name);
    string_to_sign.push('\n');
    string_to_sign.push_str(inputs.date.date_time());
    string_to_sign.push('\n');
    scope.push_to(string_to_sign);
    string_to_sign.push('\n');
    string_to_sign.push_str(&hex64(&Sha256::digest(
        scratch.canonical_request.as_bytes(),
    )));

    let signature = match algorithm {
        Algorithm::V4 { key_cache } => {
            let mac = mac_over(
                key_cache,
                params.identity.secret_access_key,
                scope.date,
                params.region,
                scope.service,
                string_to_sign.as_bytes(),
            );
            Signature::Hmac(hex64(&mac.finalize().into_bytes()))
        }
        Algorithm::V4a { key } => Signature::Ecdsa(key.sign_to_hex(string_to_sign.as_bytes())?),
    };

    let (headers, query) = match presign {
        None => {
            let headers = signature_headers(
                params,
                &inputs,
                &scope,
                &scratch.signed_headers,
                signature.as_str(),
            )?;
            (Some(headers), Vec::new())
        }
        Some(presign) => (None, presign.into_query(&inputs, signature.as_str())),
    };
    Ok(Signed {
        headers,
        query,
        signature,
    })
}

/// The validated inputs, and what follows from them.
struct Inputs<'a> {
    /// The algorithm name.
    algorithm: &'static str,
    /// SigV4a: the region set (`X-Amz-Region-Set`); the scope has no region then.
    region_set: Option<&'a str>,
    date: AmzDate,
    /// `Some` when presigning.
    expires_in: Option<Duration>,
    /// The session token, whether signed or not.
    token: Option<&'a str>,
    /// The session token, if it is signed.
    signed_token: Option<&'a str>,
    payload_hash: PayloadHash<'a>,
    /// Header signing with `x-amz-content-sha256`.
    add_content_sha256: bool,
}

impl<'a> Inputs<'a> {
    fn new(
        request: &SignableRequest<'a>,
        params: &SigningParams<'a>,
        algorithm: &Algorithm<'_>,
    ) -> Result<Self, SigningError> {
        let settings = params.settings;
        check_scope_part(params.identity.access_key_id, "access key id")?;
        let v4a = algorithm.is_v4a();
        check_scope_part(params.region, if v4a { "region set" } else { "region" })?;
        check_scope_part(params.service, "service")?;
        let expires_in = match settings.location {
            SignatureLocation::Headers => None,
            SignatureLocation::Query { expires_in } => Some(check_expiry(expires_in)?),
        };
        let token = params.identity.token();
        Ok(Self {
            algorithm: algorithm.name(),
            region_set: v4a.then_some(params.region),
            date: AmzDate::new(params.time)?,
            expires_in,
            token,
            signed_token: token
                .filter(|_| settings.session_token_mode == SessionTokenMode::Include),
            payload_hash: payload_hash(request.payload)?,
            add_content_sha256: expires_in.is_none()
                && settings.payload_checksum_kind == PayloadChecksumKind::XAmzContentSha256,
        })
    }

    fn presigning(&self) -> bool {
        self.expires_in.is_some()
    }

    fn scope<'s>(&'s self, params: &'s SigningParams<'_>) -> Scope<'s> {
        Scope {
            date: self.date.date(),
            region: if self.region_set.is_some() {
                None
            } else {
                Some(params.region)
            },
            service: params.service,
        }
    }
}

/// Writes the canonical request and the signed header names into `scratch`; returns the
/// query-signing values when presigning.
fn build_canonical_request(
    request: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    inputs: &Inputs<'_>,
    scratch: &mut Scratch,
) -> Result<Option<PresignValues>, SigningError> {
    let settings = params.settings;
    let presigning = inputs.presigning();

    // Signed headers.
    let host = if request.headers.contains_key(http::header::HOST) {
        None
    } else {
        Some(uri_host(request.uri)?)
    };
    let added = AddedHeaders {
        host: host.as_deref(),
        date: (!presigning).then(|| inputs.date.date_time()),
        security_token: inputs.signed_token.filter(|_| !presigning),
        content_sha256: inputs.add_content_sha256.then_some(&*inputs.payload_hash),
        region_set: inputs.region_set.filter(|_| !presigning),
    };
    let filter = HeaderFilter {
        presigning,
        skip_region_set: inputs.region_set.is_some(),
        skip_security_token: inputs.token.is_some()
            || settings.session_token_mode == SessionTokenMode::AfterSigning,
        excluded: &settings.excluded_headers,
    };
    let mut lines = Lines::new();
    let headers_size = select_headers(&mut lines, request.headers, &added, &filter);
    let signed_headers = &mut scratch.signed_headers;
    signed_headers.clear();
    signed_headers.reserve(signed_headers_len(&lines));
    write_signed_headers(signed_headers, &lines);

    // Canonical query, with the query-signing parameters when presigning.
    let presign = inputs
        .expires_in
        .map(|expires_in| PresignValues::new(params, inputs, expires_in, signed_headers));
    let raw_query = request.uri.query().unwrap_or_default();
    let mut query: Vec<QueryParam<'_>> = Vec::with_capacity(if presigning { 8 } else { 0 });
    collect_query_params(raw_query, &mut query);
    if let Some(presign) = &presign {
        if let Some(name) = find_signing_parameter(&query, inputs.region_set.is_some()) {
            return Err(SigningError::ForbiddenQueryParameter {
                name: name.to_owned(),
            });
        }
        presign.push_signed_params(&mut query, inputs);
    }

    // Everything into one buffer.
    let path = request.uri.path();
    let presign_size = presign.as_ref().map_or(0, PresignValues::size_hint);
    let text = &mut scratch.canonical_request;
    text.clear();
    text.reserve(
        request.method.as_str().len()
            + path.len() * 3
            + raw_query.len() * 3
            + presign_size
            + headers_size
            + signed_headers.len()
            + inputs.payload_hash.len()
            + 8,
    );
    text.push_str(request.method.as_str());
    text.push('\n');
    write_canonical_uri(text, path, settings.normalize_path, settings.uri_encoding);
    text.push('\n');
    write_canonical_query(text, &mut query);
    text.push('\n');
    write_canonical_headers(text, &lines)?;
    text.push('\n');
    text.push_str(signed_headers);
    text.push('\n');
    text.push_str(&inputs.payload_hash);
    drop(query);
    Ok(presign)
}

/// Header signing: `x-amz-security-token`, `x-amz-date`, `x-amz-content-sha256` and
/// `authorization`, in that order.
fn signature_headers(
    params: &SigningParams<'_>,
    inputs: &Inputs<'_>,
    scope: &Scope<'_>,
    signed_headers: &str,
    signature: &str,
) -> Result<SignatureHeaders, SigningError> {
    let security_token = match inputs.token {
        Some(token) => {
            let mut value =
                HeaderValue::from_str(token).map_err(|_| SigningError::InvalidSessionToken)?;
            value.set_sensitive(true);
            Some(value)
        }
        None => None,
    };
    let region_set = match inputs.region_set {
        Some(region_set) => Some(shared_header_value(&[region_set.as_bytes()]).map_err(|_| {
            SigningError::InvalidScope {
                field: "region set",
            }
        })?),
        None => None,
    };
    let content_sha256 = if inputs.add_content_sha256 {
        Some(
            shared_header_value(&[inputs.payload_hash.as_bytes()])
                .map_err(|_| SigningError::InvalidPayloadHash)?,
        )
    } else {
        None
    };
    const CREDENTIAL: &[u8] = b" Credential=";
    const SIGNED_HEADERS: &[u8] = b", SignedHeaders=";
    const SIGNATURE: &[u8] = b", Signature=";
    let region = scope.region.map_or(&b""[..], str::as_bytes);
    let region_slash = if scope.region.is_some() {
        &b"/"[..]
    } else {
        b""
    };
    // In the thread's shared header buffer: no allocation of its own. Every part was checked
    // to be visible ASCII, so this cannot fail.
    let mut authorization = shared_header_value(&[
        inputs.algorithm.as_bytes(),
        CREDENTIAL,
        params.identity.access_key_id.as_bytes(),
        b"/",
        scope.date.as_bytes(),
        b"/",
        region,
        region_slash,
        scope.service.as_bytes(),
        b"/",
        SCOPE_TERMINATOR.as_bytes(),
        SIGNED_HEADERS,
        signed_headers.as_bytes(),
        SIGNATURE,
        signature.as_bytes(),
    ])
    .map_err(|_| SigningError::InvalidScope {
        field: "access key id",
    })?;
    authorization.set_sensitive(true);
    Ok(SignatureHeaders {
        security_token,
        date: inputs.date.header_value(),
        region_set,
        content_sha256,
        authorization,
    })
}

/// The headers header signing sets (see [`SigningOutput::headers`] for their order).
pub(crate) struct SignatureHeaders {
    security_token: Option<HeaderValue>,
    date: HeaderValue,
    region_set: Option<HeaderValue>,
    content_sha256: Option<HeaderValue>,
    authorization: HeaderValue,
}

impl SignatureHeaders {
    /// Sets them on `headers`, replacing any previous values.
    pub(crate) fn insert_into(self, headers: &mut http::HeaderMap) {
        if let Some(token) = self.security_token {
            headers.insert(X_AMZ_SECURITY_TOKEN.clone(), token);
        }
        headers.insert(X_AMZ_DATE.clone(), self.date);
        if let Some(region_set) = self.region_set {
            headers.insert(X_AMZ_REGION_SET.clone(), region_set);
        }
        if let Some(hash) = self.content_sha256 {
            headers.insert(X_AMZ_CONTENT_SHA256.clone(), hash);
        }
        headers.insert(AUTHORIZATION.clone(), self.authorization);
    }

    /// As name and value pairs, in order.
    pub(crate) fn into_pairs(self) -> Vec<(HeaderName, HeaderValue)> {
        [
            (&X_AMZ_SECURITY_TOKEN, self.security_token),
            (&X_AMZ_DATE, Some(self.date)),
            (&X_AMZ_REGION_SET, self.region_set),
            (&X_AMZ_CONTENT_SHA256, self.content_sha256),
            (&AUTHORIZATION, Some(self.authorization)),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|value| (name.clone(), value)))
        .collect()
    }
}

/// The encoded values query signing adds.
struct PresignValues {
    credential: String,
    expires: String,
    signed_headers: String,
    /// The session token, signed or not.
    token: Option<String>,
    /// SigV4a: the region set.
    region_set: Option<String>,
}

impl PresignValues {
    fn new(
        params: &SigningParams<'_>,
        inputs: &Inputs<'_>,
        expires_in: Duration,
        signed_headers: &str,
    ) -> Self {
        let scope = inputs.scope(params);
        let access_key_id = params.identity.access_key_id;
        let mut credential = String::with_capacity(access_key_id.len() + 1 + scope.len());
        credential.push_str(access_key_id);
        credential.push('/');
        scope.push_to(&mut credential);
        Self {
            credential: encode(&credential).into_owned(),
            expires: expires_in.as_secs().to_string(),
            signed_headers: encode(signed_headers).into_owned(),
            token: inputs.token.map(|token| encode(token).into_owned()),
            region_set: inputs
                .region_set
                .map(|region_set| encode(region_set).into_owned()),
        }
    }

    fn size_hint(&self) -> usize {
        176 + self.credential.len()
            + self.signed_headers.len()
            + self.token.as_ref().map_or(0, String::len)
            + self.region_set.as_ref().map_or(0, String::len)
    }

    /// Adds the parameters that are part of the canonical query.
    fn push_signed_params<'q>(&'q self, query: &mut Vec<QueryParam<'q>>, inputs: &'q Inputs<'_>) {
        query.extend([
            (
                Cow::Borrowed("X-Amz-Algorithm"),
                Cow::Borrowed(inputs.algorithm),
            ),
            (
                Cow::Borrowed("X-Amz-Credential"),
                Cow::Borrowed(self.credential.as_str()),
            ),
            (
                Cow::Borrowed("X-Amz-Date"),
                Cow::Borrowed(inputs.date.date_time()),
            ),
            (
                Cow::Borrowed("X-Amz-Expires"),
                Cow::Borrowed(self.expires.as_str()),
            ),
            (
                Cow::Borrowed("X-Amz-SignedHeaders"),
                Cow::Borrowed(self.signed_headers.as_str()),
            ),
        ]);
        if let (Some(token), Some(_)) = (&self.token, inputs.signed_token) {
            query.push((
                Cow::Borrowed("X-Amz-Security-Token"),
                Cow::Borrowed(token.as_str()),
            ));
        }
        if let Some(region_set) = &self.region_set {
            query.push((
                Cow::Borrowed("X-Amz-Region-Set"),
                Cow::Borrowed(region_set.as_str()),
            ));
        }
    }

    /// The parameters to append to the URI, in the order of the AWS test suite.
    fn into_query(self, inputs: &Inputs<'_>, signature: &str) -> Vec<(String, String)> {
        let mut query = Vec::with_capacity(8);
        query.push(("X-Amz-Algorithm".to_owned(), inputs.algorithm.to_owned()));
        query.push(("X-Amz-Credential".to_owned(), self.credential));
        query.push(("X-Amz-Date".to_owned(), inputs.date.date_time().to_owned()));
        query.push(("X-Amz-SignedHeaders".to_owned(), self.signed_headers));
        query.push(("X-Amz-Expires".to_owned(), self.expires));
        if let Some(token) = self.token {
            query.push(("X-Amz-Security-Token".to_owned(), token));
        }
        if let Some(region_set) = self.region_set {
            query.push(("X-Amz-Region-Set".to_owned(), region_set));
        }
        query.push(("X-Amz-Signature".to_owned(), signature.to_owned()));
        query
    }
}

/// `YYYYMMDD/region/service/aws4_request` (SigV4) or `YYYYMMDD/service/aws4_request`
/// (SigV4a), written on demand instead of allocated.
struct Scope<'a> {
    date: &'a str,
    region: Option<&'a str>,
    service: &'a str,
}

impl Scope<'_> {
    fn len(&self) -> usize {
        self.date.len()
            + self.region.map_or(0, |region| region.len() + 1)
            + self.service.len()
            + SCOPE_TERMINATOR.len()
            + 2
    }

    fn push_to(&self, out: &mut String) {
        out.push_str(self.date);
        out.push('/');
        if let Some(region) = self.region {
            out.push_str(region);
            out.push('/');
        }
        out.push_str(self.service);
        out.push('/');
        out.push_str(SCOPE_TERMINATOR);
    }
}

/// Access key ids, regions and services end up in the credential scope and the
/// `Authorization` header: they must be non-empty visible ASCII without `/`.
fn check_scope_part(value: &str, field: &'static str) -> Result<(), SigningError> {
    let valid = !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'/');
    if valid {
        Ok(())
    } else {
        Err(SigningError::InvalidScope { field })
    }
}

fn check_expiry(expires_in: Duration) -> Result<Duration, SigningError> {
    if expires_in > MAX_PRESIGNED_EXPIRY {
        Err(SigningError::ExpiresInTooLong { expires_in })
    } else if expires_in.as_secs() == 0 {
        Err(SigningError::ExpiresInTooShort)
    } else {
        Ok(expires_in)
    }
}

/// The last line of the canonical request: a hash computed here (kept inline), or a value
/// given.
enum PayloadHash<'a> {
    Computed(Hex64),
    Given(&'a str),
}

impl std::ops::Deref for PayloadHash<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            PayloadHash::Computed(hex) => hex,
            PayloadHash::Given(text) => text,
        }
    }
}

fn payload_hash(payload: Payload<'_>) -> Result<PayloadHash<'_>, SigningError> {
    match payload {
        Payload::Bytes([]) => Ok(PayloadHash::Given(EMPTY_SHA256)),
        Payload::Bytes(bytes) => Ok(PayloadHash::Computed(hex64(&Sha256::digest(bytes)))),
        Payload::Unsigned => Ok(PayloadHash::Given(UNSIGNED_PAYLOAD)),
        Payload::Precomputed(hash) => {
            if !hash.is_empty() && hash.bytes().all(|byte| byte.is_ascii_graphic()) {
                Ok(PayloadHash::Given(hash))
            } else {
                Err(SigningError::InvalidPayloadHash)
            }
        }
    }
}

/// The `host` value an HTTP client sends for `uri`: the host, plus the port unless it is
/// the default one of the scheme (443 for `https`/`wss`, 80 otherwise), as hyper does.
fn uri_host(uri: &Uri) -> Result<Cow<'_, str>, SigningError> {
    let host = uri
        .host()
        .filter(|host| !host.is_empty())
        .ok_or(SigningError::MissingHost)?;
    let secure = matches!(uri.scheme_str(), Some("https" | "wss"));
    Ok(match uri.port() {
        Some(port) => match (port.as_u16(), secure) {
            (443, true) | (80, false) => Cow::Borrowed(host),
            // `host:port` is the authority's own text unless it carries user info.
            _ => match uri.authority().map(|a| a.as_str()) {
                Some(authority) if !authority.contains('@') => Cow::Borrowed(authority),
                _ => Cow::Owned(format!("{host}:{}", port.as_str())),
            },
        },
        None => Cow::Borrowed(host),
    })
}
