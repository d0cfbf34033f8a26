//! The AWS wire protocols: request building and error parsing shared by every operation of a
//! protocol, so per-operation serializers and deserializers stay a few lines long.
//!
//! - [`aws_json`]: awsJson1_0 and awsJson1_1 (DynamoDB, SQS): `POST /` with
//!   `X-Amz-Target: Prefix.Operation` and a JSON body; errors name their code in
//!   `x-amzn-ErrorType`, `__type` or `code`.
//! - [`rest_xml`]: restXml (S3): the operation is in the method and path; errors are
//!   `<Error><Code>…`, or nothing but a status for `HEAD`.
//!
//! ```
//! use ziggurat_layers::protocol::aws_json;
//!
//! let res = http::Response::builder().status(400).body(()).unwrap();
//! let (parts, _) = res.into_parts();
//! let err = aws_json::parse_error(&parts, br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}"#);
//! assert_eq!(err.code(), "ResourceNotFoundException");
//! assert_eq!(err.message(), Some("no table"));
//! ```
pub mod aws_json;
pub mod rest_xml;

use http::HeaderMap;

/// The request id of a response: `x-amzn-RequestId`, else `x-amz-request-id`.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-amzn-requestid")
        .or_else(|| headers.get("x-amz-request-id"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// An error code for a failed response that names none (every `HEAD`, proxies' HTML pages):
/// the status's reason phrase without spaces, `NotFound`, `ServiceUnavailable`, or `Http599`.
pub fn code_from_status(status: http::StatusCode) -> String {
    status
        .canonical_reason()
        .map(|r| r.replace(' ', ""))
        .unwrap_or_else(|| format!("Http{}", status.as_u16()))
}

/// S3's extended request id (`x-amz-id-2`).
pub fn extended_request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-amz-id-2")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
