//! The SigV4 signing hook.
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use http::{HeaderName, HeaderValue};
use ziggurat_core::body::BodyRef;
use ziggurat_core::context::Region;
use ziggurat_core::credentials::Credentials;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HookLayer, HttpRequest, HttpResponse, RequestHook};
use ziggurat_core::log_mode::LogMode;
use ziggurat_core::time::SharedTimeSource;

use crate::endpoint::EndpointAuth;

use super::aws_chunked::{AwsChunked, AwsChunkedOptions, ChunkSigner, Framing, frame_body};
use super::clock_skew::{ClockSkew, RecordClockSkew, observe_response};
use super::signer::{
    self, Payload, PayloadChecksumKind, SignableRequest, SignatureLocation, SigningIdentity,
    SigningKeyCache, SigningParams, SigningSettings, UNSIGNED_PAYLOAD,
};

const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");
const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
const X_AMZ_S3SESSION_TOKEN: HeaderName = HeaderName::from_static("x-amz-s3session-token");

/// In an operation's [`Context`](ziggurat_core::context::Context): the call's credentials are
/// an S3 Express One Zone session's (from `CreateSession`, put there by S3's client). Where
/// the endpoint's auth scheme is `sigv4-s3express`, [`SigV4`] then sends their token in
/// `x-amz-s3session-token` (signed, and redacted like every token) instead of
/// `x-amz-security-token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S3ExpressSession;

/// The hook: signs a request with SigV4 into its headers.
///
/// It signs with the local time corrected by its [`ClockSkew`] (see
/// [`clock_skew`](super::clock_skew)), and frames the body as `aws-chunked` when the request
/// carries the [`AwsChunked`] extension (see [`aws_chunked`](super::aws_chunked)). Clones share
/// the signing-key cache and the clock-skew offset.
#[derive(Clone)]
pub struct SigV4 {
    signing_name: &'static str,
    settings: SigningSettings,
    region: Option<Region>,
    credentials: Option<Credentials>,
    time: SharedTimeSource,
    keys: Arc<SigningKeyCache>,
    skew: ClockSkew,
    aws_chunked: AwsChunkedOptions,
    /// `Some` when signing with SigV4a (`AWS4-ECDSA-P256-SHA256`).
    v4a: Option<V4a>,
    /// SigV4a keys for endpoints that ask for SigV4a ([`EndpointAuth`]) of a SigV4 signer:
    /// made at the first such request.
    endpoint_v4a_keys: Arc<std::sync::OnceLock<signer::SigV4aKeyCache>>,
    /// The wire log's mode: with [`LogMode::SIGNING`], each signature's texts are logged.
    log_mode: LogMode,
}

/// What SigV4a adds: the region set and the derived key pairs.
#[derive(Clone)]
struct V4a {
    region_set: Option<String>,
    keys: Arc<signer::SigV4aKeyCache>,
}

/// [`SigV4`] as a standalone tower layer.
pub type SigV4Layer = HookLayer<SigV4>;

impl SigV4 {
    /// A signer for the service whose signing name is `signing_name` (`s3`, `dynamodb`).
    pub fn new(signing_name: &'static str) -> Self {
        SigV4 {
            signing_name,
            settings: SigningSettings::default(),
            region: None,
            credentials: None,
            time: SharedTimeSource::default(),
            keys: Arc::new(SigningKeyCache::new()),
            skew: ClockSkew::new(),
            aws_chunked: AwsChunkedOptions::default(),
            v4a: None,
            endpoint_v4a_keys: Arc::default(),
            log_mode: LogMode::NONE,
        }
    }
    /// A signer with S3's settings: single URI encoding, no path normalization,
    /// `x-amz-content-sha256`.
    pub fn s3() -> Self {
        SigV4::new("s3").with_settings(SigningSettings::s3())
    }
    /// A SigV4a (`AWS4-ECDSA-P256-SHA256`) signer: one signature valid in every region of
    /// `region_set` (`us-east-1,us-west-2`, or `*`); without a set, the request's region.
    /// Streamed aws-chunked bodies are not supported with SigV4a.
    pub fn v4a(signing_name: &'static str, region_set: Option<String>) -> Self {
        let mut signer = SigV4::new(signing_name);
        signer.v4a = Some(V4a {
            region_set,
            keys: Arc::new(signer::SigV4aKeyCache::new()),
        });
        signer
    }
    /// Whether this signer signs with SigV4a.
    pub fn is_v4a(&self) -> bool {
        self.v4a.is_some()
    }
    /// Uses these settings.
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }
    /// The region to sign for when the context has none (standalone use).
    pub fn with_region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }
    /// Credentials to sign with when the context has none (standalone use).
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
    /// The clock to sign with.
    pub fn with_time_source(mut self, time: SharedTimeSource) -> Self {
        self.time = time;
        self
    }
    /// The signing-key cache (shared by clones of this signer).
    pub fn key_cache(&self) -> &SigningKeyCache {
        &self.keys
    }
    /// Logs each signature's canonical request and string to sign when `mode` has
    /// [`LogMode::SIGNING`] (see [`crate::wire_log`]; redacted unless it says otherwise).
    pub fn with_log_mode(mut self, mode: LogMode) -> Self {
        self.log_mode = mode;
        self
    }
    /// How `aws-chunked` bodies are framed (variant, chunk size, checksum).
    pub fn with_aws_chunked(mut self, options: AwsChunkedOptions) -> Self {
        self.aws_chunked = options;
        self
    }
    /// Shares this clock-skew offset (by default each signer has its own, shared by its
    /// clones).
    pub fn with_clock_skew(mut self, skew: ClockSkew) -> Self {
        self.skew = skew;
        self
    }
    /// The clock-skew offset this signer applies.
    pub fn clock_skew(&self) -> &ClockSkew {
        &self.skew
    }
    /// A hook that records clock skew from raw responses into this signer's offset, for the
    /// Deserialize step below `OperationDeserializer` (where response headers are visible).
    /// It reads the clock this signer has now: call it after
    /// [`with_time_source`](Self::with_time_source).
    pub fn clock_skew_hook(&self) -> RecordClockSkew {
        RecordClockSkew::new(self.skew.clone(), self.time.clone())
    }
    /// The time a request signed now would carry: the clock, corrected for skew.
    pub fn signing_time(&self) -> std::time::SystemTime {
        self.skew.apply(self.time.now())
    }

    /// Signs `req` with `credentials`: the region comes from the operation context, else from
    /// [`with_region`](Self::with_region). An [`EndpointAuth`] in the context (what the
    /// endpoint's auth scheme says) changes the signing name and region, or asks for SigV4a
    /// with its region set. What [`on_request`](RequestHook::on_request) does
    /// once it has found the credentials; auth schemes call it with the identity they
    /// resolved.
    pub fn sign_with(
        &self,
        req: &mut HttpRequest<'_>,
        credentials: &Credentials,
    ) -> Result<(), SdkError> {
        let started = req
            .context_mut()
            .and_then(|c| c.timing_mut())
            .map(|_| Instant::now());
        let endpoint_auth = req
            .context()
            .and_then(|c| c.get::<Arc<EndpointAuth>>())
            .cloned();
        let endpoint_auth = endpoint_auth.as_deref();
        let express_session = endpoint_auth.is_some_and(|a| a.s3_express)
            && req
                .context()
                .is_some_and(|c| c.get::<S3ExpressSession>().is_some());
        let service = endpoint_auth
            .and_then(|a| a.signing_name.as_deref())
            .unwrap_or(self.signing_name);
        // SigV4a: the signer's own, or the one the endpoint asks for (with its region set).
        let v4a = match (&self.v4a, endpoint_auth) {
            (Some(v4a), auth) => Some((
                auth.and_then(|a| a.signing_region_set.as_deref())
                    .or(v4a.region_set.as_deref()),
                &*v4a.keys,
            )),
            (None, Some(auth)) if auth.sigv4a => Some((
                auth.signing_region_set.as_deref(),
                self.endpoint_v4a_keys
                    .get_or_init(signer::SigV4aKeyCache::new),
            )),
            (None, _) => None,
        };
        let region = endpoint_auth
            .and_then(|a| a.signing_region.as_ref())
            .or(req.context().and_then(|c| c.region()))
            .or(self.region.as_ref())
            .cloned()
            .ok_or_else(|| {
                SdkError::construction(
                    "no region is configured: set it in code or with the AWS_REGION environment variable",
                )
            })?;

        // A request signed before (a retried or re-signed one) loses its old signature, and
        // one may carry its payload hash. One pass over the names finds out; most requests
        // have neither, and pay no lookups.
        let headers = req.headers_mut();
        let (mut signed_before, mut has_payload_hash) = (false, false);
        for name in headers.keys() {
            signed_before |= name == http::header::AUTHORIZATION
                || name == X_AMZ_DATE
                || name == X_AMZ_SECURITY_TOKEN;
            has_payload_hash |= name == X_AMZ_CONTENT_SHA256;
        }
        if signed_before {
            headers.remove(http::header::AUTHORIZATION);
            headers.remove(X_AMZ_DATE);
            headers.remove(X_AMZ_SECURITY_TOKEN);
        }
        let mut session_token = credentials.session_token();
        if express_session {
            headers.remove(X_AMZ_S3SESSION_TOKEN);
            if let Some(token) = session_token.take() {
                let mut value = http::HeaderValue::from_str(token).map_err(|_| {
                    SdkError::construction(
                        "the S3 Express session token is not a valid header value",
                    )
                })?;
                value.set_sensitive(true);
                headers.insert(X_AMZ_S3SESSION_TOKEN, value);
            }
        }
        let chunked = match req.parts().extensions.get::<AwsChunked>().copied() {
            Some(_) if v4a.is_some() => {
                return Err(SdkError::construction(
                    "aws-chunked uploads are not supported with SigV4a",
                ));
            }
            Some(marker) if self.aws_chunked.chunks() => {
                Some(self.prepare_aws_chunked(req, marker)?)
            }
            Some(_) => None,
            None => None,
        };
        let precomputed = match chunked {
            Some(_) => None,
            None if !has_payload_hash => None,
            None => req
                .headers()
                .get(X_AMZ_CONTENT_SHA256)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        if precomputed.is_some() {
            req.headers_mut().remove(X_AMZ_CONTENT_SHA256);
        }
        let body = req.body();
        let payload = match (chunked, &precomputed, body) {
            (Some(framing), _, _) => Payload::Precomputed(framing.variant().payload_hash()),
            (None, Some(hash), _) => Payload::Precomputed(hash),
            (None, None, BodyRef::Bytes(bytes)) => Payload::Bytes(bytes),
            (None, None, _)
                if self.settings.payload_checksum_kind
                    == PayloadChecksumKind::XAmzContentSha256 =>
            {
                Payload::Precomputed(UNSIGNED_PAYLOAD)
            }
            (None, None, _) => Payload::Unsigned,
        };
        let parts = req.parts();
        let signable = SignableRequest {
            method: &parts.method,
            uri: &parts.uri,
            headers: &parts.headers,
            payload,
        };
        let params = SigningParams {
            identity: SigningIdentity::new(
                credentials.access_key_id(),
                credentials.secret_access_key(),
                session_token,
            ),
            region: region.as_str(),
            service,
            time: self.signing_time(),
            settings: &self.settings,
        };
        let mode = self.log_mode;
        let log = move |canonical: &str, string_to_sign: &str| {
            crate::wire_log::log_signing(canonical, string_to_sign, mode)
        };
        let texts: Option<signer::SigningTexts<'_>> =
            mode.contains(LogMode::SIGNING).then_some(&log);
        let output = match v4a {
            None => signer::sign_reusing(
                &signable,
                &params,
                signer::Algorithm::V4 {
                    key_cache: Some(&self.keys),
                },
                texts,
            ),
            Some((region_set, keys)) => {
                let params = SigningParams {
                    region: region_set.unwrap_or(region.as_str()),
                    ..params
                };
                signer::v4a_key_for(&params, Some(keys)).and_then(|key| {
                    signer::sign_reusing(
                        &signable,
                        &params,
                        signer::Algorithm::V4a { key: &key },
                        texts,
                    )
                })
            }
        }
        .map_err(SdkError::construction)?;
        let headers = req.headers_mut();
        if let Some(signature_headers) = output.headers {
            signature_headers.insert_into(headers);
        }
        if let Some(framing) = chunked {
            self.frame_aws_chunked(
                req,
                framing,
                credentials,
                (&region, service),
                output.signature.as_str(),
            )?;
        }
        if let (Some(t), Some(ctx)) = (started, req.context_mut()) {
            let attempt = ctx.attempt();
            if let Some(marks) = ctx.timing_mut() {
                marks.current_attempt(attempt).signing = t.elapsed();
            }
        }
        Ok(())
    }

    /// Checks that an `aws-chunked` body can be framed here, and sets its headers.
    fn prepare_aws_chunked(
        &self,
        req: &mut HttpRequest<'_>,
        marker: AwsChunked,
    ) -> Result<Framing, SdkError> {
        if req.body_mut().is_none() {
            return Err(SdkError::construction(
                "an aws-chunked body is framed by the signing hook inside a stack; a standalone \
                 SigV4Layer cannot replace the body (frame it with aws_chunked::frame_body)",
            ));
        }
        if matches!(self.settings.location, SignatureLocation::Query { .. }) {
            return Err(SdkError::construction(
                "an aws-chunked body cannot be sent with a presigned URL",
            ));
        }
        let Some(len) = req.body().len() else {
            return Err(SdkError::construction(
                "an aws-chunked body needs a known length",
            ));
        };
        let variant = self.aws_chunked.variant_for(&marker, req.uri());
        let framing = self.aws_chunked.framing_for(&marker, variant, len);
        let headers = req.headers_mut();
        framing.apply_headers(headers);
        headers.remove(X_AMZ_CONTENT_SHA256);
        if self.settings.payload_checksum_kind != PayloadChecksumKind::XAmzContentSha256 {
            // The server needs the header to read the body; sign it as an ordinary header.
            headers.insert(
                X_AMZ_CONTENT_SHA256,
                HeaderValue::from_static(variant.payload_hash()),
            );
        }
        Ok(framing)
    }

    /// Replaces the attempt's body with its `aws-chunked` framing, seeded by `signature`.
    fn frame_aws_chunked(
        &self,
        req: &mut HttpRequest<'_>,
        framing: Framing,
        credentials: &Credentials,
        (region, service): (&Region, &str),
        signature: &str,
    ) -> Result<(), SdkError> {
        let signer = if framing.variant().signs_chunks() {
            let date = req
                .headers()
                .get(X_AMZ_DATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            Some(
                ChunkSigner::new(
                    credentials.secret_access_key(),
                    date,
                    region.as_str(),
                    service,
                    signature,
                )
                .map_err(SdkError::construction)?,
            )
        } else {
            None
        };
        let Some(body) = req.body_mut() else {
            return Err(SdkError::construction("the request body is not accessible"));
        };
        let raw = std::mem::take(body);
        *body = frame_body(raw, framing, signer).map_err(SdkError::construction)?;
        Ok(())
    }
}

impl fmt::Debug for SigV4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4")
            .field("signing_name", &self.signing_name)
            .field("settings", &self.settings)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("clock_skew", &self.skew)
            .field("aws_chunked", &self.aws_chunked)
            .field(
                "algorithm",
                &if self.v4a.is_some() {
                    "AWS4-ECDSA-P256-SHA256"
                } else {
                    "AWS4-HMAC-SHA256"
                },
            )
            .finish_non_exhaustive()
    }
}

impl RequestHook for SigV4 {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let _span = tracing::debug_span!(target: "ziggurat", "sign").entered();
        // An operation modeled without authentication is sent unsigned, whatever
        // credentials the client has.
        if req
            .context()
            .and_then(|c| c.get::<crate::auth::AuthSchemeOptions>())
            .is_some_and(|o| o.ids() == [crate::auth::AuthSchemeId::NO_AUTH])
        {
            return Ok(());
        }
        let credentials = req
            .context()
            .and_then(|c| c.identity())
            .or(self.credentials.as_ref())
            .cloned()
            .ok_or_else(|| {
                SdkError::construction(
                    "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass credentials in code",
                )
            })?;
        self.sign_with(req, &credentials)
    }

    fn on_response(&self, res: &mut HttpResponse<'_>) {
        if res.headers().is_some() {
            // A standalone layer, or below the deserializer: the raw response.
            observe_response(&self.skew, &self.time, res);
            return;
        }
        // Inside the stack: the error code, and the server time the orchestrator read.
        let (Some(status), Some(server)) = (res.status(), res.metadata_mut().server_time()) else {
            return;
        };
        self.skew
            .observe(status.as_u16(), res.error_code(), server, self.time.now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};
    use ziggurat_core::body::Body;
    use ziggurat_core::context::Context;
    use ziggurat_core::time::StaticTimeSource;

    fn fixed() -> SharedTimeSource {
        SharedTimeSource::new(StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(1_440_938_160),
        ))
    }

    fn sign_in_stack(signer: &SigV4, ctx: &mut Context, body: Body) -> http::request::Parts {
        let (mut parts, _) = http::Request::post("https://dynamodb.us-east-1.amazonaws.com/")
            .header("x-amz-target", "DynamoDB_20120810.GetItem")
            .body(())
            .unwrap()
            .into_parts();
        let mut body = body;
        signer
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(ctx)))
            .unwrap();
        parts
    }

    #[test]
    fn signs_with_context_identity_and_region_and_caches_the_key() {
        let signer = SigV4::new("dynamodb").with_time_source(fixed());
        let mut ctx = Context::new("DynamoDB", "GetItem");
        ctx.set_region(Some(Region::from_static("us-east-1")));
        ctx.set_identity(Some(Credentials::new(
            "AKID",
            "SECRET",
            Some("TOKEN".into()),
        )));
        let a = sign_in_stack(&signer, &mut ctx, Body::from("{}"));
        let b = sign_in_stack(&signer, &mut ctx, Body::from("{}"));
        let auth = a.headers["authorization"].to_str().unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/dynamodb/aws4_request, SignedHeaders="));
        assert!(auth.contains("x-amz-security-token"), "{auth}");
        assert!(a.headers["authorization"].is_sensitive());
        assert_eq!(a.headers["x-amz-date"], "20150830T123600Z");
        assert_eq!(a.headers["authorization"], b.headers["authorization"]);
        assert_eq!(signer.key_cache().derivations(), 1);
        assert!(!format!("{signer:?}").contains("SECRET"));
        // Neither the signature nor the session token shows up when a request is logged.
        let auth = a.headers["authorization"].to_str().unwrap();
        let signature = auth.rsplit("Signature=").next().unwrap();
        let logged = format!("{:?} {:?}", a, a.headers);
        assert!(!logged.contains(signature), "{logged}");
        assert!(!logged.contains("TOKEN"), "{logged}");
        assert!(!format!("{ctx:?}").contains("SECRET"));
    }

    #[test]
    fn missing_credentials_or_region_fail_before_sending() {
        let signer = SigV4::new("dynamodb");
        let mut ctx = Context::new("DynamoDB", "GetItem");
        ctx.set_region(Some(Region::from_static("us-east-1")));
        let (mut parts, _) = http::Request::post("https://h/")
            .body(())
            .unwrap()
            .into_parts();
        let mut body = Body::empty();
        let err = signer
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
            .unwrap_err();
        assert!(err.to_string().contains("no credentials"), "{err}");
        let mut ctx = Context::new("DynamoDB", "GetItem");
        ctx.set_identity(Some(Credentials::new("A", "S", None)));
        let err = signer
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
            .unwrap_err();
        assert!(err.to_string().contains("no region"), "{err}");
    }

    #[test]
    fn s3_streams_are_unsigned_payload_and_bytes_are_hashed() {
        let signer = SigV4::s3().with_time_source(fixed());
        let mut ctx = Context::new("S3", "PutObject");
        ctx.set_region(Some(Region::from_static("us-east-1")));
        ctx.set_identity(Some(Credentials::new("A", "S", None)));
        let stream = Body::from_stream(http_body_util::Empty::<bytes::Bytes>::new());
        let parts = sign_in_stack(&signer, &mut ctx, stream);
        assert_eq!(parts.headers["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
        let parts = sign_in_stack(&signer, &mut ctx, Body::from(""));
        assert_eq!(
            parts.headers["x-amz-content-sha256"],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    fn s3_ctx() -> Context {
        let mut ctx = Context::new("S3", "PutObject");
        ctx.set_region(Some(Region::from_static("us-east-1")));
        ctx.set_identity(Some(Credentials::new("AKID", "SECRET", None)));
        ctx
    }

    fn chunked_put(marker: Option<AwsChunked>) -> http::request::Parts {
        let mut b = http::Request::put("http://127.0.0.1:9000/bucket/key");
        if let Some(m) = marker {
            b = b.extension(m);
        }
        b.header("content-length", "5")
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    fn stream_of(data: &'static [u8]) -> Body {
        Body::from_stream(http_body_util::Full::new(bytes::Bytes::from_static(data)))
    }

    #[tokio::test]
    async fn marked_requests_are_framed_per_attempt_with_a_fresh_seed() {
        use super::super::aws_chunked::AwsChunkedVariant;
        let clock = Arc::new(std::sync::Mutex::new(
            UNIX_EPOCH + Duration::from_secs(1_440_938_160),
        ));
        #[derive(Debug)]
        struct Clock(Arc<std::sync::Mutex<std::time::SystemTime>>);
        impl ziggurat_core::time::TimeSource for Clock {
            fn now(&self) -> std::time::SystemTime {
                *self.0.lock().unwrap()
            }
        }
        let signer = SigV4::s3().with_time_source(SharedTimeSource::new(Clock(clock.clone())));
        let mut ctx = s3_ctx();
        // The original request: the hook sees a copy of it on each attempt.
        let original = chunked_put(Some(
            AwsChunked::new().with_variant(AwsChunkedVariant::SignedWithTrailer),
        ));
        let raw = Body::from_rewindable_stream(|| Ok(stream_of(b"hello"))).unwrap();
        let mut framed = Vec::new();
        for _attempt in 0..2 {
            let mut parts = original.clone();
            let mut body = raw.try_clone().unwrap();
            signer
                .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
                .unwrap();
            assert_eq!(
                parts.headers["x-amz-content-sha256"],
                AwsChunkedVariant::SignedWithTrailer.payload_hash()
            );
            assert_eq!(parts.headers["x-amz-decoded-content-length"], "5");
            let len: u64 = parts.headers["content-length"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let auth = parts.headers["authorization"].to_str().unwrap();
            assert!(auth.contains("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-trailer"), "{auth}");
            // The framed body can itself be replayed, with the same signatures.
            let replay = body.try_clone().unwrap();
            let bytes = body.collect().await.unwrap();
            assert_eq!(bytes.len() as u64, len);
            assert_eq!(replay.collect().await.unwrap(), bytes);
            framed.push(bytes);
            *clock.lock().unwrap() += Duration::from_secs(1);
        }
        // A new date, a new seed, new chunk signatures.
        assert_ne!(framed[0], framed[1]);
        assert_eq!(framed[0].len(), framed[1].len());
        // The original request was not touched.
        assert_eq!(original.headers["content-length"], "5");
        assert!(!original.headers.contains_key("content-encoding"));
    }

    #[test]
    fn aws_chunked_needs_a_stack_and_a_known_length() {
        let signer = SigV4::s3().with_time_source(fixed());
        let mut ctx = s3_ctx();
        // Unknown length.
        let mut parts = chunked_put(Some(AwsChunked::new()));
        let mut body = Body::from_stream(NoLength(Some(bytes::Bytes::from_static(b"hello"))));
        let err = signer
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
            .unwrap_err();
        assert!(err.to_string().contains("known length"), "{err}");
        // A standalone layer only sees the body.
        let mut parts = chunked_put(Some(AwsChunked::new()));
        let err = signer
            .on_request(&mut HttpRequest::with_body_ref(
                &mut parts,
                BodyRef::Stream { len: Some(5) },
                Some(&mut ctx),
            ))
            .unwrap_err();
        assert!(err.to_string().contains("inside a stack"), "{err}");
    }

    /// A stream with no size hint.
    struct NoLength(Option<bytes::Bytes>);

    impl http_body::Body for NoLength {
        type Data = bytes::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, std::io::Error>>>
        {
            std::task::Poll::Ready(self.0.take().map(|b| Ok(http_body::Frame::data(b))))
        }
    }

    #[tokio::test]
    async fn a_skewed_server_date_corrects_later_signatures() {
        use tower::{Layer, ServiceExt, service_fn};
        let signer = SigV4::new("service")
            .with_region(Region::from_static("us-east-1"))
            .with_credentials(Credentials::new("AKID", "SECRET", None))
            .with_time_source(fixed());
        // The server's clock is 20 minutes ahead of ours (12:36 here).
        let svc = SigV4Layer::new(signer.clone()).layer(service_fn(
            |req: http::Request<String>| async move {
                let date = req.headers()["x-amz-date"].to_str().unwrap().to_owned();
                let status = if date == "20150830T125600Z" { 200 } else { 403 };
                let res = http::Response::builder()
                    .status(status)
                    .header("date", "Sun, 30 Aug 2015 12:56:00 GMT")
                    .body(date)
                    .unwrap();
                Ok::<_, std::convert::Infallible>(res)
            },
        ));
        let req = || {
            http::Request::get("https://example.amazonaws.com/")
                .body(String::new())
                .unwrap()
        };
        let first = svc.clone().oneshot(req()).await.unwrap();
        assert_eq!(first.status(), 403);
        assert_eq!(first.body(), "20150830T123600Z");
        assert_eq!(signer.clock_skew().offset_millis(), 20 * 60 * 1000);
        let second = svc.oneshot(req()).await.unwrap();
        assert_eq!(second.status(), 200);
        assert_eq!(second.body(), "20150830T125600Z");
    }

    #[test]
    fn no_secret_in_debug_of_credentials_params_requests_or_errors() {
        const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        const TOKEN: &str = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN";
        let assert_clean = |what: &str, shown: String| {
            assert!(!shown.contains(SECRET), "{what} shows the secret: {shown}");
            assert!(
                !shown.contains("wJalrXUtnFEMI"),
                "{what} shows the secret: {shown}"
            );
            assert!(!shown.contains(TOKEN), "{what} shows the token: {shown}");
            assert!(
                !shown.contains("FwoGZXIvYXdzE"),
                "{what} shows the token: {shown}"
            );
        };
        let creds = Credentials::new("AKIDEXAMPLE", SECRET, Some(TOKEN.to_owned()));

        // Credentials, and the signer and context that hold them.
        assert_clean("credentials", format!("{creds:?} {creds:#?} {creds}"));
        let signer = SigV4::s3()
            .with_credentials(creds.clone())
            .with_region(Region::from_static("us-east-1"))
            .with_time_source(fixed());
        assert_clean(
            "signer",
            format!("{signer:?} {:?}", signer.clock_skew_hook()),
        );
        let mut ctx = s3_ctx();
        ctx.set_identity(Some(creds.clone()));
        assert_clean("context", format!("{ctx:?}"));

        // Signing parameters and what signing produces.
        let settings = SigningSettings::s3();
        let params = SigningParams {
            identity: SigningIdentity::new("AKIDEXAMPLE", SECRET, Some(TOKEN)),
            region: "us-east-1",
            service: "s3",
            time: fixed().now(),
            settings: &settings,
        };
        let req = http::Request::get("https://b.s3.amazonaws.com/k")
            .body(())
            .unwrap();
        let output = signer::sign(
            &SignableRequest::from_request(&req, Payload::Bytes(b"")),
            &params,
            None,
        )
        .unwrap();
        assert_clean("signing parameters", format!("{params:?} {params:#?}"));
        assert_clean("signing output", format!("{output:?}"));
        let chunk_signer = ChunkSigner::new(
            SECRET,
            "20150830T123600Z",
            "us-east-1",
            "s3",
            &output.signature,
        )
        .unwrap();
        assert_clean("chunk signer", format!("{chunk_signer:?}"));
        assert!(!format!("{chunk_signer:?}").contains(&output.signature));

        // A signed request, aws-chunked included, logged whole.
        let mut parts = chunked_put(Some(AwsChunked::new()));
        let mut body = stream_of(b"hello");
        signer
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
            .unwrap();
        let signature = parts.headers["authorization"]
            .to_str()
            .unwrap()
            .rsplit("Signature=")
            .next()
            .unwrap()
            .to_owned();
        let logged = format!("{parts:?} {:?} {body:?}", parts.headers);
        assert_clean("request", logged.clone());
        assert!(
            !logged.contains(&signature),
            "the signature is logged: {logged}"
        );

        // Errors: a session token that cannot be a header value, a refused request.
        let bad_token = format!("{TOKEN}\n");
        let mut ctx = s3_ctx();
        ctx.set_identity(Some(Credentials::new(
            "AKIDEXAMPLE",
            SECRET,
            Some(bad_token),
        )));
        let mut parts = chunked_put(None);
        let mut body = Body::from("x");
        let err = signer
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
            .unwrap_err();
        assert_clean("signing error", format!("{err:?} {err}"));
        let err = ziggurat_core::error::SdkError::service(
            ziggurat_core::error::ApiError::new("SignatureDoesNotMatch", 403)
                .with_message("The request signature we calculated does not match"),
        )
        .with_operation("S3", "PutObject");
        assert_clean("service error", format!("{err:?} {err:#?} {err}"));
        let cred_err = ziggurat_core::credentials::CredentialsError::provider_error(
            "refresh failed",
            std::io::Error::other("connection refused"),
        );
        assert_clean("credentials error", format!("{cred_err:?} {cred_err}"));
    }
}
