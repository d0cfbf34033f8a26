//! `PutObject`: the body is sent as given (bytes, or a file streamed without being read whole).
//!
//! A body in memory is signed with its SHA-256, as every other request. A stream of known
//! length (a file, [`Body::from_file`]) cannot be hashed without reading it twice, so it is
//! sent `aws-chunked` ([`AwsChunked`](ziggurat_layers::sign::aws_chunked::AwsChunked)): the signing hook frames it as it streams, signing each
//! 64 KiB chunk and adding a CRC32 trailer (signed chunks over `http`, unsigned chunks with the
//! checksum over `https`; see [`ziggurat_layers::sign::aws_chunked`]). A stream of unknown
//! length is sent as it comes, with `UNSIGNED-PAYLOAD`.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::{check, header, object_path, set_header, with_object_body};
use crate::runtime::{fluent_setters, has_metadata, operation_error};

/// The `PutObject` operation.
#[derive(Debug)]
pub struct PutObject;

/// Input of [`PutObject`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PutObjectInput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The object's bytes. A stream of known length is sent `aws-chunked` (signed as it
    /// streams), one of unknown length as it comes; a stream that cannot be rewound is never
    /// retried.
    #[serde(skip)]
    pub body: Body,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// User metadata, sent as `x-amz-meta-*`.
    pub metadata: Option<HashMap<String, String>>,
    /// The storage class.
    pub storage_class: Option<String>,
}

/// Output of [`PutObject`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutObjectOutput {
    /// The entity tag.
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// The version id, on versioned buckets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(PutObjectOutput);

operation_error! {
    /// Errors of [`PutObject`].
    PutObjectError {}
}

fluent_setters!(PutObject {
    /// The bucket.
    req bucket: String,
    /// The key.
    req key: String,
    /// The object's bytes.
    req body: Body,
    /// `Cache-Control`.
    opt cache_control: String,
    /// `Content-Disposition`.
    opt content_disposition: String,
    /// `Content-Encoding`.
    opt content_encoding: String,
    /// `Content-Type`.
    opt content_type: String,
    /// The storage class.
    opt storage_class: String,
});

impl crate::runtime::FluentBuilder<PutObject> {
    /// Adds one user metadata entry (`x-amz-meta-{name}`).
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.input_mut()
            .metadata
            .get_or_insert_with(HashMap::new)
            .insert(name.into(), value.into());
        self
    }
}

impl Operation for PutObject {
    type Input = PutObjectInput;
    type Output = PutObjectOutput;
    type Error = PutObjectError;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "PutObject";

    fn serialize(
        i: &mut PutObjectInput,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let mut path = object_path(&i.bucket, &i.key, ctx)?;
        path.push_str("?x-id=PutObject");
        let b = http::Request::put(path);
        let b = set_header(b, "cache-control", i.cache_control.as_deref())?;
        let b = set_header(b, "content-disposition", i.content_disposition.as_deref())?;
        let b = set_header(b, "content-encoding", i.content_encoding.as_deref())?;
        let b = set_header(b, "content-type", i.content_type.as_deref())?;
        let mut b = set_header(b, "x-amz-storage-class", i.storage_class.as_deref())?;
        if let Some(meta) = &i.metadata {
            for (k, v) in meta {
                let name =
                    http::HeaderName::try_from(format!("x-amz-meta-{}", k.to_ascii_lowercase()))
                        .map_err(|_| {
                            SdkError::construction(format!("invalid metadata name `{k}`"))
                        })?;
                let value = http::HeaderValue::from_str(v).map_err(|_| {
                    SdkError::construction(format!(
                        "the metadata value of `{k}` is not a valid header value"
                    ))
                })?;
                b = b.header(name, value);
            }
        }
        with_object_body(b, std::mem::take(&mut i.body))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<PutObjectOutput, SdkError> {
        check(&parts, body)?;
        Ok(PutObjectOutput {
            e_tag: header(&parts.headers, "etag"),
            version_id: header(&parts.headers, "x-amz-version-id"),
            response_metadata: Metadata::default(),
        })
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<PutObject>();
        &SPEC
    }
}
