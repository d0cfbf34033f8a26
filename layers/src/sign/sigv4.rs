//! The SigV4 signing hook.
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use http::HeaderName;
use ziggurat_core::body::BodyRef;
use ziggurat_core::context::Region;
use ziggurat_core::credentials::Credentials;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HookLayer, HttpRequest, RequestHook};
use ziggurat_core::time::SharedTimeSource;

use super::signer::{
    self, Payload, PayloadChecksumKind, SignableRequest, SigningIdentity, SigningKeyCache,
    SigningParams, SigningSettings, UNSIGNED_PAYLOAD,
};

const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");
const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");

/// The hook: signs a request with SigV4 into its headers.
#[derive(Clone)]
pub struct SigV4 {
    signing_name: &'static str,
    settings: SigningSettings,
    region: Option<Region>,
    credentials: Option<Credentials>,
    time: SharedTimeSource,
    keys: Arc<SigningKeyCache>,
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
        }
    }
    /// A signer with S3's settings: single URI encoding, no path normalization,
    /// `x-amz-content-sha256`.
    pub fn s3() -> Self {
        SigV4::new("s3").with_settings(SigningSettings::s3())
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
}

impl fmt::Debug for SigV4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4")
            .field("signing_name", &self.signing_name)
            .field("settings", &self.settings)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl RequestHook for SigV4 {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let started = req
            .context_mut()
            .and_then(|c| c.timing_mut())
            .map(|_| Instant::now());
        let ctx = req.context();
        let credentials = ctx
            .and_then(|c| c.identity())
            .or(self.credentials.as_ref())
            .cloned()
            .ok_or_else(|| {
                SdkError::construction(
                    "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass credentials in code",
                )
            })?;
        let region = ctx
            .and_then(|c| c.region())
            .or(self.region.as_ref())
            .cloned()
            .ok_or_else(|| {
                SdkError::construction(
                    "no region is configured: set it in code or with the AWS_REGION environment variable",
                )
            })?;

        let headers = req.headers_mut();
        headers.remove(http::header::AUTHORIZATION);
        headers.remove(X_AMZ_DATE);
        headers.remove(X_AMZ_SECURITY_TOKEN);
        let precomputed = req
            .headers()
            .get(X_AMZ_CONTENT_SHA256)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if precomputed.is_some() {
            req.headers_mut().remove(X_AMZ_CONTENT_SHA256);
        }
        let body = req.body();
        let payload = match (&precomputed, body) {
            (Some(hash), _) => Payload::Precomputed(hash),
            (None, BodyRef::Bytes(bytes)) => Payload::Bytes(bytes),
            (None, _)
                if self.settings.payload_checksum_kind
                    == PayloadChecksumKind::XAmzContentSha256 =>
            {
                Payload::Precomputed(UNSIGNED_PAYLOAD)
            }
            (None, _) => Payload::Unsigned,
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
                credentials.session_token(),
            ),
            region: region.as_str(),
            service: self.signing_name,
            time: self.time.now(),
            settings: &self.settings,
        };
        let output =
            signer::sign(&signable, &params, Some(&self.keys)).map_err(SdkError::construction)?;
        let headers = req.headers_mut();
        for (name, value) in output.headers {
            headers.insert(name, value);
        }
        if let (Some(t), Some(ctx)) = (started, req.context_mut()) {
            let attempt = ctx.attempt();
            if let Some(marks) = ctx.timing_mut() {
                marks.current_attempt(attempt).signing = t.elapsed();
            }
        }
        Ok(())
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
}
