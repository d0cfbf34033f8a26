//! `DeleteObject`.
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::{check, header, object_path, push_query};
use crate::runtime::{fluent_setters, has_metadata, operation_error};

/// The `DeleteObject` operation.
#[derive(Debug)]
pub struct DeleteObject;

/// Input of [`DeleteObject`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteObjectInput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// A specific version to delete.
    pub version_id: Option<String>,
}

/// Output of [`DeleteObject`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteObjectOutput {
    /// Whether a delete marker was created or removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_marker: Option<bool>,
    /// The version deleted or the delete marker's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(DeleteObjectOutput);

operation_error! {
    /// Errors of [`DeleteObject`].
    DeleteObjectError {}
}

fluent_setters!(DeleteObject {
    /// The bucket.
    req bucket: String,
    /// The key.
    req key: String,
    /// A specific version to delete.
    opt version_id: String,
});

impl Operation for DeleteObject {
    type Input = DeleteObjectInput;
    type Output = DeleteObjectOutput;
    type Error = DeleteObjectError;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "DeleteObject";

    fn serialize(
        input: &mut DeleteObjectInput,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let mut path = object_path(&input.bucket, &input.key, ctx)?;
        path.push_str("?x-id=DeleteObject");
        push_query(&mut path, "versionId", input.version_id.as_deref());
        Ok(http::Request::delete(path).body(Body::empty())?)
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<DeleteObjectOutput, SdkError> {
        check(&parts, body)?;
        Ok(DeleteObjectOutput {
            delete_marker: header(&parts.headers, "x-amz-delete-marker").map(|v| v == "true"),
            version_id: header(&parts.headers, "x-amz-version-id"),
            response_metadata: Metadata::default(),
        })
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<DeleteObject>();
        &SPEC
    }
}
