//! `UploadPart`: one part of a multipart upload (`PUT /{Bucket}/{Key+}?partNumber=N&uploadId=ID`).
//!
//! The upload itself is started by `CreateMultipartUpload` and finished by
//! `CompleteMultipartUpload`, which name the parts by number and by the ETag this operation
//! returns. The body is sent as given, like `PutObject`'s.
//!
//! ```no_run
//! use ziggurat_core::body::Body;
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_services::s3::Client;
//!
//! # async fn run(upload_id: String) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let client = Client::new(&SdkConfig::from_env());
//! let part = client
//!     .upload_part()
//!     .bucket("photos")
//!     .key("big.tar")
//!     .part_number(1)
//!     .upload_id(upload_id)
//!     .body(Body::from_file("big.tar.part1").await?)
//!     .send()
//!     .await?;
//! println!("part 1: {:?}", part.e_tag);
//! # Ok(()) }
//! ```
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::{
    check, header, object_path, push_query, set_header, set_secret_header, with_object_body,
};
use crate::runtime::{fluent_setters, has_metadata, operation_error, require};

/// The `UploadPart` operation.
#[derive(Debug)]
pub struct UploadPart;

/// Input of [`UploadPart`]. Its `Debug` output hides the SSE-C key.
#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UploadPartInput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The part's number, from 1 to 10,000.
    pub part_number: i32,
    /// The multipart upload, as `CreateMultipartUpload` returned it.
    pub upload_id: String,
    /// The part's bytes. A stream that cannot be rewound is never retried.
    #[serde(skip)]
    pub body: Body,
    /// `Content-MD5`: the base64 MD5 of the body, for the server to check.
    #[serde(rename = "ContentMD5")]
    pub content_md5: Option<String>,
    /// SSE-C: the algorithm (`AES256`) the object is encrypted with.
    #[serde(rename = "SSECustomerAlgorithm")]
    pub sse_customer_algorithm: Option<String>,
    /// SSE-C: the base64 key, the same as when the upload was created.
    #[serde(rename = "SSECustomerKey")]
    pub sse_customer_key: Option<String>,
    /// SSE-C: the base64 MD5 of the key.
    #[serde(rename = "SSECustomerKeyMD5")]
    pub sse_customer_key_md5: Option<String>,
}

impl std::fmt::Debug for UploadPartInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadPartInput")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("part_number", &self.part_number)
            .field("upload_id", &self.upload_id)
            .field("body", &self.body)
            .field("content_md5", &self.content_md5)
            .field("sse_customer_algorithm", &self.sse_customer_algorithm)
            .field(
                "sse_customer_key",
                &self.sse_customer_key.as_ref().map(|_| "** redacted **"),
            )
            .field("sse_customer_key_md5", &self.sse_customer_key_md5)
            .finish()
    }
}

/// Output of [`UploadPart`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadPartOutput {
    /// The part's entity tag, to name it in `CompleteMultipartUpload`.
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// The server-side encryption used (`AES256`, `aws:kms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_side_encryption: Option<String>,
    /// The part's CRC32 checksum, when one was sent.
    #[serde(rename = "ChecksumCRC32", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32: Option<String>,
    /// The part's CRC32C checksum, when one was sent.
    #[serde(rename = "ChecksumCRC32C", skip_serializing_if = "Option::is_none")]
    pub checksum_crc32c: Option<String>,
    /// The part's SHA-1 checksum, when one was sent.
    #[serde(rename = "ChecksumSHA1", skip_serializing_if = "Option::is_none")]
    pub checksum_sha1: Option<String>,
    /// The part's SHA-256 checksum, when one was sent.
    #[serde(rename = "ChecksumSHA256", skip_serializing_if = "Option::is_none")]
    pub checksum_sha256: Option<String>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(UploadPartOutput);

operation_error! {
    /// Errors of [`UploadPart`].
    UploadPartError {
        /// The upload id names no multipart upload in progress.
        NoSuchUpload,
    }
}

fluent_setters!(UploadPart {
    /// The bucket.
    req bucket: String,
    /// The key.
    req key: String,
    /// The part's number, from 1 to 10,000.
    req part_number: i32,
    /// The multipart upload.
    req upload_id: String,
    /// The part's bytes.
    req body: Body,
    /// `Content-MD5`.
    opt content_md5: String,
    /// SSE-C: the algorithm.
    opt sse_customer_algorithm: String,
    /// SSE-C: the base64 key.
    opt sse_customer_key: String,
    /// SSE-C: the base64 MD5 of the key.
    opt sse_customer_key_md5: String,
});

impl Operation for UploadPart {
    type Input = UploadPartInput;
    type Output = UploadPartOutput;
    type Error = UploadPartError;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "UploadPart";

    fn serialize(
        i: &mut UploadPartInput,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let mut path = object_path(&i.bucket, &i.key, ctx)?;
        if !(1..=10_000).contains(&i.part_number) {
            return Err(SdkError::construction(format!(
                "the input member `PartNumber` must be between 1 and 10000, not {}",
                i.part_number
            )));
        }
        require(&i.upload_id, "UploadId")?;
        path.push_str("?x-id=UploadPart");
        push_query(&mut path, "partNumber", Some(&i.part_number.to_string()));
        push_query(&mut path, "uploadId", Some(&i.upload_id));
        let b = http::Request::put(path);
        let b = set_header(b, "content-md5", i.content_md5.as_deref())?;
        let b = set_header(
            b,
            "x-amz-server-side-encryption-customer-algorithm",
            i.sse_customer_algorithm.as_deref(),
        )?;
        let b = set_secret_header(
            b,
            "x-amz-server-side-encryption-customer-key",
            i.sse_customer_key.as_deref(),
        )?;
        let b = set_header(
            b,
            "x-amz-server-side-encryption-customer-key-md5",
            i.sse_customer_key_md5.as_deref(),
        )?;
        with_object_body(b, std::mem::take(&mut i.body))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<UploadPartOutput, SdkError> {
        check(&parts, body)?;
        let h = &parts.headers;
        Ok(UploadPartOutput {
            e_tag: header(h, "etag"),
            server_side_encryption: header(h, "x-amz-server-side-encryption"),
            checksum_crc32: header(h, "x-amz-checksum-crc32"),
            checksum_crc32c: header(h, "x-amz-checksum-crc32c"),
            checksum_sha1: header(h, "x-amz-checksum-sha1"),
            checksum_sha256: header(h, "x-amz-checksum-sha256"),
            response_metadata: Metadata::default(),
        })
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<UploadPart>();
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_the_part_number_and_upload_id_into_the_query() {
        let mut ctx = Context::new("S3", "UploadPart");
        let mut input = UploadPartInput {
            bucket: "b".into(),
            key: "dir/a key+".into(),
            part_number: 3,
            upload_id: "id/with=special&chars".into(),
            body: Body::from("part"),
            content_md5: Some("bWQ1".into()),
            ..Default::default()
        };
        let request = UploadPart::serialize(&mut input, &mut ctx).unwrap();
        assert_eq!(request.method(), http::Method::PUT);
        assert_eq!(
            request.uri().to_string(),
            "/b/dir/a%20key%2B?x-id=UploadPart&partNumber=3&uploadId=id%2Fwith%3Dspecial%26chars"
        );
        assert_eq!(request.headers()["content-md5"], "bWQ1");
        assert_eq!(request.body().bytes(), Some(&b"part"[..]));

        // The SSE-C key is a secret: never in Debug output, marked sensitive on the request.
        let mut secret = UploadPartInput {
            bucket: "b".into(),
            key: "k".into(),
            part_number: 1,
            upload_id: "u".into(),
            sse_customer_key: Some("c2VjcmV0LWtleS1tYXRlcmlhbA==".into()),
            ..Default::default()
        };
        assert!(!format!("{secret:?}").contains("c2VjcmV0"));
        let request = UploadPart::serialize(&mut secret, &mut ctx).unwrap();
        let key = &request.headers()["x-amz-server-side-encryption-customer-key"];
        assert!(key.is_sensitive());
        assert!(!format!("{:?}", request.headers()).contains("c2VjcmV0"));

        for bad in [0, 10_001, -1] {
            let mut input = UploadPartInput {
                bucket: "b".into(),
                key: "k".into(),
                part_number: bad,
                upload_id: "u".into(),
                ..Default::default()
            };
            let error = UploadPart::serialize(&mut input, &mut ctx).unwrap_err();
            assert!(error.to_string().contains("PartNumber"), "{error}");
        }
        let mut input = UploadPartInput {
            bucket: "b".into(),
            key: "k".into(),
            part_number: 1,
            ..Default::default()
        };
        let error = UploadPart::serialize(&mut input, &mut ctx).unwrap_err();
        assert!(error.to_string().contains("UploadId"), "{error}");
    }
}
