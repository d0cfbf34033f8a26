//! `GetObject`: the body streams to the caller, never buffered whole.
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::check;
use super::head_object::{ObjectHeaders, ObjectTarget};
use crate::runtime::{fluent_setters, has_metadata, operation_error};

/// The `GetObject` operation.
#[derive(Debug)]
pub struct GetObject;

/// Input of [`GetObject`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetObjectInput {
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

/// Output of [`GetObject`]. Read [`body`](GetObjectOutput::body) as a stream
/// (`http_body::Body`) or with [`Body::collect`].
#[derive(Debug, Default, Serialize)]
pub struct GetObjectOutput {
    /// The object's bytes, unread.
    #[serde(skip)]
    pub body: Body,
    /// The object's attributes.
    #[serde(flatten)]
    pub object: ObjectHeaders,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(GetObjectOutput);

impl Deref for GetObjectOutput {
    type Target = ObjectHeaders;
    fn deref(&self) -> &ObjectHeaders {
        &self.object
    }
}

operation_error! {
    /// Errors of [`GetObject`].
    GetObjectError {
        /// No such key.
        NoSuchKey,
        /// The object is archived and must be restored first.
        InvalidObjectState,
    }
}

fluent_setters!(GetObject {
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

impl Operation for GetObject {
    type Input = GetObjectInput;
    type Output = GetObjectOutput;
    type Error = GetObjectError;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "GetObject";
    const STREAMING_OUTPUT: bool = true;

    fn serialize(
        i: &mut GetObjectInput,
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
        .request(http::Method::GET, "GetObject", ctx)
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<GetObjectOutput, SdkError> {
        let body = match check(&parts, body)? {
            ResponseBody::Streaming(b) => b,
            ResponseBody::Buffered(b) => Body::from(b),
        };
        Ok(GetObjectOutput {
            body,
            object: ObjectHeaders::from_headers(&parts.headers),
            response_metadata: Metadata::default(),
        })
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<GetObject>();
        &SPEC
    }
}
