//! What the S3 model does not say, written once for every operation (hand-written; the rest
//! of the crate is generated):
//!
//! - the stack: S3's settings for its endpoint rule set (virtual-hosted or path-style
//!   addressing, accelerate, access point ARNs, Multi-Region Access Points: see
//!   [`Config::force_path_style`] and the settings after it) and S3's signing settings
//!   ([`SigV4::s3`]: single URI encoding, no path normalization, `x-amz-content-sha256`);
//! - the bucket, which the serializer writes as the first segment of the path and the
//!   resolved endpoint places (in the host, or in the URL's path): recorded as [`S3Bucket`],
//!   so endpoint resolution moves it; a `/` in it is a construction error;
//! - flexible checksums ([`checksum`](ziggurat_layers::checksum)): every upload that supports
//!   one carries a checksum (CRC32 unless the caller chose another, none under
//!   `when_required` unless the operation requires one), in a header for bytes in memory and
//!   as an `aws-chunked` trailer for streams; `GetObject` asks for the object's checksum and
//!   its body fails at its end when the bytes do not match;
//! - how a streaming body of known length (`PutObject`, `UploadPart`) is signed, by
//!   [`Config::payload_signing`] (see [`request`](ziggurat_layers::checksum::request) for the
//!   table of what goes out when, and why); bytes in memory are hashed whole;
//! - a 200 whose body is an `<Error>` document (`CopyObject`, `CompleteMultipartUpload`
//!   fail after the status was written) is the service error it describes;
//! - `GetBucketLocation`'s output is its bare `<LocationConstraint>` element, not a
//!   structure around it;
//! - listings asked for with `EncodingType=url` have their keys decoded again;
//! - a part number (`UploadPart`, `UploadPartCopy`) is 1 to 10,000;
//! - a directory bucket's calls are signed with its S3 Express session
//!   ([`S3ExpressAuth`]).
//!
//! Errors on `HEAD` get a code from the status, and the `x-amz-id-2` host id comes with every
//! error: both are restXml's ([`rest_xml::parse_error`]). SSE-C keys are sensitive in the
//! model, so their headers are marked sensitive and never logged.
use std::any::Any;

use bytes::Bytes;
use ziggurat_core::body::Body;
use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::schema::de::DeserializeValue;
use ziggurat_core::schema::operation::op_flag;
use ziggurat_core::schema::ser::SerializeShape;
use ziggurat_core::schema::{OperationSchema, ServiceSchema};
use ziggurat_core::stack::{Middleware, Position};
use ziggurat_core::stack::{ResponseBody, Stack, StackError};
use ziggurat_layers::checksum::request::{
    self, HashPayloadLayer, RequestChecksum, ValidateResponseChecksum,
};
use ziggurat_layers::checksum::validate::{ValidatingBody, response_checksum};
use ziggurat_layers::endpoint::resolver::EndpointResolver;
use ziggurat_layers::endpoint::{ClientEndpointParams, S3Bucket};
use ziggurat_layers::protocol::rest_xml;
use ziggurat_layers::sign::SigV4;
pub use ziggurat_layers::sign::aws_chunked::PayloadSigning;
use ziggurat_layers::sign::aws_chunked::{AwsChunked, AwsChunkedOptions};
use ziggurat_runtime::{ServiceConfig, ServiceInfo, apply_edits, default_stack};

pub use crate::express::{MAX_SESSIONS, S3_EXPRESS_AUTH, S3ExpressAuth, S3ExpressSession};
pub use crate::presign::{
    PostPolicy, PresignClient, PresignedPost, PresignedRequest, PresigningConfig,
};

/// S3 configuration: the shared [`SdkConfig`], the client's stack edits, and S3's endpoint
/// and signing settings.
#[derive(Debug, Clone)]
pub struct Config {
    service: ServiceConfig,
    force_path_style: bool,
    accelerate: bool,
    use_global_endpoint: bool,
    use_arn_region: Option<bool>,
    disable_multi_region_access_points: bool,
    disable_s3_express_session_auth: Option<bool>,
    payload_signing: PayloadSigning,
}

impl Config {
    /// S3 configuration from shared configuration.
    pub fn new(sdk: &SdkConfig) -> Self {
        Config::from(ServiceConfig::new(sdk))
    }
    /// Changes the client's stack (see [`ServiceConfig::stack`]).
    pub fn stack(
        mut self,
        edit: impl Fn(&mut Stack) -> Result<(), StackError> + Send + Sync + 'static,
    ) -> Self {
        self.service = self.service.stack(edit);
        self
    }
    /// Adds an interceptor for this client (see [`ServiceConfig::interceptor`]).
    pub fn interceptor(mut self, interceptor: impl ziggurat_core::interceptor::Intercept) -> Self {
        self.service = self.service.interceptor(interceptor);
        self
    }
    /// Always address buckets in the path (`host/bucket/key`), never as a subdomain
    /// (`AWS::S3::ForcePathStyle`).
    pub fn force_path_style(mut self, yes: bool) -> Self {
        self.force_path_style = yes;
        self
    }
    /// Sends requests to S3 Transfer Acceleration endpoints
    /// (`bucket.s3-accelerate.amazonaws.com`, `AWS::S3::Accelerate`).
    pub fn accelerate(mut self, yes: bool) -> Self {
        self.accelerate = yes;
        self
    }
    /// Sends `us-east-1` requests to the legacy global endpoint `s3.amazonaws.com`
    /// (`AWS::S3::UseGlobalEndpoint`, the AWS SDKs' `s3_us_east_1_regional_endpoint = legacy`).
    pub fn use_global_endpoint(mut self, yes: bool) -> Self {
        self.use_global_endpoint = yes;
        self
    }
    /// Whether an access point ARN's region may differ from the client's: the request goes
    /// to the ARN's region (`AWS::S3::UseArnRegion`; unset, the rule set's default).
    pub fn use_arn_region(mut self, yes: bool) -> Self {
        self.use_arn_region = Some(yes);
        self
    }
    /// Refuses Multi-Region Access Point ARNs instead of signing for them with SigV4a
    /// (`AWS::S3::DisableMultiRegionAccessPoints`).
    pub fn disable_multi_region_access_points(mut self, yes: bool) -> Self {
        self.disable_multi_region_access_points = yes;
        self
    }
    /// Signs S3 Express One Zone (directory bucket) requests with ordinary SigV4 for
    /// `s3express` (`DisableS3ExpressSessionAuth`), instead of with the bucket's session
    /// credentials from `CreateSession` (the default, see [`S3ExpressAuth`]).
    pub fn disable_s3_express_session_auth(mut self, yes: bool) -> Self {
        self.disable_s3_express_session_auth = Some(yes);
        self
    }
    /// Resolves endpoints with `resolver`, which may wrap S3's rule set (see
    /// [`ServiceConfig::endpoint_resolver`]).
    pub fn endpoint_resolver(mut self, resolver: impl EndpointResolver) -> Self {
        self.service = self.service.endpoint_resolver(resolver);
        self
    }
    /// How streamed uploads (`PutObject`, `UploadPart` of a file or stream) sign their payload
    /// and where their checksum goes: [`PayloadSigning::Auto`] by default, unsigned chunks with
    /// a checksum trailer over `https`; over plain `http` a file's SHA-256 (it is read twice)
    /// with the checksum in a header, and signed chunks for a one-shot stream, which every
    /// S3-compatible server accepts. See [`request`](ziggurat_layers::checksum::request) for
    /// every setting and why. In-memory bodies always sign their SHA-256.
    pub fn payload_signing(mut self, signing: PayloadSigning) -> Self {
        self.payload_signing = signing;
        self
    }
    /// The shared configuration.
    pub fn sdk_config(&self) -> &SdkConfig {
        self.service.sdk_config()
    }
}

impl From<ServiceConfig> for Config {
    fn from(service: ServiceConfig) -> Self {
        Config {
            service,
            force_path_style: false,
            accelerate: false,
            use_global_endpoint: false,
            use_arn_region: None,
            disable_multi_region_access_points: false,
            disable_s3_express_session_auth: None,
            payload_signing: PayloadSigning::Auto,
        }
    }
}

/// The S3 stack for a configuration.
pub fn stack(config: &Config) -> Result<Stack, String> {
    let info = ServiceInfo {
        service_id: crate::SERVICE.service_id,
        endpoint_prefix: crate::SERVICE.endpoint_prefix,
    };
    let mut s3 = ClientEndpointParams::new()
        .built_in("AWS::S3::ForcePathStyle", config.force_path_style)
        .built_in("AWS::S3::Accelerate", config.accelerate)
        .built_in("AWS::S3::UseGlobalEndpoint", config.use_global_endpoint)
        .built_in(
            "AWS::S3::DisableMultiRegionAccessPoints",
            config.disable_multi_region_access_points,
        );
    if let Some(yes) = config.use_arn_region {
        s3 = s3.built_in("AWS::S3::UseArnRegion", yes);
    }
    if let Some(yes) = config.disable_s3_express_session_auth {
        s3 = s3.param("DisableS3ExpressSessionAuth", yes);
    }
    let endpoint = ziggurat_runtime::endpoint::endpoint_hook(
        &crate::ENDPOINT_RULES,
        crate::SERVICE.service_id,
        crate::SERVICE.signing_name,
        &config.service,
        s3,
    )?;
    let signer = SigV4::s3()
        .with_aws_chunked(AwsChunkedOptions::new().with_payload_signing(config.payload_signing));
    let sdk = config.sdk_config();
    // Only a client that can read a payload ahead has the layer that does it: a tower layer
    // costs every call a segment of its own (a dozen allocations).
    let plain_http = sdk
        .endpoint_url_for(crate::SERVICE.service_id)
        .is_some_and(|url| {
            url.get(..7)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
        });
    let read_ahead = request::payload_needs_read_ahead(config.payload_signing, plain_http);
    let checksums = RequestChecksum::new(sdk.request_checksum_calculation())
        .with_validation(sdk.response_checksum_validation())
        .with_payload_signing(config.payload_signing)
        .with_read_ahead(read_ahead);
    // The checksum entries go in before the client's edits, so that edits can anchor to them.
    let mut stack = default_stack(&info, &ServiceConfig::new(sdk), endpoint, signer)?;
    let build = stack
        .build_mut()
        .add(
            request::REQUEST_CHECKSUM,
            Middleware::request_hook(checksums),
            Position::After,
        )
        .map_err(|e| e.to_string())?;
    // A directory bucket's calls get its session credentials (resolved before signing).
    build
        .add(
            S3_EXPRESS_AUTH,
            Middleware::request_hook(S3ExpressAuth::new(config)),
            Position::After,
        )
        .map_err(|e| e.to_string())?;
    if read_ahead {
        build
            .add(
                request::HASH_PAYLOAD,
                Middleware::layer(HashPayloadLayer),
                Position::After,
            )
            .map_err(|e| e.to_string())?;
    }
    apply_edits(stack, config.service.edits()).map_err(|e| e.to_string())
}

impl crate::Client {
    /// The client's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A [`PresignClient`] with this client's configuration and stack edits: presigned URLs
    /// instead of calls. It compiles its own stack, so build it once and keep it.
    pub fn presigned(&self) -> PresignClient {
        PresignClient::from_conf(self.config.clone())
    }
}

/// Serializes an S3 request: the runtime's (which reads the endpoint parameters, `Bucket`
/// among them), plus the bucket's place in the path for endpoint resolution and
/// `aws-chunked` for streams of known length.
pub(crate) fn serialize(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    input: &mut dyn SerializeShape,
    ctx: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    let mut req = ziggurat_runtime::serialize(service, op, input, ctx)?;
    // Every S3 operation with a `Bucket` endpoint parameter has it as the `{Bucket}` label
    // that starts its path.
    let bucket = ctx
        .endpoint_params()
        .and_then(|p| p.get("Bucket"))
        .filter(|_| op.uri.starts_with("/{Bucket}"))
        .map(str::to_owned);
    // An ARN (an access point's) has `/` in it; a bucket name never.
    if let Some(bucket) = &bucket
        && bucket.contains('/')
        && !bucket.starts_with("arn:")
    {
        return Err(SdkError::construction(format!(
            "invalid bucket name `{bucket}`: it must not contain `/`"
        )));
    }
    if matches!(op.name, "UploadPart" | "UploadPartCopy") {
        check_part_number(&req)?;
    }
    if let Some(bucket) = bucket {
        // As the serializer wrote it into the path.
        ctx.insert(S3Bucket(rest_xml::encode_label(&bucket)));
    }
    let body = req.body();
    if op.has(op_flag::STREAMING_INPUT)
        && !op.has(op_flag::UNSIGNED_PAYLOAD)
        && body.is_streaming()
        && body.content_length().is_some()
    {
        req.extensions_mut().insert(AwsChunked::new());
    }
    Ok(req)
}

/// A part number is 1 to 10,000 (the model does not say so): anything else fails before
/// sending.
fn check_part_number(req: &http::Request<Body>) -> Result<(), SdkError> {
    let number = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("partNumber="))
        .unwrap_or_default();
    match number.parse::<i64>() {
        Ok(n) if (1..=10_000).contains(&n) => Ok(()),
        _ => Err(SdkError::construction(format!(
            "the input member `PartNumber` must be between 1 and 10000, not {number}"
        ))),
    }
}

/// Reads an S3 response: the runtime's, after the checks the model cannot express.
pub(crate) fn deserialize<T: DeserializeValue + 'static>(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    parts: http::response::Parts,
    body: ResponseBody,
    ctx: &Context,
) -> Result<T, SdkError> {
    let mut body = body;
    if op.has(op_flag::RESPONSE_CHECKSUM)
        && ctx.get::<ValidateResponseChecksum>().is_some()
        && parts.status.is_success()
        && let ResponseBody::Streaming(stream) = body
    {
        body = ResponseBody::Streaming(match response_checksum(&parts.headers) {
            Some(expected) => Body::from_stream(ValidatingBody::new(stream, expected)),
            None => stream,
        });
    }
    if parts.status.is_success()
        && let ResponseBody::Buffered(bytes) = &body
    {
        if rest_xml::is_error_document(bytes) {
            return Err(SdkError::service(rest_xml::parse_error(&parts, bytes)));
        }
        if op.name == "GetBucketLocation" {
            body = ResponseBody::Buffered(wrap_root(bytes, "GetBucketLocationOutput"));
        }
    }
    let mut out: T = ziggurat_runtime::deserialize(service, op, parts, body, ctx)?;
    if let Some(listing) = (&mut out as &mut dyn Any).downcast_mut::<crate::ListObjectsV2Output>() {
        decode_listing(listing);
    }
    Ok(out)
}

/// `<name>` + the document without its XML declaration + `</name>`: a bare element as the
/// one member of a structure.
fn wrap_root(body: &[u8], name: &str) -> Bytes {
    let mut rest = body.trim_ascii_start();
    if rest.starts_with(b"<?xml")
        && let Some(i) = rest.windows(2).position(|w| w == b"?>")
    {
        rest = rest.get(i + 2..).unwrap_or_default();
    }
    let mut out = Vec::with_capacity(rest.len() + 2 * name.len() + 5);
    out.extend_from_slice(format!("<{name}>").as_bytes());
    out.extend_from_slice(rest);
    out.extend_from_slice(format!("</{name}>").as_bytes());
    Bytes::from(out)
}

/// Decodes the keys and prefixes of a listing the service URL-encoded (`EncodingType=url`).
fn decode_listing(out: &mut crate::ListObjectsV2Output) {
    if out.encoding_type != Some(crate::types::EncodingType::Url) {
        return;
    }
    let decode = |s: &mut Option<String>| {
        if let Some(v) = s {
            *v = url_decode(v);
        }
    };
    decode(&mut out.prefix);
    decode(&mut out.delimiter);
    decode(&mut out.start_after);
    for object in out.contents.iter_mut().flatten() {
        decode(&mut object.key);
    }
    for prefix in out.common_prefixes.iter_mut().flatten() {
        decode(&mut prefix.prefix);
    }
}

/// Percent-decoding as S3 encodes listings (`+` is a space).
fn url_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests;
