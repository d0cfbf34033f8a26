//! Presigning: a request signed into its query string and handed back unsent, for someone
//! else to send (a browser, `curl`, another service) within a limited time.
//!
//! A presigned URL carries its own authorization (`X-Amz-Signature` and friends), so whoever
//! holds it can make that one request, without credentials, until it expires (at most 7
//! days). Two pieces do the work:
//!
//! * [`SigV4Presign`], a hook like [`SigV4`](super::SigV4) that signs into the query
//!   (`UNSIGNED-PAYLOAD` for S3, since the body is not known yet) instead of the headers,
//!   with SigV4a (and `X-Amz-Region-Set`) where the resolved endpoint asks for it, as a
//!   Multi-Region Access Point does. Standalone, as a `HookLayer`, it presigns any
//!   `http::Request`;
//! * [`PresignStack`], a client's own stack turned into a presigner: the operation runs
//!   through the serializer, endpoint resolution, the client's stack edits and identity
//!   resolution exactly as a call would, so a presigned URL addresses exactly what the call
//!   would have, with no endpoint or path logic of its own. Then, instead of sending, the
//!   stack returns a [`PresignedRequest`]: method, URL and the headers to send with it.
//!
//! [`PresignStack::new`] edits a copy of the stack the way the Go SDK's presign clients do:
//!
//! | step | change |
//! |---|---|
//! | Build | `InvocationId`, `ComputeContentLength`, `UserAgent`, `RequestChecksum` and `HashPayload` removed: they describe one attempt by this client, a signed `content-length` would pin the body size, and a checksum would be of a body the presigner never saw |
//! | Finalize | `Retry` removed; `Signing` swapped for [`SigV4Presign`]; [`PRESIGNED_REQUEST`] added after it, which returns the request instead of sending it |
//!
//! The stack is compiled once, for a transport that never sends anything; each presigning
//! costs one run of the upper steps, with no network I/O but credential resolution.
//!
//! # Example
//!
//! The hook on its own, as a tower layer:
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_core::context::Region;
//! use ziggurat_core::credentials::Credentials;
//! use ziggurat_core::hook::HookLayer;
//! use ziggurat_core::time::{SharedTimeSource, StaticTimeSource};
//! use ziggurat_layers::sign::presign::{PresigningConfig, SigV4Presign};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let presign = SigV4Presign::s3()
//!     .with_region(Region::from_static("us-east-1"))
//!     .with_credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None))
//!     .with_time_source(SharedTimeSource::new(StaticTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_440_938_160))))
//!     .with_config(PresigningConfig::expires_in(Duration::from_secs(900))?);
//! let svc = HookLayer::new(presign).layer(service_fn(|req: http::Request<String>| async move {
//!     Ok::<_, std::convert::Infallible>(http::Response::new(req.uri().to_string()))
//! }));
//! let req = http::Request::get("https://bucket.s3.us-east-1.amazonaws.com/cat.jpg").body(String::new())?;
//! let url = svc.oneshot(req).await?.into_body();
//! assert!(url.starts_with("https://bucket.s3.us-east-1.amazonaws.com/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
//! assert!(url.contains("&X-Amz-Expires=900&") && url.contains("&X-Amz-Signature="));
//! # Ok(()) }
//! ```
//!
//! A whole client's stack: see `ziggurat_s3::PresignClient`.

use std::fmt;
use std::future::Ready;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Method, Uri};
use ziggurat_core::body::{Body, BodyRef};
use ziggurat_core::context::{Context, Region};
use ziggurat_core::credentials::Credentials;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HttpRequest, Input, OperationOutput, Output, RequestHook};
use ziggurat_core::metadata::Metadata;
use ziggurat_core::stack::{
    CompiledStack, Middleware, OperationSpec, Position, Stack, StackError, StepName, ids,
};
use ziggurat_core::time::SharedTimeSource;
use ziggurat_core::transport::HttpClient;

use super::post_policy::{PostPolicy, PresignedPost};
use super::signer::{
    self, MAX_PRESIGNED_EXPIRY, Payload, SignableRequest, SignatureLocation, SigningError,
    SigningIdentity, SigningKeyCache, SigningParams, SigningSettings,
};

/// The id of the Finalize entry a [`PresignStack`] adds after `"Signing"`: it returns the
/// presigned request as the operation's output instead of sending it.
pub const PRESIGNED_REQUEST: &str = "PresignedRequest";

/// Headers a presigning never keeps from an earlier signing.
const SIGNING_HEADERS: [HeaderName; 4] = [
    http::header::AUTHORIZATION,
    HeaderName::from_static("x-amz-date"),
    HeaderName::from_static("x-amz-security-token"),
    HeaderName::from_static("x-amz-content-sha256"),
];

/// How long a presigned request stays valid, and from when.
///
/// ```
/// use std::time::Duration;
/// use ziggurat_layers::sign::presign::PresigningConfig;
///
/// let config = PresigningConfig::expires_in(Duration::from_secs(3600))?;
/// assert_eq!(config.expires(), Duration::from_secs(3600));
/// let too_long = PresigningConfig::expires_in(Duration::from_secs(8 * 24 * 3600)).unwrap_err();
/// assert_eq!(
///     too_long.to_string(),
///     "presigned url expiry of 691200 seconds exceeds the maximum of 604800 seconds (7 days)"
/// );
/// # Ok::<(), ziggurat_layers::sign::signer::SigningError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresigningConfig {
    expires_in: Duration,
    start_time: Option<SystemTime>,
}

impl PresigningConfig {
    /// Valid for `expires_in` (`X-Amz-Expires`) from the signing time. Sub-second parts are
    /// dropped.
    ///
    /// # Errors
    ///
    /// [`SigningError::ExpiresInTooLong`] beyond 7 days ([`MAX_PRESIGNED_EXPIRY`]),
    /// [`SigningError::ExpiresInTooShort`] under one second.
    pub fn expires_in(expires_in: Duration) -> Result<Self, SigningError> {
        if expires_in > MAX_PRESIGNED_EXPIRY {
            return Err(SigningError::ExpiresInTooLong { expires_in });
        }
        if expires_in.as_secs() == 0 {
            return Err(SigningError::ExpiresInTooShort);
        }
        Ok(Self {
            expires_in: Duration::from_secs(expires_in.as_secs()),
            start_time: None,
        })
    }

    /// Signs as of `start_time` instead of the signer's clock (the URL is valid from then).
    #[must_use]
    pub fn with_start_time(mut self, start_time: SystemTime) -> Self {
        self.start_time = Some(start_time);
        self
    }

    /// How long the request stays valid.
    #[must_use]
    pub fn expires(&self) -> Duration {
        self.expires_in
    }

    /// The signing time, if fixed.
    #[must_use]
    pub fn start_time(&self) -> Option<SystemTime> {
        self.start_time
    }
}

/// A request signed into its URL: send it with this method, to this URL, with these
/// headers (and, for a `PUT`, the body), before it expires.
///
/// `headers` are the ones the URL was signed with (other than `host`, which any HTTP client
/// derives from the URL); the server refuses the request without them. `Debug` redacts
/// the signature and the session token in the URL.
#[derive(Clone, PartialEq)]
pub struct PresignedRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Option<Bytes>,
}

impl PresignedRequest {
    fn from_parts(parts: http::request::Parts, body: Body) -> Self {
        let mut headers = parts.headers;
        headers.remove(http::header::HOST);
        Self {
            method: parts.method,
            uri: parts.uri,
            headers,
            body: body.try_into_bytes().ok().filter(|bytes| !bytes.is_empty()),
        }
    }

    /// The body the operation serialized from its input, for operations that send one in
    /// memory (an XML configuration, a `DeleteObjects` list): send exactly these bytes, since
    /// headers such as `Content-MD5` are signed for them. `None` for operations without a
    /// body and for streamed bodies, which the holder of the URL supplies.
    #[must_use]
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The presigned URL.
    #[must_use]
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The headers to send.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// An `http::Request` with this method, URL and headers, and `body`.
    #[must_use]
    pub fn to_http_request<B>(&self, body: B) -> http::Request<B> {
        let mut request = http::Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    /// The method, URL and headers.
    #[must_use]
    pub fn into_parts(self) -> (Method, Uri, HeaderMap) {
        (self.method, self.uri, self.headers)
    }
}

/// The URL with the values of `X-Amz-Signature`, `X-Amz-Security-Token` and
/// `X-Amz-S3session-Token` redacted.
struct RedactedUri<'a>(&'a Uri);

impl fmt::Debug for RedactedUri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let (base, query) = text.split_once('?').unwrap_or((&text, ""));
        f.write_str(base)?;
        for (index, pair) in query.split('&').enumerate() {
            f.write_str(if index == 0 { "?" } else { "&" })?;
            match pair.split_once('=') {
                Some((name, _))
                    if name.eq_ignore_ascii_case("X-Amz-Signature")
                        || name.eq_ignore_ascii_case("X-Amz-Security-Token")
                        || name.eq_ignore_ascii_case("X-Amz-S3session-Token") =>
                {
                    write!(f, "{name}=** redacted **")?;
                }
                _ => f.write_str(pair)?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for PresignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedRequest")
            .field("method", &self.method)
            .field("uri", &RedactedUri(&self.uri))
            .field("headers", &self.headers)
            .field("body", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

/// The hook: signs a request with SigV4 into its query string (a presigned URL).
///
/// In a stack, it takes the [`PresigningConfig`], the credentials and the region from the
/// operation [`Context`]; standalone (as a `HookLayer`), from its own `with_*` settings.
/// Signing headers from an earlier signing (`authorization`, `x-amz-date`,
/// `x-amz-security-token`, `x-amz-content-sha256`) are removed first.
#[derive(Clone)]
pub struct SigV4Presign {
    signing_name: &'static str,
    settings: SigningSettings,
    unsigned_payload: bool,
    region: Option<Region>,
    credentials: Option<Credentials>,
    config: Option<PresigningConfig>,
    time: SharedTimeSource,
    keys: Arc<SigningKeyCache>,
    /// SigV4a key pairs, made at the first endpoint that asks for SigV4a (a Multi-Region
    /// Access Point).
    v4a_keys: Arc<std::sync::OnceLock<signer::SigV4aKeyCache>>,
    log_mode: ziggurat_core::log_mode::LogMode,
}

impl SigV4Presign {
    /// A presigner for the service whose signing name is `signing_name`, with the default
    /// signing settings; an in-memory body is hashed into the signature.
    pub fn new(signing_name: &'static str) -> Self {
        Self {
            signing_name,
            settings: SigningSettings::default(),
            unsigned_payload: false,
            region: None,
            credentials: None,
            config: None,
            time: SharedTimeSource::default(),
            keys: Arc::new(SigningKeyCache::new()),
            v4a_keys: Arc::default(),
            log_mode: Default::default(),
        }
    }

    /// A presigner for S3: single URI encoding, no path normalization, and
    /// `UNSIGNED-PAYLOAD` (the body is whatever the holder of the URL sends).
    pub fn s3() -> Self {
        Self {
            settings: SigningSettings::s3(),
            unsigned_payload: true,
            ..Self::new("s3")
        }
    }

    /// Uses these settings (their `location` is replaced by the presigning's).
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Signs the payload as `UNSIGNED-PAYLOAD` (`true`) or hashes an in-memory body
    /// (`false`; a streaming body is always unsigned).
    pub fn with_unsigned_payload(mut self, unsigned: bool) -> Self {
        self.unsigned_payload = unsigned;
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

    /// The expiry to use when the context has none (standalone use).
    pub fn with_config(mut self, config: PresigningConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// The clock to sign with, unless the [`PresigningConfig`] fixes a start time.
    pub fn with_time_source(mut self, time: SharedTimeSource) -> Self {
        self.time = time;
        self
    }

    /// Logs each signature's canonical request and string to sign when `mode` has
    /// `SIGNING` (see [`crate::wire_log`]; redacted unless it says otherwise).
    pub fn with_log_mode(mut self, mode: ziggurat_core::log_mode::LogMode) -> Self {
        self.log_mode = mode;
        self
    }
}

impl fmt::Debug for SigV4Presign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Presign")
            .field("signing_name", &self.signing_name)
            .field("settings", &self.settings)
            .field("unsigned_payload", &self.unsigned_payload)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RequestHook for SigV4Presign {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let ctx = req.context();
        let config = ctx
            .and_then(|c| c.get::<PresigningConfig>())
            .or(self.config.as_ref())
            .copied()
            .ok_or_else(|| {
                SdkError::construction(
                    "presigning needs a PresigningConfig (how long the url lives)",
                )
            })?;
        let credentials = ctx
            .and_then(|c| c.identity())
            .or(self.credentials.as_ref())
            .cloned()
            .ok_or_else(|| {
                SdkError::construction(
                    "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass credentials in code",
                )
            })?;
        // What the endpoint's auth scheme says (S3's `aws-global` signs for `us-east-1`,
        // Object Lambda for `s3-object-lambda`).
        let endpoint_auth = ctx
            .and_then(|c| c.get::<std::sync::Arc<crate::endpoint::EndpointAuth>>())
            .cloned();
        // S3 Express session auth: the session's token goes in `X-Amz-S3session-Token`.
        let express_session = endpoint_auth.as_deref().is_some_and(|a| a.s3_express)
            && ctx.is_some_and(|c| c.get::<super::S3ExpressSession>().is_some());
        let region = endpoint_auth
            .as_deref()
            .and_then(|a| a.signing_region.as_ref())
            .or(ctx.and_then(|c| c.region()))
            .or(self.region.as_ref())
            .cloned()
            .ok_or_else(|| {
                SdkError::construction(
                    "no region is configured: set it in code or with the AWS_REGION environment variable",
                )
            })?;
        let service = endpoint_auth
            .as_deref()
            .and_then(|a| a.signing_name.as_deref())
            .unwrap_or(self.signing_name);

        let time = config.start_time.unwrap_or_else(|| self.time.now());
        if let Some(policy) = ctx.and_then(|c| c.get::<PostPolicy>()).cloned() {
            let identity = SigningIdentity::new(
                credentials.access_key_id(),
                credentials.secret_access_key(),
                credentials.session_token(),
            );
            let post = policy.sign(
                &req.parts().uri,
                &identity,
                region.as_str(),
                service,
                time,
                config.expires_in,
            )?;
            req.parts_mut().extensions.insert(post);
            return Ok(());
        }

        let headers = req.headers_mut();
        for name in &SIGNING_HEADERS {
            headers.remove(name);
        }
        let mut session_token = credentials.session_token();
        if express_session && let Some(token) = session_token.take() {
            add_query_param(&mut req.parts_mut().uri, "X-Amz-S3session-Token", token)?;
        }
        let payload = match req.body() {
            BodyRef::Bytes(bytes) if !self.unsigned_payload => Payload::Bytes(bytes),
            _ => Payload::Unsigned,
        };
        let settings = SigningSettings {
            location: SignatureLocation::Query {
                expires_in: config.expires_in,
            },
            ..self.settings.clone()
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
            time,
            settings: &settings,
        };
        // A Multi-Region Access Point: SigV4a, valid in every region of the endpoint's
        // region set (`*`), with `X-Amz-Region-Set` in the query.
        let output = match endpoint_auth.as_deref().filter(|a| a.sigv4a) {
            None => signer::sign(&signable, &params, Some(&self.keys)),
            Some(auth) => {
                let params = SigningParams {
                    region: auth.signing_region_set.as_deref().unwrap_or(params.region),
                    ..params
                };
                let keys = self.v4a_keys.get_or_init(signer::SigV4aKeyCache::new);
                signer::sign_v4a(&signable, &params, Some(keys))
            }
        }
        .map_err(SdkError::construction)?;
        if self
            .log_mode
            .contains(ziggurat_core::log_mode::LogMode::SIGNING)
        {
            crate::wire_log::log_signing(
                &output.canonical_request,
                &output.string_to_sign,
                self.log_mode,
            );
        }
        output
            .apply_to_parts(req.parts_mut())
            .map_err(SdkError::construction)
    }
}

/// The Finalize layer that ends a presigning: the request becomes the output.
#[derive(Debug, Clone, Copy)]
struct ReturnPresigned;

impl<S> tower_layer::Layer<S> for ReturnPresigned {
    type Service = ReturnPresigned;
    fn layer(&self, _inner: S) -> ReturnPresigned {
        ReturnPresigned
    }
}

impl tower_service::Service<http::Request<Body>> for ReturnPresigned {
    type Response = OperationOutput;
    type Error = SdkError;
    type Future = Ready<Result<OperationOutput, SdkError>>;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), SdkError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let output: Output = match parts.extensions.remove::<PresignedPost>() {
            Some(post) => Box::new(post),
            None => Box::new(PresignedRequest::from_parts(parts, body)),
        };
        std::future::ready(Ok(OperationOutput {
            output,
            metadata: Metadata::default(),
        }))
    }
}

/// The transport of a [`PresignStack`]: never reached, since presigning stops before it.
#[derive(Debug, Clone, Copy)]
struct NeverSend;

impl tower_service::Service<http::Request<Body>> for NeverSend {
    type Response = http::Response<Body>;
    type Error = SdkError;
    type Future = Ready<Result<http::Response<Body>, SdkError>>;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), SdkError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: http::Request<Body>) -> Self::Future {
        std::future::ready(Err(SdkError::construction(
            "a presigning stack never sends requests, but one reached the transport",
        )))
    }
}

/// A client's stack, compiled to presign operations instead of sending them (see the
/// [module documentation](self)). Cheap to clone.
#[derive(Clone)]
pub struct PresignStack {
    compiled: CompiledStack,
}

impl PresignStack {
    /// Edits a copy of `stack` for presigning with `presign` and compiles it.
    ///
    /// # Errors
    ///
    /// [`StackError::UnknownId`] if the stack has no `"Signing"` entry in Finalize, or any
    /// error compiling the edited stack.
    pub fn new(stack: &Stack, presign: SigV4Presign) -> Result<Self, StackError> {
        let mut stack = stack.clone();
        let removable = [
            (StepName::Build, ids::INVOCATION_ID),
            (StepName::Build, ids::CONTENT_LENGTH),
            (StepName::Build, ids::USER_AGENT),
            // A presigned URL is used with a body the presigner never saw: no checksum of it,
            // and no checksum mode the user of the URL would have to send.
            (StepName::Build, crate::checksum::request::REQUEST_CHECKSUM),
            (StepName::Build, crate::checksum::request::HASH_PAYLOAD),
            (StepName::Finalize, ids::RETRY),
        ];
        for (step, id) in removable {
            let list = stack.step_mut(step);
            if list.get(id).is_some() {
                list.remove(id)?;
            }
        }
        let finalize = stack.finalize_mut();
        finalize.swap(ids::SIGNING, Middleware::request_hook(presign))?;
        finalize.insert(
            PRESIGNED_REQUEST,
            Middleware::layer(ReturnPresigned),
            ids::SIGNING,
            Position::After,
        )?;
        let compiled = stack.compile(HttpClient::from_service(NeverSend).into_service())?;
        Ok(Self { compiled })
    }

    /// The edited stack (`describe()` lists it).
    #[must_use]
    pub fn stack(&self) -> &Stack {
        self.compiled.stack()
    }

    /// Runs one erased operation up to signing and returns the presigned request.
    ///
    /// `ctx` carries the per-call values as for [`CompiledStack::invoke`] (region,
    /// overrides); `config` is added to it.
    ///
    /// # Errors
    ///
    /// Whatever the upper steps report (invalid input, no credentials, no region), with
    /// the service and operation names; a construction error if a middleware after
    /// [`PRESIGNED_REQUEST`] replaced the output.
    pub async fn presign(
        &self,
        spec: &'static OperationSpec,
        input: Input,
        mut ctx: Context,
        config: PresigningConfig,
    ) -> Result<PresignedRequest, SdkError> {
        ctx.insert(config);
        self.run(spec, input, ctx, "a presigned request").await
    }

    /// Runs the stack and takes its output as a `T`.
    async fn run<T: 'static>(
        &self,
        spec: &'static OperationSpec,
        input: Input,
        ctx: Context,
        what: &str,
    ) -> Result<T, SdkError> {
        let output = self.compiled.invoke(spec, input, ctx).await?;
        output.output.downcast::<T>().map(|t| *t).map_err(|_| {
            SdkError::construction(format!(
                "the presigning stack returned something else than {what}"
            ))
            .with_operation(spec.service, spec.operation)
        })
    }

    /// Runs one erased operation that addresses a bucket (`HeadBucket` does) up to signing,
    /// and signs `policy` for a browser upload to the address it resolved (see
    /// [`post_policy`](super::post_policy)).
    ///
    /// # Errors
    ///
    /// As [`presign`](Self::presign), and a construction error naming the problem if the
    /// policy is not valid (no key rule, an empty size range, a reserved field).
    pub async fn presign_post(
        &self,
        spec: &'static OperationSpec,
        input: Input,
        mut ctx: Context,
        policy: PostPolicy,
        config: PresigningConfig,
    ) -> Result<PresignedPost, SdkError> {
        ctx.insert(config);
        ctx.insert(policy);
        self.run(spec, input, ctx, "a presigned POST form").await
    }
}

impl fmt::Debug for PresignStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignStack")
            .field("stack", self.compiled.stack())
            .finish()
    }
}

/// Appends `name=value` (the value percent-encoded) to the URI's query.
fn add_query_param(uri: &mut Uri, name: &str, value: &str) -> Result<(), SdkError> {
    let value = signer::uri_encode(value);
    let path_and_query = match uri.query() {
        Some(q) if !q.is_empty() => format!("{}?{q}&{name}={value}", uri.path()),
        _ => format!("{}?{name}={value}", uri.path()),
    };
    let mut parts = std::mem::take(uri).into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|e| SdkError::construction(format!("presigning: {e}")))?,
    );
    *uri =
        Uri::from_parts(parts).map_err(|e| SdkError::construction(format!("presigning: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_signature_and_token() {
        let request = PresignedRequest {
            method: Method::GET,
            uri: "https://h/k?X-Amz-Security-Token=TOKEN&X-Amz-Signature=abcdef&x=1&X-Amz-S3session-Token=SESSION"
                .parse()
                .unwrap(),
            headers: HeaderMap::new(),
            body: None,
        };
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("TOKEN") && !debug.contains("abcdef") && !debug.contains("SESSION"),
            "{debug}"
        );
        assert!(
            debug.contains("https://h/k?X-Amz-Security-Token=** redacted **"),
            "{debug}"
        );
        assert!(debug.contains("&x=1"), "{debug}");
    }

    #[test]
    fn expiry_bounds() {
        assert!(PresigningConfig::expires_in(Duration::from_secs(604_800)).is_ok());
        assert_eq!(
            PresigningConfig::expires_in(Duration::from_secs(604_801)),
            Err(SigningError::ExpiresInTooLong {
                expires_in: Duration::from_secs(604_801)
            })
        );
        assert_eq!(
            PresigningConfig::expires_in(Duration::from_millis(999)),
            Err(SigningError::ExpiresInTooShort)
        );
        let config = PresigningConfig::expires_in(Duration::from_millis(1500)).unwrap();
        assert_eq!(config.expires(), Duration::from_secs(1));
    }
}
