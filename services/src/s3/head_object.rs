//! `HeadObject`, and the object headers it shares with `GetObject`.
use std::collections::HashMap;
use std::ops::Deref;

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::{
    check, header, header_date, header_i64, object_path, push_query, set_header, user_metadata,
};
use crate::runtime::{fluent_setters, has_metadata, operation_error};
use crate::types::DateTime;

/// An object's attributes, as `GetObject` and `HeadObject` return them in headers.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ObjectHeaders {
    /// `Accept-Ranges`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_ranges: Option<String>,
    /// `Cache-Control`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// `Content-Length`: the size of the body sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_length: Option<i64>,
    /// `Content-Range`, for ranged reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_range: Option<String>,
    /// `Content-Type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The entity tag.
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// When the object was last written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime>,
    /// User metadata (`x-amz-meta-*`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<HashMap<String, String>>,
    /// The storage class, when not STANDARD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// The version id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

impl ObjectHeaders {
    pub(crate) fn from_headers(h: &HeaderMap) -> Self {
        ObjectHeaders {
            accept_ranges: header(h, "accept-ranges"),
            cache_control: header(h, "cache-control"),
            content_disposition: header(h, "content-disposition"),
            content_encoding: header(h, "content-encoding"),
            content_length: header_i64(h, "content-length"),
            content_range: header(h, "content-range"),
            content_type: header(h, "content-type"),
            e_tag: header(h, "etag"),
            last_modified: header_date(h, "last-modified"),
            metadata: user_metadata(h),
            storage_class: header(h, "x-amz-storage-class"),
            version_id: header(h, "x-amz-version-id"),
        }
    }
}

/// Which object (and under which conditions) `GetObject` and `HeadObject` address.
pub(crate) struct ObjectTarget<'a> {
    pub(crate) bucket: &'a str,
    pub(crate) key: &'a str,
    pub(crate) range: Option<&'a str>,
    pub(crate) if_match: Option<&'a str>,
    pub(crate) if_none_match: Option<&'a str>,
    pub(crate) version_id: Option<&'a str>,
}

impl ObjectTarget<'_> {
    /// The request for operation `id` (`GetObject`, `HeadObject`).
    pub(crate) fn request(
        &self,
        method: http::Method,
        id: &str,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let mut path = object_path(self.bucket, self.key, ctx)?;
        path.push_str("?x-id=");
        path.push_str(id);
        push_query(&mut path, "versionId", self.version_id);
        let b = http::Request::builder().method(method).uri(path);
        let b = set_header(b, "range", self.range)?;
        let b = set_header(b, "if-match", self.if_match)?;
        let b = set_header(b, "if-none-match", self.if_none_match)?;
        Ok(b.body(Body::empty())?)
    }
}

/// The `HeadObject` operation.
#[derive(Debug)]
pub struct HeadObject;

/// Input of [`HeadObject`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct HeadObjectInput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// Only the given byte range (`bytes=0-9`).
    pub range: Option<String>,
    /// Only if the ETag matches.
    pub if_match: Option<String>,
    /// Only if the ETag differs.
    pub if_none_match: Option<String>,
    /// A specific version.
    pub version_id: Option<String>,
}

/// Output of [`HeadObject`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct HeadObjectOutput {
    /// The object's attributes.
    #[serde(flatten)]
    pub object: ObjectHeaders,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(HeadObjectOutput);

impl Deref for HeadObjectOutput {
    type Target = ObjectHeaders;
    fn deref(&self) -> &ObjectHeaders {
        &self.object
    }
}

operation_error! {
    /// Errors of [`HeadObject`]. A missing object is `NotFound` (a `HEAD` response has no body
    /// to carry `NoSuchKey`).
    HeadObjectError {
        /// No such object (404).
        NotFound,
    }
}

fluent_setters!(HeadObject {
    /// The bucket.
    req bucket: String,
    /// The key.
    req key: String,
    /// Only the given byte range.
    opt range: String,
    /// Only if the ETag matches.
    opt if_match: String,
    /// Only if the ETag differs.
    opt if_none_match: String,
    /// A specific version.
    opt version_id: String,
});

impl Operation for HeadObject {
    type Input = HeadObjectInput;
    type Output = HeadObjectOutput;
    type Error = HeadObjectError;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "HeadObject";

    fn serialize(
        i: &mut HeadObjectInput,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        ObjectTarget {
            bucket: &i.bucket,
            key: &i.key,
            range: i.range.as_deref(),
            if_match: i.if_match.as_deref(),
            if_none_match: i.if_none_match.as_deref(),
            version_id: i.version_id.as_deref(),
        }
        .request(http::Method::HEAD, "HeadObject", ctx)
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<HeadObjectOutput, SdkError> {
        check(&parts, body)?;
        Ok(HeadObjectOutput {
            object: ObjectHeaders::from_headers(&parts.headers),
            response_metadata: Metadata::default(),
        })
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<HeadObject>();
        &SPEC
    }
}
