//! Amazon S3 (restXml): a typed client and its stack.
//!
//! The S3 stack is the default stack with S3's endpoint rules (virtual-hosted or path-style
//! addressing, see [`ResolveEndpoint`]) and S3's signing settings (single URI encoding, no path
//! normalization, `x-amz-content-sha256`). Object bodies stream both ways: `PutObject` sends a
//! file without reading it into memory, `GetObject` hands the response body over unread.
//!
//! ```no_run
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_core::body::Body;
//! use ziggurat_services::s3::Client;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let client = Client::new(&SdkConfig::from_env());
//! client.put_object().bucket("photos").key("cat.jpg")
//!     .body(Body::from_file("cat.jpg").await?)
//!     .send().await?;
//! let object = client.get_object().bucket("photos").key("cat.jpg").send().await?;
//! let bytes = object.body.collect().await?;
//! # Ok(()) }
//! ```
mod create_bucket;
mod delete_bucket;
mod delete_object;
mod get_object;
mod head_object;
mod list_objects_v2;
pub mod presign;
mod put_object;
mod upload_part;

use std::collections::HashMap;
use std::sync::Arc;

pub use create_bucket::*;
pub use delete_bucket::*;
pub use delete_object::*;
pub use get_object::*;
pub use head_object::*;
pub use list_objects_v2::*;
pub use presign::{PresignClient, PresignedRequest, PresigningConfig};
pub use put_object::*;
pub use upload_part::*;

use bytes::Bytes;
use http::HeaderMap;
use ziggurat_core::body::Body;
use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::stack::{ResponseBody, Stack};
use ziggurat_layers::endpoint::{ResolveEndpoint, S3Addressing, S3Bucket};
use ziggurat_layers::protocol::rest_xml;
use ziggurat_layers::sign::SigV4;

use crate::runtime::{
    ClientHandle, FluentBuilder, ServiceConfig, ServiceInfo, base_endpoint, default_stack,
};
use crate::types::DateTime;

/// S3's service metadata.
pub const SERVICE: ServiceInfo = ServiceInfo {
    service_id: "S3",
    endpoint_prefix: "s3",
};

/// S3-specific configuration on top of an [`SdkConfig`].
#[derive(Debug, Clone)]
pub struct Config {
    service: ServiceConfig,
    force_path_style: bool,
}

impl Config {
    /// S3 configuration from shared configuration.
    pub fn new(sdk: &SdkConfig) -> Self {
        Config {
            service: ServiceConfig::new(sdk),
            force_path_style: false,
        }
    }
    /// Changes the client's stack (see [`ServiceConfig::stack`]).
    pub fn stack(
        mut self,
        edit: impl Fn(&mut Stack) -> Result<(), ziggurat_core::stack::StackError>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.service = self.service.stack(edit);
        self
    }
    /// Always address buckets in the path (`host/bucket/key`), never as a subdomain.
    pub fn force_path_style(mut self, yes: bool) -> Self {
        self.force_path_style = yes;
        self
    }
    /// The shared configuration.
    pub fn sdk_config(&self) -> &SdkConfig {
        self.service.sdk_config()
    }
}

/// The S3 stack for a configuration.
pub fn stack(config: &Config) -> Result<Stack, String> {
    let endpoint = ResolveEndpoint::new(SERVICE.endpoint_prefix)
        .with_base_endpoint(base_endpoint(config.sdk_config())?)
        .with_s3_addressing(S3Addressing {
            force_path_style: config.force_path_style,
        });
    default_stack(&SERVICE, &config.service, endpoint, SigV4::s3())
}

/// An S3 client. Cheap to clone; clones share one compiled stack and connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    handle: Arc<ClientHandle>,
    config: Config,
}

impl Client {
    /// A client from shared configuration.
    pub fn new(config: &SdkConfig) -> Self {
        Self::from_conf(Config::new(config))
    }

    /// A client from S3 configuration.
    pub fn from_conf(config: Config) -> Self {
        Client {
            handle: Arc::new(ClientHandle::new(stack(&config), config.sdk_config())),
            config,
        }
    }

    /// The client's stack (`describe()` lists it).
    pub fn stack(&self) -> Option<&Stack> {
        self.handle.stack()
    }

    /// Creates a bucket.
    pub fn create_bucket(&self) -> FluentBuilder<CreateBucket> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Deletes an empty bucket.
    pub fn delete_bucket(&self) -> FluentBuilder<DeleteBucket> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Uploads an object.
    pub fn put_object(&self) -> FluentBuilder<PutObject> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Downloads an object; its body streams.
    pub fn get_object(&self) -> FluentBuilder<GetObject> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Reads an object's metadata.
    pub fn head_object(&self) -> FluentBuilder<HeadObject> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Lists objects, a page at a time.
    pub fn list_objects_v2(&self) -> FluentBuilder<ListObjectsV2> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Deletes an object.
    pub fn delete_object(&self) -> FluentBuilder<DeleteObject> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Uploads one part of a multipart upload.
    pub fn upload_part(&self) -> FluentBuilder<UploadPart> {
        FluentBuilder::new(self.handle.clone())
    }
    /// A [`PresignClient`] with this client's configuration and stack edits: presigned
    /// URLs instead of calls. It compiles its own stack, so build it once and keep it.
    pub fn presigned(&self) -> PresignClient {
        PresignClient::from_conf(self.config.clone())
    }
}

// ---- helpers shared by the operations ----

/// Checks the bucket and records it for endpoint resolution; returns `/{bucket}`.
fn bucket_path(bucket: &str, ctx: &mut Context) -> Result<String, SdkError> {
    crate::runtime::require(bucket, "Bucket")?;
    if bucket.contains('/') {
        return Err(SdkError::construction(format!(
            "invalid bucket name `{bucket}`: it must not contain `/`"
        )));
    }
    ctx.insert(S3Bucket(bucket.to_owned()));
    Ok(format!("/{}", rest_xml::encode_label(bucket)))
}

/// `/{bucket}/{key+}`.
fn object_path(bucket: &str, key: &str, ctx: &mut Context) -> Result<String, SdkError> {
    let mut path = bucket_path(bucket, ctx)?;
    crate::runtime::require(key, "Key")?;
    path.push('/');
    path.push_str(&rest_xml::encode_greedy_label(key));
    Ok(path)
}

/// The buffered body, or the service error of a failed response.
fn check(parts: &http::response::Parts, body: ResponseBody) -> Result<ResponseBody, SdkError> {
    if parts.status.is_success() {
        if let ResponseBody::Buffered(b) = &body
            && rest_xml::is_error_document(b)
        {
            return Err(SdkError::service(rest_xml::parse_error(parts, b)));
        }
        return Ok(body);
    }
    let bytes = match &body {
        ResponseBody::Buffered(b) => b.clone(),
        ResponseBody::Streaming(_) => Bytes::new(),
    };
    Err(SdkError::service(rest_xml::parse_error(parts, &bytes)))
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn header_i64(h: &HeaderMap, name: &str) -> Option<i64> {
    header(h, name).and_then(|v| v.trim().parse().ok())
}

fn header_date(h: &HeaderMap, name: &str) -> Option<DateTime> {
    header(h, name).and_then(|v| DateTime::parse_http_date(&v))
}

/// `x-amz-meta-*` headers, without the prefix.
fn user_metadata(h: &HeaderMap) -> Option<HashMap<String, String>> {
    let map: HashMap<String, String> = h
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str().strip_prefix("x-amz-meta-")?;
            Some((name.to_owned(), v.to_str().ok()?.to_owned()))
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

/// Adds a header from an optional input member; a value that is not a valid header value is a
/// construction error naming the member.
fn set_header(
    b: http::request::Builder,
    name: &'static str,
    value: Option<&str>,
) -> Result<http::request::Builder, SdkError> {
    match value {
        None => Ok(b),
        Some(v) => {
            let v = http::HeaderValue::from_str(v).map_err(|_| {
                SdkError::construction(format!("the value of `{name}` is not a valid header value"))
            })?;
            Ok(b.header(name, v))
        }
    }
}

/// Like [`set_header`], for a secret (an SSE-C key): the value is marked sensitive, so it is
/// never shown when the request is logged.
fn set_secret_header(
    b: http::request::Builder,
    name: &'static str,
    value: Option<&str>,
) -> Result<http::request::Builder, SdkError> {
    match value {
        None => Ok(b),
        Some(v) => {
            let mut v = http::HeaderValue::from_str(v).map_err(|_| {
                SdkError::construction(format!("the value of `{name}` is not a valid header value"))
            })?;
            v.set_sensitive(true);
            Ok(b.header(name, v))
        }
    }
}

/// The request with its object body. A stream of known length is marked to be sent
/// `aws-chunked` (framed and signed chunk by chunk as it streams, see
/// [`AwsChunked`](ziggurat_layers::sign::aws_chunked::AwsChunked)); bytes in memory are hashed
/// whole.
fn with_object_body(
    mut b: http::request::Builder,
    body: Body,
) -> Result<http::Request<Body>, SdkError> {
    if body.is_streaming() && body.content_length().is_some() {
        b = b.extension(ziggurat_layers::sign::aws_chunked::AwsChunked::new());
    }
    Ok(b.body(body)?)
}

/// Appends `name=value` to a query string being built.
fn push_query(q: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        q.push(if q.contains('?') { '&' } else { '?' });
        q.push_str(name);
        q.push('=');
        q.push_str(&rest_xml::encode_query(v));
    }
}

#[cfg(test)]
mod tests;
