//! `DeleteBucket`.
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::{bucket_path, check};
use crate::runtime::{fluent_setters, has_metadata, operation_error};

/// The `DeleteBucket` operation.
#[derive(Debug)]
pub struct DeleteBucket;

/// Input of [`DeleteBucket`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteBucketInput {
    /// The bucket to delete; it must be empty.
    pub bucket: String,
}

/// Output of [`DeleteBucket`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeleteBucketOutput {
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(DeleteBucketOutput);

operation_error! {
    /// Errors of [`DeleteBucket`].
    DeleteBucketError {
        /// The bucket does not exist.
        NoSuchBucket,
        /// The bucket still holds objects.
        BucketNotEmpty,
    }
}

fluent_setters!(DeleteBucket {
    /// The bucket to delete.
    req bucket: String,
});

impl Operation for DeleteBucket {
    type Input = DeleteBucketInput;
    type Output = DeleteBucketOutput;
    type Error = DeleteBucketError;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "DeleteBucket";

    fn serialize(
        input: &mut DeleteBucketInput,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let path = bucket_path(&input.bucket, ctx)?;
        Ok(http::Request::delete(path).body(Body::empty())?)
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<DeleteBucketOutput, SdkError> {
        check(&parts, body)?;
        Ok(DeleteBucketOutput::default())
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<DeleteBucket>();
        &SPEC
    }
}
