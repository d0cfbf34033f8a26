//! `CreateBucket`.
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::{bucket_path, check, header, set_header};
use crate::runtime::{fluent_setters, has_metadata, operation_error};

/// The `CreateBucket` operation.
#[derive(Debug)]
pub struct CreateBucket;

/// Input of [`CreateBucket`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateBucketInput {
    /// The bucket to create.
    pub bucket: String,
    /// The canned ACL (`x-amz-acl`).
    #[serde(rename = "ACL")]
    pub acl: Option<String>,
    /// Where to create the bucket.
    pub create_bucket_configuration: Option<CreateBucketConfiguration>,
}

/// Where a bucket is created.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct CreateBucketConfiguration {
    /// The region (`LocationConstraint`); omitted for us-east-1.
    pub location_constraint: Option<String>,
}

/// Output of [`CreateBucket`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateBucketOutput {
    /// The bucket's location (`Location`).
    pub location: Option<String>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(CreateBucketOutput);

operation_error! {
    /// Errors of [`CreateBucket`].
    CreateBucketError {
        /// The name is taken by another account.
        BucketAlreadyExists,
        /// You already own the bucket.
        BucketAlreadyOwnedByYou,
    }
}

fluent_setters!(CreateBucket {
    /// The bucket to create.
    req bucket: String,
    /// The canned ACL.
    opt acl: String,
    /// Where to create the bucket.
    opt create_bucket_configuration: CreateBucketConfiguration,
});

fn xml_escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

impl Operation for CreateBucket {
    type Input = CreateBucketInput;
    type Output = CreateBucketOutput;
    type Error = CreateBucketError;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "CreateBucket";

    fn serialize(
        input: &mut CreateBucketInput,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let path = bucket_path(&input.bucket, ctx)?;
        let body = match input
            .create_bucket_configuration
            .as_ref()
            .and_then(|c| c.location_constraint.as_deref())
        {
            Some(loc) => Body::from(format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                xml_escape(loc)
            )),
            None => Body::empty(),
        };
        let b = http::Request::put(path);
        let b = set_header(b, "x-amz-acl", input.acl.as_deref())?;
        Ok(b.body(body)?)
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<CreateBucketOutput, SdkError> {
        check(&parts, body)?;
        Ok(CreateBucketOutput {
            location: header(&parts.headers, "location"),
            response_metadata: Metadata::default(),
        })
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<CreateBucket>();
        &SPEC
    }
}
